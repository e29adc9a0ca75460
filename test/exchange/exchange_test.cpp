// Two nodes, each on its own database, talking through an in-process transport that hands each
// request to the other node's handlers as the HTTP routes would: datasets, entitlements, signed
// exchanges, refusals, rotation and both journals. (The same nodes as separate processes over
// HTTP: test/browser/exchange.test.mjs.)
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/exchange/benefits.hpp"
#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/entitlements.hpp"
#include "guichet/exchange/exchange.hpp"
#include "guichet/exchange/journal.hpp"
#include "guichet/exchange/reports.hpp"
#include "guichet/exchange/rules.hpp"
#include "guichet/exchange/web.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/server.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/identity/verification.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace guichet::exchange {
namespace {
namespace json = boost::json;

constexpr std::string_view kDescription = R"({
  "dataset": "at", "title": {"en": "Tax administration", "pt": "Autoridade Tributária"}, "country": "PT",
  "attributes": [
    {"name": "reference_income", "type": "amount", "meaning": {"en": "Reference income"}},
    {"name": "household_parts", "type": "decimal", "meaning": {"en": "Household parts"}},
    {"name": "student", "type": "boolean", "meaning": {"en": "Enrolled as a student"}},
    {"name": "benefits", "type": "list", "meaning": {"en": "Benefits received"}},
    {"name": "assessed_on", "type": "date", "meaning": {"en": "Assessment date"}}
  ]})";

constexpr std::string_view kExtract =
    "person_id,reference_income,household_parts,student,benefits,assessed_on\n"
    "123456789,12345.67,2.5,true,\"abono;rsi, social\",2026-05-01\n"
    "PT:100000002,800,1,0,,\n"
    "\"100000010\",0.5,1,false,abono,2026-04-30\n";

constexpr std::string_view kLaw = "Code de la construction et de l'habitation, art. L831-1";

// One node: its database, keys, registry of peers and the protocol.
struct TestNode {
  TestNode(const std::string& backend, const std::string& id, const Clock& clock, Transport& transport)
      : database(backend),
        keys(id, database.db(), clock, *SecretKey::from_base64(SecretKey::generate_base64())),
        peers(database.db(), clock, transport),
        node(keys, peers, database.db(), clock, transport) {
    EXPECT_TRUE(storage::apply_migrations(database.db(), storage::builtin_migrations(), clock).ok());
  }
  storage::Database& db() { return database.db(); }
  testing::TestDatabase database;
  NodeKeys keys;
  Peers peers;
  Node node;
};

// Routes "http://<node>.test/exchange/v1/..." to that node's handlers.
class LoopTransport : public Transport {
 public:
  std::map<std::string, Node*> nodes;
  std::function<std::string(std::string)> tamper;  // changes a request on its way, when set
  std::vector<std::string> sent;                   // every request body, as sent
  std::mutex sent_mutex;

  Result<HttpReply> get(const std::string& url) override {
    Node* node = find(url);
    if (node == nullptr) return make_error(Errc::peer_unreachable, "no such host");
    std::string signer;
    if (auto at = url.find("signed_by="); at != std::string::npos) signer = url.substr(at + 10);
    auto set = node->keys().signed_key_set(signer);
    if (!set) return std::move(set).error();
    return HttpReply{200, "application/jose", *set};
  }
  // An administration's own API, for connectors.
  std::function<HttpReply(const std::string& url, const std::vector<std::string>& headers)> api;
  Result<HttpReply> get_with(const std::string& url, const std::vector<std::string>& headers,
                             std::chrono::milliseconds) override {
    if (api && url.starts_with("http://api.test/")) return api(url, headers);
    return get(url);
  }
  // Access reports (reports.hpp), when set: the receiving node's answer to a report's body.
  std::function<HttpReply(Node& node, const std::string& body)> reports;
  Result<HttpReply> post(const std::string& url, const std::string&, const std::string& body) override {
    Node* node = find(url);
    if (node == nullptr) return make_error(Errc::peer_unreachable, "no such host");
    if (url.ends_with("/exchange/v1/accesses")) {
      if (!reports) return make_error(Errc::peer_unreachable, "reports are not routed");
      return reports(*node, body);
    }
    const std::string request = tamper ? tamper(body) : body;
    {
      std::lock_guard lock(sent_mutex);
      sent.push_back(request);
    }
    ProviderAnswer answer;
    if (detached) {
      // As the node's endpoint answers: detached, the answer told once its line is committed
      // (perhaps by another thread writing the batch that holds it).
      std::promise<ProviderAnswer> told;
      auto coming = told.get_future();
      node->answer_detached(request, [&told](ProviderAnswer a) { told.set_value(std::move(a)); });
      answer = coming.get();
    } else {
      answer = node->answer(request);
    }
    return HttpReply{answer.status, answer.signed_body ? "application/jose" : "application/json", answer.body};
  }
  bool detached = false;  // answer with Node::answer_detached, as the HTTP endpoint does

 private:
  Node* find(const std::string& url) {
    for (auto& [host, node] : nodes) {
      if (url.starts_with("http://" + host + ".test/")) return node;
    }
    return nullptr;
  }
};

class ExchangeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    transport.nodes = {{"guichet", &portal.node}, {"at", &tax.node}};
    auto description = parse_description(kDescription);
    ASSERT_TRUE(description.ok()) << description.error().message;
    std::istringstream extract{std::string(kExtract)};
    auto imported = import_extract(tax.db(), *description, extract, clock);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    // Each side pins the other's current key, as their operators would.
    auto portal_key = portal.keys.signing_key();
    auto tax_key = tax.keys.signing_key();
    ASSERT_TRUE(portal_key.ok() && tax_key.ok());
    ASSERT_TRUE(tax.peers.add("guichet", "Guichet", "http://guichet.test", portal_key->kid).ok());
    auto pinned = portal.peers.add("at", "Autoridade Tributária", "http://at.test", tax_key->kid);
    ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  }

  Entitlement entitlement(std::vector<std::string> attributes, std::chrono::days valid = std::chrono::days(365)) {
    Entitlement e;
    e.consumer = "guichet";
    e.purpose = "student-housing-aid";
    e.dataset = "at";
    e.attributes = std::move(attributes);
    e.legal_basis = LegalBasis{LegalBasisKind::law, std::string(kLaw)};
    e.expires_at = clock.now() + valid;
    return e;
  }

  ExchangeRequest request(std::vector<std::string> attributes, std::string person = "PT:123456789") {
    return ExchangeRequest{"at",
                           "at",
                           std::move(attributes),
                           "student-housing-aid",
                           LegalBasis{LegalBasisKind::law, std::string(kLaw)},
                           std::move(person),
                           42};
  }

  void concurrent_requests(bool detached);

  std::vector<JournalEntry> journal(TestNode& n) {
    auto entries = read_journal(n.db(), JournalQuery{});
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<JournalEntry>{};
  }

  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  LoopTransport transport;
  TestNode portal{GetParam(), "guichet", clock, transport};
  TestNode tax{GetParam(), "at", clock, transport};
};

TEST_P(ExchangeTest, AnEntitledRequestIsAnsweredSignedAndJournaledOnBothSides) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income", "household_parts"}), "admin", clock).ok());
  auto result = portal.node.fetch(request({"reference_income", "household_parts"}));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->outcome, "answered");
  EXPECT_EQ(result->values.at("reference_income"), json::value(1234567));  // cents, exactly
  EXPECT_EQ(result->values.at("household_parts"), json::value(2.5));
  EXPECT_FALSE(result->values.contains("student"));  // never more than asked

  const auto sent = journal(portal);
  const auto received = journal(tax);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(sent[0].side, Side::consumer);
  EXPECT_EQ(received[0].side, Side::provider);
  for (const JournalEntry* e : {&sent[0], &received[0]}) {
    EXPECT_EQ(e->outcome, "answered");
    EXPECT_EQ(e->consumer, "guichet");
    EXPECT_EQ(e->provider, "at");
    EXPECT_EQ(e->purpose, "student-housing-aid");
    EXPECT_EQ(e->legal_basis.reference, kLaw);
    EXPECT_EQ(e->person_id, "PT:123456789");
    EXPECT_EQ(e->released, (std::vector<std::string>{"reference_income", "household_parts"}));
  }
  // Both sides hold the same signed request and the same answer's hash.
  EXPECT_EQ(sent[0].request_hash, received[0].request_hash);
  EXPECT_EQ(sent[0].request_jws, received[0].request_jws);
  EXPECT_EQ(sent[0].response_hash, received[0].response_hash);
  EXPECT_EQ(sent[0].user_id, std::optional<std::int64_t>(42));
  EXPECT_EQ(received[0].user_id, std::nullopt);  // the portal's account never leaves it
  EXPECT_EQ(sent[0].request_jws.find("12345"), std::string::npos);
  for (TestNode* n : {&portal, &tax}) {
    auto verified = verify_journal(n->db());
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->intact) << verified->problem;
    EXPECT_EQ(verified->entries, 1);
  }
}

TEST_P(ExchangeTest, RequestsReadTogetherGetEachTheirOwnEntitlementAndRecord) {
  // A narrower grant first: a request it does not cover is covered by the second.
  auto narrow = grant_entitlement(tax.db(), entitlement({"household_parts"}), "admin", clock);
  ASSERT_TRUE(narrow.ok());
  auto granted = grant_entitlement(tax.db(), entitlement({"reference_income", "household_parts"}), "admin", clock);
  ASSERT_TRUE(granted.ok());
  const LegalBasis law{LegalBasisKind::law, std::string(kLaw)};
  auto query = [&](std::string consumer, std::vector<std::string> attributes, std::string person) {
    return RecordQuery{std::move(consumer), "student-housing-aid", "at", std::move(attributes), law, std::move(person)};
  };
  const std::vector<RecordQuery> queries{
      query("guichet", {"reference_income"}, "PT:123456789"),                     // covered, known
      query("guichet", {"household_parts"}, "PT:999999990"),                      // covered, unknown person
      query("other", {"reference_income"}, "PT:100000002"),                       // another consumer: none
      query("guichet", {"reference_income", "student"}, "PT:100000002"),          // an attribute not granted
      query("guichet", {"household_parts", "reference_income"}, "PT:100000002"),  // covered, known
      query("guichet", {"reference_income"}, "PT:123456789"),                     // the same person again
  };
  std::vector<const RecordQuery*> batch;
  for (const RecordQuery& q : queries) batch.push_back(&q);
  auto c = tax.db().acquire();
  ASSERT_TRUE(c.ok());
  auto read = entitled_records(**c, batch, clock.now());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), queries.size());
  const std::vector<bool> found{true, false, false, false, true, true};
  // The first grant (by id) that covers every attribute asked.
  const std::vector<std::optional<std::int64_t>> covering{granted->id,  narrow->id,  std::nullopt,
                                                          std::nullopt, granted->id, granted->id};
  for (std::size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ((*read)[i].entitlement_id, covering[i]) << i;
    EXPECT_EQ((*read)[i].record.has_value(), found[i]) << i;
  }
  EXPECT_EQ((*read)[0].record->at("reference_income"), json::value(1234567));  // cents
  EXPECT_EQ((*read)[4].record->at("reference_income"), json::value(80000));
  EXPECT_EQ((*read)[5].record, (*read)[0].record);
  // Each alone (one statement) reads the same as in the batch.
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const RecordQuery* one[] = {&queries[i]};
    auto alone = entitled_records(**c, one, clock.now());
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ(alone->front().entitlement_id, covering[i]) << i;
    EXPECT_EQ(alone->front().record, (*read)[i].record) << i;
  }
  // Past the entitlement's expiry, nobody's record is read.
  auto later = entitled_records(**c, batch, clock.now() + std::chrono::days(400));
  ASSERT_TRUE(later.ok());
  for (const EntitledRecord& r : *later) EXPECT_FALSE(r.entitlement_id || r.record);
}

