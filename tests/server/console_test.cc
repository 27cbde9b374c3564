// The console's files as embedded at build time, and how they are served.
#include "server/api/console.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "server/web/assets.h"

namespace vigil::server {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Where each embedded file comes from in the tree.
std::string SourceOf(std::string_view url) {
  std::string name(url.substr(std::string_view("/console/").size()));
  if (name.starts_with("uPlot"))
    return std::string(VIGIL_SOURCE_DIR) + "/web/node_modules/uplot/dist/" + name;
  return std::string(VIGIL_SOURCE_DIR) + "/server/web/console/" + name;
}

TEST(ConsoleAssetsTest, EveryFileIsEmbeddedByteForByteWithItsSize) {
  ASSERT_GE(web::Assets().size(), 10u);
  for (const web::Asset& a : web::Assets()) {
    std::string file = ReadFile(SourceOf(a.path));
    ASSERT_FALSE(file.empty()) << a.path;
    EXPECT_EQ(a.body.size(), file.size()) << a.path;
    EXPECT_EQ(a.body, file) << a.path;
  }
}

TEST(ConsoleAssetsTest, ContentTypesFollowTheExtension) {
  EXPECT_EQ(web::FindAsset("/console/index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(web::FindAsset("/console/app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(web::FindAsset("/console/console.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(web::FindAsset("/console/uPlot.iife.min.js")->content_type,
            "text/javascript; charset=utf-8");
  EXPECT_EQ(web::FindAsset("/console/uPlot.min.css")->content_type, "text/css; charset=utf-8");
}

TEST(ConsoleAssetsTest, TheTableIsSortedSoEveryFileIsFound) {
  std::string_view previous;
  for (const web::Asset& a : web::Assets()) {
    EXPECT_LT(previous, a.path);
    previous = a.path;
    EXPECT_EQ(web::FindAsset(a.path), &a);
  }
  EXPECT_EQ(web::FindAsset("/console/missing.js"), nullptr);
  EXPECT_EQ(web::FindAsset(""), nullptr);
}

TEST(ConsoleAssetsTest, ETagsAreQuotedAndDifferByContent) {
  for (const web::Asset& a : web::Assets()) {
    ASSERT_EQ(a.etag.size(), 18u) << a.path;
    EXPECT_EQ(a.etag.front(), '"');
    EXPECT_EQ(a.etag.back(), '"');
  }
  EXPECT_NE(web::FindAsset("/console/app.js")->etag, web::FindAsset("/console/ui.js")->etag);
}

TEST(ConsoleFileTest, AnswersTheFileWithItsTypeAndCaching) {
  core::HttpRequest r;
  r.method = "GET";
  r.target = "/console/app.js";
  core::HttpResponse w = ConsoleFile(r, "/console/app.js");
  const web::Asset* a = web::FindAsset("/console/app.js");
  EXPECT_EQ(w.status, 200);
  EXPECT_EQ(w.body, a->body);
  EXPECT_EQ(w.headers.Get("Content-Type"), a->content_type);
  EXPECT_EQ(w.headers.Get("ETag"), a->etag);
  EXPECT_EQ(w.headers.Get("Cache-Control"), "no-cache");
}

TEST(ConsoleFileTest, AnswersNotModifiedToItsETag) {
  const web::Asset* a = web::FindAsset("/console/index.html");
  core::HttpRequest r;
  r.method = "GET";
  r.headers.Add("If-None-Match", std::string(a->etag));
  core::HttpResponse w = ConsoleFile(r, "/console/index.html");
  EXPECT_EQ(w.status, 304);
  EXPECT_TRUE(w.body.empty());
  EXPECT_EQ(w.headers.Get("ETag"), a->etag);
  core::HttpRequest stale;
  stale.headers.Add("If-None-Match", "\"0000000000000000\"");
  EXPECT_EQ(ConsoleFile(stale, "/console/index.html").status, 200);
}

TEST(ConsoleFileTest, AnUnknownFileIs404) {
  core::HttpRequest r;
  EXPECT_EQ(ConsoleFile(r, "/console/../server.ini").status, 404);
  EXPECT_EQ(ConsoleFile(r, "/console/").status, 404);
}

}  // namespace
}  // namespace vigil::server
