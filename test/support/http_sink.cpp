#include "support/http_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace guichet::testing {
namespace {

// Appends what arrives until `done(buffer)` or the peer stops sending.
template <class Done>
bool read_until(int fd, std::string& buffer, Done done) {
  while (!done(buffer)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

HttpSink::HttpSink() = default;
HttpSink::~HttpSink() = default;

std::vector<ReceivedRequest> HttpSink::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void HttpSink::serve(int client) {
  std::string buffer;
  if (!read_until(client, buffer, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; })) {
    return;
  }
  const auto head_end = buffer.find("\r\n\r\n");
  std::istringstream head(buffer.substr(0, head_end));
  ReceivedRequest request;
  std::string line;
  std::getline(head, line);
  std::istringstream first(line);
  first >> request.method >> request.target;
  std::size_t content_length = 0;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "content-length") content_length = std::stoul(value);
    request.headers[name] = value;
  }
  const std::size_t total = head_end + 4 + content_length;
  if (!read_until(client, buffer, [total](const std::string& b) { return b.size() >= total; })) return;
  request.body = buffer.substr(head_end + 4, content_length);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  const std::string reply =
      "HTTP/1.1 " + std::to_string(status.load()) + " Sink\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
}

}  // namespace guichet::testing
