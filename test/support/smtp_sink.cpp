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

SmtpSink::SmtpSink() = default;
SmtpSink::~SmtpSink() = default;

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
