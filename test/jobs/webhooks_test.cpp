// Webhooks on each backend: subscriptions, which events reach which subscription, and delivery
// over HTTP with its signature, to a local receiver that can refuse.
#include "guichet/jobs/webhooks.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "guichet/jobs/worker.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/http_sink.hpp"
#include "support/test_database.hpp"

namespace guichet::jobs {
namespace {
namespace json = boost::json;

const std::set<std::string> kEvents{"booking.created", "booking.cancelled", "booking.no_show"};

class WebhooksTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
  }
  storage::Database& db() { return database->db(); }
  Result<void> publish(const std::string& event, const std::set<std::string>& administrations, const std::string& key) {
    return db().transaction([&](storage::Connection& c) {
      return publish_event(c, event, administrations, R"({"reference":"K7M2-QX9D"})", key, clock);
    });
  }
  std::vector<Job> deliveries() {
    std::vector<Job> out;
    auto listed = list_jobs(db(), std::nullopt, 100);
    for (auto& job : *listed) {
      if (job.kind == kWebhookJobKind) out.push_back(job);
    }
    return out;
  }

  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
};

TEST_P(WebhooksTest, SubscriptionsAreChecked) {
  auto add = [&](std::string url, std::vector<std::string> events) {
    return add_webhook(db(), NewWebhook{std::move(url), std::move(events), "", "test"}, kEvents, clock, nullptr);
  };
  EXPECT_EQ(add("http://example.org/hook", {"booking.created"}).error().code.name(), "bad_webhook") << "https only";
  EXPECT_EQ(add("ftp://example.org/hook", {"booking.created"}).error().code.name(), "bad_webhook");
  EXPECT_EQ(add("https://example.org/hook", {}).error().code.name(), "bad_webhook");
  EXPECT_EQ(add("https://example.org/hook", {"booking.eaten"}).error().code.name(), "bad_webhook");
  EXPECT_EQ(add("https://example.org/a b", {"booking.created"}).error().code.name(), "bad_webhook");
  auto created = add("https://example.org/hook", {"booking.created", "booking.cancelled"});
  ASSERT_TRUE(created.ok());
  EXPECT_GE(created->secret.size(), 40U);
  EXPECT_TRUE(add("http://127.0.0.1:9/hook", {"booking.created"}).ok()) << "loopback, for development";
  auto listed = list_webhooks(db());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_TRUE(listed->at(0).secret.empty()) << "secrets are not listed";
  EXPECT_EQ(listed->at(0).events, (std::vector<std::string>{"booking.created", "booking.cancelled"}));
}

TEST_P(WebhooksTest, EventsReachTheirSubscriptionsOnce) {
  ASSERT_TRUE(
      add_webhook(db(), {"https://irn.example/hook", {"booking.created"}, "irn", "test"}, kEvents, clock, nullptr)
          .ok());
  ASSERT_TRUE(
      add_webhook(db(), {"https://all.example/hook", {"booking.no_show"}, "", "test"}, kEvents, clock, nullptr).ok());
  ASSERT_TRUE(publish("booking.created", {"irn"}, "booking.created:K7M2-QX9D:0").ok());
  EXPECT_EQ(deliveries().size(), 1U);
  ASSERT_TRUE(publish("booking.created", {"irn"}, "booking.created:K7M2-QX9D:0").ok());
  EXPECT_EQ(deliveries().size(), 1U) << "the same event is delivered once";
  ASSERT_TRUE(publish("booking.created", {"aima"}, "booking.created:OTHR-BKNG:0").ok());
  EXPECT_EQ(deliveries().size(), 1U) << "another administration's booking";
  ASSERT_TRUE(publish("booking.cancelled", {"irn"}, "booking.cancelled:K7M2-QX9D:0").ok());
  EXPECT_EQ(deliveries().size(), 1U) << "nobody subscribed to cancellations";
  ASSERT_TRUE(publish("booking.no_show", {"aima"}, "booking.no_show:OTHR-BKNG:0").ok());
  EXPECT_EQ(deliveries().size(), 2U) << "a subscription without administration gets every one";
}

