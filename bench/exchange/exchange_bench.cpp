// Signed and journaled exchanges per second on one core: a consumer node and a provider node,
// each on its own database, in one process and on one thread, so the figure is the whole cost of
// an exchange on both sides (sign the request, check it, read the entitlement and the record, sign
// the answer, write the jti and the provider's journal line, check the answer, write the
// consumer's journal line). The transport hands the request straight to the provider (no HTTP):
// what is measured is the exchange, not the network. References in the same run: the
// cryptographic floor (two ES256 signatures and two verifications, nothing else), the
// provider's reads alone (entitlement and record, nothing signed or written), and the provider's
// ES256 check and signature as OpenSSL's primitives alone (what the per-core goal is measured
// against: no change to Guichet's code moves it).
//
//   build/bench/exchange_bench [exchanges] [rounds] [threads]   (default 3000, 5 rounds, 4 threads)
//   GUICHET_BENCH_PROVIDER_ONLY=1 build/bench/exchange_bench ...   (only the provider's side at
//     `threads` callers, every round: for a profiler such as `perf record`; answered detached, as
//     the server's endpoint answers, or with GUICHET_BENCH_WAITING=1 each caller waiting for its
//     journal commit)
//   GUICHET_BENCH_PEOPLE=sequential build/bench/exchange_bench ...   (the people asked in key order
//     instead of a seeded random order)
//   GUICHET_BENCH_PG=postgresql://user@host:port/postgres build/bench/exchange_bench
//     (two databases, exchange_bench_consumer and exchange_bench_provider, are made and dropped)
//   GUICHET_BENCH_LARGEST_MERGE=1 build/bench/exchange_bench   (only the index by person's largest
//     merge: 16 runs of 65,536 pairs into one of 1,048,576, timed while one thread appends journal
//     lines, whose longest wait is the stall the merge causes)
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <dlfcn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/entitlements.hpp"
#include "guichet/exchange/exchange.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::exchange {
namespace {
using Steady = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

Error message_error(std::string message) {
  Error e;
  e.message = std::move(message);
  return e;
}

template <class T>
T need(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(r).value();
}
void need(Result<void> r, const std::string& what) {
  if (!r) die(what, r.error());
}

// The provider's handlers called directly: the request and its answer as they would travel.
class Direct : public Transport {
 public:
  Node* provider = nullptr;
  Node* consumer = nullptr;
  Result<HttpReply> get(const std::string& url) override {
    Node* n = url.find("provider") != std::string::npos ? provider : consumer;
    auto signer = url.substr(url.find("signed_by=") + 10);
    return HttpReply{200, "application/jose", need(n->keys().signed_key_set(signer), "key set")};
  }
  Result<HttpReply> post(const std::string&, const std::string&, const std::string& body) override {
    if (capture) {
      // Preparing requests for the provider-side runs: kept, never sent (the consumer journals
      // a failed exchange for each, outside the timed part).
      std::lock_guard lock(captured_mutex);
      captured.push_back(body);
      return HttpReply{503, "text/plain", ""};
    }
    const auto start = Steady::now();
    ProviderAnswer answer = provider->answer(body);
    provider_nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - start).count();
    return HttpReply{answer.status, "application/jose", answer.body};
  }
  std::atomic<std::int64_t> provider_nanos{0};
  bool capture = false;
  std::mutex captured_mutex;
  std::vector<std::string> captured;
};

