// node_exporter's thermal_zone and hwmon collectors: temperatures and the other sensors of
// /sys/class/thermal and /sys/class/hwmon, because edge boards run hot.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <map>
#include <optional>

#include "collectors/collectors.h"
#include "collectors/text_fields.h"

namespace vigil::collectors {
namespace {

// Entries of a directory starting with `prefix`, in numeric order of what follows it.
std::vector<std::string> Numbered(const std::string& dir, std::string_view prefix) {
  std::vector<std::pair<long, std::string>> found;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name.substr(0, prefix.size()) != prefix) continue;
      auto n = core::ParseUint64(name.substr(prefix.size()));
      if (n) found.emplace_back(static_cast<long>(*n), std::string(name));
    }
    ::closedir(d);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, name] : found) out.push_back(std::move(name));
  return out;
}

std::optional<std::string> ReadLine(KernelFiles& files, const std::string& root,
                                    const std::string& relative) {
  auto text = files.ReadAttribute(root, relative);
  if (!text.ok()) return std::nullopt;
  return std::string(TrimSpace(*text));
}

}  // namespace

core::Status CollectThermalZones(const Roots& roots, MetricSet* out) {
  const std::string base = roots.sysfs + "/class/thermal";
  for (const std::string& dir : Numbered(base, "thermal_zone")) {
    auto type = ReadLine(*roots.files, base, dir + "/type");
    auto temp = ReadLine(*roots.files, base,
                         dir + "/temp");  // a zone whose sensor is off refuses: left out
    std::optional<double> v = temp ? core::ParseFloat(*temp) : std::nullopt;
    if (!type || !v) continue;
    out->Add("node_thermal_zone_temp", "Zone temperature in Celsius", core::MetricType::kGauge,
             *v / 1000, {{"type", *type}, {"zone", dir.substr(12)}});
  }
  for (const std::string& dir : Numbered(base, "cooling_device")) {
    auto type = ReadLine(*roots.files, base, dir + "/type");
    auto cur = ReadLine(*roots.files, base, dir + "/cur_state");
    auto max = ReadLine(*roots.files, base, dir + "/max_state");
    if (!type) continue;
    std::vector<core::Label> labels{{"name", dir.substr(14)}, {"type", *type}};
    if (auto v = cur ? core::ParseFloat(*cur) : std::nullopt) {
      out->Add("node_cooling_device_cur_state", "Current throttle state of the cooling device",
               core::MetricType::kGauge, *v, labels);
    }
    if (auto v = max ? core::ParseFloat(*max) : std::nullopt) {
      out->Add("node_cooling_device_max_state", "Maximum throttle state of the cooling device",
               core::MetricType::kGauge, *v, labels);
    }
  }
  return core::OkStatus();
}

// node_exporter's hwmon cleanMetricName: lower case, [^a-z0-9:_] as '_', no '_' at the ends.
std::string CleanHwmonName(std::string_view name) {
  std::string out;
  for (char c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ? c
                                                                                           : '_');
  }
  size_t a = out.find_first_not_of('_'), b = out.find_last_not_of('_');
  return a == std::string::npos ? "" : out.substr(a, b - a + 1);
}

namespace {

// A stable chip name: <bus>_<device> from where the device link points, else the name file,
// else the hwmon directory; sensor numbering alone changes with module load order.
std::string ChipName(KernelFiles& files, const std::string& dir) {
  char target[PATH_MAX];
  ssize_t n = ::readlink((dir + "/device").c_str(), target, sizeof target - 1);
  if (n > 0) {
    std::string path(target, static_cast<size_t>(n));
    while (!path.empty() && path.back() == '/') path.pop_back();
    size_t slash = path.rfind('/');
    std::string device = CleanHwmonName(path.substr(slash == std::string::npos ? 0 : slash + 1));
    std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
    size_t pslash = parent.rfind('/');
    std::string bus = CleanHwmonName(parent.substr(pslash == std::string::npos ? 0 : pslash + 1));
    if (!bus.empty() && !device.empty()) return bus + "_" + device;
    if (!device.empty()) return device;
  }
  if (auto name = ReadLine(files, dir, "name")) {
    if (std::string clean = CleanHwmonName(*name); !clean.empty()) return clean;
  }
  return CleanHwmonName(dir.substr(dir.rfind('/') + 1));
}

struct SensorKind {
  std::string_view type, what, unit;
  double scale;
};
constexpr SensorKind kKinds[] = {{"temp", "temperature", "celsius", 0.001},
                                 {"in", "voltage", "volts", 0.001},
                                 {"curr", "current", "amps", 0.001},
                                 {"power", "power", "watt", 1e-6},
                                 {"fan", "fan speed", "rpm", 1},
                                 {"energy", "energy", "joule_total", 1e-6},
                                 {"humidity", "humidity", "percent", 0.001}};

}  // namespace

core::Status CollectHwmon(const Roots& roots, MetricSet* out) {
  const std::string base = roots.sysfs + "/class/hwmon";
  for (const std::string& hwmon : Numbered(base, "hwmon")) {
    const std::string dir = base + "/" + hwmon;
    const std::string chip = ChipName(*roots.files, dir);
    if (auto name = ReadLine(*roots.files, dir, "name")) {
      out->Add("node_hwmon_chip_names", "Annotation metric for human-readable chip names",
               core::MetricType::kGauge, 1, {{"chip", chip}, {"chip_name", CleanHwmonName(*name)}});
    }
    // Files are <type><n>_<property>: temp1_input, fan2_max, in0_label, ...
    std::map<std::string, std::map<std::string, std::string>>
        sensors;  // sensor -> property -> text
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string_view file = e->d_name;
        size_t us = file.find('_');
        if (us == std::string_view::npos) continue;
        std::string sensor(file.substr(0, us));
        if (sensor.empty() || !std::isdigit(static_cast<unsigned char>(sensor.back()))) continue;
        if (auto v = ReadLine(*roots.files, dir, std::string(file)))
          sensors[sensor][std::string(file.substr(us + 1))] = *v;
      }
      ::closedir(d);
    }
    for (const auto& [sensor, props] : sensors) {
      std::string_view type(sensor);
      while (!type.empty() && std::isdigit(static_cast<unsigned char>(type.back())))
        type.remove_suffix(1);
      const SensorKind* kind = nullptr;
      for (const SensorKind& k : kKinds) {
        if (k.type == type) kind = &k;
      }
      if (!kind) continue;
      std::vector<core::Label> labels{{"chip", chip}, {"sensor", sensor}};
      for (const auto& [prop, text] : props) {
        if (prop == "label") {
          out->Add("node_hwmon_sensor_label", "Label for given chip and sensor",
                   core::MetricType::kGauge, 1,
                   {{"chip", chip}, {"label", text}, {"sensor", sensor}});
          continue;
        }
        std::optional<double> v = core::ParseFloat(text);
        if (!v) continue;
        const bool status = prop.find("alarm") != std::string::npos || prop == "beep" ||
                            prop == "enable" || prop == "fault";
        std::string name = "node_hwmon_" + std::string(type) + (prop == "input" ? "" : "_" + prop);
        if (status) {
          out->Add(name, "Hardware sensor " + prop + " status (" + std::string(kind->what) + ")",
                   core::MetricType::kGauge, *v, labels);
        } else {
          out->Add(name + "_" + std::string(kind->unit),
                   "Hardware monitor for " + std::string(kind->what) + " (" + prop + ")",
                   core::MetricType::kGauge, *v * kind->scale, labels);
        }
      }
    }
  }
  return core::OkStatus();
}

}  // namespace vigil::collectors
