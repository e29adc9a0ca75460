// The real `guichet` binary: options, environment, config file, and shutdown on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

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
  EXPECT_NE(migrated.output.find("schema version 1 of 1"), std::string::npos) << migrated.output;
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
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    std::string db = "sqlite:" + (dir.path() / "g.db").string();
    execl(GUICHET_TEST_BINARY, "guichet", "serve", "--listen", "127.0.0.1:0", "--db", db.c_str(), "--no-access-log",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  auto colon = line.rfind(':');
  ASSERT_NE(colon, std::string::npos) << line;
  int port = std::stoi(line.substr(colon + 1));
  EXPECT_EQ(testing::http_request(static_cast<std::uint16_t>(port), "GET", "/healthz").status, 200);
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  close(out[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace guichet::app
