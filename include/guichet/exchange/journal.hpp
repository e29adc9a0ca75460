#pragma once
// The exchange journal: every exchange a node takes part in, answered or refused, written by both
// sides in the transaction that decides it. Append-only (database triggers refuse changes) and
// hash-chained like the audit log, so an edit or a removal is found by verify_journal; its head is
// published signed (GET /exchange/v1/journal/head) so a copy kept elsewhere can show the chain was
// not cut short. Entries older than the retention period are pruned from the oldest, after the
// anchor (the last pruned entry's hash) is recorded.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "guichet/core/batcher.hpp"
#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/exchange/entitlements.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::exchange {

enum class Side { consumer, provider };

struct JournalEntry {
  std::int64_t seq = 0;
  Instant at;
  Side side = Side::consumer;
  std::string consumer;
  std::string provider;
  std::string purpose;
  LegalBasis legal_basis;
  std::string person_id;
  std::optional<std::int64_t> user_id;
  std::vector<std::string> attributes;  // asked
  std::vector<std::string> released;    // given
  std::string outcome;                  // answered, not_found, refused, failed
  std::string reason;                   // an Errc name when not answered
  std::string request_hash;
  std::string request_jws;
  std::string response_hash;
  std::string response_signature;
};

// A request's identifier, kept until the request can no longer be fresh, so that a replay of it is
// refused (exchange_seen_requests).
struct SeenRequest {
  std::string issuer;
  std::string jti;
  std::int64_t expires_at = 0;  // unix microseconds
};

struct JournalWriterOptions {
  std::size_t max_batch = 64;  // entries written in one transaction at most
  // Lines appended past the journal's index by person before the writer folds them into it (a
  // new run: fold_person_index). 0: never here (the periodic job still folds).
  std::int64_t fold_every = 4096;
};

// Group commit for a node's journal. Every exchange ends with a write: its journal line and, on the
// provider's side, the request's jti. Written one transaction each, they are serialised by the
// chain (each entry hashes the one before), and on PostgreSQL each costs six round trips and a WAL
// flush. Here the threads appending at the same moment share one transaction (core/batcher.hpp:
// the first to arrive leads, later arrivals form the next batch): one lock, one read of the head,
// multi-row inserts, one commit. Each caller returns once its own entry is committed.
class JournalWriter {
 public:
  JournalWriter(storage::Database& db, const Clock& clock, JournalWriterOptions options = {});
  ~JournalWriter();  // writes what detached appends left queued first
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Appends `entry` and, when `seen` is given, records that request in the same transaction.
  // Returns the entry's seq once committed; replayed_request (and nothing written for it) when
  // `seen` was recorded before, in this batch or an earlier one; a database error when the batch
  // could not be written (nothing of it was). The batch runs on the statement timeout, not the
  // caller's deadline: it holds other requests' entries too.
  // Every `fold_every` lines, the caller whose line crossed the mark folds the tail into the index
  // by person before returning (a few milliseconds, once per some thousand answers).
  Result<std::int64_t> append(const JournalEntry& entry, const SeenRequest* seen = nullptr);

  // The same without waiting: `written` is called with what append() would return (and the entry,
  // given back: a replay's refusal is journaled from it) once the batch holding the entry is
  // committed or has failed, on the thread that wrote that batch: a thread waiting in append()
  // that leads, or, when nobody was writing, this writer's committer thread (started on first use),
  // never the appending thread, which returns at once. Nothing is left unwritten or untold: an
  // exception while writing is told as a failure. `written` runs outside any request's deadline;
  // it may append again detached, never with append() (its thread may be the one that would have
  // to write that batch). For handlers that free their thread instead of waiting
  // (Node::answer_detached).
  using Written = std::function<void(Result<std::int64_t> outcome, JournalEntry entry)>;
  void append_detached(JournalEntry entry, std::optional<SeenRequest> seen, Written written);

  BatchStats stats() const { return batcher_.stats(); }     // batches are transactions
  std::size_t queued() const { return batcher_.queued(); }  // entries waiting for a leader (tests)
  bool writing() const { return batcher_.running(); }       // a batch is being written (tests)

 private:
  struct Pending;
  void write_batch(std::span<Pending* const> batch);
  // write_batch, then tells the batch's detached entries (whichever thread leads may write them).
  void write_and_tell(std::span<Pending* const> batch);
  void fold_if_due(std::int64_t seq);

  storage::Database& db_;
  const Clock& clock_;
  Batcher<Pending> batcher_;
  std::int64_t fold_every_;
  std::atomic<std::int64_t> next_fold_at_{0};  // a line's seq from which a fold is tried
  std::atomic<bool> folding_{false};           // one fold at a time from this writer
  std::uint64_t seen_since_sweep_ = 0;         // only the batch being written touches it
  // Writes the detached appends' batches when nobody else is writing (append_detached).
  class Committer;
  std::once_flag committer_started_;
  std::unique_ptr<Committer> committer_;  // last: stopped, and its queue written, first
};

