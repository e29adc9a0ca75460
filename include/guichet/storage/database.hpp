#pragma once
// The one database interface. Every SQL statement in Guichet goes through Connection with
// `?` placeholders; the PostgreSQL implementation rewrites them to $1..$n. Values are never
// spliced into SQL text.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "guichet/core/deadline.hpp"
#include "guichet/core/result.hpp"

namespace guichet::storage {

enum class Backend { sqlite, postgresql };
std::string_view to_string(Backend backend);

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using Params = std::vector<Value>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool is_null(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;  // NULL reads as 0
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;  // NULL reads as ""
  std::optional<std::string> optional_text(std::size_t i) const;
  std::optional<std::int64_t> optional_integer(std::size_t i) const;
  const Value& operator[](std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
  std::size_t size() const { return rows.size(); }
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Backend backend() const = 0;
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of rows changed.
  virtual Result<std::int64_t> execute(std::string_view sql, const Params& params = {}) = 0;
  // Several statements without parameters, for migrations.
  virtual Result<void> execute_script(std::string_view sql) = 0;
  // A write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so two
  // writers never deadlock on a lock upgrade; readers outside transactions are not blocked.
  virtual Result<void> begin() = 0;
  virtual Result<void> commit() = 0;
  virtual Result<void> rollback() = 0;
  // False once the link to the server is broken; the pool then discards the connection.
  virtual bool healthy() const = 0;
  // True inside BEGIN ... COMMIT (a write transaction or a read snapshot).
  virtual bool in_transaction() const = 0;
  // PostgreSQL, on a connection that ran LISTEN (Database::open_listener): true when a
  // notification arrived (all that arrived are taken), false when `timeout` passed first. Other
  // engines: not_supported.
  virtual Result<bool> await_notification(std::chrono::milliseconds timeout);
};

struct PoolStats {
  std::size_t capacity = 0;
  std::size_t open = 0;
  std::size_t in_use = 0;
  std::uint64_t acquisitions = 0;
  std::uint64_t waits = 0;     // acquisitions that had to wait for a free connection
  std::uint64_t timeouts = 0;  // acquisitions that gave up
};

class Database;

// A connection borrowed from the pool; it goes back when this handle is destroyed. On a network
// thread (core/deadline.hpp) it is the thread's own reader instead, which stays with the thread.
class PooledConnection {
 public:
  PooledConnection(Database* owner, std::unique_ptr<Connection> connection);
  explicit PooledConnection(Connection& thread_reader) : owner_(nullptr), raw_(&thread_reader) {}
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&&) = delete;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  Connection& operator*() { return *raw_; }
  Connection* operator->() { return raw_; }

 private:
  Database* owner_;
  std::unique_ptr<Connection> connection_;
  Connection* raw_;
};

// Every wait below is also cut short by the request's deadline (core/deadline.hpp), and a wait
// that runs out is `unavailable` (503 with Retry-After), never a hang.
struct DatabaseOptions {
  std::size_t pool_size = 8;
  std::chrono::milliseconds acquire_timeout{5000};
  // SQLite: how long a writer waits for the write lock. Writers of this process queue for it one
  // at a time before taking a connection, so waiting writers hold no connection readers need.
  std::chrono::milliseconds busy_timeout{5000};
  // PostgreSQL: the longest one statement may take, enforced by the client (a server that stops
  // answering without closing the connection) and by the server (statement_timeout); the
  // connection is dropped after a client-side timeout.
  std::chrono::milliseconds statement_timeout{10'000};
  // PostgreSQL: connect_timeout; keep-alives and tcp_user_timeout notice a dead peer in ~10 s.
  std::chrono::milliseconds connect_timeout{5000};
};

class Database {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;
  Database(Backend backend, std::string display_url, Factory factory, DatabaseOptions options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Backend backend() const { return backend_; }
  // The URL with any password removed, for logs.
  const std::string& display_url() const { return display_url_; }
  // Tells this process's databases apart (two opened on one URL, one after the other, differ),
  // for caches of what a database holds.
  std::uint64_t serial() const { return serial_; }
  // A pooled connection. On a network thread: the thread's own SQLite reader (opened on first
  // use, query_only, never shared, so it never waits for another), and an internal error on
  // PostgreSQL, whose every call may wait on the network.
  Result<PooledConnection> acquire();
  PoolStats stats() const;
  // PostgreSQL: a connection of its own, outside the pool, that listens on `channel` (lowercase
  // letters and underscores); NOTIFY on it from any node's committed transaction wakes its
  // await_notification(). nullptr on SQLite, whose writers are all in this process, which wakes
  // its own listeners.
  Result<std::unique_ptr<Connection>> open_listener(std::string_view channel);
  // True when reads never wait for writers or for the network (SQLite in WAL mode), so a short
  // read-only handler may run on a network thread (RouteOptions::on_network_thread).
  bool reads_never_wait() const { return backend_ == Backend::sqlite; }
  // True when an engine of this process reported the disk full in the last minute (/readyz).
  static bool storage_exhausted_recently();

  // Runs `work` in a write transaction: commits when it returns a success, rolls back when it
  // returns an error or throws. Nothing is half-written.
  template <class F>
  auto transaction(F&& work) -> std::invoke_result_t<F, Connection&>;

  // Runs reads on one connection. On SQLite they share one read snapshot (BEGIN ... COMMIT, so
  // the file is locked once rather than once per statement); on PostgreSQL each statement reads
  // its own (no extra round trips). For several reads that belong together, such as a token and
  // the claims it gives access to.
  template <class F>
  auto read(F&& work) -> std::invoke_result_t<F, Connection&>;
  // A read of one statement, which is its own snapshot: no BEGIN ... COMMIT around it on SQLite
  // (two statements fewer on a path taken thousands of times a second).
  template <class F>
  auto read_statement(F&& work) -> std::invoke_result_t<F, Connection&>;

 private:
  friend class PooledConnection;
  void release(std::unique_ptr<Connection> connection);

  Backend backend_;
  std::string display_url_;
  Factory factory_;
  DatabaseOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
  std::size_t in_use_ = 0;
  std::uint64_t acquisitions_ = 0;
  std::uint64_t waits_ = 0;
  std::uint64_t timeouts_ = 0;
  // SQLite only: one writer of this process at a time (see DatabaseOptions::busy_timeout).
  std::timed_mutex writer_gate_;
  // SQLite only: the one connection write transactions run on, used under writer_gate_. In WAL
  // mode a connection drops its whole page cache whenever another connection has committed since
  // its last transaction; writers taking turns on pooled connections therefore started every
  // transaction cold (re-reading the b-trees' upper pages from the file), while one writer's
  // cache survives its own commits. Opened on first use, not counted in pool_size.
  std::unique_ptr<Connection> writer_;
  Result<PooledConnection> acquire_writer();
  // SQLite only: the network threads' own readers, one per thread, closed with the database.
  Result<Connection*> network_thread_reader();
  const std::uint64_t serial_;  // tells databases apart in the threads' reader caches
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> network_readers_;

 public:
  // Held by a SQLite write transaction for its whole length; empty on PostgreSQL.
  Result<std::unique_lock<std::timed_mutex>> enter_writer_gate();
};

// "(?, ?, ?)": the placeholders of an IN list of `count` values (at least one), which go as
// parameters like any other, never into the text.
std::string in_list(std::size_t count);

// Opens a database from a URL: `sqlite:path/to/file.db` or `postgresql://user@host:port/db`
// (also `postgres://`). Fails with invalid_input for an unknown scheme or bad path and with
// unavailable when the server cannot be reached.
Result<std::unique_ptr<Database>> open_database(std::string_view url, DatabaseOptions options = {});

// --- implementation of the transaction template ---
template <class F>
auto Database::transaction(F&& work) -> std::invoke_result_t<F, Connection&> {
  using R = std::invoke_result_t<F, Connection&>;
  auto gate = enter_writer_gate();
  if (!gate) return R(std::move(gate).error());
  auto connection = acquire_writer();
  if (!connection) return R(std::move(connection).error());
  Connection& c = **connection;
  if (auto began = c.begin(); !began) return R(std::move(began).error());
  try {
    R result = work(c);
    if (!result) {
      (void)c.rollback();
      return result;
    }
    // The request this work was for has run out of time: its client has been, or is about to be,
    // told it failed, so nothing may be committed on its behalf.
    if (deadline_passed()) {
      (void)c.rollback();
      return R(deadline_exceeded());
    }
    if (auto committed = c.commit(); !committed) {
      (void)c.rollback();
      return R(std::move(committed).error());
    }
    return result;
  } catch (...) {
    (void)c.rollback();
    throw;
  }
}

template <class F>
auto Database::read(F&& work) -> std::invoke_result_t<F, Connection&> {
  using R = std::invoke_result_t<F, Connection&>;
  auto connection = acquire();
  if (!connection) return R(std::move(connection).error());
  Connection& c = **connection;
  // A read inside another one (on a network thread every read shares the thread's connection)
  // joins the outer snapshot.
  if (backend_ != Backend::sqlite || c.in_transaction()) return work(c);
  if (auto began = c.execute("BEGIN"); !began) return R(std::move(began).error());
  try {
    R result = work(c);
    (void)c.execute("COMMIT");  // a read snapshot: ending it cannot lose anything
    return result;
  } catch (...) {
    (void)c.execute("ROLLBACK");
    throw;
  }
}

template <class F>
auto Database::read_statement(F&& work) -> std::invoke_result_t<F, Connection&> {
  using R = std::invoke_result_t<F, Connection&>;
  auto connection = acquire();
  if (!connection) return R(std::move(connection).error());
  return work(**connection);
}

}  // namespace guichet::storage
