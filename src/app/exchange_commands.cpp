// The exchange module's commands: `guichet registry` (a registry node serving one
// administration's dataset) and `guichet exchange ...` (import, keys, peers, entitlements, journal).
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <boost/json.hpp>

#include "command_support.hpp"
#include "guichet/app/commands.hpp"
#include "guichet/app/site.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/log.hpp"
#include "guichet/exchange/benefits.hpp"
#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/entitlements.hpp"
#include "guichet/exchange/exchange.hpp"
#include "guichet/exchange/journal.hpp"
#include "guichet/exchange/reports.hpp"
#include "guichet/exchange/web.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/metrics.hpp"
#include "guichet/http/middleware.hpp"
#include "guichet/http/server.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::app {
namespace json = boost::json;
namespace {

// Progress on standard error: a bar redrawn in place on a terminal, a line per tenth otherwise.
std::function<void(const exchange::ImportProgress&)> progress_printer() {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  auto last_tenth = std::make_shared<int>(-1);
  return [terminal, last_tenth](const exchange::ImportProgress& p) {
    const int percent = p.total_bytes > 0 ? static_cast<int>(100 * p.bytes_read / p.total_bytes) : 0;
    if (terminal) {
      const int filled = percent / 5;
      std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
                << std::string(static_cast<std::size_t>(20 - filled), ' ') << "] " << percent << "% " << p.records
                << " rows" << std::flush;
    } else if (percent / 10 != *last_tenth) {
      *last_tenth = percent / 10;
      std::cerr << "import: " << percent << "% (" << p.records << " rows)\n";
    }
  };
}

int import_files(storage::Database& db, const std::string& csv, const std::string& description_file,
                 const Clock& clock) {
  std::ifstream description_in(description_file);
  if (!description_in) {
    std::cerr << "guichet: cannot read " << description_file << "\n";
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(description_in)), std::istreambuf_iterator<char>());
  auto description = exchange::parse_description(text);
  if (!description) {
    std::cerr << "guichet: " << description_file << ": " << description.error().message << "\n";
    return 3;
  }
  std::ifstream extract(csv, std::ios::binary);
  if (!extract) {
    std::cerr << "guichet: cannot read " << csv << "\n";
    return 2;
  }
  exchange::ImportOptions options;
  std::error_code ec;
  options.total_bytes = static_cast<std::int64_t>(std::filesystem::file_size(csv, ec));
  options.progress = progress_printer();
  auto report = exchange::import_extract(db, *description, extract, clock, options);
  if (isatty(STDERR_FILENO) != 0) std::cerr << "\n";
  if (!report) {
    std::cerr << "guichet: " << csv << ": " << report.error().message << "\n";
    return report.error().code == exchange::Errc::bad_extract ? 3 : 1;
  }
  if (report->unchanged) {
    std::cout << "dataset " << description->name << ": unchanged (version " << report->version << ", "
              << report->records << " records)\n";
  } else {
    std::cout << "dataset " << description->name << ": version " << report->version << " is current, "
              << report->records << " records\n";
  }
  return 0;
}

Result<SecretKey> required_secrets(const Config& config, const std::string& command) {
  auto secrets = secrets_key(config);
  if (!secrets) return std::move(secrets).error();
  if (!*secrets) {
    return make_error(exchange::Errc::no_signing_key,
                      command + " needs --secrets-key-file: the node's signing keys are sealed with it");
  }
  return **secrets;
}

http::Response liveness(http::Request&) {
  http::Response response = http::Response::text("ok\n");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

exchange::TransportTls transport_tls(const Config& config) {
  return exchange::TransportTls{config.exchange_client_cert, config.exchange_client_key, config.exchange_ca};
}

// The database every command opens, migrated; nullopt after saying why.
std::optional<std::unique_ptr<storage::Database>> migrated_database(const Config& config, const Clock& clock) {
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return std::nullopt;
  }
  return std::move(db).value();
}

// "a,b,,c" -> {a, b, c}.
std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::string rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string name = rest.substr(0, comma);
    if (!name.empty()) out.push_back(name);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

// --law REFERENCE or --consent TEXT, exactly one; nullopt after saying so.
std::optional<exchange::LegalBasis> legal_basis_option(const char* command, const std::string& law,
                                                       const std::string& consent) {
  if (!law.empty() == !consent.empty()) {
    std::cerr << "guichet: " << command << ": give the legal basis: --law REFERENCE or --consent TEXT (one of them)\n";
    return std::nullopt;
  }
  return law.empty() ? exchange::LegalBasis{exchange::LegalBasisKind::consent, consent}
                     : exchange::LegalBasis{exchange::LegalBasisKind::law, law};
}

