// The real `guichet` binary: options, environment, config file, and shutdown on SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>

#include "guichet/core/encoding.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/http_client.hpp"
#include "support/live_token.hpp"
#include "support/run_command.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
namespace {

struct Run {
  int exit_code;
  std::string output;
};

Run run(const std::string& arguments, const std::string& environment = "") {
  std::string command = environment + " " + GUICHET_TEST_BINARY + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

TEST(Cli, VersionAndHelp) {
  auto version = run("version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.output.starts_with("guichet "));
  auto none = run("");
  EXPECT_NE(none.exit_code, 0);
}

TEST(Cli, BadConfigurationStopsWithAClearMessage) {
  auto listen = run("serve --listen nonsense");
  EXPECT_EQ(listen.exit_code, 2);
  EXPECT_NE(listen.output.find("configuration error: --listen:"), std::string::npos) << listen.output;
  auto db = run("serve", "GUICHET_DB=mysql://x");
  EXPECT_EQ(db.exit_code, 2);
  EXPECT_NE(db.output.find("--db:"), std::string::npos) << db.output;
  auto unreachable = run("migrate --db sqlite:/no/such/dir/x.db");
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.output.find("does not exist"), std::string::npos) << unreachable.output;
}

TEST(Cli, MigrateFromAConfigFile) {
  testing::TempDir dir;
  std::string db = (dir.path() / "g.db").string();
  std::ofstream(dir.path() / "guichet.toml") << "db = \"sqlite:" << db << "\"\n";
  auto migrated = run("migrate --config " + (dir.path() / "guichet.toml").string());
  EXPECT_EQ(migrated.exit_code, 0) << migrated.output;
  int latest = storage::latest_version(storage::builtin_migrations());
  std::string expected = "schema version " + std::to_string(latest) + " of " + std::to_string(latest);
  EXPECT_NE(migrated.output.find(expected), std::string::npos) << migrated.output;
  auto status = run("migrate --status", "GUICHET_DB=sqlite:" + db);
  EXPECT_EQ(status.exit_code, 0);
  auto jobs = run("admin jobs list --db sqlite:" + db);
  EXPECT_EQ(jobs.exit_code, 0);
  EXPECT_NE(jobs.output.find("STATUS"), std::string::npos);
  auto bad_status = run("admin jobs list --status nonsense --db sqlite:" + db);
  EXPECT_NE(bad_status.exit_code, 0);
  auto retry_missing = run("admin jobs retry 99 --db sqlite:" + db);
  EXPECT_EQ(retry_missing.exit_code, 1);
  EXPECT_NE(retry_missing.output.find("no failed job"), std::string::npos);
}

TEST(Cli, ServeStopsGracefullyOnSigterm) {
  testing::TempDir dir;
  testing::ServeProcess node = testing::start_serve("sqlite:" + (dir.path() / "g.db").string());
  EXPECT_EQ(testing::http_request(static_cast<std::uint16_t>(node.port), "GET", "/healthz").status, 200);
  EXPECT_EQ(testing::stop_serve(node), 0) << "SIGTERM ends serve with exit code 0";
}

// Issue 17: every line `serve` writes is one JSON object, whatever the request put in it (a quote
// and a backslash in the path, a page that does not exist, a refused form).
TEST(Cli, EveryLogLineServeWritesIsOneJsonObject) {
  testing::TempDir dir;
  const std::string log = (dir.path() / "serve.log").string();
  testing::ServeProcess node = testing::start_serve_logging("sqlite:" + (dir.path() / "g.db").string(), log);
  const auto port = static_cast<std::uint16_t>(node.port);
  EXPECT_EQ(testing::http_request(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(testing::http_request(port, "GET", "/").status, 200);
  EXPECT_EQ(testing::http_request(port, "GET", "/no/%22such%22/page%5C").status, 404);
  EXPECT_EQ(testing::http_request(port, "GET", "/api/v1/nothing-here").status, 404);
  EXPECT_EQ(testing::http_request(port, "POST", "/account/sign-in",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}}, "email=a%40b.org&password=x")
                .status,
            403);
  EXPECT_EQ(testing::http_request(port, "GET", "/readyz").status, 200);
  EXPECT_EQ(testing::stop_serve(node), 0);
  std::ifstream in(log);
  std::string line;
  int lines = 0;
  bool saw_quoted_path = false;
  while (std::getline(in, line)) {
    ++lines;
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(value.is_object()) << line;
    if (const auto* path = value.as_object().if_contains("path")) {
      if (path->is_string() && path->as_string() == "/no/\"such\"/page\\") saw_quoted_path = true;
    }
  }
  EXPECT_GE(lines, 8) << "listening, started, six requests, stopped";
  EXPECT_TRUE(saw_quoted_path);
}

// Issue 17, item 14: another process holding SQLite's write lock stalls only writers. The node
// answers /healthz and reads at once, and a write answers 503 with Retry-After once its wait
// (--db-busy-timeout-ms) runs out, naming the request in the error log.
TEST(Cli, AnOutsideWriterHoldingSqlitesLockStallsOnlyWriters) {
  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "g.db").string();
  const std::string log = (dir.path() / "serve.log").string();
  testing::ServeProcess node = testing::start_serve_logging(db, log, {"--db-busy-timeout-ms", "300"});
  const auto port = static_cast<std::uint16_t>(node.port);
  auto outside = storage::open_database(db);
  ASSERT_TRUE(outside);
  auto holder = (*outside)->acquire();
  ASSERT_TRUE(holder);
  ASSERT_TRUE((*holder)->begin());  // BEGIN IMMEDIATE: the write lock, held until the commit below

  EXPECT_EQ(testing::http_request(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(testing::http_request(port, "GET", "/services").status, 200) << "reads never wait in WAL mode";
  const std::string token(43, 'c');
  auto write = testing::http_request(port, "POST", "/account/register",
                                     {{"Content-Type", "application/x-www-form-urlencoded"},
                                      {"Cookie", "guichet_csrf=" + token},
                                      {"Accept-Language", "en"}},
                                     "csrf_token=" + token + "&email=new%40example.org&password=correct+horse+battery");
  EXPECT_EQ(write.status, 503) << write.body;
  EXPECT_EQ(write.headers.get("Retry-After").value_or(""), "5");
  EXPECT_EQ(testing::http_request(port, "GET", "/readyz").status, 200) << "busy is not down";
  ASSERT_TRUE((*holder)->commit());

  // Once the lock is free the same registration goes through.
  auto again = testing::http_request(
      port, "POST", "/account/register",
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", "guichet_csrf=" + token}},
      "csrf_token=" + token + "&email=new%40example.org&password=correct+horse+battery");
  EXPECT_EQ(again.status, 303) << again.body;
  EXPECT_EQ(testing::stop_serve(node), 0);
  std::ifstream in(log);
  std::string line;
  bool logged = false;
  while (std::getline(in, line)) {
    logged =
        logged || (line.find("\"request_failed\"") != std::string::npos &&
                   line.find("database_busy") != std::string::npos && line.find("request_id") != std::string::npos);
  }
  EXPECT_TRUE(logged) << "the 503 is in the error log with its cause";
}

// Issue 17, item 13: on SQLite userinfo is answered on the network thread, through the thread's
// own read-only connection. It answers while another process holds the write lock, and a token
// revoked through one node is refused at once by both.
TEST(Cli, UserinfoReadsOnTheNetworkThreadAndSeesARevocationAtOnceOnEveryNode) {
  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "g.db").string();
  testing::ServeProcess a = testing::start_serve(db);
  testing::ServeProcess b = testing::start_serve(db);
  auto outside = storage::open_database(db);
  ASSERT_TRUE(outside);
  SystemClock clock;
  auto token = testing::mint_live_token(**outside, clock);
  ASSERT_TRUE(token) << token.error().message;
  const std::vector<std::pair<std::string, std::string>> bearer{{"Authorization", "Bearer " + token->access_token}};
  for (const auto& node : {a, b}) {
    auto info = testing::http_request(static_cast<std::uint16_t>(node.port), "GET", "/oidc/userinfo", bearer);
    ASSERT_EQ(info.status, 200) << info.body;
    EXPECT_NE(info.body.find(R"("email":"ana@example.org")"), std::string::npos) << info.body;
  }
  {
    auto holder = (*outside)->acquire();
    ASSERT_TRUE((*holder)->begin());  // the write lock, held while node A answers
    auto info = testing::http_request(static_cast<std::uint16_t>(a.port), "GET", "/oidc/userinfo", bearer);
    EXPECT_EQ(info.status, 200) << "reads on the network thread never wait for writers: " << info.body;
    ASSERT_TRUE((*holder)->commit());
  }
  auto revoked =
      testing::http_request(static_cast<std::uint16_t>(a.port), "POST", "/oidc/revoke",
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"Authorization", "Basic " + base64(token->client_id + ":" + token->client_secret)}},
                            "token=" + token->access_token);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  for (const auto& node : {a, b}) {
    auto info = testing::http_request(static_cast<std::uint16_t>(node.port), "GET", "/oidc/userinfo", bearer);
    EXPECT_EQ(info.status, 401) << "node on port " << node.port << ": " << info.body;
  }
  EXPECT_EQ(testing::stop_serve(a), 0);
  EXPECT_EQ(testing::stop_serve(b), 0);
}

