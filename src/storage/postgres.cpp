// PostgreSQL backend over libpq. Parameters travel separately from the SQL text (PQexecParams).
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "storage/backends.hpp"

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

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Backend backend() const override { return Backend::postgresql; }

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
    PgResult result(PQexec(conn_, copy.c_str()));
    return check(result.get(), "script");
  }

  Result<void> begin() override { return execute_script("BEGIN"); }
  Result<void> commit() override { return execute_script("COMMIT"); }
  Result<void> rollback() override {
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return {};
    return execute_script("ROLLBACK");
  }
  bool healthy() const override { return PQstatus(conn_) == CONNECTION_OK; }

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
    PgResult result(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                                 nullptr, 0));
    if (auto checked = check(result.get(), "query"); !checked) return std::move(checked).error();
    return result;
  }

  static std::string fmt_double(double d) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", d);
    return buffer;
  }

  Result<void> check(PGresult* r, std::string_view doing) {
    ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return {};
    std::string message = std::string(doing) + ": " + PQerrorMessage(conn_);
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    if (sqlstate == "23505") return make_error(ErrorKind::conflict, "unique_violation", message);
    if (sqlstate == "23P01") return make_error(ErrorKind::conflict, "exclusion_violation", message);
    if (sqlstate.starts_with("23")) return make_error(ErrorKind::conflict, "constraint_violation", message);
    if (sqlstate == "40001" || sqlstate == "40P01") {
      return make_error(ErrorKind::conflict, "serialization_failure", message);
    }
    if (PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("08")) {
      return make_error(ErrorKind::unavailable, "database_unreachable", message);
    }
    return make_error(ErrorKind::internal, "database_error", message);
  }

  PGconn* conn_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres_connection(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return make_error(ErrorKind::unavailable, "database_unreachable", "cannot connect to PostgreSQL: " + message);
  }
  auto connection = std::make_unique<PostgresConnection>(conn);
  // Instants are stored as Unix microseconds (BIGINT), so the session time zone never matters;
  // UTC keeps anything printed by the server unambiguous.
  if (auto set = connection->execute_script("SET TIME ZONE 'UTC'"); !set) return std::move(set).error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace guichet::storage::detail