// Answered together, reads and journal lines batched, each caller waiting for its commit or
// detached (as the endpoint answers): nobody gets another person's values.
TEST_P(ExchangeTest, ConcurrentRequestsEachGetTheirOwnPersonsValues) { concurrent_requests(false); }
TEST_P(ExchangeTest, ConcurrentDetachedAnswersEachGetTheirOwnPersonsValues) { concurrent_requests(true); }

void ExchangeTest::concurrent_requests(bool detached) {
  transport.detached = detached;
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  const std::vector<std::pair<std::string, std::optional<std::int64_t>>> people{
      {"PT:123456789", 1234567}, {"PT:100000002", 80000}, {"PT:100000010", 50}, {"PT:999999990", std::nullopt}};
  constexpr int kThreads = 8, kEach = 12;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const auto& [person, income] = people[static_cast<std::size_t>((t + i) % 4)];
        auto result = portal.node.fetch(request({"reference_income"}, person));
        const bool right = result.ok() && (income ? result->outcome == "answered" &&
                                                        result->values.at("reference_income") == json::value(*income)
                                                  : result->outcome == "not_found" && result->values.empty());
        if (!right) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  for (TestNode* n : {&portal, &tax}) {
    auto verified = verify_journal(n->db());
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->intact) << verified->problem;
    EXPECT_EQ(verified->entries, kThreads * kEach);
  }
  // PostgreSQL's reads went through the read batches; SQLite's each read alone (no round trip).
  EXPECT_EQ(tax.node.read_stats().items, GetParam() == "sqlite" ? 0u : static_cast<std::uint64_t>(kThreads * kEach));
}

// A replay answered detached: refused, signed and journaled as a waited answer is, the refusal's
// line written by the journal's committer thread after the batch that found the replay.
TEST_P(ExchangeTest, ADetachedReplayIsRefusedSignedAndJournaled) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  const std::string genuine = transport.sent.back();
  std::promise<ProviderAnswer> answer;
  std::atomic<int> tellings{0};
  tax.node.answer_detached(genuine, [&](ProviderAnswer a) {
    if (tellings.fetch_add(1) == 0) answer.set_value(std::move(a));
  });
  auto coming = answer.get_future();
  ASSERT_EQ(coming.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "told by the committer";
  std::optional<ProviderAnswer> told = coming.get();
  EXPECT_EQ(tellings.load(), 1);
  EXPECT_EQ(told->status, 409);
  EXPECT_TRUE(told->signed_body);
  auto payload = peek_payload(told->body);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->at("reason"), "replayed_request");
  const auto lines = journal(tax);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].outcome, "refused");
  EXPECT_EQ(lines[0].reason, "replayed_request");
  EXPECT_EQ(lines[0].response_hash, base64url(sha256_bytes(told->body))) << "the line is the refusal that left";
  EXPECT_EQ(lines[1].outcome, "answered");
  auto verified = verify_journal(tax.db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact) << verified->problem;
}

TEST_P(ExchangeTest, ANodesRequestIdsAscendWithTimeAndNeverRepeat) {
  // Ascending jtis keep the provider's replay guard growing at its index's right edge (one page
  // per journal batch); the random part keeps two requests of one microsecond apart.
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  std::vector<std::string> jtis;
  for (int i = 0; i < 12; ++i) {
    if (i % 3 == 0) clock.advance(std::chrono::microseconds(i == 6 ? 1 : 1'000'003));
    ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
    auto payload = peek_payload(transport.sent.back());
    ASSERT_TRUE(payload.ok());
    jtis.emplace_back(payload->at("jti").as_string());
    EXPECT_GE(jtis.back().size(), 16U);
  }
  for (std::size_t i = 0; i < jtis.size(); ++i) {
    for (std::size_t j = i + 1; j < jtis.size(); ++j) {
      EXPECT_NE(jtis[i], jtis[j]) << "two requests share a jti";
      if (j / 3 > i / 3) {
        EXPECT_LT(jtis[i], jtis[j]) << "a later request's jti sorts before an earlier one's";
      }
    }
  }
}

TEST_P(ExchangeTest, AFoundPeerIsHeldThirtySecondsAndARemovedOneIsForgottenAtOnce) {
  auto found = portal.peers.find("at");
  ASSERT_TRUE(found.ok() && found->has_value());
  // Changed behind this node's back (another node sharing the database): seen within 30 s.
  ASSERT_TRUE(portal.db()
                  .transaction([](storage::Connection& c) -> Result<std::int64_t> {
                    return c.execute("UPDATE exchange_peers SET url = 'http://moved.test' WHERE node_id = 'at'");
                  })
                  .ok());
  EXPECT_EQ((*portal.peers.find("at"))->url, "http://at.test") << "held for 30 seconds";
  clock.advance(std::chrono::seconds(31));
  EXPECT_EQ((*portal.peers.find("at"))->url, "http://moved.test") << "read again after 30 seconds";
  // Removed here: forgotten at once, and a fetch to it is refused.
  ASSERT_TRUE(portal.peers.remove("at").ok());
  auto gone = portal.peers.find("at");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto refused = portal.node.fetch(request({"reference_income"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::no_such_peer);
}

TEST_P(ExchangeTest, APersonTheRegistryDoesNotKnowIsNotFoundAndStillJournaled) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  auto result = portal.node.fetch(request({"reference_income"}, "PT:100000029"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->outcome, "not_found");
  EXPECT_TRUE(result->values.empty());
  EXPECT_EQ(journal(tax).at(0).outcome, "not_found");
}

TEST_P(ExchangeTest, WithoutAnEntitlementNothingLeavesAndTheRefusalIsJournaledOnBothSides) {
  // Nothing granted; then an entitlement for one attribute but not the other; then another law;
  // then an expired one; then a revoked one.
  auto refused = portal.node.fetch(request({"reference_income"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::not_entitled);

  auto granted = grant_entitlement(tax.db(), entitlement({"reference_income"}, std::chrono::days(30)), "admin", clock);
  ASSERT_TRUE(granted.ok());
  EXPECT_EQ(portal.node.fetch(request({"reference_income", "student"})).error().code, Errc::not_entitled);
  ExchangeRequest other_law = request({"reference_income"});
  other_law.legal_basis.reference = "Another law";
  EXPECT_EQ(portal.node.fetch(other_law).error().code, Errc::not_entitled);
  ExchangeRequest other_purpose = request({"reference_income"});
  other_purpose.purpose = "family-allowance";
  EXPECT_EQ(portal.node.fetch(other_purpose).error().code, Errc::not_entitled);
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());

  clock.advance(std::chrono::days(31));  // the entitlement has expired
  EXPECT_EQ(portal.node.fetch(request({"reference_income"})).error().code, Errc::not_entitled);
  auto again = grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  ASSERT_TRUE(revoke_entitlement(tax.db(), again->id, "admin", clock).ok());
  EXPECT_EQ(portal.node.fetch(request({"reference_income"})).error().code, Errc::not_entitled);
  EXPECT_EQ(revoke_entitlement(tax.db(), again->id, "admin", clock).error().code, Errc::no_such_entitlement);

  const auto provider = journal(tax);
  const auto consumer = journal(portal);
  ASSERT_EQ(provider.size(), 8u);
  ASSERT_EQ(consumer.size(), 8u);
  int refusals = 0;
  for (const JournalEntry& e : provider) {
    if (e.outcome == "refused") {
      ++refusals;
      EXPECT_EQ(e.reason, "not_entitled");
      EXPECT_TRUE(e.released.empty());
    }
  }
  EXPECT_EQ(refusals, 6);
  EXPECT_EQ(consumer.front().outcome, "refused");
  EXPECT_EQ(consumer.front().reason, "not_entitled");
  EXPECT_TRUE(verify_journal(tax.db())->intact);
  EXPECT_TRUE(verify_journal(portal.db())->intact);
}

TEST_P(ExchangeTest, TamperedReplayedStaleAndUnknownRequestsAreRefusedAndJournaled) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  const std::string genuine = transport.sent.back();

  // The same request again: a replay.
  ProviderAnswer replay = tax.node.answer(genuine);
  EXPECT_EQ(replay.status, 409);
  auto replay_payload = peek_payload(replay.body);
  ASSERT_TRUE(replay_payload.ok());
  EXPECT_EQ(replay_payload->at("reason"), "replayed_request");

  // A changed payload under the original signature: the person swapped for another.
  const auto first = genuine.find('.');
  const auto second = genuine.find('.', first + 1);
  std::string payload = *base64url_decode(genuine.substr(first + 1, second - first - 1));
  payload.replace(payload.find("123456789"), 9, "100000002");
  const std::string swapped = genuine.substr(0, first + 1) + base64url(payload) + genuine.substr(second);
  ProviderAnswer tampered = tax.node.answer(swapped);
  EXPECT_EQ(tampered.status, 401);
  EXPECT_EQ(peek_payload(tampered.body)->at("reason"), "bad_signature");

  // A signature libcjose cannot decode ("A=": it asserted, stopping the registry, until fuzz_jws
  // found it): refused like any bad signature, and the node goes on answering.
  ProviderAnswer undecodable = tax.node.answer(genuine.substr(0, second + 1) + "A=");
  EXPECT_EQ(undecodable.status, 401);
  EXPECT_EQ(peek_payload(undecodable.body)->at("reason"), "bad_signature");

  // A request signed by a key the provider never pinned (a stranger calling itself the portal).
  TestNode stranger{GetParam(), "guichet", clock, transport};
  transport.nodes["stranger"] = &stranger.node;
  ASSERT_TRUE(stranger.peers.add("at", "AT", "http://at.test", tax.keys.signing_key()->kid).ok());
  auto forged = stranger.node.fetch(request({"reference_income"}));
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.error().code, Errc::unknown_key);

  // A node the registry does not know at all.
  TestNode unknown{GetParam(), "elsewhere", clock, transport};
  ASSERT_TRUE(unknown.peers.add("at", "AT", "http://at.test", tax.keys.signing_key()->kid).ok());
  EXPECT_EQ(unknown.node.fetch(request({"reference_income"})).error().code, Errc::unknown_node);

  // A request held back two minutes before it reaches the registry: stale.
  transport.tamper = [&](std::string body) {
    clock.advance(std::chrono::minutes(2));
    return body;
  };
  EXPECT_EQ(portal.node.fetch(request({"reference_income"})).error().code, Errc::stale_request);
  transport.tamper = nullptr;

  // An answer changed on its way back does not check at the portal.
  class Flipping : public Transport {
   public:
    explicit Flipping(Transport& inner) : inner_(inner) {}
    Result<HttpReply> get(const std::string& url) override { return inner_.get(url); }
    Result<HttpReply> post(const std::string& url, const std::string& type, const std::string& body) override {
      auto reply = inner_.post(url, type, body);
      if (reply.ok()) reply->body[reply->body.size() - 10] = reply->body[reply->body.size() - 10] == 'A' ? 'B' : 'A';
      return reply;
    }

   private:
    Transport& inner_;
  } flipping(transport);
  Peers flipped_peers(portal.db(), clock, flipping);
  Node flipped(portal.keys, flipped_peers, portal.db(), clock, flipping);
  auto bad_answer = flipped.fetch(request({"reference_income"}));
  ASSERT_FALSE(bad_answer.ok());
  EXPECT_EQ(bad_answer.error().code, Errc::bad_response);
  EXPECT_EQ(journal(portal).front().outcome, "failed");
  EXPECT_EQ(journal(portal).front().reason, "bad_response");

  std::vector<std::string> reasons;
  for (const JournalEntry& e : journal(tax)) reasons.push_back(e.reason);
  // Newest first: the flipped answer was given (the registry did answer), the stale, unknown
  // node, stranger's key, undecodable, tampered and replayed requests refused, the genuine one
  // answered.
  EXPECT_EQ(reasons, (std::vector<std::string>{"", "stale_request", "unknown_node", "unknown_key", "bad_signature",
                                               "bad_signature", "replayed_request", ""}));
  EXPECT_TRUE(verify_journal(tax.db())->intact);
  EXPECT_TRUE(verify_journal(portal.db())->intact);
}

TEST_P(ExchangeTest, KeysRotateWithoutAnOperatorAndAnExpiredKeyIsRefused) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  auto old_key = portal.keys.signing_key();
  ASSERT_TRUE(old_key.ok());
  clock.advance(std::chrono::days(50));
  // The portal rotates: the registry sees an unknown key id, fetches the portal's key set signed
  // by the key it pinned, and pins the new key.
  auto new_key = portal.keys.rotate();
  ASSERT_TRUE(new_key.ok());
  ASSERT_NE(new_key->kid, old_key->kid);
  ASSERT_TRUE(tax.keys.rotate().ok());     // and so does the registry, whose answers the portal checks
  clock.advance(std::chrono::minutes(2));  // a peer looks for new keys at most once a minute
  auto after_rotation = portal.node.fetch(request({"reference_income"}));
  ASSERT_TRUE(after_rotation.ok()) << after_rotation.error().message;
  EXPECT_EQ(peek_header(transport.sent.back())->kid, new_key->kid);

  // A request signed with the old key once it is past its end: refused.
  json::object payload{{"typ", kRequestType},
                       {"iss", "guichet"},
                       {"aud", "at"},
                       {"jti", "a-request-of-the-old-key"},
                       {"iat", 0},
                       {"exp", 0},
                       {"purpose", "student-housing-aid"},
                       {"legal_basis", json::object{{"kind", "law"}, {"reference", kLaw}}},
                       {"person", "PT:123456789"},
                       {"dataset", "at"},
                       {"attributes", json::array{"reference_income"}}};
  clock.advance(std::chrono::days(48));  // the old key is past its 90 days and 7 of overlap
  const std::int64_t now_s = to_unix_micros(clock.now()) / 1000000;
  payload["iat"] = now_s;
  payload["exp"] = now_s + 60;
  auto signed_by_old = oidc::sign_jws(*old_key, json::serialize(payload), "JWT");
  ASSERT_TRUE(signed_by_old.ok());
  ProviderAnswer expired = tax.node.answer(*signed_by_old);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(peek_payload(expired.body)->at("reason"), "key_expired");
  // The portal's current key still works.
  auto still = portal.node.fetch(request({"reference_income"}));
  EXPECT_TRUE(still.ok()) << still.error().message;

  // A key set signed by a key the peer never pinned is not taken.
  TestNode stranger{GetParam(), "guichet", clock, transport};
  auto stranger_set = stranger.keys.signed_key_set();
  ASSERT_TRUE(stranger_set.ok());
  auto refused = tax.peers.add_from_key_set("guichet", "Guichet", "http://guichet.test", *stranger_set, old_key->kid);
  EXPECT_FALSE(refused.ok());
}

