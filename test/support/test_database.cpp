#include "support/test_database.hpp"

#include <cstdio>

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "guichet/core/random.hpp"

namespace guichet::testing {
namespace {
std::string admin_url() {
  const char* url = std::getenv("GUICHET_TEST_PG");
  return url ? url : "";
}

std::string with_database(const std::string& url, const std::string& name) {
  auto slash = url.rfind('/');
  return url.substr(0, slash + 1) + name;
}

void admin_execute(const std::string& sql) {
  auto admin = storage::open_database(admin_url(), storage::DatabaseOptions{1});
  if (!admin) throw std::runtime_error("cannot reach the test PostgreSQL: " + admin.error().message);
  auto connection = (*admin)->acquire();
  if (!connection) throw std::runtime_error(connection.error().message);
  if (auto done = (*connection)->execute_script(sql); !done) throw std::runtime_error(done.error().message);
}
}  // namespace

std::vector<std::string> test_backends() {
  std::vector<std::string> backends{"sqlite"};
  const char* require = std::getenv("GUICHET_REQUIRE_PG");
  if (!admin_url().empty() || (require && std::string(require) == "1")) {
    backends.emplace_back("postgresql");
  } else {
    // Said on every run, so a suite run by hand cannot pass for a test of both engines.
    static const bool warned = [] {
      std::fprintf(stderr,
                   "WARNING: GUICHET_TEST_PG is not set: the PostgreSQL variants of this suite are NOT run "
                   "(make test-unit runs them)\n");
      return true;
    }();
    (void)warned;
  }
  return backends;
}

TestDatabase::TestDatabase(const std::string& backend, storage::DatabaseOptions options) : backend_(backend) {
  if (backend == "sqlite") {
    url_ = "sqlite:" + (dir_.path() / "test.db").string();
  } else {
    if (admin_url().empty()) throw std::runtime_error("GUICHET_TEST_PG is not set but PostgreSQL tests are required");
    pg_name_ = "t_" + random_hex(8);
    admin_execute("CREATE DATABASE " + pg_name_);
    url_ = with_database(admin_url(), pg_name_);
  }
  auto db = storage::open_database(url_, options);
  if (!db) throw std::runtime_error("cannot open test database: " + db.error().message);
  db_ = std::move(db).value();
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!pg_name_.empty()) {
    try {
      admin_execute("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
}

std::unique_ptr<storage::Database> TestDatabase::open_another(storage::DatabaseOptions options) const {
  auto db = storage::open_database(url_, options);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(db).value();
}

}  // namespace guichet::testing