// CPU seconds used so far by this process and by the PostgreSQL server's processes on this
// machine (every process named postgres: its backends, WAL writer, checkpointer), so that a
// rate per core counts the database's work as well as the node's. On SQLite the second is 0.
struct CpuSeconds {
  double self = 0;
  double server = 0;
};
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}
// The ES256 primitives alone, through OpenSSL with nothing around them, on one thread: hash a
// request's signing input and check its signature, hash an answer's and sign it, per CPU second.
// A reference no change to Guichet can move (the provider's cryptography measured below goes
// through oidc::verify_jws and sign_jws, whose own overhead is Guichet's code), so the goal's
// 5,000 answers a second per core reads, on any machine, as a ratio to it.
double raw_es256_pairs_per_cpu_second(std::string_view request_input, std::string_view answer_input, int pairs) {
  auto fail = [] {
    std::fprintf(stderr, "OpenSSL's ES256 failed\n");
    std::exit(1);
  };
  EVP_PKEY* consumer_key = EVP_EC_gen("P-256");
  EVP_PKEY* provider_key = EVP_EC_gen("P-256");
  if (consumer_key == nullptr || provider_key == nullptr) fail();
  EVP_PKEY_CTX* checking = EVP_PKEY_CTX_new_from_pkey(nullptr, consumer_key, nullptr);
  EVP_PKEY_CTX* signing = EVP_PKEY_CTX_new_from_pkey(nullptr, provider_key, nullptr);
  EVP_PKEY_CTX* consumer_signing = EVP_PKEY_CTX_new_from_pkey(nullptr, consumer_key, nullptr);
  if (checking == nullptr || signing == nullptr || consumer_signing == nullptr || EVP_PKEY_verify_init(checking) != 1 ||
      EVP_PKEY_sign_init(signing) != 1 || EVP_PKEY_sign_init(consumer_signing) != 1) {
    fail();
  }
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  auto digest_of = [&](std::string_view input, unsigned char* out) {
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), out, &length, sha256, nullptr) != 1) fail();
  };
  unsigned char digest[32];
  unsigned char request_signature[80];
  std::size_t request_signature_size = sizeof request_signature;
  digest_of(request_input, digest);
  if (EVP_PKEY_sign(consumer_signing, request_signature, &request_signature_size, digest, sizeof digest) != 1) fail();
  const double start = thread_cpu_seconds();
  for (int i = 0; i < pairs; ++i) {
    digest_of(request_input, digest);
    if (EVP_PKEY_verify(checking, request_signature, request_signature_size, digest, sizeof digest) != 1) fail();
    digest_of(answer_input, digest);
    unsigned char answer_signature[80];
    std::size_t answer_signature_size = sizeof answer_signature;
    if (EVP_PKEY_sign(signing, answer_signature, &answer_signature_size, digest, sizeof digest) != 1) fail();
  }
  const double rate = pairs / (thread_cpu_seconds() - start);
  EVP_MD_free(sha256);
  EVP_PKEY_CTX_free(consumer_signing);
  EVP_PKEY_CTX_free(signing);
  EVP_PKEY_CTX_free(checking);
  EVP_PKEY_free(provider_key);
  EVP_PKEY_free(consumer_key);
  return rate;
}

// A count of /proc/self/io (wchar: bytes handed to write calls, on SQLite the WAL's frames and
// the checkpoints' pages; syscr: read calls, on SQLite the pages read from the file).
double process_io(std::string_view field) {
  std::ifstream io("/proc/self/io");
  std::string key;
  double value = 0;
  while (io >> key >> value) {
    if (key.size() == field.size() + 1 && key.starts_with(field)) return value;
  }
  return 0;
}
double bytes_written() { return process_io("wchar"); }
// Voluntary and involuntary context switches of this process so far.
double context_switches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_nvcsw + usage.ru_nivcsw);
}
CpuSeconds cpu_now() {
  CpuSeconds out;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  out.self = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
             static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) == 0) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos ||
        line.substr(open + 1, close - open - 1) != "postgres")
      continue;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int k = 3; k <= 15 && fields >> field; ++k) {
      if (k == 14 || k == 15) ticks += std::stod(field);  // utime, stime
    }
    out.server += ticks / tick;
  }
  return out;
}

std::string nif(int i) {
  std::string digits = std::to_string(100000000 + i).substr(1, 8);
  digits = "1" + digits.substr(1);
  int sum = 0;
  for (int k = 0; k < 8; ++k) sum += (digits[static_cast<std::size_t>(k)] - '0') * (9 - k);
  const int rest = sum % 11;
  return digits + std::to_string(rest < 2 ? 0 : 11 - rest);
}

struct Databases {
  std::string consumer;
  std::string provider;
  std::function<void()> cleanup;
};

Databases databases() {
  if (const char* pg = std::getenv("GUICHET_BENCH_PG"); pg != nullptr && *pg != '\0') {
    const std::string admin_url = pg;
    auto admin = need(storage::open_database(admin_url, storage::DatabaseOptions{1}), "postgres");
    auto run = [&](const std::string& sql) {
      auto c = need(admin->acquire(), "connect");
      (void)need(c->execute_script(sql), sql);
    };
    for (const char* name : {"exchange_bench_consumer", "exchange_bench_provider"}) {
      run(std::string("DROP DATABASE IF EXISTS ") + name);
      run(std::string("CREATE DATABASE ") + name);
    }
    const std::string base = admin_url.substr(0, admin_url.rfind('/') + 1);
    return {base + "exchange_bench_consumer", base + "exchange_bench_provider", [] {}};
  }
  auto dir = std::filesystem::temp_directory_path() / ("exchange-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return {"sqlite:" + (dir / "consumer.db").string(), "sqlite:" + (dir / "provider.db").string(),
          [dir] { std::filesystem::remove_all(dir); }};
}