TEST_P(ExchangeTest, AnImportIsWholeOrNothingAndNamesEachBadLine) {
  auto description = parse_description(kDescription);
  ASSERT_TRUE(description.ok());
  const std::string bad =
      "person_id,reference_income,student\n"
      "123456789,12.5,true\n"
      "123456780,1,true\n"       // a check digit wrong
      "100000002,12.345,true\n"  // three decimals
      "100000010,1,maybe\n"      // not a boolean
      "100000002,1\n"            // a field short
      "123456789,3,false\n";     // the first person again
  std::istringstream in(bad);
  auto refused = import_extract(tax.db(), *description, in, clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::bad_extract);
  for (std::string_view line : {"line 3: person_id", "line 4: reference_income", "line 5: student",
                                "line 6: has 2 fields", "line 7: the person of line 2"}) {
    EXPECT_NE(refused.error().message.find(line), std::string::npos) << line << " in " << refused.error().message;
  }
  // The version imported in SetUp is still the one served.
  auto record = tax.db().read([](storage::Connection& c) { return current_record(c, "at", "PT:100000002"); });
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((**record).at("reference_income"), json::value(80000));

  std::istringstream unknown_column("person_id,wealth\n123456789,1\n");
  EXPECT_NE(import_extract(tax.db(), *description, unknown_column, clock).error().message.find("wealth"),
            std::string::npos);
  std::istringstream unclosed("person_id,benefits\n123456789,\"abono\n");
  EXPECT_FALSE(import_extract(tax.db(), *description, unclosed, clock).ok());

  // The same extract again changes nothing; a new one replaces the old whole.
  std::istringstream same{std::string(kExtract)};
  auto unchanged = import_extract(tax.db(), *description, same, clock);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_TRUE(unchanged->unchanged);
  std::istringstream next("person_id,reference_income\n100000002,900\n");
  auto replaced = import_extract(tax.db(), *description, next, clock);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->records, 1);
  auto gone = tax.db().read([](storage::Connection& c) { return current_record(c, "at", "PT:123456789"); });
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto stats = datasets(tax.db());
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ(stats->front().records, 1);
}

TEST_P(ExchangeTest, AnExtractReadsTheSameWhateverItsChunks) {
  auto description = parse_description(kDescription);
  ASSERT_TRUE(description.ok());
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u}) {
    std::istringstream next("person_id,reference_income,benefits\n100000002,1.5,\"a;b\"\n\"PT:123456789\",\"2\",c\n");
    ImportOptions options;
    options.chunk_bytes = chunk;
    // The first is written; the others are the same bytes (found unchanged), read in other chunks.
    auto imported = import_extract(tax.db(), *description, next, clock, options);
    ASSERT_TRUE(imported.ok()) << chunk << ": " << imported.error().message;
    auto record = tax.db().read([](storage::Connection& c) { return current_record(c, "at", "PT:100000002"); });
    ASSERT_TRUE(record.ok() && record->has_value());
    EXPECT_EQ((**record).at("reference_income"), json::value(150)) << chunk;
    EXPECT_EQ((**record).at("benefits"), (json::array{"a", "b"})) << chunk;
    auto other = tax.db().read([](storage::Connection& c) { return current_record(c, "at", "PT:123456789"); });
    ASSERT_TRUE(other.ok() && other->has_value());
    EXPECT_EQ((**other).at("reference_income"), json::value(200)) << chunk;
  }
}

TEST_P(ExchangeTest, DescriptionsAndEntitlementsAreChecked) {
  EXPECT_FALSE(parse_description(R"({"dataset": "at"})").ok());
  EXPECT_FALSE(parse_description(R"({"dataset": "AT", "title": {"en": "x"}, "country": "PT",
      "attributes": [{"name": "a", "type": "text", "meaning": {"en": "x"}}]})")
                   .ok());
  auto twice = parse_description(R"({"dataset": "at", "title": {"en": "x"}, "country": "PT",
      "attributes": [{"name": "a", "type": "text", "meaning": {"en": "x"}},
                     {"name": "a", "type": "integer", "meaning": {"en": "y"}}]})");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("attributes[1].name is used twice"), std::string::npos);
  auto bad_type = parse_description(R"({"dataset": "at", "title": {"en": "x"}, "country": "PT",
      "attributes": [{"name": "a", "type": "money", "meaning": {"en": "x"}}]})");
  EXPECT_NE(bad_type.error().message.find("attributes[0].type"), std::string::npos);

  Entitlement unknown_attribute = entitlement({"wealth"});
  auto refused = grant_entitlement(tax.db(), unknown_attribute, "admin", clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "attributes");
  Entitlement past = entitlement({"reference_income"});
  past.expires_at = clock.now() - std::chrono::hours(1);
  EXPECT_EQ(grant_entitlement(tax.db(), past, "admin", clock).error().field, "expires");
  Entitlement no_law = entitlement({"reference_income"});
  no_law.legal_basis.reference = "";
  EXPECT_EQ(grant_entitlement(tax.db(), no_law, "admin", clock).error().field, "legal_basis");
  auto granted = grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock);
  ASSERT_TRUE(granted.ok());
  EXPECT_TRUE(identity::verify_audit_chain(tax.db())->intact);
  EXPECT_EQ(list_entitlements(tax.db())->size(), 1u);
}

TEST_P(ExchangeTest, AnAlteredJournalEntryIsFoundAndPruningKeepsTheChain) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
    clock.advance(std::chrono::days(2));
  }
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  // Kept three days: the entries of days 0 and 2 go, the chain still verifies from the anchor.
  auto pruned = prune_journal(tax.db(), std::chrono::hours(24 * 3), clock);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(*pruned, 2);
  auto verified = verify_journal(tax.db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->entries, 2);
  EXPECT_EQ(verified->head.seq, 4);
  // Later entries continue the chain.
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  EXPECT_TRUE(verify_journal(tax.db())->intact);

  // An entry changed behind the triggers' back is found.
  auto c = tax.db().acquire();
  ASSERT_TRUE((*c)->execute_script(GetParam() == "sqlite"
                                       ? "DROP TRIGGER exchange_journal_no_update;"
                                       : "DROP TRIGGER exchange_journal_no_change ON exchange_journal;")
                  .ok());
  ASSERT_TRUE((*c)->execute("UPDATE exchange_journal SET released = '[]' WHERE seq = 4").ok());
  auto broken = verify_journal(tax.db());
  ASSERT_TRUE(broken.ok());
  EXPECT_FALSE(broken->intact);
  EXPECT_EQ(broken->broken_at, std::optional<std::int64_t>(4));
}

