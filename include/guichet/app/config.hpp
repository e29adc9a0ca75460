#pragma once
// Everything `guichet` can be configured with. Each option comes from the command line, the
// environment (GUICHET_*) or the --config TOML file, in that order of precedence.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "guichet/core/result.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/scheduling/video.hpp"

namespace guichet::app {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sqlite:var/guichet.db";
  std::string public_url;  // defaults to http(s)://<listen>
  std::string tls_cert;
  std::string tls_key;
  // Mutual TLS: the CA whose certificates clients must present (registry nodes), and the
  // certificate, key and CA this node uses when it calls other nodes.
  std::string tls_client_ca;
  std::string exchange_client_cert;
  std::string exchange_client_key;
  std::string exchange_ca;
  unsigned threads = 0;            // 0: one per core, at least 2
  unsigned workers = 16;           // handler threads (they mostly wait on the database)
  unsigned compute_threads = 0;    // 0: one per core; argon2id and other CPU-heavy steps
  std::size_t compute_queue = 0;   // 0: 32 per compute thread; past it, 503
  int compute_nice = 0;            // nice levels below the rest for compute threads (0: same)
  std::size_t max_pending = 1024;  // requests waiting for a worker; past it, 503
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds db_statement_timeout{10'000};
  std::chrono::milliseconds db_busy_timeout{5000};  // SQLite: how long a writer waits for the lock
  std::size_t db_pool = 8;
  std::string web_root;
  std::string default_lang = "en";
  bool access_log = true;
  bool trust_forwarded_for = false;
  std::string log_level = "info";
  std::chrono::milliseconds job_poll{1000};
  jobs::SmtpConfig smtp;
  scheduling::VideoConfig video;
  // The key-encryption key that seals private keys at rest (core/secrets.hpp); documents need it.
  std::string secrets_key_file;
  // File holding the bearer token Prometheus presents for /metrics; without one, /metrics is off.
  std::string metrics_token_file;
  // Who time-stamps signatures (PAdES B-T): empty for none (B-B), "local" for Guichet's own
  // authority in process, or a TSA's http(s) URL.
  std::string tsa_url;
  // Days the node's clock runs ahead of the system's: rehearsals and tests only (deadlines
  // reached, drafts lapsing), against a copy of the data; 0 in production.
  int clock_offset_days = 0;
  // This process's id among the nodes that exchange data (exchange module): "guichet" for the
  // portal, the administration's dataset name for a registry node.
  std::string node_id = "guichet";
  // How long the exchange journal keeps its entries (pruned hourly past it).
  int exchange_journal_days = 365;
  // The walk-in queue: how long before their time a booked visitor may check in, the fairness
  // bound on priorities, the wait past which staff are alerted, and tickets taken from one
  // address in an hour without a kiosk.
  int queue_check_in_minutes = 60;
  int queue_fairness_minutes = 30;
  int queue_alert_minutes = 45;
  int queue_tickets_per_address = 6;
  // Each priority's head start in minutes: "elderly=15,disability=15,pregnancy=15".
  std::string queue_head_starts = "elderly=15,disability=15,pregnancy=15";

  // Filled by validate()
  std::map<std::string, int> queue_head_start_minutes;  // by priority name
  std::string metrics_token;                            // read from metrics_token_file
  std::string listen_host;
  std::uint16_t listen_port = 0;
};

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
// "127.0.0.1:8080", "[::1]:8080", "localhost:0".
Result<HostPort> parse_listen(std::string_view text);

// Checks every option and fills the derived fields; the message names the bad option.
Result<void> validate(Config& config);

}  // namespace guichet::app
