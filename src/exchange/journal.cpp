#include "guichet/exchange/journal.hpp"

#include <set>

#include <boost/json.hpp>

#include "guichet/core/deadline.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/log.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/storage/errors.hpp"
#include "names.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

constexpr std::string_view kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";
// Not the audit log's lock: the two chains are appended independently.
constexpr std::int64_t kJournalLock = 4823013;

std::string_view side_name(Side side) { return side == Side::provider ? "provider" : "consumer"; }

// Length-prefixed fields, so no choice of contents makes two entries hash alike.
std::string entry_hash(std::string_view previous, std::int64_t seq, std::int64_t at, const JournalEntry& e) {
  const std::string seq_text = std::to_string(seq);
  const std::string at_text = std::to_string(at);
  const std::string user_text = e.user_id ? std::to_string(*e.user_id) : std::string();
  const std::string attributes = names_json(e.attributes);
  const std::string released = names_json(e.released);
  std::string material;
  for (std::string_view field :
       {previous, std::string_view(seq_text), std::string_view(at_text), side_name(e.side),
        std::string_view(e.consumer), std::string_view(e.provider), std::string_view(e.purpose),
        to_string(e.legal_basis.kind), std::string_view(e.legal_basis.reference), std::string_view(e.person_id),
        std::string_view(user_text), std::string_view(attributes), std::string_view(released),
        std::string_view(e.outcome), std::string_view(e.reason), std::string_view(e.request_hash),
        std::string_view(e.request_jws), std::string_view(e.response_hash), std::string_view(e.response_signature)}) {
    material += std::to_string(field.size());
    material += ':';
    material += field;
  }
  return sha256_hex(material);
}

constexpr std::string_view kColumns =
    "seq, at, side, consumer, provider, purpose, legal_basis_kind, legal_basis, person_id, user_id, attributes, "
    "released, outcome, reason, request_hash, request_jws, response_hash, response_signature, previous_hash, hash";

JournalEntry entry_of(const storage::Row& row) {
  JournalEntry e;
  e.seq = row.integer(0);
  e.at = from_unix_micros(row.integer(1));
  e.side = row.text(2) == "provider" ? Side::provider : Side::consumer;
  e.consumer = row.text(3);
  e.provider = row.text(4);
  e.purpose = row.text(5);
  e.legal_basis = LegalBasis{parse_legal_basis_kind(row.text(6)).value_or(LegalBasisKind::law), row.text(7)};
  e.person_id = row.text(8);
  e.user_id = row.optional_integer(9);
  e.attributes = names_of(row.text(10));
  e.released = names_of(row.text(11));
  e.outcome = row.text(12);
  e.reason = row.text(13);
  e.request_hash = row.text(14);
  e.request_jws = row.text(15);
  e.response_hash = row.text(16);
  e.response_signature = row.text(17);
  return e;
}

constexpr std::string_view kInsertJournal =
    "INSERT INTO exchange_journal (seq, at, side, consumer, provider, purpose, legal_basis_kind, legal_basis, "
    "person_id, user_id, attributes, released, outcome, reason, request_hash, request_jws, response_hash, "
    "response_signature, previous_hash, hash) VALUES ";
constexpr std::size_t kJournalColumns = 20;

// One row's values, in kInsertJournal's order.
void add_journal_row(storage::Params& out, std::int64_t seq, std::int64_t at, const JournalEntry& e,
                     const std::string& previous, const std::string& hash) {
  storage::Value user = nullptr;
  if (e.user_id) user = *e.user_id;
  for (storage::Value v : {storage::Value(seq),
                           storage::Value(at),
                           storage::Value(std::string(side_name(e.side))),
                           storage::Value(e.consumer),
                           storage::Value(e.provider),
                           storage::Value(e.purpose),
                           storage::Value(std::string(to_string(e.legal_basis.kind))),
                           storage::Value(e.legal_basis.reference),
                           storage::Value(e.person_id),
                           user,
                           storage::Value(names_json(e.attributes)),
                           storage::Value(names_json(e.released)),
                           storage::Value(e.outcome),
                           storage::Value(e.reason),
                           storage::Value(e.request_hash),
                           storage::Value(e.request_jws),
                           storage::Value(e.response_hash),
                           storage::Value(e.response_signature),
                           storage::Value(previous),
                           storage::Value(hash)}) {
    out.push_back(std::move(v));
  }
}

