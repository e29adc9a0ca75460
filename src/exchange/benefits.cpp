#include "guichet/exchange/benefits.hpp"

#include <algorithm>
#include <set>

#include <boost/json.hpp>

#include "guichet/core/log.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

Error benefit_error(const std::string& where, const std::string& what) {
  Error e = make_error(Errc::bad_benefit, where + " " + what);
  e.field = where;
  return e;
}

json::object sources_json(const Benefit& b) {
  json::object out;
  for (const auto& [node, attributes] : b.sources) {
    json::array list;
    for (const std::string& a : attributes) list.emplace_back(a);
    out[node] = std::move(list);
  }
  return out;
}

constexpr std::string_view kBenefitColumns =
    "code, administration, names, legal_basis, sources, rule, enabled, defined_by, defined_at, dry_run, "
    "dry_run_requested_at";

std::int64_t count_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

std::optional<DryRunRecord> dry_run_record_of(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  DryRunRecord r;
  r.at = from_unix_micros(count_of(o, "at"));
  if (const json::value* by = o.if_contains("by"); by != nullptr && by->is_string())
    r.by = std::string(by->as_string());
  r.counts.people = count_of(o, "people");
  r.counts.granted = count_of(o, "granted");
  r.counts.not_granted = count_of(o, "not_granted");
  r.counts.unknown = count_of(o, "unknown");
  if (const json::value* reasons = o.if_contains("unknown_reasons"); reasons != nullptr && reasons->is_object()) {
    for (const auto& [why, count] : reasons->as_object()) {
      if (count.is_int64()) r.counts.unknown_reasons[std::string(why)] = count.as_int64();
    }
  }
  return r;
}

Benefit benefit_of(const storage::Row& row) {
  Benefit b;
  b.code = row.text(0);
  b.administration = row.text(1);
  // Parsed into locals: a range-for over a temporary's member would read freed memory.
  const json::value names = json::parse(row.text(2));
  for (const auto& [lang, name] : names.as_object()) {
    b.names.emplace(std::string(lang), std::string(name.as_string()));
  }
  b.legal_basis = row.text(3);
  const json::value sources = json::parse(row.text(4));
  for (const auto& [node, attributes] : sources.as_object()) {
    auto& list = b.sources[std::string(node)];
    for (const json::value& a : attributes.as_array()) list.emplace_back(a.as_string());
  }
  b.rule = row.text(5);
  b.enabled = row.integer(6) != 0;
  b.defined_by = row.text(7);
  b.defined_at = from_unix_micros(row.integer(8));
  if (!row.is_null(9)) b.last_dry_run = dry_run_record_of(row.text(9));
  if (!row.is_null(10)) b.dry_run_requested_at = from_unix_micros(row.integer(10));
  return b;
}

}  // namespace

