#include "guichet/app/commands.hpp"

#include "guichet/app/secrets_at_rest.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <variant>

#include "command_support.hpp"
#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/compute.hpp"
#include "guichet/core/log.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/verify.hpp"
#include "guichet/http/server.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/identity/verification.hpp"
#include "guichet/jobs/webhooks.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/oidc/clients.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/storage/backup.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::app {
// Shared with the other command files (command_support.hpp).
void fail(const std::string& what, const Error& error) {
  std::cerr << "guichet: " << what << ": " << error.message << "\n";
}

void setup_logging(const Config& config) {
  auto errors = spdlog::stderr_logger_mt("guichet");
  // Each line is already a whole JSON object with its time and level (core/log.hpp).
  errors->set_pattern("%v");
  errors->set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_default_logger(errors);
  auto access = spdlog::stdout_logger_mt("access");
  access->set_pattern("%v");
  spdlog::flush_every(std::chrono::seconds(1));
}

// The configured secrets key, or none when --secrets-key-file is not given.
Result<std::optional<SecretKey>> secrets_key(const Config& config) {
  if (config.secrets_key_file.empty()) return std::optional<SecretKey>();
  auto key = SecretKey::from_file(config.secrets_key_file);
  if (!key) return std::move(key).error();
  return std::optional<SecretKey>(std::move(key).value());
}

CommandStart start_command(const Config& config, const Clock& clock) {
  CommandStart start;
  auto secrets = secrets_key(config);
  if (!secrets) {
    fail("secrets-key-file", secrets.error());
    start.failed = 2;
    return start;
  }
  start.secrets = std::move(secrets).value();
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    start.failed = 1;
    return start;
  }
  start.db = std::move(db).value();
  return start;
}

namespace {

// Certificates issued and revoked go to the audit log, in the transaction that changes them.
documents::CertificateAudit certificate_audit(const Clock& clock) {
  // The command line acts as the operator, whatever the authority says did it.
  return [&clock](storage::Connection& c, std::string_view action, const documents::CertificateRecord& record,
                  std::string_view /*actor*/) -> Result<void> {
    boost::json::object details{{"role", record.role}, {"owner", record.owner}, {"subject", record.subject}};
    auto recorded =
        identity::record_audit(c,
                               identity::AuditEvent{"cli", std::string(action), "certificate:" + record.serial,
                                                    boost::json::serialize(details)},
                               clock);
    if (!recorded) return std::move(recorded).error();
    return {};
  };
}

}  // namespace

Result<std::unique_ptr<storage::Database>> open_and_migrate(const Config& config, const Clock& clock) {
  storage::DatabaseOptions options;
  options.pool_size = config.db_pool;
  options.statement_timeout = config.db_statement_timeout;
  options.busy_timeout = config.db_busy_timeout;
  auto db = storage::open_database(config.db, options);
  if (!db) return std::move(db).error();
  auto applied = storage::apply_migrations(**db, storage::builtin_migrations(), clock);
  if (!applied) return std::move(applied).error();
  if (*applied > 0) log_event(LogLevel::info, "migrated", {{"applied", *applied}});
  return db;
}

http::ServerOptions server_options_of(const Config& config) {
  http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads;
  options.worker_threads = config.workers;
  options.max_pending_requests = config.max_pending;
  options.request_timeout = config.request_timeout;
  if (!config.tls_cert.empty()) options.tls = http::TlsFiles{config.tls_cert, config.tls_key, config.tls_client_ca};
  return options;
}

std::string web_root(const Config& config) {
  return config.web_root.empty() ? GUICHET_DEFAULT_WEB_ROOT : config.web_root;
}

