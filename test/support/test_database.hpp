#pragma once
// Storage-facing suites run once per backend. SQLite always; PostgreSQL when GUICHET_TEST_PG
// names a server (scripts/with-postgres.sh sets it). With GUICHET_REQUIRE_PG=1 a missing server
// fails the run instead of skipping, so `make check` can never silently test SQLite only.
#include <memory>
#include <string>
#include <vector>

#include "guichet/storage/database.hpp"
#include "support/temp_dir.hpp"

namespace guichet::testing {

std::vector<std::string> test_backends();

// A new, empty database for one test: a file in a temp dir, or a fresh PostgreSQL database
// that is dropped afterwards.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend, storage::DatabaseOptions options = {});
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  storage::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // Another pool on the same database: a second node.
  std::unique_ptr<storage::Database> open_another(storage::DatabaseOptions options = {}) const;

 private:
  TempDir dir_;
  std::string backend_;
  std::string url_;
  std::string pg_name_;
  std::unique_ptr<storage::Database> db_;
};

}  // namespace guichet::testing
