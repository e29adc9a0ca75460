#include "guichet/http/static_assets.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace guichet::http {
namespace {

TEST(StaticAssets, ServesUnderContentHashedNames) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "site.css") << "body{}";
  std::filesystem::create_directories(dir.path() / "theme" / "css");
  std::ofstream(dir.path() / "theme" / "css" / "main.css") << "a{background:url(../img/x.svg)}";
  std::filesystem::create_directories(dir.path() / "theme" / "img");
  std::ofstream(dir.path() / "theme" / "img" / "x.svg") << "<svg/>";
  auto assets = StaticAssets::load(dir.path());
  ASSERT_TRUE(assets.ok()) << assets.error().message;
  auto css = assets->url_for("site.css");
  ASSERT_TRUE(css.ok());
  EXPECT_TRUE(css->starts_with("/static/site."));
  EXPECT_TRUE(css->ends_with(".css"));
  auto main = assets->url_for("theme/css/main.css");
  auto svg = assets->url_for("theme/img/x.svg");
  ASSERT_TRUE(main.ok() && svg.ok());
  // Files of one bundle share its hashed directory, so relative URLs inside them still work.
  EXPECT_EQ(main->substr(0, main->find("/css/")), svg->substr(0, svg->find("/img/")));

  Request r;
  r.path = *svg;
  Response response = assets->serve(r);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(*response.headers.get("Content-Type"), "image/svg+xml");
  EXPECT_EQ(*response.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(*response.shared_body, "<svg/>");

  r.path = "/static/site.0000000000.css";
  EXPECT_EQ(assets->serve(r).status, 404);
}

TEST(StaticAssets, HashChangesWithContent) {
  testing::TempDir a, b;
  std::ofstream(a.path() / "x.js") << "1";
  std::ofstream(b.path() / "x.js") << "2";
  EXPECT_NE(*StaticAssets::load(a.path())->url_for("x.js"), *StaticAssets::load(b.path())->url_for("x.js"));
}

TEST(StaticAssets, MissingDirectoryIsAClearError) {
  auto assets = StaticAssets::load("/no/such/dir");
  ASSERT_FALSE(assets.ok());
  EXPECT_NE(assets.error().message.find("make build"), std::string::npos);
}

}  // namespace
}  // namespace guichet::http