namespace {

// The id of the account using `email`, or the exit code after saying why not (2: no such account).
std::variant<std::int64_t, int> account_id(storage::Database& db, const std::string& email,
                                           const std::string& command) {
  auto user = identity::find_user_by_email(db, email);
  if (!user) {
    fail(command, user.error());
    return user.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  if (!user->has_value()) {
    std::cerr << "guichet: " << command << ": no account uses " << email << "\n";
    return 2;
  }
  return (*user)->id;
}

}  // namespace

// A file's text, or standard input for "-"; nothing (after saying so) when it cannot be read.
std::optional<std::string> read_input(const std::string& file, const std::string& command) {
  if (file == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(file);
  if (!in) {
    std::cerr << "guichet: " << command << ": cannot read " << file << "\n";
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int serve(const Config& config) {
  setup_logging(config);
  ComputePool::configure_shared(ComputePoolOptions{config.compute_threads, config.compute_queue, config.compute_nice});
  OffsetClock clock(std::chrono::days(config.clock_offset_days));
  if (config.clock_offset_days != 0) {
    log_event(LogLevel::warn, "clock_offset",
              {{"days", config.clock_offset_days}, {"now", format_rfc3339(clock.now())}});
  }
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto access = spdlog::get("access");
  SiteOptions site_options{web_root(config),
                           config.default_lang,
                           config.public_url.starts_with("https://"),
                           config.access_log
                               ? http::LogSink([access](std::string_view line) { access->info("{}", line); })
                               : http::LogSink(),
                           [](std::string_view line) { spdlog::error("{}", line); },
                           GUICHET_VERSION,
                           config.public_url};
  site_options.trust_forwarded_for = config.trust_forwarded_for;
  site_options.video = config.video;
  auto secrets = secrets_key(config);
  if (!secrets) {
    fail("secrets-key-file", secrets.error());
    return 2;
  }
  site_options.secrets_key = *secrets;
  site_options.tsa_url = config.tsa_url;
  site_options.node_id = config.node_id;
  site_options.exchange_tls =
      exchange::TransportTls{config.exchange_client_cert, config.exchange_client_key, config.exchange_ca};
  site_options.exchange_journal_days = config.exchange_journal_days;
  site_options.metrics_token = config.metrics_token;
  site_options.queue_policy.check_in_early = std::chrono::minutes(config.queue_check_in_minutes);
  site_options.queue_policy.fairness_bound = std::chrono::minutes(config.queue_fairness_minutes);
  site_options.queue_policy.alert_after = std::chrono::minutes(config.queue_alert_minutes);
  for (const auto& [name, minutes] : config.queue_head_start_minutes) {
    if (auto priority = queue::parse_priority(name)) {
      site_options.queue_policy.head_start[*priority] = std::chrono::minutes(minutes);
    }
  }
  site_options.queue_tickets_per_address = config.queue_tickets_per_address;
  // Every secret sealed at rest must open with the configured key: found now, before the site
  // makes anything it would seal (the provider's secrets), not at the first sign-in with a second
  // factor or the first ID token.
  if (auto at_rest = check_secrets_at_rest(**db, *secrets ? &**secrets : nullptr); !at_rest) {
    fail("secrets-key-file", at_rest.error());
    return 2;
  } else if (at_rest->in_clear > 0) {
    log_event(LogLevel::warn, "secrets_in_clear",
              {{"count", at_rest->in_clear},
               {"fix", *secrets ? "guichet admin keys rotate-kek seals them with the configured key"
                                : "give --secrets-key-file, then guichet admin keys rotate-kek"}});
  }
  auto site = Site::load(site_options, **db, clock);
  if (!site) {
    fail("web root " + site_options.web_root, site.error());
    return 1;
  }
  // A certification authority whose keys this node cannot open is a configuration error: found
  // now, not at the first document someone asks for.
  if (auto opened = (*site)->check_secrets(); !opened) {
    fail("secrets-key-file", opened.error());
    return 2;
  }
  if (auto loaded = (*site)->load_calendars(); !loaded) {
    fail("calendars", loaded.error());
    return 1;
  }

  jobs::SmtpSender smtp(config.smtp, clock);
  jobs::WorkerOptions worker_options;
  worker_options.poll_interval = config.job_poll;
  jobs::Worker worker(**db, clock, worker_options);
  worker.handle(jobs::kEmailJobKind, [&smtp](const jobs::Job& job) { return smtp.run_job(job); });
  jobs::WebhookSender webhooks(**db, clock, secrets->has_value() ? &**secrets : nullptr);
  worker.handle(jobs::kWebhookJobKind, [&webhooks](const jobs::Job& job) { return webhooks.run_job(job); });
  (*site)->register_jobs(worker);

  const http::ServerOptions server_options = server_options_of(config);
  http::Server server(server_options, (*site)->application());
  if (auto listening = server.listen(); !listening) {
    fail("listen", listening.error());
    return 1;
  }
  std::string host =
      config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]" : config.listen_host;
  std::string scheme = server_options.tls ? "https" : "http";
  // One JSON line on stdout that scripts and tests wait for; it carries the real port when 0 was asked.
  std::cout << boost::json::serialize(boost::json::object{
                   {"event", "listening"}, {"url", scheme + "://" + host + ":" + std::to_string(server.port())}})
            << std::endl;
  log_event(LogLevel::info, "started",
            {{"db", (*db)->display_url()},
             {"threads", config.threads},
             {"workers", config.workers},
             {"compute_threads", ComputePool::shared().options().threads},
             {"worker", worker.id()}});

  worker.start();
  server.run(true);
  worker.stop();
  log_event(LogLevel::info, "stopped");
  spdlog::shutdown();
  return 0;
}

int migrate(const Config& config, bool status_only) {
  SystemClock clock;
  storage::DatabaseOptions options;
  options.pool_size = 1;
  options.statement_timeout = std::chrono::milliseconds(0);  // a migration of a large table takes its time
  auto db = storage::open_database(config.db, options);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  int latest = storage::latest_version(storage::builtin_migrations());
  if (!status_only) {
    auto applied = storage::apply_migrations(**db, storage::builtin_migrations(), clock);
    if (!applied) {
      fail("migrate", applied.error());
      return 1;
    }
    std::cout << "applied " << *applied << " migration(s)\n";
  }
  auto version = storage::current_version(**db);
  if (!version) {
    fail("migrate", version.error());
    return 1;
  }
  std::cout << "schema version " << *version << " of " << latest << "\n";
  return *version == latest ? 0 : 3;
}

std::string_view demo_catalogue_json();   // generated from data/demo-catalogue.json
std::string_view demo_procedures_json();  // generated from data/demo-procedures.json

namespace {
// Publishes each definition whose latest published version differs (a new version), so running
// demo-data again changes nothing and an edited demo file publishes its changes.
Result<int> publish_procedures(storage::Database& db, std::string_view definitions, std::string_view actor,
                               const Clock& clock) {
  boost::system::error_code ec;
  boost::json::value all = boost::json::parse(definitions, ec);
  if (ec || !all.is_array()) return make_error(procedures::Errc::bad_definition, "a list of definitions is expected");
  procedures::Procedures registry(db, clock);
  int published = 0;
  for (const boost::json::value& definition : all.as_array()) {
    const std::string text = boost::json::serialize(definition);
    const boost::json::value* service =
        definition.is_object() ? definition.as_object().if_contains("service") : nullptr;
    if (service == nullptr || !service->is_string()) {
      return make_error(procedures::Errc::bad_definition, "a definition names no service");
    }
    auto latest = registry.published(service->as_string());
    if (!latest) return std::move(latest).error();
    if (*latest && (*latest)->json == text) continue;
    auto done = registry.publish(text, actor);
    if (!done) return std::move(done).error();
    ++published;
  }
  return published;
}
}  // namespace

int demo_data(const Config& config) {
  if (config.db.starts_with("sqlite:")) {
    std::filesystem::path file = config.db.substr(7);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  }
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  // Each module with demo content loads it here, idempotently.
  const std::string demo_email = "demo@guichet.example";
  const std::string demo_password = "open public services";
  auto existing = identity::find_user_by_email(**db, demo_email);
  if (!existing) {
    fail("demo-data", existing.error());
    return 1;
  }
  if (!existing->has_value()) {
    auto created = identity::create_user(
        **db, identity::NewUser{demo_email, demo_password, true, identity::AssuranceLevel::low, "demo-data"}, clock);
    if (!created) {
      fail("demo-data", created.error());
      return 1;
    }
  }
  // The demo account's identity carries the NIF the demonstration registries know
  // (data/exchange/), so its forms are pre-filled through the exchange (scripts/demo.sh).
  if (auto demo = identity::find_user_by_email(**db, demo_email); demo && *demo) {
    auto person = (*db)->read([&](storage::Connection& c) { return identity::person_attributes(c, (**demo).id); });
    if (person && *person && !(*person)->national_id) {
      if (auto set = identity::set_national_id(**db, (**demo).id, "PT:123456789", "demo-data", clock); !set) {
        fail("demo-data national id", set.error());
      }
    }
  }
  auto catalogue = catalogue::import_catalogue(**db, demo_catalogue_json(), "demo-data", clock);
  if (!catalogue) {
    fail("demo-data catalogue", catalogue.error());
    return 1;
  }
  auto procedures_published = publish_procedures(**db, demo_procedures_json(), "demo-data", clock);
  if (!procedures_published) {
    fail("demo-data procedures", procedures_published.error());
    return 1;
  }
  // With a secrets key, the demo seals its documents with a certification authority of its own.
  auto secrets = secrets_key(config);
  if (!secrets) {
    fail("secrets-key-file", secrets.error());
    return 2;
  }
  if (*secrets) {
    documents::CertificateAuthority authority(**db, clock, *secrets, certificate_audit(clock));
    auto initialised = authority.initialised();
    if (initialised && !*initialised) {
      if (auto created = authority.initialise("Guichet Demo"); !created) {
        fail("demo-data pki", created.error());
        return 1;
      }
      std::cout << "demo certification authority created\n";
    }
  }
  std::cout << "demo catalogue: " << catalogue->administrations << " administrations, " << catalogue->services
            << " services, " << catalogue->shops << " citizen shops, " << *procedures_published
            << " online procedures published\n";
  std::cout << "demo database ready at " << (*db)->display_url() << "\n"
            << "demo account: " << demo_email << " / " << demo_password << "\n";
  return 0;
}

int procedures_publish(const Config& config, const std::string& file) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  std::string text;
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "guichet: admin procedures publish: cannot read " << file << "\n";
      return 2;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec);
  if (ec) {
    std::cerr << "guichet: admin procedures publish: " << file << " is not JSON: " << ec.message() << "\n";
    return 2;
  }
  const std::string list = parsed.is_array() ? text : "[" + text + "]";
  auto published = publish_procedures(**db, list, "cli", clock);
  if (!published) {
    std::cerr << "guichet: admin procedures publish: " << published.error().message << "\n";
    return published.error().code == procedures::Errc::bad_definition ? 3 : 1;
  }
  std::cout << *published << " procedure versions published\n";
  return 0;
}

int procedures_group(const Config& config, const std::string& administration, const std::string& group,
                     const std::string& email, bool add) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto user = identity::find_user_by_email(**db, email);
  if (!user || !*user) {
    std::cerr << "guichet: admin procedures groups: no account " << email << "\n";
    return 2;
  }
  const std::int64_t id = (*user)->id;
  auto done = add ? procedures::add_group_member(**db, administration, group, id)
                  : procedures::remove_group_member(**db, administration, group, id);
  if (!done) {
    fail("admin procedures groups", done.error());
    return 1;
  }
  boost::json::object details{{"administration", administration}, {"group", group}};
  auto audited = (*db)->transaction([&](storage::Connection& c) {
    return identity::record_audit(c,
                                  identity::AuditEvent{"cli", add ? "procedure_group.joined" : "procedure_group.left",
                                                       "user:" + std::to_string(id), boost::json::serialize(details)},
                                  clock);
  });
  if (!audited) {
    fail("admin procedures groups", audited.error());
    return 1;
  }
  std::cout << email << (add ? " is in " : " is no longer in ") << administration << "/" << group << "\n";
  return 0;
}

