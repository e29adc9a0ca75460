#include "guichet/app/site.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <tuple>

#include "guichet/app/errors.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/web.hpp"
#include "guichet/core/compute.hpp"
#include "guichet/core/deadline.hpp"
#include "guichet/core/log.hpp"
#include "guichet/exchange/benefits.hpp"
#include "guichet/exchange/reports.hpp"
#include "guichet/http/idempotency.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::app {
using http::Request;
using http::Response;
using http::RouteKind;
using http::RouteOptions;

namespace {
// "https://guichet.example" of "https://guichet.example/some/path": what browsers send as Origin.
std::string public_origin(const std::string& public_url) {
  auto parsed = boost::urls::parse_absolute_uri(public_url);
  if (!parsed || !parsed->has_authority()) return {};
  return std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
}

// The account behind "Authorization: Bearer" with a scope, or the 401/403 to send: what every
// module's JSON API is given to check its tokens (oidc::require_bearer).
auto bearer_user(const oidc::ProviderContext& provider) {
  return [&provider](const Request& request, std::string_view scope) -> std::variant<std::int64_t, Response> {
    auto grant = oidc::require_bearer(provider, request, scope);
    if (auto* refused = std::get_if<Response>(&grant)) return std::move(*refused);
    return std::get<oidc::AccessGrant>(grant).user_id;
  };
}
std::string host_of(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  return parsed ? std::string(parsed->host()) : std::string("localhost");
}
}  // namespace

Result<std::unique_ptr<Site>> Site::load(SiteOptions options, storage::Database& db, const Clock& clock) {
  std::filesystem::path root = options.web_root;
  auto catalog = http::Catalog::load(root / "i18n", kLanguages, options.default_lang);
  if (!catalog) return std::move(catalog).error();
  auto templates = http::Templates::load(root / "templates");
  if (!templates) return std::move(templates).error();
  auto assets = http::StaticAssets::load(root / "static");
  if (!assets) return std::move(assets).error();
  std::unique_ptr<Site> site(new Site(std::move(options), db, clock, std::move(catalog).value(),
                                      std::move(templates).value(), std::move(assets).value()));
  if (auto valid = site->pages_.validate(); !valid) return std::move(valid).error();
  return site;
}

