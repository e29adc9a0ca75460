// PostgreSQL backend over libpq. Parameters travel separately from the SQL text
// (PQsendQueryParams). Every call waits for the server with a client-side limit (the statement
// timeout or the request's deadline, whichever is sooner), so a server that stops answering
// without closing the connection costs a bounded wait, never a hang; the connection is then
// dropped, which makes the server roll back whatever it had begun.
#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "backends.hpp"
#include "guichet/storage/errors.hpp"

namespace guichet::storage::detail {

std::string to_postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // copy a quoted literal or identifier as it is
      std::size_t end = i + 1;
      while (end < sql.size() && sql[end] != c) ++end;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // comment to end of line
      std::size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// Type OIDs from PostgreSQL's pg_type.h.
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// A zero timeout means none (migrations, bulk loads): only the request's deadline, if any.
SteadyTime limit_from_now(std::chrono::milliseconds timeout) {
  SteadyTime limit = timeout.count() > 0 ? std::chrono::steady_clock::now() + timeout : SteadyTime::max();
  if (auto deadline = current_deadline(); deadline && *deadline < limit) limit = *deadline;
  return limit;
}

// Waits until the socket is readable (or writable) or `limit` passes; false on timeout.
bool wait_for_socket(int socket, bool for_write, SteadyTime limit) {
  for (;;) {
    int wait_ms = -1;
    if (limit != SteadyTime::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limit - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(std::min<long long>(left.count(), 3'600'000));
    }
    pollfd descriptor{socket, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int ready = ::poll(&descriptor, 1, wait_ms);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return true;  // let libpq report the socket's error
  }
}

Error timed_out(std::string_view doing) {
  return make_error(Errc::database_timeout,
                    std::string(doing) + ": PostgreSQL did not answer in time; the connection was dropped");
}

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(PGconn* conn, std::chrono::milliseconds statement_timeout)
      : conn_(conn), statement_timeout_(statement_timeout) {}
  ~PostgresConnection() override { PQfinish(conn_); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Backend backend() const override { return Backend::postgresql; }

  Result<bool> await_notification(std::chrono::milliseconds timeout) override {
    if (broken_) return make_error(Errc::database_unreachable, "listen: connection dropped");
    const SteadyTime limit = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (PQconsumeInput(conn_) == 0) {
        broken_ = true;
        return make_error(Errc::database_unreachable, std::string("listen: ") + PQerrorMessage(conn_));
      }
      bool any = false;
      while (PGnotify* notification = PQnotifies(conn_)) {
        any = true;
        PQfreemem(notification);
      }
      if (any) return true;
      if (!wait_for_socket(PQsocket(conn_), false, limit)) return false;
    }
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    auto result = run(sql, params);
    if (!result) return std::move(result).error();
    PGresult* r = result->get();
    Rows rows;
    int columns = PQnfields(r);
    int count = PQntuples(r);
    for (int c = 0; c < columns; ++c) rows.columns.emplace_back(PQfname(r, c));
    rows.rows.reserve(static_cast<std::size_t>(count));
    for (int t = 0; t < count; ++t) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(r, t, c)) {
          values.emplace_back(nullptr);
          continue;
        }
        const char* text = PQgetvalue(r, t, c);
        switch (PQftype(r, c)) {
          case kInt8:
          case kInt4:
          case kInt2:
            values.emplace_back(static_cast<std::int64_t>(std::stoll(text)));
            break;
          case kBool:
            values.emplace_back(static_cast<std::int64_t>(text[0] == 't' ? 1 : 0));
            break;
          case kFloat4:
          case kFloat8:
            values.emplace_back(std::stod(text));
            break;
          default:
            values.emplace_back(std::string(text, static_cast<std::size_t>(PQgetlength(r, t, c))));
        }
      }
      rows.rows.emplace_back(std::move(values));
    }
    return rows;
  }

  Result<std::int64_t> execute(std::string_view sql, const Params& params) override {
    auto result = run(sql, params);
    if (!result) return std::move(result).error();
    const char* affected = PQcmdTuples(result->get());
    return static_cast<std::int64_t>(affected[0] ? std::stoll(affected) : 0);
  }

  Result<void> execute_script(std::string_view sql) override {
    std::string copy(sql);
    if (broken_) return make_error(Errc::database_unreachable, "script: connection dropped");
    if (PQsendQuery(conn_, copy.c_str()) == 0) return failure("script");
    auto result = await_result("script");
    if (!result) return std::move(result).error();
    return {};
  }

  Result<void> begin() override { return execute_script("BEGIN"); }
  Result<void> commit() override { return execute_script("COMMIT"); }
  Result<void> rollback() override {
    if (broken_ || PQtransactionStatus(conn_) == PQTRANS_IDLE) return {};
    // A rollback is how a request that ran out of time undoes its work: it gets the statement
    // timeout, not what is left of the deadline (if it fails, the connection is dropped anyway).
    DeadlineScope rollback_has_its_own_time(std::nullopt);
    return execute_script("ROLLBACK");
  }
  bool healthy() const override { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const override { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

 private:
  Result<PgResult> run(std::string_view sql, const Params& params) {
    std::string text = to_postgres_placeholders(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) continue;
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        storage[i] = std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        storage[i] = fmt_double(*d);
      } else {
        storage[i] = std::get<std::string>(v);
      }
      values[i] = storage[i].c_str();
    }
    if (broken_) return make_error(Errc::database_unreachable, "query: connection dropped");
    const int count = static_cast<int>(params.size());
    auto name = prepared_name(text, count);
    if (!name) return std::move(name).error();
    const int sent = name->empty()
                         ? PQsendQueryParams(conn_, text.c_str(), count, nullptr, values.data(), nullptr, nullptr, 0)
                         : PQsendQueryPrepared(conn_, name->c_str(), count, values.data(), nullptr, nullptr, 0);
    if (sent == 0) return failure("query");
    return await_result("query");
  }

  // Each connection prepares a statement the first time it runs it and keeps it, as the SQLite
  // connections keep theirs: a booking's dozen statements are then neither parsed nor analysed
  // again (PostgreSQL still plans each run with its values for its first five runs, and keeps a
  // generic plan only when that costs no more). A schema change makes PostgreSQL plan them anew.
  // Beyond kMaxPrepared texts, statements run unnamed. Empty: run this one unnamed.
  Result<std::string> prepared_name(const std::string& text, int count) {
    if (prepared_stale_) {
      if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return std::string();
      if (PQsendQuery(conn_, "DEALLOCATE ALL") == 0) return failure("deallocate");
      auto dropped = await_result("deallocate");
      if (!dropped) return std::move(dropped).error();
      prepared_.clear();
      prepared_stale_ = false;
    }
    if (auto found = prepared_.find(text); found != prepared_.end()) return found->second;
    if (prepared_.size() >= kMaxPrepared) return std::string();
    std::string name = "guichet_" + std::to_string(prepared_.size() + 1);
    if (PQsendPrepare(conn_, name.c_str(), text.c_str(), count, nullptr) == 0) return failure("prepare");
    auto prepared = await_result("prepare");
    if (!prepared) return std::move(prepared).error();
    prepared_.emplace(text, name);
    return name;
  }

  // Reads the answer to the query just sent, within the statement timeout or the request's
  // deadline. On timeout the connection is marked broken: the pool closes it, and the server,
  // finding the client gone, rolls its transaction back.
  Result<PgResult> await_result(std::string_view doing) {
    SteadyTime limit = limit_from_now(statement_timeout_);
    while (PQisBusy(conn_) != 0) {
      if (!wait_for_socket(PQsocket(conn_), false, limit)) {
        broken_ = true;
        return timed_out(doing);
      }
      if (PQconsumeInput(conn_) == 0) return failure(doing);
    }
    PgResult last;
    while (PGresult* next = PQgetResult(conn_)) {
      last.reset(next);
      if (PQresultStatus(next) == PGRES_FATAL_ERROR) {
        // Drain what follows so the connection is ready for the next statement.
        while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
        break;
      }
      while (PQisBusy(conn_) != 0) {
        if (!wait_for_socket(PQsocket(conn_), false, limit)) {
          broken_ = true;
          return timed_out(doing);
        }
        if (PQconsumeInput(conn_) == 0) return failure(doing);
      }
    }
    if (auto checked = check(last.get(), doing); !checked) return std::move(checked).error();
    return last;
  }

  static std::string fmt_double(double d) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", d);
    return buffer;
  }

  // The error libpq reports when sending or reading failed without a result.
  Error failure(std::string_view doing) {
    Result<void> checked = check(nullptr, doing);
    return std::move(checked).error();
  }

  Result<void> check(PGresult* r, std::string_view doing) {
    ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return {};
    std::string message = std::string(doing) + ": " + PQerrorMessage(conn_);
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    if (sqlstate.starts_with("23")) {
      const char* name = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
      Errc code = sqlstate == "23505"   ? Errc::unique_violation
                  : sqlstate == "23P01" ? Errc::exclusion_violation
                                        : Errc::constraint_violation;
      Error error = make_error(code, message);
      error.constraint = name ? name : "";
      return error;
    }
    if (sqlstate == "40001" || sqlstate == "40P01") {
      return make_error(Errc::serialization_failure, message);
    }
    if (sqlstate == "53100" || sqlstate == "53200") {  // disk_full, out_of_memory
      note_storage_exhausted();
      return make_error(Errc::storage_full, message);
    }
    if (sqlstate == "57014" || sqlstate == "25P03") {  // statement or idle-in-transaction timeout
      return make_error(Errc::database_timeout, message);
    }
    // 57P: the server is shutting down or restarting; the connection is no use after it.
    if (PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("57P")) broken_ = true;
    // A schema change (another node's migration) can leave a prepared statement unfit: "cached
    // plan must not change result type" (0A000), or a parameter's type fixed at preparation no
    // longer matching its column (class 42). This statement fails as an unnamed one would not;
    // the connection prepares everything anew once it is out of the failed transaction.
    if ((sqlstate == "0A000" || sqlstate.starts_with("42")) && !prepared_.empty()) prepared_stale_ = true;
    if (broken_ || sqlstate.starts_with("08")) {
      return make_error(Errc::database_unreachable, message);
    }
    return make_error(Errc::database_error, message);
  }

  PGconn* conn_;
  std::chrono::milliseconds statement_timeout_;
  bool broken_ = false;
  static constexpr std::size_t kMaxPrepared = 512;
  std::unordered_map<std::string, std::string> prepared_;  // statement text -> its prepared name
  bool prepared_stale_ = false;                            // set when a schema change may have left them unfit
};

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string(std::max<long long>(1, static_cast<long long>((d.count() + 999) / 1000)));
}

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres_connection(const std::string& conninfo,
                                                             const DatabaseOptions& options) {
  // Defaults first, the URL last: anything the operator's URL says wins.
  const std::string connect_timeout = seconds_text(options.connect_timeout);
  const std::array<const char*, 8> keywords{
      "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const std::array<const char*, 8> values{connect_timeout.c_str(), "1",    "5", "2", "3", "10000",
                                          conninfo.c_str(),        nullptr};
  PGconn* conn = PQconnectStartParams(keywords.data(), values.data(), 1);
  if (conn == nullptr) return make_error(Errc::database_unreachable, "cannot connect to PostgreSQL");
  SteadyTime limit = limit_from_now(options.connect_timeout);
  for (PostgresPollingStatusType polled = PGRES_POLLING_WRITING;;) {
    if (PQstatus(conn) == CONNECTION_BAD || polled == PGRES_POLLING_FAILED) {
      std::string message = PQerrorMessage(conn);
      PQfinish(conn);
      return make_error(Errc::database_unreachable, "cannot connect to PostgreSQL: " + message);
    }
    if (polled == PGRES_POLLING_OK) break;
    if (!wait_for_socket(PQsocket(conn), polled == PGRES_POLLING_WRITING, limit)) {
      PQfinish(conn);
      return make_error(Errc::database_unreachable, "cannot connect to PostgreSQL: timed out");
    }
    polled = PQconnectPoll(conn);
  }
  auto connection = std::make_unique<PostgresConnection>(conn, options.statement_timeout);
  // Instants are stored as Unix microseconds (BIGINT), so the session time zone never matters;
  // UTC keeps anything printed by the server unambiguous. The server enforces the statement
  // timeout too, and ends a transaction left idle (a node that froze mid-transaction) after a
  // minute, so its locks do not outlive it.
  const std::string settings =
      "SET TIME ZONE 'UTC'; SET statement_timeout = " + std::to_string(options.statement_timeout.count()) +
      "; SET idle_in_transaction_session_timeout = 60000";
  if (auto set = connection->execute_script(settings); !set) return std::move(set).error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace guichet::storage::detail