// "(?, ?), (?, ?)": `rows` rows of `columns` placeholders.
std::string value_rows(std::size_t rows, std::size_t columns) {
  const std::string one = storage::in_list(columns);
  std::string out;
  out.reserve(rows * (one.size() + 2));
  for (std::size_t r = 0; r < rows; ++r) {
    if (r > 0) out += ", ";
    out += one;
  }
  return out;
}

// Multi-row statements go in chunks of 32, 16, 8, 4, 2 and 1 rows, so a connection prepares at
// most six texts of each rather than one per batch size.
std::size_t chunk_rows(std::size_t left) {
  std::size_t rows = 32;
  while (rows > left) rows /= 2;
  return rows;
}

// The journal's last seq and hash (the anchor's when everything was pruned; the genesis when empty).
Result<std::pair<std::int64_t, std::string>> chain_head(storage::Connection& tx) {
  auto last = tx.query("SELECT seq, hash FROM exchange_journal ORDER BY seq DESC LIMIT 1");
  if (!last) return std::move(last).error();
  if (!last->empty()) return std::make_pair(last->rows[0].integer(0), last->rows[0].text(1));
  auto anchor = tx.query("SELECT through_seq, hash FROM exchange_journal_anchor WHERE id = 1");
  if (!anchor) return std::move(anchor).error();
  if (!anchor->empty()) return std::make_pair(anchor->rows[0].integer(0), anchor->rows[0].text(1));
  return std::make_pair(std::int64_t{0}, std::string(kGenesis));
}

Result<void> lock_journal(storage::Connection& tx) {
  if (tx.backend() != storage::Backend::postgresql) return {};  // SQLite: the write transaction is the lock
  auto locked = tx.query("SELECT pg_advisory_xact_lock(?)", {kJournalLock});
  if (!locked) return std::move(locked).error();
  return {};
}

}  // namespace

Result<JournalHead> journal_head(storage::Database& db) {
  return db.read([](storage::Connection& c) -> Result<JournalHead> {
    auto head = chain_head(c);
    if (!head) return std::move(head).error();
    return JournalHead{head->first, std::move(head->second)};
  });
}

Result<JournalVerification> verify_journal(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  JournalVerification result;
  std::string previous(kGenesis);
  std::int64_t expected = 1;
  auto anchor = (*connection)->query("SELECT through_seq, hash FROM exchange_journal_anchor WHERE id = 1");
  if (!anchor) return std::move(anchor).error();
  if (!anchor->empty()) {
    expected = anchor->rows[0].integer(0) + 1;
    previous = anchor->rows[0].text(1);
  }
  result.head = JournalHead{expected - 1, previous};
  constexpr std::int64_t kBatch = 5000;
  for (;;) {
    auto rows = (*connection)
                    ->query(std::string("SELECT ") + std::string(kColumns) +
                                " FROM exchange_journal WHERE seq >= ? ORDER BY seq LIMIT ?",
                            {expected, kBatch});
    if (!rows) return std::move(rows).error();
    for (const storage::Row& row : rows->rows) {
      const std::int64_t seq = row.integer(0);
      auto fail = [&](std::string problem) {
        result.intact = false;
        result.broken_at = expected;
        result.problem = std::move(problem);
      };
      if (seq != expected) {
        fail("entry " + std::to_string(expected) + " is missing");
        return result;
      }
      if (row.text(18) != previous) {
        fail("entry " + std::to_string(seq) + " does not follow the entry before it");
        return result;
      }
      if (entry_hash(previous, seq, row.integer(1), entry_of(row)) != row.text(19)) {
        fail("entry " + std::to_string(seq) + " was altered");
        return result;
      }
      previous = row.text(19);
      result.head = JournalHead{seq, previous};
      ++expected;
      ++result.entries;
    }
    if (static_cast<std::int64_t>(rows->size()) < kBatch) break;
  }
  return result;
}

