#include "guichet/exchange/benefits.hpp"

#include <boost/json.hpp>

#include "guichet/core/utf8.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/users.hpp"

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
                  "enabled = 0, defined_by = ?, defined_at = ? WHERE code = ?",
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
    return c.query(
        "SELECT code, administration, names, legal_basis, sources, rule, enabled FROM exchange_benefits WHERE code = ?",
        {std::string(code)});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Benefit>();
  const storage::Row& row = rows->rows.front();
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
  return std::optional<Benefit>(std::move(b));
}

Result<void> enable_benefit(storage::Database& db, std::string_view code, bool enabled, const std::string& actor,
                            const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto changed = c.execute("UPDATE exchange_benefits SET enabled = ? WHERE code = ?",
                             {std::int64_t{enabled ? 1 : 0}, std::string(code)});
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return make_error(Errc::no_such_benefit, "no benefit " + std::string(code));
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

}  // namespace guichet::exchange
