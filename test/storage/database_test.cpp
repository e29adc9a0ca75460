#include "guichet/storage/database.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "guichet/storage/scan.hpp"
#include "storage/backends.hpp"
#include "support/test_database.hpp"

namespace guichet::storage {
namespace {
using testing::TestDatabase;

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<TestDatabase>(GetParam());
    auto c = db().acquire();
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto made = (*c)->execute_script(
        "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, score DOUBLE PRECISION, note TEXT)");
    ASSERT_TRUE(made.ok()) << made.error().message;
  }
  Database& db() { return database->db(); }
  std::int64_t count() {
    auto c = db().acquire();
    return (*c)->query("SELECT COUNT(*) FROM items")->rows.at(0).integer(0);
  }
  std::unique_ptr<TestDatabase> database;
};

TEST_P(DatabaseTest, RoundTripsEveryValueType) {
  auto c = db().acquire();
  ASSERT_TRUE(c.ok());
  auto inserted = (*c)->execute("INSERT INTO items (id, name, score, note) VALUES (?, ?, ?, ?)",
                                {std::int64_t{9'000'000'000}, std::string("Tiếng Việt"), 2.5, nullptr});
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_EQ(*inserted, 1);
  auto rows = (*c)->query("SELECT id, name, score, note FROM items WHERE id = ?", {std::int64_t{9'000'000'000}});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  const Row& row = rows->rows[0];
  EXPECT_EQ(row.integer(0), 9'000'000'000);
  EXPECT_EQ(row.text(1), "Tiếng Việt");
  EXPECT_DOUBLE_EQ(row.real(2), 2.5);
  EXPECT_TRUE(row.is_null(3));
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"id", "name", "score", "note"}));
}

// scan_integers hands over each row as Row::integer would read it, in order, with parameters; an
// error is a value, as with query.
TEST_P(DatabaseTest, ScansRowsOfIntegers) {
  auto c = db().acquire();
  ASSERT_TRUE(c.ok());
  for (std::int64_t id = 1; id <= 5; ++id) {
    auto inserted = (*c)->execute("INSERT INTO items (id, name, score) VALUES (?, ?, ?)",
                                  {id * 3'000'000'000, "n" + std::to_string(id), static_cast<double>(id)});
    ASSERT_TRUE(inserted.ok());
  }
  std::vector<std::vector<std::int64_t>> seen;
  auto scanned = scan_integers(**c, "SELECT id, NULL, id / 3000000000 FROM items WHERE id > ? ORDER BY id DESC",
                               {std::int64_t{3'000'000'000}},
                               [&](std::span<const std::int64_t> row) { seen.emplace_back(row.begin(), row.end()); });
  ASSERT_TRUE(scanned.ok()) << scanned.error().message;
  ASSERT_EQ(seen.size(), 4U);
  EXPECT_EQ(seen.front(), (std::vector<std::int64_t>{15'000'000'000, 0, 5}));
  EXPECT_EQ(seen.back(), (std::vector<std::int64_t>{6'000'000'000, 0, 2}));
  auto bad = scan_integers(**c, "SELECT nothing FROM nowhere", {}, [](std::span<const std::int64_t>) {});
  EXPECT_FALSE(bad.ok());
}

TEST_P(DatabaseTest, ValuesAreNeverSplicedIntoSql) {
  auto c = db().acquire();
  std::string hostile = "x'); DROP TABLE items; -- ? $1";
  ASSERT_TRUE((*c)->execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{1}, hostile}).ok());
  auto rows = (*c)->query("SELECT name FROM items WHERE name = ?", {hostile});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ(rows->rows[0].text(0), hostile);
  // A literal question mark inside quotes is not a placeholder.
  auto literal = (*c)->query("SELECT COUNT(*) FROM items WHERE name <> 'what?' AND id = ?", {std::int64_t{1}});
  ASSERT_TRUE(literal.ok()) << literal.error().message;
  EXPECT_EQ(literal->rows[0].integer(0), 1);
}

TEST_P(DatabaseTest, TransactionCommitsWholeOrNothing) {
  auto committed = db().transaction([](Connection& c) -> Result<int> {
    if (auto r = c.execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{1}, std::string("a")}); !r)
      return r.error();
    if (auto r = c.execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{2}, std::string("b")}); !r)
      return r.error();
    return 2;
  });
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  EXPECT_EQ(count(), 2);

  // The second insert breaks a unique rule: the first must not survive.
  auto failed = db().transaction([](Connection& c) -> Result<int> {
    if (auto r = c.execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{3}, std::string("c")}); !r)
      return r.error();
    if (auto r = c.execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{4}, std::string("a")}); !r)
      return r.error();
    return 2;
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::conflict);
  EXPECT_EQ(failed.error().code.name(), "unique_violation");
  EXPECT_EQ(count(), 2);

  EXPECT_THROW((void)db().transaction([](Connection& c) -> Result<int> {
    (void)c.execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{5}, std::string("e")});
    throw std::runtime_error("handler bug");
  }),
               std::runtime_error);
  EXPECT_EQ(count(), 2);
}

TEST_P(DatabaseTest, ReportsSqlErrorsAsValues) {
  auto c = db().acquire();
  auto bad = (*c)->query("SELECT no_such_column FROM items");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::internal);
  auto wrong_count = (*c)->execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{1}});
  EXPECT_FALSE(wrong_count.ok());
  // The connection stays usable after an error.
  EXPECT_TRUE((*c)->query("SELECT 1").ok());
}

