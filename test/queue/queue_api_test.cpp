// The queue's JSON API and pages through the whole application: a kiosk token of the shop's staff
// lifts the per-address limit, which otherwise answers 429 with Retry-After; call-next needs a
// counter token of the agent holding the counter; bad bodies name their field; the ticket's page
// and JSON are found by their secret only; and the counter page needs a second factor.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "guichet/app/site.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "scheduling/two_shops.hpp"
#include "support/mini_browser.hpp"
#include "support/second_factor.hpp"
#include "support/test_database.hpp"

namespace guichet::queue {
namespace {
namespace json = boost::json;

class QueueApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    auto loaded_shops = scheduling::fixtures::load_two_shops(db(), clock);
    id = loaded_shops.id;
    counter = loaded_shops.counter;
    app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
    options.queue_tickets_per_address = 3;
    options.metrics_token = "queue-scraper-0123456789abcdefghijklmnop";
    options.queue_policy.alert_after = std::chrono::minutes(20);  // within a staff session's idle time
    auto loaded = app::Site::load(options, db(), clock);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    site = std::move(loaded).value();
    clock.set(*scheduling::parse_rfc3339("2026-12-01T09:30:00Z"));  // Lisboa is open
  }
  storage::Database& db() { return database->db(); }

  std::int64_t person(const std::string& email) {
    identity::NewUser details;
    details.email = email;
    details.password = "correct horse battery staple";
    details.email_verified = true;
    auto user = identity::create_user(db(), details, clock);
    EXPECT_TRUE(user.ok());
    return user ? user->id : 0;
  }
  std::int64_t agent(const std::string& email) {
    const std::int64_t user = person(email);
    EXPECT_TRUE(identity::grant_role(db(), user, {identity::Role::agent, "irn"}, "test", clock).ok());
    EXPECT_TRUE(scheduling::assign_agent_to_shop(db(), user, id["lisboa"], "test", clock).ok());
    return user;
  }
  std::string token(std::int64_t user, const std::string& scope) {
    auto issued = oidc::issue_operator_token(db(), user, {scope}, std::chrono::hours(1), clock);
    EXPECT_TRUE(issued.ok());
    return issued ? *issued : "";
  }
  http::Response call(http::Method method, const std::string& target, const std::string& body = "",
                      const std::string& bearer = "", const std::string& address = "192.0.2.7") {
    testing::Browser api(site->application());
    api.remote_address = address;
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!bearer.empty()) headers["Authorization"] = "Bearer " + bearer;
    return api.send(method, target, body, headers);
  }
  std::string passport_body() { return R"({"services": [)" + std::to_string(id["passport"]) + "]}"; }

  FakeClock clock{*scheduling::parse_rfc3339("2026-11-30T08:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<app::Site> site;
  std::map<std::string, std::int64_t> id;
  std::map<std::string, std::int64_t> counter;
};

TEST_P(QueueApiTest, TicketsFromPhonesAreLimitedPerAddressAndKiosksAreNot) {
  for (int i = 1; i <= 3; ++i) {
    auto issued = call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body());
    ASSERT_EQ(issued.status, 201) << issued.body;
    json::object body = json::parse(issued.body).as_object();
    EXPECT_EQ(body.at("number").as_string(), "A00" + std::to_string(i));
    EXPECT_EQ(body.at("ahead").as_int64(), i - 1);
    EXPECT_TRUE(body.at("wait").is_null()) << "no counter is open";
    EXPECT_EQ(issued.headers.get("Location").value_or(""),
              "/api/v1/tickets/" + std::string(body.at("access").as_string()));
  }
  auto limited = call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body());
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(limited.headers.get("Retry-After").has_value());
  EXPECT_EQ(json::parse(limited.body).at("error").as_string(), "too_many_tickets");
  auto elsewhere = call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body(), "", "198.51.100.4");
  EXPECT_EQ(elsewhere.status, 201) << "another address has its own allowance";

  const std::int64_t rita = agent("rita@example.org");
  const std::string kiosk = token(rita, "kiosk");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body(), kiosk).status, 201);
  }
  auto not_here = call(http::Method::post, "/api/v1/shops/paris/tickets",
                       R"({"services": [)" + std::to_string(id["citizen-card"]) + "]}", kiosk);
  EXPECT_EQ(not_here.status, 403) << "a kiosk token of Lisboa's staff does not issue at Paris";
  const std::string wrong_scope = token(rita, "appointments");
  EXPECT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body(), wrong_scope).status, 403);
  EXPECT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body(), "not-a-token").status, 401);
}