// This process as a node of the exchange: its keys, node registry and protocol over `db`.
struct ThisNode {
  ThisNode(const Config& config, storage::Database& db, const Clock& clock, const SecretKey& secrets)
      : transport(exchange::curl_transport(std::chrono::seconds(5), transport_tls(config))),
        keys(config.node_id, db, clock, secrets),
        peers(db, clock, *transport),
        node(keys, peers, db, clock, *transport) {}
  std::unique_ptr<exchange::Transport> transport;
  exchange::NodeKeys keys;
  exchange::Peers peers;
  exchange::Node node;
};

}  // namespace

int registry(const Config& config, const std::string& csv, const std::string& description_file, bool connector) {
  setup_logging(config);
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto secrets = required_secrets(config, "registry");
  if (!secrets) {
    fail("registry", secrets.error());
    return 2;
  }
  if (!csv.empty()) {
    if (int imported = import_files(**db, csv, description_file, clock); imported != 0) return imported;
  }
  if (connector) {
    std::ifstream in(description_file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto description = exchange::parse_description(text);
    if (!description || !description->connector) {
      std::cerr << "guichet: " << description_file << ": "
                << (description ? "it has no connector" : description.error().message) << "\n";
      return 3;
    }
    if (auto registered = exchange::register_connector(**db, *description, clock); !registered) {
      fail("registry connector", registered.error());
      return 1;
    }
  }
  ThisNode self(config, **db, clock, *secrets);
  auto key = self.keys.signing_key();
  if (!key) {
    fail("registry keys", key.error());
    return 1;
  }
  http::Metrics metrics;
  exchange::ExchangeWebContext web{&self.node, **db, nullptr, nullptr, {}, "Europe/Lisbon", &clock};
  http::Router router;
  router.get("/healthz", liveness, http::RouteOptions{http::RouteKind::asset, 0, false, true});
  router.get(
      "/metrics",
      [&metrics, token = config.metrics_token](http::Request& request) {
        return http::metrics_endpoint(metrics, request, token);
      },
      http::RouteOptions{http::RouteKind::asset, 0, false});
  exchange::register_node_routes(router, web);
  auto access = spdlog::get("access");
  http::LogSink access_log = config.access_log
                                 ? http::LogSink([access](std::string_view line) { access->info("{}", line); })
                                 : http::LogSink();
  http::LogSink error_log = [](std::string_view line) { spdlog::error("{}", line); };
  http::ErrorRenderer errors = [](http::Request& request, const Error& error) {
    return http::json_error(request, error);
  };
  std::vector<http::Middleware> chain{http::request_context({config.public_url.starts_with("https://"), false}),
                                      http::observe(metrics, access_log, error_log), http::security_headers(),
                                      http::recover(errors, error_log)};
  http::Application application(std::move(router), chain, errors);
  const http::ServerOptions server_options = server_options_of(config);
  http::Server server(server_options, application);
  if (auto listening = server.listen(); !listening) {
    fail("listen", listening.error());
    return 1;
  }
  const std::string host =
      config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]" : config.listen_host;
  std::cout << json::serialize(json::object{{"event", "listening"},
                                            {"url", std::string(server_options.tls ? "https" : "http") + "://" + host +
                                                        ":" + std::to_string(server.port())},
                                            {"node", config.node_id},
                                            {"kid", key->kid}})
            << std::endl;
  // The registry's own job worker: the journal's pruning and the access reports to the portal.
  jobs::WorkerOptions worker_options;
  worker_options.poll_interval = config.job_poll;
  jobs::Worker worker(**db, clock, worker_options);
  exchange::register_journal_jobs(worker, **db, clock, std::chrono::hours(24 * config.exchange_journal_days));
  exchange::register_access_reports(worker, self.node, **db, clock);
  jobs::register_job_pruning(worker, **db, clock);
  identity::register_audit_checkpoints(worker, **db, clock, *secrets);
  log_event(LogLevel::info, "started", {{"db", (*db)->display_url()}, {"node", config.node_id}, {"role", "registry"}});
  worker.start();
  server.run(true);
  worker.stop();
  log_event(LogLevel::info, "stopped");
  spdlog::shutdown();
  return 0;
}