TEST_P(DatabaseTest, PoolTimesOutWhenExhausted) {
  DatabaseOptions options;
  options.pool_size = 1;
  options.acquire_timeout = std::chrono::milliseconds(50);
  auto small = database->open_another(options);
  auto held = small->acquire();
  ASSERT_TRUE(held.ok());
  auto second = small->acquire();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::unavailable);
  PoolStats stats = small->stats();
  EXPECT_EQ(stats.in_use, 1U);
  EXPECT_EQ(stats.timeouts, 1U);
}

TEST_P(DatabaseTest, ConcurrentWritersAllCommit) {
  DatabaseOptions options;
  options.pool_size = 4;
  auto pool = database->open_another(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = pool->transaction([&](Connection& c) -> Result<std::int64_t> {
          return c.execute("INSERT INTO items (id, name) VALUES (?, ?)",
                           {std::int64_t{t * 100 + i}, "n" + std::to_string(t * 100 + i)});
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(), 100);
}

// Issue 17: a lost race is recognised by the constraint's name, never by the message text.
TEST_P(DatabaseTest, ConstraintViolationsNameTheConstraint) {
  auto c = db().acquire();
  ASSERT_TRUE(
      (*c)->execute_script("CREATE TABLE scores (points BIGINT, CONSTRAINT points_positive CHECK (points > 0))"));
  auto refused = (*c)->execute("INSERT INTO scores (points) VALUES (?)", {std::int64_t{-1}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::conflict);
  EXPECT_EQ(refused.error().constraint, "points_positive");
  ASSERT_TRUE((*c)->execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{1}, std::string("a")}));
  auto duplicate = (*c)->execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{2}, std::string("a")});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code.name(), "unique_violation");
  EXPECT_FALSE(duplicate.error().constraint.empty());
}

// The request's deadline bounds the wait for a connection, whatever the pool's own timeout.
TEST_P(DatabaseTest, TheRequestsDeadlineBoundsTheWaitForAConnection) {
  DatabaseOptions options;
  options.pool_size = 1;
  options.acquire_timeout = std::chrono::seconds(30);
  auto small = database->open_another(options);
  auto held = small->acquire();
  ASSERT_TRUE(held);
  DeadlineScope deadline(std::chrono::milliseconds(50));
  auto started = std::chrono::steady_clock::now();
  auto second = small->acquire();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));  // not the 30 s
}

// A transaction whose request ran out of time is rolled back, never committed late.
TEST_P(DatabaseTest, ATransactionPastItsDeadlineIsRolledBack) {
  {
    DeadlineScope deadline(std::chrono::milliseconds(100));
    auto late = db().transaction([&](Connection& c) -> Result<std::int64_t> {
      auto inserted = c.execute("INSERT INTO items (id, name) VALUES (?, ?)", {std::int64_t{7}, std::string("late")});
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      return inserted;
    });
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code.name(), "deadline_exceeded");
  }
  EXPECT_EQ(count(), 0);
}