TEST_P(ExchangeTest, AConnectorAsksTheAdministrationsOwnApi) {
  auto description = parse_description(R"({"dataset": "imt", "title": {"en": "Mobility"}, "country": "PT",
      "attributes": [{"name": "vehicles", "type": "integer", "meaning": {"en": "Vehicles owned"}},
                     {"name": "licence_valid", "type": "boolean", "meaning": {"en": "A valid licence"}},
                     {"name": "categories", "type": "list", "meaning": {"en": "Licence categories"}}],
      "connector": {"url": "http://api.test/persons/{person}?country=PT",
                    "headers": {"Authorization": "Bearer ${GUICHET_TEST_IMT_TOKEN}"},
                    "values": {"vehicles": "/vehicles/count", "licence_valid": "/licence/valid",
                               "categories": "/licence/categories"}}})");
  ASSERT_TRUE(description.ok()) << description.error().message;
  ASSERT_EQ(::setenv("GUICHET_TEST_IMT_TOKEN", "s3cret", 1), 0);
  ASSERT_TRUE(register_connector(tax.db(), *description, clock).ok());
  std::vector<std::string> asked;
  transport.api = [&](const std::string& url, const std::vector<std::string>& headers) {
    asked.push_back(url);
    EXPECT_EQ(headers, (std::vector<std::string>{"Authorization: Bearer s3cret"}));
    if (url.find("/persons/123456789?") != std::string::npos) {
      return HttpReply{200, "application/json",
                       R"({"vehicles": {"count": 2}, "licence": {"valid": true, "categories": ["B", "A1"]}})"};
    }
    if (url.find("/persons/100000010?") != std::string::npos) {
      return HttpReply{200, "application/json", R"({"vehicles": {"count": "many"}})"};
    }
    if (url.find("/persons/100000002?") != std::string::npos) return HttpReply{404, "application/json", "{}"};
    return HttpReply{500, "text/plain", "down"};
  };
  Entitlement e = entitlement({"vehicles", "categories"});
  e.dataset = "imt";
  ASSERT_TRUE(grant_entitlement(tax.db(), e, "admin", clock).ok());
  auto fetch = [&](const std::string& person) {
    ExchangeRequest r = request({"vehicles", "categories"}, person);
    r.dataset = "imt";
    return portal.node.fetch(r);
  };
  auto answered = fetch("PT:123456789");
  ASSERT_TRUE(answered.ok()) << answered.error().message;
  EXPECT_EQ(answered->values.at("vehicles"), json::value(2));
  EXPECT_EQ(answered->values.at("categories"), (json::array{"B", "A1"}));
  EXPECT_FALSE(answered->values.contains("licence_valid")) << "only what was asked";
  EXPECT_EQ(asked.front(), "http://api.test/persons/123456789?country=PT");
  EXPECT_EQ(fetch("PT:100000002")->outcome, "not_found");
  EXPECT_EQ(fetch("PT:100000010").error().code, Errc::peer_unreachable) << "a value of the wrong shape";
  EXPECT_EQ(fetch("PT:100000029").error().code, Errc::peer_unreachable) << "the API failing";
  // Not entitled: the API is never called.
  const std::size_t calls = asked.size();
  ExchangeRequest unentitled = request({"licence_valid"});
  unentitled.dataset = "imt";
  EXPECT_EQ(portal.node.fetch(unentitled).error().code, Errc::not_entitled);
  EXPECT_EQ(asked.size(), calls);
  EXPECT_TRUE(verify_journal(tax.db())->intact);

  EXPECT_FALSE(parse_description(R"({"dataset": "imt", "title": {"en": "M"}, "country": "PT",
      "attributes": [{"name": "vehicles", "type": "integer", "meaning": {"en": "x"}}],
      "connector": {"url": "http://api.test/persons", "values": {"vehicles": "/v"}}})")
                   .ok())
      << "the URL must name the person";
  EXPECT_FALSE(parse_description(R"({"dataset": "imt", "title": {"en": "M"}, "country": "PT",
      "attributes": [{"name": "vehicles", "type": "integer", "meaning": {"en": "x"}}],
      "connector": {"url": "http://api.test/{person}", "values": {}}})")
                   .ok())
      << "every attribute has its pointer";
}

TEST_P(ExchangeTest, TheHourlyJobPrunesPastTheRetentionAndTheIndexJobFoldsTheTail) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  clock.advance(std::chrono::days(40));
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  jobs::Worker worker(tax.db(), clock);
  register_journal_jobs(worker, tax.db(), clock, std::chrono::hours(24 * 30));
  clock.advance(std::chrono::hours(2));  // the job is due at the next hour
  auto ran = worker.run_due();
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_GE(*ran, 1);
  auto verified = verify_journal(tax.db());
  EXPECT_TRUE(verified->intact);
  EXPECT_EQ(verified->entries, 1);  // the entry of 40 days ago went
  EXPECT_EQ(verified->head.seq, 2);
  // The index's job ran too: the two lines' tail, shorter than a writer's fold, is folded.
  auto c = tax.db().acquire();
  auto runs = (*c)->query("SELECT MAX(last_seq) FROM exchange_journal_person_runs");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->rows[0].optional_integer(0), std::optional<std::int64_t>(2));
}

TEST_P(ExchangeTest, TheJournalRefusesChangesAndDeletionsPastTheAnchor) {
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  auto c = tax.db().acquire();
  EXPECT_FALSE((*c)->execute("UPDATE exchange_journal SET outcome = 'refused'").ok());
  EXPECT_FALSE((*c)->execute("DELETE FROM exchange_journal").ok());
}

// A registry that requires mutual TLS, over real sockets: a node presenting a certificate from
// the agreed CA fetches its key set; one without is turned away in the handshake.
TEST_P(ExchangeTest, ARegistryRequiringMutualTlsServesOnlyNodesWithACertificate) {
  testing::TempDir dir;
  auto path = [&](const char* name) { return (dir.path() / name).string(); };
  std::ofstream(path("san.ext")) << "subjectAltName=IP:127.0.0.1\n";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  for (const std::string& command :
       {"openssl req -x509" + ec + "-days 1 -subj /CN=exchange-ca -keyout " + path("ca.key") + " -out " +
            path("ca.pem"),
        "openssl req" + ec + "-subj /CN=127.0.0.1 -keyout " + path("server.key") + " -out " + path("server.csr"),
        "openssl x509 -req -in " + path("server.csr") + " -CA " + path("ca.pem") + " -CAkey " + path("ca.key") +
            " -CAcreateserial -days 1 -extfile " + path("san.ext") + " -out " + path("server.pem"),
        "openssl req" + ec + "-subj /CN=guichet -keyout " + path("client.key") + " -out " + path("client.csr"),
        "openssl x509 -req -in " + path("client.csr") + " -CA " + path("ca.pem") + " -CAkey " + path("ca.key") +
            " -CAcreateserial -days 1 -out " + path("client.pem"),
        "openssl req -x509" + ec + "-days 1 -subj /CN=stranger -keyout " + path("stranger.key") + " -out " +
            path("stranger.pem")}) {
    ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command;
  }
  ExchangeWebContext web{&tax.node, tax.db(), nullptr, nullptr, {}, "Europe/Lisbon", &clock};
  http::Router router;
  register_node_routes(router, web);
  http::Application app(std::move(router), {}, nullptr);
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.tls = http::TlsFiles{path("server.pem"), path("server.key"), path("ca.pem")};
  http::Server server(options, app);
  ASSERT_TRUE(server.listen().ok());
  std::thread running([&] { server.run(false); });
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
  const std::string kid = tax.keys.signing_key()->kid;

  auto with_certificate =
      curl_transport(std::chrono::seconds(5), {path("client.pem"), path("client.key"), path("ca.pem")});
  Peers peers(portal.db(), clock, *with_certificate);
  auto added = peers.add("at", "AT over mutual TLS", url, kid);
  EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);

  auto without = curl_transport(std::chrono::seconds(5), {"", "", path("ca.pem")});
  Peers refused(portal.db(), clock, *without);
  EXPECT_EQ(refused.add("at", "AT", url, kid).error().code, Errc::bad_peer);
  auto stranger = curl_transport(std::chrono::seconds(5), {path("stranger.pem"), path("stranger.key"), path("ca.pem")});
  Peers strangers(portal.db(), clock, *stranger);
  EXPECT_EQ(strangers.add("at", "AT", url, kid).error().code, Errc::bad_peer);
  server.stop();
  running.join();
}

// Anyone can send garbage: refusals of unproved senders are signed and journaled within a budget,
// the rest answered 429 and not journaled; a proved consumer is always answered and journaled.
TEST_P(ExchangeTest, UnprovedRequestsBeyondABudgetAreNotJournaled) {
  ExchangeOptions options;
  options.unproved_per_second = 1;
  options.unproved_burst = 3;
  Node limited(tax.keys, tax.peers, tax.db(), clock, transport, options);
  transport.nodes["at"] = &limited;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limited.answer("not a JWS").status, 400);
  ProviderAnswer dropped = limited.answer("not a JWS");
  EXPECT_EQ(dropped.status, 429);
  EXPECT_FALSE(dropped.signed_body);
  EXPECT_NE(dropped.body.find("too_many_unproved_requests"), std::string::npos);
  EXPECT_EQ(journal(tax).size(), 3u);
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  auto proved = portal.node.fetch(request({"reference_income"}));
  ASSERT_TRUE(proved.ok()) << proved.error().message;
  EXPECT_EQ(journal(tax).size(), 4u) << "a proved consumer is never held back";
  clock.advance(std::chrono::seconds(2));
  EXPECT_EQ(limited.answer("not a JWS").status, 400) << "the budget refills";
  EXPECT_EQ(journal(tax).size(), 5u);
}