TEST(Cli, TwoNodesShareOnePostgresDatabase) {
  if (testing::test_backends().size() < 2) GTEST_SKIP() << "no PostgreSQL for this run";
  testing::TestDatabase database("postgresql");
  // Both nodes start together on an empty database: migrations must run exactly once.
  testing::ServeProcess first = testing::start_serve(database.url());
  testing::ServeProcess second = testing::start_serve(database.url());
  for (const auto& node : {first, second}) {
    auto ready = testing::http_request(static_cast<std::uint16_t>(node.port), "GET", "/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_NE(ready.body.find(R"("status":"ready")"), std::string::npos);
  }
  auto connection = database.db().acquire();
  ASSERT_TRUE(connection.ok());
  auto applied = (*connection)->query("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->rows[0].integer(0), static_cast<std::int64_t>(storage::builtin_migrations().size()));
  EXPECT_EQ(testing::stop_serve(first), 0);
  EXPECT_EQ(testing::stop_serve(second), 0);
}

TEST(Cli, UsersAddReadsThePasswordFromStdinAndIsAudited) {
  testing::TempDir dir;
  std::string db = "--db sqlite:" + (dir.path() / "g.db").string();
  auto added = run("admin users add --email Ana@Example.org --password-stdin --verified --level substantial " + db,
                   "printf 'correct horse battery\\n' |");
  EXPECT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find(R"("email":"ana@example.org")"), std::string::npos) << added.output;
  EXPECT_NE(added.output.find(R"("assurance_level":"substantial")"), std::string::npos);
  auto again =
      run("admin users add --email ana@example.org --password-stdin " + db, "printf 'another good passphrase\\n' |");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("already uses this e-mail"), std::string::npos) << again.output;
  auto weak = run("admin users add --email b@example.org --password-stdin " + db, "printf 'password1234\\n' |");
  EXPECT_EQ(weak.exit_code, 2);
  EXPECT_NE(weak.output.find("too common"), std::string::npos) << weak.output;
  auto verified = run("admin audit verify " + db);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("audit log intact: 1 event(s)"), std::string::npos) << verified.output;
}

