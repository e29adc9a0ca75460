#include "guichet/storage/database.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "backends.hpp"
#include "guichet/storage/errors.hpp"

namespace guichet::storage {
namespace {
// Steady-clock ticks of the last "disk full" any connection of this process saw; 0 for never.
std::atomic<std::int64_t> last_storage_exhausted{0};
constexpr auto kExhaustionRemembered = std::chrono::minutes(1);
}  // namespace

namespace detail {
void note_storage_exhausted() { last_storage_exhausted = std::chrono::steady_clock::now().time_since_epoch().count(); }
}  // namespace detail

bool Database::storage_exhausted_recently() {
  std::int64_t seen = last_storage_exhausted;
  if (seen == 0) return false;
  auto at = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(seen));
  return std::chrono::steady_clock::now() - at < kExhaustionRemembered;
}

Result<bool> Connection::await_notification(std::chrono::milliseconds /*timeout*/) {
  return make_error(Errc::not_supported, "this engine has no notifications");
}

Result<std::unique_ptr<Connection>> Database::open_listener(std::string_view channel) {
  if (backend_ != Backend::postgresql) return std::unique_ptr<Connection>();
  const bool valid = !channel.empty() && std::all_of(channel.begin(), channel.end(),
                                                     [](char ch) { return (ch >= 'a' && ch <= 'z') || ch == '_'; });
  if (!valid) return make_error(Errc::bad_channel, "a channel is lowercase letters and underscores");
  auto connection = factory_();
  if (!connection) return std::move(connection).error();
  // LISTEN takes no parameter; the channel was checked above to be a plain identifier.
  if (auto listening = (*connection)->execute_script("LISTEN " + std::string(channel)); !listening) {
    return std::move(listening).error();
  }
  return std::move(*connection);
}

std::string in_list(std::size_t count) {
  std::string out = "(";
  for (std::size_t i = 0; i < count; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

std::string_view to_string(Backend backend) { return backend == Backend::sqlite ? "sqlite" : "postgresql"; }

bool Row::is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }

std::int64_t Row::integer(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return s->empty() ? 0 : std::stoll(*s);
  return 0;
}

double Row::real(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) return s->empty() ? 0.0 : std::stod(*s);
  return 0.0;
}

std::string Row::text(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

std::optional<std::string> Row::optional_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

std::optional<std::int64_t> Row::optional_integer(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

PooledConnection::PooledConnection(Database* owner, std::unique_ptr<Connection> connection)
    : owner_(owner), connection_(std::move(connection)), raw_(connection_.get()) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : owner_(other.owner_), connection_(std::move(other.connection_)), raw_(other.raw_) {
  other.owner_ = nullptr;
}

PooledConnection::~PooledConnection() {
  if (owner_ != nullptr && connection_) owner_->release(std::move(connection_));
}

namespace {
std::atomic<std::uint64_t> next_database_serial{1};

// This thread's readers, by database serial. A serial is never reused, so an entry left by a
// closed database is never looked up again (its connection was closed with the database).
struct ThreadReader {
  std::uint64_t serial;
  Connection* connection;
};
thread_local std::vector<ThreadReader> this_thread_readers;

Error waits_on_network_thread(std::string_view what) {
  return make_error(Errc::waits_on_network_thread,
                    std::string(what) + " would wait on a network thread; the route must run on the worker pool");
}
}  // namespace

Database::Database(Backend backend, std::string display_url, Factory factory, DatabaseOptions options)
    : backend_(backend),
      display_url_(std::move(display_url)),
      factory_(std::move(factory)),
      options_(options),
      serial_(next_database_serial.fetch_add(1)) {}

Database::~Database() = default;

Result<Connection*> Database::network_thread_reader() {
  for (const ThreadReader& reader : this_thread_readers) {
    if (reader.serial == serial_) return reader.connection;
  }
  auto made = factory_();
  if (!made) return std::move(made).error();
  // It can only read, and waits at most 100 ms should it ever meet a lock (WAL readers meet one
  // only while another connection recovers the log after a crash).
  if (auto read_only = (*made)->execute_script("PRAGMA query_only=ON; PRAGMA busy_timeout=100;"); !read_only) {
    return std::move(read_only).error();
  }
  Connection* connection = made->get();
  {
    std::lock_guard lock(readers_mutex_);
    network_readers_.push_back(std::move(made).value());
  }
  this_thread_readers.push_back(ThreadReader{serial_, connection});
  return connection;
}

Result<PooledConnection> Database::acquire() {
  if (on_network_thread()) {
    if (!reads_never_wait()) return waits_on_network_thread("a PostgreSQL call");
    auto reader = network_thread_reader();
    if (!reader) return std::move(reader).error();
    return PooledConnection(**reader);
  }
  std::unique_lock lock(mutex_);
  ++acquisitions_;
  bool waited = false;
  for (;;) {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return PooledConnection(this, std::move(connection));
    }
    if (open_ < options_.pool_size) {
      ++open_;
      ++in_use_;
      lock.unlock();
      auto made = factory_();
      if (!made) {
        lock.lock();
        --open_;
        --in_use_;
        available_.notify_one();
        return std::move(made).error();
      }
      return PooledConnection(this, std::move(made).value());
    }
    if (!waited) {
      waited = true;
      ++waits_;
    }
    SteadyTime limit = std::chrono::steady_clock::now() + options_.acquire_timeout;
    if (auto deadline = current_deadline(); deadline && *deadline < limit) limit = *deadline;
    if (!available_.wait_until(lock, limit, [&] { return !idle_.empty() || open_ < options_.pool_size; })) {
      ++timeouts_;
      return make_error(Errc::database_busy, "no database connection became free in time");
    }
  }
}

void Database::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  --in_use_;
  if (connection->healthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // a broken link is dropped; the next acquire opens a fresh one
  }
  available_.notify_one();
}