Site::Site(SiteOptions options, storage::Database& db, const Clock& clock, http::Catalog catalog,
           http::Templates templates, http::StaticAssets assets)
    : options_(std::move(options)),
      db_(db),
      clock_(clock),
      catalog_(std::move(catalog)),
      templates_(std::move(templates)),
      assets_(std::move(assets)),
      pages_(templates_, catalog_, assets_),
      identity_{db_,
                clock_,
                pages_,
                catalog_,
                identity::SessionPolicy{},
                options_.public_url,
                [&db](std::string_view return_path) { return oidc::form_targets(db, return_path); },
                {{"consents", [&db](std::int64_t user_id) { return oidc::consents_export(db, user_id); }},
                 {"cases", [&db](std::int64_t user_id) { return procedures::personal_data(db, user_id); }},
                 {"documents", [&db](std::int64_t user_id) { return procedures::vault_personal_data(db, user_id); }}},
                identity::MailLimits{},
                options_.secrets_key ? &*options_.secrets_key : nullptr},
      authority_(
          db_, clock_, options_.secrets_key,
          [&clock](storage::Connection& c, std::string_view action, const documents::CertificateRecord& record,
                   std::string_view actor) -> Result<void> {
            boost::json::object details{{"role", record.role}, {"owner", record.owner}, {"subject", record.subject}};
            auto recorded = identity::record_audit(
                c,
                identity::AuditEvent{std::string(actor), std::string(action), "certificate:" + record.serial,
                                     boost::json::serialize(details)},
                clock);
            if (!recorded) return std::move(recorded).error();
            return {};
          },
          documents::PkiValidity{.public_url = options_.public_url}),
      tsa_(authority_, clock_),
      time_stamper_(options_.tsa_url == "local" ? tsa_.stamper()
                    : options_.tsa_url.empty()  ? documents::TimeStamper{}
                                                : documents::http_time_stamper(options_.tsa_url)),
      signing_(db_, authority_, clock_, options_.secrets_key, time_stamper_),
      documents_web_{authority_,
                     pages_,
                     catalog_,
                     options_.secrets_key ? &tsa_ : nullptr,
                     options_.secrets_key ? &signing_ : nullptr,
                     host_of(options_.public_url),
                     &db_},
      keys_(db_, clock_, oidc::KeyPolicy{}, options_.secrets_key ? &*options_.secrets_key : nullptr),
      provider_{db_, clock_, pages_, catalog_, options_.public_url, keys_, oidc::GrantPolicy{}},
      calendars_(db_, clock_),
      scheduling_{db_,
                  calendars_,
                  clock_,
                  pages_,
                  catalog_,
                  options_.public_url,
                  bearer_user(provider_),
                  options_.booking_policy,
                  options_.video,
                  options_.secrets_key ? &authority_ : nullptr,
                  documents::RenderOptions{(std::filesystem::path(options_.web_root) / "fonts").string()},
                  time_stamper_},
      procedures_(db_, clock_),
      test_payments_(db_, clock_),
      procedures_web_{procedures_,
                      pages_,
                      catalog_,
                      options_.public_url,
                      bearer_user(provider_),
                      options_.secrets_key ? &authority_ : nullptr,
                      documents::RenderOptions{(std::filesystem::path(options_.web_root) / "fonts").string()},
                      time_stamper_,
                      "Europe/Lisbon",
                      &test_payments_,
                      &test_payments_},
      exchange_web_{nullptr, db_, &pages_, &catalog_, bearer_user(provider_), "Europe/Lisbon", &clock_},
      queue_feed_(db_, clock_, options_.queue_policy),
      queue_web_{db_,
                 clock_,
                 pages_,
                 catalog_,
                 options_.public_url,
                 bearer_user(provider_),
                 queue_feed_,
                 options_.queue_policy,
                 [this] {
                   auto url = assets_.url_for("queue/live.js");
                   return url ? *url : std::string();
                 }(),
                 options_.queue_tickets_per_address} {
  if (options_.secrets_key) {
    exchange_transport_ = exchange::curl_transport(std::chrono::seconds(5), options_.exchange_tls);
    exchange_keys_ = std::make_unique<exchange::NodeKeys>(options_.node_id, db_, clock_, *options_.secrets_key);
    exchange_peers_ = std::make_unique<exchange::Peers>(db_, clock_, *exchange_transport_);
    exchange_node_ =
        std::make_unique<exchange::Node>(*exchange_keys_, *exchange_peers_, db_, clock_, *exchange_transport_);
    exchange_web_.node = exchange_node_.get();
    procedures_.use_exchange(exchange_node_.get());
  }
  metrics_.add_collector([this](std::string& out) {
    storage::PoolStats s = db_.stats();
    auto n = [](auto v) { return static_cast<std::int64_t>(v); };
    http::Metrics::write(
        out, "guichet_db_pool_connections", "gauge", "Database connections by state.",
        {{"state=\"capacity\"", n(s.capacity)}, {"state=\"open\"", n(s.open)}, {"state=\"in_use\"", n(s.in_use)}});
    http::Metrics::write(out, "guichet_db_pool_acquisitions_total", "counter", "Connections taken from the pool.",
                         {{"", n(s.acquisitions)}});
    http::Metrics::write(out, "guichet_db_pool_waits_total", "counter",
                         "Acquisitions that waited for a free connection.", {{"", n(s.waits)}});
    http::Metrics::write(out, "guichet_db_pool_timeouts_total", "counter", "Acquisitions that gave up.",
                         {{"", n(s.timeouts)}});
  });
  metrics_.add_collector([this](std::string& out) {
    scheduling::CalendarCacheStats c = calendars_.stats();
    auto n = [](auto v) { return static_cast<std::int64_t>(v); };
    http::Metrics::write(out, "guichet_calendar_cache_intervals", "gauge",
                         "Busy intervals held by this node's calendars.", {{"", n(c.intervals)}});
    http::Metrics::write(out, "guichet_calendar_cache_bytes", "gauge",
                         "Memory held by this node's calendars (estimate).", {{"", n(c.bytes)}});
    http::Metrics::write(out, "guichet_calendar_cache_changes_total", "counter", "Change feed rows applied.",
                         {{"", n(c.changes_read)}});
  });
  metrics_.add_collector([this](std::string& out) {
    // Read from the database at each scrape, so every node reports the one shared queue.
    auto queue = jobs::queue_stats(db_, clock_);
    if (!queue) return;
    http::Metrics::write(out, "guichet_jobs_due", "gauge", "Outbox jobs due now and waiting for a worker, by priority.",
                         {{"priority=\"urgent\"", queue->due[0]},
                          {"priority=\"normal\"", queue->due[1]},
                          {"priority=\"background\"", queue->due[2]}});
    http::Metrics::write(out, "guichet_jobs_oldest_due_seconds", "gauge",
                         "How long the longest-waiting due job has waited.", {{"", queue->oldest_due_age.count()}});
    http::Metrics::write(out, "guichet_jobs_running", "gauge", "Outbox jobs being run.", {{"", queue->running}});
    http::Metrics::write(out, "guichet_jobs_failed", "gauge", "Outbox jobs that gave up after their last attempt.",
                         {{"", queue->failed}});
  });
  metrics_.add_collector([this](std::string& out) {
    // Read from the database at each scrape, so every node reports the same figures.
    auto figures = procedures_.metrics();
    if (!figures) return;
    std::vector<http::Metrics::Sample> started, submitted, decided, in_time, median, known;
    for (const procedures::ProcedureMetrics& m : *figures) {
      const std::string label = "service=\"" + m.service_code + "\"";
      started.push_back({label, m.started});
      submitted.push_back({label, m.submitted});
      decided.push_back({label, m.decided});
      in_time.push_back({label, m.decided_within_deadline});
      if (m.median_processing) median.push_back({label, m.median_processing->count()});
      known.push_back({label, m.asked_but_known});
    }
    http::Metrics::write(out, "guichet_procedure_cases_started", "gauge", "Cases started, by procedure.", started);
    http::Metrics::write(out, "guichet_procedure_cases_submitted", "gauge", "Cases submitted, by procedure.",
                         submitted);
    http::Metrics::write(out, "guichet_procedure_cases_decided", "gauge", "Cases decided, by procedure.", decided);
    http::Metrics::write(out, "guichet_procedure_cases_decided_in_time", "gauge",
                         "Cases decided by their due time, by procedure.", in_time);
    http::Metrics::write(out, "guichet_procedure_median_processing_seconds", "gauge",
                         "Median time from submission to decision, by procedure.", median);
    http::Metrics::write(out, "guichet_procedure_asked_but_known", "gauge",
                         "Questions asked that another administration holds (Dites-le-nous une fois).", known);
  });
  metrics_.add_collector([this](std::string& out) {
    // Read from the database at each scrape, so every node reports the same queues; only shops
    // with someone waiting appear.
    auto queues = queue::waiting_now(db_, clock_, options_.queue_policy);
    if (!queues) return;
    std::vector<http::Metrics::Sample> waiting, past_alert, oldest;
    for (const queue::WaitingNow& q : *queues) {
      const std::string label = "shop=\"" + q.shop_code + "\"";
      waiting.push_back({label, q.waiting});
      past_alert.push_back({label, q.past_alert});
      oldest.push_back({label, q.oldest.count()});
    }
    http::Metrics::write(out, "guichet_queue_waiting", "gauge", "Tickets waiting now, by shop.", waiting);
    http::Metrics::write(out, "guichet_queue_waiting_past_alert", "gauge",
                         "Tickets waiting longer than --queue-alert-minutes, by shop.", past_alert);
    http::Metrics::write(out, "guichet_queue_oldest_wait_seconds", "gauge",
                         "How long the longest-waiting ticket has waited, by shop.", oldest);
  });
  metrics_.add_collector([](std::string& out) {
    ComputePoolStats c = ComputePool::shared().stats();
    http::Metrics::write(out, "guichet_compute_queued", "gauge", "CPU-heavy steps waiting for a compute thread.",
                         {{"", static_cast<std::int64_t>(c.queued)}});
    http::Metrics::write(out, "guichet_compute_refused_total", "counter",
                         "CPU-heavy steps refused with 503 (queue full).",
                         {{"", static_cast<std::int64_t>(c.refused)}});
  });
  http::ErrorRenderer page_errors = [this](Request& request, const Error& error) {
    return pages_.render_error(request, error);
  };
  std::vector<http::Middleware> chain{
      http::request_context({options_.public_url_is_https, options_.trust_forwarded_for}),
      http::observe(metrics_, options_.access_log, options_.error_log),
      http::security_headers(),
      http::recover(page_errors, options_.error_log),
      http::language(catalog_),
      identity::session_middleware(identity_),
      http::csrf(page_errors, public_origin(options_.public_url)),
      http::idempotency(db_, clock_, page_errors),
  };
  application_ = std::make_unique<http::Application>(routes(), std::move(chain), page_errors);
}

