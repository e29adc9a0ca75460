#pragma once
// What the command files share: how a command says it failed, the logs, the secrets key and the
// migrated database every command opens.
#include <memory>
#include <optional>
#include <string>

#include "guichet/app/config.hpp"
#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/http/server.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::app {

void fail(const std::string& what, const Error& error);
void setup_logging(const Config& config);
// The configured secrets key, or none when --secrets-key-file is not given.
Result<std::optional<SecretKey>> secrets_key(const Config& config);
Result<std::unique_ptr<storage::Database>> open_and_migrate(const Config& config, const Clock& clock);
// What most operator commands start with: the secrets key (when configured) and the migrated
// database. `failed` is the exit code to return, after saying why, when either is missing.
struct CommandStart {
  std::optional<SecretKey> secrets;
  std::unique_ptr<storage::Database> db;
  int failed = 0;
  const SecretKey* key() const { return secrets ? &*secrets : nullptr; }
};
CommandStart start_command(const Config& config, const Clock& clock);
std::string web_root(const Config& config);
// A file's text, or standard input for "-"; nothing (after saying so) when it cannot be read.
std::optional<std::string> read_input(const std::string& file, const std::string& command);
// The HTTP server's options from the configuration (serve and registry listen alike).
http::ServerOptions server_options_of(const Config& config);

}  // namespace guichet::app