Result<std::vector<JournalEntry>> read_journal(storage::Database& db, const JournalQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return make_error(Errc::bad_journal_query, "a page holds 1 to 1000 entries");
  std::string sql = std::string("SELECT ") + std::string(kColumns) + " FROM exchange_journal WHERE 1 = 1";
  storage::Params params;
  if (q.person_id && q.user_id) {
    sql += " AND (person_id = ? OR user_id = ?)";
    params.emplace_back(*q.person_id);
    params.emplace_back(*q.user_id);
  } else if (q.person_id) {
    sql += " AND person_id = ?";
    params.emplace_back(*q.person_id);
  } else if (q.user_id) {
    sql += " AND user_id = ?";
    params.emplace_back(*q.user_id);
  }
  if (q.peer) {
    sql += " AND (consumer = ? OR provider = ?)";
    params.emplace_back(*q.peer);
    params.emplace_back(*q.peer);
  }
  if (q.outcome) {
    sql += " AND outcome = ?";
    params.emplace_back(*q.outcome);
  }
  if (q.purposes) {
    if (q.purposes->empty()) return std::vector<JournalEntry>{};
    sql += " AND purpose IN " + storage::in_list(q.purposes->size());
    for (const std::string& p : *q.purposes) params.emplace_back(p);
  }
  if (q.since) {
    sql += " AND at >= ?";
    params.emplace_back(to_unix_micros(*q.since));
  }
  if (q.side) {
    sql += " AND side = ?";
    params.emplace_back(std::string(side_name(*q.side)));
  }
  if (q.before_seq > 0) {
    sql += " AND seq < ?";
    params.emplace_back(q.before_seq);
  }
  if (q.after_seq > 0) {
    sql += " AND seq > ?";
    params.emplace_back(q.after_seq);
  }
  sql += q.oldest_first || q.after_seq > 0 ? " ORDER BY seq LIMIT ?" : " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(q.limit);
  auto rows = db.read([&](storage::Connection& c) { return c.query(sql, params); });
  if (!rows) return std::move(rows).error();
  std::vector<JournalEntry> out;
  for (const storage::Row& row : rows->rows) out.push_back(entry_of(row));
  return out;
}

Result<std::int64_t> prune_journal(storage::Database& db, std::chrono::hours keep, const Clock& clock) {
  const std::int64_t cutoff = to_unix_micros(clock.now() - keep);
  return db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    if (c.backend() == storage::Backend::postgresql) {
      if (auto locked = c.query("SELECT pg_advisory_xact_lock(?)", {kJournalLock}); !locked) {
        return std::move(locked).error();
      }
    }
    // The newest entry is never pruned, so the chain always has a head in the table or anchor.
    auto last = c.query(
        "SELECT seq, hash FROM exchange_journal WHERE at < ? AND seq < (SELECT MAX(seq) FROM exchange_journal) ORDER "
        "BY seq DESC LIMIT 1",
        {cutoff});
    if (!last) return std::move(last).error();
    // Accesses the registries reported are kept as long as the journal's own entries.
    if (auto reported = c.execute("DELETE FROM exchange_reported_accesses WHERE at < ?", {cutoff}); !reported) {
      return std::move(reported).error();
    }
    if (last->empty()) return std::int64_t{0};
    const std::int64_t through = last->rows[0].integer(0);
    auto anchored = c.execute(
        "INSERT INTO exchange_journal_anchor (id, through_seq, hash, pruned_at) VALUES (1, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET through_seq = excluded.through_seq, hash = excluded.hash, "
        "pruned_at = excluded.pruned_at",
        {through, last->rows[0].text(1), to_unix_micros(clock.now())});
    if (!anchored) return std::move(anchored).error();
    return c.execute("DELETE FROM exchange_journal WHERE seq <= ?", {through});
  });
}

// --- Group commit ----------------------------------------------------------------------------

struct JournalWriter::Pending {
  const JournalEntry* entry = nullptr;
  const SeenRequest* seen = nullptr;
  std::int64_t seq = 0;
  bool replayed = false;
  std::optional<Error> failed;
  bool written = false;
};

JournalWriter::JournalWriter(storage::Database& db, const Clock& clock, JournalWriterOptions options)
    : db_(db), clock_(clock), batcher_(options.max_batch) {}

Result<std::int64_t> JournalWriter::append(const JournalEntry& entry, const SeenRequest* seen) {
  Pending mine;
  mine.entry = &entry;
  mine.seen = seen;
  batcher_.submit(mine, [this](std::span<Pending* const> batch) { write_batch(batch); });
  if (mine.failed) return *mine.failed;
  if (mine.replayed) return make_error(Errc::replayed_request, "this request was already answered");
  if (!mine.written) return make_error(storage::Errc::database_unreachable, "the journal batch was not written");
  return mine.seq;
}