Result<void> Site::load_calendars() { return calendars_.refresh(); }

void Site::register_jobs(jobs::Worker& worker) const {
  scheduling::register_jobs(worker, scheduling_);
  queue::register_jobs(worker, queue_web_);
  exchange::register_journal_jobs(worker, db_, clock_, std::chrono::hours(24 * options_.exchange_journal_days));
  jobs::register_job_pruning(worker, db_, clock_);
  identity::register_audit_checkpoints(worker, db_, clock_, options_.secrets_key);
  if (exchange_node_) {
    exchange::register_access_reports(worker, *exchange_node_, db_, clock_);
    exchange::register_benefit_dry_runs(worker, *exchange_node_, db_, clock_);
    // A benefit granted is told by e-mail in the language the person last signed in with.
    exchange::register_benefit_grants(worker, *exchange_node_, db_, clock_,
                                      exchange::benefit_notice(catalog_, options_.public_url));
  }
  procedures::register_jobs(worker, procedures_web_);
  // Hourly, on whichever node takes it; each run queues the next (one per hour across nodes).
  worker.handle(identity::kExpireUnverifiedJobKind, [this](const jobs::Job&) -> Result<void> {
    auto expired = identity::expire_unverified_accounts(db_, clock_);
    if (!expired) return std::move(expired).error();
    return identity::schedule_unverified_expiry(db_, clock_);
  });
  if (auto scheduled = identity::schedule_unverified_expiry(db_, clock_); !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", identity::kExpireUnverifiedJobKind}, {"error", scheduled.error().message}});
  }
  worker.handle(documents::kPurgeSignaturesJobKind, [this](const jobs::Job&) -> Result<void> {
    if (auto purged = signing_.purge(); !purged) return purged;
    return documents::schedule_signature_purge(db_, clock_);
  });
  if (auto scheduled = documents::schedule_signature_purge(db_, clock_); !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", documents::kPurgeSignaturesJobKind}, {"error", scheduled.error().message}});
  }
}

