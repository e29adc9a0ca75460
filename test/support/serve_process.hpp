#pragma once
// `guichet serve` as a child process on a free port, for tests of several nodes on one database.
#include <sys/types.h>

#include <string>
#include <vector>

namespace guichet::testing {

struct ServeProcess {
  pid_t pid = -1;
  int port = 0;
};

// Starts the built binary with `--listen 127.0.0.1:0 --db <db>` and waits for its listening line.
ServeProcess start_serve(const std::string& db, const std::vector<std::string>& extra_args = {});
// The same with its access log on, and everything it writes (standard output and error) going
// to `log_file`, for tests that read its log lines.
ServeProcess start_serve_logging(const std::string& db, const std::string& log_file,
                                 const std::vector<std::string>& extra_args = {});
// SIGTERM, then the exit code (-1 when it did not exit normally).
int stop_serve(const ServeProcess& process);

}  // namespace guichet::testing
