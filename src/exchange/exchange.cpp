#include "guichet/exchange/exchange.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include <boost/json.hpp>

#include "guichet/core/deadline.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/log.hpp"
#include "guichet/core/random.hpp"
#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/journal.hpp"
#include "guichet/http/application.hpp"
#include "guichet/oidc/jose.hpp"
#include "wire.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

// The one mapping from error kinds to statuses (http/application.hpp).
int status_of(Errc code) { return http::http_status(ErrorCode(code).kind()); }

}  // namespace

std::optional<Errc> errc_named(std::string_view name) {
#define GUICHET_ERROR(code, kind, key) \
  if (name == #code) return Errc::code;
#include "guichet/exchange/errors.def"
#undef GUICHET_ERROR
  return std::nullopt;
}

Node::Node(NodeKeys& keys, Peers& peers, storage::Database& db, const Clock& clock, Transport& transport,
           ExchangeOptions options)
    : keys_(keys),
      peers_(peers),
      db_(db),
      clock_(clock),
      transport_(transport),
      options_(options),
      journal_(db, clock, JournalWriterOptions{options.journal_batch, options.journal_fold_every}),
      reads_(options.read_batch) {}

struct Node::RecordRead {
  const RecordQuery* query = nullptr;
  std::optional<Result<EntitledRecord>> result;
};

void Node::read_batch(std::span<RecordRead* const> batch) {
  std::vector<const RecordQuery*> queries;
  queries.reserve(batch.size());
  for (const RecordRead* r : batch) queries.push_back(r->query);
  auto read_them = [&](storage::Connection& c) { return entitled_records(c, queries, clock_.now()); };
  // One request alone is one statement (entitled_records), its own snapshot.
  auto read = batch.size() == 1 ? db_.read_statement(read_them) : db_.read(read_them);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (read) {
      batch[i]->result = std::move((*read)[i]);
    } else {
      batch[i]->result = read.error();
    }
  }
}

// --- Provider --------------------------------------------------------------------------------

Node::Settling Node::refusal(JournalEntry entry, Errc code, const std::string& message, const std::string& audience) {
  const bool unproved = code == Errc::bad_request || code == Errc::unknown_node || code == Errc::unknown_key ||
                        code == Errc::bad_signature || code == Errc::key_expired;
  Settling refused;
  if (unproved && !take_unproved_token()) {
    refused.journaled = false;
    refused.answer = ProviderAnswer{
        status_of(Errc::too_many_unproved_requests),
        json::serialize(json::object{{"error", "too_many_unproved_requests"},
                                     {"message", "too many requests from unproved senders: try again shortly"}}),
        false};
    return refused;
  }
  entry.outcome = "refused";
  entry.reason = std::string(ErrorCode(code).name());
  entry.released.clear();
  json::object payload{{"typ", kResponseType},
                       {"iss", id()},
                       {"aud", audience},
                       {"iat", seconds_of(clock_.now())},
                       {"request_hash", entry.request_hash},
                       {"outcome", "refused"},
                       {"reason", entry.reason},
                       {"message", message}};
  ProviderAnswer& answer = refused.answer;
  answer.status = status_of(code);
  auto signed_answer = keys_.sign(json::serialize(payload));
  if (signed_answer) {
    answer.body = std::move(signed_answer).value();
    entry.response_hash = hash_of(answer.body);
    entry.response_signature = signature_of(answer.body);
  } else {
    answer.signed_body = false;
    answer.body = json::serialize(json::object{{"error", entry.reason}, {"message", message}});
    answer.status = 503;
  }
  refused.entry = std::move(entry);
  refused.audience = audience;
  return refused;
}

std::optional<ProviderAnswer> Node::after_journal(ProviderAnswer& answer, const Result<std::int64_t>& kept) {
  if (kept) return std::move(answer);
  if (kept.error().kind == ErrorKind::conflict) return std::nullopt;  // a replay: refused instead
  // Nothing leaves without its journal line: an unjournaled answer or refusal is withheld, the
  // failure logged, and the answer says the node is unavailable.
  log_event(LogLevel::error, "exchange_journal_failed", {{"error", kept.error().message}});
  return ProviderAnswer{503, json::serialize(json::object{{"error", "journal_unavailable"}}), false};
}

