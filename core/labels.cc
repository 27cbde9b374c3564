#include "core/labels.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

namespace vigil::core {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ByName(const Label& a, const Label& b) { return a.name < b.name; }

Status Validate(const std::vector<Label>& sorted) {
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Label& l = sorted[i];
    if (!IsValidLabelName(l.name)) {
      return InvalidArgumentError("invalid label name \"" + l.name + "\"");
    }
    if (i > 0 && sorted[i - 1].name == l.name) {
      return InvalidArgumentError("duplicate label name \"" + l.name + "\"");
    }
    if (!IsValidUtf8(l.value)) {
      return InvalidArgumentError("label \"" + l.name + "\" has a value that is not UTF-8");
    }
  }
  return OkStatus();
}

}  // namespace

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return IsNameStart(c) || IsDigit(c); });
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return IsNameStart(c) || IsDigit(c) || c == ':'; });
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += len;
  }
  return true;
}

Result<Labels> Labels::Create(std::vector<Label> pairs) {
  std::erase_if(pairs, [](const Label& l) { return l.value.empty(); });
  std::sort(pairs.begin(), pairs.end(), ByName);
  VIGIL_RETURN_IF_ERROR(Validate(pairs));
  Labels out;
  out.hash_ = ComputeHash(pairs);
  out.labels_ = std::move(pairs);
  return out;
}

Labels Labels::FromLiteral(
    std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::vector<Label> v;
  v.reserve(pairs.size());
  for (const auto& [n, val] : pairs) v.push_back({std::string(n), std::string(val)});
  auto result = Create(std::move(v));
  assert(result.ok() && "invalid label literal");
  return result.ok() ? std::move(result).value() : Labels();
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

uint64_t Labels::ComputeHash(const std::vector<Label>& labels) {
  // FNV-1a over name 0xff value 0xff ...: portable, and the separator keeps {a="bc"} and
  // {ab="c"} apart.
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;
    h *= 0x100000001b3ULL;
  };
  for (const Label& l : labels) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

void AppendEscaped(std::string* out, std::string_view text, bool quote_escape) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        if (quote_escape) {
          out->append("\\\"");
        } else {
          out->push_back(c);
        }
        break;
      default:
        out->push_back(c);
    }
  }
}

std::string ToString(std::span<const LabelView> labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i].name;
    out += "=\"";
    AppendEscaped(&out, labels[i].value, true);
    out += '"';
  }
  out += '}';
  return out;
}

std::string Labels::ToString() const {
  std::vector<LabelView> views;
  views.reserve(labels_.size());
  for (const Label& l : labels_) views.push_back({l.name, l.value});
  return core::ToString(views);
}

std::string Labels::ToSeriesString() const {
  std::string out(MetricName());
  std::string rest;
  for (const Label& l : labels_) {
    if (l.name == kMetricNameLabel) continue;
    if (!rest.empty()) rest += ", ";
    rest += l.name;
    rest += "=\"";
    AppendEscaped(&rest, l.value, true);
    rest += '"';
  }
  if (!rest.empty() || out.empty()) out += "{" + rest + "}";
  return out;
}

bool Labels::operator<(const Labels& other) const {
  size_t n = std::min(labels_.size(), other.labels_.size());
  for (size_t i = 0; i < n; ++i) {
    const Label& a = labels_[i];
    const Label& b = other.labels_[i];
    if (a.name != b.name) return a.name < b.name;
    if (a.value != b.value) return a.value < b.value;
  }
  return labels_.size() < other.labels_.size();
}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  for (Label& l : labels_) {
    if (l.name == name) {
      l.value = value;
      return *this;
    }
  }
  labels_.push_back({std::string(name), std::string(value)});
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  std::erase_if(labels_, [name](const Label& l) { return l.name == name; });
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const Label& l : labels_) {
    if (l.name == name) return l.value;
  }
  return {};
}

Result<Labels> LabelsBuilder::Build() const { return Labels::Create(labels_); }

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

}  // namespace vigil::core
