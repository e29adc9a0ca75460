#include "guichet/app/config.hpp"

#include "guichet/exchange/nodes.hpp"

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include "guichet/app/errors.hpp"
#include "guichet/core/secrets.hpp"

namespace guichet::app {
namespace {
Error bad(const std::string& option, const std::string& message) {
  return make_error(Errc::bad_configuration, "--" + option + ": " + message);
}

// The token is the file's first line, without surrounding blanks: long enough not to be guessed,
// and only the characters an Authorization header carries unquoted (RFC 6750 b64token).
Result<std::string> read_metrics_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) return bad("metrics-token-file", "cannot read " + path);
  std::string token;
  std::getline(in, token);
  const auto first = token.find_first_not_of(" \t\r");
  const auto last = token.find_last_not_of(" \t\r");
  token = first == std::string::npos ? std::string() : token.substr(first, last - first + 1);
  if (token.size() < 32) return bad("metrics-token-file", "the token must have at least 32 characters");
  for (char c : token) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
                         c == '~' || c == '+' || c == '/' || c == '=';
    if (!allowed) return bad("metrics-token-file", "the token may hold only letters, digits and -._~+/=");
  }
  return token;
}
}  // namespace

Result<HostPort> parse_listen(std::string_view text) {
  HostPort out;
  std::string_view port_text;
  if (text.starts_with("[")) {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return bad("listen", "expected [ipv6]:port, got '" + std::string(text) + "'");
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return bad("listen", "expected host:port, got '" + std::string(text) + "'");
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return bad("listen", "the port must be a number from 0 to 65535, got '" + std::string(port_text) + "'");
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

Result<void> validate(Config& config) {
  auto listen = parse_listen(config.listen);
  if (!listen) return std::move(listen).error();
  config.listen_host = listen->host;
  config.listen_port = listen->port;

  if (!config.db.starts_with("sqlite:") && !config.db.starts_with("postgresql://") &&
      !config.db.starts_with("postgres://")) {
    return bad("db", "must be sqlite:PATH or postgresql://USER@HOST/DB, got '" + config.db + "'");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) return bad("tls-cert", "--tls-cert and --tls-key go together");
  if (!config.tls_client_ca.empty() && config.tls_cert.empty()) {
    return bad("tls-client-ca", "mutual TLS needs --tls-cert and --tls-key");
  }
  if (config.exchange_client_cert.empty() != config.exchange_client_key.empty()) {
    return bad("exchange-client-cert", "--exchange-client-cert and --exchange-client-key go together");
  }
  for (const auto& [option, path] :
       {std::pair{"tls-cert", config.tls_cert}, std::pair{"tls-key", config.tls_key},
        std::pair{"tls-client-ca", config.tls_client_ca},
        std::pair{"exchange-client-cert", config.exchange_client_cert},
        std::pair{"exchange-client-key", config.exchange_client_key}, std::pair{"exchange-ca", config.exchange_ca}}) {
    if (!path.empty() && !std::filesystem::is_regular_file(path)) return bad(option, "no such file: " + path);
  }
  if (!config.tsa_url.empty() && config.tsa_url != "local" && !config.tsa_url.starts_with("http://") &&
      !config.tsa_url.starts_with("https://")) {
    return bad("tsa-url", "must be local or an http(s) URL, got '" + config.tsa_url + "'");
  }
  if (config.tsa_url == "local" && config.secrets_key_file.empty()) {
    return bad("tsa-url", "local time-stamping needs --secrets-key-file");
  }
  if (!config.secrets_key_file.empty()) {
    if (auto key = SecretKey::from_file(config.secrets_key_file); !key)
      return bad("secrets-key-file", key.error().message);
  }
  if (!config.metrics_token_file.empty()) {
    auto token = read_metrics_token(config.metrics_token_file);
    if (!token) return token.error();
    config.metrics_token = std::move(*token);
  }
  if (config.threads == 0) config.threads = std::max(2U, std::thread::hardware_concurrency());
  if (config.threads > 256) return bad("threads", "at most 256");
  if (config.db_pool == 0 || config.db_pool > 1000) return bad("db-pool", "must be between 1 and 1000");
  if (config.workers == 0 || config.workers > 1024) return bad("workers", "must be between 1 and 1024");
  if (config.compute_threads > 256) return bad("compute-threads", "at most 256");
  if (config.compute_nice < 0 || config.compute_nice > 19) return bad("compute-nice", "from 0 to 19");
  if (config.max_pending == 0) return bad("max-pending", "must be at least 1");
  if (config.request_timeout < std::chrono::milliseconds(100)) return bad("request-timeout-ms", "at least 100");
  if (config.db_busy_timeout < std::chrono::milliseconds(10)) return bad("db-busy-timeout-ms", "at least 10");
  if (config.db_statement_timeout < std::chrono::milliseconds(100)) {
    return bad("db-statement-timeout-ms", "at least 100");
  }
  if (config.job_poll < std::chrono::milliseconds(10)) return bad("job-poll-ms", "must be at least 10");
  if (config.clock_offset_days < 0 || config.clock_offset_days > 3650)
    return bad("clock-offset-days", "from 0 to 3650");
  if (!exchange::valid_node_id(config.node_id)) return bad("node-id", "1 to 32 of a-z, 0-9, - and _");
  if (config.exchange_journal_days < 30 || config.exchange_journal_days > 3650) {
    return bad("exchange-journal-days", "from 30 to 3650");
  }
  if (config.queue_check_in_minutes < 0 || config.queue_check_in_minutes > 720) {
    return bad("queue-check-in-minutes", "from 0 to 720");
  }
  if (config.queue_fairness_minutes < 5 || config.queue_fairness_minutes > 240) {
    return bad("queue-fairness-minutes", "from 5 to 240");
  }
  if (config.queue_alert_minutes < 5 || config.queue_alert_minutes > 480) {
    return bad("queue-alert-minutes", "from 5 to 480");
  }
  config.queue_head_start_minutes.clear();
  std::string_view starts = config.queue_head_starts;
  while (!starts.empty()) {
    const auto comma = starts.find(',');
    const std::string_view entry = starts.substr(0, comma);
    starts = comma == std::string_view::npos ? std::string_view() : starts.substr(comma + 1);
    const auto equals = entry.find('=');
    const std::string name(entry.substr(0, equals));
    int minutes = -1;
    if (equals != std::string_view::npos) {
      const std::string_view number = entry.substr(equals + 1);
      auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), minutes);
      if (error != std::errc() || end != number.data() + number.size()) minutes = -1;
    }
    if (name != "elderly" && name != "disability" && name != "pregnancy") {
      return bad("queue-head-start",
                 "expected elderly, disability or pregnancy=MINUTES, got '" + std::string(entry) + "'");
    }
    if (minutes < 0 || minutes > 240) {
      return bad("queue-head-start", "the minutes of " + name + " are a number from 0 to 240");
    }
    config.queue_head_start_minutes[name] = minutes;
  }
  if (config.queue_tickets_per_address < 1 || config.queue_tickets_per_address > 1000) {
    return bad("queue-tickets-per-address", "from 1 to 1000");
  }
  bool tls = !config.tls_cert.empty();
  if (config.public_url.empty()) {
    std::string host =
        config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]" : config.listen_host;
    config.public_url = std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(config.listen_port);
  }
  if (!config.public_url.starts_with("http://") && !config.public_url.starts_with("https://")) {
    return bad("public-url", "must start with http:// or https://");
  }
  while (config.public_url.ends_with('/')) config.public_url.pop_back();
  if (!config.smtp.url.empty() && !config.smtp.url.starts_with("smtp://") && !config.smtp.url.starts_with("smtps://")) {
    return bad("smtp-url", "must start with smtp:// or smtps://");
  }
  if (config.smtp.from.find('@') == std::string::npos) return bad("smtp-from", "must contain an e-mail address");
  while (config.video.base_url.ends_with('/')) config.video.base_url.pop_back();
  if (auto video = scheduling::validate(config.video); !video) return bad("jitsi", video.error().message);
  if (config.log_level != "debug" && config.log_level != "info" && config.log_level != "warn" &&
      config.log_level != "error") {
    return bad("log-level", "one of debug, info, warn, error");
  }
  return {};
}

}  // namespace guichet::app
