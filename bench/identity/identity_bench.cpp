// Accounts and the OpenID Connect provider, measured against their own floor in the same run:
// password sign-ins against the raw argon2id hash with the same parameters, refresh-token grants
// on SQLite, ID-token signing and verification. Results go to docs/PERFORMANCE.md.
//
//   build/bench/identity_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/clients.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/oidc/keys.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet {
namespace {

// A fresh SQLite database in a temporary directory, migrated, with one account.
struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<storage::Database> db;
  SystemClock clock;
  std::int64_t user_id = 0;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("guichet-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db = storage::open_database("sqlite:" + (dir / "bench.db").string()).value();
    (void)storage::apply_migrations(*db, storage::builtin_migrations(), clock);
    user_id = identity::create_user(*db, identity::NewUser{"ana@example.org", "correct horse battery", true}, clock)
                  .value()
                  .id;
  }
  ~Fixture() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

// libsodium on the calling thread, without the compute pool: the floor, and the "raw argon2id
// rate of one core" that bench/http/signin_storm.sh compares sign-ins with.
void BM_Argon2idRaw(benchmark::State& state) {
  auto hash = identity::hash_password("correct horse battery").value();
  const std::string_view password = "correct horse battery";
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()));
  }
}
BENCHMARK(BM_Argon2idRaw)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same check through verify_password, which runs it on the compute pool.
void BM_Argon2idHash(benchmark::State& state) {
  auto hash = identity::hash_password("correct horse battery").value();
  for (auto _ : state) benchmark::DoNotOptimize(identity::verify_password("correct horse battery", hash));
}
BENCHMARK(BM_Argon2idHash)->Unit(benchmark::kMillisecond)->UseRealTime();

// The new-password check (length, lists, zxcvbn with the French and Portuguese words) that
// registration, reset and change run before hashing, on the compute pool.
void BM_NewPasswordCheck(benchmark::State& state) {
  const std::string passwords[] = {"correct horse battery", "uma frase longa e boa para mim",
                                   "the ferry to the island leaves at dawn"};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(identity::check_new_password(passwords[i++ % 3], "ana.silva@example.org"));
  }
}
BENCHMARK(BM_NewPasswordCheck)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole sign-in: throttle check, lookup, argon2id, new session, audit event, commit.
void BM_PasswordSignIn(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    auto signed_in =
        identity::sign_in(*f.db, "ana@example.org", "correct horse battery", "bench", "192.0.2.1", f.clock);
    if (!signed_in) state.SkipWithError(signed_in.error().message.c_str());
  }
}
BENCHMARK(BM_PasswordSignIn)->Unit(benchmark::kMillisecond)->UseRealTime();

// One refresh grant after another, each spending the previous refresh token: lookup, rotation,
// two inserts, an ES256 ID token, commit (SQLite WAL, synchronous=NORMAL).
void BM_RefreshGrant(benchmark::State& state) {
  Fixture f;
  oidc::KeyStore keys(*f.db, f.clock);
  auto client = oidc::add_client(*f.db, oidc::NewClient{"Bench", {"https://rp.example/cb"}}, f.clock).value();
  auto session = identity::sign_in(*f.db, "ana@example.org", "correct horse battery", "bench", "192.0.2.1", f.clock);
  oidc::CodeRequest request{client.client.client_id,
                            f.user_id,
                            session->session.session_id,
                            "https://rp.example/cb",
                            {"openid", "email"},
                            "n",
                            base64url(sha256_bytes(std::string(43, 'v'))),
                            oidc::GrantAuthentication{"low", {"pwd"}, f.clock.now()}};
  auto code = oidc::issue_code(*f.db, request, f.clock).value();
  oidc::Issuer issuer{"https://guichet.example", keys, f.clock, {}};
  auto tokens = oidc::redeem_code(*f.db, issuer, client.client, code, "https://rp.example/cb", std::string(43, 'v'));
  std::string refresh = tokens->refresh_token;
  for (auto _ : state) {
    auto next = oidc::refresh_tokens(*f.db, issuer, client.client, refresh, "");
    if (!next) {
      state.SkipWithError(next.error().message.c_str());
      break;
    }
    refresh = next->refresh_token;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RefreshGrant)->Unit(benchmark::kMicrosecond)->UseRealTime();

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return 0;
}

// Sign-in latency with 1,000 and with 1,000,000 accounts (and 100,000 live sessions): the lookup
// is an index probe, so the time should be the hash's whatever the count.
void BM_SignInAmongAccounts(benchmark::State& state) {
  Fixture f;
  const std::int64_t accounts = state.range(0);
  const std::string hash = identity::hash_password("correct horse battery").value();
  const std::int64_t now = to_unix_micros(f.clock.now());
  auto loaded = f.db->transaction([&](storage::Connection& c) -> Result<void> {
    auto users = c.execute(
        "INSERT INTO users (email, password_hash, email_verified_at, assurance_level, created_at, updated_at) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT 'user' || i || '@example.org', ?, ?, 'low', ?, ? FROM n",
        {accounts, hash, now, now, now});
    if (!users) return std::move(users).error();
    auto sessions = c.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, absolute_expires_at, user_agent, "
        "remote_address) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT 'bench' || i, i + 1, ?, ?, ?, 'bench', '192.0.2.1' FROM n",
        {std::min<std::int64_t>(accounts, 100'000), now, now, now + 3'600'000'000LL});
    if (!sessions) return std::move(sessions).error();
    return {};
  });
  if (!loaded) {
    state.SkipWithError(loaded.error().message.c_str());
    return;
  }
  std::uint64_t next = 0;
  for (auto _ : state) {
    next = (next * 6364136223846793005ULL + 1442695040888963407ULL);
    std::string email =
        "user" + std::to_string(1 + (next >> 33) % static_cast<std::uint64_t>(accounts)) + "@example.org";
    auto signed_in = identity::sign_in(*f.db, email, "correct horse battery", "bench", "192.0.2.1", f.clock);
    if (!signed_in) state.SkipWithError(signed_in.error().message.c_str());
  }
  state.counters["rss_mib"] = static_cast<double>(resident_kib()) / 1024.0;
}
BENCHMARK(BM_SignInAmongAccounts)->Arg(1000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IdTokenSign(benchmark::State& state) {
  auto key =
      oidc::generate_key_pair(state.range(0) == 0 ? oidc::SigningAlgorithm::es256 : oidc::SigningAlgorithm::rs256)
          .value();
  const std::string claims =
      R"({"iss":"https://guichet.example","sub":"abc","aud":"client","exp":1800000000,"iat":1799999700,"acr":"low"})";
  for (auto _ : state) benchmark::DoNotOptimize(oidc::sign_jws(key, claims));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "ES256" : "RS256");
}
BENCHMARK(BM_IdTokenSign)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_IdTokenVerify(benchmark::State& state) {
  const auto alg = state.range(0) == 0 ? oidc::SigningAlgorithm::es256 : oidc::SigningAlgorithm::rs256;
  auto key = oidc::generate_key_pair(alg).value();
  const std::string token = oidc::sign_jws(key, R"({"sub":"abc"})").value();
  const std::vector<std::string> jwks{key.public_jwk};
  for (auto _ : state) benchmark::DoNotOptimize(oidc::verify_jws(token, jwks, {alg}));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "ES256" : "RS256");
}
BENCHMARK(BM_IdTokenVerify)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace guichet

BENCHMARK_MAIN();