// A registry answers other administrations' systems directly; it tells the portal of those
// accesses, signed, so the person's page lists them too. Unproved requests are not told.
TEST_P(ExchangeTest, ARegistryReportsOthersAccessesToThePortalOnceEach) {
  TestNode ss{GetParam(), "ss", clock, transport};
  transport.nodes["ss"] = &ss.node;
  auto ss_key = ss.keys.signing_key();
  auto tax_key = tax.keys.signing_key();
  ASSERT_TRUE(ss_key.ok() && tax_key.ok());
  ASSERT_TRUE(tax.peers.add("ss", "Segurança Social", "http://ss.test", ss_key->kid).ok());
  ASSERT_TRUE(ss.peers.add("at", "Autoridade Tributária", "http://at.test", tax_key->kid).ok());
  ASSERT_TRUE(grant_entitlement(tax.db(), entitlement({"reference_income"}), "admin", clock).ok());
  Entitlement for_ss = entitlement({"household_parts"});
  for_ss.consumer = "ss";
  ASSERT_TRUE(grant_entitlement(tax.db(), for_ss, "admin", clock).ok());
  // Through the portal (it journals those itself), then social security directly: answered, then
  // refused (not entitled), then a request whose signature was tampered with.
  ASSERT_TRUE(portal.node.fetch(request({"reference_income"})).ok());
  ASSERT_TRUE(ss.node.fetch(request({"household_parts"})).ok());
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(ss.node.fetch(request({"reference_income"})).error().code, Errc::not_entitled);
  transport.tamper = [](std::string body) {
    body[body.size() - 5] = body[body.size() - 5] == 'A' ? 'B' : 'A';
    return body;
  };
  EXPECT_FALSE(ss.node.fetch(request({"household_parts"})).ok());
  transport.tamper = nullptr;
  ASSERT_EQ(journal(tax).size(), 4u);

  int reports_received = 0;
  transport.reports = [&](Node& node, const std::string& body) {
    ++reports_received;
    auto kept = receive_access_report(node, portal.db(), body, clock);
    if (!kept) return HttpReply{400, "application/json", kept.error().message};
    return HttpReply{200, "application/json", "{\"kept\":" + std::to_string(*kept) + "}"};
  };
  // Nothing is told before the portal is marked as told.
  auto quiet = send_access_reports(tax.node, tax.db(), clock);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->sent, 0);
  EXPECT_EQ(report_accesses_to(tax.db(), "nobody", true, "cli", clock).error().code, Errc::no_such_peer);
  ASSERT_TRUE(report_accesses_to(tax.db(), "guichet", true, "cli", clock).ok());
  auto run = send_access_reports(tax.node, tax.db(), clock);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->sent, 2) << "social security's two proved requests; not the portal's, not the tampered one";
  EXPECT_EQ(reports_received, 1);

  auto told = reported_accesses(portal.db(), "PT:123456789", std::nullopt, 10);
  ASSERT_TRUE(told.ok()) << told.error().message;
  ASSERT_EQ(told->size(), 2u);
  EXPECT_EQ((*told)[0].entry.outcome, "refused") << "newest first";
  EXPECT_EQ((*told)[0].entry.reason, "not_entitled");
  EXPECT_EQ((*told)[1].entry.outcome, "answered");
  EXPECT_EQ((*told)[1].entry.consumer, "ss");
  EXPECT_EQ((*told)[1].consumer_name, "Segurança Social") << "named as the registry knows it";
  EXPECT_EQ((*told)[1].entry.provider, "at");
  EXPECT_EQ((*told)[1].entry.released, (std::vector<std::string>{"household_parts"}));
  auto older = reported_accesses(portal.db(), "PT:123456789",
                                 ReportPosition{to_unix_micros((*told)[0].entry.at), (*told)[0].id}, 10);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].id, (*told)[1].id);

  // Sent once: the next run has nothing new; a report sent again keeps nothing twice.
  auto again = send_access_reports(tax.node, tax.db(), clock);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sent, 0);
  {
    auto c = tax.db().acquire();
    ASSERT_TRUE((*c)->execute("UPDATE exchange_peers SET reported_seq = 0").ok());
  }
  ASSERT_TRUE(send_access_reports(tax.node, tax.db(), clock).ok());
  EXPECT_EQ(reported_accesses(portal.db(), "PT:123456789", std::nullopt, 10)->size(), 2u);

  // A report the portal must not believe: signed by another node than it claims, meant for
  // another node, or with a bad entry.
  auto forged_payload = [&](const std::string& iss, const std::string& aud, json::value entry) {
    return json::serialize(
        json::object{{"typ", kAccessReportType}, {"iss", iss}, {"aud", aud}, {"entries", json::array{entry}}});
  };
  json::object good{{"seq", 99},
                    {"at", to_unix_micros(clock.now())},
                    {"consumer", "ss"},
                    {"consumer_name", "Segurança Social"},
                    {"purpose", "family-allowance"},
                    {"legal_basis", {{"kind", "law"}, {"reference", "Lei 1/2000"}}},
                    {"person", "PT:123456789"},
                    {"attributes", json::array{"household_parts"}},
                    {"released", json::array{}},
                    {"outcome", "not_found"},
                    {"request_hash", "abc"}};
  ASSERT_TRUE(portal.peers.add("ss", "Segurança Social", "http://ss.test", ss_key->kid).ok());
  auto by_ss_as_tax = ss.keys.sign(forged_payload("at", "guichet", good));
  EXPECT_EQ(receive_access_report(portal.node, portal.db(), *by_ss_as_tax, clock).error().code, Errc::unknown_key)
      << "ss's key is not one the portal pinned for the tax administration";
  auto elsewhere = tax.keys.sign(forged_payload("at", "other", good));
  EXPECT_EQ(receive_access_report(portal.node, portal.db(), *elsewhere, clock).error().code, Errc::bad_request);
  json::object bad = good;
  bad["person"] = "";
  auto bad_entry = tax.keys.sign(forged_payload("at", "guichet", bad));
  auto refused = receive_access_report(portal.node, portal.db(), *bad_entry, clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::bad_request);
  EXPECT_NE(refused.error().message.find("entries[0].person"), std::string::npos) << refused.error().message;
  auto fine = tax.keys.sign(forged_payload("at", "guichet", good));
  EXPECT_EQ(receive_access_report(portal.node, portal.db(), *fine, clock).value(), 1);
  EXPECT_EQ(reported_accesses(portal.db(), "PT:123456789", std::nullopt, 10)->size(), 3u);
}

// A generated population on the portal (accounts with national identification numbers) and in the
// tax registry; the social tariff's rule over it, dry run through entitled exchanges.
TEST_P(ExchangeTest, ADryRunCountsWhomABenefitsRuleWouldGrant) {
  auto benefit = parse_benefit(R"json({"code": "social-energy-tariff", "administration": "erse",
      "name": {"en": "Social energy tariff", "pt": "Tarifa social de energia"},
      "legal_basis": "Decreto-Lei n.º 138-A/2010",
      "sources": {"at": ["reference_income", "household_parts", "benefits"]},
      "rule": "reference_income / household_parts < 600000 or has(benefits, 'rsi')"})json");
  ASSERT_TRUE(benefit.ok()) << benefit.error().message;
  // Person i: income (i * 1000 euros), 1 + i % 3 parts, rsi for every seventh.
  auto nif = [](int i) {
    std::string digits = std::to_string(20000000 + i * 7919);
    int sum = 0;
    for (int k = 0; k < 8; ++k) sum += (digits[static_cast<std::size_t>(k)] - '0') * (9 - k);
    return digits + std::to_string(sum % 11 < 2 ? 0 : 11 - sum % 11);
  };
  std::string extract = "person_id,reference_income,household_parts,benefits\n";
  int expected = 0;
  const int people = 30;
  for (int i = 0; i < people; ++i) {
    const int parts = 1 + i % 3;
    const bool rsi = i % 7 == 0;
    if (i < people - 2) {  // the last two are unknown to the registry
      extract +=
          nif(i) + "," + std::to_string(i * 1000) + "," + std::to_string(parts) + "," + (rsi ? "rsi" : "") + "\n";
      if (static_cast<double>(i) * 100000 / parts < 600000 || rsi) ++expected;
    }
    auto user = identity::create_user(
        portal.db(), identity::NewUser{"p" + std::to_string(i) + "@example.org", "a long passphrase", true}, clock);
    ASSERT_TRUE(user.ok());
    ASSERT_TRUE(identity::set_national_id(portal.db(), user->id, "PT:" + nif(i), "cli", clock).ok());
  }
  std::istringstream in(extract);
  ASSERT_TRUE(import_extract(tax.db(), *parse_description(kDescription), in, clock).ok());
  Entitlement e = entitlement({"reference_income", "household_parts", "benefits"});
  e.purpose = "social-energy-tariff";
  e.legal_basis.reference = "Decreto-Lei n.º 138-A/2010";
  ASSERT_TRUE(grant_entitlement(tax.db(), e, "admin", clock).ok());

  ASSERT_TRUE(define_benefit(portal.db(), *benefit, "cli", clock).ok());
  auto stored = find_benefit(portal.db(), "social-energy-tariff");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_FALSE((*stored)->enabled) << "defined disabled, until the dry run convinces";
  auto run = dry_run(portal.node, portal.db(), **stored, 1000);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->people, people);
  EXPECT_EQ(run->granted, expected);
  EXPECT_EQ(run->unknown, 2) << "the registry holds nothing on them: the rule cannot decide";
  EXPECT_EQ(run->unknown_reasons["rule_failed"], 2);
  EXPECT_EQ(run->not_granted, people - 2 - expected);
  // Every person asked is in both journals, under the benefit's purpose.
  auto asked = read_journal(tax.db(), JournalQuery{});
  EXPECT_EQ(asked->size(), static_cast<std::size_t>(people));
  EXPECT_EQ(asked->front().purpose, "social-energy-tariff");
  // Enabling needs a dry run kept with this definition: the administrators' page queues one for
  // the job, which keeps its counts.
  EXPECT_EQ(enable_benefit(portal.db(), "social-energy-tariff", true, "cli", clock).error().code, Errc::dry_run_first);
  ASSERT_TRUE(request_dry_run(portal.db(), "social-energy-tariff", 1000, "user:1", clock).ok());
  {
    jobs::Worker worker(portal.db(), clock);
    register_benefit_dry_runs(worker, portal.node, portal.db(), clock);
    auto ran = worker.run_due();
    ASSERT_TRUE(ran.ok()) << ran.error().message;
  }
  auto kept = find_benefit(portal.db(), "social-energy-tariff");
  ASSERT_TRUE(kept.ok() && kept->has_value() && (*kept)->last_dry_run);
  EXPECT_EQ((*kept)->last_dry_run->counts.granted, expected);
  EXPECT_EQ((*kept)->last_dry_run->counts.unknown_reasons["rule_failed"], 2);
  EXPECT_EQ((*kept)->last_dry_run->by, "user:1");
  EXPECT_FALSE((*kept)->dry_run_requested_at);
  // A dry run of an older definition says nothing of the new one.
  clock.advance(std::chrono::seconds(1));
  ASSERT_TRUE(define_benefit(portal.db(), *benefit, "cli", clock).ok());
  EXPECT_FALSE((*find_benefit(portal.db(), "social-energy-tariff"))->last_dry_run);
  ASSERT_TRUE(record_dry_run(portal.db(), **kept, (*kept)->last_dry_run->counts, "cli", clock).ok());
  EXPECT_FALSE((*find_benefit(portal.db(), "social-energy-tariff"))->last_dry_run) << "ran on the older definition";
  ASSERT_TRUE(
      record_dry_run(portal.db(), **find_benefit(portal.db(), "social-energy-tariff"), *run, "cli", clock).ok());
  ASSERT_TRUE(enable_benefit(portal.db(), "social-energy-tariff", true, "cli", clock).ok());
  ASSERT_TRUE(
      identity::sign_in(portal.db(), "p0@example.org", "a long passphrase", "test", "127.0.0.1", clock, {}, {}, "pt")
          .ok());
  EXPECT_TRUE((*find_benefit(portal.db(), "social-energy-tariff"))->enabled);

  // Enabled, it is granted, in batches: each grant recorded with its reasons and e-mailed.
  int mails = 0;
  std::map<std::string, std::string> languages;  // address -> the notice's language
  BenefitNotice notice = [&](const std::string& email, const std::string& language, const Benefit& b) {
    ++mails;
    languages[email] = language;
    return jobs::EmailMessage{email, "Granted: " + b.names.at("en"), "See /account/benefits", {}};
  };
  auto first_run = grant_benefits(portal.node, portal.db(), clock, notice, 20);
  ASSERT_TRUE(first_run.ok()) << first_run.error().message;
  EXPECT_EQ(first_run->evaluated, 20);
  EXPECT_TRUE(first_run->more);
  auto second_run = grant_benefits(portal.node, portal.db(), clock, notice, 20);
  ASSERT_TRUE(second_run.ok());
  EXPECT_EQ(second_run->evaluated, people - 20);
  EXPECT_FALSE(second_run->more);
  EXPECT_EQ(first_run->granted + second_run->granted, expected);
  EXPECT_EQ(mails, expected);
  EXPECT_EQ(languages["p0@example.org"], "pt") << "the language p0 last signed in with";
  EXPECT_EQ(languages["p3@example.org"], "") << "never signed in: the site's default is the notice's choice";
  EXPECT_EQ(second_run->unknown, 2);
  auto third_run = grant_benefits(portal.node, portal.db(), clock, notice, 20);
  EXPECT_EQ(third_run->evaluated, 0) << "decided people are not asked again";
  clock.advance(std::chrono::days(8));
  EXPECT_EQ(grant_benefits(portal.node, portal.db(), clock, notice, 20)->evaluated, 2) << "unknown ones, after a week";
  // Person 0 (income 0) holds it, with the values that decided; they decline it.
  auto zero = identity::find_user_by_email(portal.db(), "p0@example.org");
  auto held = grants_of(portal.db(), (*zero)->id);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->front().status, "granted");
  EXPECT_EQ(held->front().values.at("reference_income"), json::value(0));
  EXPECT_EQ(held->front().types.at("reference_income"), json::value("amount"));
  ASSERT_TRUE(decline_benefit(portal.db(), (*zero)->id, "social-energy-tariff", clock).ok());
  EXPECT_EQ(grants_of(portal.db(), (*zero)->id)->front().status, "declined");
  EXPECT_EQ(decline_benefit(portal.db(), (*zero)->id, "social-energy-tariff", clock).error().code,
            Errc::no_such_benefit);
  EXPECT_EQ(enable_benefit(portal.db(), "nothing", true, "cli", clock).error().code, Errc::no_such_benefit);
  // Without an entitlement for this purpose, every verdict is unknown.
  auto other = *benefit;
  other.code = "other-tariff";
  auto refused = dry_run(portal.node, portal.db(), other, 5);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->unknown, 5);
  EXPECT_EQ(refused->unknown_reasons["not_entitled"], 5);
}