// Issue 16: `admin audit checkpoint` prints the head with a MAC under the secrets key, and
// `admin audit verify --checkpoint` finds the newest events removed behind the triggers' back.
TEST(Cli, AuditCheckpointsFindATruncatedLog) {
  testing::TempDir dir;
  const std::string db_path = (dir.path() / "g.db").string();
  const std::string db = "--db sqlite:" + db_path;
  const std::string key_file = (dir.path() / "secrets.key").string();
  std::ofstream(key_file) << run("admin keys new-kek").output;
  for (const char* email : {"a@example.org", "b@example.org", "c@example.org"}) {
    ASSERT_EQ(run(std::string("admin users add --email ") + email + " --password-stdin " + db,
                  "printf 'correct horse battery\\n' |")
                  .exit_code,
              0);
  }
  auto checkpoint = run("admin audit checkpoint --secrets-key-file " + key_file + " " + db);
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.output;
  EXPECT_NE(checkpoint.output.find(R"("seq":3,)"), std::string::npos) << checkpoint.output;
  EXPECT_NE(checkpoint.output.find(R"("mac":")"), std::string::npos);
  const std::string file = (dir.path() / "checkpoints.jsonl").string();
  std::ofstream(file) << checkpoint.output;
  auto holding = run("admin audit verify --checkpoint " + file + " --secrets-key-file " + key_file + " " + db);
  EXPECT_EQ(holding.exit_code, 0) << holding.output;
  EXPECT_NE(holding.output.find("audit log intact: 3 event(s), holding 1 checkpoint(s)"), std::string::npos)
      << holding.output;
  EXPECT_EQ(run("admin audit verify --checkpoint " + file + " " + db).exit_code, 1) << "the MAC needs the key";

  // Someone with the database file in hand lifts the append-only guard and removes the newest event.
  auto removed = testing::run_command(
      "python3 -c \"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript('DROP TRIGGER "
      "audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;'); c.commit()\" " +
      db_path);
  ASSERT_EQ(removed.status, 0) << removed.output;
  EXPECT_EQ(run("admin audit verify " + db).exit_code, 0) << "alone, the shorter chain verifies";
  auto truncated = run("admin audit verify --checkpoint " + file + " --secrets-key-file " + key_file + " " + db);
  EXPECT_EQ(truncated.exit_code, 1) << truncated.output;
  EXPECT_NE(truncated.output.find("the newest events were removed"), std::string::npos) << truncated.output;
  std::ofstream(dir.path() / "junk.jsonl") << "{\"seq\":1}\n";
  EXPECT_EQ(run("admin audit verify --checkpoint " + (dir.path() / "junk.jsonl").string() + " " + db).exit_code, 2);
}

TEST(Cli, TokensIssueRefusesUnknownScopesAndAccounts) {
  testing::TempDir dir;
  std::string db = "--db sqlite:" + (dir.path() / "g.db").string();
  ASSERT_EQ(run("demo-data " + db).exit_code, 0);
  auto typo = run("admin tokens issue --user demo@guichet.example --scope 'account acount' " + db);
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("unknown scope acount"), std::string::npos) << typo.output;
  auto nobody = run("admin tokens issue --user nobody@example.org --scope account " + db);
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_NE(nobody.output.find("no account uses nobody@example.org"), std::string::npos) << nobody.output;
  auto issued = run("admin tokens issue --user demo@guichet.example --scope account " + db);
  EXPECT_EQ(issued.exit_code, 0) << issued.output;
  EXPECT_EQ(issued.output.size(), 44U) << "a 43-character token and a newline";
}

