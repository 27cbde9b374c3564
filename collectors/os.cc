// node_exporter's os collector: node_os_info and node_os_version from os-release(5), looked
// for in /etc/os-release and then /usr/lib/os-release under the root filesystem.
#include <cctype>
#include <map>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

// A value as os-release(5) writes it: optionally in single or double quotes, with \ escapes.
std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

}  // namespace

core::Status ParseOsRelease(std::string_view text, MetricSet* out) {
  static constexpr std::pair<std::string_view, std::string_view> kKeys[] = {
      {"BUILD_ID", "build_id"},
      {"ID", "id"},
      {"ID_LIKE", "id_like"},
      {"IMAGE_ID", "image_id"},
      {"IMAGE_VERSION", "image_version"},
      {"NAME", "name"},
      {"PRETTY_NAME", "pretty_name"},
      {"VARIANT", "variant"},
      {"VARIANT_ID", "variant_id"},
      {"VERSION", "version"},
      {"VERSION_CODENAME", "version_codename"},
      {"VERSION_ID", "version_id"}};
  std::map<std::string, std::string> values;
  for (std::string_view line : Lines(text)) {
    line = TrimSpace(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return core::InvalidArgumentError("os-release: line without '='");
    values[std::string(line.substr(0, eq))] = Unquote(line.substr(eq + 1));
  }
  std::vector<core::Label> labels;
  for (const auto& [key, label] : kKeys)
    labels.push_back({std::string(label), values[std::string(key)]});
  out->Add("node_os_info",
           "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
           "image_version, name, "
           "pretty_name, variant, variant_id, version, version_codename, version_id.",
           core::MetricType::kGauge, 1, std::move(labels));
  // The major.minor part of VERSION_ID, as node_exporter reads it.
  std::string version = values["VERSION_ID"];
  size_t end = 0;
  int dots = 0;
  while (end < version.size() && (std::isdigit(static_cast<unsigned char>(version[end])) ||
                                  (version[end] == '.' && ++dots < 2)))
    ++end;
  if (auto v = core::ParseFloat(version.substr(0, end)); v && end > 0) {
    out->Add("node_os_version", "Metric containing the major.minor part of the OS version.",
             core::MetricType::kGauge, *v,
             {{"id", values["ID"]}, {"id_like", values["ID_LIKE"]}, {"name", values["NAME"]}});
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