ProviderAnswer Node::answer(std::string_view compact) {
  Settling settling = prepare(compact);
  for (;;) {
    if (!settling.journaled) return std::move(settling.answer);
    auto kept = journal_.append(settling.entry, settling.seen ? &*settling.seen : nullptr);
    if (auto answer = after_journal(settling.answer, kept)) return std::move(*answer);
    settling = refusal(std::move(settling.entry), Errc::replayed_request, "this request was already answered",
                       settling.audience);
  }
}

void Node::answer_detached(std::string_view compact, Answered answered) {
  journal_detached(prepare(compact), std::move(answered));
}

void Node::journal_detached(Settling settling, Answered answered) {
  if (!settling.journaled) {
    answered(std::move(settling.answer));
    return;
  }
  journal_.append_detached(
      std::move(settling.entry), std::move(settling.seen),
      [this, answer = std::move(settling.answer), audience = std::move(settling.audience),
       answered = std::move(answered)](const Result<std::int64_t>& kept, JournalEntry entry) mutable {
        if (auto settled = after_journal(answer, kept)) {
          answered(std::move(*settled));
          return;
        }
        journal_detached(
            refusal(std::move(entry), Errc::replayed_request, "this request was already answered", audience),
            std::move(answered));
      });
}

bool Node::take_unproved_token() {
  const Instant now = clock_.now();
  std::lock_guard lock(unproved_mutex_);
  if (unproved_tokens_ < 0) {
    unproved_tokens_ = options_.unproved_burst;
    unproved_refilled_at_ = now;
  }
  const double elapsed = std::chrono::duration<double>(now - unproved_refilled_at_).count();
  if (elapsed > 0) {
    unproved_tokens_ = std::min(options_.unproved_burst, unproved_tokens_ + elapsed * options_.unproved_per_second);
    unproved_refilled_at_ = now;
  }
  if (unproved_tokens_ >= 1) {
    unproved_tokens_ -= 1;
    if (unproved_dropped_ > 0) {
      log_event(LogLevel::warn, "exchange_unproved_dropped", {{"requests", unproved_dropped_}});
      unproved_dropped_ = 0;
    }
    return true;
  }
  ++unproved_dropped_;
  return false;
}

