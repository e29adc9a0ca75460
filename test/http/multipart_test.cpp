#include <gtest/gtest.h>

#include "guichet/http/parsing.hpp"

namespace guichet::http {
namespace {
using namespace std::string_literals;

// A std::string literal, so the NUL byte in the file part is kept.
const std::string kBody =
    "preamble is ignored\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"given_name\"\r\n\r\n"
    "Nguyễn Văn\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"document\"; filename=\"id card.pdf\"\r\n"
    "Content-Type: application/pdf\r\n\r\n"
    "%PDF-1.7\r\n\x00\x01"
    "binary\r\n"
    "--XyZ--\r\n"
    "epilogue"s;

TEST(Multipart, ParsesFieldsAndFiles) {
  Params fields;
  std::vector<UploadedFile> files;
  std::string body(kBody.data(), kBody.size());
  auto parsed = parse_multipart(body, "XyZ", fields, files);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*fields.get("given_name"), "Nguyễn Văn");
  ASSERT_EQ(files.size(), 1U);
  EXPECT_EQ(files[0].field, "document");
  EXPECT_EQ(files[0].filename, "id card.pdf");
  EXPECT_EQ(files[0].content_type, "application/pdf");
  EXPECT_EQ(files[0].content, std::string("%PDF-1.7\r\n\x00\x01"
                                          "binary",
                                          18));
}

TEST(Multipart, EveryTruncationIsAnErrorNotACrash) {
  // Cutting the body anywhere before the close delimiter must give a clean error.
  std::size_t close = kBody.find("--XyZ--");
  ASSERT_NE(close, std::string::npos);
  for (std::size_t cut = 0; cut < close; ++cut) {
    Params fields;
    std::vector<UploadedFile> files;
    auto parsed = parse_multipart(std::string_view(kBody).substr(0, cut), "XyZ", fields, files);
    EXPECT_FALSE(parsed.ok()) << "cut at " << cut;
  }
}

TEST(Multipart, RefusesMalformedParts) {
  auto refuse = [](const std::string& body, const std::string& boundary = "b") {
    Params fields;
    std::vector<UploadedFile> files;
    return parse_multipart(body, boundary, fields, files);
  };
  EXPECT_FALSE(refuse("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--").ok()) << "no disposition";
  EXPECT_FALSE(refuse("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--").ok()) << "no name";
  EXPECT_FALSE(refuse("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--").ok());
  EXPECT_FALSE(refuse("--b\r\nContent-Disposition: form-data; name=a\r\n\r\n\xC3\x28\r\n--b--").ok()) << "bad utf-8";
  EXPECT_FALSE(refuse("no boundary at all").ok());
  EXPECT_FALSE(refuse("--b\r\n", "").ok()) << "empty boundary";
  EXPECT_FALSE(refuse("x", std::string(71, 'a')).ok()) << "boundary too long";
  std::string many;
  for (int i = 0; i < 65; ++i) many += "--b\r\nContent-Disposition: form-data; name=f\r\n\r\nv\r\n";
  many += "--b--";
  auto too_many = refuse(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("too many"), std::string::npos);
}

}  // namespace
}  // namespace guichet::http
