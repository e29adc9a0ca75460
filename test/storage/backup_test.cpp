// Backups of a SQLite database taken while it is written to, checked and restored.
#include "guichet/storage/backup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "guichet/storage/migrations.hpp"
#include "support/temp_dir.hpp"

namespace guichet::storage {
namespace {

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url = "sqlite:" + (dir.path() / "live.db").string();
    auto opened = open_database(url);
    ASSERT_TRUE(opened) << opened.error().message;
    db = std::move(opened).value();
    ASSERT_TRUE(apply_migrations(*db, builtin_migrations(), clock));
    auto c = db->acquire();
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->execute_script("CREATE TABLE backup_probe (n INTEGER PRIMARY KEY)"));
  }
  std::string file(const char* name) const { return (dir.path() / name).string(); }

  testing::TempDir dir;
  FakeClock clock{Instant{}};
  std::string url;
  std::unique_ptr<Database> db;
};

// Issue 17: a backup taken under a write load holds every write acknowledged before it began.
TEST_F(BackupTest, ABackupTakenUnderLoadHoldsEveryWriteAcknowledgedBeforeItBegan) {
  std::mutex mutex;
  std::vector<std::int64_t> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (std::int64_t i = 0; !stop; ++i) {
        std::int64_t n = i * 3 + w + 1;
        auto written = db->transaction([&](Connection& c) -> Result<std::int64_t> {
          return c.execute("INSERT INTO backup_probe (n) VALUES (?)", {n});
        });
        if (written) {
          std::lock_guard lock(mutex);
          acknowledged.push_back(n);
        }
      }
    });
  }
  auto acknowledged_count = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  while (acknowledged_count() < 300) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<std::int64_t> before;
  {
    std::lock_guard lock(mutex);
    before = acknowledged;
  }
  auto copied = backup_to(*db, file("backup.db"));
  ASSERT_TRUE(copied) << copied.error().message;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // writes go on after it, too
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_GT(acknowledged_count(), before.size());

  auto checked = check_backup(file("backup.db"));
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(checked->schema_version, latest_version(builtin_migrations()));

  const std::string restored_url = "sqlite:" + file("restored.db");
  auto restored = restore_from(file("backup.db"), restored_url);
  ASSERT_TRUE(restored) << restored.error().message;
  auto reopened = open_database(restored_url);
  ASSERT_TRUE(reopened);
  auto c = (*reopened)->acquire();
  ASSERT_TRUE(c);
  auto rows = (*c)->query("SELECT n FROM backup_probe");
  ASSERT_TRUE(rows);
  std::set<std::int64_t> present;
  for (const auto& row : rows->rows) present.insert(row.integer(0));
  for (std::int64_t n : before) EXPECT_TRUE(present.contains(n)) << "acknowledged write " << n << " is missing";
  auto version = current_version(**reopened);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, latest_version(builtin_migrations()));
}

TEST_F(BackupTest, AnExistingFileIsNeverOverwritten) {
  std::ofstream(file("taken.db")) << "precious";
  auto copied = backup_to(*db, file("taken.db"));
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().code.name(), "backup_exists");
  std::ifstream in(file("taken.db"));
  std::string kept;
  in >> kept;
  EXPECT_EQ(kept, "precious");
}

TEST_F(BackupTest, RestoreRefusesWhatIsNotAGuichetBackup) {
  std::ofstream(file("junk.db")) << "this is not a database at all, only text that goes on for a while";
  auto junk = restore_from(file("junk.db"), "sqlite:" + file("target.db"));
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code.name(), "bad_backup");

  // A backup from a newer Guichet: its schema is beyond this binary's migrations.
  ASSERT_TRUE(backup_to(*db, file("newer.db")));
  {
    auto newer = open_database("sqlite:" + file("newer.db"));
    ASSERT_TRUE(newer);
    auto c = (*newer)->acquire();
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"));
  }
  auto too_new = check_backup(file("newer.db"));
  ASSERT_FALSE(too_new);
  EXPECT_NE(too_new.error().message.find("newer"), std::string::npos);

  auto postgres = restore_from(file("newer.db"), "postgresql://localhost/guichet");
  ASSERT_FALSE(postgres);
  EXPECT_EQ(postgres.error().code.name(), "restore_sqlite_only");
}

}  // namespace
}  // namespace guichet::storage