void JournalWriter::write_batch(std::span<Pending* const> batch) {
  // The batch holds other requests' entries: it is not cut short by this thread's deadline.
  DeadlineScope batch_has_its_own_time(std::nullopt);
  std::size_t seen_count = 0;
  auto written = db_.transaction([&](storage::Connection& tx) -> Result<std::size_t> {
    for (Pending* p : batch) p->replayed = false;
    // The requests' jti first: a request seen before (in an earlier batch, or earlier in this one)
    // is a replay, and its entry is left out.
    std::vector<Pending*> claims;
    for (Pending* p : batch) {
      if (p->seen != nullptr) claims.push_back(p);
    }
    std::set<std::pair<std::string, std::string>> recorded;
    for (std::size_t from = 0; from < claims.size();) {
      const std::size_t rows = chunk_rows(claims.size() - from);
      storage::Params params;
      for (std::size_t i = from; i < from + rows; ++i) {
        params.emplace_back(claims[i]->seen->issuer);
        params.emplace_back(claims[i]->seen->jti);
        params.emplace_back(claims[i]->seen->expires_at);
      }
      auto inserted = tx.query("INSERT INTO exchange_seen_requests (issuer, jti, expires_at) VALUES " +
                                   value_rows(rows, 3) + " ON CONFLICT (issuer, jti) DO NOTHING RETURNING issuer, jti",
                               params);
      if (!inserted) return std::move(inserted).error();
      for (const storage::Row& row : inserted->rows) recorded.emplace(row.text(0), row.text(1));
      from += rows;
    }
    for (Pending* p : claims) {
      // The first of two claims of one jti in this batch takes the row; the second is a replay.
      p->replayed = recorded.erase({p->seen->issuer, p->seen->jti}) == 0;
    }
    seen_count = claims.size();
    // Now and then, requests that can no longer be fresh are forgotten.
    if (seen_since_sweep_ + seen_count >= 256) {
      auto swept =
          tx.execute("DELETE FROM exchange_seen_requests WHERE expires_at < ?", {to_unix_micros(clock_.now())});
      if (!swept) return std::move(swept).error();
    }

    if (auto locked = lock_journal(tx); !locked) return std::move(locked).error();
    auto head = chain_head(tx);
    if (!head) return std::move(head).error();
    std::int64_t seq = head->first;
    std::string previous = std::move(head->second);
    const std::int64_t at = to_unix_micros(clock_.now());
    std::vector<Pending*> entries;
    for (Pending* p : batch) {
      if (!p->replayed) entries.push_back(p);
    }
    for (std::size_t from = 0; from < entries.size();) {
      const std::size_t rows = chunk_rows(entries.size() - from);
      storage::Params params;
      params.reserve(rows * kJournalColumns);
      for (std::size_t i = from; i < from + rows; ++i) {
        Pending* p = entries[i];
        p->seq = ++seq;
        std::string hash = entry_hash(previous, p->seq, at, *p->entry);
        add_journal_row(params, p->seq, at, *p->entry, previous, hash);
        previous = std::move(hash);
      }
      auto inserted = tx.execute(std::string(kInsertJournal) + value_rows(rows, kJournalColumns), params);
      if (!inserted) return std::move(inserted).error();
      from += rows;
    }
    return entries.size();
  });
  if (!written) {
    for (Pending* p : batch) p->failed = written.error();
    return;
  }
  for (Pending* p : batch) p->written = !p->replayed;
  seen_since_sweep_ = seen_since_sweep_ + seen_count >= 256 ? 0 : seen_since_sweep_ + seen_count;
}

void register_journal_pruning(jobs::Worker& worker, storage::Database& db, const Clock& clock,
                              std::chrono::hours keep) {
  worker.handle(std::string(kPruneJournalJobKind), [&db, &clock, keep](const jobs::Job&) -> Result<void> {
    auto pruned = prune_journal(db, keep, clock);
    if (!pruned) return std::move(pruned).error();
    if (*pruned > 0) log_event(LogLevel::info, "exchange_journal_pruned", {{"entries", *pruned}});
    return jobs::schedule_next_hour(db, kPruneJournalJobKind, clock);
  });
  if (auto scheduled = jobs::schedule_next_hour(db, kPruneJournalJobKind, clock); !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", std::string(kPruneJournalJobKind)}, {"error", scheduled.error().message}});
  }
}

}  // namespace guichet::exchange