// Issue 17 item 13: reads that belong together run on one connection; on SQLite in one snapshot.
TEST_P(DatabaseTest, ReadsRunOnOneConnectionAndLeaveNoTransactionOpen) {
  ASSERT_TRUE(db().transaction([](Connection& c) -> Result<std::int64_t> {
    return c.execute("INSERT INTO items (id, name) VALUES (1, 'one')");
  }));
  auto names = db().read([](Connection& c) -> Result<std::string> {
    auto first = c.query("SELECT name FROM items WHERE id = 1");
    if (!first) return std::move(first).error();
    auto second = c.query("SELECT COUNT(*) FROM items");
    if (!second) return std::move(second).error();
    return first->rows.at(0).text(0) + "/" + second->rows.at(0).text(0);
  });
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, "one/1");
  // The snapshot ended: a write transaction on the same pooled connection begins normally.
  EXPECT_TRUE(db().transaction([](Connection& c) -> Result<std::int64_t> {
    return c.execute("INSERT INTO items (id, name) VALUES (2, 'two')");
  }));
  EXPECT_EQ(count(), 2);
}

// On a network thread nothing may wait: PostgreSQL calls and write transactions are refused as
// internal errors (a route wrongly marked on_network_thread), SQLite reads use the thread's own
// connection.
TEST_P(DatabaseTest, ANetworkThreadReadsOnlyAndOnlyWhereReadsNeverWait) {
  ASSERT_TRUE(db().transaction([](Connection& c) -> Result<std::int64_t> {
    return c.execute("INSERT INTO items (id, name) VALUES (1, 'one')");
  }));
  const PoolStats before = db().stats();
  NetworkThreadScope network_thread;
  auto write = db().transaction([](Connection& c) -> Result<std::int64_t> {
    return c.execute("INSERT INTO items (id, name) VALUES (2, 'two')");
  });
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code.name(), "waits_on_network_thread");
  auto read = db().read([](Connection& c) { return c.query("SELECT name FROM items"); });
  if (!db().reads_never_wait()) {
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code.name(), "waits_on_network_thread");
    return;
  }
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->rows.at(0).text(0), "one");
  EXPECT_EQ(db().stats().acquisitions, before.acquisitions);  // not from the pool
  // Every read of the thread shares its one connection: a read inside a read joins the outer
  // snapshot instead of beginning a second one, and the snapshot ends with the outer read.
  auto nested = db().read([&](Connection& outer) -> Result<std::int64_t> {
    auto inner = db().read([](Connection& c) { return c.query("SELECT COUNT(*) FROM items"); });
    if (!inner) return std::move(inner).error();
    EXPECT_TRUE(outer.in_transaction());
    return inner->rows.at(0).integer(0);
  });
  ASSERT_TRUE(nested) << nested.error().message;
  EXPECT_EQ(*nested, 1);
  auto reader = db().acquire();
  ASSERT_TRUE(reader);
  EXPECT_FALSE((*reader)->in_transaction());
  EXPECT_FALSE((*reader)->execute("INSERT INTO items (id, name) VALUES (3, 'three')"));  // query_only
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

// Issue 11: SQLite keeps no memory statistics in this process, so its allocations take no
// process-wide lock (configure_sqlite). With statistics on, an open connection counts its
// allocations here.
TEST(SqliteSettings, KeepsNoMemoryStatistics) {
  testing::TestDatabase database("sqlite");
  auto c = database.db().acquire();
  ASSERT_TRUE(c);
  ASSERT_TRUE((*c)->execute_script("CREATE TABLE notes (n BIGINT); INSERT INTO notes (n) VALUES (1)"));
  sqlite3_int64 allocations = -1;
  sqlite3_int64 highest = -1;
  ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &allocations, &highest, 0), SQLITE_OK);
  EXPECT_EQ(allocations, 0);
  EXPECT_EQ(sqlite3_memory_used(), 0);
}

// Issue 17: on SQLite one external writer holding the lock makes only writers wait (and give up
// with unavailable after busy_timeout); reads go on.
TEST(SqliteLocking, AWriterHoldingTheLockStallsOnlyWriters) {
  testing::TestDatabase database("sqlite");
  DatabaseOptions options;
  options.busy_timeout = std::chrono::milliseconds(100);
  auto node = database.open_another(options);
  {
    auto c = node->acquire();
    ASSERT_TRUE((*c)->execute_script("CREATE TABLE notes (n BIGINT)"));
  }
  auto outsider = database.open_another();
  auto holder = outsider->acquire();
  ASSERT_TRUE((*holder)->begin());
  ASSERT_TRUE((*holder)->execute("INSERT INTO notes (n) VALUES (1)"));

  auto write = node->transaction(
      [](Connection& c) -> Result<std::int64_t> { return c.execute("INSERT INTO notes (n) VALUES (2)"); });
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(write.error().code.name(), "database_busy");
  auto c = node->acquire();
  auto read = (*c)->query("SELECT COUNT(*) FROM notes");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->rows[0].integer(0), 0);
  ASSERT_TRUE((*holder)->commit());
}

