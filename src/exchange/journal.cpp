#include "guichet/exchange/journal.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

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
// Not the journal's lock either: folding and merging the index by person never hold up a writer.
constexpr std::int64_t kPersonIndexLock = 4823014;

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

// PostgreSQL: takes the index by person's lock for this transaction, waiting for it or only when
// it is free (false when it is not). SQLite: the write transaction is the lock.
Result<bool> lock_person_index(storage::Connection& tx, bool wait) {
  if (tx.backend() != storage::Backend::postgresql) return true;
  auto locked = tx.query(wait ? "SELECT 1 FROM (SELECT pg_advisory_xact_lock(?)) AS l"
                              : "SELECT CASE WHEN pg_try_advisory_xact_lock(?) THEN 1 ELSE 0 END",
                         {kPersonIndexLock});
  if (!locked) return std::move(locked).error();
  return !locked->empty() && locked->rows[0].integer(0) == 1;
}

// " AND seq IN (...)": the seqs of a person's lines, read in the caller's snapshot. The runs are
// read first and named by id, so each is one seek of the (run_id, person_id) key whatever the
// engine's statistics say (PostgreSQL, with none yet, hashed the whole index); the tail is a range
// of seq bounded on both sides; with `user_id`, the lines naming that account too.
Result<void> add_person_seqs(storage::Connection& c, const std::string& person_id,
                             const std::optional<std::int64_t>& user_id, std::string& sql, storage::Params& params) {
  auto runs = c.query("SELECT run_id, last_seq FROM exchange_journal_person_runs ORDER BY run_id");
  if (!runs) return std::move(runs).error();
  auto newest = c.query("SELECT COALESCE(MAX(seq), 0) FROM exchange_journal");
  if (!newest) return std::move(newest).error();
  sql += " AND seq IN (";
  std::int64_t through = 0;
  if (!runs->empty()) {
    // Padded to a power of two by repeating the last run, so a connection prepares few texts.
    std::size_t padded = 1;
    while (padded < runs->size()) padded *= 2;
    sql += "SELECT i.seq FROM exchange_journal_person_index i WHERE i.run_id IN " + storage::in_list(padded) +
           " AND i.person_id = ? UNION ALL ";
    for (std::size_t k = 0; k < padded; ++k) params.emplace_back(runs->rows[std::min(k, runs->size() - 1)].integer(0));
    params.emplace_back(person_id);
    for (const storage::Row& run : runs->rows) through = std::max(through, run.integer(1));
  }
  sql += "SELECT t.seq FROM exchange_journal t WHERE t.seq > ? AND t.seq <= ? AND t.person_id = ?";
  params.emplace_back(through);
  params.emplace_back(newest->rows[0].integer(0));
  params.emplace_back(person_id);
  if (user_id) {
    sql += " UNION ALL SELECT u.seq FROM exchange_journal u WHERE u.user_id = ?";
    params.emplace_back(*user_id);
  }
  sql += ")";
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
  // The index by person is not chained: a pair removed would hide a line from its person's
  // search, a pair added would show one to another. Every line up to the last run must be listed
  // under its own person, and every pair past the anchor must name its line's person.
  const std::int64_t anchored = anchor->empty() ? 0 : anchor->rows[0].integer(0);
  auto index = db.read([&](storage::Connection& c) {
    return c.query(
        "SELECT (SELECT COUNT(*) FROM exchange_journal WHERE seq <= (SELECT COALESCE(MAX(last_seq), 0) FROM "
        "exchange_journal_person_runs)), (SELECT COUNT(DISTINCT i.seq) FROM exchange_journal_person_index i JOIN "
        "exchange_journal j ON j.seq = i.seq AND j.person_id = i.person_id WHERE i.run_id IN (SELECT run_id FROM "
        "exchange_journal_person_runs)), (SELECT COUNT(*) FROM exchange_journal_person_index i WHERE i.run_id IN "
        "(SELECT run_id FROM exchange_journal_person_runs) AND i.seq > ? AND NOT EXISTS (SELECT 1 FROM "
        "exchange_journal j WHERE j.seq = i.seq AND j.person_id = i.person_id))",
        {anchored});
  });
  if (!index) return std::move(index).error();
  const std::int64_t indexed = index->rows[0].integer(0);
  const std::int64_t listed = index->rows[0].integer(1);
  const std::int64_t stray = index->rows[0].integer(2);
  if (listed < indexed) {
    result.intact = false;
    result.problem = "the index by person misses " + std::to_string(indexed - listed) + " entries";
  } else if (stray > 0) {
    result.intact = false;
    result.problem = "the index by person names " + std::to_string(stray) + " entries under another person";
  }
  return result;
}

