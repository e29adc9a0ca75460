#pragma once
// The `guichet` subcommands. Each takes a validated Config and returns the process exit code.
#include <cstdint>
#include <optional>
#include <string>

#include "guichet/app/config.hpp"

namespace guichet::app {

int serve(const Config& config);
int migrate(const Config& config, bool status_only);
int demo_data(const Config& config);
int jobs_list(const Config& config, std::optional<std::string> status, int limit, bool as_json);
int jobs_retry(const Config& config, std::int64_t id);
// Reads the password from standard input (one line), so it never appears in `ps` or shell history.
int users_add(const Config& config, const std::string& email, bool verified, const std::string& level);
int audit_verify(const Config& config);
int users_grant(const Config& config, const std::string& email, const std::string& role,
                const std::string& administration);

// Runs the whole command line; main() only calls this.
int run_cli(int argc, char** argv);

}  // namespace guichet::app