int pki_init(const Config& config, const std::string& organisation) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto secrets = secrets_key(config);
  if (!secrets || !*secrets) {
    std::cerr << "guichet: admin pki init: give the secrets key with --secrets-key-file "
                 "(guichet admin keys new-kek writes one)\n";
    return 2;
  }
  documents::CertificateAuthority authority(**db, clock, *secrets, certificate_audit(clock));
  if (auto created = authority.initialise(organisation); !created) {
    fail("admin pki init", created.error());
    return created.error().code == documents::Errc::pki_already_initialised ? 2 : 1;
  }
  auto root = authority.root();
  if (!root) {
    fail("admin pki init", root.error());
    return 1;
  }
  std::cout << root->certificate_pem;
  return 0;
}

int pki_root(const Config& config) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  documents::CertificateAuthority authority(**db, clock, std::nullopt);
  auto root = authority.root();
  if (!root) {
    fail("admin pki root", root.error());
    return 1;
  }
  std::cout << root->certificate_pem;
  return 0;
}

int pki_list(const Config& config) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  documents::CertificateAuthority authority(**db, clock, std::nullopt);
  auto listed = authority.certificates();
  if (!listed) {
    fail("admin pki list", listed.error());
    return 1;
  }
  for (const auto& c : *listed) {
    boost::json::object line{{"id", c.id},
                             {"role", c.role},
                             {"owner", c.owner},
                             {"serial", c.serial},
                             {"subject", c.subject},
                             {"not_before", format_rfc3339(c.not_before)},
                             {"not_after", format_rfc3339(c.not_after)}};
    if (c.revoked_at) line["revoked_at"] = format_rfc3339(*c.revoked_at);
    std::cout << boost::json::serialize(line) << "\n";
  }
  return 0;
}