// For the load balancer: 200 only when this node can serve, and within a second either way, so
// a database that stops answering shows as 503 at once instead of a probe that hangs.
Response Site::readiness(Request&) const {
  DeadlineScope budget(kReadinessBudget);
  boost::json::object body;
  int status = 200;
  auto version = storage::current_version(db_);
  int expected = storage::latest_version(storage::builtin_migrations());
  if (!version) {
    status = 503;
    body = {{"status", "not_ready"}, {"database", "unreachable"}, {"reason", version.error().code.name()}};
  } else if (*version != expected) {
    status = 503;
    body = {{"status", "not_ready"},
            {"database", "ok"},
            {"schema_version", *version},
            {"expected_schema_version", expected}};
  } else if (storage::Database::storage_exhausted_recently()) {
    status = 503;
    body = {{"status", "not_ready"}, {"database", "ok"}, {"storage", "full"}, {"schema_version", *version}};
  } else {
    body = {{"status", "ready"}, {"database", "ok"}, {"schema_version", *version}};
  }
  Response response = Response::json(boost::json::serialize(body), status);
  response.headers.set("Cache-Control", "no-store");
  if (status == 503) response.headers.set("Retry-After", std::string(http::kRetryAfterSeconds));
  return response;
}

namespace {
// /healthz: the process serves HTTP. Touches nothing, so it answers whatever the database does.
Response liveness(Request&) {
  Response response = Response::text("ok\n");
  response.headers.set("Cache-Control", "no-store");
  return response;
}
}  // namespace

