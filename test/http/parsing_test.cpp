#include "guichet/http/parsing.hpp"

#include <gtest/gtest.h>

namespace guichet::http {
namespace {

TEST(Urls, EncodesAllButUnreservedAndFindsTheHost) {
  EXPECT_EQ(url_encode("a b&c=d/é@~._-"), "a%20b%26c%3Dd%2F%C3%A9%40~._-");
  EXPECT_EQ(url_host("https://Guichet.example:8443/path?q=1"), "Guichet.example");
  EXPECT_EQ(url_host("https://user@meet.example/room"), "meet.example");
  EXPECT_EQ(url_host("http://[::1]:8080/"), "[::1]");
  EXPECT_EQ(url_host("not a url"), "");
  EXPECT_EQ(url_host("/relative/path"), "");
}

TEST(Urlencoded, DecodesPercentAndPlus) {
  auto p = parse_urlencoded("q=caf%C3%A9+cr%C3%A8me&lang=fr&lang=pt&empty=&flag");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(*p->get("q"), "café crème");
  EXPECT_EQ(p->all("lang"), (std::vector<std::string_view>{"fr", "pt"}));
  EXPECT_EQ(*p->get("empty"), "");
  EXPECT_EQ(*p->get("flag"), "");
  EXPECT_FALSE(p->get("missing"));
}

TEST(Urlencoded, RejectsBadEncodingAndInvalidUtf8) {
  auto bad_percent = parse_urlencoded("a=%ZZ");
  ASSERT_FALSE(bad_percent.ok());
  EXPECT_EQ(bad_percent.error().code.name(), "bad_encoding");
  auto bad_utf8 = parse_urlencoded("a=%C3%28");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_EQ(bad_utf8.error().code.name(), "invalid_utf8");
  EXPECT_EQ(bad_utf8.error().kind, ErrorKind::invalid_input);
}

TEST(Urlencoded, ReadsOnlyTheGivenBytes) {
  // Regression: Boost.URL 1.81 measured the input with strlen (found by the fuzzer).
  const std::string buffer = "a=1&b=2";
  auto p = parse_urlencoded(std::string_view(buffer).substr(0, 3));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 1U);
  EXPECT_FALSE(p->get("b"));
}

TEST(Cookies, ParsesPairsAndSkipsJunk) {
  Params cookies;
  parse_cookie_header("a=1; b=\"two\"; junk; =nope; c = 3 ", cookies);
  EXPECT_EQ(*cookies.get("a"), "1");
  EXPECT_EQ(*cookies.get("b"), "two");
  EXPECT_EQ(*cookies.get("c"), "3");
  EXPECT_EQ(cookies.size(), 3U);
}

TEST(MediaType, ParsesParametersAndQuotedStrings) {
  auto m = parse_media_type("Multipart/Form-Data; boundary=\"a b\\\"c\"; charset=utf-8");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "multipart/form-data");
  EXPECT_EQ(*m->parameters.get("boundary"), "a b\"c");
  EXPECT_EQ(*m->parameters.get("charset"), "utf-8");
  EXPECT_FALSE(parse_media_type("nonsense"));
  EXPECT_FALSE(parse_media_type("text/plain; x=\"unterminated"));
  EXPECT_FALSE(parse_media_type("te xt/plain"));
}

TEST(DecodeRequest, SplitsTargetAndDecodesForm) {
  Request r;
  r.target = "/a%20b/c?x=1";
  r.headers.add("Content-Type", "application/x-www-form-urlencoded");
  r.headers.add("Cookie", "k=v");
  r.body = "name=Ana+Lu%C3%ADsa";
  ASSERT_TRUE(decode_request(r).ok());
  EXPECT_EQ(r.path, "/a b/c");
  EXPECT_EQ(r.segments, (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(*r.query.get("x"), "1");
  EXPECT_EQ(*r.cookies.get("k"), "v");
  EXPECT_EQ(*r.form.get("name"), "Ana Luísa");
}

TEST(DecodeRequest, RejectsBadTargets) {
  for (const char* target : {"http://evil.example/", "no-slash", "/a b", "/%ZZ", "/%FF"}) {
    Request r;
    r.target = target;
    auto decoded = decode_request(r);
    EXPECT_FALSE(decoded.ok()) << target;
    if (!decoded) {
      EXPECT_EQ(decoded.error().kind, ErrorKind::invalid_input);
    }
  }
}

TEST(DecodeRequest, MultipartWithoutBoundaryIsRefused) {
  Request r;
  r.target = "/";
  r.headers.add("Content-Type", "multipart/form-data");
  r.body = "x";
  auto decoded = decode_request(r);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code.name(), "bad_multipart");
}

}  // namespace
}  // namespace guichet::http
