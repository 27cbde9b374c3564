#pragma once
// INI configuration, read with inih and checked completely before anything starts. Every
// problem becomes a ConfigError naming file and line; unknown sections and keys are errors,
// so a typo never silently falls back to a default.
//
//   IniDocument doc = IniDocument::Parse(text, "agent.ini");
//   ConfigReader reader(doc);
//   ConfigSection& agent = reader.Section("agent");
//   auto interval = agent.Duration("interval", 15s);
//   std::vector<ConfigError> errors = reader.Finish();  // syntax, values, unknown keys
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_values.h"
#include "core/status.h"

namespace vigil::core {

struct ConfigError {
  std::string file;
  int line = 0;  // 0 when the error is about the file as a whole
  std::string message;
  // "agent.ini:12: [agent] interval: invalid duration ..."
  std::string ToString() const;
};

struct IniEntry {
  std::string key;
  std::string value;
  int line = 0;
};

struct IniSection {
  std::string name;
  int line = 0;
  std::vector<IniEntry> entries;
};

// The sections and entries of one file, in file order, with the syntax errors found.
class IniDocument {
 public:
  static IniDocument Parse(std::string_view text, std::string file_name);
  // A file that cannot be read is an error of its own, not a document.
  static Result<IniDocument> Load(const std::string& path);

  const std::string& file() const { return file_; }
  const std::vector<IniSection>& sections() const { return sections_; }
  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  friend struct IniParseState;
  std::string file_;
  std::vector<IniSection> sections_;
  std::vector<ConfigError> errors_;
};

class ConfigReader;

// One section as the program reads it. A getter returns the default when the key is absent;
// when the value is bad it records an error naming the line and returns the default, so that
// reading goes on and every error is reported at once.
class ConfigSection {
 public:
  const std::string& name() const { return name_; }
  bool present() const { return section_ != nullptr; }

  bool Has(std::string_view key);
  // Records "missing required key" when absent; returns whether it is there.
  bool Require(std::string_view key);

  std::string String(std::string_view key, std::string_view default_value = "");
  std::chrono::milliseconds Duration(std::string_view key, std::chrono::milliseconds default_value);
  uint64_t Size(std::string_view key, uint64_t default_value);
  bool Bool(std::string_view key, bool default_value);
  int64_t Int(std::string_view key, int64_t default_value, int64_t min, int64_t max);
  std::vector<std::string> List(std::string_view key);
  // The contents of the file the key names (a password or token), without the trailing
  // newline editors leave; nullopt when the key is absent or the file unreadable (an error).
  std::optional<std::string> SecretFile(std::string_view key);
  std::optional<HostPort> HostPortValue(std::string_view key);
  std::optional<Url> UrlValue(std::string_view key);
  // One of `choices`; anything else is an error listing them.
  std::string Choice(std::string_view key, std::string_view default_value,
                     std::initializer_list<std::string_view> choices);

  // Every entry, all marked as read: for free-form sections such as [labels].
  const std::vector<IniEntry>& Entries();
  // Records an error against `key`'s line (or the section's) for checks across values.
  void Error(std::string_view key, std::string message);
  // Records an error about the section itself, at its header line.
  void SectionError(std::string message);

 private:
  friend class ConfigReader;
  ConfigSection(ConfigReader* reader, std::string name, const IniSection* section);
  const IniEntry* Find(std::string_view key);
  // The value parsed by `parse`, the default when absent, or the default and an error.
  template <typename T, typename Parse>
  T Parsed(std::string_view key, T default_value, Parse parse);

  ConfigReader* reader_;
  std::string name_;
  const IniSection* section_;  // null when the file has no such section
  std::vector<bool> read_;     // per entry: did the program ask for it
};

class ConfigReader {
 public:
  explicit ConfigReader(const IniDocument& doc);
  ConfigReader(const ConfigReader&) = delete;
  ConfigReader& operator=(const ConfigReader&) = delete;

  // The section, or an empty one so that defaults apply.
  ConfigSection& Section(std::string_view name);
  // The sections named PREFIX.NAME ("remote_write." gives [remote_write.central], ...), in
  // file order; NAME must be non-empty.
  std::vector<ConfigSection*> SectionsWithPrefix(std::string_view prefix);

  // Adds the errors for sections and keys nothing asked for and returns every error found,
  // in line order. Empty means the file is good.
  std::vector<ConfigError> Finish();

 private:
  friend class ConfigSection;
  void AddError(int line, std::string message);

  const IniDocument& doc_;
  std::deque<ConfigSection> views_;  // deque: views keep their addresses as more are made
  std::vector<ConfigError> errors_;
};

// All errors one per line, for a Status message and for --check-config.
std::string JoinConfigErrors(const std::vector<ConfigError>& errors);

// Loads the file at `path` and reads it with `read`, which records every problem it finds: the
// configuration, or InvalidArgument listing every problem, one a line.
template <class Config>
Result<Config> LoadConfig(const std::string& path,
                          Config (*read)(const IniDocument&, std::vector<ConfigError>*)) {
  VIGIL_ASSIGN_OR_RETURN(IniDocument doc, IniDocument::Load(path));
  std::vector<ConfigError> errors;
  Config config = read(doc, &errors);
  if (!errors.empty()) return InvalidArgumentError(JoinConfigErrors(errors));
  return config;
}

}  // namespace vigil::core