Node::Settling Node::prepare(std::string_view compact) {
  const Instant now = clock_.now();
  JournalEntry entry;
  entry.side = Side::provider;
  entry.provider = id();
  entry.consumer = "unknown";
  entry.request_hash = hash_of(compact);
  if (compact.size() > kMaxRequestBytes) {
    return refusal(std::move(entry), Errc::bad_request, "the request is larger than 16 KiB", "unknown");
  }
  entry.request_jws = std::string(compact);
  auto claimed = peek_payload(compact);
  if (!claimed) return refusal(std::move(entry), Errc::bad_request, claimed.error().message, "unknown");
  // What the request claims goes to the journal even when it is refused (marked by its outcome).
  if (auto iss = text_member(*claimed, "iss"); iss && valid_node_id(*iss)) entry.consumer = *iss;
  if (auto purpose = text_member(*claimed, "purpose"); purpose && purpose->size() <= 100) entry.purpose = *purpose;
  if (auto person = text_member(*claimed, "person"); person && person->size() <= 40) entry.person_id = *person;
  if (auto basis = legal_basis_of(*claimed)) entry.legal_basis = *basis;
  if (auto attributes = attribute_list(*claimed)) entry.attributes = *attributes;
  if (entry.consumer == "unknown") {
    return refusal(std::move(entry), Errc::unknown_node, "the request names no known issuer", "unknown");
  }
  const std::string consumer = entry.consumer;
  auto signed_by = peers_.check_signature(consumer, compact);
  if (!signed_by) {
    const auto code = errc_named(signed_by.error().code.name()).value_or(Errc::bad_signature);
    return refusal(std::move(entry), code, signed_by.error().message, consumer);
  }
  // The signature covers the payload read above (the same bytes of `compact`): it is the request,
  // read once.
  const json::object& request = *claimed;
  if (text_member(request, "typ") != std::string(kRequestType)) {
    return refusal(std::move(entry), Errc::bad_request, "this is not an exchange request", consumer);
  }
  if (text_member(request, "aud") != id()) {
    return refusal(std::move(entry), Errc::bad_request, "the request is meant for another node", consumer);
  }
  auto iat = int_member(request, "iat");
  auto exp = int_member(request, "exp");
  auto jti = text_member(request, "jti");
  const std::int64_t now_s = seconds_of(now);
  if (!iat || !exp || !jti || jti->size() < 16 || jti->size() > 100) {
    return refusal(std::move(entry), Errc::bad_request, "the request needs iat, exp and a jti of 16 to 100 characters",
                   consumer);
  }
  if (*iat > now_s + options_.clock_skew.count() || *exp <= now_s - options_.clock_skew.count() ||
      *exp - *iat > options_.request_life.count() * 5 ||
      *iat < now_s - options_.request_life.count() - options_.clock_skew.count()) {
    return refusal(std::move(entry), Errc::stale_request, "the request is stale or not yet valid", consumer);
  }
  auto purpose = text_member(request, "purpose");
  auto basis = legal_basis_of(request);
  auto person = text_member(request, "person");
  auto dataset = text_member(request, "dataset");
  auto attributes = attribute_list(request);
  if (!purpose || !valid_purpose(*purpose) || !basis || !person || person->empty() || person->size() > 40 || !dataset ||
      !attributes) {
    return refusal(std::move(entry), Errc::bad_request,
                   "the request needs a purpose, a legal basis, a person, a dataset and distinct attributes", consumer);
  }
  // Read what the answer needs: the dataset's description, the entitlement, the record.
  struct Found {
    std::shared_ptr<const DatasetDescription> description;
    bool entitled = false;
    std::optional<json::object> record;
  };
  std::shared_ptr<const DatasetDescription> known;
  {
    std::lock_guard lock(descriptions_mutex_);
    auto it = descriptions_.find(*dataset);
    if (it != descriptions_.end() && now - it->second.second < std::chrono::seconds(30)) known = it->second.first;
  }
  auto found = [&]() -> Result<Found> {
    Found f;
    f.description = known;
    if (!f.description) {
      auto description = db_.read([&](storage::Connection& c) { return stored_description(c, *dataset); });
      if (!description) return std::move(description).error();
      if (!*description) return f;
      f.description = std::make_shared<const DatasetDescription>(std::move(**description));
      std::lock_guard lock(descriptions_mutex_);
      if (descriptions_.size() > 100) descriptions_.clear();
      descriptions_[*dataset] = {f.description, now};
    }
    if (f.description->connector) {  // the record is asked of the administration's API below
      auto entitlement = db_.read([&](storage::Connection& c) {
        return covering_entitlement(c, consumer, *purpose, *dataset, *attributes, *basis, now);
      });
      if (!entitlement) return std::move(entitlement).error();
      f.entitled = entitlement->has_value();
      return f;
    }
    const RecordQuery query{consumer, *purpose, *dataset, *attributes, *basis, *person};
    RecordRead read;
    read.query = &query;
    if (options_.read_batch <= 1 || db_.reads_never_wait()) {
      // SQLite reads in this process, with no round trip to share: each request reads alone, at
      // once, in parallel with the others.
      read_batch(std::span<RecordRead* const>(std::array<RecordRead*, 1>{&read}));
    } else {
      // PostgreSQL: read with the other requests being answered at this moment, in one round trip.
      reads_.submit(read, [this](std::span<RecordRead* const> batch) {
        // The batch holds other requests' reads: it is not cut short by this thread's deadline.
        DeadlineScope batch_has_its_own_time(std::nullopt);
        read_batch(batch);
      });
    }
    if (!read.result) return make_error(Errc::peer_unreachable, "the registry's read failed");
    if (!*read.result) return read.result->error();
    f.entitled = (*read.result)->entitlement_id.has_value();
    f.record = std::move((*read.result)->record);
    return f;
  }();
  if (found && found->description && found->entitled && found->description->connector) {
    // Outside any transaction: the administration's API may take its time.
    auto record = connector_record(*found->description->connector, *person, *attributes, *found->description,
                                   [this](const std::string& url, const std::vector<std::string>& headers,
                                          int timeout_ms) -> Result<std::pair<int, std::string>> {
                                     auto reply =
                                         transport_.get_with(url, headers, std::chrono::milliseconds(timeout_ms));
                                     if (!reply) return std::move(reply).error();
                                     return std::make_pair(reply->status, std::move(reply->body));
                                   });
    if (!record) return refusal(std::move(entry), Errc::peer_unreachable, record.error().message, consumer);
    found->record = std::move(record).value();
  }
  if (!found)
    return refusal(std::move(entry), Errc::peer_unreachable, "the registry cannot read its data now", consumer);
  if (!found->description)
    return refusal(std::move(entry), Errc::no_such_dataset, "this node serves no dataset " + *dataset, consumer);
  for (const std::string& a : *attributes) {
    if (found->description->find(a) == nullptr) {
      return refusal(std::move(entry), Errc::unknown_attribute, a + " is not an attribute of dataset " + *dataset,
                     consumer);
    }
  }
  if (!found->entitled) {
    return refusal(
        std::move(entry), Errc::not_entitled,
        "no live entitlement lets " + consumer + " read these attributes for this purpose under this legal basis",
        consumer);
  }
  json::object values;
  json::object types;
  if (found->record) {
    for (const std::string& a : *attributes) {
      if (const json::value* v = found->record->if_contains(a)) {
        values[a] = *v;
        types[a] = std::string(to_string(found->description->find(a)->type));
        entry.released.push_back(a);
      }
    }
  }
  entry.outcome = found->record ? "answered" : "not_found";
  json::object payload{{"typ", kResponseType},
                       {"iss", id()},
                       {"aud", consumer},
                       {"iat", now_s},
                       {"request_hash", entry.request_hash},
                       {"outcome", entry.outcome},
                       {"legal_basis", legal_basis_json(*basis)},
                       {"values", std::move(values)},
                       {"types", std::move(types)}};
  auto response = keys_.sign(json::serialize(payload));
  if (!response) return refusal(std::move(entry), Errc::no_signing_key, "the registry cannot sign now", consumer);
  entry.response_hash = hash_of(*response);
  entry.response_signature = signature_of(*response);
  const std::int64_t seen_until = to_unix_micros(now) + std::chrono::duration_cast<std::chrono::microseconds>(
                                                            options_.request_life * 5 + options_.clock_skew * 2)
                                                            .count();
  Settling answered;
  answered.answer = ProviderAnswer{200, std::move(response).value(), true};
  answered.seen = SeenRequest{consumer, *jti, seen_until};
  answered.entry = std::move(entry);
  answered.audience = consumer;
  return answered;
}

