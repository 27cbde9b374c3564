// node_exporter's textfile collector: the *.prom files of a directory (metrics that cron jobs
// and scripts write), with each file's mtime; node_textfile_scrape_error says whether any
// file could not be read or parsed (that file is then left out).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "collectors/collectors.h"
#include "core/log.h"

namespace vigil::collectors {

core::Status CollectTextfile(const Roots& roots, MetricSet* out) {
  bool error = false;
  std::vector<std::string> files;
  if (!roots.textfile_directory.empty()) {
    if (DIR* d = ::opendir(roots.textfile_directory.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.size() > 5 && name.substr(name.size() - 5) == ".prom") files.push_back(name);
      }
      ::closedir(d);
    } else {
      error = true;
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    const std::string path = roots.textfile_directory + "/" + file;
    auto text = ReadFile(roots.textfile_directory, file);
    auto page = text.ok() ? core::ParseExposition(*text)
                          : core::Result<core::ParsedExposition>(text.status());
    if (!page.ok()) {
      core::LogWarn("textfile unreadable", {{"file", path}, {"err", page.status().message()}});
      error = true;
      continue;
    }
    for (const core::ParsedSample& s : page->samples) {
      std::string_view name = s.labels.MetricName();
      core::MetricType type = core::MetricType::kUntyped;
      std::string help = "Metric read from " + path;
      for (const core::FamilyMetadata& m : page->metadata) {
        if (m.name == name) {
          type = m.type;
          if (!m.help.empty()) help = m.help;
        }
      }
      std::vector<core::Label> labels;
      for (const core::Label& l : s.labels) {
        if (l.name != core::kMetricNameLabel) labels.push_back(l);
      }
      out->Add(name, help, type, s.value, std::move(labels));
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      out->Add("node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.",
               core::MetricType::kGauge, static_cast<double>(st.st_mtime), {{"file", path}});
    }
  }
  out->Add("node_textfile_scrape_error",
           "1 if there was an error opening or reading a file, 0 otherwise",
           core::MetricType::kGauge, error ? 1 : 0);
  return core::OkStatus();
}

}  // namespace vigil::collectors