int exchange_import(const Config& config, const std::string& csv, const std::string& description_file) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  return import_files(**db, csv, description_file, clock);
}

int exchange_keys(const Config& config, bool rotate, bool print_key_set) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto secrets = required_secrets(config, "exchange keys");
  if (!secrets) {
    fail("exchange keys", secrets.error());
    return 2;
  }
  exchange::NodeKeys keys(config.node_id, **db, clock, *secrets);
  auto key = rotate ? keys.rotate() : keys.signing_key();
  if (!key) {
    fail("exchange keys", key.error());
    return 1;
  }
  if (print_key_set) {
    auto set = keys.signed_key_set();
    if (!set) {
      fail("exchange keys", set.error());
      return 1;
    }
    std::cout << *set << "\n";
    return 0;
  }
  auto published = keys.published();
  if (!published) {
    fail("exchange keys", published.error());
    return 1;
  }
  for (const exchange::PublishedKey& k : *published) {
    std::cout << json::serialize(json::object{
                     {"kid", k.kid}, {"signs", k.kid == key->kid}, {"not_after", format_rfc3339(k.not_after)}})
              << "\n";
  }
  return 0;
}

int exchange_peers_add(const Config& config, const std::string& node, const std::string& name, const std::string& url,
                       const std::string& kid, const std::string& key_set_file) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto transport = exchange::curl_transport(std::chrono::seconds(5), transport_tls(config));
  exchange::Peers peers(**db, clock, *transport);
  Result<std::vector<exchange::PublishedKey>> pinned = std::vector<exchange::PublishedKey>{};
  if (key_set_file.empty()) {
    pinned = peers.add(node, name, url, kid);
  } else {
    std::ifstream in(key_set_file);
    if (!in) {
      std::cerr << "guichet: cannot read " << key_set_file << "\n";
      return 2;
    }
    std::string set((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!set.empty() && std::isspace(static_cast<unsigned char>(set.back()))) set.pop_back();
    pinned = peers.add_from_key_set(node, name, url, set, kid);
  }
  if (!pinned) {
    fail("exchange peers add", pinned.error());
    return pinned.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  auto audited = (*db)->transaction([&](storage::Connection& c) {
    json::object details{{"url", url}, {"kid", kid}, {"keys", pinned->size()}};
    return identity::record_audit(
        c, identity::AuditEvent{"cli", "exchange.peer_added", "node:" + node, json::serialize(details)}, clock);
  });
  if (!audited) {
    fail("exchange peers add", audited.error());
    return 1;
  }
  std::cout << "node " << node << " (" << name << ") at " << url << ": " << pinned->size() << " key(s) pinned\n";
  return 0;
}

int exchange_peers_list(const Config& config) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto transport = exchange::curl_transport(std::chrono::seconds(5), transport_tls(config));
  exchange::Peers peers(**db, clock, *transport);
  auto list = peers.list();
  if (!list) {
    fail("exchange peers list", list.error());
    return 1;
  }
  for (const exchange::Peer& p : *list) {
    std::cout << json::serialize(json::object{{"node", p.node_id}, {"name", p.name}, {"url", p.url}}) << "\n";
  }
  return 0;
}

int exchange_grant(const Config& config, const GrantOptions& options) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  exchange::Entitlement e;
  e.consumer = options.consumer;
  e.purpose = options.purpose;
  e.dataset = options.dataset;
  e.attributes = comma_list(options.attributes);
  auto basis = legal_basis_option("exchange grant", options.law, options.consent);
  if (!basis) return 2;
  e.legal_basis = *basis;
  auto expires = parse_iso_day(options.expires);
  if (!expires) {
    std::cerr << "guichet: exchange grant: --expires is a date written YYYY-MM-DD\n";
    return 2;
  }
  e.expires_at = Instant(std::chrono::sys_days(*expires));
  auto granted = exchange::grant_entitlement(**db, e, "cli", clock);
  if (!granted) {
    fail("exchange grant", granted.error());
    return granted.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  std::cout << "entitlement " << granted->id << ": " << granted->consumer << " may read " << options.attributes
            << " of " << granted->dataset << " for " << granted->purpose << " until " << options.expires << "\n";
  return 0;
}

