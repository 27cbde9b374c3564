#include "collectors/json_path.h"

#include <vector>

#include "core/labels.h"

namespace vigil::collectors {
namespace {

constexpr int kMaxDepth = 64;  // runtime state files nest a few levels; more is not for us

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  // Finds `path` from the value at the cursor; on success *out is the string.
  bool Find(const std::string_view* path, size_t n, std::string* out, int depth) {
    if (depth > kMaxDepth) return false;
    Skip();
    if (n == 0) return String(out);
    if (!Eat('{')) return false;
    Skip();
    if (Eat('}')) return false;
    for (;;) {
      std::string key;
      Skip();
      if (!String(&key)) return false;
      Skip();
      if (!Eat(':')) return false;
      if (key == path[0]) return Find(path + 1, n - 1, out, depth + 1);
      if (!Value(depth + 1)) return false;
      Skip();
      if (Eat(',')) continue;
      return false;  // '}' without the key, or garbage
    }
  }

 private:
  void Skip() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\n' || in_[pos_] == '\r' || in_[pos_] == '\t'))
      ++pos_;
  }
  bool Eat(char c) {
    if (pos_ < in_.size() && in_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool FourHex(uint32_t* v) {
    if (pos_ + 4 > in_.size()) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      int d = Hex(in_[pos_++]);
      if (d < 0) return false;
      *v = *v * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }

  // A string at the cursor, escapes decoded; out may be null to skip it.
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    while (pos_ < in_.size()) {
      char c = in_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        if (out) out->push_back(c);
        continue;
      }
      if (pos_ >= in_.size()) return false;
      char e = in_[pos_++];
      char plain = e == 'n'   ? '\n'
                   : e == 't' ? '\t'
                   : e == 'r' ? '\r'
                   : e == 'b' ? '\b'
                   : e == 'f' ? '\f'
                              : e;
      if (e == 'u') {
        uint32_t cp = 0;
        if (!FourHex(&cp)) return false;
        if (cp >= 0xd800 && cp < 0xdc00) {  // a surrogate pair
          uint32_t low = 0;
          if (!Eat('\\') || !Eat('u') || !FourHex(&low) || low < 0xdc00 || low > 0xdfff)
            return false;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        if (out) core::AppendUtf8(out, cp);
      } else if (e == '"' || e == '\\' || e == '/' || plain != e) {
        if (out) out->push_back(plain);
      } else {
        return false;
      }
    }
    return false;
  }

  // Skips any value.
  bool Value(int depth) {
    if (depth > kMaxDepth) return false;
    Skip();
    if (pos_ >= in_.size()) return false;
    char c = in_[pos_];
    if (c == '"') return String(nullptr);
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      Skip();
      if (Eat(close)) return true;
      for (;;) {
        if (c == '{') {
          Skip();
          if (!String(nullptr)) return false;
          Skip();
          if (!Eat(':')) return false;
        }
        if (!Value(depth + 1)) return false;
        Skip();
        if (Eat(',')) continue;
        return Eat(close);
      }
    }
    // true, false, null, or a number: a run of their characters.
    size_t start = pos_;
    while (pos_ < in_.size() &&
           std::string_view("0123456789+-.eEtrufalsn").find(in_[pos_]) != std::string_view::npos)
      ++pos_;
    return pos_ > start;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> JsonStringAt(std::string_view json,
                                        std::initializer_list<std::string_view> path) {
  std::vector<std::string_view> keys(path);
  std::string out;
  Reader r(json);
  if (!r.Find(keys.data(), keys.size(), &out, 0)) return std::nullopt;
  return out;
}

}  // namespace vigil::collectors
