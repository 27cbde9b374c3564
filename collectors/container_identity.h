#pragma once
// What the node itself records of a container, without any Kubernetes API: the runtime's id
// in the cgroup path, and from the runtime's state on disk its name, image and, for
// Kubernetes pods, namespace, pod and container. Unknown layouts yield nothing but the id.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.h"

namespace vigil::collectors {

// The 64-hex container id in a cgroup path (docker-<id>.scope, cri-containerd-<id>.scope,
// crio-<id>.scope, libpod-<id>.scope, /docker/<id>, /kubepods/.../<id>), or "".
std::string ContainerIdFromCgroup(std::string_view cgroup_path);

struct ContainerIdentity {
  std::string name, image, namespace_, pod, container;
};

// Docker's containers/<id>/config.v2.json.
ContainerIdentity ParseDockerConfig(std::string_view json);
// An OCI bundle's config.json as containerd and CRI-O write it (annotations).
ContainerIdentity ParseOciConfig(std::string_view json);

// Looks containers up under the root filesystem, remembering what it found per id. A runtime
// may write a container's state after its cgroup appears, so a lookup that found nothing is
// tried again: at once when a runtime's state directory changed, else after 1, 2, 4 ... up to
// kMaxRetryWait collections. A cgroup no runtime knows thus costs a few failed opens now and
// then, not every collection.
class ContainerIdentities {
 public:
  static constexpr uint64_t kMaxRetryWait = 32;  // collections: 8 minutes at 15s

  explicit ContainerIdentities(std::string rootfs) : rootfs_(std::move(rootfs)) {}
  // Starts a collection: notes whether any runtime's state directory changed since the last.
  void BeginCollection();
  // Labels for a cgroup: name, image, namespace, pod, container where known.
  std::vector<core::Label> Labels(std::string_view cgroup_path);
  // Ends a collection: forgets the containers not asked about in it (their cgroups are gone).
  void EndCollection();

 private:
  struct Entry {
    ContainerIdentity identity;
    bool found = false;
    uint64_t next_try = 0;  // the collection a lookup that found nothing is tried again in
    uint64_t wait = 1;      // collections until then, doubled after every miss
    uint64_t asked = 0;     // the last collection that asked
  };
  ContainerIdentity Lookup(const std::string& container_id) const;

  std::string rootfs_;
  uint64_t collection_ = 0;
  bool state_changed_ = false;
  std::vector<int64_t> state_mtimes_;   // of the runtimes' state directories, as last seen
  std::map<std::string, Entry> known_;  // by container id
};

}  // namespace vigil::collectors