// Holds the journal's writers back while the test queues entries behind them: on SQLite a write
// transaction (the writer gate), on PostgreSQL a lock on the journal table as well.
class JournalBlocker {
 public:
  explicit JournalBlocker(storage::Database& db) {
    holder_ = std::thread([this, &db] {
      (void)db.transaction([&](storage::Connection& c) -> Result<void> {
        if (c.backend() == storage::Backend::postgresql) {
          EXPECT_TRUE(c.execute_script("LOCK TABLE exchange_journal IN ACCESS EXCLUSIVE MODE").ok());
        }
        std::unique_lock lock(mutex_);
        held_ = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return released_; });
        return {};
      });
    });
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return held_; });
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
    if (holder_.joinable()) holder_.join();
  }
  ~JournalBlocker() { release(); }
  JournalBlocker(const JournalBlocker&) = delete;
  JournalBlocker& operator=(const JournalBlocker&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  bool released_ = false;
  std::thread holder_;
};

void wait_until_writing(const JournalWriter& writer) {
  for (int i = 0; i < 1000 && !writer.writing(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(writer.writing());
}

void wait_until_queued(const JournalWriter& writer, std::size_t count) {
  for (int i = 0; i < 1000 && writer.queued() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(writer.queued(), count);
}

JournalEntry provider_entry(int n) {
  JournalEntry e;
  e.side = Side::provider;
  e.consumer = "guichet";
  e.provider = "at";
  e.purpose = "student-housing-aid";
  e.legal_basis = LegalBasis{LegalBasisKind::law, std::string(kLaw)};
  e.person_id = "PT:" + std::to_string(100000000 + n);
  e.attributes = {"reference_income"};
  e.released = {"reference_income"};
  e.outcome = "answered";
  e.request_hash = "request-" + std::to_string(n);
  e.response_hash = "response-" + std::to_string(n);
  return e;
}

// The first column of a query's first row, or -1 when there is none or it is NULL.
std::int64_t first_integer(storage::Database& db, const std::string& sql) {
  auto c = db.acquire();
  EXPECT_TRUE(c.ok());
  if (!c.ok()) return -1;
  auto rows = (*c)->query(sql);
  EXPECT_TRUE(rows.ok()) << sql;
  return rows.ok() && !rows->empty() && !rows->rows[0].is_null(0) ? rows->rows[0].integer(0) : std::int64_t{-1};
}

// Each person's search finds exactly their lines, newest first (`lines_of`: oldest first).
void expect_each_persons_lines(storage::Database& db, const std::map<std::string, std::vector<std::int64_t>>& lines_of,
                               const std::string& when) {
  for (const auto& [person, seqs] : lines_of) {
    JournalQuery q;
    q.person_id = person;
    auto found = read_journal(db, q);
    ASSERT_TRUE(found.ok()) << found.error().message;
    std::vector<std::int64_t> got;
    for (const JournalEntry& e : *found) got.push_back(e.seq);
    EXPECT_EQ(got, std::vector<std::int64_t>(seqs.rbegin(), seqs.rend())) << person << " " << when;
  }
}

class JournalWriterTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(storage::apply_migrations(database.db(), storage::builtin_migrations(), clock).ok());
  }
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  testing::TestDatabase database{GetParam()};
};

TEST_P(JournalWriterTest, EntriesArrivingWhileABatchIsWrittenShareTheNextCommit) {
  JournalWriter writer(database.db(), clock);
  std::vector<JournalEntry> entries;
  for (int n = 0; n < 8; ++n) entries.push_back(provider_entry(n));
  std::vector<std::optional<Result<std::int64_t>>> results(entries.size());
  std::vector<std::thread> appending;
  {
    JournalBlocker blocker(database.db());
    // The first thread leads at once with its own entry and waits on the blocker; the other seven
    // queue behind it.
    appending.emplace_back([&] { results[0] = writer.append(entries[0]); });
    wait_until_writing(writer);
    for (std::size_t i = 1; i < entries.size(); ++i) {
      appending.emplace_back([&, i] { results[i] = writer.append(entries[i]); });
    }
    wait_until_queued(writer, 7);
  }
  for (std::thread& t : appending) t.join();
  std::set<std::int64_t> seqs;
  for (const auto& r : results) {
    ASSERT_TRUE(r && r->ok()) << (r ? r->error().message : "no result");
    seqs.insert(**r);
  }
  EXPECT_EQ(seqs, (std::set<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(**results[0], 1);  // the first to lead wrote alone
  const BatchStats stats = writer.stats();
  EXPECT_EQ(stats.batches, 2u);  // one entry, then the seven that queued meanwhile in one commit
  EXPECT_EQ(stats.items, 8u);
  EXPECT_EQ(stats.largest, 7u);
  auto verified = verify_journal(database.db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->entries, 8);
  // Each line is the entry its caller appended, at the seq it was told.
  JournalQuery oldest_first;
  oldest_first.oldest_first = true;
  auto lines = read_journal(database.db(), oldest_first);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 8u);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ((*lines)[static_cast<std::size_t>(**results[i] - 1)].request_hash, entries[i].request_hash);
  }
}

TEST_P(JournalWriterTest, ARequestSeenTwiceInOneBatchOrLaterIsAReplayAndLeavesNoLine) {
  JournalWriter writer(database.db(), clock);
  const std::int64_t until = to_unix_micros(clock.now() + std::chrono::minutes(10));
  const SeenRequest first{"guichet", "jti-first-0000000001", until};
  const SeenRequest twice{"guichet", "jti-twice-0000000002", until};
  const JournalEntry a = provider_entry(1), b = provider_entry(2), c = provider_entry(3);
  std::optional<Result<std::int64_t>> ra, rb, rc;
  {
    JournalBlocker blocker(database.db());
    std::thread leader([&] { ra = writer.append(a, &first); });
    wait_until_writing(writer);  // the leader has taken its batch of one and waits on the blocker
    std::thread one([&] { rb = writer.append(b, &twice); });
    std::thread other([&] { rc = writer.append(c, &twice); });
    wait_until_queued(writer, 2);
    blocker.release();
    leader.join();
    one.join();
    other.join();
  }
  ASSERT_TRUE(ra && ra->ok());
  ASSERT_TRUE(rb && rc);
  EXPECT_NE(rb->ok(), rc->ok()) << "exactly one of the two claims of one jti is written";
  const Result<std::int64_t>& refused = rb->ok() ? *rc : *rb;
  EXPECT_EQ(refused.error().code, Errc::replayed_request);
  EXPECT_EQ(writer.stats().largest, 2u);
  // Seen in an earlier batch: refused too, and nothing is written for it.
  auto again = writer.append(provider_entry(4), &first);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::replayed_request);
  auto verified = verify_journal(database.db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact);
  EXPECT_EQ(verified->entries, 2);
  // Entries without a request to record (a consumer's, a refusal's) are written as before.
  auto plain = writer.append(provider_entry(5));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, 3);
}

// Detached entries queued while another thread writes a batch return at once; that thread writes
// them next (nobody else is waiting to lead) and tells each owner what append() would have
// returned, a replay included, with its entry given back.
TEST_P(JournalWriterTest, DetachedEntriesQueuedDuringABatchAreWrittenNextAndEachToldOnce) {
  JournalWriter writer(database.db(), clock);
  const std::int64_t until = to_unix_micros(clock.now() + std::chrono::minutes(10));
  const SeenRequest twice{"guichet", "jti-twice-0000000002", until};
  std::mutex told_mutex;
  std::vector<std::pair<std::string, Result<std::int64_t>>> told;  // request hash, outcome
  auto tell = [&](Result<std::int64_t> outcome, JournalEntry entry) {
    std::lock_guard lock(told_mutex);
    told.emplace_back(entry.request_hash, std::move(outcome));
  };
  std::optional<Result<std::int64_t>> leader_result;
  {
    JournalBlocker blocker(database.db());
    std::thread leader([&] { leader_result = writer.append(provider_entry(1)); });
    wait_until_writing(writer);
    writer.append_detached(provider_entry(2), twice, tell);
    writer.append_detached(provider_entry(3), twice, tell);
    writer.append_detached(provider_entry(4), std::nullopt, tell);
    {
      std::lock_guard lock(told_mutex);
      EXPECT_TRUE(told.empty()) << "queued behind the running batch; nobody told yet";
    }
    EXPECT_EQ(writer.queued(), 3u);
    blocker.release();
    leader.join();
  }
  ASSERT_TRUE(leader_result && leader_result->ok());
  EXPECT_EQ(**leader_result, 1);
  EXPECT_EQ(writer.queued(), 0u);
  EXPECT_FALSE(writer.writing());
  ASSERT_EQ(told.size(), 3u) << "the leading thread wrote the detached entries before returning";
  std::map<std::string, Result<std::int64_t>> by_hash;
  for (auto& [hash, outcome] : told) by_hash.emplace(hash, outcome);
  ASSERT_EQ(by_hash.size(), 3u);
  ASSERT_TRUE(by_hash.at("request-2").ok());
  EXPECT_EQ(by_hash.at("request-3").error().code, Errc::replayed_request) << "a jti claimed twice";
  ASSERT_TRUE(by_hash.at("request-4").ok());
  EXPECT_EQ(std::set<std::int64_t>({*by_hash.at("request-2"), *by_hash.at("request-4")}),
            (std::set<std::int64_t>{2, 3}));
  EXPECT_EQ(writer.stats().batches, 2u) << "the three detached entries in one commit";
  auto verified = verify_journal(database.db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact);
  EXPECT_EQ(verified->entries, 3);
}

