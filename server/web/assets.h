#pragma once
// The console's files (HTML, JavaScript, CSS, uPlot), embedded in the binary at build time by
// server/web/embed.cmake: a server on an edge site with no network serves them as they were built.
#include <cstddef>
#include <span>
#include <string_view>

namespace vigil::web {

struct Asset {
  std::string_view path;          // as served, "/console/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;          // the file's bytes, unchanged
  std::string_view etag;          // "\"<16 hex digits of SHA-256>\"", quoted as the header wants
};

// Every embedded file, sorted by path.
std::span<const Asset> Assets();
// The asset served at `path`, or nullptr.
const Asset* FindAsset(std::string_view path);

}  // namespace vigil::web
