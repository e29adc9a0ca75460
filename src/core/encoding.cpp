#include "guichet/core/encoding.hpp"

#include <sodium.h>

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

}  // namespace

std::string base64(std::string_view bytes) { return encode(bytes, sodium_base64_VARIANT_ORIGINAL); }
Result<std::string> base64_decode(std::string_view text) { return decode(text, sodium_base64_VARIANT_ORIGINAL); }
std::string base64url(std::string_view bytes) { return encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING); }
Result<std::string> base64url_decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

}  // namespace guichet
