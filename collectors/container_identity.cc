#include "collectors/container_identity.h"

#include "collectors/json_path.h"


#include <cctype>

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

std::vector<core::Label> ContainerIdentities::Labels(std::string_view cgroup_path) {
  const std::string cid = ContainerIdFromCgroup(cgroup_path);
  if (cid.empty()) return {};
  auto it = known_.find(cid);
  if (it == known_.end()) {
    ContainerIdentity found;
    // Where each runtime keeps a container's configuration.
    if (auto j = ReadFile(rootfs_, "var/lib/docker/containers/" + cid + "/config.v2.json");
        j.ok()) {
      found = ParseDockerConfig(*j);
    } else {
      for (const std::string& dir :
           {"run/containerd/io.containerd.runtime.v2.task/k8s.io/" + cid,
            "run/containerd/io.containerd.runtime.v2.task/moby/" + cid,
            "run/containers/storage/overlay-containers/" + cid + "/userdata"}) {
        if (auto o = ReadFile(rootfs_, dir + "/config.json"); o.ok()) {
          found = ParseOciConfig(*o);
          break;
        }
      }
    }
    it = known_.emplace(cid, std::move(found)).first;
  }
  const ContainerIdentity& c = it->second;
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
