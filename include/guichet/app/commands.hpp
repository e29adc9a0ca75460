#pragma once
// The `guichet` subcommands. Each takes a validated Config and returns the process exit code.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guichet/app/config.hpp"
#include "guichet/jobs/webhooks.hpp"

namespace guichet::app {

int serve(const Config& config);
int migrate(const Config& config, bool status_only);
int demo_data(const Config& config);
int jobs_list(const Config& config, std::optional<std::string> status, int limit, bool as_json);
int jobs_retry(const Config& config, std::int64_t id);
int admin_backup(const Config& config, const std::string& file);
int admin_restore(const Config& config, const std::string& file);
// Reads the password from standard input (one line), so it never appears in `ps` or shell history.
// With `national_id` ("PT:123456789"), the account is known by it to registries (audited).
int users_add(const Config& config, const std::string& email, bool verified, const std::string& level,
              const std::string& national_id = {});
// Checks the chain, and with checkpoint files (JSON lines: `admin audit checkpoint` output or the
// log stream's audit.checkpoint lines) that no event they recorded was removed or rewritten.
int audit_verify(const Config& config, const std::vector<std::string>& checkpoint_files = {});
// Prints the chain's head as one JSON line, with a MAC under the secrets key when given.
int audit_checkpoint(const Config& config);
// Re-seals every secret at rest with the key in `new_key_file` (audited); nodes then restart with it.
int keys_rotate(const Config& config, const std::string& new_key_file);
// `admin users assign`: the agent sees that shop's agenda (audited).
int users_assign(const Config& config, const std::string& email, const std::string& shop_code);
int users_grant(const Config& config, const std::string& email, const std::string& role,
                const std::string& administration);

struct ClientOptions {
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_uris;
  std::string auth = "client_secret_basic";
  std::string jwks_file;  // for private_key_jwt
  std::string id_token_alg = "ES256";
  std::string sector;
  std::string pkce = "required";  // or "optional" (audited in client.added)
};
// Registers a relying party and prints it as JSON (with its secret, shown this once).
int clients_add(const Config& config, const ClientOptions& options);
// `admin webhooks add` (audited; prints the secret once) and `admin webhooks list`.
int webhooks_add(const Config& config, const jobs::NewWebhook& webhook);
int webhooks_list(const Config& config);
// Prints a short-lived access token for the account, with these scopes; audited.
int tokens_issue(const Config& config, const std::string& email, const std::string& scope, int lifetime_seconds);

// Loads a catalogue document (FILE, or standard input for "-") / prints the catalogue.
int catalogue_import(const Config& config, const std::string& file);
int catalogue_export(const Config& config);

// `admin pki init` (audited), `admin pki root` (the root certificate, PEM), `admin pki list`.
int pki_init(const Config& config, const std::string& organisation);
int pki_root(const Config& config);
int pki_list(const Config& config);
int pki_revoke(const Config& config, const std::string& serial, const std::string& reason);
// `admin procedures publish`: publishes each definition of FILE (one JSON object or a list) whose
// latest version differs, as a new version; audited. Every problem of a refused one is printed.
int procedures_publish(const Config& config, const std::string& file);
// `admin procedures groups add|remove`: an agent in or out of a group (audited).
int procedures_group(const Config& config, const std::string& administration, const std::string& group,
                     const std::string& email, bool add);
// Imports an administration's own seal from a PKCS#12 file, its password on standard input.
int pki_import_seal(const Config& config, const std::string& administration, const std::string& file);

// `documents verify FILE`: every signature's report (JSON with `as_json`); exit 0 when the file
// has signatures and all pass, 1 when one does not, 2 when the file is not a readable PDF.
int documents_verify(const Config& config, const std::string& file, bool as_json);

// Runs the whole command line; main() only calls this.
int run_cli(int argc, char** argv);

// The exchange module (docs/EXCHANGE.md). `registry`: imports the extract (when given) and serves
// the node's endpoints only. The others act on the database of --db, as the node --node-id.
// With `connector`, `description_file` describes a dataset served from the administration's API.
int registry(const Config& config, const std::string& csv, const std::string& description_file, bool connector = false);
int exchange_import(const Config& config, const std::string& csv, const std::string& description_file);
int exchange_keys(const Config& config, bool rotate, bool print_key_set);
int exchange_peers_add(const Config& config, const std::string& node, const std::string& name, const std::string& url,
                       const std::string& kid, const std::string& key_set_file);
int exchange_peers_list(const Config& config);
struct GrantOptions {
  std::string consumer;
  std::string purpose;
  std::string dataset;
  std::string attributes;  // comma-separated
  std::string law;         // the legal basis: a law's reference...
  std::string consent;     // ...or what the person consents to
  std::string expires;     // YYYY-MM-DD
};
int exchange_grant(const Config& config, const GrantOptions& options);
// Asks a registry as this node (--node-id, with the secrets key): the operator's test of an
// entitlement, journaled on both sides like any exchange. Prints the answer as JSON.
struct AskOptions {
  std::string provider;
  std::string dataset;
  std::string attributes;  // comma-separated
  std::string purpose;
  std::string person;  // "PT:123456789"
  std::string law;
  std::string consent;
};
int exchange_ask(const Config& config, const AskOptions& options);
// Tells `node` (a portal) of the accesses made at this registry by others, or stops (`stop`).
int exchange_peers_report(const Config& config, const std::string& node, bool stop);
// Sends the portals told the accesses made here since the last report now (what the job does each
// minute); prints {"sent", "unreachable"}.
int exchange_report(const Config& config);
int exchange_revoke(const Config& config, std::int64_t id);
int exchange_entitlements(const Config& config);
int exchange_journal_verify(const Config& config);
// Benefits granted from shared data (exchange/benefits.hpp): define from a file (disabled), dry run
// through the registries (as the node --node-id, with the secrets key), enable or disable.
int benefits_define(const Config& config, const std::string& file);
int benefits_dry_run(const Config& config, const std::string& code, std::int64_t limit);
int benefits_enable(const Config& config, const std::string& code, bool enabled);
// Grants the enabled benefits now (what the hourly job does), until no one in scope is left undecided.
int benefits_run(const Config& config);

// `guichet simulate`: a shop's day walked in against booked (queue/simulator.hpp), as a table,
// or one JSON object with --json; --svg writes the chart.
struct SimulateCommand {
  std::string shop;
  std::string day;
  std::string arrivals_file;  // empty: the model
  std::string model = "poisson";
  int visitors = 2000;
  double booked_share = 0.5;
  double service_factor = 0.8;
  std::uint64_t seed = 1;
  bool json = false;
  std::string svg_file;
};
int simulate(const Config& config, const SimulateCommand& command);
int exchange_journal_list(const Config& config, const std::string& person, const std::string& peer, std::int64_t before,
                          std::int64_t limit);

}  // namespace guichet::app
