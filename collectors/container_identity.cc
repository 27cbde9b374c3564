#include "collectors/container_identity.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "collectors/json_path.h"

namespace vigil::collectors {
namespace {

bool IsHexId(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

std::string Get(std::string_view json, std::initializer_list<std::string_view> path) {
  return JsonStringAt(json, path).value_or("");
}

// Where each runtime keeps its containers' state: a new container is a new entry here.
const char* const kStateDirs[] = {
    "var/lib/docker/containers",
    "run/containerd/io.containerd.runtime.v2.task/k8s.io",
    "run/containerd/io.containerd.runtime.v2.task/moby",
    "run/containers/storage/overlay-containers",
};

int64_t MtimeNanos(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool Known(const ContainerIdentity& c) {
  return !c.name.empty() || !c.image.empty() || !c.pod.empty() || !c.container.empty();
}

}  // namespace

std::string ContainerIdFromCgroup(std::string_view path) {
  std::string_view last = path.substr(path.rfind('/') + 1);
  if (last.size() > 6 && last.substr(last.size() - 6) == ".scope") {
    last.remove_suffix(6);
    size_t dash = last.rfind('-');
    if (dash != std::string_view::npos) last = last.substr(dash + 1);
  }
  return IsHexId(last) ? std::string(last) : "";
}

ContainerIdentity ParseDockerConfig(std::string_view json) {
  ContainerIdentity id;
  id.name = Get(json, {"Name"});
  if (!id.name.empty() && id.name[0] == '/') id.name.erase(0, 1);
  id.image = Get(json, {"Config", "Image"});
  id.namespace_ = Get(json, {"Config", "Labels", "io.kubernetes.pod.namespace"});
  id.pod = Get(json, {"Config", "Labels", "io.kubernetes.pod.name"});
  id.container = Get(json, {"Config", "Labels", "io.kubernetes.container.name"});
  return id;
}

ContainerIdentity ParseOciConfig(std::string_view json) {
  auto annotation = [json](std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
      if (std::string v = Get(json, {"annotations", k}); !v.empty()) return v;
    }
    return std::string();
  };
  ContainerIdentity id;
  // containerd's CRI plugin, then CRI-O's own keys.
  id.container = annotation({"io.kubernetes.cri.container-name", "io.kubernetes.container.name"});
  id.pod = annotation({"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"});
  id.namespace_ =
      annotation({"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"});
  id.image = annotation({"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName"});
  id.name = annotation({"io.kubernetes.cri-o.ContainerName", "nerdctl/name"});
  if (id.name.empty()) id.name = id.container;
  return id;
}

void ContainerIdentities::BeginCollection() {
  ++collection_;
  std::vector<int64_t> mtimes;
  for (const char* dir : kStateDirs) mtimes.push_back(MtimeNanos(rootfs_ + "/" + dir));
  state_changed_ = mtimes != state_mtimes_;
  state_mtimes_ = std::move(mtimes);
}

void ContainerIdentities::EndCollection() {
  std::erase_if(known_, [this](const auto& kv) { return kv.second.asked != collection_; });
}

ContainerIdentity ContainerIdentities::Lookup(const std::string& cid) const {
  if (auto j = ReadFile(rootfs_, std::string(kStateDirs[0]) + "/" + cid + "/config.v2.json");
      j.ok()) {
    return ParseDockerConfig(*j);
  }
  for (const std::string& dir :
       {std::string(kStateDirs[1]) + "/" + cid, std::string(kStateDirs[2]) + "/" + cid,
        std::string(kStateDirs[3]) + "/" + cid + "/userdata"}) {
    if (auto o = ReadFile(rootfs_, dir + "/config.json"); o.ok()) return ParseOciConfig(*o);
  }
  return {};
}

std::vector<core::Label> ContainerIdentities::Labels(std::string_view cgroup_path) {
  const std::string cid = ContainerIdFromCgroup(cgroup_path);
  if (cid.empty()) return {};
  auto [it, added] = known_.try_emplace(cid);
  Entry& e = it->second;
  e.asked = collection_;
  if (!e.found && (added || state_changed_ || collection_ >= e.next_try)) {
    e.identity = Lookup(cid);
    e.found = Known(e.identity);
    if (!e.found) {
      if (!added) e.wait = std::min(e.wait * 2, kMaxRetryWait);
      e.next_try = collection_ + e.wait;
    }
  }
  const ContainerIdentity& c = e.identity;
  std::vector<core::Label> out;
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"container", &c.container},
        {"image", &c.image},
        {"name", &c.name},
        {"namespace", &c.namespace_},
        {"pod", &c.pod}}) {
    if (!value->empty()) out.push_back({name, *value});
  }
  return out;
}

}  // namespace vigil::collectors