int exchange_ask(const Config& config, const AskOptions& options) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto secrets = required_secrets(config, "exchange ask");
  if (!secrets) {
    fail("exchange ask", secrets.error());
    return 2;
  }
  auto basis = legal_basis_option("exchange ask", options.law, options.consent);
  if (!basis) return 2;
  ThisNode self(config, **db, clock, *secrets);
  exchange::ExchangeRequest request;
  request.provider = options.provider;
  request.dataset = options.dataset;
  request.attributes = comma_list(options.attributes);
  request.purpose = options.purpose;
  request.legal_basis = *basis;
  request.person_id = options.person;
  auto answer = self.node.fetch(request);
  if (!answer) {
    fail("exchange ask", answer.error());
    return answer.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  std::cout << json::serialize(json::object{{"outcome", answer->outcome},
                                            {"values", answer->values},
                                            {"types", answer->types},
                                            {"journal_seq", answer->journal_seq}})
            << "\n";
  return 0;
}

int exchange_report(const Config& config) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto secrets = required_secrets(config, "exchange report");
  if (!secrets) {
    fail("exchange report", secrets.error());
    return 2;
  }
  ThisNode self(config, **db, clock, *secrets);
  auto run = exchange::send_access_reports(self.node, **db, clock);
  if (!run) {
    fail("exchange report", run.error());
    return 1;
  }
  json::array unreachable;
  for (const std::string& peer : run->unreachable) unreachable.emplace_back(peer);
  std::cout << json::serialize(json::object{{"sent", run->sent}, {"unreachable", unreachable}}) << "\n";
  return run->unreachable.empty() ? 0 : 1;
}

int exchange_peers_report(const Config& config, const std::string& node, bool stop) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  if (auto set = exchange::report_accesses_to(**db, node, !stop, "cli", clock); !set) {
    fail("exchange peers report", set.error());
    return set.error().kind == ErrorKind::not_found ? 2 : 1;
  }
  std::cout << (stop ? "node " + node + " is no longer told of accesses made here\n"
                     : "node " + node + " is told of the accesses made here by others, every minute\n");
  return 0;
}

int exchange_revoke(const Config& config, std::int64_t id) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  if (auto revoked = exchange::revoke_entitlement(**db, id, "cli", clock); !revoked) {
    fail("exchange revoke", revoked.error());
    return revoked.error().kind == ErrorKind::not_found ? 2 : 1;
  }
  std::cout << "entitlement " << id << " revoked\n";
  return 0;
}

int exchange_entitlements(const Config& config) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto list = exchange::list_entitlements(**db);
  if (!list) {
    fail("exchange entitlements", list.error());
    return 1;
  }
  for (const exchange::Entitlement& e : *list) {
    json::array attributes;
    for (const std::string& a : e.attributes) attributes.emplace_back(a);
    json::object line{{"id", e.id},
                      {"consumer", e.consumer},
                      {"purpose", e.purpose},
                      {"dataset", e.dataset},
                      {"attributes", attributes},
                      {"legal_basis", json::object{{"kind", std::string(exchange::to_string(e.legal_basis.kind))},
                                                   {"reference", e.legal_basis.reference}}},
                      {"granted_by", e.granted_by},
                      {"expires_at", format_rfc3339(e.expires_at)}};
    if (e.revoked_at) line["revoked_at"] = format_rfc3339(*e.revoked_at);
    std::cout << json::serialize(line) << "\n";
  }
  return 0;
}

int exchange_journal_verify(const Config& config) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto verified = exchange::verify_journal(**db);
  if (!verified) {
    fail("exchange journal verify", verified.error());
    return 1;
  }
  if (!verified->intact) {
    std::cout << "exchange journal BROKEN after " << verified->entries << " intact entries: " << verified->problem
              << "\n";
    return 1;
  }
  std::cout << "exchange journal intact: " << verified->entries << " entries, head " << verified->head.seq << " "
            << verified->head.hash << "\n";
  return 0;
}