// The journal's index by person is kept as sorted runs (migration 50): the writer folds its tail
// into a new run every `fold_every` lines, the job merges runs, pruning drops the runs before the
// anchor; through all of it a person's search finds exactly their lines, newest first.
TEST_P(JournalWriterTest, APersonsLinesAreFoundThroughFoldsMergesAndPruning) {
  JournalWriter writer(database.db(), clock, JournalWriterOptions{64, 4});
  std::map<std::string, std::vector<std::int64_t>> lines_of;  // oldest first
  auto append = [&](int person, std::optional<std::int64_t> user = std::nullopt) {
    JournalEntry e = provider_entry(person);
    e.user_id = user;
    if (user) e.side = Side::consumer;
    auto seq = writer.append(e);
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    lines_of[e.person_id].push_back(*seq);
  };
  auto count = [&](const std::string& sql) { return first_integer(database.db(), sql); };
  auto expect_found = [&](const std::string& when) { expect_each_persons_lines(database.db(), lines_of, when); };
  // People in no order, as requests come: 1, 4, 2, 0, 3, 1, 4, ...
  for (int n = 0; n < 30; ++n) append((n * 3 + 1) % 5);
  // Folded at seq 4, 8, ..., 28: seven runs of four lines; lines 29 and 30 are the tail.
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs WHERE level = 0"), 7);
  EXPECT_EQ(count("SELECT MAX(last_seq) FROM exchange_journal_person_runs"), 28);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_index"), 28);
  expect_found("with a tail");

  // A person's page asks by person or account: the account's line of another person is found too.
  append(9, 7);
  JournalQuery mine;
  mine.person_id = "PT:100000001";
  mine.user_id = 7;
  auto both = read_journal(database.db(), mine);
  ASSERT_TRUE(both.ok()) << both.error().message;
  ASSERT_EQ(both->size(), lines_of["PT:100000001"].size() + 1);
  EXPECT_EQ(both->front().seq, 31);
  mine.before_seq = 31;
  mine.limit = 2;
  auto page = read_journal(database.db(), mine);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->front().seq, lines_of["PT:100000001"].back());

  // Merged two at a time up to level 2: seven runs of level 0 become one of level 2, one of
  // level 1 and one of level 0, every pair moved once per level and none lost.
  auto merged = compact_person_index(database.db(), PersonIndexCompaction{2, 2});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(*merged, 8);  // three merges at level 0, then one at level 1, two runs each
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs WHERE level = 2 AND first_seq = 1 AND "
                  "last_seq = 16"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_index"), 28);
  expect_found("after merging");
  EXPECT_EQ(compact_person_index(database.db(), PersonIndexCompaction{2, 2}).value(), 0) << "nothing left to merge";

  // The job's fold takes the tail, however short.
  auto folded = fold_person_index(database.db());
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(folded->lines, 3);
  EXPECT_EQ(folded->through_seq, 31);
  EXPECT_EQ(fold_person_index(database.db())->lines, 0);
  expect_found("with no tail");

  if (GetParam() == "sqlite") {
    // Both halves of the search are ranges of a key: the runs' (run_id, person_id) and the tail's
    // seqs; the journal is never scanned whole.
    auto c = database.db().acquire();
    // (The runs are named by id, as the search names them after reading them.)
    auto plan = (*c)->query(
        "EXPLAIN QUERY PLAN SELECT seq FROM exchange_journal WHERE seq IN (SELECT i.seq FROM "
        "exchange_journal_person_index i WHERE i.run_id IN (?, ?, ?, ?) AND i.person_id = ? UNION ALL SELECT t.seq "
        "FROM "
        "exchange_journal t WHERE t.seq > ? AND t.seq <= ? AND t.person_id = ?) ORDER BY seq DESC LIMIT 100",
        {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{3}, std::string("PT:1"), std::int64_t{31},
         std::int64_t{40}, std::string("PT:1")});
    ASSERT_TRUE(plan.ok());
    std::string steps;
    for (const storage::Row& row : plan->rows) steps += row.text(3) + "\n";
    EXPECT_EQ(steps.find("SCAN t"), std::string::npos) << steps;
    EXPECT_EQ(steps.find("SCAN exchange_journal\n"), std::string::npos) << steps;
    EXPECT_NE(steps.find("SEARCH i USING PRIMARY KEY (run_id=? AND person_id=?)"), std::string::npos) << steps;
  }

  // Pruned past the first 31 lines' time: every run goes with its lines, the two new ones are the
  // tail.
  clock.advance(std::chrono::days(40));
  for (int n = 0; n < 2; ++n) append(n);
  auto pruned = prune_journal(database.db(), std::chrono::hours(24 * 30), clock);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(*pruned, 31);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs WHERE last_seq <= 31"), 0);
  for (auto& [person, seqs] : lines_of) std::erase_if(seqs, [](std::int64_t seq) { return seq <= 31; });
  expect_found("after pruning");
  EXPECT_TRUE(verify_journal(database.db())->intact);

  // The index is not chained: verification checks it against the lines.
  ASSERT_EQ(fold_person_index(database.db())->lines, 2);
  auto c = database.db().acquire();
  ASSERT_TRUE((*c)->execute("DELETE FROM exchange_journal_person_index WHERE seq = 33").ok());
  auto missing = verify_journal(database.db());
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->intact);
  EXPECT_EQ(missing->problem, "the index by person misses 1 entries");
  const std::string run = std::to_string(count("SELECT MAX(run_id) FROM exchange_journal_person_runs"));
  ASSERT_TRUE((*c)->execute("INSERT INTO exchange_journal_person_index (run_id, person_id, seq) VALUES (" + run +
                            ", 'PT:100000001', 33)")
                  .ok());
  EXPECT_TRUE(verify_journal(database.db())->intact);
  ASSERT_TRUE((*c)->execute("INSERT INTO exchange_journal_person_index (run_id, person_id, seq) VALUES (" + run +
                            ", 'PT:100000004', 32)")
                  .ok());
  auto misplaced = verify_journal(database.db());
  EXPECT_FALSE(misplaced->intact);
  EXPECT_EQ(misplaced->problem, "the index by person names 1 entries under another person");
}

// A merge is done a slice of people at a time, one transaction each, so SQLite's writers never wait
// for a whole merge: in the middle of one, searches still find every line through its sources, a
// fold takes a run id above the merge's, verification holds, and a merge left there (a restart,
// another node) is carried on by the next compaction; the merged and pruned runs' pairs are deleted
// a slice at a time too.
TEST_P(JournalWriterTest, AMergeIsDoneASliceAtATimeAndCarriedOnAfterAStop) {
  JournalWriter writer(database.db(), clock, JournalWriterOptions{64, 4});
  std::map<std::string, std::vector<std::int64_t>> lines_of;
  auto append = [&](int person) {
    JournalEntry e = provider_entry(person);
    auto seq = writer.append(e);
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    lines_of[e.person_id].push_back(*seq);
  };
  auto count = [&](const std::string& sql) { return first_integer(database.db(), sql); };
  auto expect_found = [&](const std::string& when) {
    expect_each_persons_lines(database.db(), lines_of, when);
    auto verified = verify_journal(database.db());
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->intact) << verified->problem << " " << when;
  };
  // Nine people in no order; folded every four lines: four runs of level 0.
  for (int n = 0; n < 16; ++n) append((n * 5 + 2) % 9);
  ASSERT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs WHERE level = 0"), 4);
  PersonIndexCompaction one_step{4, 2, 2, std::chrono::milliseconds(0), 1};  // slices of two pairs

  // The first step records the merge and names its sources; nothing is copied yet.
  ASSERT_TRUE(compact_person_index(database.db(), one_step).ok());
  const std::int64_t target = count("SELECT run_id FROM exchange_journal_person_merges");
  ASSERT_GT(target, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs WHERE merging_into = " + std::to_string(target)),
            4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs WHERE run_id = " + std::to_string(target)), 0);

  // Slice by slice: the new run fills up unlisted, the searches go on through the sources.
  int slices = 0;
  while (count("SELECT COUNT(*) FROM exchange_journal_person_merges") == 1 && slices < 100) {
    auto merged = compact_person_index(database.db(), one_step);
    ASSERT_TRUE(merged.ok()) << merged.error().message;
    ++slices;
    expect_found("after slice " + std::to_string(slices));
    if (slices == 2) {
      // A fold in the middle of the merge takes a run id above the merge's.
      for (int n = 0; n < 4; ++n) append(n);
      EXPECT_GT(count("SELECT MAX(run_id) FROM exchange_journal_person_runs WHERE level = 0"), target);
      EXPECT_GT(count("SELECT COUNT(*) FROM exchange_journal_person_index WHERE run_id = " + std::to_string(target)),
                0);
    }
  }
  // Nine people, two pairs a slice shared by four sources: one person a slice, at least.
  EXPECT_GE(slices, 5);
  EXPECT_EQ(count("SELECT level FROM exchange_journal_person_runs WHERE run_id = " + std::to_string(target)), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_index WHERE run_id = " + std::to_string(target)), 16);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_dropped"), 4);  // the sources' pairs, still there
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_index"), 16 + 16 + 4);
  expect_found("after the swap");

  // Carried on by the next compaction, until done: the sources' pairs deleted.
  auto rest = compact_person_index(database.db(), PersonIndexCompaction{4, 2, 2, std::chrono::milliseconds(0), 0});
  ASSERT_TRUE(rest.ok()) << rest.error().message;
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_dropped"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_index"), 16 + 4);
  expect_found("after the compaction");

  // Pruned: the runs go at once, their pairs with the next compaction.
  clock.advance(std::chrono::days(40));
  append(1);
  auto pruned = prune_journal(database.db(), std::chrono::hours(24 * 30), clock);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(*pruned, 20);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_runs"), 0);
  for (auto& [person, seqs] : lines_of) std::erase_if(seqs, [](std::int64_t seq) { return seq <= 20; });
  expect_found("after pruning");
  ASSERT_TRUE(
      compact_person_index(database.db(), PersonIndexCompaction{4, 2, 2, std::chrono::milliseconds(0), 0}).ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_index"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM exchange_journal_person_dropped"), 0);
  expect_found("after the pruned runs' pairs are deleted");
}