// Issue 12: `guichet simulate` on the busy shop of data/simulation, as one JSON object with the
// fields the issue names, the chart written beside it; bad options are refused with their name.
TEST(Cli, SimulateComparesWalkInWithBookedVisitsAsJsonAndAChart) {
  testing::TempDir dir;
  const std::string db = "--db sqlite:" + (dir.path() / "g.db").string();
  ASSERT_EQ(
      run("admin catalogue import " + std::string(GUICHET_TEST_SOURCE_DIR) + "/data/simulation/busy-shop.json " + db)
          .exit_code,
      0);
  const std::string svg = (dir.path() / "waits.svg").string();
  auto simulated = run("simulate --shop busy-shop --day 2026-12-07 --visitors 300 --service-factor 0.5 --json --svg " +
                       svg + " " + db);
  ASSERT_EQ(simulated.exit_code, 0) << simulated.output;
  const std::string json_line = simulated.output.substr(simulated.output.find('{'));
  auto report = boost::json::parse(json_line).as_object();
  EXPECT_GT(report.at("walk_in").at("mean_wait_min").to_number<double>(),
            report.at("booked").at("mean_wait_min").to_number<double>());
  EXPECT_TRUE(report.at("booked").as_object().contains("p90_wait_min"));
  EXPECT_GT(report.at("reduction").to_number<double>(), 0.0);
  EXPECT_TRUE(report.at("estimator").as_object().contains("mae_min"));
  EXPECT_NE(testing::read_file(svg).find("</svg>"), std::string::npos);
  auto closed = run("simulate --shop busy-shop --day 2026-12-05 " + db);
  EXPECT_EQ(closed.exit_code, 2) << "a Saturday: the shop is closed";
  EXPECT_NE(closed.output.find("closed"), std::string::npos) << closed.output;
  auto both = run("simulate --shop busy-shop --day 2026-12-07 --model poisson --arrivals " + svg + " " + db);
  EXPECT_NE(both.exit_code, 0) << "arrivals and a model exclude each other";
}

