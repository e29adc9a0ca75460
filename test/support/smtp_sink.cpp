#include "support/smtp_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace guichet::testing {
namespace {
void reply(int fd, const std::string& line) {
  std::string text = line + "\r\n";
  ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

// Reads one CRLF-terminated line; empty optional-like "" with ok=false at EOF.
bool read_line(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    auto end = buffer.find("\r\n");
    if (end != std::string::npos) {
      line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      return true;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}
}  // namespace

SmtpSink::SmtpSink() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0) {
    throw std::runtime_error("SMTP sink cannot listen");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      serve(client);
      ::close(client);
    }
  });
}

SmtpSink::~SmtpSink() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

std::vector<ReceivedMail> SmtpSink::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

void SmtpSink::serve(int client) {
  std::string buffer, line;
  ReceivedMail mail;
  reply(client, "220 sink.test ESMTP");
  while (read_line(client, buffer, line)) {
    std::string verb = line.substr(0, 4);
    for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (verb == "EHLO" || verb == "HELO") {
      reply(client, "250-sink.test");
      reply(client, "250 8BITMIME");
    } else if (verb == "MAIL") {
      if (refuse) {
        reply(client, "451 4.3.0 try again later");
        continue;
      }
      mail = ReceivedMail{line.substr(10), {}, {}};
      reply(client, "250 OK");
    } else if (verb == "RCPT") {
      mail.recipients.push_back(line.substr(8));
      reply(client, "250 OK");
    } else if (verb == "DATA") {
      reply(client, "354 end with <CRLF>.<CRLF>");
      while (read_line(client, buffer, line) && line != ".")
        mail.data += (line.starts_with("..") ? line.substr(1) : line) + "\r\n";
      {
        std::lock_guard lock(mutex_);
        messages_.push_back(mail);
      }
      reply(client, "250 OK queued");
    } else if (verb == "QUIT") {
      reply(client, "221 bye");
      return;
    } else if (verb == "RSET" || verb == "NOOP") {
      reply(client, "250 OK");
    } else {
      reply(client, "502 not implemented");
    }
  }
}

}  // namespace guichet::testing
