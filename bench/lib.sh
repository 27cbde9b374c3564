# Shared by the bench scripts, sourced from the repository root: a work directory and the
# processes started (append their pids to `pids`), both gone at exit; loopback and /proc helpers.
work=$(mktemp -d)
pids=()
trap '{ kill -TERM "${pids[@]}"; wait; } 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/loopback.sh"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of PID, in clock ticks
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }  # of PID, in KB
