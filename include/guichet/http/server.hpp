#pragma once
// HTTP/1.1 over Boost.Beast and Asio: several threads, keep-alive, timeouts, header and body
// limits, optional TLS, graceful shutdown. All Beast code lives in server.cpp.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "guichet/core/result.hpp"
#include "guichet/http/application.hpp"

namespace guichet::http {

struct TlsFiles {
  std::string certificate_chain;  // PEM
  std::string private_key;        // PEM
  // Mutual TLS: when set, every client must present a certificate issued by one of these CAs
  // (PEM), or the handshake fails (registry nodes, which only other nodes call).
  std::string client_ca = {};
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  // Network threads: they read, route, write and run only the handlers marked on_network_thread.
  unsigned threads = 2;
  // Worker threads run every other handler (database work, hashing through the compute pool).
  // They mostly wait on the database, so there are more of them than cores.
  unsigned worker_threads = 16;
  // Requests handed to the workers and not yet answered; past this a request gets 503 with
  // Retry-After at once instead of joining an unbounded queue.
  std::size_t max_pending_requests = 1024;
  // From the moment a request has been read: a request still queued when it passes gets 503
  // without running, and a running one sees it as its database deadline (core/deadline.hpp), so
  // its transaction is rolled back rather than committed after the client has given up.
  std::chrono::milliseconds request_timeout{30'000};
  std::optional<TlsFiles> tls;
  // Time for a whole request head to arrive, counted from the end of the previous response (so
  // it is also the keep-alive idle limit); a slow client cannot stretch it byte by byte.
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::size_t max_header_bytes = 16 * 1024;
  // On stop(), in-flight requests get this long to finish before connections are cut.
  std::chrono::milliseconds shutdown_grace{20'000};
};

class Server {
 public:
  Server(ServerOptions options, const Application& application);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; a bad address, a busy port or unreadable TLS files fail here.
  Result<void> listen();
  std::uint16_t port() const;
  // Serves until stop() or, when `handle_signals`, SIGINT/SIGTERM; returns once in-flight
  // requests are answered.
  void run(bool handle_signals);
  // Thread-safe and idempotent: stop accepting, finish in-flight requests, close idle ones.
  void stop();

  struct Impl;  // public only so that the session coroutines in server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace guichet::http