// --- Consumer --------------------------------------------------------------------------------

namespace {
// A request's jti: the time in microseconds as 14 hex digits, then 96 random bits. Unique like a
// random one, but a provider's replay guard (exchange_seen_requests, keyed by issuer and jti)
// receives each issuer's jtis in ascending order, so its index grows at its right edge: one page
// touched per journal batch instead of one random page per request.
std::string time_ordered_jti(Instant now) {
  char prefix[15];
  std::snprintf(prefix, sizeof prefix, "%014llx", static_cast<unsigned long long>(to_unix_micros(now)));
  return std::string(prefix, 14) + "." + random_token(12);
}
}  // namespace

Result<ExchangeResult> Node::fetch(const ExchangeRequest& r) {
  if (!valid_node_id(r.provider)) return make_error(Errc::bad_request, "the provider is a node id");
  if (!valid_purpose(r.purpose)) return make_error(Errc::bad_request, "the purpose is a service's code");
  if (r.attributes.empty() || r.attributes.size() > 50) return make_error(Errc::bad_request, "name 1 to 50 attributes");
  if (r.person_id.empty()) return make_error(Errc::bad_request, "name the person");
  auto peer = peers_.find(r.provider);
  if (!peer) return std::move(peer).error();
  if (!*peer) return make_error(Errc::no_such_peer, "node " + r.provider + " is not in the node registry");
  const Instant now = clock_.now();
  json::array attributes;
  for (const std::string& a : r.attributes) attributes.emplace_back(a);
  json::object payload{{"typ", kRequestType},     {"iss", id()},
                       {"aud", r.provider},       {"jti", time_ordered_jti(now)},
                       {"iat", seconds_of(now)},  {"exp", seconds_of(now) + options_.request_life.count()},
                       {"purpose", r.purpose},    {"legal_basis", legal_basis_json(r.legal_basis)},
                       {"person", r.person_id},   {"dataset", r.dataset},
                       {"attributes", attributes}};
  auto compact = keys_.sign(json::serialize(payload));
  if (!compact) return std::move(compact).error();

  JournalEntry entry;
  entry.side = Side::consumer;
  entry.consumer = id();
  entry.provider = r.provider;
  entry.purpose = r.purpose;
  entry.legal_basis = r.legal_basis;
  entry.person_id = r.person_id;
  entry.user_id = r.user_id;
  entry.attributes = r.attributes;
  entry.request_hash = hash_of(*compact);
  entry.request_jws = *compact;
  auto journal = [&]() -> Result<std::int64_t> { return journal_.append(entry); };
  auto failed = [&](Errc code, std::string message) -> Result<ExchangeResult> {
    entry.outcome = "failed";
    entry.reason = std::string(ErrorCode(code).name());
    entry.released.clear();
    if (auto j = journal(); !j) return std::move(j).error();
    return make_error(code, std::move(message));
  };

  auto reply = transport_.post((*peer)->url + "/exchange/v1/query", "application/jose", *compact);
  if (!reply) return failed(Errc::peer_unreachable, reply.error().message);
  if (!reply->content_type.starts_with("application/jose")) {
    return failed(Errc::bad_response,
                  "node " + r.provider + " answered " + std::to_string(reply->status) + " without a signed answer");
  }
  auto verified = peers_.verify(r.provider, reply->body);
  if (!verified)
    return failed(Errc::bad_response, "the answer's signature does not check: " + verified.error().message);
  const json::object& answer = verified->payload;
  if (text_member(answer, "typ") != std::string(kResponseType) || text_member(answer, "iss") != r.provider ||
      text_member(answer, "aud") != id() || text_member(answer, "request_hash") != entry.request_hash) {
    return failed(Errc::bad_response, "the answer is not bound to this request");
  }
  entry.response_hash = hash_of(reply->body);
  entry.response_signature = signature_of(reply->body);
  const auto outcome = text_member(answer, "outcome").value_or("");
  if (outcome == "refused") {
    const std::string reason = text_member(answer, "reason").value_or("bad_response");
    entry.outcome = "refused";
    entry.reason = reason;
    if (auto j = journal(); !j) return std::move(j).error();
    return make_error(errc_named(reason).value_or(Errc::bad_response),
                      "node " + r.provider + " refused: " + text_member(answer, "message").value_or(reason));
  }
  if (outcome != "answered" && outcome != "not_found") return failed(Errc::bad_response, "the answer has no outcome");
  const json::value* values = answer.if_contains("values");
  if (values == nullptr || !values->is_object()) return failed(Errc::bad_response, "the answer has no values");
  ExchangeResult result;
  result.outcome = outcome;
  if (const json::value* types = answer.if_contains("types"); types != nullptr && types->is_object()) {
    for (const auto& [name, type] : types->as_object()) {
      if (type.is_string() && values->as_object().contains(name)) result.types[name] = type;
    }
  }
  for (const auto& [name, value] : values->as_object()) {
    if (std::find(r.attributes.begin(), r.attributes.end(), std::string_view(name)) == r.attributes.end()) {
      return failed(Errc::bad_response, "the answer gives an attribute that was not asked for");
    }
    result.values[name] = value;
    entry.released.emplace_back(name);
  }
  entry.outcome = outcome;
  auto seq = journal();
  if (!seq) return std::move(seq).error();
  result.journal_seq = *seq;
  return result;
}

Result<std::string> Node::signed_journal_head() {
  auto head = journal_head(db_);
  if (!head) return std::move(head).error();
  json::object payload{{"typ", "guichet-exchange-journal-head"},
                       {"iss", id()},
                       {"iat", seconds_of(clock_.now())},
                       {"seq", head->seq},
                       {"hash", head->hash}};
  return keys_.sign(json::serialize(payload));
}

}  // namespace guichet::exchange