TEST_P(WebhooksTest, DeliveriesAreSignedAndRetriedUntilAccepted) {
  testing::HttpSink receiver;
  // With the operator's secrets key, the webhook's secret is sealed at rest (issue 16).
  const SecretKey kek = *SecretKey::from_base64(SecretKey::generate_base64());
  auto hook = add_webhook(db(), {receiver.url(), {"booking.created"}, "", "test"}, kEvents, clock, &kek);
  ASSERT_TRUE(hook.ok());
  {
    auto c = db().acquire();
    const std::string stored =
        (*c)->query("SELECT secret FROM webhook_subscriptions WHERE id = ?", {hook->id})->rows.at(0).text(0);
    EXPECT_EQ(SecretKey::sealed_by(stored), kek.id());
    EXPECT_EQ(stored.find(hook->secret), std::string::npos);
  }
  ASSERT_TRUE(publish("booking.created", {"irn"}, "booking.created:K7M2-QX9D:0").ok());
  Job job = deliveries().at(0);
  EXPECT_EQ(WebhookSender(db(), clock, nullptr).run_job(job).error().code.name(), "secret_key_missing");
  WebhookSender sender(db(), clock, &kek);

  receiver.status = 500;
  auto refused = sender.run_job(job);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code.name(), "webhook_refused");
  receiver.status = 204;
  ASSERT_TRUE(sender.run_job(job).ok());

  auto received = receiver.requests();
  ASSERT_EQ(received.size(), 2U);
  const auto& request = received[1];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hook");
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  EXPECT_EQ(request.headers.at("guichet-event"), "booking.created");
  EXPECT_EQ(request.headers.at("guichet-signature"), webhook_signature(hook->secret, clock.now(), request.body));
  EXPECT_NE(request.headers.at("guichet-signature"), webhook_signature("another secret", clock.now(), request.body));
  json::value body = json::parse(request.body);
  EXPECT_EQ(body.at("event").as_string(), "booking.created");
  EXPECT_EQ(body.at("data").at("reference").as_string(), "K7M2-QX9D");
  EXPECT_EQ(body.at("id").as_string(), request.headers.at("guichet-delivery"));
  EXPECT_FALSE(body.as_object().contains("subscription")) << "internal ids stay inside";

  // Through the worker (both events, the first one never having been through it): a refusal
  // comes back later, with back-off, until accepted.
  ASSERT_TRUE(publish("booking.created", {"irn"}, "booking.created:SCND-BKNG:0").ok());
  Worker worker(db(), clock);
  worker.handle(kWebhookJobKind, [&](const Job& j) { return sender.run_job(j); });
  receiver.status = 503;
  ASSERT_TRUE(worker.run_due().ok());
  auto pending = list_jobs(db(), std::string("pending"), 10);
  ASSERT_EQ(pending->size(), 2U);
  for (const auto& p : *pending) {
    EXPECT_EQ(p.attempts, 1);
    EXPECT_GT(p.run_at, clock.now());
  }
  receiver.status = 200;
  clock.advance(std::chrono::hours(1));
  ASSERT_TRUE(worker.run_due().ok());
  EXPECT_TRUE(list_jobs(db(), std::string("pending"), 10)->empty());
}

TEST(Webhooks, AnUnreachableReceiverIsUnavailable) {
  testing::TestDatabase database("sqlite");
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  ASSERT_TRUE(storage::apply_migrations(database.db(), storage::builtin_migrations(), clock).ok());
  std::string url;
  {
    testing::HttpSink closed;
    url = closed.url();
  }  // nothing listens there any more
  ASSERT_TRUE(add_webhook(database.db(), {url, {"booking.created"}, "", "test"}, kEvents, clock, nullptr).ok());
  ASSERT_TRUE(database.db()
                  .transaction(
                      [&](storage::Connection& c) { return publish_event(c, "booking.created", {}, "{}", "k", clock); })
                  .ok());
  auto job = list_jobs(database.db(), std::nullopt, 1)->at(0);
  auto sent = WebhookSender(database.db(), clock, nullptr, std::chrono::seconds(2)).run_job(job);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code.name(), "webhook_unreachable");
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhooksTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::jobs