// On SQLite, write transactions run on the database's one writer connection, outside the pool: a
// writer never waits for a pooled connection, and its page cache is not dropped by another
// connection's commits (docs/PERFORMANCE.md: exchanges, eighth pass).
TEST(SqliteWriter, WritesGoOnWhileEveryPooledConnectionIsHeld) {
  testing::TestDatabase database("sqlite");
  DatabaseOptions options;
  options.pool_size = 1;
  options.acquire_timeout = std::chrono::milliseconds(50);
  auto node = database.open_another(options);
  {
    auto c = node->acquire();
    ASSERT_TRUE((*c)->execute_script("CREATE TABLE notes (n BIGINT)"));
  }
  auto reader = node->acquire();
  ASSERT_TRUE(reader);
  for (std::int64_t n = 1; n <= 3; ++n) {
    auto write = node->transaction(
        [&](Connection& c) -> Result<std::int64_t> { return c.execute("INSERT INTO notes (n) VALUES (?)", {n}); });
    ASSERT_TRUE(write) << write.error().message;
  }
  // A failed transaction is rolled back and leaves the writer usable.
  auto failed = node->transaction([](Connection& c) -> Result<std::int64_t> {
    if (auto inserted = c.execute("INSERT INTO notes (n) VALUES (99)"); !inserted) return inserted;
    return c.execute("INSERT INTO no_such_table (n) VALUES (1)");
  });
  ASSERT_FALSE(failed);
  auto after = node->transaction(
      [](Connection& c) -> Result<std::int64_t> { return c.execute("INSERT INTO notes (n) VALUES (4)"); });
  ASSERT_TRUE(after) << after.error().message;
  auto read = (*reader)->query("SELECT COUNT(*), SUM(n) FROM notes");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->rows[0].integer(0), 4);  // the 99 was rolled back with its transaction
  EXPECT_EQ(read->rows[0].integer(1), 10);
  const PoolStats stats = node->stats();
  EXPECT_EQ(stats.open, 1U);  // the writer is not one of the pool's
  EXPECT_EQ(stats.timeouts, 0U);
}

// ... and a network thread's reads go on while another process holds the write lock: they never
// wait (the wait would stall every connection of that thread).
TEST(SqliteLocking, ANetworkThreadReadsWhileAnotherProcessWrites) {
  testing::TestDatabase database("sqlite");
  auto node = database.open_another();
  {
    auto c = node->acquire();
    ASSERT_TRUE((*c)->execute_script("CREATE TABLE notes (n BIGINT); INSERT INTO notes (n) VALUES (1);"));
  }
  auto outsider = database.open_another();
  auto holder = outsider->acquire();
  ASSERT_TRUE((*holder)->begin());
  ASSERT_TRUE((*holder)->execute("INSERT INTO notes (n) VALUES (2)"));
  ASSERT_TRUE((*holder)->commit());  // committed to the log: the next reader must see it
  ASSERT_TRUE((*holder)->begin());
  ASSERT_TRUE((*holder)->execute("INSERT INTO notes (n) VALUES (3)"));

  std::thread network([&] {
    NetworkThreadScope network_thread;
    auto read = node->read([](Connection& c) { return c.query("SELECT COUNT(*) FROM notes"); });
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->rows[0].integer(0), 2);  // what was committed, not the holder's pending row
  });
  network.join();
  ASSERT_TRUE((*holder)->commit());
}