TEST(Cli, DemoDataCreatesASignInAccountOnce) {
  testing::TempDir dir;
  std::string db = "--db sqlite:" + (dir.path() / "var" / "g.db").string();
  auto first = run("demo-data " + db);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("demo account: demo@guichet.example"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("demo catalogue: 22 administrations, 150 services, 30 citizen shops, 6 online "
                              "procedures published"),
            std::string::npos)
      << first.output;
  auto second = run("demo-data " + db);
  EXPECT_EQ(second.exit_code, 0) << "demo-data can run again";
  EXPECT_NE(second.output.find(", 0 online procedures published"), std::string::npos) << second.output;
  auto audit = run("admin audit verify " + db);
  // user.created and identity.national_id_set once, catalogue.imported at each run (it updates in
  // place), procedure.published once for each of the six procedures (unchanged ones are not
  // published again).
  EXPECT_NE(audit.output.find("audit log intact: 10 event(s)"), std::string::npos) << audit.output;
  auto exported = run("admin catalogue export " + db);
  EXPECT_EQ(exported.exit_code, 0);
  EXPECT_NE(exported.output.find(R"("code":"company-on-the-spot")"), std::string::npos);
  EXPECT_NE(exported.output.find(R"("time_zone":"Atlantic/Azores")"), std::string::npos);
}

// The certification authority from the command line: a secrets key made by `admin keys new-kek`,
// `admin pki init` once (audited), its root printed for verifiers, and `serve` refusing to start
// with a missing or wrong key once the authority exists.
TEST(Cli, PkiInitNeedsTheSecretsKeyAndServeChecksIt) {
  testing::TempDir dir;
  const std::string db = "--db sqlite:" + (dir.path() / "g.db").string();
  const std::string key_file = (dir.path() / "secrets.key").string();
  auto made = run("admin keys new-kek");
  ASSERT_EQ(made.exit_code, 0);
  std::ofstream(key_file) << made.output;
  std::ofstream(dir.path() / "other.key") << run("admin keys new-kek").output;
  std::ofstream(dir.path() / "bad.key") << "not a key";

  auto keyless = run("admin pki init " + db);
  EXPECT_EQ(keyless.exit_code, 2);
  EXPECT_NE(keyless.output.find("--secrets-key-file"), std::string::npos) << keyless.output;
  auto bad = run("admin pki init --secrets-key-file " + (dir.path() / "bad.key").string() + " " + db);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("configuration error: --secrets-key-file:"), std::string::npos) << bad.output;

  auto created = run("admin pki init --organisation 'Guichet Test' --secrets-key-file " + key_file + " " + db);
  EXPECT_EQ(created.exit_code, 0) << created.output;
  EXPECT_NE(created.output.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  auto twice = run("admin pki init --secrets-key-file " + key_file + " " + db);
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  auto root = run("admin pki root " + db);
  EXPECT_EQ(root.exit_code, 0);
  EXPECT_EQ(root.output, created.output);
  std::ofstream(dir.path() / "root.pem") << root.output;
  auto subject = testing::run_command("openssl x509 -noout -subject -in " + (dir.path() / "root.pem").string());
  EXPECT_NE(subject.output.find("Guichet Test Root CA"), std::string::npos) << subject.output;
  auto listed = run("admin pki list " + db);
  EXPECT_NE(listed.output.find(R"("role":"root")"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find(R"("role":"issuing")"), std::string::npos) << listed.output;
  auto audit = run("admin audit verify " + db);
  EXPECT_NE(audit.output.find("audit log intact: 2 event(s)"), std::string::npos) << audit.output;

  auto without = run("serve --listen 127.0.0.1:0 " + db);
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_NE(without.output.find("--secrets-key-file"), std::string::npos) << without.output;
  auto wrong = run("serve --listen 127.0.0.1:0 --secrets-key-file " + (dir.path() / "other.key").string() + " " + db);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.output.find("sealed with secrets key"), std::string::npos) << wrong.output;

  // Revoking (here the issuing CA itself, as when it is retired).
  const std::size_t at = listed.output.find(R"("role":"issuing")");
  const std::size_t serial_at = listed.output.find(R"("serial":")", at) + 10;
  const std::string serial = listed.output.substr(serial_at, 32);
  auto unknown = run("admin pki revoke --serial 00 " + db);
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  auto revoked = run("admin pki revoke --serial " + serial + " --reason cessationOfOperation " + db);
  EXPECT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_NE(run("admin pki list " + db).output.find(R"("revoked_at")"), std::string::npos);
  EXPECT_NE(run("admin audit verify " + db).output.find("audit log intact: 3 event(s)"), std::string::npos);
}