// Searches while lines are appended, folded and merged: a search never misses a line whose append
// had returned before it began (the runs it read and their pairs come from one snapshot).
TEST_P(JournalWriterTest, SearchesDuringFoldsAndMergesMissNoCommittedLine) {
  JournalWriter writer(database.db(), clock, JournalWriterOptions{64, 8});
  constexpr int kPeople = 3;
  constexpr int kLinesEach = 60;
  std::array<std::atomic<int>, kPeople> committed{};  // lines of each person whose append returned
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; n < kLinesEach * kPeople / 2; ++n) {
        const int person = (n * 7 + w) % kPeople;
        if (!writer.append(provider_entry(person)).ok()) ++failures;
        ++committed[static_cast<std::size_t>(person)];
      }
    });
  }
  std::thread merging([&] {
    // One transaction a call, slices of three pairs: searches meet merges in every state.
    while (writing) {
      if (!compact_person_index(database.db(), PersonIndexCompaction{2, 2, 3, std::chrono::milliseconds(0), 1}).ok()) {
        ++failures;
      }
    }
  });
  std::thread searching([&] {
    int searches = 0;
    while (writing || searches < 5) {
      for (int person = 0; person < kPeople; ++person) {
        const int before = committed[static_cast<std::size_t>(person)];
        JournalQuery q;
        q.person_id = provider_entry(person).person_id;
        q.limit = 1000;
        auto found = read_journal(database.db(), q);
        if (!found.ok() || static_cast<int>(found->size()) < before) ++failures;
      }
      ++searches;
    }
  });
  threads[0].join();
  threads[1].join();
  writing = false;
  merging.join();
  searching.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(verify_journal(database.db())->intact);
  for (int person = 0; person < kPeople; ++person) {
    JournalQuery q;
    q.person_id = provider_entry(person).person_id;
    q.limit = 1000;
    EXPECT_EQ(read_journal(database.db(), q)->size(), static_cast<std::size_t>(committed[person].load()));
  }
}

// Two nodes on one PostgreSQL database: while one merges the index (holding its advisory lock),
// the other's writer does not wait for it; its fold is skipped and tried again a few lines later.
TEST_P(JournalWriterTest, AFoldFindingAnotherNodeAtTheIndexIsTriedAgainLater) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "on SQLite the write transaction is the index's lock";
  JournalWriter writer(database.db(), clock, JournalWriterOptions{64, 4});
  auto other_node = database.open_another();
  auto merging = other_node->acquire();
  ASSERT_TRUE(merging.ok());
  ASSERT_TRUE((*merging)->begin().ok());
  // The index's lock (kPersonIndexLock in journal.cpp), as compact_person_index takes it.
  ASSERT_TRUE((*merging)->query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(4823014)) AS l").ok());
  for (int n = 0; n < 6; ++n) ASSERT_TRUE(writer.append(provider_entry(n)).ok());
  auto busy = fold_person_index(database.db());
  ASSERT_TRUE(busy.ok()) << busy.error().message;
  EXPECT_TRUE(busy->skipped_busy);
  EXPECT_EQ(busy->lines, 0);
  auto c = database.db().acquire();
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM exchange_journal_person_runs")->rows[0].integer(0), 0);
  ASSERT_TRUE((*merging)->commit().ok());
  // The writer tried at line 4, 5 and 6 and found the lock taken; line 7 folds.
  ASSERT_EQ(writer.append(provider_entry(7)).value(), 7);
  auto runs = (*c)->query("SELECT first_seq, last_seq FROM exchange_journal_person_runs");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->rows.size(), 1u);
  EXPECT_EQ(runs->rows[0].integer(0), 1);
  EXPECT_EQ(runs->rows[0].integer(1), 7);
  JournalQuery q;
  q.person_id = provider_entry(7).person_id;
  EXPECT_EQ(read_journal(database.db(), q)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, JournalWriterTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

// Migration 49 rebuilds, on SQLite, the records and the replay guard (each in its key's b-tree) and
// the journal (seq as the row id), and on both engines keeps only account lines in the journal's
// index by account: what was written before it reads the same after, a request seen before is
// still a replay, and the journal stays append-only.
class ExchangeLayoutMigrationTest : public ::testing::TestWithParam<std::string> {
 protected:
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  testing::TestDatabase database{GetParam()};
};

TEST_P(ExchangeLayoutMigrationTest, RecordsAndJournalLinesWrittenBeforeReadTheSameAfter) {
  std::vector<storage::MigrationSource> before;
  for (const storage::MigrationSource& m : storage::builtin_migrations()) {
    if (m.version < 49) before.push_back(m);
  }
  ASSERT_TRUE(storage::apply_migrations(database.db(), before, clock).ok());
  auto description = parse_description(kDescription);
  ASSERT_TRUE(description.ok());
  std::istringstream extract{std::string(kExtract)};
  ASSERT_TRUE(import_extract(database.db(), *description, extract, clock).ok());
  const SeenRequest seen{"guichet", "0000018f00000000.seen-before-49", to_unix_micros(clock.now()) + 600'000'000};
  {
    JournalWriter writer(database.db(), clock, JournalWriterOptions{64, 0});  // no index by runs yet
    ASSERT_TRUE(writer.append(provider_entry(1), &seen).ok());
    JournalEntry consumer_line = provider_entry(2);
    consumer_line.side = Side::consumer;
    consumer_line.user_id = 7;
    ASSERT_TRUE(writer.append(consumer_line).ok());
    ASSERT_TRUE(writer.append(provider_entry(3)).ok());
  }
  auto migrated = storage::apply_migrations(database.db(), storage::builtin_migrations(), clock);
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;

  auto c = database.db().acquire();
  ASSERT_TRUE(c.ok());
  auto record = current_record(**c, "at", "PT:123456789");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((**record).at("household_parts"), json::value(2.5));
  EXPECT_FALSE(current_record(**c, "at", "PT:999999990")->has_value());
  auto verified = verify_journal(database.db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->entries, 3);
  JournalWriter writer(database.db(), clock);
  EXPECT_EQ(writer.append(provider_entry(4), &seen).error().code, Errc::replayed_request)
      << "a request seen before is still a replay";
  EXPECT_EQ(writer.append(provider_entry(4)).value(), 4) << "the chain goes on after the lines kept";
  JournalQuery by_account;
  by_account.user_id = 7;
  auto accounts = read_journal(database.db(), by_account);
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ(accounts->front().seq, 2);
  // Migration 50: the lines journaled before it are one run of the index by person.
  JournalQuery by_person;
  by_person.person_id = "PT:100000003";
  auto person = read_journal(database.db(), by_person);
  ASSERT_TRUE(person.ok()) << person.error().message;
  ASSERT_EQ(person->size(), 1u);
  EXPECT_EQ(person->front().seq, 3);
  auto run = (*c)->query("SELECT level, first_seq, last_seq FROM exchange_journal_person_runs");
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->rows.size(), 1u);
  EXPECT_EQ(run->rows[0].integer(1), 1);
  EXPECT_EQ(run->rows[0].integer(2), 3);
  EXPECT_TRUE(verify_journal(database.db())->intact);
  EXPECT_FALSE((*c)->execute("UPDATE exchange_journal SET outcome = 'refused' WHERE seq = 1").ok());
  EXPECT_FALSE((*c)->execute("DELETE FROM exchange_journal WHERE seq = 1").ok());
  if (GetParam() == "sqlite") {
    auto tables = (*c)->query(
        "SELECT name, sql FROM sqlite_master WHERE name IN ('exchange_records', 'exchange_journal', "
        "'exchange_seen_requests', 'exchange_journal_user') ORDER BY name");
    ASSERT_TRUE(tables.ok());
    ASSERT_EQ(tables->rows.size(), 4u);
    EXPECT_NE(tables->rows[0].text(1).find("seq INTEGER PRIMARY KEY"), std::string::npos);
    EXPECT_NE(tables->rows[1].text(1).find("WHERE user_id IS NOT NULL"), std::string::npos);
    EXPECT_NE(tables->rows[2].text(1).find("WITHOUT ROWID"), std::string::npos);
    EXPECT_NE(tables->rows[3].text(1).find("WITHOUT ROWID"), std::string::npos);
  } else {
    auto index = (*c)->query("SELECT indexdef FROM pg_indexes WHERE indexname = 'exchange_journal_user'");
    ASSERT_TRUE(index.ok());
    ASSERT_EQ(index->rows.size(), 1u);
    EXPECT_NE(index->rows[0].text(0).find("WHERE (user_id IS NOT NULL)"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ExchangeLayoutMigrationTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(Rules, DecideFromAttributesAndNeverHarmTheNode) {
  auto rule = Rule::compile("reference_income / household_parts < 600000 or has(benefits, 'rsi')");
  ASSERT_TRUE(rule.ok()) << rule.error().message;
  auto first = rule->evaluate({{"reference_income", 1000000}, {"household_parts", 2.5}, {"benefits", json::array{}}});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  EXPECT_FALSE(
      *rule->evaluate({{"reference_income", 2000000}, {"household_parts", 1}, {"benefits", json::array{"abono"}}}));
  EXPECT_TRUE(
      *rule->evaluate({{"reference_income", 2000000}, {"household_parts", 1}, {"benefits", json::array{"rsi"}}}));
  // An attribute not held is nil: arithmetic on it fails for that person only.
  EXPECT_EQ(rule->evaluate({{"household_parts", 1}}).error().code, Errc::rule_failed);
  EXPECT_TRUE(*rule->evaluate({{"reference_income", 1}, {"household_parts", 1}}));

  EXPECT_EQ(Rule::compile("reference_income <").error().code, Errc::bad_rule);
  EXPECT_EQ(Rule::compile("").error().code, Errc::bad_rule);
  EXPECT_EQ(Rule::compile("true) x = (1").error().code, Errc::bad_rule) << "one expression, no statement after it";
  EXPECT_EQ(Rule::compile("\x1bLua").error().code, Errc::bad_rule) << "no bytecode";

  auto loops = Rule::compile("(function() while true do end end)()");
  ASSERT_TRUE(loops.ok());
  auto looped = loops->evaluate({});
  ASSERT_FALSE(looped.ok());
  EXPECT_NE(looped.error().message.find("instruction limit"), std::string::npos) << looped.error().message;

  auto greedy = Rule::compile("#string.rep('x', 100000000) > 0");
  ASSERT_TRUE(greedy.ok());
  auto ate = greedy->evaluate({});
  ASSERT_FALSE(ate.ok());
  EXPECT_NE(ate.error().message.find("memory"), std::string::npos) << ate.error().message;
  // ...and the rule still works for the next person.
  auto after = Rule::compile("1 + 1 == 2");
  EXPECT_TRUE(*after->evaluate({}));

  for (const char* escape :
       {"os.exit(1)", "io.open('/etc/passwd')", "load('return 1')()", "require('os')", "dofile('/etc/passwd')",
        "string.dump(print)", "setmetatable({}, {})", "collectgarbage('count') > 0", "rawset(math, 'pi', 3)"}) {
    auto r = Rule::compile(escape);
    ASSERT_TRUE(r.ok()) << escape;
    EXPECT_EQ(r->evaluate({}).error().code, Errc::rule_failed) << escape;
  }
  auto number = Rule::compile("reference_income");
  EXPECT_NE(number->evaluate({{"reference_income", 3}}).error().message.find("not true or false"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ExchangeTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::exchange
