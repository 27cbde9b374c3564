#include "remote/destination_config.h"

#include <algorithm>

#include "core/labels.h"

namespace vigil::remote {

std::vector<DestinationConfig> ReadDestinations(core::ConfigReader& reader) {
  static constexpr std::string_view kPrefix = "remote_write.";
  std::vector<DestinationConfig> out;
  for (core::ConfigSection* section : reader.SectionsWithPrefix(kPrefix)) {
    DestinationConfig d;
    d.name = section->name().substr(kPrefix.size());
    // The name labels this destination's self-metrics, so it must be a valid label value
    // that reads well: the same characters as a label name, plus '-'.
    bool good_name = !d.name.empty() && std::all_of(d.name.begin(), d.name.end(), [](char c) {
      return core::IsValidLabelName(std::string(1, c == '-' ? '_' : c)) || (c >= '0' && c <= '9');
    });
    if (!good_name) {
      section->SectionError("destination name \"" + d.name +
                            "\" may hold only letters, digits, '_' and '-'");
    }
    if (section->Require("url")) {
      if (auto url = section->UrlValue("url")) d.url = *url;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace vigil::remote