// Issue 16, secrets at rest: what a module seals with the key-encryption key (here a webhook's
// secret and the certification authority's keys) stops `serve` at once under another key or none,
// and `admin keys rotate-kek` re-seals everything with a new key (audited), sealing what was in
// clear too.
TEST(Cli, RotatingTheSecretsKeyResealsEverySecretAtRest) {
  testing::TempDir dir;
  const std::string d = dir.path().string();
  const std::string db = "--db sqlite:" + d + "/g.db";
  std::ofstream(d + "/old.key") << run("admin keys new-kek").output;
  std::ofstream(d + "/new.key") << run("admin keys new-kek").output;
  const std::string old_key = " --secrets-key-file " + d + "/old.key ";
  const std::string new_key = " --secrets-key-file " + d + "/new.key ";
  // A webhook added before any key: in clear.
  ASSERT_EQ(run("admin webhooks add --url https://irn.example/one --event booking.created " + db).exit_code, 0);
  ASSERT_EQ(run("admin webhooks add --url https://irn.example/two --event booking.created" + old_key + db).exit_code,
            0);
  auto keyless = run("serve --listen 127.0.0.1:0 " + db);
  EXPECT_EQ(keyless.exit_code, 2);
  EXPECT_NE(keyless.output.find("webhook_subscriptions holds secrets sealed with secrets key"), std::string::npos)
      << keyless.output;
  auto other = run("serve --listen 127.0.0.1:0" + new_key + db);
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.output.find("not with the configured key"), std::string::npos) << other.output;
  ASSERT_EQ(run("admin pki init" + old_key + db).exit_code, 0);
  const auto sealers = [&] {
    return testing::run_command(
               "python3 -c \"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
               "print(sorted((r[0][:20]) for r in c.execute('SELECT secret FROM "
               "webhook_subscriptions')))\" " +
               d + "/g.db")
        .output;
  };
  const std::string before = sealers();
  EXPECT_EQ(before.find("gk1."), before.rfind("gk1.")) << "one sealed, one in clear: " << before;

  auto wrong = run("serve --listen 127.0.0.1:0" + new_key + db);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.output.find("sealed with"), std::string::npos) << wrong.output;
  auto made = testing::run_command(
      "python3 -c \"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
      "print(c.execute('SELECT COUNT(*) FROM oidc_secrets').fetchone()[0])\" " +
      d + "/g.db");
  EXPECT_EQ(made.output, "0\n") << "a refused start seals nothing with the wrong key";
  auto refused = run("admin keys rotate-kek --new-secrets-key-file " + d + "/new.key" + new_key + db);
  EXPECT_EQ(refused.exit_code, 2) << "the current key must open what is sealed now: " << refused.output;

  auto rotated = run("admin keys rotate-kek --new-secrets-key-file " + d + "/new.key" + old_key + db);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
  EXPECT_NE(rotated.output.find("sealed 4 secret(s)"), std::string::npos) << rotated.output;  // 2 hooks, 2 CA keys
  const std::string after = sealers();
  EXPECT_NE(after.find("gk1."), after.rfind("gk1.")) << "both sealed now: " << after;
  auto stale = run("serve --listen 127.0.0.1:0" + old_key + db);
  EXPECT_EQ(stale.exit_code, 2) << "the old key opens nothing any more";
  EXPECT_NE(run("admin pki root" + new_key + db).output.find("BEGIN CERTIFICATE"), std::string::npos);
  auto audit = run("admin audit verify " + db);
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  auto events = testing::run_command(
      "python3 -c \"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
      "print([r[0] for r in c.execute('SELECT action FROM audit_log')])\" " +
      d + "/g.db");
  EXPECT_NE(events.output.find("secrets.rotated"), std::string::npos) << events.output;
}