// The index by person's largest merge (level 1 into level 2: fan_in runs of fan_in folds each), on
// synthetic runs written straight into the index (a journal of a million lines is not needed to
// merge its pairs), while a thread appends journal lines one at a time: how long the merge takes,
// and how long an exchange's journal write waits for it at worst. Twice in the same run: as one
// transaction (the reference: how merges were done before migration 0051) and in slices.
void largest_merge(storage::Database& db, const Clock& clock, const char* how, const PersonIndexCompaction& options) {
  constexpr std::int64_t kFold = 4096;
  constexpr std::int64_t kFanIn = 16;
  constexpr std::int64_t kRun = kFold * kFanIn;  // pairs in a level-1 run
  need(db.transaction([](storage::Connection& tx) -> Result<void> {
    for (const char* table : {"exchange_journal_person_index", "exchange_journal_person_runs",
                              "exchange_journal_person_merges", "exchange_journal_person_dropped"}) {
      if (auto gone = tx.execute(std::string("DELETE FROM ") + table, {}); !gone) return std::move(gone).error();
    }
    return {};
  }),
       "empty the index");
  if (db.backend() == storage::Backend::postgresql) {
    // The deleted rows' space made reusable first, so that each measurement starts alike.
    auto c = need(db.acquire(), "connection");
    need(c->execute_script("VACUUM exchange_journal_person_index"), "vacuum");
  }
  std::mt19937 random(20261206);
  std::uniform_int_distribution<int> someone(0, 999999);
  for (std::int64_t r = 0; r < kFanIn; ++r) {
    // A level-1 run covers kRun lines, one person each, sorted by person as a merge leaves it.
    std::vector<std::pair<std::string, std::int64_t>> pairs;
    pairs.reserve(static_cast<std::size_t>(kRun));
    for (std::int64_t i = 0; i < kRun; ++i) pairs.emplace_back(nif(someone(random)), r * kRun + i + 1);
    std::sort(pairs.begin(), pairs.end());
    need(db.transaction([&](storage::Connection& tx) -> Result<void> {
      constexpr std::size_t kRows = 256;
      for (std::size_t from = 0; from < pairs.size(); from += kRows) {
        const std::size_t rows = std::min(kRows, pairs.size() - from);
        std::string sql = "INSERT INTO exchange_journal_person_index (run_id, person_id, seq) VALUES ";
        storage::Params params;
        for (std::size_t i = 0; i < rows; ++i) {
          sql += i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
          params.emplace_back(r + 1);
          params.emplace_back(pairs[from + i].first);
          params.emplace_back(pairs[from + i].second);
        }
        if (auto done = tx.execute(sql, params); !done) return std::move(done).error();
      }
      auto run = tx.execute(
          "INSERT INTO exchange_journal_person_runs (run_id, level, first_seq, last_seq) VALUES (?, 1, ?, ?)",
          {r + 1, r * kRun + 1, (r + 1) * kRun});
      if (!run) return std::move(run).error();
      return {};
    }),
         "runs");
  }
  // One line at a time, as a quiet registry's exchanges come; folds off (the runs are synthetic).
  JournalWriter writer(db, clock, JournalWriterOptions{64, 0});
  std::atomic<bool> merging{true};
  std::vector<double> waits_ms;
  std::thread appender([&] {
    int n = 0;
    while (merging.load()) {
      JournalEntry entry;
      entry.side = Side::provider;
      entry.consumer = "guichet";
      entry.provider = "at";
      entry.purpose = "bench";
      entry.person_id = nif(n % 1000);
      entry.attributes = {"reference_income"};
      entry.outcome = "answered";
      entry.request_hash = std::to_string(n);
      const auto asked = Steady::now();
      (void)need(writer.append(entry), "append");
      waits_ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - asked).count());
      ++n;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto merge_start = Steady::now();
  const double cpu_before = thread_cpu_seconds();
  const CpuSeconds server_before = cpu_now();
  const auto merged = need(compact_person_index(db, options), "merge");
  const double cpu = thread_cpu_seconds() - cpu_before;
  const double server = cpu_now().server - server_before.server;  // with the appender's few commits
  const double wall = std::chrono::duration<double>(Steady::now() - merge_start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  merging = false;
  appender.join();
  std::sort(waits_ms.begin(), waits_ms.end());
  std::printf(
      "largest merge, %s: %lld runs into one of %lld pairs in %.2f s, CPU %.2f s (this thread) + %.2f s (the "
      "database server); a journal write meanwhile (%zu, one at a time) waited at most %.0f ms (median %.1f ms)\n",
      how, static_cast<long long>(merged), static_cast<long long>(kRun * kFanIn), wall, cpu, server, waits_ms.size(),
      waits_ms.back(), waits_ms[waits_ms.size() / 2]);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void report(const char* name, const std::vector<double>& per_second) {
  const auto [low, high] = std::minmax_element(per_second.begin(), per_second.end());
  std::printf("%-44s %10.0f /s   (rounds: min %.0f, max %.0f)\n", name, median(per_second), *low, *high);
}

}  // namespace
}  // namespace guichet::exchange

int main(int argc, char** argv) {
  using namespace guichet;
  using namespace guichet::exchange;
  const int exchanges = argc > 1 ? std::atoi(argv[1]) : 3000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 4;
  const int people = 10000;
  SystemClock clock;
  Databases urls = databases();
  {
    // GUICHET_BENCH_POOL: each node's connections (the server's --db-pool; 8 unless set).
    storage::DatabaseOptions pool;
    if (const char* size = std::getenv("GUICHET_BENCH_POOL"); size != nullptr && std::atoi(size) > 0) {
      pool.pool_size = static_cast<std::size_t>(std::atoi(size));
    }
    auto consumer_db = need(storage::open_database(urls.consumer, pool), "consumer database");
    auto provider_db = need(storage::open_database(urls.provider, pool), "provider database");
    (void)need(storage::apply_migrations(*consumer_db, storage::builtin_migrations(), clock), "migrate");
    (void)need(storage::apply_migrations(*provider_db, storage::builtin_migrations(), clock), "migrate");
    if (std::getenv("GUICHET_BENCH_LARGEST_MERGE") != nullptr) {
      PersonIndexCompaction whole;
      whole.slice = -1;
      whole.pause = std::chrono::milliseconds(0);
      largest_merge(*provider_db, clock, "as one transaction", whole);
      PersonIndexCompaction sliced;
      if (const char* slice = std::getenv("GUICHET_BENCH_SLICE")) sliced.slice = std::atoll(slice);
      largest_merge(*provider_db, clock, sliced.slice > 0 ? "in slices" : "as the job does it", sliced);
      provider_db.reset();
      consumer_db.reset();
      urls.cleanup();
      return 0;
    }
    std::printf(
        "exchange_bench: %s, %d exchanges a round, %d rounds, %d people in the dataset, %zu connections a node, "
        "%s\n",
        std::string(storage::to_string(consumer_db->backend())).c_str(), exchanges, rounds, people, pool.pool_size,
        // tcmalloc's own symbol is there when it is the process's allocator (GUICHET_TCMALLOC).
        dlsym(RTLD_DEFAULT, "tc_version") != nullptr ? "tcmalloc" : "glibc's malloc");

    // The dataset: `people` records of four attributes.
    auto description = need(parse_description(R"({"dataset": "at", "title": {"en": "Tax"}, "country": "PT",
        "attributes": [{"name": "reference_income", "type": "amount", "meaning": {"en": "x"}},
                       {"name": "household_parts", "type": "decimal", "meaning": {"en": "x"}},
                       {"name": "student", "type": "boolean", "meaning": {"en": "x"}},
                       {"name": "benefits", "type": "list", "meaning": {"en": "x"}}]})"),
                            "description");
    std::ostringstream extract;
    extract << "person_id,reference_income,household_parts,student,benefits\n";
    for (int i = 0; i < people; ++i) extract << nif(i) << "," << (i * 37 % 90000) << ".50,2.5,true,abono;rsi\n";
    std::istringstream in(extract.str());
    (void)need(import_extract(*provider_db, description, in, clock), "import");

    const SecretKey secrets = need(SecretKey::from_base64(SecretKey::generate_base64()), "secrets");
    Direct transport;
    NodeKeys consumer_keys("guichet", *consumer_db, clock, secrets);
    NodeKeys provider_keys("at", *provider_db, clock, secrets);
    Peers consumer_peers(*consumer_db, clock, transport);
    Peers provider_peers(*provider_db, clock, transport);
    Node consumer(consumer_keys, consumer_peers, *consumer_db, clock, transport);
    Node provider(provider_keys, provider_peers, *provider_db, clock, transport);
    // The reference for the batching: the same provider reading for each request alone and
    // writing each entry in a transaction of its own.
    ExchangeOptions one_by_one;
    one_by_one.journal_batch = 1;
    one_by_one.read_batch = 1;
    Node provider_unbatched(provider_keys, provider_peers, *provider_db, clock, transport, one_by_one);
    transport.provider = &provider;
    transport.consumer = &consumer;
    (void)need(
        provider_peers.add("guichet", "Guichet", "http://consumer", need(consumer_keys.signing_key(), "key").kid),
        "peer");
    (void)need(consumer_peers.add("at", "AT", "http://provider", need(provider_keys.signing_key(), "key").kid), "peer");
    const LegalBasis law{LegalBasisKind::law, "Code de la construction et de l'habitation, art. L831-1"};
    Entitlement e;
    e.consumer = "guichet";
    e.purpose = "student-housing-aid";
    e.dataset = "at";
    e.attributes = {"reference_income", "household_parts"};
    e.legal_basis = law;
    e.expires_at = clock.now() + std::chrono::days(365);
    (void)need(grant_entitlement(*provider_db, e, "bench", clock), "grant");

    // Who is asked about: the people in a seeded random order, as a registry's requests come
    // (neighbours in the person index and the records are not asked one after the other).
    // GUICHET_BENCH_PEOPLE=sequential asks them in key order, as passes before the fourth did.
    std::vector<int> order(static_cast<std::size_t>(people));
    std::iota(order.begin(), order.end(), 0);
    if (const char* pattern = std::getenv("GUICHET_BENCH_PEOPLE");
        pattern == nullptr || std::string_view(pattern) != "sequential") {
      std::shuffle(order.begin(), order.end(), std::mt19937(20261206));
    }
    auto person = [&](int i) { return "PT:" + nif(order[static_cast<std::size_t>(i % people)]); };
    auto request = [&](int i) {
      return ExchangeRequest{"at",      "at", {"reference_income", "household_parts"}, "student-housing-aid", law,
                             person(i), i};
    };
    for (int i = 0; i < 200; ++i) need(consumer.fetch(request(i)), "warm-up");

    const char* only_env = std::getenv("GUICHET_BENCH_PROVIDER_ONLY");
    const bool provider_only = only_env != nullptr && *only_env == '1';
    // Provider-only rounds answer detached unless GUICHET_BENCH_WAITING=1 (each caller waits for
    // its commit, as before the ninth pass).
    const char* waiting_env = std::getenv("GUICHET_BENCH_WAITING");
    const bool provider_only_waits = waiting_env != nullptr && *waiting_env == '1';
    std::vector<double> full, provider_side, consumer_side, concurrent, floor, reads, provider_crypto, raw_crypto;
    // The provider's own cryptography, on one thread: check a request's signature and sign an
    // answer, nothing else. An answer cannot cost less; the ratio to it travels between machines
    // better than a rate does.
    auto measure_provider_crypto = [&](const std::string& request_jws, const std::string& consumer_jwk,
                                       const oidc::KeyPair& provider_key) {
      const std::string answer = R"({"typ":"guichet-exchange-response","outcome":"answered","values":{}})";
      // Per CPU second of this thread, like the answers it is compared with (a busy machine
      // stretches the wall clock, not the CPU time).
      const double start = thread_cpu_seconds();
      for (int i = 0; i < exchanges; ++i) {
        (void)need(oidc::verify_jws(request_jws, {consumer_jwk}, {oidc::SigningAlgorithm::es256}), "verify");
        (void)need(oidc::sign_jws(provider_key, answer, "JWT"), "sign");
      }
      provider_crypto.push_back(exchanges / (thread_cpu_seconds() - start));
      const std::string_view signing_input(request_jws.data(), request_jws.rfind('.'));
      raw_crypto.push_back(raw_es256_pairs_per_cpu_second(signing_input, std::string(550, 'a'), exchanges));
    };
    struct ProviderRows {
      std::vector<double> wall, per_cpu, server_share, batch, read_batch, read_calls, switches;
    } provider_one, provider_many, provider_unbatched_rows, provider_waiting;
    const auto key_c = need(consumer_keys.signing_key(), "key");
    const auto key_p = need(provider_keys.signing_key(), "key");
    // Answers `exchanges` requests captured from `offset` on, `callers` threads at once: detached
    // (Node::answer_detached, as the server's endpoint answers: a thread goes on to its next request
    // while the journal commit it shares is written) or each waiting for its commit (Node::answer).
    auto answer_captured = [&](Node& node, std::size_t offset, int callers, bool detached) {
      std::atomic<int> answered{0};
      auto check = [&](const ProviderAnswer& answer) {
        if (answer.status != 200) die("answer " + std::to_string(answer.status), message_error(answer.body));
        answered.fetch_add(1, std::memory_order_relaxed);
      };
      std::vector<std::thread> answering;
      answering.reserve(static_cast<std::size_t>(callers));
      for (int t = 0; t < callers; ++t) {
        answering.emplace_back([&, t] {
          for (int i = t; i < exchanges; i += callers) {
            const std::string& request = transport.captured[offset + static_cast<std::size_t>(i)];
            if (detached) {
              node.answer_detached(request, check);
            } else {
              check(node.answer(request));
            }
          }
        });
      }
      for (std::thread& w : answering) w.join();
      // Detached answers are told by the journal's committer thread, after their callers returned.
      for (int waited = 0; answered.load() != exchanges && waited < 10000; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (answered.load() != exchanges) die("answers", message_error("some answers were never told"));
    };
    // The periodic job's merging of the provider's index by person, run inside the measured rounds
    // so that its CPU is counted with the answers it serves.
    double merging_seconds = 0;
    std::int64_t runs_merged = 0;
    auto compact = [&] {
      const auto merging = Steady::now();
      // No pause between slices: here the merge runs between the answers, not beside them, and its
      // pauses would only idle the round.
      PersonIndexCompaction no_pause;
      no_pause.pause = std::chrono::milliseconds(0);
      runs_merged += need(compact_person_index(*provider_db, no_pause), "compaction");
      merging_seconds += std::chrono::duration<double>(Steady::now() - merging).count();
    };
    for (int round = 0; round < rounds; ++round) {
      if (provider_only) {
        if (round == 0) {
          // Every round's requests signed first, then a pause to attach a profiler to the answers
          // alone (`perf record -p`).
          transport.capture = true;
          transport.captured.clear();
          for (int i = 0; i < rounds * exchanges; ++i) (void)consumer.fetch(request(i + 11));
          transport.capture = false;
          std::printf("pid %d: answering in 3 s\n", static_cast<int>(getpid()));
          std::fflush(stdout);
          std::this_thread::sleep_for(std::chrono::seconds(3));
        }
        const std::size_t offset = static_cast<std::size_t>(round * exchanges);
        const CpuSeconds cpu_before = cpu_now();
        const double written_before = bytes_written();
        const double read_calls_before = process_io("syscr");
        const double switches_before = context_switches();
        const auto start = Steady::now();
        answer_captured(provider, offset, threads, !provider_only_waits);
        compact();
        const double read_calls_after = process_io("syscr");  // before cpu_now() reads /proc
        const CpuSeconds cpu_after = cpu_now();
        provider_many.batch.push_back((bytes_written() - written_before) / exchanges);
        provider_many.read_calls.push_back((read_calls_after - read_calls_before) / exchanges);
        provider_many.switches.push_back((context_switches() - switches_before) / exchanges);
        provider_many.wall.push_back(exchanges / std::chrono::duration<double>(Steady::now() - start).count());
        provider_many.per_cpu.push_back(exchanges /
                                        ((cpu_after.self - cpu_before.self) + (cpu_after.server - cpu_before.server)));
        provider_many.server_share.push_back(
            (cpu_after.server - cpu_before.server) /
            ((cpu_after.self - cpu_before.self) + (cpu_after.server - cpu_before.server)));
        measure_provider_crypto(transport.captured[offset], key_c.public_jwk, key_p);
        continue;
      }
      auto start = Steady::now();
      transport.provider_nanos = 0;
      for (int i = 0; i < exchanges; ++i) {
        auto result = consumer.fetch(request(round * exchanges + i));
        if (!result || result->outcome != "answered") die("exchange", result ? Error{} : result.error());
      }
      const double total = std::chrono::duration<double>(Steady::now() - start).count();
      const double provider_seconds = static_cast<double>(transport.provider_nanos.load()) / 1e9;
      full.push_back(exchanges / total);
      provider_side.push_back(exchanges / provider_seconds);
      consumer_side.push_back(exchanges / (total - provider_seconds));

      // The same with `threads` consumers at once, as a portal's workers would (both nodes in
      // this process, on every core of the machine).
      start = Steady::now();
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          for (int i = t; i < exchanges; i += threads) {
            auto result = consumer.fetch(request(round * exchanges + i + 7));
            if (!result || result->outcome != "answered") die("exchange", result ? Error{} : result.error());
          }
        });
      }
      for (std::thread& w : workers) w.join();
      concurrent.push_back(exchanges / std::chrono::duration<double>(Steady::now() - start).count());

      // The provider's side under load: requests signed beforehand, answered by 1 and by
      // `threads` callers at once; wall-clock rate, and rate per CPU second of this process plus
      // the database server.
      transport.capture = true;
      transport.captured.clear();
      for (int i = 0; i < 4 * exchanges; ++i) (void)consumer.fetch(request(round * exchanges + i + 11));
      transport.capture = false;
      for (int run = 0; run < 4; ++run) {
        // 1 caller; `threads` callers; `threads` callers with every entry in its own transaction;
        // `threads` callers each waiting for its commit. All but the last answer detached.
        const int callers = run == 0 ? 1 : threads;
        Node& answering_node = run == 2 ? provider_unbatched : provider;
        const std::size_t offset = static_cast<std::size_t>(run * exchanges);
        const auto batches_before = answering_node.journal_stats();
        const auto reads_before = answering_node.read_stats();
        const CpuSeconds cpu_before = cpu_now();
        start = Steady::now();
        answer_captured(answering_node, offset, callers, run != 3);
        compact();
        const double wall = std::chrono::duration<double>(Steady::now() - start).count();
        const CpuSeconds cpu_after = cpu_now();
        const auto batches_after = answering_node.journal_stats();
        const auto reads_after = answering_node.read_stats();
        const double cpu = (cpu_after.self - cpu_before.self) + (cpu_after.server - cpu_before.server);
        auto& rows = run == 0   ? provider_one
                     : run == 1 ? provider_many
                     : run == 2 ? provider_unbatched_rows
                                : provider_waiting;
        rows.wall.push_back(exchanges / wall);
        rows.per_cpu.push_back(exchanges / cpu);
        rows.server_share.push_back((cpu_after.server - cpu_before.server) / cpu);
        // No read batch at all: each request read alone (SQLite, or the reference).
        const auto read_batches = reads_after.batches - reads_before.batches;
        rows.read_batch.push_back(read_batches == 0 ? 1.0
                                                    : static_cast<double>(reads_after.items - reads_before.items) /
                                                          static_cast<double>(read_batches));
        rows.batch.push_back(static_cast<double>(batches_after.items - batches_before.items) /
                             static_cast<double>(batches_after.batches - batches_before.batches));
      }

      start = Steady::now();
      for (int i = 0; i < exchanges; ++i) {
        const std::string payload = R"({"typ":"guichet-exchange-request","n":)" + std::to_string(i) + "}";
        const std::string req = need(oidc::sign_jws(key_c, payload, "JWT"), "sign");
        (void)need(oidc::verify_jws(req, {key_c.public_jwk}, {oidc::SigningAlgorithm::es256}), "verify");
        const std::string ans = need(oidc::sign_jws(key_p, payload, "JWT"), "sign");
        (void)need(oidc::verify_jws(ans, {key_p.public_jwk}, {oidc::SigningAlgorithm::es256}), "verify");
      }
      floor.push_back(exchanges / std::chrono::duration<double>(Steady::now() - start).count());
      measure_provider_crypto(transport.captured[0], key_c.public_jwk, key_p);

      start = Steady::now();
      for (int i = 0; i < exchanges; ++i) {
        (void)need(provider_db->read([&](storage::Connection& c) -> Result<void> {
          const RecordQuery query{"guichet", "student-housing-aid", "at", {"reference_income", "household_parts"}, law,
                                  person(i)};
          const RecordQuery* one[] = {&query};
          auto read = need(entitled_records(c, one, clock.now()), "entitlement and record");
          if (!read.front().record) die("reads", message_error("no record"));
          return {};
        }),
                   "reads");
      }
      reads.push_back(exchanges / std::chrono::duration<double>(Steady::now() - start).count());
    }
    if (provider_only) {
      report(provider_only_waits ? "the provider's side (each caller waiting for its commit)"
                                 : "the provider's side (detached: no caller waits for its commit)",
             provider_many.wall);
      report("  per CPU second (this process + the server)", provider_many.per_cpu);
      std::printf("  the server's share of the CPU %.0f%%, %.0f bytes written by this process per exchange\n",
                  100 * median(provider_many.server_share), median(provider_many.batch));
      std::printf("  per exchange: %.1f read calls (on SQLite: pages read from the file), %.1f context switches\n",
                  median(provider_many.read_calls), median(provider_many.switches));
    }
    if (!provider_only) {
      report("signed, journaled exchanges (both sides)", full);
      report("  the provider's side alone", provider_side);
      report("  the consumer's side alone", consumer_side);
      const std::string label = "the same, " + std::to_string(threads) + " threads on " +
                                std::to_string(std::thread::hardware_concurrency()) + " cores";
      report(label.c_str(), concurrent);
      const std::string many = std::to_string(threads) + " callers at once";
      for (const auto& [rows, name] :
           {std::pair{&provider_one, std::string("1 caller")}, std::pair{&provider_many, many},
            std::pair{&provider_unbatched_rows, many + ", each alone (reference)"},
            std::pair{&provider_waiting, many + ", each waiting for its commit (reference)"}}) {
        report(("the provider's side, " + name).c_str(), rows->wall);
        report("  per CPU second (this process + the server)", rows->per_cpu);
        std::printf("  the server's share of the CPU %.0f%%, requests per read %.1f, entries per journal commit %.1f\n",
                    100 * median(rows->server_share), median(rows->read_batch), median(rows->batch));
      }
      report("reference: 2 ES256 signatures + 2 checks", floor);
      report("reference: the provider's reads alone", reads);
      std::printf("ratio: the exchange costs %.2fx the cryptographic floor\n", median(floor) / median(full));
    }
    report("reference: the provider's cryptography alone, per CPU second", provider_crypto);
    report("reference: the ES256 primitives alone (OpenSSL)", raw_crypto);
    // Each round's ratio from that round's answers and the cryptography measured right after them:
    // the machine's speed drifts less within a round than across the run.
    std::vector<double> ratios, node_ratios, raw_ratios, goal_ratios;
    for (std::size_t r = 0; r < provider_crypto.size() && r < provider_many.per_cpu.size(); ++r) {
      ratios.push_back(provider_crypto[r] / provider_many.per_cpu[r]);
      node_ratios.push_back(ratios.back() * (1 - provider_many.server_share[r]));
      raw_ratios.push_back(raw_crypto[r] / provider_many.per_cpu[r] * (1 - provider_many.server_share[r]));
      goal_ratios.push_back(raw_crypto[r] / 5000.0);
    }
    const auto [low, high] = std::minmax_element(node_ratios.begin(), node_ratios.end());
    std::printf(
        "ratio: an answer at %d callers costs %.2fx its cryptography per CPU second (%.2fx per node CPU second; "
        "rounds %.2f-%.2fx)\n",
        threads, median(ratios), median(node_ratios), *low, *high);
    const auto [raw_low, raw_high] = std::minmax_element(raw_ratios.begin(), raw_ratios.end());
    std::printf(
        "ratio: an answer costs %.2fx the ES256 primitives per node CPU second (rounds %.2f-%.2fx); 5,000 answers a "
        "second per core needs at most %.2fx on this machine\n",
        median(raw_ratios), *raw_low, *raw_high, median(goal_ratios));
    (void)need(verify_journal(*consumer_db), "journal");
    auto v = need(verify_journal(*provider_db), "journal");
    std::printf("journals: %lld entries on the provider, chain %s\n", static_cast<long long>(v.entries),
                v.intact ? "intact" : "BROKEN");
    // A person's search in the provider's journal as the rounds left it (the index's runs and its
    // tail), as the auditors' page asks: the newest 100 lines naming them.
    const auto runs = need(provider_db->read([](storage::Connection& c) {
      return c.query("SELECT COUNT(*), COALESCE(MAX(last_seq), 0) FROM exchange_journal_person_runs");
    }),
                           "runs");
    constexpr int kSearches = 500;
    const auto searching = Steady::now();
    std::size_t found = 0;
    for (int i = 0; i < kSearches; ++i) {
      JournalQuery q;
      q.person_id = person(i * 7919);
      found += need(read_journal(*provider_db, q), "search").size();
    }
    std::printf("the index by person's merges (counted in the rounds): %lld runs merged in %.0f ms\n",
                static_cast<long long>(runs_merged), merging_seconds * 1000);
    std::printf("a person's search: %.0f us (%d searches, %.1f lines each; %lld runs, %lld lines in the tail)\n",
                std::chrono::duration<double, std::micro>(Steady::now() - searching).count() / kSearches, kSearches,
                static_cast<double>(found) / kSearches, static_cast<long long>(runs.rows[0].integer(0)),
                static_cast<long long>(v.head.seq - runs.rows[0].integer(1)));
  }
  if (const char* pg = std::getenv("GUICHET_BENCH_PG"); pg != nullptr && *pg != '\0') {
    auto admin = storage::open_database(pg, storage::DatabaseOptions{1});
    if (admin) {
      for (const char* name : {"exchange_bench_consumer", "exchange_bench_provider"}) {
        if (auto c = (*admin)->acquire()) (void)(*c)->execute_script(std::string("DROP DATABASE IF EXISTS ") + name);
      }
    }
  }
  urls.cleanup();
  return 0;
}
