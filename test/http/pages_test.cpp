#include "guichet/http/pages.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace guichet::http {
namespace {

TEST(Templates, EscapeHtmlByDefault) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "t.mustache") << "<p title=\"{{v}}\">{{v}}</p>{{{raw}}}";
  auto templates = Templates::load(dir.path());
  ASSERT_TRUE(templates.ok()) << templates.error().message;
  PageData data;
  data.set("v", "<script>alert('x') & \"y\"</script>");
  data.set("raw", "<b>trusted</b>");
  EXPECT_EQ(templates->render("t", data),
            "<p title=\"&lt;script&gt;alert(&apos;x&apos;) &amp; &quot;y&quot;&lt;/script&gt;\">"
            "&lt;script&gt;alert(&apos;x&apos;) &amp; &quot;y&quot;&lt;/script&gt;</p><b>trusted</b>");
  PageData plain;
  plain.set("v", "Tiếng Việt");
  plain.set("raw", "");
  EXPECT_EQ(templates->render("t", plain), "<p title=\"Tiếng Việt\">Tiếng Việt</p>");
}

// The GOV.UK error pattern's data: a summary linking to each field, each message under its own
// key for the field, and "Error:" before the title only when something is wrong.
TEST(FormErrors, GiveTheSummaryTheFieldsAndTheTitle) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "f.mustache")
      << "{{document_title}}|{{#errors}}<a href=\"#{{anchor}}\">{{message}}</a>{{/errors}}|{{error_name}}|"
         "{{error_phone}}|{{#has_errors}}!{{/has_errors}}";
  auto templates = Templates::load(dir.path());
  ASSERT_TRUE(templates.ok()) << templates.error().message;
  FormErrors none;
  PageData clean;
  none.show(clean, "Error:", "Book for a caller");
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(templates->render("f", clean), "Book for a caller||||");
  FormErrors errors;
  errors.add("name", "caller-name", "Enter the caller's name.");
  errors.add("phone", "caller-phone", "Enter a phone number.");
  EXPECT_TRUE(errors.has("phone"));
  EXPECT_FALSE(errors.has("email"));
  PageData page;
  errors.show(page, "Erreur :", "Réserver");
  EXPECT_EQ(templates->render("f", page),
            "Erreur : Réserver|<a href=\"#caller-name\">Enter the caller&apos;s name.</a><a "
            "href=\"#caller-phone\">Enter a phone number.</a>|Enter the caller&apos;s name.|Enter a phone number.|!");
}

TEST(Templates, SyntaxErrorsStopLoading) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "broken.mustache") << "{{#open}} never closed";
  auto templates = Templates::load(dir.path());
  ASSERT_FALSE(templates.ok());
  EXPECT_NE(templates.error().message.find("broken.mustache"), std::string::npos);
}

TEST(FillText, FillsPlaceholdersThroughTheTemplateEngineWithoutEscaping) {
  EXPECT_EQ(fill_text("Open {link} before {when}.", {{"link", "https://g.example/a?b=1&c=<2>"}, {"when", "9:00"}}),
            "Open https://g.example/a?b=1&c=<2> before 9:00.")
      << "mail bodies are plain text: nothing escaped";
  EXPECT_EQ(fill_text("{count} codes left, {count} in all", {{"count", "3"}}), "3 codes left, 3 in all");
  EXPECT_EQ(fill_text("no placeholder", {}), "no placeholder");
  EXPECT_EQ(fill_text("Đặt lịch {reference}", {{"reference", "GX-7"}}), "Đặt lịch GX-7");
  EXPECT_EQ(fill_text("a stray { brace", {{"x", "y"}}), "a stray { brace");
  EXPECT_EQ(fill_text("{{link}} is not ours", {{"link", "x"}}).find("x"), std::string::npos)
      << "double braces are not a placeholder of ours";
}

TEST(SafeReturnPath, OnlyLocalPaths) {
  EXPECT_EQ(safe_return_path("/a?b=c"), "/a?b=c");
  EXPECT_EQ(safe_return_path("//evil.example/x"), "/");
  EXPECT_EQ(safe_return_path("/\\evil.example"), "/");
  EXPECT_EQ(safe_return_path("https://evil.example"), "/");
  EXPECT_EQ(safe_return_path("/a\r\nLocation: x"), "/");
  EXPECT_EQ(safe_return_path(""), "/");
}

}  // namespace
}  // namespace guichet::http

namespace guichet::http {
namespace {

TEST(Templates, KnowWhichVariablesTheyUse) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "form.mustache")
      << "<input value=\"{{csrf_token}}\">{{#page.items}}{{name}}{{/page.items}}";
  std::ofstream(dir.path() / "plain.mustache") << "{{{content}}} {{ t_title }} {{^lang}}none{{/lang}}";
  auto templates = Templates::load(dir.path());
  ASSERT_TRUE(templates.ok());
  EXPECT_TRUE(templates->references("form", "csrf_token"));
  EXPECT_TRUE(templates->references("form", "page"));
  EXPECT_FALSE(templates->references("form", "request_id"));
  EXPECT_TRUE(templates->references("plain", "content"));
  EXPECT_TRUE(templates->references("plain", "t_title"));
  EXPECT_TRUE(templates->references("plain", "lang"));
  EXPECT_FALSE(templates->references("plain", "csrf_token"));
}

}  // namespace
}  // namespace guichet::http