Result<std::unique_lock<std::timed_mutex>> Database::enter_writer_gate() {
  if (on_network_thread()) return waits_on_network_thread("a write transaction");
  if (backend_ != Backend::sqlite) return std::unique_lock<std::timed_mutex>();
  SteadyTime limit = std::chrono::steady_clock::now() + options_.busy_timeout;
  if (auto deadline = current_deadline(); deadline && *deadline < limit) limit = *deadline;
  std::unique_lock gate(writer_gate_, limit);
  if (!gate.owns_lock()) {
    return make_error(Errc::database_busy, "the database is busy with other changes");
  }
  return gate;
}

Result<PooledConnection> Database::acquire_writer() {
  if (backend_ != Backend::sqlite) return acquire();
  // Under writer_gate_: no other thread touches writer_.
  if (writer_ && !writer_->healthy()) writer_.reset();
  if (!writer_) {
    auto made = factory_();
    if (!made) return std::move(made).error();
    writer_ = std::move(made).value();
  }
  return PooledConnection(*writer_);
}

PoolStats Database::stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{options_.pool_size, open_, in_use_, acquisitions_, waits_, timeouts_};
}

namespace {
std::string without_password(std::string_view url) {
  // postgresql://user:secret@host/db -> postgresql://user:***@host/db
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  auto at = url.find('@', scheme_end + 3);
  if (at == std::string_view::npos) return std::string(url);
  auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}
}  // namespace

Result<std::unique_ptr<Database>> open_database(std::string_view url, DatabaseOptions options) {
  if (options.pool_size == 0) {
    return make_error(Errc::bad_pool_size, "the database pool needs at least one connection");
  }
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.starts_with("//")) path = path.substr(2);  // accept sqlite://relative and sqlite:///absolute
    if (path.empty()) {
      return make_error(Errc::bad_database_url, "sqlite: URL needs a file path, e.g. sqlite:var/guichet.db");
    }
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
      return make_error(Errc::bad_database_url, "the directory of the SQLite file does not exist: " + parent.string());
    }
    auto db = std::make_unique<Database>(
        Backend::sqlite, "sqlite:" + path, [path, options] { return detail::open_sqlite_connection(path, options); },
        options);
    // Open one connection now so that a bad file fails at start-up, not on the first request.
    auto probe = db->acquire();
    if (!probe) return std::move(probe).error();
    return db;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    std::string conninfo(url);
    auto db = std::make_unique<Database>(
        Backend::postgresql, without_password(url),
        [conninfo, options] { return detail::open_postgres_connection(conninfo, options); }, options);
    auto probe = db->acquire();
    if (!probe) return std::move(probe).error();
    return db;
  }
  return make_error(Errc::bad_database_url,
                    "database URL must start with sqlite: or postgresql:// (got '" + std::string(url) + "')");
}

}  // namespace guichet::storage
