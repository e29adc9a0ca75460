#pragma once
// Signed exchanges between nodes. The consumer signs a request naming the provider, purpose,
// legal basis, person and attributes, with a unique id and a one-minute life; the provider checks
// the signature against the key pinned for the consumer, refuses stale and replayed requests,
// releases only what a live entitlement covers, and signs its answer bound to the request's hash.
// Both write the exchange, answered or refused, to their journal. Wire format in docs/EXCHANGE.md.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/entitlements.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/exchange/journal.hpp"
#include "guichet/exchange/nodes.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::exchange {

inline constexpr std::string_view kRequestType = "guichet-exchange-request";
inline constexpr std::string_view kResponseType = "guichet-exchange-response";
inline constexpr std::size_t kMaxRequestBytes = 16 * 1024;

std::optional<Errc> errc_named(std::string_view name);

struct ExchangeRequest {
  std::string provider;  // node id, in the node registry
  std::string dataset;
  std::vector<std::string> attributes;
  std::string purpose;
  LegalBasis legal_basis;
  std::string person_id;                // "PT:123456789"
  std::optional<std::int64_t> user_id;  // the portal's account: in the consumer's journal only
};

struct ExchangeResult {
  std::string outcome;         // answered, not_found
  boost::json::object values;  // the attributes given (an attribute the record lacks is absent)
  boost::json::object types;   // each given attribute's type (dataset.hpp), to show it rightly
  std::int64_t journal_seq = 0;
};

struct ProviderAnswer {
  int status = 200;
  std::string body;  // a compact JWS (application/jose), or a plain error when nothing could be signed
  bool signed_body = true;
};

struct ExchangeOptions {
  std::chrono::seconds request_life{60};
  std::chrono::seconds clock_skew{30};
  // Refusals of requests whose sender was not proved (unknown node or key, bad signature,
  // malformed) cost a signature and a journal line each, and anyone can send them: a node signs
  // and journals at most this many a second (bursts up to `unproved_burst`), and answers the rest
  // 429 unsigned and unjournaled (counted in the log). Proved senders are always journaled.
  double unproved_per_second = 20;
  double unproved_burst = 100;
  // The most journal entries written in one transaction (JournalWriter: exchanges finishing at
  // the same moment share one commit), and the most requests whose entitlements and records are
  // read together (1: each alone).
  std::size_t journal_batch = 64;
  std::size_t read_batch = 64;
  // Journal lines past the index by person before the node folds them into it
  // (JournalWriterOptions::fold_every).
  std::int64_t journal_fold_every = 4096;
};

class Node {
 public:
  Node(NodeKeys& keys, Peers& peers, storage::Database& db, const Clock& clock, Transport& transport,
       ExchangeOptions options = {});
  const std::string& id() const { return keys_.node_id(); }

  // Consumer side: asks the provider and checks its answer. A refusal is the provider's error
  // code (not_entitled, replayed_request...); peer_unreachable and bad_response when the answer
  // did not come or does not check. Journaled whatever happens once a request is sent.
  Result<ExchangeResult> fetch(const ExchangeRequest& request);

  // Provider side: the answer to a request body, signed; journaled whatever it says.
  ProviderAnswer answer(std::string_view compact_request);
  // The same without waiting for the journal's commit: `answered` gets what answer() would have
  // returned once the answer's journal line is committed (or has failed), on the thread that wrote
  // it: this one, or another answering at the same moment. This thread is free meanwhile, so a
  // server's worker answers the next request instead of sleeping while the commit it shares with
  // others is written (the exchange endpoint; docs/PERFORMANCE.md). `answered` must not block.
  using Answered = std::function<void(ProviderAnswer)>;
  void answer_detached(std::string_view compact_request, Answered answered);

  // The current head of this node's journal, signed: {"typ": "guichet-exchange-journal-head",
  // "iss", "iat", "seq", "hash"}.
  Result<std::string> signed_journal_head();

  NodeKeys& keys() { return keys_; }
  Peers& peers() { return peers_; }
  Transport& transport() { return transport_; }
  BatchStats journal_stats() const { return journal_.stats(); }
  BatchStats read_stats() const { return reads_.stats(); }

 private:
  // An answer ready to leave once its journal line is written.
  struct Settling {
    ProviderAnswer answer;
    bool journaled = true;  // false: it leaves at once, unjournaled (unproved senders past their budget)
    JournalEntry entry;
    std::optional<SeenRequest> seen;  // the request's jti, claimed with the line (answers, not refusals)
    std::string audience;             // whom a refusal of a replay is addressed to
  };
  // Everything up to the journal: the request checked, the data read, the answer or the refusal
  // signed.
  Settling prepare(std::string_view compact);
  Settling refusal(JournalEntry entry, Errc code, const std::string& message, const std::string& audience);
  // What leaves once the line is written or has failed; nothing when the request was a replay (the
  // caller journals a refusal instead).
  std::optional<ProviderAnswer> after_journal(ProviderAnswer& answer, const Result<std::int64_t>& kept);
  void journal_detached(Settling settling, Answered answered);
  struct RecordRead;
  void read_batch(std::span<RecordRead* const> batch);
  bool take_unproved_token();
  NodeKeys& keys_;
  Peers& peers_;
  storage::Database& db_;
  const Clock& clock_;
  Transport& transport_;
  ExchangeOptions options_;
  JournalWriter journal_;
  Batcher<RecordRead> reads_;  // the provider's concurrent requests read together
  // Dataset descriptions read in the last 30 seconds: what attributes exist changes with an
  // import, rarely; entitlements and records are read for every request.
  std::mutex descriptions_mutex_;
  std::map<std::string, std::pair<std::shared_ptr<const DatasetDescription>, Instant>> descriptions_;
  // The unproved refusals' budget (a token bucket), per node process.
  std::mutex unproved_mutex_;
  double unproved_tokens_ = -1;  // full on first use
  Instant unproved_refilled_at_{};
  std::int64_t unproved_dropped_ = 0;
};

}  // namespace guichet::exchange
