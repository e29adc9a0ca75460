#pragma once
// The deadline of the request this thread is working for. The HTTP server sets it around each
// handler; the storage layer reads it, so that a database call never waits past it and a
// transaction whose request has run out of time is rolled back instead of committed after the
// client has given up. Timeouts are measured on the steady clock, not the injected Clock: they
// bound real waiting, not business time.
#include <chrono>
#include <optional>

#include "guichet/core/result.hpp"

namespace guichet {

using SteadyTime = std::chrono::steady_clock::time_point;

// None outside a request (commands, jobs, tests), where only the storage's own timeouts apply.
std::optional<SteadyTime> current_deadline();
bool deadline_passed();
// `unavailable` / "deadline_exceeded", a 503 with Retry-After.
Error deadline_exceeded();

// Sets this thread's deadline for its lifetime and restores the previous one after.
class DeadlineScope {
 public:
  explicit DeadlineScope(std::optional<SteadyTime> deadline);
  // At most `budget` from now, and never later than the deadline already in force.
  explicit DeadlineScope(std::chrono::milliseconds budget);
  ~DeadlineScope();
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

 private:
  std::optional<SteadyTime> previous_;
};

// Marks this thread, for the scope's life, as a network thread answering a request itself (a
// route marked on_network_thread). Nothing may wait there: the storage layer then serves reads
// from the thread's own SQLite connection, which never waits for a pooled one or for writers
// (WAL), and refuses write transactions and PostgreSQL calls.
class NetworkThreadScope {
 public:
  NetworkThreadScope();
  ~NetworkThreadScope();
  NetworkThreadScope(const NetworkThreadScope&) = delete;
  NetworkThreadScope& operator=(const NetworkThreadScope&) = delete;

 private:
  bool previous_;
};
bool on_network_thread();

}  // namespace guichet
