#pragma once
// A local HTTP server for tests of outgoing requests (webhooks): it answers every request with
// `status` and keeps what it received.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/loopback_server.hpp"

namespace guichet::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

class HttpSink {
 public:
  HttpSink();
  ~HttpSink();
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  std::vector<ReceivedRequest> requests() const;
  std::atomic<int> status{200};

 private:
  void serve(int client);
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  LoopbackServer server_{[this](int client) { serve(client); }};  // last: it calls serve()
};

}  // namespace guichet::testing