Result<std::vector<JournalEntry>> read_journal(storage::Database& db, const JournalQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return make_error(Errc::bad_journal_query, "a page holds 1 to 1000 entries");
  // The filters after the person's (whose seqs are read in the snapshot, below).
  std::string filters;
  storage::Params filter_params;
  if (!q.person_id && q.user_id) {
    filters += " AND user_id = ?";
    filter_params.emplace_back(*q.user_id);
  }
  if (q.peer) {
    filters += " AND (consumer = ? OR provider = ?)";
    filter_params.emplace_back(*q.peer);
    filter_params.emplace_back(*q.peer);
  }
  if (q.outcome) {
    filters += " AND outcome = ?";
    filter_params.emplace_back(*q.outcome);
  }
  if (q.purposes) {
    if (q.purposes->empty()) return std::vector<JournalEntry>{};
    filters += " AND purpose IN " + storage::in_list(q.purposes->size());
    for (const std::string& p : *q.purposes) filter_params.emplace_back(p);
  }
  if (q.since) {
    filters += " AND at >= ?";
    filter_params.emplace_back(to_unix_micros(*q.since));
  }
  if (q.side) {
    filters += " AND side = ?";
    filter_params.emplace_back(std::string(side_name(*q.side)));
  }
  if (q.before_seq > 0) {
    filters += " AND seq < ?";
    filter_params.emplace_back(q.before_seq);
  }
  if (q.after_seq > 0) {
    filters += " AND seq > ?";
    filter_params.emplace_back(q.after_seq);
  }
  filters += q.oldest_first || q.after_seq > 0 ? " ORDER BY seq LIMIT ?" : " ORDER BY seq DESC LIMIT ?";
  filter_params.emplace_back(q.limit);
  auto search = [&](storage::Connection& c) -> Result<storage::Rows> {
    std::string sql = std::string("SELECT ") + std::string(kColumns) + " FROM exchange_journal WHERE 1 = 1";
    storage::Params params;
    if (q.person_id) {
      if (auto added = add_person_seqs(c, *q.person_id, q.user_id, sql, params); !added) {
        return std::move(added).error();
      }
    }
    sql += filters;
    params.insert(params.end(), filter_params.begin(), filter_params.end());
    return c.query(sql, params);
  };
  // A person's search reads the runs, then their pairs: one snapshot, so that a merge in between
  // cannot take pairs away. SQLite's reads share one; on PostgreSQL, a read-only repeatable-read
  // transaction.
  auto rows = !q.person_id || db.backend() == storage::Backend::sqlite
                  ? db.read(search)
                  : db.transaction([&](storage::Connection& c) -> Result<storage::Rows> {
                      if (auto set = c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !set) {
                        return std::move(set).error();
                      }
                      return search(c);
                    });
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
    // The runs of the index by person wholly before the anchor go with their lines (a run that
    // straddles it keeps a few pairs whose line is gone: a search joins them to no line).
    if (auto locked = lock_person_index(c, true); !locked) return std::move(locked).error();
    // Their pairs are deleted by the compaction, a slice at a time (a run may hold a million).
    if (auto dropped = c.execute("INSERT INTO exchange_journal_person_dropped (run_id) SELECT run_id FROM "
                                 "exchange_journal_person_runs WHERE last_seq <= ?",
                                 {through});
        !dropped) {
      return std::move(dropped).error();
    }
    if (auto gone = c.execute("DELETE FROM exchange_journal_person_runs WHERE last_seq <= ?", {through}); !gone) {
      return std::move(gone).error();
    }
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
  // A detached append's own copies and whom to tell (append_detached); the Pending is then owned
  // by the queue and deleted once told.
  JournalEntry owned_entry;
  std::optional<SeenRequest> owned_seen;
  Written tell;

  Result<std::int64_t> outcome() const {
    if (failed) return *failed;
    if (replayed) return make_error(Errc::replayed_request, "this request was already answered");
    if (!written) return make_error(storage::Errc::database_unreachable, "the journal batch was not written");
    return seq;
  }
};