int pki_revoke(const Config& config, const std::string& serial, const std::string& reason) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  documents::CertificateAuthority authority(**db, clock, std::nullopt, certificate_audit(clock));
  if (auto revoked = authority.revoke(serial, reason); !revoked) {
    fail("admin pki revoke", revoked.error());
    return revoked.error().code == documents::Errc::no_such_certificate ? 2 : 1;
  }
  std::cout << "revoked " << serial << "\n";
  return 0;
}

int pki_import_seal(const Config& config, const std::string& administration, const std::string& file) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto secrets = secrets_key(config);
  if (!secrets || !*secrets) {
    std::cerr << "guichet: admin pki import-seal: the key is sealed with --secrets-key-file\n";
    return 2;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "guichet: admin pki import-seal: cannot read " << file << "\n";
    return 2;
  }
  const std::string bundle((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string password;
  std::getline(std::cin, password);
  documents::CertificateAuthority authority(**db, clock, *secrets, certificate_audit(clock));
  auto imported = authority.import_seal(administration, bundle, password);
  std::fill(password.begin(), password.end(), '\0');
  if (!imported) {
    fail("admin pki import-seal", imported.error());
    return imported.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  std::cout << "imported " << imported->serial << " " << imported->subject << "\n";
  return 0;
}

int documents_verify(const Config& config, const std::string& file, bool as_json) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  std::ifstream in(file, std::ios::binary);
  const std::string pdf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  documents::CertificateAuthority authority(**db, clock, std::nullopt);
  auto trust = authority.trust_settings();
  if (!trust) {
    fail("documents verify", trust.error());
    return 1;
  }
  auto report = documents::verify_pdf(pdf, *trust);
  if (!report) {
    fail("documents verify " + file, report.error());
    return 2;
  }
  bool all_passed = !report->signatures.empty();
  for (const auto& s : report->signatures)
    all_passed = all_passed && s.indication == documents::Indication::total_passed;
  if (as_json) {
    std::cout << boost::json::serialize(documents::report_json(*report)) << "\n";
    return all_passed ? 0 : 1;
  }
  std::cout << file << ": " << report->size << " bytes, SHA-256 " << report->sha256 << "\n";
  if (report->signatures.empty()) std::cout << "no signature\n";
  int number = 0;
  for (const auto& s : report->signatures) {
    std::cout << "signature " << ++number << " (" << s.field << "): " << documents::to_string(s.indication)
              << (s.sub_indication.empty() ? "" : " / " + s.sub_indication) << "\n"
              << "  signer: " << (s.signer.empty() ? "-" : s.signer) << "\n"
              << "  claimed time: " << (s.claimed_time ? format_rfc3339(*s.claimed_time) : "-") << "\n"
              << "  covers the whole document: " << (s.covers_whole_document ? "yes" : "no") << "\n"
              << "  revocation: " << (s.revocation.empty() ? "unknown" : s.revocation) << "\n";
    for (const auto& step : s.steps) {
      std::cout << "  " << step.name << ": " << documents::to_string(step.status)
                << (step.detail.empty() ? "" : " (" + step.detail + ")") << "\n";
    }
  }
  return all_passed ? 0 : 1;
}

int jobs_list(const Config& config, std::optional<std::string> status, int limit, bool as_json) {
  auto db = storage::open_database(config.db, storage::DatabaseOptions{1});
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto jobs = jobs::list_jobs(**db, std::move(status), limit);
  if (!jobs) {
    fail("jobs list", jobs.error());
    return 1;
  }
  if (as_json) {
    boost::json::array out;
    for (const auto& j : *jobs) {
      out.push_back({{"id", j.id},
                     {"kind", j.kind},
                     {"status", j.status},
                     {"attempts", j.attempts},
                     {"max_attempts", j.max_attempts},
                     {"run_at", format_rfc3339(j.run_at)},
                     {"last_error", j.last_error ? boost::json::value(*j.last_error) : boost::json::value(nullptr)}});
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  std::printf("%-8s %-18s %-8s %-9s %-28s %s\n", "ID", "KIND", "STATUS", "ATTEMPTS", "RUN AT", "LAST ERROR");
  for (const auto& j : *jobs) {
    std::string attempts = std::to_string(j.attempts) + "/" + std::to_string(j.max_attempts);
    std::printf("%-8lld %-18s %-8s %-9s %-28s %s\n", static_cast<long long>(j.id), j.kind.c_str(), j.status.c_str(),
                attempts.c_str(), format_rfc3339(j.run_at).c_str(), j.last_error.value_or("").c_str());
  }
  return 0;
}

int users_add(const Config& config, const std::string& email, bool verified, const std::string& level,
              const std::string& national_id) {
  auto parsed_level = identity::parse_assurance_level(level);
  if (!parsed_level) {
    std::cerr << "guichet: --level must be low, substantial or high\n";
    return 2;
  }
  std::string password;
  if (!std::getline(std::cin, password)) {
    std::cerr << "guichet: give the password on standard input\n";
    return 2;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto user = identity::create_user(**db, identity::NewUser{email, password, verified, *parsed_level, "cli"}, clock);
  if (!user) {
    fail("users add", user.error());
    return user.error().kind == ErrorKind::internal || user.error().kind == ErrorKind::unavailable ? 1 : 2;
  }
  boost::json::object out{{"id", user->id},
                          {"email", user->email},
                          {"email_verified", user->email_verified},
                          {"assurance_level", std::string(identity::to_string(user->level))}};
  if (!national_id.empty()) {
    auto set = identity::set_national_id(**db, user->id, national_id, "cli", clock);
    if (!set) {
      fail("users add", set.error());
      return set.error().kind == ErrorKind::internal || set.error().kind == ErrorKind::unavailable ? 1 : 2;
    }
    out["national_id"] = *set;
  }
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

int users_grant(const Config& config, const std::string& email, const std::string& role,
                const std::string& administration) {
  auto parsed = identity::parse_role(role);
  if (!parsed) {
    std::cerr << "guichet: --role must be platform_admin, administration_admin, agent or identity_verifier\n";
    return 2;
  }
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto user = account_id(**db, email, "users grant");
  if (auto* exit_code = std::get_if<int>(&user)) return *exit_code;
  auto granted = identity::grant_role(**db, std::get<std::int64_t>(user), identity::RoleGrant{*parsed, administration},
                                      "cli", clock);
  if (!granted) {
    fail("users grant", granted.error());
    return granted.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  std::cout << email << " has the role " << role << (administration.empty() ? "" : " in " + administration) << "\n";
  return 0;
}

int users_assign(const Config& config, const std::string& email, const std::string& shop_code) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto user = account_id(**db, email, "users assign");
  if (auto* exit_code = std::get_if<int>(&user)) return *exit_code;
  std::int64_t shop_id = 0;
  {
    auto connection = (*db)->acquire();
    auto shop = connection ? catalogue::shop_id_of(**connection, shop_code)
                           : Result<std::optional<std::int64_t>>(connection.error());
    if (!shop) {
      fail("users assign", shop.error());
      return 1;
    }
    if (!*shop) {
      std::cerr << "guichet: users assign: no shop has the code " << shop_code << "\n";
      return 2;
    }
    shop_id = **shop;
  }
  auto assigned = scheduling::assign_agent_to_shop(**db, std::get<std::int64_t>(user), shop_id, "cli", clock);
  if (!assigned) {
    fail("users assign", assigned.error());
    return 1;
  }
  std::cout << email << " works at " << shop_code << "\n";
  return 0;
}

int webhooks_add(const Config& config, const jobs::NewWebhook& webhook) {
  SystemClock clock;
  auto start = start_command(config, clock);
  if (start.failed != 0) return start.failed;
  storage::Database& db = *start.db;
  if (!webhook.administration.empty()) {
    auto connection = db.acquire();
    auto known = connection ? catalogue::administration_exists(**connection, webhook.administration)
                            : Result<bool>(connection.error());
    if (!known) {
      fail("webhooks add", known.error());
      return 1;
    }
    if (!*known) {
      std::cerr << "guichet: webhooks add: no administration has the code " << webhook.administration << "\n";
      return 2;
    }
  }
  auto added =
      jobs::add_webhook(db, webhook, scheduling::kBookingEvents, clock, start.key(),
                        [&](storage::Connection& c, const jobs::Webhook& created) -> Result<void> {
                          boost::json::object details{{"url", created.url}, {"administration", created.administration}};
                          auto recorded = identity::record_audit(
                              c,
                              identity::AuditEvent{"cli", "webhook.added", "webhook:" + std::to_string(created.id),
                                                   boost::json::serialize(details)},
                              clock);
                          if (!recorded) return std::move(recorded).error();
                          return {};
                        });
  if (!added) {
    fail("webhooks add", added.error());
    return added.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  boost::json::array events;
  for (const auto& e : added->events) events.emplace_back(e);
  std::cout << boost::json::serialize(boost::json::object{{"id", added->id},
                                                          {"url", added->url},
                                                          {"secret", added->secret},
                                                          {"events", events},
                                                          {"administration", added->administration}})
            << "\n";
  return 0;
}

int webhooks_list(const Config& config) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto listed = jobs::list_webhooks(**db);
  if (!listed) {
    fail("webhooks list", listed.error());
    return 1;
  }
  for (const auto& w : *listed) {
    boost::json::array events;
    for (const auto& e : w.events) events.emplace_back(e);
    std::cout << boost::json::serialize(boost::json::object{
                     {"id", w.id}, {"url", w.url}, {"events", events}, {"administration", w.administration}})
              << "\n";
  }
  return 0;
}

int clients_add(const Config& config, const ClientOptions& options) {
  oidc::NewClient client;
  client.name = options.name;
  client.redirect_uris = options.redirect_uris;
  client.post_logout_uris = options.post_logout_uris;
  client.auth_method =
      oidc::parse_client_auth_method(options.auth).value_or(oidc::ClientAuthMethod::client_secret_basic);
  client.id_token_alg = oidc::parse_signing_algorithm(options.id_token_alg).value_or(oidc::SigningAlgorithm::es256);
  client.sector = options.sector;
  client.pkce_required = options.pkce != "optional";
  if (client.auth_method == oidc::ClientAuthMethod::private_key_jwt) {
    if (options.jwks_file.empty()) {
      std::cerr << "guichet: clients add: private_key_jwt needs --jwks FILE with the client's public keys\n";
      return 2;
    }
    auto jwks = read_input(options.jwks_file, "clients add");
    if (!jwks) return 2;
    client.jwks = std::move(*jwks);
  }
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto added = oidc::add_client(**db, client, clock);
  if (!added) {
    fail("clients add", added.error());
    return added.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  std::cout << oidc::client_json(*added) << "\n";
  return 0;
}

int tokens_issue(const Config& config, const std::string& email, const std::string& scope, int lifetime_seconds) {
  std::set<std::string> scopes = oidc::parse_scope(scope, true);
  // Relying parties' unknown scopes are ignored, as OpenID Connect asks; an operator's typo is not.
  std::istringstream words(scope);
  for (std::string word; words >> word;) {
    if (!scopes.contains(word)) {
      std::cerr << "guichet: tokens issue: unknown scope " << word << "\n";
      return 2;
    }
  }
  if (scopes.empty()) {
    std::cerr << "guichet: tokens issue: --scope names no scope\n";
    return 2;
  }
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto user = account_id(**db, email, "tokens issue");
  if (auto* exit_code = std::get_if<int>(&user)) return *exit_code;
  auto token = oidc::issue_operator_token(**db, std::get<std::int64_t>(user), scopes,
                                          std::chrono::seconds(lifetime_seconds), clock);
  if (!token) {
    fail("tokens issue", token.error());
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

int catalogue_import(const Config& config, const std::string& file) {
  auto text = read_input(file, "catalogue import");
  if (!text) return 2;
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto imported = catalogue::import_catalogue(**db, *text, "cli", clock);
  if (!imported) {
    fail("catalogue import", imported.error());
    return imported.error().kind == ErrorKind::invalid_input ? 2 : 1;
  }
  std::cout << "imported " << imported->administrations << " administrations, " << imported->services << " services, "
            << imported->shops << " shops\n";
  return 0;
}

int catalogue_export(const Config& config) {
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto exported = catalogue::export_catalogue(**db);
  if (!exported) {
    fail("catalogue export", exported.error());
    return 1;
  }
  std::cout << *exported << "\n";
  return 0;
}

int audit_verify(const Config& config, const std::vector<std::string>& checkpoint_files) {
  SystemClock clock;
  std::vector<identity::AuditCheckpoint> checkpoints;
  for (const auto& file : checkpoint_files) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "guichet: audit verify: cannot read " << file << "\n";
      return 2;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto checkpoint = identity::parse_audit_checkpoint(line);
      if (!checkpoint) {
        std::cerr << "guichet: audit verify: " << file << ":" << number << ": " << checkpoint.error().message << "\n";
        return 2;
      }
      checkpoints.push_back(std::move(*checkpoint));
    }
  }
  auto start = start_command(config, clock);
  if (start.failed != 0) return start.failed;
  auto verified = identity::verify_audit_chain(*start.db, checkpoints, start.key());
  if (!verified) {
    fail("audit verify", verified.error());
    return 1;
  }
  if (!verified->intact) {
    std::cout << "audit log BROKEN after " << verified->events << " intact event(s): " << verified->problem << "\n";
    return 1;
  }
  std::cout << "audit log intact: " << verified->events << " event(s)";
  if (!checkpoints.empty()) std::cout << ", holding " << checkpoints.size() << " checkpoint(s)";
  std::cout << "\n";
  return 0;
}

int keys_rotate(const Config& config, const std::string& new_key_file) {
  SystemClock clock;
  auto next = SecretKey::from_file(new_key_file);
  if (!next) {
    fail("new-secrets-key-file", next.error());
    return 2;
  }
  auto start = start_command(config, clock);
  if (start.failed != 0) return start.failed;
  // The current key must open what is sealed now, or nothing is rewritten.
  if (auto current = check_secrets_at_rest(*start.db, start.key()); !current) {
    fail("secrets-key-file", current.error());
    return 2;
  }
  auto rotated = rotate_secrets_key(*start.db, start.key(), *next, clock);
  if (!rotated) {
    fail("keys rotate-kek", rotated.error());
    return 1;
  }
  std::cout << "sealed " << *rotated << " secret(s) with key " << next->id()
            << "; restart every node with --secrets-key-file " << new_key_file << "\n";
  return 0;
}

int audit_checkpoint(const Config& config) {
  SystemClock clock;
  auto start = start_command(config, clock);
  if (start.failed != 0) return start.failed;
  auto checkpoint = identity::audit_checkpoint(*start.db, clock, start.key());
  if (!checkpoint) {
    fail("audit checkpoint", checkpoint.error());
    return 1;
  }
  std::cout << identity::checkpoint_line(*checkpoint) << "\n";
  return 0;
}

int jobs_retry(const Config& config, std::int64_t id) {
  SystemClock clock;
  auto db = storage::open_database(config.db, storage::DatabaseOptions{1});
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  if (auto retried = jobs::retry_job(**db, id, clock); !retried) {
    fail("jobs retry", retried.error());
    return 1;
  }
  std::cout << "job " << id << " queued again\n";
  return 0;
}

int admin_backup(const Config& config, const std::string& file) {
  auto db = storage::open_database(config.db, storage::DatabaseOptions{1});
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  if (auto copied = storage::backup_to(**db, file); !copied) {
    fail("backup", copied.error());
    return 1;
  }
  auto checked = storage::check_backup(file);
  if (!checked) {
    fail("backup check", checked.error());
    return 1;
  }
  std::cout << "backup written to " << file << " (schema version " << checked->schema_version << ")\n";
  return 0;
}

int admin_restore(const Config& config, const std::string& file) {
  auto restored = storage::restore_from(file, config.db);
  if (!restored) {
    fail("restore", restored.error());
    return 1;
  }
  std::cout << "restored " << file << " into " << config.db << " (schema version " << restored->schema_version
            << "); run guichet migrate or serve to bring the schema up to date\n";
  return 0;
}

}  // namespace guichet::app
