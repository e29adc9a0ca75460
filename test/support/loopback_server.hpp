#pragma once
// A TCP server on 127.0.0.1 and a free port for test doubles of other servers (SMTP, webhook
// receivers): one thread accepts connections one at a time and hands each to `serve`.
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

namespace guichet::testing {

class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(int client)> serve);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace guichet::testing