// The home page starts journeys: a search, booking, shops, and the ways in for people who do not
// know a service's name — the most asked-for services and life's events.
Response Site::home_page(Request& request) const {
  constexpr std::size_t kPopular = 6;
  const Instant now = clock_.now();
  std::vector<std::int64_t> most_booked;
  {
    std::lock_guard lock(most_booked_mutex_);
    if (now >= most_booked_until_) {
      auto counted = scheduling::most_booked_services(db_, now - std::chrono::days(30), kPopular);
      if (counted) {
        most_booked_ = std::move(counted).value();
      } else {
        log_event(LogLevel::warn, "most_booked_failed", {{"error", counted.error().message}});
      }
      most_booked_until_ = now + std::chrono::minutes(10);  // a failure is not retried at every visit
    }
    most_booked = most_booked_;
  }
  http::PageData data;
  auto popular = catalogue::popular_services(db_, most_booked, request.lang, kPopular);
  if (!popular) return pages_.render_error(request, popular.error());
  http::PageData popular_links{http::PageData::type::list};
  for (const auto& s : *popular) {
    http::PageData link;
    link.set("name", s.name);
    link.set("href", "/services/" + s.code);
    popular_links.push_back(link);
  }
  data.set("popular", popular_links);
  data.set("has_popular", !popular->empty());
  auto themes = catalogue::list_themes(db_, request.lang);
  if (!themes) return pages_.render_error(request, themes.error());
  http::PageData events{http::PageData::type::list};
  for (const auto& t : *themes) {
    if (t.kind != "life_event" || t.services == 0) continue;
    http::PageData link;
    link.set("name", t.name);
    link.set("href", "/services?theme=" + http::url_encode(t.code));
    events.push_back(link);
  }
  data.set("life_events", events);
  data.set("has_life_events", !events.is_empty_list());
  data.set("has_more", !popular->empty() || !events.is_empty_list());
  return pages_.render(request, "home", "home_title", data);
}

// The language switcher is a plain link, so it works without JavaScript.
Response Site::language_switch(Request& request) const {
  auto lang = request.query.get("lang");
  if (!lang || !catalog_.supports(*lang)) {
    return pages_.render_error(request, make_error(Errc::bad_language, "unknown language"));
  }
  Response response = Response::redirect(http::safe_return_path(request.query.get("return").value_or("/")));
  response.set_cookie(http::Cookie{std::string(http::kLanguageCookie), std::string(*lang), "/",
                                   std::int64_t{365} * 24 * 3600, true, request.secure, "Lax"});
  return response;
}

Response Site::metrics_text(Request& request) const {
  return http::metrics_endpoint(metrics_, request, options_.metrics_token);
}

Response Site::platform_info(Request&) const {
  boost::json::array languages;
  for (const auto& lang : catalog_.languages()) {
    languages.push_back({{"code", lang}, {"name", catalog_.text(lang, "language_name")}});
  }
  boost::json::object body{{"name", "Guichet"},
                           {"version", options_.version},
                           {"languages", languages},
                           {"default_language", catalog_.default_language()}};
  return Response::json(boost::json::serialize(body));
}