// Issue 17: a PostgreSQL statement that does not answer in time is given up on by the client (the
// connection is dropped, so the server rolls back), within the request's deadline.
TEST(PostgresTimeouts, AStatementThatDoesNotAnswerInTimeIsGivenUp) {
  if (testing::test_backends().size() < 2) GTEST_SKIP() << "no PostgreSQL server for this run";
  testing::TestDatabase database("postgresql");
  auto pool = database.open_another();
  auto c = pool->acquire();
  ASSERT_TRUE(c);
  {
    DeadlineScope deadline(std::chrono::milliseconds(200));
    auto started = std::chrono::steady_clock::now();
    auto slept = (*c)->query("SELECT pg_sleep(5)");
    ASSERT_FALSE(slept);
    EXPECT_EQ(slept.error().kind, ErrorKind::unavailable);
    EXPECT_EQ(slept.error().code.name(), "database_timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    EXPECT_FALSE((*c)->healthy());  // the pool will drop it
  }
  // The server's own statement_timeout also applies.
  DatabaseOptions options;
  options.statement_timeout = std::chrono::milliseconds(150);
  auto strict = database.open_another(options);
  auto s = strict->acquire();
  auto cancelled = (*s)->query("SELECT pg_sleep(5)");
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().kind, ErrorKind::unavailable);
}

// Each PostgreSQL connection prepares a statement once and runs it prepared afterwards; after a
// schema change leaves its statements unfit, the connection prepares them anew.
TEST(PostgresPreparedStatements, PreparedOnceAndPreparedAnewAfterASchemaChange) {
  if (testing::test_backends().size() < 2) GTEST_SKIP() << "no PostgreSQL server for this run";
  testing::TestDatabase database("postgresql");
  auto pool = database.open_another();
  auto c = pool->acquire();
  ASSERT_TRUE((*c)->execute_script("CREATE TABLE notes (n INTEGER); INSERT INTO notes (n) VALUES (1);"));
  auto prepared = [&] {
    return (*c)->query("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT n FROM notes%'");
  };
  for (int run = 0; run < 3; ++run) {
    auto read = (*c)->query("SELECT n FROM notes WHERE n >= ?", {std::int64_t{1}});
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->rows.at(0).integer(0), 1);
  }
  EXPECT_EQ(prepared()->rows.at(0).integer(0), 1) << "one prepared statement for three runs";

  // Another node's migration changes the column's type: the statement prepared for an integer
  // parameter fails once (an unnamed one would have been typed anew), then works again.
  auto other = database.open_another();
  auto migrator = other->acquire();
  ASSERT_TRUE((*migrator)->execute_script("ALTER TABLE notes ALTER COLUMN n TYPE TEXT"));
  auto stale = (*c)->query("SELECT n FROM notes WHERE n >= ?", {std::string("1")});
  EXPECT_FALSE(stale);
  EXPECT_TRUE((*c)->healthy());
  auto read = (*c)->query("SELECT n FROM notes WHERE n >= ?", {std::string("1")});
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->rows.at(0).text(0), "1");
  EXPECT_EQ(prepared()->rows.at(0).integer(0), 1) << "prepared anew, once";
}

// A server that accepts connections and never speaks (frozen) costs connect_timeout, no more.
TEST(PostgresTimeouts, AServerThatNeverAnswersFailsTheConnectInTime) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  DatabaseOptions options;
  options.connect_timeout = std::chrono::milliseconds(1000);
  auto started = std::chrono::steady_clock::now();
  auto frozen =
      open_database("postgresql://nobody@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/none", options);
  ::close(listener);
  ASSERT_FALSE(frozen);
  EXPECT_EQ(frozen.error().kind, ErrorKind::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(OpenDatabase, RefusesBadUrls) {
  auto unknown = open_database("mysql://localhost/db");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::invalid_input);
  auto no_dir = open_database("sqlite:/no/such/directory/x.db");
  ASSERT_FALSE(no_dir.ok());
  EXPECT_EQ(no_dir.error().kind, ErrorKind::invalid_input);
  auto empty = open_database("sqlite:");
  EXPECT_FALSE(empty.ok());
}

TEST(OpenDatabase, UnreachablePostgresIsUnavailable) {
  auto down = open_database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().kind, ErrorKind::unavailable);
}

TEST(Placeholders, AnInListHasOnePerValue) {
  EXPECT_EQ(in_list(1), "(?)");
  EXPECT_EQ(in_list(3), "(?, ?, ?)");
}

TEST(Placeholders, RewrittenOutsideQuotesAndComments) {
  EXPECT_EQ(detail::to_postgres_placeholders("SELECT ? , '?', \"a?\", ? -- why?\n, ?"),
            "SELECT $1 , '?', \"a?\", $2 -- why?\n, $3");
}

}  // namespace
}  // namespace guichet::storage