struct JournalHead {
  std::int64_t seq = 0;
  std::string hash;
};
Result<JournalHead> journal_head(storage::Database& db);

struct JournalVerification {
  std::int64_t entries = 0;
  bool intact = true;
  std::optional<std::int64_t> broken_at;
  std::string problem;
  JournalHead head;
};
// Checks the chain from the anchor (or the genesis) to the head, then the index by person against
// the lines: a line its person's search would miss, or a pair naming a line under another person,
// makes the journal not intact, the problem named.
Result<JournalVerification> verify_journal(storage::Database& db);

struct JournalQuery {
  std::optional<std::string> person_id;
  std::optional<std::int64_t> user_id;
  std::optional<std::string> peer;  // consumer or provider
  std::optional<std::string> outcome;
  // Only exchanges for these purposes (an administration's auditors see their services' only).
  std::optional<std::vector<std::string>> purposes;
  std::optional<Instant> since;
  std::optional<Side> side;
  std::int64_t before_seq = 0;  // 0: from the newest
  std::int64_t after_seq = 0;   // > 0, or with oldest_first: entries after it, oldest first
  bool oldest_first = false;
  std::int64_t limit = 100;
};
// Newest first (oldest first with `oldest_first`). A person's own page asks by person_id or
// user_id (their accesses); an auditor by peer and time; the access reports by side and seq.
Result<std::vector<JournalEntry>> read_journal(storage::Database& db, const JournalQuery& query);

// Removes entries older than `keep`, recording the anchor first. Returns how many went.
Result<std::int64_t> prune_journal(storage::Database& db, std::chrono::hours keep, const Clock& clock);

// The journal's index by person is kept as sorted runs (migration 0050): a person's lines are
// those the runs list plus those past the last run (the tail), which a search scans.
struct PersonIndexFold {
  std::int64_t lines = 0;        // folded now (0: fewer than asked for, or another node folding)
  std::int64_t through_seq = 0;  // the index covers the lines up to here
  bool skipped_busy = false;     // another node was folding or merging (PostgreSQL)
};
// Folds the lines past the index into a new run, when there are at least `at_least` of them; the
// (person_id, seq) pairs are inserted sorted, at the index's right edge.
Result<PersonIndexFold> fold_person_index(storage::Database& db, std::int64_t at_least = 1);

struct PersonIndexCompaction {
  std::size_t fan_in = 16;  // runs of one level merged into one run of the next
  int top_level = 2;        // runs of this level are not merged further
  // Pairs copied (or deleted) per transaction, about. 0: by engine, 16,384 on SQLite, whose journal
  // writers wait for each transaction (some 2 us a pair here: a merge of a million pairs is many
  // waits of tens of milliseconds, not one of seconds), and whole merges on PostgreSQL, whose
  // writers never wait for one; -1: whole merges.
  std::int64_t slice = 0;
  // Between slices: SQLite's waiting writers poll for the lock every few milliseconds, and a loop
  // taking it again at once would leave them waiting for the whole merge.
  std::chrono::milliseconds pause{10};
  int max_steps = 0;  // transactions at most (tests, to stop in the middle of a merge); 0: until done
};
// Merges the runs of each level below the top, `fan_in` at a time, into one run of the next level,
// so a search seeks into at most (fan_in - 1) runs per level below the top. A merge is recorded
// (exchange_journal_person_merges) and done a slice of people at a time, one transaction each; the
// last swaps the new run for its sources, whose pairs are then deleted a slice at a time too. A
// merge left in the middle (a restart, another node) is carried on by the next call. Returns how
// many runs were merged.
Result<std::int64_t> compact_person_index(storage::Database& db, PersonIndexCompaction options = {});

// The periodic job (every minute) that folds the tail, whatever its length, and compacts the
// index by person: the writer's own folds need fold_every lines, and merging runs takes longer
// than an answer may. Every minute, so that a busy node's new runs are merged before a search has
// many to seek into (at 5,000 answers a second, some 70 runs a minute).
inline constexpr std::string_view kCompactJournalIndexJobKind = "exchange.compact_journal_index";

// The hourly job that prunes the journal past its retention (`--exchange-journal-days`, a year by
// default, as EU OOTS keeps its exchange logs 12 months), on whichever node takes it.
inline constexpr std::string_view kPruneJournalJobKind = "exchange.prune_journal";
// Registers both jobs (pruning and the index's compaction).
void register_journal_jobs(jobs::Worker& worker, storage::Database& db, const Clock& clock, std::chrono::hours keep);

}  // namespace guichet::exchange