// The signed-in person's own account, for applications holding an access token with the
// `account` scope.
Response Site::own_account(Request& request) const {
  auto grant = oidc::require_bearer(provider_, request, "account");
  if (auto* refused = std::get_if<Response>(&grant)) return std::move(*refused);
  const oidc::AccessGrant& g = std::get<oidc::AccessGrant>(grant);
  auto user = identity::find_user(db_, g.user_id);
  if (!user) return http::json_error(request, user.error());
  if (!*user) {
    return http::json_error(request, make_error(Errc::no_such_user, "no such account"));
  }
  boost::json::object body{{"email", (*user)->email},
                           {"email_verified", (*user)->email_verified},
                           {"identity_level", std::string(identity::to_string((*user)->level))},
                           {"token_acr", g.authentication.acr},
                           {"created_at", format_rfc3339((*user)->created_at)}};
  Response response = Response::json(boost::json::serialize(body));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

http::Router Site::routes() {
  http::Router router;
  // /healthz and static assets touch nothing that can block, so they are answered on the network
  // threads and stay fast whatever the workers and the database are doing.
  const RouteOptions never_blocks{RouteKind::asset, 0, false, true};
  const RouteOptions probe{RouteKind::asset, 0, false};
  const RouteOptions api{RouteKind::api, 64 * 1024, false};

  router.get("/", [this](Request& request) { return home_page(request); });
  // The trust pages, one address each whatever the language; no per-request data, so each
  // language's rendering is memoised (PageRenderer).
  for (const auto& [path, page, title] :
       {std::tuple{"/accessibility", "trust_accessibility", "a11y_title"},
        std::tuple{"/privacy", "trust_privacy", "privacy_title"}, std::tuple{"/legal", "trust_legal", "legal_title"},
        std::tuple{"/cookies", "trust_cookies", "cookies_title"}, std::tuple{"/help", "trust_help", "help_title"}}) {
    router.get(path, [this, page = std::string(page), title = std::string(title)](Request& request) {
      return pages_.render(request, page, title, http::PageData{});
    });
  }
  router.get("/language", [this](Request& request) { return language_switch(request); });
  router.get("/healthz", liveness, never_blocks);
  router.get(
      "/readyz", [this](Request& request) { return readiness(request); }, probe);
  router.get(
      "/metrics", [this](Request& request) { return metrics_text(request); }, probe);

  identity::register_routes(router, identity_);
  oidc::register_routes(router, provider_);
  catalogue::register_api_routes(router, db_);
  catalogue::register_page_routes(router, db_, pages_, catalog_, clock_);
  catalogue::register_admin_routes(router, db_, pages_, catalog_, clock_);
  scheduling::register_api_routes(router, calendars_, clock_, scheduling_.policy.rules);
  scheduling::register_booking_api_routes(router, scheduling_);
  scheduling::register_booking_page_routes(router, scheduling_);
  scheduling::register_agenda_routes(router, scheduling_);
  documents::register_verify_routes(router, documents_web_);
  documents::register_signing_routes(router, documents_web_);
  procedures::register_page_routes(router, procedures_web_);
  procedures::register_api_routes(router, procedures_web_);
  procedures::register_agent_routes(router, procedures_web_);
  procedures::register_admin_routes(router, procedures_web_);
  procedures::register_payment_routes(router, procedures_web_);
  procedures::register_vault_routes(router, procedures_web_);
  exchange::register_node_routes(router, exchange_web_);
  exchange::register_data_access_routes(router, exchange_web_);
  exchange::register_audit_routes(router, exchange_web_);
  exchange::register_benefit_routes(router, exchange_web_);
  exchange::register_benefit_admin_routes(router, exchange_web_);
  queue::register_queue_api_routes(router, queue_web_);
  queue::register_queue_page_routes(router, queue_web_);
  queue::register_counter_routes(router, queue_web_);

  router.get_prefix(
      "/static/", [this](Request& request) { return assets_.serve(request); }, never_blocks);

  router.get(
      "/api/v1/platform", [this](Request& request) { return platform_info(request); }, api);
  router.get(
      "/api/v1/account", [this](Request& request) { return own_account(request); }, api);

  return router;
}

}  // namespace guichet::app
