#pragma once
// A deliberately plain HTTP/1.1 client over POSIX sockets, so tests can send malformed,
// truncated and split requests that a real client library would refuse to produce.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guichet/http/headers.hpp"

namespace guichet::testing {

struct HttpReply {
  int status = 0;
  http::Headers headers;
  std::string body;
  std::vector<std::string> set_cookies;
};

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(std::string_view bytes);
  void shutdown_write();
  // One response; nullopt when the server closed the connection first or the timeout passed.
  std::optional<HttpReply> read_response(bool head_request = false,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // What arrived up to and including `marker` (taken from the buffer), or nullopt when it did not
  // arrive within the timeout: for streams read piece by piece (Server-Sent Events).
  std::optional<std::string> read_until(std::string_view marker,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closes the connection within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  bool fill(std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::string buffer_;
};

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& body = "");

// Value of cookie `name` among the Set-Cookie headers of a reply.
std::optional<std::string> cookie_value(const HttpReply& reply, const std::string& name);

}  // namespace guichet::testing