int exchange_journal_list(const Config& config, const std::string& person, const std::string& peer, std::int64_t before,
                          std::int64_t limit) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  exchange::JournalQuery query;
  if (!person.empty()) query.person_id = person;
  if (!peer.empty()) query.peer = peer;
  query.before_seq = before;
  query.limit = limit;
  auto entries = exchange::read_journal(**db, query);
  if (!entries) {
    fail("exchange journal list", entries.error());
    return entries.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  auto names = [](const std::vector<std::string>& list) {
    json::array out;
    for (const std::string& n : list) out.emplace_back(n);
    return out;
  };
  for (const exchange::JournalEntry& e : *entries) {
    json::object line{{"seq", e.seq},
                      {"at", format_rfc3339(e.at)},
                      {"side", e.side == exchange::Side::provider ? "provider" : "consumer"},
                      {"consumer", e.consumer},
                      {"provider", e.provider},
                      {"purpose", e.purpose},
                      {"legal_basis", json::object{{"kind", std::string(exchange::to_string(e.legal_basis.kind))},
                                                   {"reference", e.legal_basis.reference}}},
                      {"person", e.person_id},
                      {"attributes", names(e.attributes)},
                      {"released", names(e.released)},
                      {"outcome", e.outcome},
                      {"reason", e.reason},
                      {"request_hash", e.request_hash},
                      {"request_jws", e.request_jws},
                      {"response_hash", e.response_hash}};
    if (e.user_id) line["user_id"] = *e.user_id;
    std::cout << json::serialize(line) << "\n";
  }
  return 0;
}

int benefits_define(const Config& config, const std::string& file) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto benefit = exchange::parse_benefit(text);
  if (!benefit) {
    std::cerr << "guichet: benefits define: " << file << ": " << benefit.error().message << "\n";
    return 3;
  }
  if (auto defined = exchange::define_benefit(**db, *benefit, "cli", clock); !defined) {
    fail("benefits define", defined.error());
    return 1;
  }
  std::cout << "benefit " << benefit->code << " defined (disabled: dry-run it, then enable it)\n";
  return 0;
}

int benefits_dry_run(const Config& config, const std::string& code, std::int64_t limit) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto secrets = required_secrets(config, "benefits dry-run");
  if (!secrets) {
    fail("benefits dry-run", secrets.error());
    return 2;
  }
  auto benefit = exchange::find_benefit(**db, code);
  if (!benefit) {
    fail("benefits dry-run", benefit.error());
    return 1;
  }
  if (!*benefit) {
    std::cerr << "guichet: benefits dry-run: no benefit " << code << "\n";
    return 2;
  }
  ThisNode self(config, **db, clock, *secrets);
  auto run = exchange::dry_run(self.node, **db, **benefit, limit);
  if (!run) {
    fail("benefits dry-run", run.error());
    return 1;
  }
  // Kept with the definition, so that it can be enabled and its administrators read it.
  if (auto kept = exchange::record_dry_run(**db, **benefit, *run, "cli", clock); !kept) {
    fail("benefits dry-run", kept.error());
    return 1;
  }
  json::object out = exchange::dry_run_json(*run);
  out["benefit"] = code;
  std::cout << json::serialize(out) << "\n";
  return 0;
}

int benefits_enable(const Config& config, const std::string& code, bool enabled) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  if (auto done = exchange::enable_benefit(**db, code, enabled, "cli", clock); !done) {
    fail(enabled ? "benefits enable" : "benefits disable", done.error());
    return done.error().kind == ErrorKind::not_found || done.error().kind == ErrorKind::conflict ? 2 : 1;
  }
  std::cout << "benefit " << code << (enabled ? " enabled" : " disabled") << "\n";
  return 0;
}

int benefits_run(const Config& config) {
  SystemClock clock;
  auto db = migrated_database(config, clock);
  if (!db) return 1;
  auto secrets = required_secrets(config, "benefits run");
  if (!secrets) {
    fail("benefits run", secrets.error());
    return 2;
  }
  ThisNode self(config, **db, clock, *secrets);
  // The same notice as the site's job, in the language each person last signed in with.
  auto catalog = http::Catalog::load(std::filesystem::path(web_root(config)) / "i18n", kLanguages, config.default_lang);
  if (!catalog) {
    fail("benefits run", catalog.error());
    return 2;
  }
  const exchange::BenefitNotice notice = exchange::benefit_notice(*catalog, config.public_url);
  exchange::GrantRun total;
  for (;;) {
    auto run = exchange::grant_benefits(self.node, **db, clock, notice);
    if (!run) {
      fail("benefits run", run.error());
      return 1;
    }
    total.evaluated += run->evaluated;
    total.granted += run->granted;
    total.not_granted += run->not_granted;
    total.unknown += run->unknown;
    if (!run->more) break;
  }
  std::cout << json::serialize(json::object{{"evaluated", total.evaluated},
                                            {"granted", total.granted},
                                            {"not_granted", total.not_granted},
                                            {"unknown", total.unknown}})
            << "\n";
  return 0;
}

}  // namespace guichet::app
