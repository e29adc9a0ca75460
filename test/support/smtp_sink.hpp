#pragma once
// A local SMTP server for tests: it accepts every message (or refuses them while `refuse` is
// set, to exercise retries) and keeps what it received.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "support/loopback_server.hpp"

namespace guichet::testing {

struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> recipients;
  std::string data;
};

class SmtpSink {
 public:
  SmtpSink();
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return server_.port(); }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
  std::vector<ReceivedMail> messages() const;
  std::atomic<bool> refuse{false};

 private:
  void serve(int client);
  mutable std::mutex mutex_;
  std::vector<ReceivedMail> messages_;
  LoopbackServer server_{[this](int client) { serve(client); }};  // last: it calls serve()
};

}  // namespace guichet::testing