TEST_P(QueueApiTest, BadRequestsNameTheirField) {
  auto field_of = [&](const std::string& body, const std::string& shop = "lisboa") {
    auto response = call(http::Method::post, "/api/v1/shops/" + shop + "/tickets", body);
    json::object o = json::parse(response.body).as_object();
    return std::to_string(response.status) + " " + std::string(o.at("error").as_string()) + " " +
           (o.contains("field") ? std::string(o.at("field").as_string()) : "-");
  };
  EXPECT_EQ(field_of("nonsense"), "400 bad_body -");
  EXPECT_EQ(field_of("{}"), "400 bad_body services");
  EXPECT_EQ(field_of(R"({"services": "passport"})"), "400 bad_body services");
  EXPECT_EQ(field_of(R"({"services": [1], "booking": "ABCD-2345"})"), "400 bad_body services");
  EXPECT_EQ(field_of(R"({"booking": "<script>"})"), "400 bad_body booking");
  EXPECT_EQ(field_of(R"({"services": [1], "priority": "vip"})"), "400 bad_body priority");
  EXPECT_EQ(field_of(R"({"services": [999]})"), "404 no_such_service services");
  EXPECT_EQ(field_of(R"({"booking": "ABCD-2345"})"), "401 sign_in_to_check_in booking") << "kiosks only";
  EXPECT_EQ(field_of(passport_body(), "nowhere"), "404 no_such_shop -");
  clock.set(*scheduling::parse_rfc3339("2026-12-01T13:00:00Z"));
  EXPECT_EQ(field_of(passport_body()), "409 shop_closed -");
}

TEST_P(QueueApiTest, CallNextNeedsACounterTokenOfTheAgentHoldingTheCounter) {
  const std::int64_t rita = agent("rita@example.org");
  const std::int64_t joao = agent("joao@example.org");
  ASSERT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body()).status, 201);
  const std::string target = "/api/v1/counters/" + std::to_string(counter["lisboa/g02"]) + "/call-next";
  EXPECT_EQ(call(http::Method::post, target).status, 401);
  EXPECT_EQ(call(http::Method::post, target, "", token(rita, "kiosk")).status, 403) << "the counter scope";
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g02"], rita, clock).ok());
  auto theirs = call(http::Method::post, target, "", token(joao, "counter"));
  EXPECT_EQ(theirs.status, 403) << theirs.body;
  EXPECT_EQ(json::parse(theirs.body).at("error").as_string(), "not_your_counter");
  auto called = call(http::Method::post, target, "", token(rita, "counter"));
  ASSERT_EQ(called.status, 200) << called.body;
  json::object ticket = json::parse(called.body).at("ticket").as_object();
  EXPECT_EQ(ticket.at("number").as_string(), "A001");
  EXPECT_EQ(ticket.at("status").as_string(), "called");
  EXPECT_EQ(ticket.at("counter").as_string(), "g02");
  auto nobody = call(http::Method::post, target, "", token(rita, "counter"));
  EXPECT_EQ(nobody.body, R"({"ticket":null})");
  auto missing = call(http::Method::post, "/api/v1/counters/999999/call-next", "", token(rita, "counter"));
  EXPECT_EQ(missing.status, 403) << "no counter held: nothing to learn about other ids";
}

TEST_P(QueueApiTest, ATicketIsFoundByItsSecretAndTheQueueByAnyone) {
  auto issued = call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body());
  const std::string access(json::parse(issued.body).at("access").as_string());
  auto mine = call(http::Method::get, "/api/v1/tickets/" + access);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.headers.get("Cache-Control").value_or(""), "no-store");
  EXPECT_FALSE(json::parse(mine.body).as_object().contains("access")) << "the secret is given once";
  EXPECT_EQ(call(http::Method::get, "/api/v1/tickets/" + access.substr(1) + "x").status, 404);
  testing::Browser browser(site->application());
  auto page = browser.get("/tickets/" + access);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("A001"), std::string::npos);
  EXPECT_EQ(page.headers.get("Referrer-Policy").value_or(""), "no-referrer");
  auto cancelled = browser.post("/tickets/" + access + "/cancel", {});
  EXPECT_EQ(cancelled.status, 200);
  EXPECT_NE(cancelled.body.find("Your ticket is cancelled."), std::string::npos);
  EXPECT_EQ(browser.post("/tickets/" + access + "/cancel", {}).status, 409);
  auto queue = call(http::Method::get, "/api/v1/shops/lisboa/queue");
  ASSERT_EQ(queue.status, 200);
  json::array lines = json::parse(queue.body).at("lines").as_array();
  EXPECT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].at("waiting").as_int64(), 0) << "the cancelled ticket waits no more";
}

