#pragma once
// A local SMTP server for tests: it accepts every message (or refuses them while `refuse` is
// set, to exercise retries) and keeps what it received.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

  std::uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedMail> messages() const;
  std::atomic<bool> refuse{false};

 private:
  void serve(int client);
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<ReceivedMail> messages_;
};

}  // namespace guichet::testing
