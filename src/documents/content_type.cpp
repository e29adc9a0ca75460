#include "guichet/documents/content_type.hpp"

#include <magic.h>

namespace guichet::documents {

// One cookie per thread: libmagic's are not shared between threads.
std::string content_type_of(std::string_view bytes) {
  struct Cookie {
    magic_t handle = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
    Cookie() {
      if (handle != nullptr && magic_load(handle, nullptr) != 0) {
        magic_close(handle);
        handle = nullptr;
      }
    }
    ~Cookie() {
      if (handle != nullptr) magic_close(handle);
    }
    Cookie(const Cookie&) = delete;
    Cookie& operator=(const Cookie&) = delete;
  };
  thread_local Cookie cookie;
  if (cookie.handle == nullptr) return bytes.starts_with("%PDF-") ? "application/pdf" : "";
  const char* type = magic_buffer(cookie.handle, bytes.data(), bytes.size());
  return type != nullptr ? type : "";
}

}  // namespace guichet::documents