TEST_P(QueueApiTest, TheCounterPageNeedsASecondFactorAndTheKioskTheShopsStaff) {
  testing::Browser browser(site->application());
  auto anonymous = browser.get("/agent/counter");
  EXPECT_EQ(anonymous.status, 303);
  agent("rita@example.org");
  auto signed_in =
      browser.post("/account/sign-in", {{"email", "rita@example.org"}, {"password", "correct horse battery staple"}});
  ASSERT_EQ(signed_in.status, 303);
  testing::enrol_second_factor(browser, clock.now());
  auto page = browser.get("/agent/counter");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("g01"), std::string::npos);
  auto opened = browser.post("/agent/counter/open", {{"counter", std::to_string(counter["lisboa/g01"])}});
  EXPECT_EQ(opened.status, 303);
  auto paris = browser.post("/agent/counter/open", {{"counter", std::to_string(counter["paris/g01"])}});
  EXPECT_EQ(paris.status, 403) << "not her shop";
  auto kiosk = browser.get("/shops/lisboa/kiosk");
  EXPECT_EQ(kiosk.status, 200);
  EXPECT_EQ(browser.get("/shops/paris/kiosk").status, 403);
  auto nobody = browser.post("/agent/counter/call-next", {});
  EXPECT_EQ(nobody.status, 303);
  EXPECT_EQ(nobody.headers.get("Location").value_or(""), "/agent/counter?done=nobody");
  auto absent = browser.post("/agent/counter/finish", {{"outcome", "absent"}});
  EXPECT_EQ(absent.status, 409) << "nobody at the counter";
  EXPECT_NE(absent.body.find("No visitor is at your counter."), std::string::npos);
  // The day's figures, on the page and as CSV; another shop's are not hers.
  ASSERT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body()).status, 201);
  EXPECT_EQ(browser.post("/agent/counter/call-next", {}).status, 303);
  auto figures = browser.get("/agent/queue/measures?shop=" + std::to_string(id["lisboa"]) + "&day=2026-12-01");
  ASSERT_EQ(figures.status, 200);
  EXPECT_NE(figures.body.find("Passport"), std::string::npos);
  auto csv = browser.get("/agent/queue/measures?shop=" + std::to_string(id["lisboa"]) + "&day=2026-12-01&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers.get("Content-Type").value_or(""), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("kind,key,served,abandoned", 0), 0U);
  EXPECT_NE(csv.body.find("\ncounter,g01,"), std::string::npos) << csv.body;
  EXPECT_EQ(browser.get("/agent/queue/measures?shop=" + std::to_string(id["paris"])).status, 403);
}