// One thread per writer that has had a detached append: woken when a detached append finds nobody
// writing, it writes batches until none is queued (or a waiting append() takes over), then sleeps.
// Under load it writes commit after commit while the appending threads go on with their requests.
class JournalWriter::Committer {
 public:
  explicit Committer(JournalWriter& writer) : thread_([this, &writer] { loop(writer); }) {}
  ~Committer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    woken_.notify_one();
    thread_.join();
  }
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void wake() {
    {
      std::lock_guard lock(mutex_);
      due_ = true;
    }
    woken_.notify_one();
  }

 private:
  void loop(JournalWriter& writer) {
    std::unique_lock lock(mutex_);
    for (;;) {
      woken_.wait(lock, [this] { return due_ || stopping_; });
      if (!due_) return;  // stopping, nothing queued for it
      due_ = false;
      lock.unlock();
      writer.batcher_.run_detached([&writer](std::span<Pending* const> batch) { writer.write_and_tell(batch); });
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable woken_;
  bool due_ = false;  // a detached append found nobody writing: run_detached is owed
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

JournalWriter::JournalWriter(storage::Database& db, const Clock& clock, JournalWriterOptions options)
    : db_(db), clock_(clock), batcher_(options.max_batch), fold_every_(options.fold_every) {}

JournalWriter::~JournalWriter() = default;

void JournalWriter::fold_if_due(std::int64_t seq) {
  if (fold_every_ <= 0 || seq < next_fold_at_.load(std::memory_order_relaxed)) return;
  if (folding_.exchange(true, std::memory_order_acquire)) return;
  // The fold is the index's, not this request's: it is not cut short by the caller's deadline.
  DeadlineScope fold_has_its_own_time(std::nullopt);
  auto folded = fold_person_index(db_, fold_every_);
  if (!folded) {
    log_event(LogLevel::warn, "exchange_journal_fold_failed", {{"error", folded.error().message}});
  }
  // After a failure, or while another node folds or merges, tried again some lines later.
  const bool retry_soon = !folded || folded->skipped_busy;
  next_fold_at_.store(retry_soon ? seq + std::max<std::int64_t>(1, fold_every_ / 8) : folded->through_seq + fold_every_,
                      std::memory_order_relaxed);
  folding_.store(false, std::memory_order_release);
}

Result<std::int64_t> JournalWriter::append(const JournalEntry& entry, const SeenRequest* seen) {
  Pending mine;
  mine.entry = &entry;
  mine.seen = seen;
  batcher_.submit(mine, [this](std::span<Pending* const> batch) { write_and_tell(batch); });
  auto outcome = mine.outcome();
  if (outcome) fold_if_due(*outcome);
  return outcome;
}

void JournalWriter::append_detached(JournalEntry entry, std::optional<SeenRequest> seen, Written written) {
  auto pending = std::make_unique<Pending>();
  pending->owned_entry = std::move(entry);
  pending->owned_seen = std::move(seen);
  pending->entry = &pending->owned_entry;
  pending->seen = pending->owned_seen ? &*pending->owned_seen : nullptr;
  pending->tell = std::move(written);
  Pending& queued = *pending.release();  // deleted by write_and_tell once told
  if (batcher_.submit_detached(queued)) {
    std::call_once(committer_started_, [this] { committer_ = std::make_unique<Committer>(*this); });
    committer_->wake();
  }
}

void JournalWriter::write_and_tell(std::span<Pending* const> batch) {
  std::exception_ptr thrown;
  try {
    write_batch(batch);
  } catch (...) {
    // The waiting callers' leader rethrows it; the detached entries are told of a failure
    // (outcome(): not written).
    thrown = std::current_exception();
  }
  // The detached entries' owners hear of them outside the batch's transaction and outside any
  // request's deadline (this thread's may be another request's).
  DeadlineScope told_outside_any_deadline(std::nullopt);
  for (Pending* p : batch) {
    if (!p->tell) continue;
    std::unique_ptr<Pending> owned(p);
    auto outcome = p->outcome();
    try {
      p->tell(outcome, std::move(p->owned_entry));
    } catch (const std::exception& e) {
      // The owner's failure is its own; the batch's other owners are still told.
      log_event(LogLevel::error, "exchange_journal_tell_failed", {{"error", e.what()}});
    } catch (...) {
      log_event(LogLevel::error, "exchange_journal_tell_failed", {{"error", "not a std::exception"}});
    }
    if (outcome) fold_if_due(*outcome);
  }
  if (thrown) std::rethrow_exception(thrown);
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

// A run id above every other: listed, being merged into, or whose pairs are still being deleted.
Result<std::int64_t> next_run_id(storage::Connection& tx) {
  auto top = tx.query(
      "SELECT COALESCE(MAX(run_id), 0) FROM exchange_journal_person_runs UNION ALL SELECT COALESCE(MAX(run_id), 0) "
      "FROM exchange_journal_person_merges UNION ALL SELECT COALESCE(MAX(run_id), 0) FROM "
      "exchange_journal_person_index");
  if (!top) return std::move(top).error();
  std::int64_t highest = 0;
  for (const storage::Row& row : top->rows) highest = std::max(highest, row.integer(0));
  return highest + 1;
}

Result<PersonIndexFold> fold_person_index(storage::Database& db, std::int64_t at_least) {
  return db.transaction([&](storage::Connection& tx) -> Result<PersonIndexFold> {
    PersonIndexFold fold;
    auto locked = lock_person_index(tx, false);
    if (!locked) return std::move(locked).error();
    if (!*locked) {
      fold.skipped_busy = true;
      return fold;
    }
    auto runs = tx.query("SELECT COALESCE(MAX(last_seq), 0) FROM exchange_journal_person_runs");
    if (!runs) return std::move(runs).error();
    auto newest = tx.query("SELECT COALESCE(MAX(seq), 0) FROM exchange_journal");
    if (!newest) return std::move(newest).error();
    const std::int64_t through = runs->rows[0].integer(0);
    const std::int64_t head = newest->rows[0].integer(0);
    fold.through_seq = through;
    if (head <= through || head - through < at_least) return fold;
    auto next = next_run_id(tx);
    if (!next) return std::move(next).error();
    const std::int64_t run = *next;
    // Every line up to the newest is committed: the chain's lock hands seqs out in commit order.
    if (auto added = tx.execute(
            "INSERT INTO exchange_journal_person_runs (run_id, level, first_seq, last_seq) VALUES (?, 0, ?, ?)",
            {run, through + 1, head});
        !added) {
      return std::move(added).error();
    }
    auto folded = tx.execute(
        "INSERT INTO exchange_journal_person_index (run_id, person_id, seq) SELECT ?, person_id, seq FROM "
        "exchange_journal WHERE seq > ? AND seq <= ? ORDER BY person_id, seq",
        {run, through, head});
    if (!folded) return std::move(folded).error();
    fold.lines = *folded;
    fold.through_seq = head;
    return fold;
  });
}

namespace {

// Pairs copied or deleted per transaction on SQLite, where every journal write waits for it: some
// 2 us a pair here, so about 35 ms.
constexpr std::int64_t kSqliteSlice = 16384;

// One transaction of compaction; each returns whether it found work (and did a slice of it).
struct CompactionStep {
  bool worked = false;
  std::int64_t runs_merged = 0;  // set by the slice that swaps a finished merge in
};

// The person at which a slice of `run`'s pairs past `after` ends: the slice's last person, or
// nullopt when fewer than `slice` pairs are left (the slice is the rest).
Result<std::optional<std::string>> slice_end(storage::Connection& tx, std::int64_t run,
                                             const std::optional<std::string>& after, std::int64_t slice) {
  auto end = after ? tx.query(
                         "SELECT person_id FROM exchange_journal_person_index WHERE run_id = ? AND person_id > ? "
                         "ORDER BY person_id, seq LIMIT 1 OFFSET ?",
                         {run, *after, slice})
                   : tx.query(
                         "SELECT person_id FROM exchange_journal_person_index WHERE run_id = ? "
                         "ORDER BY person_id, seq LIMIT 1 OFFSET ?",
                         {run, slice});
  if (!end) return std::move(end).error();
  if (end->empty()) return std::optional<std::string>{};
  return std::optional<std::string>{end->rows[0].text(0)};
}

// The next slice of the merge in progress, if any: the sources' pairs of the next range of people
// copied into the new run, sorted; the last slice lists the new run in place of its sources.
Result<CompactionStep> merge_slice(storage::Connection& tx, std::optional<std::int64_t> slice) {
  CompactionStep step;
  auto merge = tx.query(
      "SELECT run_id, level, first_seq, last_seq, after_person FROM exchange_journal_person_merges ORDER BY run_id "
      "LIMIT 1");
  if (!merge) return std::move(merge).error();
  if (merge->empty()) return step;
  step.worked = true;
  const storage::Row& m = merge->rows[0];
  const std::int64_t run = m.integer(0);
  const std::optional<std::string> after = m.is_null(4) ? std::nullopt : std::optional<std::string>(m.text(4));
  auto sources =
      tx.query("SELECT run_id FROM exchange_journal_person_runs WHERE merging_into = ? ORDER BY run_id", {run});
  if (!sources) return std::move(sources).error();
  storage::Params ids;
  for (const storage::Row& row : sources->rows) ids.emplace_back(row.integer(0));
  // The slice ends where the first of the sources reaches its share of the slice, so each source
  // gives at most its share (and the pairs of the last person whole). "First" in byte order: where
  // the database collates otherwise the slice is only larger, as every source is cut at the same
  // person.
  std::optional<std::string> end;
  if (slice) {
    const std::int64_t share =
        std::max<std::int64_t>(1, *slice / static_cast<std::int64_t>(std::max<std::size_t>(1, ids.size())));
    for (const storage::Value& id : ids) {
      auto ends = slice_end(tx, std::get<std::int64_t>(id), after, share);
      if (!ends) return std::move(ends).error();
      if (*ends && (!end || **ends < *end)) end = *ends;
    }
  }
  if (!ids.empty()) {
    std::string sql =
        "INSERT INTO exchange_journal_person_index (run_id, person_id, seq) SELECT ?, person_id, seq FROM "
        "exchange_journal_person_index WHERE run_id IN " +
        storage::in_list(ids.size());
    storage::Params params{run};
    params.insert(params.end(), ids.begin(), ids.end());
    if (after) {
      sql += " AND person_id > ?";
      params.emplace_back(*after);
    }
    if (end) {
      sql += " AND person_id <= ?";
      params.emplace_back(*end);
    }
    sql += " ORDER BY person_id, seq";
    if (auto copied = tx.execute(sql, params); !copied) return std::move(copied).error();
  }
  if (end) {
    auto moved = tx.execute("UPDATE exchange_journal_person_merges SET after_person = ? WHERE run_id = ?", {*end, run});
    if (!moved) return std::move(moved).error();
    return step;
  }
  // Every source copied: the new run is listed and its sources are not, in this one transaction, so
  // a search (one snapshot) sees either; the sources' pairs are deleted by later slices.
  if (auto dropped = tx.execute(
          "INSERT INTO exchange_journal_person_dropped (run_id) SELECT run_id FROM exchange_journal_person_runs WHERE "
          "merging_into = ?",
          {run});
      !dropped) {
    return std::move(dropped).error();
  }
  if (auto gone = tx.execute("DELETE FROM exchange_journal_person_runs WHERE merging_into = ?", {run}); !gone) {
    return std::move(gone).error();
  }
  if (auto listed = tx.execute(
          "INSERT INTO exchange_journal_person_runs (run_id, level, first_seq, last_seq) VALUES (?, ?, ?, ?)",
          {run, m.integer(1), m.integer(2), m.integer(3)});
      !listed) {
    return std::move(listed).error();
  }
  if (auto done = tx.execute("DELETE FROM exchange_journal_person_merges WHERE run_id = ?", {run}); !done) {
    return std::move(done).error();
  }
  step.runs_merged = static_cast<std::int64_t>(ids.size());
  return step;
}

// A slice of the pairs of a run no longer listed, deleted (the whole run when there are no slices,
// as on PostgreSQL by default). From where the last slice stopped, not from the run's start: with
// slices on PostgreSQL, which keeps deleted entries in the index until a vacuum, seeking past them
// each time made the deletions quadratic.
Result<CompactionStep> drop_slice(storage::Connection& tx, std::optional<std::int64_t> slice) {
  CompactionStep step;
  auto dropped = tx.query("SELECT run_id, after_person FROM exchange_journal_person_dropped ORDER BY run_id LIMIT 1");
  if (!dropped) return std::move(dropped).error();
  if (dropped->empty()) return step;
  step.worked = true;
  const std::int64_t run = dropped->rows[0].integer(0);
  const std::optional<std::string> after =
      dropped->rows[0].is_null(1) ? std::nullopt : std::optional<std::string>(dropped->rows[0].text(1));
  auto end = slice ? slice_end(tx, run, after, *slice) : std::optional<std::string>{};
  if (!end) return std::move(end).error();
  if (*end) {
    auto gone = after ? tx.execute(
                            "DELETE FROM exchange_journal_person_index WHERE run_id = ? AND person_id > ? AND "
                            "person_id <= ?",
                            {run, *after, **end})
                      : tx.execute("DELETE FROM exchange_journal_person_index WHERE run_id = ? AND person_id <= ?",
                                   {run, **end});
    if (!gone) return std::move(gone).error();
    auto moved =
        tx.execute("UPDATE exchange_journal_person_dropped SET after_person = ? WHERE run_id = ?", {**end, run});
    if (!moved) return std::move(moved).error();
    return step;
  }
  auto gone =
      after ? tx.execute("DELETE FROM exchange_journal_person_index WHERE run_id = ? AND person_id > ?", {run, *after})
            : tx.execute("DELETE FROM exchange_journal_person_index WHERE run_id = ?", {run});
  if (!gone) return std::move(gone).error();
  if (auto done = tx.execute("DELETE FROM exchange_journal_person_dropped WHERE run_id = ?", {run}); !done) {
    return std::move(done).error();
  }
  return step;
}

// A new merge recorded, when a level below the top holds fan_in runs not being merged.
Result<CompactionStep> start_merge(storage::Connection& tx, const PersonIndexCompaction& options, std::size_t fan_in) {
  CompactionStep step;
  for (int level = 0; level < options.top_level; ++level) {
    auto runs = tx.query(
        "SELECT run_id, first_seq, last_seq FROM exchange_journal_person_runs WHERE level = ? AND merging_into IS NULL "
        "ORDER BY run_id LIMIT ?",
        {std::int64_t{level}, static_cast<std::int64_t>(fan_in)});
    if (!runs) return std::move(runs).error();
    if (runs->size() < fan_in) continue;
    auto run = next_run_id(tx);
    if (!run) return std::move(run).error();
    // A level's runs follow each other in the journal, oldest first: merged, they cover the lines
    // from the first one's first to the last one's last.
    if (auto recorded = tx.execute(
            "INSERT INTO exchange_journal_person_merges (run_id, level, first_seq, last_seq) VALUES (?, ?, ?, ?)",
            {*run, std::int64_t{level + 1}, runs->rows.front().integer(1), runs->rows.back().integer(2)});
        !recorded) {
      return std::move(recorded).error();
    }
    storage::Params params{*run};
    for (const storage::Row& row : runs->rows) params.emplace_back(row.integer(0));
    if (auto named = tx.execute("UPDATE exchange_journal_person_runs SET merging_into = ? WHERE run_id IN " +
                                    storage::in_list(runs->size()),
                                params);
        !named) {
      return std::move(named).error();
    }
    step.worked = true;
    return step;
  }
  return step;
}

}  // namespace

Result<std::int64_t> compact_person_index(storage::Database& db, PersonIndexCompaction options) {
  const std::size_t fan_in = std::max<std::size_t>(2, options.fan_in);
  // PostgreSQL's journal writers never wait for a merge (it takes the index's own lock), and there
  // slices cost half as much again as one transaction (docs/PERFORMANCE.md): whole merges.
  std::optional<std::int64_t> slice;
  if (options.slice > 0) {
    slice = options.slice;
  } else if (options.slice == 0 && db.backend() == storage::Backend::sqlite) {
    slice = kSqliteSlice;
  }
  std::int64_t merged = 0;
  for (int steps = 0; options.max_steps <= 0 || steps < options.max_steps; ++steps) {
    // One slice per transaction: SQLite's writers wait for each, never for a whole merge.
    auto step = db.transaction([&](storage::Connection& tx) -> Result<CompactionStep> {
      if (auto locked = lock_person_index(tx, true); !locked) return std::move(locked).error();
      auto merging = merge_slice(tx, slice);
      if (!merging || merging->worked) return merging;
      auto dropping = drop_slice(tx, slice);
      if (!dropping || dropping->worked) return dropping;
      return start_merge(tx, options, fan_in);
    });
    if (!step) return std::move(step).error();
    merged += step->runs_merged;
    if (!step->worked) break;
    if (options.pause.count() > 0) std::this_thread::sleep_for(options.pause);
  }
  return merged;
}

void register_journal_jobs(jobs::Worker& worker, storage::Database& db, const Clock& clock, std::chrono::hours keep) {
  static constexpr std::chrono::minutes kCompactionPeriod{1};
  worker.handle(std::string(kCompactJournalIndexJobKind), [&db, &clock](const jobs::Job&) -> Result<void> {
    auto folded = fold_person_index(db);
    if (!folded) return std::move(folded).error();
    auto merged = compact_person_index(db);
    if (!merged) return std::move(merged).error();
    if (*merged > 0) log_event(LogLevel::info, "exchange_journal_index_compacted", {{"runs_merged", *merged}});
    return jobs::schedule_next_period(db, kCompactJournalIndexJobKind, kCompactionPeriod, clock);
  });
  if (auto scheduled = jobs::schedule_next_period(db, kCompactJournalIndexJobKind, kCompactionPeriod, clock);
      !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", std::string(kCompactJournalIndexJobKind)}, {"error", scheduled.error().message}});
  }

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