// An administration's own seal from a PKCS#12 file, its password on standard input.
TEST(Cli, PkiImportSealTakesAPkcs12AndItsPasswordOnStandardInput) {
  testing::TempDir dir;
  const std::string d = dir.path().string();
  const std::string db = "--db sqlite:" + d + "/g.db";
  std::ofstream(d + "/secrets.key") << run("admin keys new-kek").output;
  const std::string key = " --secrets-key-file " + d + "/secrets.key ";
  ASSERT_EQ(run("admin pki init" + key + db).exit_code, 0);
  ASSERT_EQ(testing::run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
                                 "/seal.key -out " + d +
                                 "/seal.pem -subj '/CN=IRN/O=IRN' -days 30 -addext "
                                 "keyUsage=critical,digitalSignature,nonRepudiation 2>&1")
                .status,
            0);
  ASSERT_EQ(testing::run_command("openssl pkcs12 -export -inkey " + d + "/seal.key -in " + d + "/seal.pem -out " + d +
                                 "/seal.p12 -passout pass:s3cret")
                .status,
            0);
  const std::string import = "admin pki import-seal --administration irn --p12 " + d + "/seal.p12" + key + db;
  auto wrong = run(import, "printf 'nope\\n' |");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.output.find("password"), std::string::npos) << wrong.output;
  auto imported = run(import, "printf 's3cret\\n' |");
  EXPECT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_NE(imported.output.find("imported"), std::string::npos);
  EXPECT_NE(run("admin pki list " + db).output.find(R"("owner":"irn")"), std::string::npos);
}

TEST(Cli, UsersGrantGivesRolesAndRefusesNonsense) {
  testing::TempDir dir;
  std::string db = "--db sqlite:" + (dir.path() / "g.db").string();
  ASSERT_EQ(run("admin users add --email agent@example.org --password-stdin --verified " + db,
                "printf 'correct horse battery\\n' |")
                .exit_code,
            0);
  auto granted =
      run("admin users grant --email agent@example.org --role agent --administration seguranca-social " + db);
  EXPECT_EQ(granted.exit_code, 0) << granted.output;
  EXPECT_NE(granted.output.find("has the role agent in seguranca-social"), std::string::npos);
  EXPECT_EQ(run("admin users grant --email agent@example.org --role agent " + db).exit_code, 2)
      << "agents need an administration";
  EXPECT_NE(run("admin users grant --email agent@example.org --role emperor " + db).exit_code, 0);
  EXPECT_EQ(run("admin users grant --email nobody@example.org --role identity_verifier " + db).exit_code, 2);
  auto audit = run("admin audit verify " + db);
  EXPECT_NE(audit.output.find("audit log intact: 2 event(s)"), std::string::npos) << audit.output;
}

TEST(Cli, UsersAssignAndWebhooksAdd) {
  testing::TempDir dir;
  std::string db = "--db sqlite:" + (dir.path() / "g.db").string();
  ASSERT_EQ(run("demo-data " + db).exit_code, 0);
  ASSERT_EQ(run("admin users add --email rita@example.org --password-stdin --verified " + db,
                "printf 'correct horse battery\\n' |")
                .exit_code,
            0);
  auto assigned = run("admin users assign --email rita@example.org --shop lisboa-laranjeiras " + db);
  EXPECT_EQ(assigned.exit_code, 0) << assigned.output;
  EXPECT_NE(assigned.output.find("works at lisboa-laranjeiras"), std::string::npos);
  EXPECT_EQ(run("admin users assign --email rita@example.org --shop atlantis " + db).exit_code, 2);
  EXPECT_EQ(run("admin users assign --email nobody@example.org --shop lisboa-laranjeiras " + db).exit_code, 2);

  auto added =
      run("admin webhooks add --url https://irn.example/hook --event booking.created --event booking.no_show "
          "--administration irn " +
          db);
  EXPECT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find(R"("secret":")"), std::string::npos) << "shown once";
  EXPECT_EQ(run("admin webhooks add --url https://irn.example/hook --event booking.eaten " + db).exit_code, 2);
  EXPECT_EQ(
      run("admin webhooks add --url https://irn.example/hook --event booking.created --administration nowhere " + db)
          .exit_code,
      2);
  EXPECT_EQ(run("admin webhooks add --url http://irn.example/hook --event booking.created " + db).exit_code, 2);
  auto listed = run("admin webhooks list " + db);
  EXPECT_NE(listed.output.find("https://irn.example/hook"), std::string::npos);
  EXPECT_EQ(listed.output.find("secret"), std::string::npos);
  auto audit = run("admin audit verify " + db);
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("intact"), std::string::npos);
}

TEST(Cli, JitsiSettingsAreChecked) {
  auto half = run("serve --jitsi-url https://meet.example.org --jitsi-app-id guichet");
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.output.find("jitsi"), std::string::npos) << half.output;
  EXPECT_EQ(run("serve --jitsi-url ftp://meet.example.org").exit_code, 2);
}

}  // namespace
}  // namespace guichet::app
