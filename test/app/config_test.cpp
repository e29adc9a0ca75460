#include "guichet/app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>

namespace guichet::app {
namespace {

TEST(Config, ParsesListenAddresses) {
  auto v4 = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  for (const char* bad : {"8080", ":8080", "host:", "host:99999", "host:80x", "[::1]8080"}) {
    EXPECT_FALSE(parse_listen(bad).ok()) << bad;
  }
}

TEST(Config, ValidationNamesTheBadOption) {
  Config c;
  c.db = "mysql://x";
  auto r = validate(c);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().message.starts_with("--db:")) << r.error().message;

  Config tls;
  tls.tls_cert = "/etc/hostname";
  EXPECT_TRUE(validate(tls).error().message.starts_with("--tls-cert:"));

  Config missing;
  missing.tls_cert = "/no/such.pem";
  missing.tls_key = "/no/such.key";
  EXPECT_NE(validate(missing).error().message.find("no such file"), std::string::npos);

  Config mutual;
  mutual.tls_client_ca = "/etc/hostname";
  EXPECT_TRUE(validate(mutual).error().message.starts_with("--tls-client-ca:")) << "needs a server certificate";
  Config half;
  half.exchange_client_cert = "/etc/hostname";
  EXPECT_TRUE(validate(half).error().message.starts_with("--exchange-client-cert:"));
  Config node;
  node.node_id = "Not A Node";
  EXPECT_TRUE(validate(node).error().message.starts_with("--node-id:"));
  Config days;
  days.exchange_journal_days = 7;
  EXPECT_TRUE(validate(days).error().message.starts_with("--exchange-journal-days:"));

  Config head_start;
  head_start.queue_head_starts = "elderly=15,vip=60";
  EXPECT_EQ(validate(head_start).error().message,
            "--queue-head-start: expected elderly, disability or pregnancy=MINUTES, got 'vip=60'");
  head_start.queue_head_starts = "pregnancy=-5";
  EXPECT_TRUE(validate(head_start).error().message.starts_with("--queue-head-start: the minutes of pregnancy"));
  head_start.queue_head_starts = "elderly=20,disability=0";
  ASSERT_TRUE(validate(head_start).ok());
  EXPECT_EQ(head_start.queue_head_start_minutes.at("elderly"), 20);
  EXPECT_EQ(head_start.queue_head_start_minutes.size(), 2U);

  Config smtp;
  smtp.smtp.url = "http://mail";
  EXPECT_TRUE(validate(smtp).error().message.starts_with("--smtp-url:"));
}

TEST(Config, MetricsTokenIsReadFromItsFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("guichet-metrics-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "token") << text;
    Config c;
    c.metrics_token_file = (dir / "token").string();
    return c;
  };
  Config good = write("  0123456789abcdefghijklmnopqrstuvwxyz\n");
  ASSERT_TRUE(validate(good).ok());
  EXPECT_EQ(good.metrics_token, "0123456789abcdefghijklmnopqrstuvwxyz");
  Config shortish = write("letmein\n");
  EXPECT_EQ(validate(shortish).error().message, "--metrics-token-file: the token must have at least 32 characters");
  Config quoted = write("0123456789abcdefghijklmnopqrstuvwxyz\"\n");
  EXPECT_TRUE(validate(quoted).error().message.starts_with("--metrics-token-file: the token may hold only"));
  Config absent;
  absent.metrics_token_file = (dir / "absent").string();
  EXPECT_TRUE(validate(absent).error().message.starts_with("--metrics-token-file: cannot read"));
  std::filesystem::remove_all(dir);
}

TEST(Config, DerivesPublicUrlFromListen) {
  Config c;
  c.listen = "0.0.0.0:9000";
  ASSERT_TRUE(validate(c).ok());
  EXPECT_EQ(c.public_url, "http://0.0.0.0:9000");
  EXPECT_GE(c.threads, 2U);
  Config given;
  given.public_url = "https://guichet.example.org/";
  ASSERT_TRUE(validate(given).ok());
  EXPECT_EQ(given.public_url, "https://guichet.example.org");
}

}  // namespace
}  // namespace guichet::app
