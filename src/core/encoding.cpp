#include "guichet/core/encoding.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "guichet/core/errors.hpp"

namespace guichet {
namespace {

std::string encode(std::string_view bytes, int variant) {
  if (sodium_init() < 0) return {};  // sodium_init only fails without a random source; nothing works then
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

Result<std::string> decode(std::string_view text, int variant) {
  if (sodium_init() < 0) return make_error(CoreErrc::base64_invalid, "libsodium could not start");
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &length, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return make_error(CoreErrc::base64_invalid, "not valid base64");
  }
  out.resize(length);
  return out;
}

// The base64url alphabet's values; kNotBase64Url for every other byte.
constexpr std::uint8_t kNotBase64Url = 0xFF;
constexpr std::array<std::uint8_t, 256> kBase64UrlValues = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(kNotBase64Url);
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return values;
}();

}  // namespace

std::string base64(std::string_view bytes) { return encode(bytes, sodium_base64_VARIANT_ORIGINAL); }
Result<std::string> base64_decode(std::string_view text) { return decode(text, sodium_base64_VARIANT_ORIGINAL); }
std::string base64url(std::string_view bytes) { return encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING); }
Result<std::string> base64url_decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool base64url_decodes(std::string_view text) {
  // Four characters make three bytes; a last group of one character makes none and is refused.
  const std::size_t tail = text.size() % 4;
  if (tail == 1) return false;
  for (const char c : text) {
    if (kBase64UrlValues[static_cast<unsigned char>(c)] == kNotBase64Url) return false;
  }
  // Canonical text only, as libsodium: the last character's bits past the data are zero.
  if (tail == 0) return true;
  const unsigned last = kBase64UrlValues[static_cast<unsigned char>(text.back())];
  return (last & (tail == 2 ? 0x0FU : 0x03U)) == 0;
}

Result<std::string> base64url_decode_public(std::string_view text) {
  if (!base64url_decodes(text)) return make_error(CoreErrc::base64_invalid, "not valid base64");
  // Mapped to the standard alphabet (which OpenSSL decodes), padded back.
  const std::size_t tail = text.size() % 4;
  const std::size_t padding = tail == 0 ? 0 : 4 - tail;
  std::string standard(text.size() + padding, '=');
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    standard[i] = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  std::string out(standard.size() / 4 * 3, '\0');
  const int decoded =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(standard.data()), static_cast<int>(standard.size()));
  if (decoded < 0) return make_error(CoreErrc::base64_invalid, "not valid base64");
  out.resize(static_cast<std::size_t>(decoded) - padding);  // the padding decodes as zero bytes
  return out;
}

}  // namespace guichet
