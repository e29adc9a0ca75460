#pragma once
// Wires the modules into one HTTP application: the middleware chain, the platform's own pages
// (home, language switch, error pages) and probes. Each later module adds its routes here
// through a register_*_routes function of its own.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/timestamp.hpp"
#include "guichet/documents/web.hpp"
#include "guichet/exchange/web.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/metrics.hpp"
#include "guichet/http/middleware.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/static_assets.hpp"
#include "guichet/identity/web.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/oidc/keys.hpp"
#include "guichet/oidc/web.hpp"
#include "guichet/procedures/web.hpp"
#include "guichet/queue/web.hpp"
#include "guichet/scheduling/web.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::app {

inline const std::vector<std::string> kLanguages{"fr", "pt", "vi", "en"};

struct SiteOptions {
  std::string web_root;
  std::string default_lang = "en";
  bool public_url_is_https = false;
  http::LogSink access_log;  // null: no access log
  http::LogSink error_log;
  std::string version;
  std::string public_url = "http://localhost:8080";
  scheduling::BookingPolicy booking_policy{};
  scheduling::VideoConfig video{};
  bool trust_forwarded_for = false;
  std::optional<SecretKey> secrets_key;  // without it, documents are not sealed (503)
  std::string tsa_url;                   // "", "local" or a TSA's URL (Config::tsa_url)
  std::string node_id = "guichet";       // among the nodes exchanging data (needs the secrets key)
  int exchange_journal_days = 365;
  queue::QueuePolicy queue_policy{};
  int queue_tickets_per_address = 6;
  exchange::TransportTls exchange_tls{};  // mutual TLS towards other nodes
  std::string metrics_token;              // what /metrics asks of scrapers; empty: /metrics is off
};

// Everything the pages need, loaded and checked at start-up.
class Site {
 public:
  static Result<std::unique_ptr<Site>> load(SiteOptions options, storage::Database& db, const Clock& clock);
  const http::Application& application() const { return *application_; }
  http::Metrics& metrics() { return metrics_; }
  // Reads every shop's calendar into memory, so the first search does not wait for it.
  Result<void> load_calendars();
  // At start-up: the secrets key opens the certification authority's keys (when it exists).
  Result<void> check_secrets() const { return authority_.check_key(); }
  // The job handlers the modules need besides e-mail (booking reminders).
  void register_jobs(jobs::Worker& worker) const;

 private:
  Site(SiteOptions options, storage::Database& db, const Clock& clock, http::Catalog catalog, http::Templates templates,
       http::StaticAssets assets);
  http::Router routes();
  // The handlers of the site's own routes (the modules register theirs).
  http::Response home_page(http::Request& request) const;
  http::Response language_switch(http::Request& request) const;
  http::Response readiness(http::Request& request) const;
  http::Response metrics_text(http::Request& request) const;
  http::Response platform_info(http::Request& request) const;
  http::Response own_account(http::Request& request) const;
  static constexpr std::chrono::milliseconds kReadinessBudget{1000};

  SiteOptions options_;
  storage::Database& db_;
  const Clock& clock_;
  http::Catalog catalog_;
  http::Templates templates_;
  http::StaticAssets assets_;
  http::PageRenderer pages_;
  http::Metrics metrics_;
  identity::WebContext identity_;
  documents::CertificateAuthority authority_;
  documents::TimeStampAuthority tsa_;
  documents::TimeStamper time_stamper_;  // --tsa-url: Guichet's own, another, or none (B-B)
  documents::PersonalSigning signing_;
  documents::DocumentsWebContext documents_web_;
  oidc::KeyStore keys_;
  oidc::ProviderContext provider_;
  scheduling::CalendarCache calendars_;
  scheduling::SchedulingContext scheduling_;
  procedures::Procedures procedures_;
  // Fees are taken by Guichet's test provider (no money moves) until a real one is configured.
  procedures::TestPaymentProvider test_payments_;
  procedures::ProceduresContext procedures_web_;
  // The portal as a node of the data exchange: only with the secrets key, which seals its keys.
  std::unique_ptr<exchange::Transport> exchange_transport_;
  std::unique_ptr<exchange::NodeKeys> exchange_keys_;
  std::unique_ptr<exchange::Peers> exchange_peers_;
  std::unique_ptr<exchange::Node> exchange_node_;
  exchange::ExchangeWebContext exchange_web_;
  queue::QueueFeed queue_feed_;  // its thread starts with the first screen that subscribes
  queue::QueueContext queue_web_;
  std::unique_ptr<http::Application> application_;
  // The home page's most booked services, counted again every few minutes (a cache of what the
  // database says, so any node may hold its own).
  mutable std::mutex most_booked_mutex_;
  mutable Instant most_booked_until_{};
  mutable std::vector<std::int64_t> most_booked_;
};

}  // namespace guichet::app
