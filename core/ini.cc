#include "core/ini.h"

#include <ini.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "core/number.h"

namespace vigil::core {

std::string ConfigError::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": " + message;
  return out;
}

std::string JoinConfigErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.ToString();
  }
  return out;
}

// inih reads through this state: the reader hands it one line at a time, so the handler
// always knows the line it is called for.
struct IniParseState {
  IniDocument* doc;
  std::string_view rest;
  int line = 0;
  std::string current_line;
  std::set<int> error_lines;

  void Error(int at, std::string message) {
    if (!error_lines.insert(at).second) return;  // one error a line is enough
    doc->errors_.push_back({doc->file_, at, std::move(message)});
  }

  // Our own syntax check, so that every bad line is reported, not only inih's first.
  void CheckSyntax(std::string_view trimmed) {
    if (trimmed.empty() || trimmed[0] == ';' || trimmed[0] == '#') return;
    if (trimmed[0] == '[') {
      size_t close = trimmed.find(']');
      if (close == std::string_view::npos) {
        Error(line, "missing ']' in section header");
      } else if (TrimSpace(trimmed.substr(1, close - 1)).empty()) {
        Error(line, "empty section name");
      } else {
        Header(std::string(trimmed.substr(1, close - 1)));
      }
      return;
    }
    size_t eq = trimmed.find_first_of("=:");
    if (eq == std::string_view::npos) {
      Error(line, "expected key = value");
    } else if (TrimSpace(trimmed.substr(0, eq)).empty()) {
      Error(line, "empty key before '" + std::string(1, trimmed[eq]) + "'");
    }
  }

  // fgets for inih: copies the next line into buf. Leading blanks are dropped so that an
  // indented line is an ordinary entry, never inih's multi-line continuation.
  char* ReadLine(char* buf, int size) {
    if (rest.empty()) return nullptr;
    ++line;
    size_t nl = rest.find('\n');
    std::string_view raw = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    std::string_view trimmed = TrimSpace(raw);
    if (trimmed.size() + 2 > static_cast<size_t>(size)) {
      Error(line, "line longer than " + std::to_string(size - 2) + " characters");
      trimmed = {};
    } else if (trimmed.find('\0') != std::string_view::npos) {
      Error(line, "NUL byte in line");
      trimmed = {};
    } else {
      CheckSyntax(trimmed);
    }
    // An empty view may have a null data pointer, which memcpy must not be given.
    if (!trimmed.empty()) std::memcpy(buf, trimmed.data(), trimmed.size());
    buf[trimmed.size()] = '\n';
    buf[trimmed.size() + 1] = '\0';
    return buf;
  }

  // Sections are recorded at their header so that an empty one is still checked.
  void Header(std::string name) {
    for (const IniSection& s : doc->sections_) {
      if (s.name == name) {
        Error(line, "section [" + name + "] appears twice (first at line " +
                        std::to_string(s.line) + ")");
        return;
      }
    }
    doc->sections_.push_back({std::move(name), line, {}});
  }

  void Entry(const char* section, const char* name, const char* value) {
    if (*name == '\0') return;  // reported by CheckSyntax
    for (IniSection& s : doc->sections_) {
      if (s.name != section) continue;
      for (const IniEntry& e : s.entries) {
        if (e.key == name) {
          Error(line, "[" + s.name + "] " + name + ": set twice (first at line " +
                          std::to_string(e.line) + ")");
          return;
        }
      }
      s.entries.push_back({name, value, line});
      return;
    }
    // inih keeps only the first 49 bytes of a section name, so the names differ.
    Error(line, "section name too long (at most 49 characters)");
  }
};

