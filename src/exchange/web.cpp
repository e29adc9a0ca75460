// The exchange module's routes: a node's endpoints (query, keys, journal head) and the person's
// own journal (/account/data, its CSV and JSON exports, and the API).
#include "guichet/exchange/web.hpp"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/exchange/benefits.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/exchange/reports.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/staff.hpp"
#include "guichet/identity/users.hpp"
#include "web_support.hpp"

namespace guichet::exchange {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

Response jose(std::string body, int status) {
  Response response = Response::text(std::move(body), status);
  response.headers.set("Content-Type", "application/jose");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response not_exchanging(const Request& request) {
  return http::json_error(request,
                          make_error(Errc::no_signing_key, "this node does not exchange data (no secrets key is set)"));
}

// The 415 for a node-to-node body that is not a compact JWS (`what` names it), or nothing.
std::optional<Response> not_jose(const Request& request, const char* what) {
  const std::string type(request.header("Content-Type").value_or(""));
  if (type.starts_with("application/jose")) return std::nullopt;
  Error error = make_error(Errc::bad_request, std::string(what) + " is a compact JWS sent as application/jose");
  error.kind = ErrorKind::unsupported_media_type;
  return http::json_error(request, error);
}

Response answer_response(ProviderAnswer answer) {
  if (!answer.signed_body) {
    Response response = Response::json(std::move(answer.body), answer.status);
    if (answer.status == 503 || answer.status == 429) {
      response.headers.set("Retry-After", std::string(http::kRetryAfterSeconds));
    }
    return response;
  }
  return jose(std::move(answer.body), answer.status);
}

Response query_post(const ExchangeWebContext& ctx, Request& request) {
  if (ctx.node == nullptr) return not_exchanging(request);
  if (auto refused = not_jose(request, "the request body")) return std::move(*refused);
  // The answer leaves once its journal line is committed, in a commit shared with the requests
  // answered at the same moment; this worker goes on to the next request meanwhile instead of
  // sleeping (docs/PERFORMANCE.md, the ninth pass).
  auto later = std::make_shared<http::LaterResponse>();
  ctx.node->answer_detached(request.body,
                            [later](ProviderAnswer answer) { later->settle(answer_response(std::move(answer))); });
  Response response;
  response.later = later;
  return response;
}

// A registry's report of accesses made at it by others (reports.hpp): kept for the people's pages.
Response accesses_post(const ExchangeWebContext& ctx, Request& request) {
  if (ctx.node == nullptr) return not_exchanging(request);
  if (auto refused = not_jose(request, "the report")) return std::move(*refused);
  auto kept = receive_access_report(*ctx.node, ctx.db, request.body, *ctx.clock);
  if (!kept) return http::json_error(request, kept.error());
  Response response = Response::json(json::serialize(json::object{{"kept", *kept}}));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response keys_get(const ExchangeWebContext& ctx, Request& request) {
  if (ctx.node == nullptr) return not_exchanging(request);
  const std::string signer(request.query.get("signed_by").value_or(""));
  if (signer.size() > 64) return http::json_error(request, make_error(Errc::bad_request, "signed_by is a key id"));
  auto set = ctx.node->keys().signed_key_set(signer);
  if (!set) return http::json_error(request, set.error());
  Response response = jose(std::move(set).value(), 200);
  response.headers.set("Cache-Control", "max-age=60");
  return response;
}

Response journal_head_get(const ExchangeWebContext& ctx, Request& request) {
  if (ctx.node == nullptr) return not_exchanging(request);
  auto head = ctx.node->signed_journal_head();
  if (!head) return http::json_error(request, head.error());
  return jose(std::move(head).value(), 200);
}

// --- The person's journal --------------------------------------------------------------------

// A person's accesses come from two places: this node's journal (the exchanges made through the
// portal) and the accesses registries reported (other administrations' systems asking them
// directly). The list merges both newest first; a page's cursor holds where each source stopped:
// "<journal seq>_<reported at>_<reported id>", 0 for a source not read yet.
struct Cursor {
  std::int64_t journal_seq = 0;
  std::optional<ReportPosition> reported;
  std::string text() const {
    return std::to_string(journal_seq) + "_" + std::to_string(reported ? reported->at : 0) + "_" +
           std::to_string(reported ? reported->id : 0);
  }
};

std::optional<Cursor> cursor_of(std::string_view text) {
  Cursor c;
  if (text.empty()) return c;
  std::int64_t parts[3] = {0, 0, 0};
  std::size_t part = 0;
  std::size_t digits = 0;
  for (char ch : text) {
    if (ch == '_') {
      if (digits == 0 || ++part > 2) return std::nullopt;
      digits = 0;
    } else if (ch >= '0' && ch <= '9' && digits < 18) {
      parts[part] = parts[part] * 10 + (ch - '0');
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (part != 2 || digits == 0) return std::nullopt;
  c.journal_seq = parts[0];
  if (parts[1] > 0 || parts[2] > 0) c.reported = ReportPosition{parts[1], parts[2]};
  return c;
}

struct Access {
  JournalEntry entry;
  std::string id;             // "j<seq>" in this node's journal, "r<id>" reported by a registry
  std::string consumer_name;  // as the registry named it (reported only)
  bool reported = false;
};

struct Accesses {
  std::vector<Access> entries;
  std::map<std::string, std::string> node_names;     // node id -> name, from the node registry
  std::map<std::string, std::string> purpose_names;  // service code -> its name in the language
  bool has_more = false;
  Cursor next;
};

Result<Accesses> accesses_of(const ExchangeWebContext& ctx, std::int64_t user_id, std::string_view lang,
                             const Cursor& from, std::int64_t limit) {
  auto person = ctx.db.read([&](storage::Connection& c) { return identity::person_attributes(c, user_id); });
  if (!person) return std::move(person).error();
  const std::optional<std::string> national_id = *person ? (*person)->national_id : std::nullopt;
  JournalQuery query;
  query.user_id = user_id;
  if (national_id) query.person_id = national_id;
  query.before_seq = from.journal_seq;
  query.limit = limit + 1;
  auto journaled = read_journal(ctx.db, query);
  if (!journaled) return std::move(journaled).error();
  std::vector<ReportedAccess> reported;
  if (national_id) {
    auto told = reported_accesses(ctx.db, *national_id, from.reported, limit + 1);
    if (!told) return std::move(told).error();
    reported = std::move(told).value();
  }
  Accesses out;
  out.next = from;
  std::size_t j = 0;
  std::size_t r = 0;
  while (static_cast<std::int64_t>(out.entries.size()) < limit && (j < journaled->size() || r < reported.size())) {
    const bool take_journal =
        r == reported.size() || (j < journaled->size() && (*journaled)[j].at >= reported[r].entry.at);
    if (take_journal) {
      JournalEntry& e = (*journaled)[j++];
      out.next.journal_seq = e.seq;
      out.entries.push_back(Access{std::move(e), "j" + std::to_string(out.next.journal_seq), "", false});
    } else {
      ReportedAccess& a = reported[r++];
      out.next.reported = ReportPosition{to_unix_micros(a.entry.at), a.id};
      out.entries.push_back(Access{std::move(a.entry), "r" + std::to_string(a.id), std::move(a.consumer_name), true});
    }
  }
  out.has_more = j < journaled->size() || r < reported.size();
  std::set<std::string> purposes;
  for (const Access& a : out.entries) purposes.insert(a.entry.purpose);
  auto names = ctx.db.read([&](storage::Connection& c) -> Result<void> {
    auto peers = c.query("SELECT node_id, name FROM exchange_peers");
    if (!peers) return std::move(peers).error();
    for (const storage::Row& row : peers->rows) out.node_names[row.text(0)] = row.text(1);
    std::set<std::int64_t> ids;
    std::map<std::int64_t, std::string> codes;
    for (const std::string& p : purposes) {
      auto id = catalogue::service_id_of(c, p);
      if (!id) return std::move(id).error();
      if (*id) {
        ids.insert(**id);
        codes[**id] = p;
      }
    }
    auto records = catalogue::service_records(c, ids, lang);
    if (!records) return std::move(records).error();
    for (const auto& [id, record] : *records) {
      if (!record.name.empty()) out.purpose_names[codes[id]] = record.name;
    }
    return {};
  });
  if (!names) return std::move(names).error();
  return out;
}

std::string node_name(const Accesses& a, const std::string& node, const ExchangeWebContext& ctx) {
  if (ctx.node != nullptr && node == ctx.node->id()) return "Guichet";
  auto it = a.node_names.find(node);
  return it == a.node_names.end() ? node : it->second;
}

// Who asked: a node this one knows by its registry name, else the name the reporting registry gave.
std::string consumer_name(const Accesses& a, const Access& access, const ExchangeWebContext& ctx) {
  if (access.reported && !a.node_names.contains(access.entry.consumer) &&
      (ctx.node == nullptr || access.entry.consumer != ctx.node->id())) {
    return access.consumer_name;
  }
  return node_name(a, access.entry.consumer, ctx);
}

std::optional<Cursor> before_of(const Request& request) { return cursor_of(request.query.get("before").value_or("")); }

// The auditors' pages go through the journal alone: by entry number.
std::optional<std::int64_t> before_seq_of(const Request& request) {
  const std::string_view text = request.query.get("before").value_or("");
  if (text.empty()) return std::int64_t{0};
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::stoll(std::string(text));
}

Response data_page(const ExchangeWebContext& ctx, Request& request) {
  if (!request.principal) {
    return Response::redirect("/account/sign-in?return=" + http::url_encode("/account/data"), 303);
  }
  const std::string& lang = request.lang;
  auto before = before_of(request);
  if (!before) {
    return ctx.pages->render_error(request, make_error(Errc::bad_journal_query, "before is a page's position"));
  }
  auto accesses = accesses_of(ctx, request.principal->user_id, lang, *before, 50);
  if (!accesses) return ctx.pages->render_error(request, accesses.error());
  PageData items{PageData::type::list};
  for (const Access& access : accesses->entries) {
    const JournalEntry& e = access.entry;
    PageData item;
    item.set("when", spoken_instant(lang, ctx.time_zone, e.at));
    item.set("when_iso", format_rfc3339(e.at));
    item.set("provider", node_name(*accesses, e.provider, ctx));
    item.set("consumer", consumer_name(*accesses, access, ctx));
    if (access.reported) item.set("direct", true);
    auto purpose = accesses->purpose_names.find(e.purpose);
    item.set("purpose", purpose == accesses->purpose_names.end() ? e.purpose : purpose->second);
    item.set("attributes", joined_labels(ctx, lang, e.attributes));
    if (!e.released.empty()) item.set("released", joined_labels(ctx, lang, e.released));
    item.set("legal_basis",
             http::fill_text(
                 ctx.catalog->text(lang, "data_access_basis_line"),
                 {{"kind", ctx.catalog->text(lang, "data_access_basis_" + std::string(to_string(e.legal_basis.kind)))},
                  {"reference", e.legal_basis.reference}}));
    item.set("outcome", ctx.catalog->text(lang, "data_access_outcome_" + e.outcome));
    item.set("outcome_" + e.outcome, true);
    items.push_back(item);
  }
  PageData data;
  if (!accesses->entries.empty()) {
    data.set("entries", items);
    data.set("has_entries", true);
  }
  if (accesses->has_more) data.set("older", "/account/data?before=" + accesses->next.text());
  Response response = ctx.pages->render(request, "data_access", "data_access_title", data);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

json::object entry_json(const ExchangeWebContext& ctx, const Accesses& a, const Access& access) {
  const JournalEntry& e = access.entry;
  json::array attributes;
  for (const std::string& n : e.attributes) attributes.emplace_back(n);
  json::array released;
  for (const std::string& n : e.released) released.emplace_back(n);
  json::object out{{"id", access.id},
                   {"at", format_rfc3339(e.at)},
                   {"provider", e.provider},
                   {"provider_name", node_name(a, e.provider, ctx)},
                   {"consumer", e.consumer},
                   {"consumer_name", consumer_name(a, access, ctx)},
                   {"through_guichet", !access.reported},
                   {"purpose", e.purpose},
                   {"legal_basis", json::object{{"kind", std::string(to_string(e.legal_basis.kind))},
                                                {"reference", e.legal_basis.reference}}},
                   {"attributes", attributes},
                   {"released", released},
                   {"outcome", e.outcome}};
  if (auto it = a.purpose_names.find(e.purpose); it != a.purpose_names.end()) out["purpose_name"] = it->second;
  if (!e.reason.empty()) out["reason"] = e.reason;
  return out;
}

// A CSV cell: quoted when it must be, and a leading = + - @ defused so a spreadsheet shows text.
std::string csv_cell(std::string text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@')) text = "'" + text;
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Every entry, newest first, read 500 at a time (at most 100,000).
Result<Accesses> all_accesses(const ExchangeWebContext& ctx, std::int64_t user_id, std::string_view lang) {
  Accesses all;
  Cursor before;
  for (int page = 0; page < 200; ++page) {
    auto part = accesses_of(ctx, user_id, lang, before, 500);
    if (!part) return std::move(part).error();
    all.node_names = part->node_names;
    all.purpose_names.insert(part->purpose_names.begin(), part->purpose_names.end());
    for (Access& e : part->entries) all.entries.push_back(std::move(e));
    if (!part->has_more || all.entries.empty()) break;
    before = part->next;
  }
  return all;
}

Response data_export(const ExchangeWebContext& ctx, Request& request, bool csv) {
  if (!request.principal) {
    return Response::redirect("/account/sign-in?return=" + http::url_encode("/account/data"), 303);
  }
  auto all = all_accesses(ctx, request.principal->user_id, request.lang);
  if (!all) return ctx.pages->render_error(request, all.error());
  Response response;
  if (csv) {
    std::string out = "at,provider,consumer,purpose,legal_basis_kind,legal_basis,attributes,released,outcome\r\n";
    for (const Access& access : all->entries) {
      const JournalEntry& e = access.entry;
      auto purpose = all->purpose_names.find(e.purpose);
      std::string attributes, released;
      for (const std::string& n : e.attributes) attributes += (attributes.empty() ? "" : ";") + n;
      for (const std::string& n : e.released) released += (released.empty() ? "" : ";") + n;
      for (const std::string& cell :
           {format_rfc3339(e.at), node_name(*all, e.provider, ctx), consumer_name(*all, access, ctx),
            purpose == all->purpose_names.end() ? e.purpose : purpose->second,
            std::string(to_string(e.legal_basis.kind)), e.legal_basis.reference, attributes, released, e.outcome}) {
        out += csv_cell(cell);
        out += ',';
      }
      out.back() = '\r';
      out += '\n';
    }
    response = Response::text(std::move(out));
    response.headers.set("Content-Type", "text/csv; charset=utf-8");
    response.headers.set("Content-Disposition", "attachment; filename=\"data-access.csv\"");
  } else {
    json::array entries;
    for (const Access& e : all->entries) entries.push_back(entry_json(ctx, *all, e));
    response = Response::json(json::serialize(json::object{{"accesses", entries}}));
    response.headers.set("Content-Disposition", "attachment; filename=\"data-access.json\"");
  }
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response data_access_api(const ExchangeWebContext& ctx, Request& request) {
  auto grant = ctx.bearer(request, "account");
  if (auto* refused = std::get_if<Response>(&grant)) return std::move(*refused);
  const std::int64_t user_id = std::get<std::int64_t>(grant);
  auto before = before_of(request);
  if (!before) {
    Error error = make_error(Errc::bad_journal_query, "before is the position a previous page's next gave");
    error.field = "before";
    return http::json_error(request, error);
  }
  std::int64_t limit = 100;
  if (auto text = request.query.get("limit")) {
    if (text->empty() || text->size() > 4 || text->find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoll(std::string(*text)) < 1 || std::stoll(std::string(*text)) > 500) {
      Error error = make_error(Errc::bad_journal_query, "limit is 1 to 500");
      error.field = "limit";
      return http::json_error(request, error);
    }
    limit = std::stoll(std::string(*text));
  }
  auto accesses = accesses_of(ctx, user_id, request.lang, *before, limit);
  if (!accesses) return http::json_error(request, accesses.error());
  json::array entries;
  for (const Access& e : accesses->entries) entries.push_back(entry_json(ctx, *accesses, e));
  json::object body{{"accesses", entries}};
  if (accesses->has_more) body["next"] = "/api/v1/account/data-access?before=" + accesses->next.text();
  Response response = Response::json(json::serialize(body));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// --- The auditors' view -----------------------------------------------------------------------

std::optional<std::string> filter_of(const Request& request, std::string_view name, std::size_t max) {
  auto value = request.query.get(name);
  if (!value || value->empty()) return std::nullopt;
  return std::string(value->substr(0, max));
}

Response audit_page(const ExchangeWebContext& ctx, Request& request) {
  auto staff = identity::require_staff(ctx.db, *ctx.pages, request, "/admin/exchange/journal", audits_exchanges,
                                       "this page is for administrators");
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  const std::string& lang = request.lang;
  auto before = before_seq_of(request);
  if (!before) {
    return ctx.pages->render_error(request, make_error(Errc::bad_journal_query, "before is an entry's number"));
  }
  JournalQuery query;
  query.person_id = filter_of(request, "person", 40);
  query.peer = filter_of(request, "peer", 32);
  query.outcome = filter_of(request, "outcome", 20);
  query.before_seq = *before;
  query.limit = 51;
  const bool everything = std::any_of(roles.begin(), roles.end(), [](const identity::RoleGrant& g) {
    return g.role == identity::Role::platform_admin;
  });
  if (!everything) {
    std::set<std::string> administrations;
    for (const identity::RoleGrant& g : roles) {
      if (g.role == identity::Role::administration_admin) administrations.insert(g.administration);
    }
    auto codes = ctx.db.read([&](storage::Connection& c) { return catalogue::service_codes_of(c, administrations); });
    if (!codes) return ctx.pages->render_error(request, codes.error());
    query.purposes = std::move(codes).value();
  }
  auto entries = read_journal(ctx.db, query);
  if (!entries) return ctx.pages->render_error(request, entries.error());
  const bool more = entries->size() > 50;
  if (more) entries->pop_back();
  auto head = journal_head(ctx.db);
  if (!head) return ctx.pages->render_error(request, head.error());
  auto names = ctx.db.read([](storage::Connection& c) { return c.query("SELECT node_id, name FROM exchange_peers"); });
  if (!names) return ctx.pages->render_error(request, names.error());
  Accesses known;
  for (const storage::Row& row : names->rows) known.node_names[row.text(0)] = row.text(1);

  PageData items{PageData::type::list};
  for (const JournalEntry& e : *entries) {
    PageData item;
    item.set("seq", std::to_string(e.seq));
    item.set("when", spoken_instant(lang, ctx.time_zone, e.at));
    item.set("when_iso", format_rfc3339(e.at));
    item.set("side", ctx.catalog->text(lang, e.side == Side::provider ? "exchange_audit_side_provider"
                                                                      : "exchange_audit_side_consumer"));
    item.set("consumer", node_name(known, e.consumer, ctx));
    item.set("provider", node_name(known, e.provider, ctx));
    item.set("purpose", e.purpose);
    item.set("person", e.person_id);
    item.set("attributes", joined_labels(ctx, lang, e.attributes));
    if (!e.released.empty()) item.set("released", joined_labels(ctx, lang, e.released));
    item.set("legal_basis",
             http::fill_text(
                 ctx.catalog->text(lang, "data_access_basis_line"),
                 {{"kind", ctx.catalog->text(lang, "data_access_basis_" + std::string(to_string(e.legal_basis.kind)))},
                  {"reference", e.legal_basis.reference}}));
    item.set("outcome", ctx.catalog->text(lang, "data_access_outcome_" + e.outcome));
    if (!e.reason.empty()) item.set("reason", e.reason);
    item.set("request_hash", e.request_hash);
    items.push_back(item);
  }
  PageData data;
  if (!entries->empty()) {
    data.set("entries", items);
    data.set("has_entries", true);
  }
  data.set("head_seq", std::to_string(head->seq));
  data.set("head_hash", head->hash);
  data.set("person", query.person_id.value_or(""));
  data.set("peer", query.peer.value_or(""));
  PageData outcomes{PageData::type::list};
  for (const char* o : {"answered", "not_found", "refused", "failed"}) {
    PageData option;
    option.set("value", o);
    option.set("label", ctx.catalog->text(lang, std::string("data_access_outcome_") + o));
    if (query.outcome == std::string(o)) option.set("selected", true);
    outcomes.push_back(option);
  }
  data.set("outcomes", outcomes);
  if (more) {
    std::string older = "/admin/exchange/journal?before=" + std::to_string(entries->back().seq);
    for (const auto& [name, value] : {std::pair<std::string, std::optional<std::string>>{"person", query.person_id},
                                      {"peer", query.peer},
                                      {"outcome", query.outcome}}) {
      if (value) older += "&" + name + "=" + http::url_encode(*value);
    }
    data.set("older", older);
  }
  Response response = ctx.pages->render(request, "admin_exchange_journal", "exchange_audit_title", data);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// --- The person's benefits ----------------------------------------------------------------------

std::string reason_value(const ExchangeWebContext& ctx, std::string_view lang, const json::value& value,
                         std::string_view type) {
  if (type == "amount" && value.is_int64()) return spoken_euros(lang, value.as_int64());
  if (type == "boolean" && value.is_bool())
    return ctx.catalog->text(lang, value.as_bool() ? "procedure_yes" : "procedure_no");
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_double() || value.is_int64()) {
    // 2.5 or 1, with the reader's decimal separator (a comma but in English).
    std::ostringstream out;
    out << std::setprecision(12) << (value.is_double() ? value.as_double() : static_cast<double>(value.as_int64()));
    std::string text = out.str();
    if (lang != "en") std::replace(text.begin(), text.end(), '.', ',');
    return text;
  }
  if (value.is_array()) {
    std::string out;
    for (const json::value& item : value.as_array()) {
      if (!out.empty()) out += ", ";
      out += item.is_string() ? std::string(item.as_string()) : json::serialize(item);
    }
    return out;
  }
  return json::serialize(value);
}

Response benefits_page(const ExchangeWebContext& ctx, Request& request) {
  if (!request.principal) {
    return Response::redirect("/account/sign-in?return=" + http::url_encode("/account/benefits"), 303);
  }
  const std::string& lang = request.lang;
  auto grants = grants_of(ctx.db, request.principal->user_id);
  if (!grants) return ctx.pages->render_error(request, grants.error());
  PageData items{PageData::type::list};
  for (const BenefitGrant& g : *grants) {
    PageData item;
    item.set("name", benefit_name(g.names, lang, g.benefit));
    item.set("code", g.benefit);
    item.set("when", spoken_instant(lang, ctx.time_zone, g.decided_at));
    item.set(g.status == "granted" ? "granted" : "declined", true);
    PageData reasons{PageData::type::list};
    for (const auto& [attribute, value] : g.values) {
      PageData reason;
      reason.set("label", attribute_label(ctx, lang, std::string(attribute)));
      const json::value* type = g.types.if_contains(attribute);
      reason.set("value", reason_value(ctx, lang, value,
                                       type != nullptr && type->is_string() ? std::string_view(type->as_string())
                                                                            : std::string_view()));
      reasons.push_back(reason);
    }
    item.set("reasons", reasons);
    items.push_back(item);
  }
  PageData data;
  if (!grants->empty()) data.set("benefits", items);
  if (request.query.get("declined")) data.set("notice", ctx.catalog->text(lang, "benefits_declined"));
  Response response = ctx.pages->render(request, "benefits", "benefits_title", data);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response benefit_decline(const ExchangeWebContext& ctx, Request& request) {
  if (!request.principal) {
    return Response::redirect("/account/sign-in?return=" + http::url_encode("/account/benefits"), 303);
  }
  const std::string code(request.path_params.get("code").value_or(""));
  auto declined = decline_benefit(ctx.db, request.principal->user_id, code, *ctx.clock);
  if (!declined) return ctx.pages->render_error(request, declined.error());
  return Response::redirect("/account/benefits?declined=1", 303);
}

}  // namespace

void register_node_routes(http::Router& router, const ExchangeWebContext& context) {
  const ExchangeWebContext* ctx = &context;
  const http::RouteOptions query{http::RouteKind::api, kMaxRequestBytes, false};
  const http::RouteOptions api{http::RouteKind::api, 0, false};
  router.post(
      "/exchange/v1/query", [ctx](Request& request) { return query_post(*ctx, request); }, query);
  const http::RouteOptions report{http::RouteKind::api, kMaxReportBytes, false};
  router.post(
      "/exchange/v1/accesses", [ctx](Request& request) { return accesses_post(*ctx, request); }, report);
  router.get(
      "/exchange/v1/keys", [ctx](Request& request) { return keys_get(*ctx, request); }, api);
  router.get(
      "/exchange/v1/journal/head", [ctx](Request& request) { return journal_head_get(*ctx, request); }, api);
}

void register_benefit_routes(http::Router& router, const ExchangeWebContext& context) {
  const ExchangeWebContext* ctx = &context;
  router.get("/account/benefits", [ctx](Request& request) { return benefits_page(*ctx, request); });
  router.post("/account/benefits/{code}/decline", [ctx](Request& request) { return benefit_decline(*ctx, request); });
}

void register_audit_routes(http::Router& router, const ExchangeWebContext& context) {
  const ExchangeWebContext* ctx = &context;
  router.get("/admin/exchange/journal", [ctx](Request& request) { return audit_page(*ctx, request); });
}

void register_data_access_routes(http::Router& router, const ExchangeWebContext& context) {
  const ExchangeWebContext* ctx = &context;
  router.get("/account/data", [ctx](Request& request) { return data_page(*ctx, request); });
  router.get("/account/data/accesses.csv", [ctx](Request& request) { return data_export(*ctx, request, true); });
  router.get("/account/data/accesses.json", [ctx](Request& request) { return data_export(*ctx, request, false); });
  router.get(
      "/api/v1/account/data-access", [ctx](Request& request) { return data_access_api(*ctx, request); },
      http::RouteOptions{http::RouteKind::api, 0, false});
}

}  // namespace guichet::exchange
