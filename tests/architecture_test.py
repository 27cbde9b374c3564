"""The layers of docs/ARCHITECTURE.md, checked: every #include between the source folders and
every vigil:: library a CMake target links must point the way the table says. Fails naming
each file and line that reaches where it should not.

  python3 architecture_test.py REPOSITORY_ROOT
"""
import os
import re
import sys

# Storage's interface: what the rest of the server may see of it.
STORAGE_INTERFACE = {"server/storage/querier.h", "server/storage/matcher.h",
                     "server/storage/matcher.cc", "server/storage/appender.h"}

# Layer of a file -> the layers it may include. A layer is a folder, except that storage's
# interface files form a layer of their own.
ALLOWED = {
    "core": {"core"},
    "collectors": {"core", "collectors"},
    "wal": {"core", "wal"},
    "remote": {"core", "wal", "remote"},
    "agent": {"core", "collectors", "wal", "remote", "agent"},
    "storage-interface": {"core", "storage-interface"},
    "server/storage": {"core", "wal", "storage-interface", "server/storage"},
    "server/promql": {"core", "storage-interface", "server/promql"},
    "server/rules": {"core", "storage-interface", "server/promql", "server/rules"},
    # The console's embedded files: data, and the table that finds them.
    "server/web": {"server/web"},
    "server/api": {"core", "remote", "storage-interface", "server/storage", "server/promql", "server/rules",
                   "server/web", "server/api"},
    "server": {"core", "remote", "storage-interface", "server/storage", "server/promql", "server/rules",
               "server/web", "server/api", "server"},
}

# CMake target -> the vigil:: libraries it may link.
LINKS = {
    "vigil_core": set(),
    "vigil_collectors": {"core"},
    "vigil_wal": {"core"},
    "vigil_remote": {"core", "wal"},
    "vigil_agent_lib": {"core", "collectors", "wal", "remote"},
    "vigil_storage_interface": {"core"},
    "vigil_storage": {"core", "wal", "storage_interface"},
    "vigil_promql": {"core", "storage_interface"},
    "vigil_rules": {"core", "promql", "storage_interface"},
    "vigil_web": set(),
    "vigil_server_lib": {"core", "remote", "storage_interface", "storage", "promql", "rules", "web"},
}


def layer(path):
    if path in STORAGE_INTERFACE:
        return "storage-interface"
    for name in sorted(ALLOWED, key=len, reverse=True):
        if path.startswith(name + "/"):
            return name
    return None


def main():
    root = sys.argv[1]
    problems = []
    files = 0
    for top in ("core", "collectors", "wal", "remote", "agent", "server"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                mine = layer(path)
                files += 1
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = re.match(r'\s*#include "([^"]+)"', line)
                        if not m:
                            continue
                        target = layer(m.group(1))
                        if target is not None and target not in ALLOWED[mine]:
                            problems.append("%s:%d: %s (%s) includes %s (%s)" %
                                            (path, number, path, mine, m.group(1), target))
    links = 0
    for dirpath, _, names in os.walk(root):
        if "CMakeLists.txt" not in names or "/build" in dirpath or "/.cache" in dirpath:
            continue
        path = os.path.join(dirpath, "CMakeLists.txt")
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r"target_link_libraries\((\w+)([^)]*)\)", text):
            target = m.group(1)
            if target not in LINKS:
                continue
            for dep in re.findall(r"vigil::(\w+)", m.group(2)):
                links += 1
                if dep not in LINKS[target]:
                    problems.append("%s: %s links vigil::%s" % (os.path.relpath(path, root), target, dep))
    for p in problems:
        print("FAIL: " + p)
    print("%d files and %d links checked" % (files, links))
    print("%d passed, %d failed" % (1 if not problems else 0, 1 if problems else 0))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
