#include "guichet/identity/audit.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::identity {
namespace {

class AuditTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
  }
  storage::Database& db() { return database->db(); }
  void add(int n) {
    for (int i = 0; i < n; ++i) {
      auto seq = db().transaction([&](storage::Connection& c) {
        return record_audit(
            c, AuditEvent{"cli", "test.event", "thing:" + std::to_string(i), R"({"i":)" + std::to_string(i) + "}"},
            clock);
      });
      ASSERT_TRUE(seq.ok()) << seq.error().message;
    }
  }
  // What someone with direct database access could do: lift the append-only guard first.
  void drop_guard() {
    auto c = db().acquire();
    auto dropped = (*c)->execute_script(GetParam() == "sqlite"
                                            ? "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                                            : "DROP TRIGGER audit_log_no_change ON audit_log;");
    ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  }

  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
};

TEST_P(AuditTest, AnIntactChainVerifies) {
  add(5);
  auto verified = verify_audit_chain(db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact);
  EXPECT_EQ(verified->events, 5);
}

TEST_P(AuditTest, TheDatabaseRefusesEditsAndDeletions) {
  add(2);
  auto c = db().acquire();
  EXPECT_FALSE((*c)->execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1").ok());
  EXPECT_FALSE((*c)->execute("DELETE FROM audit_log WHERE seq = 2").ok());
  EXPECT_TRUE(verify_audit_chain(db())->intact);
}

TEST_P(AuditTest, AnEditIsDetected) {
  add(5);
  drop_guard();
  auto c = db().acquire();
  ASSERT_TRUE((*c)->execute("UPDATE audit_log SET subject = 'thing:999' WHERE seq = 3").ok());
  auto verified = verify_audit_chain(db());
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->intact);
  EXPECT_EQ(*verified->broken_at, 3);
  EXPECT_NE(verified->problem.find("altered"), std::string::npos);
}

TEST_P(AuditTest, ADeletionIsDetected) {
  add(5);
  drop_guard();
  auto c = db().acquire();
  ASSERT_TRUE((*c)->execute("DELETE FROM audit_log WHERE seq = 2").ok());
  auto verified = verify_audit_chain(db());
  EXPECT_FALSE(verified->intact);
  EXPECT_EQ(*verified->broken_at, 2);
}

// Issue 16: removing the newest events leaves a shorter chain that verifies on its own; a
// checkpoint kept outside the database shows it. With the secrets key a checkpoint carries a MAC,
// so whoever can write the database cannot make one that matches a rewritten chain.
TEST_P(AuditTest, CheckpointsKeptOutsideFindTheNewestEventsRemoved) {
  const SecretKey key = *SecretKey::from_base64(SecretKey::generate_base64());
  add(5);
  auto checkpoint = audit_checkpoint(db(), clock, &key);
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->seq, 5);
  EXPECT_EQ(checkpoint->key_id, key.id());
  // What goes to the log stream or a file comes back as it was, log line fields included.
  const std::string line = checkpoint_line(*checkpoint);
  auto parsed = parse_audit_checkpoint(R"({"level":"info","event":"audit.checkpoint",)" + line.substr(1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->hash, checkpoint->hash);
  EXPECT_EQ(parsed->mac, checkpoint->mac);
  add(2);
  auto holding = verify_audit_chain(db(), {*parsed}, &key);
  ASSERT_TRUE(holding.ok()) << holding.error().message;
  EXPECT_TRUE(holding->intact) << holding->problem;

  drop_guard();
  auto c = db().acquire();
  ASSERT_TRUE((*c)->execute("DELETE FROM audit_log WHERE seq >= 4").ok());
  EXPECT_TRUE(verify_audit_chain(db())->intact) << "without a checkpoint, the shorter chain verifies";
  auto truncated = verify_audit_chain(db(), {*parsed}, &key);
  ASSERT_TRUE(truncated.ok());
  EXPECT_FALSE(truncated->intact);
  EXPECT_EQ(*truncated->broken_at, 4);
  EXPECT_NE(truncated->problem.find("newest events were removed"), std::string::npos) << truncated->problem;

  // Rewriting the chain from event 4 (a valid chain again, ending at 5) does not match the checkpoint.
  add(2);
  auto rewritten = verify_audit_chain(db(), {*parsed}, &key);
  EXPECT_FALSE(rewritten->intact);
  EXPECT_EQ(*rewritten->broken_at, 5);
  // A checkpoint made up to match the rewritten chain has no valid MAC.
  AuditCheckpoint forged = *parsed;
  forged.hash = (*c)->query("SELECT hash FROM audit_log WHERE seq = 5")->rows[0].text(0);
  EXPECT_EQ(verify_audit_chain(db(), {forged}, &key).error().code.name(), "bad_audit_checkpoint");
  EXPECT_EQ(verify_audit_chain(db(), {*parsed}, nullptr).error().code.name(), "bad_audit_checkpoint")
      << "a MAC is not ignored for want of the key";
  const SecretKey other = *SecretKey::from_base64(SecretKey::generate_base64());
  EXPECT_FALSE(verify_audit_chain(db(), {*parsed}, &other).ok());
  EXPECT_FALSE(parse_audit_checkpoint(R"({"seq":1})").ok());
  EXPECT_FALSE(parse_audit_checkpoint("not json").ok());
}

TEST_P(AuditTest, ConcurrentNodesNeverForkTheChain) {
  std::vector<std::thread> nodes;
  std::atomic<int> failures{0};
  for (int n = 0; n < 4; ++n) {
    nodes.emplace_back([&] {
      auto pool = database->open_another();
      for (int i = 0; i < 20; ++i) {
        auto seq = pool->transaction([&](storage::Connection& c) {
          return record_audit(c, AuditEvent{"system", "test.concurrent", "x", "{}"}, clock);
        });
        if (!seq) ++failures;
      }
    });
  }
  for (auto& n : nodes) n.join();
  EXPECT_EQ(failures.load(), 0);
  auto verified = verify_audit_chain(db());
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->events, 80);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::identity
