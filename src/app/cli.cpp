#include <CLI/CLI.hpp>
#include <iostream>

#include "guichet/app/commands.hpp"
#include "guichet/core/secrets.hpp"

namespace guichet::app {

int run_cli(int argc, char** argv) {
  CLI::App cli{"Guichet: one-stop platform for public services"};
  cli.set_config("--config", "", "Read options from this TOML file (keys are the long option names)");
  cli.fallthrough();  // global options may follow the subcommand: `guichet serve --db ...`
  cli.require_subcommand(1);

  Config config;
  int poll_ms = 1000;
  int request_timeout_ms = 30'000;
  int statement_timeout_ms = 10'000;
  int busy_timeout_ms = 5000;
  cli.add_option("--listen", config.listen, "Address to serve on, host:port (port 0 picks a free one)")
      ->envname("GUICHET_LISTEN")
      ->capture_default_str();
  cli.add_option("--db", config.db, "Database URL: sqlite:PATH or postgresql://USER@HOST:PORT/DB")
      ->envname("GUICHET_DB")
      ->capture_default_str();
  cli.add_option("--public-url", config.public_url, "Public base URL (default: http://<listen>)")
      ->envname("GUICHET_PUBLIC_URL");
  cli.add_option("--tls-cert", config.tls_cert, "PEM certificate chain; serves HTTPS with --tls-key")
      ->envname("GUICHET_TLS_CERT");
  cli.add_option("--tls-key", config.tls_key, "PEM private key")->envname("GUICHET_TLS_KEY");
  cli.add_option("--tls-client-ca", config.tls_client_ca,
                 "Mutual TLS: clients must present a certificate from this CA (PEM; registry nodes)")
      ->envname("GUICHET_TLS_CLIENT_CA");
  cli.add_option("--exchange-client-cert", config.exchange_client_cert,
                 "The certificate (PEM) this node presents to other nodes requiring mutual TLS")
      ->envname("GUICHET_EXCHANGE_CLIENT_CERT");
  cli.add_option("--exchange-client-key", config.exchange_client_key, "Its private key (PEM)")
      ->envname("GUICHET_EXCHANGE_CLIENT_KEY");
  cli.add_option("--exchange-ca", config.exchange_ca, "CA (PEM) to check other nodes' server certificates with")
      ->envname("GUICHET_EXCHANGE_CA");
  cli.add_option("--threads", config.threads, "HTTP threads (0: one per core, at least 2)")->envname("GUICHET_THREADS");
  cli.add_option("--workers", config.workers, "Handler threads, beside the HTTP threads")
      ->envname("GUICHET_WORKERS")
      ->capture_default_str();
  cli.add_option("--compute-threads", config.compute_threads,
                 "Threads for password hashing and other CPU-heavy steps (0: one per core)")
      ->envname("GUICHET_COMPUTE_THREADS");
  cli.add_option("--compute-nice", config.compute_nice,
                 "How many nice levels below the rest the compute threads run (0 to 19)")
      ->envname("GUICHET_COMPUTE_NICE")
      ->capture_default_str();
  cli.add_option("--compute-queue", config.compute_queue, "CPU-heavy steps that may wait (0: 32 per thread); then 503")
      ->envname("GUICHET_COMPUTE_QUEUE");
  cli.add_option("--max-pending", config.max_pending, "Requests that may wait for a handler thread; then 503")
      ->envname("GUICHET_MAX_PENDING")
      ->capture_default_str();
  cli.add_option("--request-timeout-ms", request_timeout_ms,
                 "A request not answered by then is abandoned (503) and its transaction rolled back")
      ->envname("GUICHET_REQUEST_TIMEOUT_MS")
      ->capture_default_str();
  cli.add_option("--db-statement-timeout-ms", statement_timeout_ms,
                 "PostgreSQL: the longest one statement may take, client and server side")
      ->envname("GUICHET_DB_STATEMENT_TIMEOUT_MS")
      ->capture_default_str();
  cli.add_option("--db-busy-timeout-ms", busy_timeout_ms,
                 "SQLite: how long a writer waits for the write lock before answering 503")
      ->envname("GUICHET_DB_BUSY_TIMEOUT_MS")
      ->capture_default_str();
  cli.add_option("--db-pool", config.db_pool, "Database connections per process")
      ->envname("GUICHET_DB_POOL")
      ->capture_default_str();
  cli.add_option("--web-root", config.web_root, "Directory with templates, i18n and static assets")
      ->envname("GUICHET_WEB_ROOT");
  cli.add_option("--default-lang", config.default_lang,
                 "Language when the browser states none we have (fr, pt, vi, en)")
      ->envname("GUICHET_DEFAULT_LANG")
      ->capture_default_str();
  cli.add_flag("--access-log,!--no-access-log", config.access_log, "Write one JSON line per request to stdout")
      ->envname("GUICHET_ACCESS_LOG");
  cli.add_flag("--trust-forwarded-for", config.trust_forwarded_for,
               "Behind a reverse proxy: take the client address from the proxy's X-Forwarded-For entry")
      ->envname("GUICHET_TRUST_FORWARDED_FOR");
  cli.add_option("--log-level", config.log_level, "debug, info, warn or error")
      ->envname("GUICHET_LOG_LEVEL")
      ->capture_default_str();
  cli.add_option("--job-poll-ms", poll_ms, "How often each node looks for due jobs")
      ->envname("GUICHET_JOB_POLL_MS")
      ->capture_default_str();
  cli.add_option("--smtp-url", config.smtp.url, "smtp://host:port or smtps://host:port")->envname("GUICHET_SMTP_URL");
  cli.add_option("--smtp-user", config.smtp.username, "SMTP user name")->envname("GUICHET_SMTP_USER");
  cli.add_option("--smtp-password", config.smtp.password, "SMTP password")->envname("GUICHET_SMTP_PASSWORD");
  cli.add_option("--smtp-from", config.smtp.from, "Sender, e.g. 'Guichet <no-reply@example.org>'")
      ->envname("GUICHET_SMTP_FROM")
      ->capture_default_str();
  cli.add_flag("--smtp-require-tls", config.smtp.require_tls, "Refuse to send without TLS")
      ->envname("GUICHET_SMTP_REQUIRE_TLS");
  cli.add_option("--secrets-key-file", config.secrets_key_file,
                 "File holding the key that seals private keys at rest (guichet admin keys new-kek writes one)")
      ->envname("GUICHET_SECRETS_KEY_FILE");
  cli.add_option("--metrics-token-file", config.metrics_token_file,
                 "File holding the bearer token that /metrics asks of Prometheus (without it, /metrics is off)")
      ->envname("GUICHET_METRICS_TOKEN_FILE");
  cli.add_option("--tsa-url", config.tsa_url,
                 "Time-stamp signatures (PAdES B-T): local (Guichet's own authority) or a TSA's URL")
      ->envname("GUICHET_TSA_URL");
  cli.add_option("--jitsi-url", config.video.base_url,
                 "Jitsi Meet for video appointments, e.g. https://meet.example.org")
      ->envname("GUICHET_JITSI_URL");
  cli.add_option("--jitsi-app-id", config.video.app_id, "The Jitsi deployment's token app id")
      ->envname("GUICHET_JITSI_APP_ID");
  cli.add_option("--jitsi-secret", config.video.secret, "The Jitsi deployment's token secret (32 bytes or more)")
      ->envname("GUICHET_JITSI_SECRET");

  auto* serve_cmd = cli.add_subcommand("serve", "Serve the site and the API, and run background jobs");
  serve_cmd->add_option("--clock-offset-days", config.clock_offset_days,
                        "Rehearsals and tests only: run as if this many days later (deadlines, expiries)");
  auto* migrate_cmd = cli.add_subcommand("migrate", "Apply database migrations");
  bool status_only = false;
  migrate_cmd->add_flag("--status", status_only, "Only print the schema version");
  auto* demo_cmd = cli.add_subcommand("demo-data", "Create the database and load demonstration data");
  auto* version_cmd = cli.add_subcommand("version", "Print the version");
  auto* admin_cmd = cli.add_subcommand("admin", "Operator commands");
  admin_cmd->require_subcommand(1);
  auto* backup_cmd =
      admin_cmd->add_subcommand("backup", "Copy a SQLite database consistently, while serve keeps running");
  std::string backup_file;
  backup_cmd->add_option("--to", backup_file, "The new backup file (never overwritten)")->required();
  auto* restore_cmd = admin_cmd->add_subcommand(
      "restore", "Put a checked backup in place of the SQLite database (stop every node first)");
  restore_cmd->add_option("--from", backup_file, "The backup file")->required()->check(CLI::ExistingFile);
  auto* jobs_cmd = admin_cmd->add_subcommand("jobs", "Background jobs (the outbox)");
  jobs_cmd->require_subcommand(1);
  auto* jobs_list_cmd = jobs_cmd->add_subcommand("list", "List jobs, newest first");
  std::string status;
  int limit = 50;
  bool as_json = false;
  jobs_list_cmd->add_option("--status", status, "pending, running, done or failed")
      ->check(CLI::IsMember({"pending", "running", "done", "failed"}));
  jobs_list_cmd->add_option("--limit", limit, "At most this many")->check(CLI::Range(1, 10000))->capture_default_str();
  jobs_list_cmd->add_flag("--json", as_json, "Print JSON");
  auto* jobs_retry_cmd = jobs_cmd->add_subcommand("retry", "Queue a failed job again");
  std::int64_t job_id = 0;
  jobs_retry_cmd->add_option("id", job_id, "Job id")->required()->check(CLI::PositiveNumber);

  auto* users_cmd = admin_cmd->add_subcommand("users", "Accounts");
  users_cmd->require_subcommand(1);
  auto* users_add_cmd = users_cmd->add_subcommand("add", "Create an account; the password is read from standard input");
  std::string user_email;
  std::string user_level = "low";
  bool user_verified = false;
  bool password_stdin = false;
  users_add_cmd->add_option("--email", user_email, "E-mail address")->required();
  users_add_cmd->add_flag("--password-stdin", password_stdin, "Read the password from standard input")->required();
  users_add_cmd->add_flag("--verified", user_verified, "Mark the e-mail address as verified");
  std::string user_national_id;
  users_add_cmd->add_option("--national-id", user_national_id,
                            "National identification number from a trusted register, CC:NUMBER (PT:123456789)");
  users_add_cmd->add_option("--level", user_level, "Level of assurance")
      ->check(CLI::IsMember({"low", "substantial", "high"}))
      ->capture_default_str();
  auto* users_grant_cmd = users_cmd->add_subcommand("grant", "Give an account a role");
  std::string grant_role_name;
  std::string grant_administration;
  users_grant_cmd->add_option("--email", user_email, "E-mail address of the account")->required();
  users_grant_cmd
      ->add_option("--role", grant_role_name, "platform_admin, administration_admin, agent or identity_verifier")
      ->required()
      ->check(CLI::IsMember({"platform_admin", "administration_admin", "agent", "identity_verifier"}));
  users_grant_cmd->add_option("--administration", grant_administration, "Administration code, for scoped roles");
  auto* users_assign_cmd = users_cmd->add_subcommand("assign", "Let an agent see a citizen shop's agenda");
  std::string assign_shop;
  users_assign_cmd->add_option("--email", user_email, "E-mail address of the agent")->required();
  users_assign_cmd->add_option("--shop", assign_shop, "The shop's code")->required();
  auto* clients_cmd = admin_cmd->add_subcommand("clients", "OpenID Connect relying parties");
  clients_cmd->require_subcommand(1);
  auto* clients_add_cmd = clients_cmd->add_subcommand("add", "Register a relying party; prints it as JSON");
  ClientOptions client;
  clients_add_cmd->add_option("--name", client.name, "The service's name, shown on the consent page")->required();
  clients_add_cmd->add_option("--redirect-uri", client.redirect_uris, "A redirect URI (repeatable), matched exactly")
      ->required();
  clients_add_cmd->add_option("--post-logout-uri", client.post_logout_uris, "A post-logout redirect URI (repeatable)");
  clients_add_cmd->add_option("--auth", client.auth, "Token endpoint authentication")
      ->check(CLI::IsMember({"client_secret_basic", "client_secret_post", "private_key_jwt"}))
      ->capture_default_str();
  clients_add_cmd->add_option("--jwks", client.jwks_file, "File with the client's public JWKS (private_key_jwt)");
  clients_add_cmd->add_option("--id-token-alg", client.id_token_alg, "ID token signature")
      ->check(CLI::IsMember({"ES256", "RS256"}))
      ->capture_default_str();
  clients_add_cmd
      ->add_option("--pkce", client.pkce,
                   "optional: the client may leave PKCE out (for OpenID Certification's unmodified plan; audited)")
      ->check(CLI::IsMember({"required", "optional"}))
      ->capture_default_str();
  clients_add_cmd->add_option("--sector", client.sector,
                              "Sector identifier: clients of one sector see the same subject (default: the redirect "
                              "URI's host)");
  auto* webhooks_cmd = admin_cmd->add_subcommand("webhooks", "Signed event deliveries to other systems");
  webhooks_cmd->require_subcommand(1);
  auto* webhooks_add_cmd = webhooks_cmd->add_subcommand("add", "Subscribe a URL to events; prints it with its secret");
  jobs::NewWebhook webhook;
  webhooks_add_cmd->add_option("--url", webhook.url, "https:// URL receiving the POSTs")->required();
  webhooks_add_cmd
      ->add_option("--event", webhook.events,
                   "booking.created, booking.rescheduled, booking.cancelled, booking.arrived or booking.no_show "
                   "(repeatable)")
      ->required();
  webhooks_add_cmd->add_option("--administration", webhook.administration,
                               "Only this administration's events (default: all)");
  auto* webhooks_list_cmd = webhooks_cmd->add_subcommand("list", "The subscriptions, as JSON lines");
  auto* tokens_cmd = admin_cmd->add_subcommand("tokens", "Access tokens for Guichet's API");
  tokens_cmd->require_subcommand(1);
  auto* tokens_issue_cmd = tokens_cmd->add_subcommand("issue", "Print a short-lived access token for an account");
  std::string token_scope;
  int token_lifetime = 600;
  tokens_issue_cmd->add_option("--user", user_email, "E-mail address of the account")->required();
  tokens_issue_cmd
      ->add_option("--scope", token_scope,
                   "Space-separated scopes, e.g. \"account appointments\"; the staff scope \"cases\" only here")
      ->required();
  tokens_issue_cmd->add_option("--lifetime", token_lifetime, "Seconds")
      ->check(CLI::Range(60, 3600))
      ->capture_default_str();
  auto* catalogue_cmd = admin_cmd->add_subcommand("catalogue", "Administrations, services and citizen shops");
  catalogue_cmd->require_subcommand(1);
  auto* catalogue_import_cmd =
      catalogue_cmd->add_subcommand("import", "Load a catalogue document (JSON); all of it or nothing");
  std::string catalogue_file;
  catalogue_import_cmd->add_option("file", catalogue_file, "The JSON file, or - for standard input")->required();
  auto* catalogue_export_cmd = catalogue_cmd->add_subcommand("export", "Print the catalogue as JSON");
  auto* audit_cmd = admin_cmd->add_subcommand("audit", "The security audit log");
  audit_cmd->require_subcommand(1);
  auto* audit_verify_cmd =
      audit_cmd->add_subcommand("verify", "Check the hash chain; exit 1 if an event was altered or removed");
  std::vector<std::string> checkpoint_files;
  audit_verify_cmd->add_option("--checkpoint", checkpoint_files,
                               "File of checkpoints (JSON lines, e.g. the log's audit.checkpoint lines) that the "
                               "chain must still hold (repeatable)");
  auto* audit_checkpoint_cmd = audit_cmd->add_subcommand(
      "checkpoint", "Print the chain's head as a JSON line to keep outside the database (MAC with the secrets key)");

  auto* keys_cmd = admin_cmd->add_subcommand("keys", "The secrets key that seals private keys at rest");
  keys_cmd->require_subcommand(1);
  auto* keys_new_cmd =
      keys_cmd->add_subcommand("new-kek", "Print a new random secrets key (base64) for --secrets-key-file");
  auto* keys_rotate_cmd = keys_cmd->add_subcommand(
      "rotate-kek",
      "Seal every secret at rest with a new key (opening them with --secrets-key-file); also seals those in clear");
  std::string new_key_file;
  keys_rotate_cmd->add_option("--new-secrets-key-file", new_key_file, "The new key (guichet admin keys new-kek)")
      ->required();
  auto* pki_cmd = admin_cmd->add_subcommand("pki", "Guichet's certification authority, which seals documents");
  pki_cmd->require_subcommand(1);
  std::string pki_organisation = "Guichet";
  auto* pki_init_cmd = pki_cmd->add_subcommand("init", "Create the root and issuing CA (needs --secrets-key-file)");
  pki_init_cmd->add_option("--organisation", pki_organisation, "Named in the CA certificates")->capture_default_str();
  auto* pki_root_cmd = pki_cmd->add_subcommand("root", "Print the root certificate (PEM), for verifiers to trust");
  auto* pki_list_cmd = pki_cmd->add_subcommand("list", "The certificates issued, as JSON lines");
  auto* pki_revoke_cmd =
      pki_cmd->add_subcommand("revoke", "Revoke a certificate (audited); a seal is reissued on next use");
  std::string revoke_serial;
  std::string revoke_reason = "unspecified";
  pki_revoke_cmd->add_option("--serial", revoke_serial, "The certificate's serial (hex, from admin pki list)")
      ->required();
  pki_revoke_cmd->add_option("--reason", revoke_reason, "RFC 5280 reason")
      ->check(
          CLI::IsMember({"unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"}))
      ->capture_default_str();

  auto* pki_import_cmd = pki_cmd->add_subcommand(
      "import-seal", "Seal an administration's documents with its own certificate and key (PKCS#12)");
  std::string import_administration;
  std::string import_file;
  pki_import_cmd->add_option("--administration", import_administration, "The administration's code")->required();
  pki_import_cmd->add_option("--p12", import_file, "The PKCS#12 file (its password on standard input)")
      ->required()
      ->check(CLI::ExistingFile);

  auto* procedures_cmd = admin_cmd->add_subcommand("procedures", "Online procedures' definitions");
  procedures_cmd->require_subcommand(1);
  auto* procedures_publish_cmd = procedures_cmd->add_subcommand(
      "publish", "Publish definitions (docs/PROCEDURES.md) as new versions; unchanged ones are skipped");
  std::string procedures_file;
  procedures_publish_cmd->add_option("--file", procedures_file, "A definition or a list of them (- for standard input)")
      ->required();

  auto* groups_cmd = procedures_cmd->add_subcommand("groups", "Agents' groups, which the routing sends cases to");
  groups_cmd->require_subcommand(1);
  std::string group_administration;
  std::string group_name;
  std::string group_email;
  auto* groups_add_cmd = groups_cmd->add_subcommand("add", "Put an agent in a group (they then see only its cases)");
  auto* groups_remove_cmd = groups_cmd->add_subcommand("remove", "Take an agent out of a group");
  for (auto* cmd : {groups_add_cmd, groups_remove_cmd}) {
    cmd->add_option("--administration", group_administration, "The administration's code")->required();
    cmd->add_option("--group", group_name, "The group, as the definitions' routing names it")->required();
    cmd->add_option("--email", group_email, "The agent's account")->required();
  }

  cli.add_option("--node-id", config.node_id, "This node's id among the nodes exchanging data")
      ->envname("GUICHET_NODE_ID")
      ->capture_default_str();
  cli.add_option("--exchange-journal-days", config.exchange_journal_days,
                 "Days the exchange journal keeps its entries (30 to 3650)")
      ->envname("GUICHET_EXCHANGE_JOURNAL_DAYS")
      ->capture_default_str();
  cli.add_option("--queue-check-in-minutes", config.queue_check_in_minutes,
                 "How long before their time a booked visitor may check in (0 to 720)")
      ->envname("GUICHET_QUEUE_CHECK_IN_MINUTES")
      ->capture_default_str();
  cli.add_option("--queue-fairness-minutes", config.queue_fairness_minutes,
                 "Priorities never keep a ticket waiting past this (5 to 240)")
      ->envname("GUICHET_QUEUE_FAIRNESS_MINUTES")
      ->capture_default_str();
  cli.add_option("--queue-alert-minutes", config.queue_alert_minutes,
                 "Staff pages and /metrics flag tickets waiting longer than this (5 to 480)")
      ->envname("GUICHET_QUEUE_ALERT_MINUTES")
      ->capture_default_str();
  cli.add_option("--queue-head-start", config.queue_head_starts,
                 "How much earlier than their arrival each priority is called, in minutes "
                 "(elderly=15,disability=15,pregnancy=15; 0 to 240 each)")
      ->envname("GUICHET_QUEUE_HEAD_START")
      ->capture_default_str();
  cli.add_option("--queue-tickets-per-address", config.queue_tickets_per_address,
                 "Tickets one address takes in an hour without a kiosk (1 to 1000)")
      ->envname("GUICHET_QUEUE_TICKETS_PER_ADDRESS")
      ->capture_default_str();
  auto* registry_cmd = cli.add_subcommand(
      "registry", "Serve one administration's dataset to entitled nodes (imports --dataset first when given)");
  std::string dataset_csv;
  std::string dataset_description;
  registry_cmd->add_option("--dataset", dataset_csv, "The administration's CSV extract")->check(CLI::ExistingFile);
  registry_cmd->add_option("--describe", dataset_description, "The dataset's description (JSON)")
      ->check(CLI::ExistingFile);
  std::string connector_file;
  registry_cmd
      ->add_option("--connector", connector_file,
                   "Serve from the administration's HTTP API: a description with a connector (JSON)")
      ->check(CLI::ExistingFile);
  auto* exchange_cmd = cli.add_subcommand("exchange", "Data exchanged between administrations");
  exchange_cmd->require_subcommand(1);
  auto* exchange_import_cmd =
      exchange_cmd->add_subcommand("import", "Import a new version of a dataset (all or nothing)");
  exchange_import_cmd->add_option("--dataset", dataset_csv, "The CSV extract")->required()->check(CLI::ExistingFile);
  exchange_import_cmd->add_option("--describe", dataset_description, "The dataset's description (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* exchange_keys_cmd = exchange_cmd->add_subcommand("keys", "This node's signing keys (JSON lines)");
  bool rotate_key = false;
  bool print_key_set = false;
  exchange_keys_cmd->add_flag("--rotate", rotate_key, "Make a new key that signs from now on");
  exchange_keys_cmd->add_flag("--key-set", print_key_set, "Print the signed key set, to hand to a peer's operator");
  auto* peers_cmd = exchange_cmd->add_subcommand("peers", "The node registry: nodes this one exchanges with");
  peers_cmd->require_subcommand(1);
  auto* peers_add_cmd = peers_cmd->add_subcommand("add", "Register a node, pinning its keys (audited)");
  std::string peer_node, peer_name, peer_url, peer_kid, peer_key_set;
  peers_add_cmd->add_option("--node", peer_node, "The node's id")->required();
  peers_add_cmd->add_option("--name", peer_name, "Its administration's name")->required();
  peers_add_cmd->add_option("--url", peer_url, "Its base URL")->required();
  peers_add_cmd->add_option("--kid", peer_kid, "The key id its operator gave you: its key set must be signed by it")
      ->required();
  peers_add_cmd->add_option("--key-set", peer_key_set, "Its signed key set from a file, instead of fetching it")
      ->check(CLI::ExistingFile);
  auto* peers_list_cmd = peers_cmd->add_subcommand("list", "The registered nodes, as JSON lines");
  auto* peers_report_cmd =
      peers_cmd->add_subcommand("report", "Tell a portal node of the accesses made here by others (audited)");
  bool stop_reports = false;
  peers_report_cmd->add_option("--node", peer_node, "The portal's node id")->required();
  peers_report_cmd->add_flag("--stop", stop_reports, "Stop telling it");
  auto* grant_cmd = exchange_cmd->add_subcommand("grant", "Entitle a consumer to attributes for a purpose (audited)");
  GrantOptions grant;
  grant_cmd->add_option("--consumer", grant.consumer, "The consumer's node id")->required();
  grant_cmd->add_option("--purpose", grant.purpose, "What for: the procedure's service code")->required();
  grant_cmd->add_option("--dataset", grant.dataset, "The dataset")->required();
  grant_cmd->add_option("--attributes", grant.attributes, "Attributes, comma-separated")->required();
  grant_cmd->add_option("--law", grant.law, "The legal basis: the law's reference");
  grant_cmd->add_option("--consent", grant.consent, "Or: the person's consent to this");
  grant_cmd->add_option("--expires", grant.expires, "Last day, YYYY-MM-DD")->required();
  auto* report_cmd = exchange_cmd->add_subcommand("report", "Tell the portals now of the accesses made here by others");
  auto* ask_cmd = exchange_cmd->add_subcommand("ask", "Ask a registry as this node (journaled on both sides)");
  AskOptions ask;
  ask_cmd->add_option("--provider", ask.provider, "The registry's node id")->required();
  ask_cmd->add_option("--dataset", ask.dataset, "The dataset")->required();
  ask_cmd->add_option("--attributes", ask.attributes, "Attributes, comma-separated")->required();
  ask_cmd->add_option("--purpose", ask.purpose, "What for: a service's code")->required();
  ask_cmd->add_option("--person", ask.person, "The person's national identification number, such as PT:123456789")
      ->required();
  ask_cmd->add_option("--law", ask.law, "The legal basis: the law's reference");
  ask_cmd->add_option("--consent", ask.consent, "Or: the person's consent to this");
  auto* revoke_cmd = exchange_cmd->add_subcommand("revoke", "End an entitlement now (audited)");
  std::int64_t revoke_id = 0;
  revoke_cmd->add_option("--id", revoke_id, "The entitlement's id")->required();
  auto* entitlements_cmd = exchange_cmd->add_subcommand("entitlements", "Every entitlement, as JSON lines");
  auto* journal_cmd = exchange_cmd->add_subcommand("journal", "The exchange journal");
  journal_cmd->require_subcommand(1);
  auto* journal_verify_cmd =
      journal_cmd->add_subcommand("verify", "Check the hash chain; exit 1 if an entry was altered or removed");
  auto* journal_list_cmd = journal_cmd->add_subcommand("list", "Entries, newest first, as JSON lines (auditors)");
  std::string journal_person, journal_peer;
  std::int64_t journal_limit = 100, journal_before = 0;
  journal_list_cmd->add_option("--person", journal_person, "Only this person (PT:123456789)");
  journal_list_cmd->add_option("--peer", journal_peer, "Only exchanges with this node");
  journal_list_cmd->add_option("--before", journal_before, "Only entries before this sequence number");
  journal_list_cmd->add_option("--limit", journal_limit, "At most this many (1 to 1000)")->capture_default_str();

  auto* benefits_cmd = cli.add_subcommand("benefits", "Benefits granted from data the administrations hold");
  benefits_cmd->require_subcommand(1);
  std::string benefit_file, benefit_code;
  std::int64_t benefit_limit = 1000000;
  auto* benefits_define_cmd = benefits_cmd->add_subcommand("define", "Define or change a benefit (disabled; audited)");
  benefits_define_cmd->add_option("--file", benefit_file, "The benefit (JSON)")->required()->check(CLI::ExistingFile);
  auto* benefits_dry_cmd =
      benefits_cmd->add_subcommand("dry-run", "Ask the registries and count whom the rule would grant; grants nothing");
  benefits_dry_cmd->add_option("--code", benefit_code, "The benefit")->required();
  benefits_dry_cmd->add_option("--limit", benefit_limit, "At most this many people")->capture_default_str();
  auto* benefits_run_cmd = benefits_cmd->add_subcommand(
      "run", "Grant the enabled benefits now, as the hourly job does (e-mails go through the outbox)");
  auto* benefits_enable_cmd = benefits_cmd->add_subcommand("enable", "Enable a benefit (audited)");
  auto* benefits_disable_cmd = benefits_cmd->add_subcommand("disable", "Disable a benefit (audited)");
  for (auto* cmd : {benefits_enable_cmd, benefits_disable_cmd}) {
    cmd->add_option("--code", benefit_code, "The benefit")->required();
  }

  SimulateCommand simulation;
  auto* simulate_cmd = cli.add_subcommand(
      "simulate", "Run a shop's day through the real queue twice, everyone walking in and with bookings, and compare");
  simulate_cmd->add_option("--shop", simulation.shop, "The shop's code")->required();
  simulate_cmd->add_option("--day", simulation.day, "A day it is open, YYYY-MM-DD")->required();
  auto* arrivals_option =
      simulate_cmd
          ->add_option("--arrivals", simulation.arrivals_file, "CSV of minute,services[,booked] (services joined by +)")
          ->check(CLI::ExistingFile);
  simulate_cmd->add_option("--model", simulation.model, "Arrivals drawn from a model: poisson")
      ->check(CLI::IsMember({"poisson"}))
      ->excludes(arrivals_option)
      ->capture_default_str();
  simulate_cmd->add_option("--visitors", simulation.visitors, "Expected visitors, with the model")
      ->capture_default_str();
  simulate_cmd->add_option("--booked-share", simulation.booked_share, "Share of visitors who book, 0 to 1")
      ->capture_default_str();
  simulate_cmd
      ->add_option("--service-factor", simulation.service_factor,
                   "Mean time at the counter over the catalogue's duration")
      ->capture_default_str();
  simulate_cmd->add_option("--seed", simulation.seed, "The random draws' seed")->capture_default_str();
  simulate_cmd->add_flag("--json", simulation.json, "One JSON object instead of the table");
  simulate_cmd->add_option("--svg", simulation.svg_file, "Write the chart of waits by hour here");

  auto* documents_cmd = cli.add_subcommand("documents", "Documents Guichet issues");
  documents_cmd->require_subcommand(1);
  auto* documents_verify_cmd =
      documents_cmd->add_subcommand("verify", "Check every signature of a PDF against Guichet's authority");
  std::string verify_file;
  bool verify_json = false;
  documents_verify_cmd->add_option("file", verify_file, "The PDF")->required()->check(CLI::ExistingFile);
  documents_verify_cmd->add_flag("--json", verify_json, "The report as JSON, as POST /api/v1/verify gives it");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (version_cmd->parsed()) {
    std::cout << "guichet " << GUICHET_VERSION << "\n";
    return 0;
  }
  if (keys_new_cmd->parsed()) {
    std::cout << SecretKey::generate_base64() << "\n";
    return 0;
  }
  config.job_poll = std::chrono::milliseconds(poll_ms);
  config.request_timeout = std::chrono::milliseconds(request_timeout_ms);
  config.db_statement_timeout = std::chrono::milliseconds(statement_timeout_ms);
  config.db_busy_timeout = std::chrono::milliseconds(busy_timeout_ms);
  if (auto valid = validate(config); !valid) {
    std::cerr << "guichet: configuration error: " << valid.error().message << "\n";
    return 2;
  }
  if (serve_cmd->parsed()) return serve(config);
  if (migrate_cmd->parsed()) return migrate(config, status_only);
  if (demo_cmd->parsed()) return demo_data(config);
  if (backup_cmd->parsed()) return admin_backup(config, backup_file);
  if (restore_cmd->parsed()) return admin_restore(config, backup_file);
  if (jobs_list_cmd->parsed())
    return jobs_list(config, status.empty() ? std::nullopt : std::optional(status), limit, as_json);
  if (jobs_retry_cmd->parsed()) return jobs_retry(config, job_id);
  if (users_add_cmd->parsed()) return users_add(config, user_email, user_verified, user_level, user_national_id);
  if (audit_verify_cmd->parsed()) return audit_verify(config, checkpoint_files);
  if (audit_checkpoint_cmd->parsed()) return audit_checkpoint(config);
  if (keys_rotate_cmd->parsed()) return keys_rotate(config, new_key_file);
  if (users_grant_cmd->parsed()) return users_grant(config, user_email, grant_role_name, grant_administration);
  if (users_assign_cmd->parsed()) return users_assign(config, user_email, assign_shop);
  if (clients_add_cmd->parsed()) return clients_add(config, client);
  if (webhooks_add_cmd->parsed()) return webhooks_add(config, webhook);
  if (webhooks_list_cmd->parsed()) return webhooks_list(config);
  if (catalogue_import_cmd->parsed()) return catalogue_import(config, catalogue_file);
  if (catalogue_export_cmd->parsed()) return catalogue_export(config);
  if (documents_verify_cmd->parsed()) return documents_verify(config, verify_file, verify_json);
  if (pki_init_cmd->parsed()) return pki_init(config, pki_organisation);
  if (pki_root_cmd->parsed()) return pki_root(config);
  if (pki_list_cmd->parsed()) return pki_list(config);
  if (pki_revoke_cmd->parsed()) return pki_revoke(config, revoke_serial, revoke_reason);
  if (procedures_publish_cmd->parsed()) return procedures_publish(config, procedures_file);
  if (groups_add_cmd->parsed()) return procedures_group(config, group_administration, group_name, group_email, true);
  if (groups_remove_cmd->parsed()) {
    return procedures_group(config, group_administration, group_name, group_email, false);
  }
  if (pki_import_cmd->parsed()) return pki_import_seal(config, import_administration, import_file);
  if (tokens_issue_cmd->parsed()) return tokens_issue(config, user_email, token_scope, token_lifetime);
  if (registry_cmd->parsed()) {
    if (!dataset_csv.empty() && dataset_description.empty()) {
      std::cerr << "guichet: registry: --dataset needs --describe\n";
      return 2;
    }
    if (!connector_file.empty() && !dataset_csv.empty()) {
      std::cerr << "guichet: registry: --dataset or --connector, not both\n";
      return 2;
    }
    return registry(config, dataset_csv, connector_file.empty() ? dataset_description : connector_file,
                    !connector_file.empty());
  }
  if (exchange_import_cmd->parsed()) return exchange_import(config, dataset_csv, dataset_description);
  if (exchange_keys_cmd->parsed()) return exchange_keys(config, rotate_key, print_key_set);
  if (peers_add_cmd->parsed()) {
    return exchange_peers_add(config, peer_node, peer_name, peer_url, peer_kid, peer_key_set);
  }
  if (peers_list_cmd->parsed()) return exchange_peers_list(config);
  if (peers_report_cmd->parsed()) return exchange_peers_report(config, peer_node, stop_reports);
  if (ask_cmd->parsed()) return exchange_ask(config, ask);
  if (report_cmd->parsed()) return exchange_report(config);
  if (grant_cmd->parsed()) return exchange_grant(config, grant);
  if (revoke_cmd->parsed()) return exchange_revoke(config, revoke_id);
  if (entitlements_cmd->parsed()) return exchange_entitlements(config);
  if (journal_verify_cmd->parsed()) return exchange_journal_verify(config);
  if (benefits_define_cmd->parsed()) return benefits_define(config, benefit_file);
  if (benefits_dry_cmd->parsed()) return benefits_dry_run(config, benefit_code, benefit_limit);
  if (simulate_cmd->parsed()) return simulate(config, simulation);
  if (benefits_enable_cmd->parsed()) return benefits_enable(config, benefit_code, true);
  if (benefits_run_cmd->parsed()) return benefits_run(config);
  if (benefits_disable_cmd->parsed()) return benefits_enable(config, benefit_code, false);
  if (journal_list_cmd->parsed()) {
    return exchange_journal_list(config, journal_person, journal_peer, journal_before, journal_limit);
  }
  std::cerr << cli.help();
  return 2;
}

}  // namespace guichet::app