IniDocument IniDocument::Parse(std::string_view text, std::string file_name) {
  IniDocument doc;
  doc.file_ = std::move(file_name);
  IniParseState state{&doc, text};
  auto reader = [](char* buf, int size, void* stream) -> char* {
    return static_cast<IniParseState*>(stream)->ReadLine(buf, size);
  };
  auto handler = [](void* user, const char* section, const char* name, const char* value) -> int {
    if (*section == '\0') {
      auto* st = static_cast<IniParseState*>(user);
      st->Error(st->line, std::string("key \"") + name + "\" outside any [section]");
      return 1;
    }
    static_cast<IniParseState*>(user)->Entry(section, name, value);
    return 1;
  };
  int first_bad = ini_parse_stream(reader, &state, handler, &state);
  if (first_bad > 0) state.Error(first_bad, "syntax error");
  std::sort(doc.errors_.begin(), doc.errors_.end(),
            [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  return doc;
}

Result<IniDocument> IniDocument::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoError(errno, "cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ErrnoError(errno, "cannot read config file " + path);
  return Parse(text.str(), path);
}

ConfigSection::ConfigSection(ConfigReader* reader, std::string name, const IniSection* section)
    : reader_(reader),
      name_(std::move(name)),
      section_(section),
      read_(section ? section->entries.size() : 0, false) {}

const IniEntry* ConfigSection::Find(std::string_view key) {
  if (!section_) return nullptr;
  for (size_t i = 0; i < section_->entries.size(); ++i) {
    if (section_->entries[i].key == key) {
      read_[i] = true;
      return &section_->entries[i];
    }
  }
  return nullptr;
}

void ConfigSection::Error(std::string_view key, std::string message) {
  const IniEntry* e = Find(key);
  int line = e ? e->line : (section_ ? section_->line : 0);
  reader_->AddError(line, "[" + name_ + "] " + std::string(key) + ": " + message);
}

void ConfigSection::SectionError(std::string message) {
  reader_->AddError(section_ ? section_->line : 0, "[" + name_ + "] " + message);
}

bool ConfigSection::Has(std::string_view key) { return Find(key) != nullptr; }

bool ConfigSection::Require(std::string_view key) {
  if (Has(key)) return true;
  Error(key, "missing required key");
  return false;
}

std::string ConfigSection::String(std::string_view key, std::string_view default_value) {
  const IniEntry* e = Find(key);
  return e ? e->value : std::string(default_value);
}

template <typename T, typename Parse>
T ConfigSection::Parsed(std::string_view key, T default_value, Parse parse) {
  const IniEntry* e = Find(key);
  if (!e) return default_value;
  auto r = parse(e->value);
  if (!r.ok()) {
    Error(key, r.status().message());
    return default_value;
  }
  return T(std::move(r).value());
}

std::chrono::milliseconds ConfigSection::Duration(std::string_view key,
                                                  std::chrono::milliseconds default_value) {
  return Parsed(key, default_value, ParseDuration);
}

uint64_t ConfigSection::Size(std::string_view key, uint64_t default_value) {
  return Parsed(key, default_value, ParseSize);
}

bool ConfigSection::Bool(std::string_view key, bool default_value) {
  return Parsed(key, default_value, ParseBool);
}

int64_t ConfigSection::Int(std::string_view key, int64_t default_value, int64_t min, int64_t max) {
  return Parsed(key, default_value, [min, max](const std::string& text) -> Result<int64_t> {
    std::optional<int64_t> v = ParseInt64(text);
    if (!v || *v < min || *v > max) {
      return InvalidArgumentError("expected a whole number from " + std::to_string(min) + " to " +
                                  std::to_string(max) + ", got \"" + text + "\"");
    }
    return *v;
  });
}

std::optional<std::string> ConfigSection::SecretFile(std::string_view key) {
  const std::string path = String(key);
  if (path.empty()) return std::nullopt;
  std::ifstream in(path);
  if (!in) {
    Error(key, "cannot read \"" + path + "\"");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

std::vector<std::string> ConfigSection::List(std::string_view key) {
  return Parsed(key, std::vector<std::string>{}, ParseList);
}

std::optional<HostPort> ConfigSection::HostPortValue(std::string_view key) {
  return Parsed(key, std::optional<HostPort>{}, ParseHostPort);
}

std::optional<Url> ConfigSection::UrlValue(std::string_view key) {
  return Parsed(key, std::optional<Url>{}, ParseUrl);
}

std::string ConfigSection::Choice(std::string_view key, std::string_view default_value,
                                  std::initializer_list<std::string_view> choices) {
  const IniEntry* e = Find(key);
  if (!e) return std::string(default_value);
  for (std::string_view c : choices) {
    if (e->value == c) return e->value;
  }
  std::string list;
  for (std::string_view c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  Error(key, "expected one of " + list + ", got \"" + e->value + "\"");
  return std::string(default_value);
}

const std::vector<IniEntry>& ConfigSection::Entries() {
  static const std::vector<IniEntry> kNone;
  std::fill(read_.begin(), read_.end(), true);
  return section_ ? section_->entries : kNone;
}

ConfigReader::ConfigReader(const IniDocument& doc) : doc_(doc), errors_(doc.errors()) {}

void ConfigReader::AddError(int line, std::string message) {
  errors_.push_back({doc_.file(), line, std::move(message)});
}

ConfigSection& ConfigReader::Section(std::string_view name) {
  for (ConfigSection& v : views_) {
    if (v.name() == name) return v;
  }
  const IniSection* found = nullptr;
  for (const IniSection& s : doc_.sections()) {
    if (s.name == name) found = &s;
  }
  return views_.emplace_back(ConfigSection(this, std::string(name), found));
}

std::vector<ConfigSection*> ConfigReader::SectionsWithPrefix(std::string_view prefix) {
  std::vector<ConfigSection*> out;
  for (const IniSection& s : doc_.sections()) {
    if (s.name.size() > prefix.size() && s.name.compare(0, prefix.size(), prefix) == 0) {
      out.push_back(&Section(s.name));
    }
  }
  return out;
}

std::vector<ConfigError> ConfigReader::Finish() {
  for (const IniSection& s : doc_.sections()) {
    const ConfigSection* view = nullptr;
    for (const ConfigSection& v : views_) {
      if (v.section_ == &s) view = &v;
    }
    if (!view) {
      AddError(s.line, "unknown section [" + s.name + "]");
      continue;
    }
    for (size_t i = 0; i < s.entries.size(); ++i) {
      if (!view->read_[i]) {
        AddError(s.entries[i].line, "[" + s.name + "] " + s.entries[i].key + ": unknown key");
      }
    }
  }
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  return errors_;
}

}  // namespace vigil::core
