#pragma once
// A small JSON reader for tests that check what a peer (Alertmanager, Prometheus) answered or
// what Vigil wrote: the whole document into a tree, std::nullopt on anything malformed.
// Numbers are doubles; \uXXXX escapes (surrogate pairs too) become UTF-8.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.h"

namespace vigil::testing {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  // The member `key` of an object, or nullptr.
  const JsonValue* Find(std::string_view key) const {
    for (const auto& [k, v] : object) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  // The string member `key`, or "" when absent or not a string.
  std::string Str(std::string_view key) const {
    const JsonValue* v = Find(key);
    return v && v->type == Type::kString ? v->string : "";
  }
  // An object of strings ({"job":"node"}) as name/value pairs in document order.
  std::vector<std::pair<std::string, std::string>> StringPairs() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : object) out.emplace_back(k, v.string);
    return out;
  }
};

class JsonReader {
 public:
  static std::optional<JsonValue> Parse(std::string_view text) {
    JsonReader r(text);
    JsonValue v;
    if (!r.Value(&v, 0)) return std::nullopt;
    r.Space();
    if (r.pos_ != text.size()) return std::nullopt;
    return v;
  }

 private:
  static constexpr int kMaxDepth = 64;
  explicit JsonReader(std::string_view text) : s_(text) {}

  void Space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool Eat(char c) {
    Space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return false;
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      *out <<= 4;
      if (c >= '0' && c <= '9')
        *out |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        *out |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        *out |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t low;
            if (!Word("\\u") || !Hex4(&low) || low < 0xdc00 || low > 0xdfff) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return false;
          }
          core::AppendUtf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  bool Number(double* out) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() &&
           ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.' || s_[pos_] == 'e' ||
            s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-'))
      ++pos_;
    if (pos_ == start) return false;
    const std::string text(s_.substr(start, pos_ - start));
    char* end = nullptr;
    *out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size();
  }
  bool Value(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return false;
    Space();
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      v->type = JsonValue::Type::kObject;
      if (Eat('}')) return true;
      do {
        std::string key;
        JsonValue member;
        if (!String(&key) || !Eat(':') || !Value(&member, depth + 1)) return false;
        v->object.emplace_back(std::move(key), std::move(member));
      } while (Eat(','));
      return Eat('}');
    }
    if (c == '[') {
      ++pos_;
      v->type = JsonValue::Type::kArray;
      if (Eat(']')) return true;
      do {
        JsonValue item;
        if (!Value(&item, depth + 1)) return false;
        v->array.push_back(std::move(item));
      } while (Eat(','));
      return Eat(']');
    }
    if (c == '"') {
      v->type = JsonValue::Type::kString;
      return String(&v->string);
    }
    if (Word("true") || Word("false")) {
      v->type = JsonValue::Type::kBool;
      v->boolean = c == 't';
      return true;
    }
    if (Word("null")) return true;
    v->type = JsonValue::Type::kNumber;
    return Number(&v->number);
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace vigil::testing