Result<Benefit> parse_benefit(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return benefit_error("benefit", "is not a JSON object");
  const json::object& o = parsed.as_object();
  for (const auto& [key, value] : o) {
    if (key != "code" && key != "administration" && key != "name" && key != "legal_basis" && key != "sources" &&
        key != "rule") {
      return benefit_error(std::string(key), "is not a property of a benefit");
    }
  }
  Benefit b;
  auto text_of = [&](const char* key, std::size_t max) -> std::optional<std::string> {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string() || v->as_string().empty() || v->as_string().size() > max ||
        !is_valid_utf8(v->as_string())) {
      return std::nullopt;
    }
    return std::string(v->as_string());
  };
  auto code = text_of("code", 100);
  if (!code || !valid_purpose(*code)) return benefit_error("code", "must be 1 to 100 of a-z, 0-9, '.', '-' and '_'");
  b.code = *code;
  auto administration = text_of("administration", 100);
  if (!administration) return benefit_error("administration", "must be the catalogue's code of the administration");
  b.administration = *administration;
  const json::value* names = o.if_contains("name");
  if (names == nullptr || !names->is_object() || names->as_object().empty()) {
    return benefit_error("name", "must be texts by language, such as {\"en\": \"Social energy tariff\"}");
  }
  for (const auto& [lang, name] : names->as_object()) {
    if (!name.is_string() || name.as_string().empty() || name.as_string().size() > 200) {
      return benefit_error("name." + std::string(lang), "must be a text of 1 to 200 characters");
    }
    b.names.emplace(std::string(lang), std::string(name.as_string()));
  }
  auto basis = text_of("legal_basis", 300);
  if (!basis || basis->size() < 3) return benefit_error("legal_basis", "must name the law (3 to 300 characters)");
  b.legal_basis = *basis;
  const json::value* sources = o.if_contains("sources");
  if (sources == nullptr || !sources->is_object() || sources->as_object().empty()) {
    return benefit_error("sources", "must name the attributes read from each node: {\"at\": [\"reference_income\"]}");
  }
  for (const auto& [node, attributes] : sources->as_object()) {
    if (!valid_node_id(node)) return benefit_error("sources." + std::string(node), "is not a node id");
    if (!attributes.is_array() || attributes.as_array().empty() || attributes.as_array().size() > 50) {
      return benefit_error("sources." + std::string(node), "must list 1 to 50 attributes");
    }
    auto& list = b.sources[std::string(node)];
    for (const json::value& a : attributes.as_array()) {
      if (!a.is_string() || a.as_string().empty() || a.as_string().size() > 64) {
        return benefit_error("sources." + std::string(node), "must list attributes by name");
      }
      list.emplace_back(a.as_string());
    }
  }
  auto rule = text_of("rule", 4000);
  if (!rule) return benefit_error("rule", "must be an expression over the attributes");
  auto compiled = Rule::compile(*rule);
  if (!compiled) {
    Error e = std::move(compiled).error();
    e.field = "rule";
    return e;
  }
  b.rule = *rule;
  return b;
}

Result<void> define_benefit(storage::Database& db, const Benefit& b, const std::string& actor, const Clock& clock) {
  json::object names;
  for (const auto& [lang, name] : b.names) names[lang] = name;
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing = c.query("SELECT 1 FROM exchange_benefits WHERE code = ?", {b.code});
    if (!existing) return std::move(existing).error();
    const storage::Params values{b.administration,
                                 json::serialize(names),
                                 b.legal_basis,
                                 json::serialize(sources_json(b)),
                                 b.rule,
                                 actor,
                                 to_unix_micros(clock.now()),
                                 b.code};
    auto written =
        existing->empty()
            ? c.execute(
                  "INSERT INTO exchange_benefits (administration, names, legal_basis, sources, rule, enabled, "
                  "defined_by, defined_at, code) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
                  values)
            : c.execute(
                  "UPDATE exchange_benefits SET administration = ?, names = ?, legal_basis = ?, sources = ?, rule = ?, "
                  "enabled = 0, defined_by = ?, defined_at = ?, dry_run = NULL, dry_run_requested_at = NULL WHERE "
                  "code = ?",
                  values);
    if (!written) return std::move(written).error();
    json::object details{{"rule", b.rule}, {"sources", sources_json(b)}, {"legal_basis", b.legal_basis}};
    auto audited = identity::record_audit(
        c, identity::AuditEvent{actor, "benefit.defined", "benefit:" + b.code, json::serialize(details)}, clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<std::optional<Benefit>> find_benefit(storage::Database& db, std::string_view code) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + std::string(kBenefitColumns) + " FROM exchange_benefits WHERE code = ?",
                   {std::string(code)});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Benefit>();
  return std::optional<Benefit>(benefit_of(rows->rows.front()));
}

