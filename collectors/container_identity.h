#pragma once
// What the node itself records of a container, without any Kubernetes API: the runtime's id
// in the cgroup path, and from the runtime's state on disk its name, image and, for
// Kubernetes pods, namespace, pod and container. Unknown layouts yield nothing but the id.
#include <map>
#include <string>
#include <string_view>

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

// Looks containers up under the root filesystem, remembering what it found per id.
class ContainerIdentities {
 public:
  explicit ContainerIdentities(std::string rootfs) : rootfs_(std::move(rootfs)) {}
  // Labels for a cgroup: name, image, namespace, pod, container where known.
  std::vector<core::Label> Labels(std::string_view cgroup_path);

 private:
  std::string rootfs_;
  std::map<std::string, ContainerIdentity> known_;  // by container id
};

}  // namespace vigil::collectors