// An agent chooses how their counter calls (refusals next to the field); tickets waiting past
// the alert limit are flagged on the counter page and counted in /metrics.
TEST_P(QueueApiTest, TheCounterCallsByItsProfileAndFlagsLongWaits) {
  testing::Browser browser(site->application());
  agent("rita@example.org");
  ASSERT_EQ(browser.get("/account/sign-in").status, 200);
  ASSERT_EQ(
      browser.post("/account/sign-in", {{"email", "rita@example.org"}, {"password", "correct horse battery staple"}})
          .status,
      303);
  testing::enrol_second_factor(browser, clock.now());
  EXPECT_EQ(browser.post("/agent/counter/profile", {{"profile", "longest_queue"}}).status, 403) << "no counter yet";
  ASSERT_EQ(browser.post("/agent/counter/open", {{"counter", std::to_string(counter["lisboa/g01"])}}).status, 303);
  auto unknown = browser.post("/agent/counter/profile", {{"profile", "loudest_first"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("id=\"profile-error\""), std::string::npos);
  auto not_served = browser.post("/agent/counter/profile", {{"profile", "service_first"},
                                                            {"preferred_service", std::to_string(id["citizen-card"])}});
  EXPECT_EQ(not_served.status, 400) << "g01 does not serve citizen cards";
  EXPECT_NE(not_served.body.find("aria-invalid=\"true\""), std::string::npos);
  auto chosen = browser.post("/agent/counter/profile",
                             {{"profile", "service_first"}, {"preferred_service", std::to_string(id["tax-help"])}});
  ASSERT_EQ(chosen.status, 303);
  EXPECT_EQ(chosen.headers.get("Location").value_or(""), "/agent/counter?done=profile");

  ASSERT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body()).status, 201);  // A001
  clock.advance(std::chrono::minutes(1));
  json::object tax{{"services", json::array{id["tax-help"]}}};
  ASSERT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", json::serialize(tax)).status, 201);  // B001
  auto page = browser.get("/agent/counter");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("One service first"), std::string::npos);
  EXPECT_NE(page.body.find("Next in line: <strong>B001</strong>"), std::string::npos) << "offered by its profile";
  EXPECT_EQ(page.body.find("Waiting more than 20 min"), std::string::npos);

  clock.advance(std::chrono::minutes(20));
  page = browser.get("/agent/counter");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Waiting more than 20 min"), std::string::npos);
  EXPECT_NE(page.body.find("A001 (Passport, 21 min)"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("B001 (Tax help, 20 min)"), std::string::npos) << "the limit reached counts";
  const std::string metrics = call(http::Method::get, "/metrics", "", "queue-scraper-0123456789abcdefghijklmnop").body;
  EXPECT_NE(metrics.find("guichet_queue_waiting{shop=\"lisboa\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("guichet_queue_waiting_past_alert{shop=\"lisboa\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("guichet_queue_oldest_wait_seconds{shop=\"lisboa\"} 1260"), std::string::npos);
}

// From a phone, a reference alone does not check anyone in: only its holder, signed in.
TEST_P(QueueApiTest, APhoneChecksInOnlyTheSignedInHoldersBooking) {
  const std::int64_t ana = person("ana@example.org");
  person("bob@example.org");
  clock.set(*scheduling::parse_rfc3339("2026-11-30T10:00:00Z"));
  scheduling::BookingRequest wanted{
      ana, id["lisboa"], *scheduling::parse_rfc3339("2026-12-01T10:00:00Z"), {id["passport"]}};
  auto booking = scheduling::book_visit(db(), wanted, clock, scheduling::BookingPolicy{});
  ASSERT_TRUE(booking.ok()) << booking.error().message;
  clock.set(*scheduling::parse_rfc3339("2026-12-01T09:30:00Z"));
  auto sign_in = [&](testing::Browser& browser, const std::string& email) {
    ASSERT_EQ(browser.get("/account/sign-in").status, 200);
    ASSERT_EQ(browser.post("/account/sign-in", {{"email", email}, {"password", "correct horse battery staple"}}).status,
              303);
  };
  testing::Browser stranger(site->application());
  auto page = stranger.get("/shops/lisboa/ticket");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/account/sign-in?return=%2Fshops%2Flisboa%2Fticket"), std::string::npos);
  auto anonymous = stranger.post("/shops/lisboa/ticket/check-in", {{"reference", booking->reference}});
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_NE(anonymous.body.find("id=\"reference-error\""), std::string::npos);
  EXPECT_NE(anonymous.body.find("sign in with the account that booked"), std::string::npos);
  sign_in(stranger, "bob@example.org");
  auto someone_else = stranger.post("/shops/lisboa/ticket/check-in", {{"reference", booking->reference}});
  EXPECT_EQ(someone_else.status, 404) << "another's booking answers as one that does not exist";
  testing::Browser holder(site->application());
  sign_in(holder, "ana@example.org");
  auto checked_in = holder.post("/shops/lisboa/ticket/check-in", {{"reference", booking->reference}});
  ASSERT_EQ(checked_in.status, 303) << checked_in.body;
  EXPECT_EQ(checked_in.headers.get("Location").value_or("").rfind("/tickets/", 0), 0U);
}

// The phone page: a bad address is shown next to its field; a good one is e-mailed, in the
// ticket's language, when two are left before it.
TEST_P(QueueApiTest, APhoneTicketCanAskForAnEmailWhenItsTurnIsNear) {
  const std::int64_t rita = agent("rita@example.org");
  ASSERT_TRUE(open_counter(db(), counter["lisboa/g02"], rita, clock).ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(call(http::Method::post, "/api/v1/shops/lisboa/tickets", passport_body(), "", "198.51.100.9").status,
              201);
  }
  testing::Browser phone(site->application());
  ASSERT_EQ(phone.get("/shops/lisboa/ticket?lang=pt").status, 200);
  auto refused =
      phone.post("/shops/lisboa/ticket",
                 {{"service", std::to_string(id["passport"])}, {"priority", "none"}, {"email", "ana at example"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("id=\"email-error\""), std::string::npos);
  EXPECT_NE(refused.body.find("aria-invalid=\"true\""), std::string::npos);
  auto taken =
      phone.post("/shops/lisboa/ticket",
                 {{"service", std::to_string(id["passport"])}, {"priority", "none"}, {"email", "ana@example.org"}});
  ASSERT_EQ(taken.status, 303) << taken.body;
  ASSERT_TRUE(call_next(db(), counter["lisboa/g02"], rita, clock, QueuePolicy{}).ok());
  jobs::Worker worker(db(), clock);
  site->register_jobs(worker);
  worker.handle(jobs::kEmailJobKind, [](const jobs::Job&) -> Result<void> { return {}; });
  ASSERT_TRUE(worker.run_due().ok());
  auto mail = testing::queued_mail(db());
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(mail[0].to, "ana@example.org");
  EXPECT_NE(mail[0].subject.find("A003"), std::string::npos) << mail[0].subject;
  EXPECT_NE(mail[0].text.find("http://guichet.test/tickets/"), std::string::npos) << mail[0].text;
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueApiTest, ::testing::ValuesIn(testing::test_backends()));

}  // namespace
}  // namespace guichet::queue
