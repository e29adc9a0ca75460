// The administrators' side of benefits granted from shared data, /admin/benefits: each benefit
// of their administrations with what it reads, its rule, whether it is enabled and its last dry
// run; a dry run queued for the job (it asks the registries about everyone in scope, which takes
// its time); enabling once a dry run of the current definition has been read; a new definition
// (or a new version of one) pasted as JSON, every problem shown next to the field.
#include <map>
#include <optional>
#include <set>
#include <variant>

#include <boost/json.hpp>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/exchange/benefits.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/http/application.hpp"
#include "guichet/identity/staff.hpp"
#include "guichet/identity/users.hpp"
#include "web_support.hpp"

namespace guichet::exchange {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kPath = "/admin/benefits";
// A dry run from the page covers everyone in scope up to this many people.
constexpr std::int64_t kDryRunLimit = 10'000'000;

// The administrations the reader administers; nullopt for a platform administrator (all).
std::optional<std::set<std::string>> administered(const std::vector<identity::RoleGrant>& roles) {
  std::set<std::string> codes;
  for (const identity::RoleGrant& g : roles) {
    if (g.role == identity::Role::platform_admin) return std::nullopt;
    if (g.role == identity::Role::administration_admin) codes.insert(g.administration);
  }
  return codes;
}

bool reaches(const std::optional<std::set<std::string>>& scope, const std::string& administration) {
  return !scope || scope->contains(administration);
}

std::string actor_of(const Request& request) { return "user:" + std::to_string(request.principal->user_id); }

// The account id of an audit actor "user:7", or nothing for "cli" and the like.
std::optional<std::int64_t> account_of(const std::string& actor) {
  if (!actor.starts_with("user:")) return std::nullopt;
  const std::string digits = actor.substr(5);
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

// Who ran a dry run, as a reader knows them: an address for an account, else the actor's name.
std::string who(const std::map<std::int64_t, std::string>& emails, const std::string& actor) {
  if (auto id = account_of(actor)) {
    if (auto it = emails.find(*id); it != emails.end()) return it->second;
  }
  return actor;
}

struct DefineForm {
  std::string text;
  std::string error;  // in the reader's language, next to the field
};

Response benefits_admin_page(const ExchangeWebContext& ctx, const Request& request,
                             const std::optional<std::set<std::string>>& scope, const DefineForm& form, int status) {
  const std::string& lang = request.lang;
  auto benefits = list_benefits(ctx.db, scope);
  if (!benefits) return ctx.pages->render_error(request, benefits.error());
  // The names a page shows: administrations, registries, and who ran the dry runs.
  std::map<std::string, std::string> administrations;
  std::map<std::string, std::string> nodes;
  std::map<std::int64_t, std::string> emails;
  auto names = ctx.db.read([&](storage::Connection& c) -> Result<void> {
    std::set<std::int64_t> ids;
    for (const Benefit& b : *benefits) {
      auto name = catalogue::administration_name(c, b.administration, lang);
      if (!name) return std::move(name).error();
      administrations[b.administration] = name->value_or(b.administration);
      if (b.last_dry_run) {
        if (auto id = account_of(b.last_dry_run->by)) ids.insert(*id);
      }
    }
    auto peers = c.query("SELECT node_id, name FROM exchange_peers");
    if (!peers) return std::move(peers).error();
    for (const storage::Row& row : peers->rows) nodes[row.text(0)] = row.text(1);
    auto addresses = identity::emails_of(c, ids);
    if (!addresses) return std::move(addresses).error();
    emails = std::move(addresses).value();
    return {};
  });
  if (!names) return ctx.pages->render_error(request, names.error());

  PageData items{PageData::type::list};
  for (const Benefit& b : *benefits) {
    PageData item;
    item.set("code", b.code);
    item.set("name", benefit_name(b.names, lang, b.code));
    item.set("administration", administrations[b.administration]);
    item.set("legal_basis", b.legal_basis);
    PageData sources{PageData::type::list};
    for (const auto& [node, attributes] : b.sources) {
      auto named = nodes.find(node);
      sources.push_back(
          PageData((named == nodes.end() ? node : named->second) + ": " + joined_labels(ctx, lang, attributes)));
    }
    item.set("sources", sources);
    item.set("rule", b.rule);
    item.set(b.enabled ? "enabled" : "disabled", true);
    if (b.dry_run_requested_at) {
      item.set("dry_run_pending",
               http::fill_text(ctx.catalog->text(lang, "admin_benefits_dry_run_pending"),
                               {{"when", spoken_instant(lang, ctx.time_zone, *b.dry_run_requested_at)}}));
    }
    if (b.last_dry_run) {
      const DryRun& counts = b.last_dry_run->counts;
      item.set("dry_run", http::fill_text(ctx.catalog->text(lang, "admin_benefits_dry_run_result"),
                                          {{"when", spoken_instant(lang, ctx.time_zone, b.last_dry_run->at)},
                                           {"who", who(emails, b.last_dry_run->by)},
                                           {"people", std::to_string(counts.people)},
                                           {"granted", std::to_string(counts.granted)},
                                           {"not_granted", std::to_string(counts.not_granted)},
                                           {"unknown", std::to_string(counts.unknown)}}));
      PageData reasons{PageData::type::list};
      for (const auto& [why, count] : counts.unknown_reasons) {
        reasons.push_back(PageData(why + ": " + std::to_string(count)));
      }
      if (!counts.unknown_reasons.empty()) {
        item.set("unknown_reasons", reasons);
        item.set("has_unknown_reasons", true);
      }
      if (!b.enabled) item.set("may_enable", true);
    }
    items.push_back(item);
  }
  PageData data;
  if (!benefits->empty()) data.set("benefits", items);
  data.set("definition", form.text);
  if (!form.error.empty()) data.set("error", form.error);
  if (auto done = request.query.get("done")) {
    const std::string key = "admin_benefits_done_" + std::string(*done);
    const std::string& text = ctx.catalog->text(lang, key);
    if (text != key) data.set("notice", text);
  }
  Response response = ctx.pages->render(request, "admin_benefits", "admin_benefits_title", data, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

using Staff = std::variant<std::optional<std::set<std::string>>, Response>;

Staff staff_of(const ExchangeWebContext& ctx, const Request& request) {
  auto staff =
      identity::require_staff(ctx.db, *ctx.pages, request, kPath, audits_exchanges, "this page is for administrators");
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return administered(std::get<std::vector<identity::RoleGrant>>(staff));
}

Response benefits_admin_get(const ExchangeWebContext& ctx, Request& request) {
  auto staff = staff_of(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return benefits_admin_page(ctx, request, std::get<0>(staff), DefineForm{}, 200);
}

// The benefit a button acts on, when the reader administers it; else the response to give.
std::variant<Benefit, Response> reached_benefit(const ExchangeWebContext& ctx, const Request& request,
                                                const std::optional<std::set<std::string>>& scope) {
  const std::string code(request.path_params.get("code").value_or(""));
  auto benefit = find_benefit(ctx.db, code);
  if (!benefit) return ctx.pages->render_error(request, benefit.error());
  // Another administration's benefit is as unknown as one that does not exist.
  if (!*benefit || !reaches(scope, (*benefit)->administration)) {
    return ctx.pages->render_error(request, make_error(Errc::no_such_benefit, "no benefit " + code));
  }
  return std::move(**benefit);
}

Response benefit_act(const ExchangeWebContext& ctx, Request& request, std::string_view act) {
  auto staff = staff_of(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& scope = std::get<0>(staff);
  auto benefit = reached_benefit(ctx, request, scope);
  if (auto* refused = std::get_if<Response>(&benefit)) return std::move(*refused);
  const Benefit& b = std::get<Benefit>(benefit);
  Result<void> done;
  if (act == "dry-run") {
    done = request_dry_run(ctx.db, b.code, kDryRunLimit, actor_of(request), *ctx.clock);
  } else {
    done = enable_benefit(ctx.db, b.code, act == "enable", actor_of(request), *ctx.clock);
  }
  if (!done) {
    if (done.error().code == Errc::dry_run_first) {
      return benefits_admin_page(ctx, request, scope,
                                 DefineForm{"", ctx.catalog->text(request.lang, "admin_benefits_dry_run_first")}, 409);
    }
    return ctx.pages->render_error(request, done.error());
  }
  std::string target = std::string(kPath) + "?done=";
  target += act == "dry-run" ? "dry_run" : act == "enable" ? "enabled" : "disabled";
  return Response::redirect(target + "#benefit-" + b.code, 303);
}

Response benefits_admin_define(const ExchangeWebContext& ctx, Request& request) {
  auto staff = staff_of(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& scope = std::get<0>(staff);
  const std::string& lang = request.lang;
  DefineForm form{std::string(request.form.get("definition").value_or("")), ""};
  auto problem = [&](const std::string& field, const std::string& detail) {
    form.error =
        http::fill_text(ctx.catalog->text(lang, "admin_benefits_problem"), {{"field", field}, {"detail", detail}});
    return benefits_admin_page(ctx, request, scope, form, 400);
  };
  if (form.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    form.error = ctx.catalog->text(lang, "admin_benefits_definition_missing");
    return benefits_admin_page(ctx, request, scope, form, 400);
  }
  auto parsed = parse_benefit(form.text);
  if (!parsed) return problem(parsed.error().field.empty() ? "benefit" : parsed.error().field, parsed.error().message);
  if (!reaches(scope, parsed->administration)) {
    return problem("administration", ctx.catalog->text(lang, "admin_benefits_not_yours"));
  }
  auto known =
      ctx.db.read([&](storage::Connection& c) { return catalogue::administration_exists(c, parsed->administration); });
  if (!known) return ctx.pages->render_error(request, known.error());
  if (!*known) return problem("administration", ctx.catalog->text(lang, "admin_benefits_unknown_administration"));
  // A new version of another administration's benefit would take it over.
  auto existing = find_benefit(ctx.db, parsed->code);
  if (!existing) return ctx.pages->render_error(request, existing.error());
  if (*existing && (*existing)->administration != parsed->administration) {
    return problem("code", ctx.catalog->text(lang, "admin_benefits_code_taken"));
  }
  if (auto defined = define_benefit(ctx.db, *parsed, actor_of(request), *ctx.clock); !defined) {
    return ctx.pages->render_error(request, defined.error());
  }
  return Response::redirect(std::string(kPath) + "?done=defined#benefit-" + parsed->code, 303);
}

}  // namespace

void register_benefit_admin_routes(http::Router& router, const ExchangeWebContext& context) {
  const ExchangeWebContext* ctx = &context;
  router.get(std::string(kPath), [ctx](Request& request) { return benefits_admin_get(*ctx, request); });
  router.post(std::string(kPath), [ctx](Request& request) { return benefits_admin_define(*ctx, request); });
  for (const char* act : {"dry-run", "enable", "disable"}) {
    router.post(std::string(kPath) + "/{code}/" + act,
                [ctx, act](Request& request) { return benefit_act(*ctx, request, act); });
  }
}

}  // namespace guichet::exchange