Result<std::vector<Benefit>> list_benefits(storage::Database& db,
                                           const std::optional<std::set<std::string>>& administrations) {
  std::string sql = std::string("SELECT ") + std::string(kBenefitColumns) + " FROM exchange_benefits";
  storage::Params params;
  if (administrations) {
    if (administrations->empty()) return std::vector<Benefit>{};
    sql += " WHERE administration IN " + storage::in_list(administrations->size());
    for (const std::string& a : *administrations) params.emplace_back(a);
  }
  sql += " ORDER BY code";
  auto rows = db.read([&](storage::Connection& c) { return c.query(sql, params); });
  if (!rows) return std::move(rows).error();
  std::vector<Benefit> out;
  for (const storage::Row& row : rows->rows) out.push_back(benefit_of(row));
  return out;
}

Result<void> enable_benefit(storage::Database& db, std::string_view code, bool enabled, const std::string& actor,
                            const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto current = c.query("SELECT dry_run FROM exchange_benefits WHERE code = ?", {std::string(code)});
    if (!current) return std::move(current).error();
    if (current->empty()) return make_error(Errc::no_such_benefit, "no benefit " + std::string(code));
    if (enabled && current->rows[0].is_null(0)) {
      return make_error(Errc::dry_run_first, "run a dry run of this definition before enabling it");
    }
    auto changed = c.execute("UPDATE exchange_benefits SET enabled = ? WHERE code = ?",
                             {std::int64_t{enabled ? 1 : 0}, std::string(code)});
    if (!changed) return std::move(changed).error();
    auto audited = identity::record_audit(c,
                                          identity::AuditEvent{actor, enabled ? "benefit.enabled" : "benefit.disabled",
                                                               "benefit:" + std::string(code), "{}"},
                                          clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Verdict evaluate_person(Node& node, const Benefit& benefit, Rule& rule, std::int64_t user_id,
                        const std::string& person_id) {
  Verdict verdict;
  for (const auto& [provider, attributes] : benefit.sources) {
    ExchangeRequest request{
        provider,  provider, attributes, benefit.code, LegalBasis{LegalBasisKind::law, benefit.legal_basis},
        person_id, user_id};
    auto answer = node.fetch(request);
    if (!answer) {
      verdict.outcome = "unknown";
      verdict.why = std::string(answer.error().code.name());
      return verdict;
    }
    for (const auto& [name, value] : answer->values) verdict.values[name] = value;
    for (const auto& [name, type] : answer->types) verdict.types[name] = type;
  }
  auto granted = rule.evaluate(verdict.values);
  if (!granted) {
    verdict.outcome = "unknown";
    verdict.why = "rule_failed";
    return verdict;
  }
  verdict.outcome = *granted ? "granted" : "not_granted";
  return verdict;
}

Result<DryRun> dry_run(Node& node, storage::Database& db, const Benefit& benefit, std::int64_t limit) {
  auto rule = Rule::compile(benefit.rule);
  if (!rule) return std::move(rule).error();
  DryRun out;
  std::int64_t after = 0;
  while (out.people < limit) {
    auto people = db.read([&](storage::Connection& c) {
      return identity::people_with_national_id(c, after, std::min<std::int64_t>(500, limit - out.people));
    });
    if (!people) return std::move(people).error();
    if (people->empty()) break;
    for (const auto& [user_id, person_id] : *people) {
      Verdict v = evaluate_person(node, benefit, *rule, user_id, person_id);
      ++out.people;
      if (v.outcome == "granted") {
        ++out.granted;
      } else if (v.outcome == "not_granted") {
        ++out.not_granted;
      } else {
        ++out.unknown;
        ++out.unknown_reasons[v.why];
      }
      after = user_id;
    }
  }
  return out;
}

json::object dry_run_json(const DryRun& run) {
  json::object reasons;
  for (const auto& [why, count] : run.unknown_reasons) reasons[why] = count;
  return json::object{{"people", run.people},
                      {"granted", run.granted},
                      {"not_granted", run.not_granted},
                      {"unknown", run.unknown},
                      {"unknown_reasons", std::move(reasons)}};
}

Result<void> record_dry_run(storage::Database& db, const Benefit& ran_on, const DryRun& run, const std::string& by,
                            const Clock& clock) {
  json::object record = dry_run_json(run);
  record["at"] = to_unix_micros(clock.now());
  record["by"] = by;
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto kept = c.execute(
        "UPDATE exchange_benefits SET dry_run = ?, dry_run_requested_at = NULL WHERE code = ? AND defined_at = ?",
        {json::serialize(record), ran_on.code, to_unix_micros(ran_on.defined_at)});
    if (!kept) return std::move(kept).error();
    if (*kept == 0) return {};  // defined again meanwhile: this run says nothing of the new rule
    auto audited = identity::record_audit(
        c, identity::AuditEvent{by, "benefit.dry_run", "benefit:" + ran_on.code, json::serialize(dry_run_json(run))},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<void> request_dry_run(storage::Database& db, std::string_view code, std::int64_t limit, const std::string& actor,
                             const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto current = c.query("SELECT defined_at FROM exchange_benefits WHERE code = ?", {std::string(code)});
    if (!current) return std::move(current).error();
    if (current->empty()) return make_error(Errc::no_such_benefit, "no benefit " + std::string(code));
    const std::int64_t defined_at = current->rows[0].integer(0);
    auto marked = c.execute("UPDATE exchange_benefits SET dry_run_requested_at = ? WHERE code = ?",
                            {to_unix_micros(clock.now()), std::string(code)});
    if (!marked) return std::move(marked).error();
    json::object payload{{"code", std::string(code)}, {"limit", limit}, {"by", actor}, {"defined_at", defined_at}};
    jobs::NewJob job{std::string(kBenefitDryRunJobKind), json::serialize(payload)};
    job.max_attempts = 3;
    job.priority = jobs::JobPriority::background;
    auto queued = jobs::enqueue(c, job, clock);
    if (!queued) return std::move(queued).error();
    auto audited = identity::record_audit(
        c, identity::AuditEvent{actor, "benefit.dry_run_requested", "benefit:" + std::string(code), "{}"}, clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

void register_benefit_dry_runs(jobs::Worker& worker, Node& node, storage::Database& db, const Clock& clock) {
  worker.handle(std::string(kBenefitDryRunJobKind), [&node, &db, &clock](const jobs::Job& job) -> Result<void> {
    boost::system::error_code ec;
    const json::value payload = json::parse(job.payload, ec);
    if (ec || !payload.is_object()) return make_error(Errc::bad_benefit, "the dry run's payload is not an object");
    const json::object& p = payload.as_object();
    const json::value* code = p.if_contains("code");
    const json::value* by = p.if_contains("by");
    if (code == nullptr || !code->is_string() || by == nullptr || !by->is_string()) {
      return make_error(Errc::bad_benefit, "the dry run's payload names no benefit");
    }
    auto benefit = find_benefit(db, code->as_string());
    if (!benefit) return std::move(benefit).error();
    // Gone, or defined again since it was asked: the new definition needs its own dry run.
    if (!*benefit || to_unix_micros((*benefit)->defined_at) != count_of(p, "defined_at")) return {};
    const std::int64_t limit = std::clamp<std::int64_t>(count_of(p, "limit"), 1, 10'000'000);
    auto run = dry_run(node, db, **benefit, limit);
    if (!run) return std::move(run).error();
    return record_dry_run(db, **benefit, *run, std::string(by->as_string()), clock);
  });
}

Result<GrantRun> grant_benefits(Node& node, storage::Database& db, const Clock& clock, const BenefitNotice& notice,
                                std::int64_t batch) {
  GrantRun run;
  auto codes = db.read([](storage::Connection& c) {
    return c.query("SELECT code FROM exchange_benefits WHERE enabled = 1 ORDER BY code");
  });
  if (!codes) return std::move(codes).error();
  const std::int64_t retry_before = to_unix_micros(clock.now() - std::chrono::days(7));
  for (const storage::Row& code_row : codes->rows) {
    auto benefit = find_benefit(db, code_row.text(0));
    if (!benefit) return std::move(benefit).error();
    if (!*benefit) continue;
    auto rule = Rule::compile((*benefit)->rule);
    if (!rule) return std::move(rule).error();
    std::int64_t after = 0;
    while (run.evaluated < batch) {
      // People in scope, then those this benefit has already decided for (an unknown verdict
      // older than a week is asked again).
      struct Page {
        std::vector<std::pair<std::int64_t, std::string>> people;
        std::set<std::int64_t> decided;
      };
      auto page = db.read([&](storage::Connection& c) -> Result<Page> {
        Page p;
        auto people = identity::people_with_national_id(c, after, 500);
        if (!people) return std::move(people).error();
        p.people = std::move(people).value();
        if (p.people.empty()) return p;
        storage::Params params{(*benefit)->code, retry_before};
        for (const auto& [id, person] : p.people) params.emplace_back(id);
        auto rows = c.query(
            "SELECT user_id FROM exchange_benefit_grants WHERE benefit = ? AND (status <> 'unknown' OR decided_at >= "
            "?) "
            "AND user_id IN " +
                storage::in_list(p.people.size()),
            params);
        if (!rows) return std::move(rows).error();
        for (const storage::Row& row : rows->rows) p.decided.insert(row.integer(0));
        return p;
      });
      if (!page) return std::move(page).error();
      if (page->people.empty()) break;
      for (const auto& person : page->people) {
        // Named copies: the transaction's lambda below cannot capture structured bindings (clang 14).
        const std::int64_t user_id = person.first;
        const std::string& person_id = person.second;
        after = user_id;
        if (page->decided.contains(user_id)) continue;
        if (run.evaluated >= batch) {
          run.more = true;
          break;
        }
        Verdict v = evaluate_person(node, **benefit, *rule, user_id, person_id);
        ++run.evaluated;
        const std::string reasons = json::serialize(json::object{{"values", v.values}, {"types", v.types}});
        auto written = db.transaction([&](storage::Connection& c) -> Result<void> {
          auto upserted = c.execute(
              "INSERT INTO exchange_benefit_grants (benefit, user_id, person_id, status, reasons, why, decided_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (benefit, user_id) DO UPDATE SET status = excluded.status, "
              "reasons = excluded.reasons, why = excluded.why, decided_at = excluded.decided_at",
              {(*benefit)->code, user_id, person_id, v.outcome, reasons, v.why, to_unix_micros(clock.now())});
          if (!upserted) return std::move(upserted).error();
          if (v.outcome != "granted") return {};
          auto audited = identity::record_audit(
              c, identity::AuditEvent{"system", "benefit.granted", "user:" + std::to_string(user_id), reasons}, clock);
          if (!audited) return std::move(audited).error();
          auto email = identity::email_of(c, user_id);
          if (!email) return std::move(email).error();
          auto language = identity::language_of(c, user_id);
          if (!language) return std::move(language).error();
          if (*email && notice) {
            auto queued = jobs::enqueue_email(c, notice(**email, language->value_or(""), **benefit), clock);
            if (!queued) return std::move(queued).error();
          }
          return {};
        });
        if (!written) return std::move(written).error();
        if (v.outcome == "granted") {
          ++run.granted;
        } else if (v.outcome == "not_granted") {
          ++run.not_granted;
        } else {
          ++run.unknown;
        }
      }
      if (run.more) break;
    }
    if (run.more) break;
  }
  return run;
}

BenefitNotice benefit_notice(const http::Catalog& catalog, std::string public_url) {
  return [&catalog, url = std::move(public_url) + "/account/benefits"](
             const std::string& email, const std::string& language, const Benefit& benefit) {
    const std::string lang = catalog.supports(language) ? language : catalog.default_language();
    auto name = benefit.names.find(lang);
    const std::string named = name != benefit.names.end() ? name->second : benefit.names.begin()->second;
    return jobs::EmailMessage{
        email,
        http::fill_text(catalog.text(lang, "benefits_email_subject"), {{"benefit", named}}),
        http::fill_text(catalog.text(lang, "benefits_email_text"), {{"benefit", named}, {"url", url}}),
        {}};
  };
}

void register_benefit_grants(jobs::Worker& worker, Node& node, storage::Database& db, const Clock& clock,
                             BenefitNotice notice) {
  worker.handle(std::string(kGrantBenefitsJobKind),
                [&node, &db, &clock, notice = std::move(notice)](const jobs::Job&) -> Result<void> {
                  auto run = grant_benefits(node, db, clock, notice);
                  if (!run) return std::move(run).error();
                  if (run->evaluated > 0) {
                    log_event(LogLevel::info, "benefits_evaluated",
                              {{"evaluated", run->evaluated},
                               {"granted", run->granted},
                               {"not_granted", run->not_granted},
                               {"unknown", run->unknown}});
                  }
                  if (run->more) {
                    // People remain: the next batch at once (a job for the next minute, kept once).
                    return db.transaction([&](storage::Connection& c) -> Result<void> {
                      auto queued =
                          jobs::enqueue(c,
                                        jobs::NewJob{std::string(kGrantBenefitsJobKind), "{}",
                                                     clock.now() + std::chrono::minutes(1), 3,
                                                     std::string(kGrantBenefitsJobKind) + ".more." +
                                                         std::to_string(to_unix_micros(clock.now()) / 60000000),
                                                     jobs::JobPriority::background},
                                        clock);
                      if (!queued) return std::move(queued).error();
                      return {};
                    });
                  }
                  return jobs::schedule_next_hour(db, kGrantBenefitsJobKind, clock);
                });
  if (auto scheduled = jobs::schedule_next_hour(db, kGrantBenefitsJobKind, clock); !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", std::string(kGrantBenefitsJobKind)}, {"error", scheduled.error().message}});
  }
}

Result<std::vector<BenefitGrant>> grants_of(storage::Database& db, std::int64_t user_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(
        "SELECT g.benefit, b.names, g.status, g.reasons, g.decided_at, g.declined_at FROM exchange_benefit_grants g "
        "JOIN exchange_benefits b ON b.code = g.benefit WHERE g.user_id = ? AND g.status IN ('granted', 'declined') "
        "ORDER BY g.decided_at DESC",
        {user_id});
  });
  if (!rows) return std::move(rows).error();
  std::vector<BenefitGrant> out;
  for (const storage::Row& row : rows->rows) {
    BenefitGrant g;
    g.benefit = row.text(0);
    const json::value names = json::parse(row.text(1));
    for (const auto& [lang, name] : names.as_object())
      g.names.emplace(std::string(lang), std::string(name.as_string()));
    g.status = row.text(2);
    const json::value reasons = json::parse(row.text(3));
    if (const json::value* v = reasons.as_object().if_contains("values"); v && v->is_object())
      g.values = v->as_object();
    if (const json::value* t = reasons.as_object().if_contains("types"); t && t->is_object()) g.types = t->as_object();
    g.decided_at = from_unix_micros(row.integer(4));
    if (!row.is_null(5)) g.declined_at = from_unix_micros(row.integer(5));
    out.push_back(std::move(g));
  }
  return out;
}

Result<void> decline_benefit(storage::Database& db, std::int64_t user_id, std::string_view code, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto changed = c.execute(
        "UPDATE exchange_benefit_grants SET status = 'declined', declined_at = ? WHERE benefit = ? AND user_id = ? AND "
        "status = 'granted'",
        {to_unix_micros(clock.now()), std::string(code), user_id});
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return make_error(Errc::no_such_benefit, "no benefit granted to you by that name");
    auto audited = identity::record_audit(c,
                                          identity::AuditEvent{"user:" + std::to_string(user_id), "benefit.declined",
                                                               "benefit:" + std::string(code), "{}"},
                                          clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

}  // namespace guichet::exchange
