#include "guichet/http/wire.hpp"

#include <gtest/gtest.h>

namespace guichet::http {
namespace {

TEST(Wire, ParsesAWholeRequest) {
  auto r = parse_wire_request(
      "POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
      "7\r\n\r\nname=%C3%A9");
  ASSERT_FALSE(r.ok()) << "Content-Length 7 cuts the body: name=%C is malformed";
  auto ok = parse_wire_request(
      "POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
      "11\r\n\r\nname=%C3%A9");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->method, Method::post);
  EXPECT_EQ(*ok->query.get("y"), "1");
  EXPECT_EQ(*ok->form.get("name"), "é");
}

TEST(Wire, RefusesAmbiguousFraming) {
  for (const char* request :
       {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 4\r\n\r\nname",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\nname",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/1.1\r\n\r\n"}) {
    auto parsed = parse_wire_request(request);
    EXPECT_FALSE(parsed.ok()) << request;
  }
  auto gzip = parse_wire_request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  ASSERT_FALSE(gzip.ok());
  EXPECT_EQ(gzip.error().kind, ErrorKind::not_implemented) << "a coding not applied is 501";
  auto chunked = parse_wire_request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked.ok()) << "codings are case-insensitive";
  EXPECT_TRUE(parse_wire_request("GET / HTTP/1.0\r\n\r\n").ok()) << "HTTP/1.0 needs no Host";
}

TEST(Wire, ReportsLimitsAndTruncation) {
  WireLimits limits;
  limits.max_header_bytes = 64;
  auto big = parse_wire_request("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", limits);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().kind, ErrorKind::headers_too_large);
  limits = WireLimits{};
  limits.max_body_bytes = 4;
  auto body = parse_wire_request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().kind, ErrorKind::payload_too_large);
  auto truncated = parse_wire_request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(parse_wire_request("G(T / HTTP/1.1\r\n\r\n").ok());
  EXPECT_FALSE(parse_wire_request("GET / HTTP/1.1\r\nBad Header\r\n\r\n").ok());
}

}  // namespace
}  // namespace guichet::http
