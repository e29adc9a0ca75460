// Online procedures through the wired site, on both engines: a form pre-filled from the account,
// pages saved one at a time with each refused answer shown next to its field and the draft kept,
// resuming from another browser, check your answers, submission, the sealed receipt rendered by
// the job and registered for /verify; the JSON API (422 naming each field, the valid answers
// kept); and what no one else may see.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/documents/issued.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/verify.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/exports.hpp"
#include "guichet/procedures/payments.hpp"
#include "guichet/procedures/processing.hpp"
#include "guichet/procedures/vault.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
std::string_view demo_catalogue_json();
std::string_view demo_procedures_json();
}  // namespace guichet::app

namespace guichet::procedures {
namespace {
namespace json = boost::json;
using http::Response;
using testing::Browser;

class ProceduresSiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    auto imported = catalogue::import_catalogue(db(), app::demo_catalogue_json(), "test", clock);
    ASSERT_TRUE(imported) << imported.error().message;
    documents::CertificateAuthority authority(db(), clock, key);
    ASSERT_TRUE(authority.initialise("Guichet Test"));
    json::value all = json::parse(app::demo_procedures_json());
    Procedures registry(db(), clock);
    for (const json::value& d : all.as_array()) {
      auto published = registry.publish(json::serialize(d), "test");
      ASSERT_TRUE(published) << published.error().message;
    }
    app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
    options.secrets_key = key;
    options.metrics_token = "cases-scraper-0123456789abcdefghijklmnop";
    auto loaded = app::Site::load(options, db(), clock);
    ASSERT_TRUE(loaded) << loaded.error().message;
    site = std::move(loaded).value();
    ana = make_user("ana@example.org");
  }
  storage::Database& db() { return database->db(); }

  std::int64_t make_user(const std::string& email) {
    auto user = identity::create_user(db(), identity::NewUser{email, "correct horse battery", true}, clock);
    EXPECT_TRUE(user) << (user ? "" : user.error().message);
    return user ? user->id : 0;
  }

  // An account with the agent role in `administration`.
  std::int64_t make_agent(const std::string& email, const std::string& administration) {
    const std::int64_t id = make_user(email);
    EXPECT_TRUE(identity::grant_role(db(), id, {identity::Role::agent, administration}, "test", clock));
    return id;
  }

  void sign_in(Browser& b, const std::string& email) {
    (void)b.get("/account/sign-in");
    Response r = b.post("/account/sign-in", {{"email", email}, {"password", "correct horse battery"}});
    ASSERT_EQ(r.status, 303) << r.body;
  }

  std::string token_for(std::int64_t user_id) {
    auto token = oidc::issue_operator_token(db(), user_id, {"procedures"}, std::chrono::hours(1), clock);
    EXPECT_TRUE(token.ok());
    return token ? *token : "";
  }

  Response api(Browser& b, http::Method method, const std::string& target, const std::string& token,
               const std::string& body = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return b.send(method, target, body, headers);
  }

  // Ana's family allowance, answered and submitted through the API: its reference ("" on failure).
  std::string submitted_family_allowance(Browser& b, const std::string& token) {
    Response created = api(b, http::Method::post, "/api/v1/cases", token, R"({"service": "family-allowance"})");
    EXPECT_EQ(created.status, 201) << created.body;
    if (created.status != 201) return "";
    const std::string reference(json::parse(created.body).at("reference").as_string());
    EXPECT_FALSE(json::parse(created.body).at("answers").as_object().contains("iban")) << "no IBAN given before";
    Response answered = api(b, http::Method::patch, "/api/v1/cases/" + reference, token,
                            R"({"answers": {"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
                                "nif": "123456789", "children": 2, "single_parent": false, "reference_income": "15300",
                                "iban": "PT50 0002 0123 1234 5678 9015 4"}})");
    EXPECT_EQ(answered.status, 200) << answered.body;
    Response submitted = api(b, http::Method::post, "/api/v1/cases/" + reference + "/submit", token);
    EXPECT_EQ(submitted.status, 200) << submitted.body;
    return answered.status == 200 && submitted.status == 200 ? reference : "";
  }

  // Runs the due jobs as a node's worker would (the receipt; mail is not needed here).
  void run_jobs() {
    jobs::Worker worker(db(), clock);
    site->register_jobs(worker);
    worker.handle(jobs::kEmailJobKind, [](const jobs::Job&) -> Result<void> { return {}; });
    auto ran = worker.run_due();
    ASSERT_TRUE(ran) << ran.error().message;
  }

  static std::string location(const Response& r) { return std::string(r.headers.get("Location").value_or("")); }

  SecretKey key = SecretKey::from_base64(SecretKey::generate_base64()).value();
  FakeClock clock{std::chrono::sys_days(std::chrono::year{2026} / 12 / 3) + std::chrono::hours(10)};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<app::Site> site;
  std::int64_t ana = 0;
};

TEST_P(ProceduresSiteTest, APersonFillsInSavesResumesAndSubmitsThroughThePages) {
  Browser b(site->application());
  Response start = b.get("/procedures/address-change");
  ASSERT_EQ(start.status, 200);
  EXPECT_NE(start.body.find("Sign in to start"), std::string::npos);
  sign_in(b, "ana@example.org");
  Response started = b.post("/procedures/address-change/start", {});
  ASSERT_EQ(started.status, 303) << started.body;
  const std::string first = location(started);
  ASSERT_TRUE(first.starts_with("/cases/PRC-")) << first;
  const std::string reference = first.substr(7, 13);
  ASSERT_EQ(first, "/cases/" + reference + "/pages/you");

  // The account's address is pre-filled on the contact page, marked as such.
  Response contact = b.get("/cases/" + reference + "/pages/contact");
  EXPECT_NE(contact.body.find("value=\"ana@example.org\""), std::string::npos);
  EXPECT_NE(contact.body.find("From your account"), std::string::npos);

  // A wrong NIF and a missing name: the page comes back with both next to their fields, in the
  // error summary, the typed NIF kept; the valid date is saved.
  Response refused = b.post("/cases/" + reference + "/pages/you", {{"given_name", "Ana"},
                                                                   {"family_name", ""},
                                                                   {"birthdate.day", "7"},
                                                                   {"birthdate.month", "3"},
                                                                   {"birthdate.year", "1990"},
                                                                   {"nif", "123456788"},
                                                                   {"action", "continue"}});
  ASSERT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("href=\"#nif\""), std::string::npos);
  EXPECT_NE(refused.body.find("href=\"#family_name\""), std::string::npos);
  EXPECT_NE(refused.body.find("id=\"nif-error\""), std::string::npos);
  EXPECT_NE(refused.body.find("value=\"123456788\""), std::string::npos);
  EXPECT_NE(refused.body.find("<title>Error:"), std::string::npos);
  Procedures registry(db(), clock);
  auto draft = registry.find(Actor{ana, 0}, reference);
  ASSERT_TRUE(draft);
  EXPECT_EQ(draft->answers.at("birthdate"), json::value("1990-03-07"));
  EXPECT_EQ(draft->answers.at("given_name"), json::value("Ana"));
  EXPECT_FALSE(draft->answers.contains("nif"));

  Response you = b.post("/cases/" + reference + "/pages/you", {{"given_name", "Ana"},
                                                               {"family_name", "Silva"},
                                                               {"birthdate.day", "7"},
                                                               {"birthdate.month", "3"},
                                                               {"birthdate.year", "1990"},
                                                               {"nif", "123 456 789"},
                                                               {"action", "continue"}});
  ASSERT_EQ(you.status, 303) << you.body;
  EXPECT_EQ(location(you), "/cases/" + reference + "/pages/new_address");
  // Save and come back later: the draft is listed on the account.
  Response later = b.post("/cases/" + reference + "/pages/new_address", {{"address.street", "Rua Abílio Mendes 1"},
                                                                         {"address.postcode", "1500458"},
                                                                         {"address.city", "Lisboa"},
                                                                         {"action", "later"}});
  ASSERT_EQ(later.status, 303);
  EXPECT_EQ(location(later), "/account/cases?saved=" + reference);
  EXPECT_NE(b.get("/account/cases").body.find(reference), std::string::npos);

  // Another browser, the same person: the draft carries on where it was left.
  Browser phone(site->application());
  sign_in(phone, "ana@example.org");
  Response resumed = phone.get("/cases/" + reference + "/pages/new_address");
  ASSERT_EQ(resumed.status, 200);
  EXPECT_NE(resumed.body.find("value=\"1500-458\""), std::string::npos);
  ASSERT_EQ(phone
                .post("/cases/" + reference + "/pages/new_address", {{"address.street", "Rua Abílio Mendes 1"},
                                                                     {"address.postcode", "1500-458"},
                                                                     {"address.city", "Lisboa"},
                                                                     {"moved_on.day", "1"},
                                                                     {"moved_on.month", "12"},
                                                                     {"moved_on.year", "2026"},
                                                                     {"household", "2"},
                                                                     {"action", "continue"}})
                .status,
            303);
  // No new card: the delivery page is skipped.
  Response card = phone.post("/cases/" + reference + "/pages/card", {{"new_card", "no"}, {"action", "continue"}});
  ASSERT_EQ(card.status, 303);
  EXPECT_EQ(location(card), "/cases/" + reference + "/pages/contact");
  Response done = phone.post("/cases/" + reference + "/pages/contact",
                             {{"email", "ana@example.org"}, {"phone", "912 345 678"}, {"action", "continue"}});
  ASSERT_EQ(done.status, 303);
  EXPECT_EQ(location(done), "/cases/" + reference + "/check");
  Response check = phone.get("/cases/" + reference + "/check");
  ASSERT_EQ(check.status, 200);
  EXPECT_NE(check.body.find("March 7, 1990"), std::string::npos) << "dates read as words";
  EXPECT_NE(check.body.find("+351912345678"), std::string::npos);
  EXPECT_EQ(check.body.find("Getting the new card"), std::string::npos) << "a page routed away from is not listed";

  Response submitted = phone.post("/cases/" + reference + "/submit", {});
  ASSERT_EQ(submitted.status, 303);
  Response page = phone.get("/cases/" + reference + "?submitted=1");
  EXPECT_NE(page.body.find("Application submitted"), std::string::npos);
  EXPECT_NE(page.body.find("id=\"receipt-pending\""), std::string::npos);
  // A submitted case takes no more answers.
  EXPECT_EQ(phone.post("/cases/" + reference + "/pages/you", {{"given_name", "Eve"}}).status, 303);

  run_jobs();
  Response with_receipt = phone.get("/cases/" + reference);
  EXPECT_NE(with_receipt.body.find("id=\"receipt-link\""), std::string::npos);
  Response pdf = phone.get("/cases/" + reference + "/receipt.pdf");
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.headers.get("Content-Type").value_or(""), "application/pdf");
  EXPECT_TRUE(pdf.body.starts_with("%PDF-"));
  auto issued = documents::find_issued_by_hash(db(), sha256_hex(pdf.body));
  ASSERT_TRUE(issued);
  ASSERT_TRUE(issued->has_value()) << "the receipt is in the register of issued documents";
  EXPECT_EQ((*issued)->kind, "procedure_receipt");
  EXPECT_EQ((*issued)->reference, reference);

  // "Apply again": a new draft with the same answers, the earlier case untouched.
  Response again = phone.post("/cases/" + reference + "/duplicate", {});
  ASSERT_EQ(again.status, 303);
  const std::string copy = location(again).substr(7, 13);
  ASSERT_NE(copy, reference);
  auto copied = registry.find(Actor{ana, 0}, copy);
  ASSERT_TRUE(copied);
  EXPECT_EQ(copied->status, CaseStatus::draft);
  EXPECT_EQ(copied->answers.at("nif"), json::value("123456789"));
  EXPECT_EQ(copied->answers.at("phone"), json::value("+351912345678"));
  EXPECT_EQ(registry.find(Actor{ana, 0}, reference)->status, CaseStatus::submitted);

  // The case is part of what the person can download of their data.
  Response data = phone.get("/account/data.json");
  EXPECT_NE(data.body.find("\"reference\":\"" + reference + "\""), std::string::npos);

  // Someone else sees nothing of it.
  make_user("eve@example.org");
  Browser eve(site->application());
  sign_in(eve, "eve@example.org");
  EXPECT_EQ(eve.get("/cases/" + reference).status, 404);
  EXPECT_EQ(eve.get("/cases/" + reference + "/receipt.pdf").status, 404);
  EXPECT_EQ(eve.post("/cases/" + reference + "/pages/you", {{"given_name", "Eve"}}).status, 404);
  EXPECT_EQ(eve.post("/cases/" + reference + "/duplicate", {}).status, 404);
}

TEST_P(ProceduresSiteTest, TheApiNamesEachRefusedFieldAndKeepsTheValidAnswers) {
  Browser b(site->application());
  const std::string token = token_for(ana);
  Response definition = b.get("/api/v1/procedures/family-allowance");
  ASSERT_EQ(definition.status, 200) << definition.body;
  json::object d = json::parse(definition.body).as_object();
  // Its reference income is fetched from the tax administration under its legal basis...
  EXPECT_EQ(d.at("asked_but_known"), json::value(0));
  // ...while the parking permit, which names none, still asks who owns the vehicle.
  Response parking = b.get("/api/v1/procedures/resident-parking");
  ASSERT_EQ(parking.status, 200) << parking.body;
  EXPECT_EQ(json::parse(parking.body).at("asked_but_known"), json::value(1));
  EXPECT_EQ(b.get("/api/v1/procedures/passport").status, 404);

  EXPECT_EQ(b.send(http::Method::post, "/api/v1/cases", R"({"service": "family-allowance"})",
                   {{"Content-Type", "application/json"}})
                .status,
            401);
  Response created = api(b, http::Method::post, "/api/v1/cases", token, R"({"service": "family-allowance"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string reference(json::parse(created.body).at("reference").as_string());
  EXPECT_EQ(json::parse(created.body).at("prefilled").at("email"), json::value("account.email"));

  Response patched = api(
      b, http::Method::patch, "/api/v1/cases/" + reference, token,
      R"({"answers": {"children": "2", "iban": "PT50 0002 0123 1234 5678 9015 5", "colour": "blue", "single_parent": true}})");
  ASSERT_EQ(patched.status, 422) << patched.body;
  json::object body = json::parse(patched.body).as_object();
  EXPECT_EQ(body.at("error"), json::value("invalid_answers"));
  std::set<std::string> fields;
  for (const json::value& e : body.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"iban", "colour"}));
  EXPECT_EQ(body.at("case").at("answers").at("children"), json::value(2));
  EXPECT_EQ(body.at("case").at("answers").at("single_parent"), json::value(true));

  Response incomplete = api(b, http::Method::post, "/api/v1/cases/" + reference + "/submit", token);
  ASSERT_EQ(incomplete.status, 422);
  EXPECT_EQ(json::parse(incomplete.body).at("error"), json::value("incomplete"));

  Response filled = api(b, http::Method::patch, "/api/v1/cases/" + reference, token,
                        R"({"answers": {"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
                            "nif": "123456789", "reference_income": "15 300,00",
                            "iban": "PT50 0002 0123 1234 5678 9015 4"}})");
  ASSERT_EQ(filled.status, 200) << filled.body;
  Response submitted = api(b, http::Method::post, "/api/v1/cases/" + reference + "/submit", token);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  json::object c = json::parse(submitted.body).as_object();
  EXPECT_EQ(c.at("status"), json::value("submitted"));
  EXPECT_EQ(c.at("answers").at("reference_income"), json::value(1530000));
  EXPECT_EQ(c.at("history").as_array().size(), 2u);
  EXPECT_EQ(api(b, http::Method::patch, "/api/v1/cases/" + reference, token, R"({"answers": {"children": 3}})").status,
            409);

  run_jobs();
  Response got = api(b, http::Method::get, "/api/v1/cases/" + reference, token);
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(json::parse(got.body).at("documents").at("receipt").is_string());
  Response receipt = api(b, http::Method::get, "/api/v1/cases/" + reference + "/receipt", token);
  ASSERT_EQ(receipt.status, 200);
  auto verified = documents::verify_pdf(receipt.body, {});
  ASSERT_TRUE(verified) << verified.error().message;

  // Another person's token: as if the case did not exist.
  const std::string eve = token_for(make_user("eve@example.org"));
  EXPECT_EQ(api(b, http::Method::get, "/api/v1/cases/" + reference, eve).status, 404);
  EXPECT_EQ(api(b, http::Method::patch, "/api/v1/cases/" + reference, eve, R"({"answers": {}})").status, 404);
}

TEST_P(ProceduresSiteTest, DraftsLapseAndAreLimited) {
  Procedures registry(db(), clock, ProcedurePolicy{std::chrono::days(30), 2});
  auto one = registry.start(Actor{ana, 0}, "resident-parking");
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_TRUE(registry.start(Actor{ana, 0}, "resident-parking"));
  auto third = registry.start(Actor{ana, 0}, "resident-parking");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, Errc::too_many_drafts);
  EXPECT_EQ(registry.start(Actor{ana, 0}, "passport").error().code, Errc::no_procedure);
  clock.advance(std::chrono::days(31));
  EXPECT_EQ(registry.find(Actor{ana, 0}, one->reference).error().code, Errc::no_such_case);
  auto purged = registry.purge_drafts();
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 2);
}

TEST_P(ProceduresSiteTest, APublishedVersionNeverChangesUnderACase) {
  Procedures registry(db(), clock);
  auto draft = registry.start(Actor{ana, 0}, "resident-parking");
  ASSERT_TRUE(draft);
  auto current = registry.published("resident-parking");
  ASSERT_TRUE(current && *current);
  json::object changed = json::parse((*current)->json).as_object();
  changed["processing_days"] = 5;
  auto next = registry.publish(json::serialize(changed), "test");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->version, (*current)->version + 1);
  auto still = registry.find(Actor{ana, 0}, draft->reference);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->procedure_id, (*current)->id);
  // A broken definition is refused whole, and nothing is published.
  changed["pages"] = json::array{};
  auto refused = registry.publish(json::serialize(changed), "test");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::bad_definition);
  EXPECT_EQ((*registry.published("resident-parking"))->version, next->version);
}

TEST_P(ProceduresSiteTest, AnAgentAsksForMoreThePersonAnswersAndTheDecisionIsSealed) {
  // Ana's family allowance, submitted through the API.
  Browser b(site->application());
  const std::string token = token_for(ana);
  const std::string reference = submitted_family_allowance(b, token);
  ASSERT_FALSE(reference.empty());

  // Rui is an agent of social security; Eve of another administration.
  ASSERT_GT(make_agent("rui@example.org", "seguranca-social"), 0);
  ASSERT_GT(make_agent("eve@example.org", "irn"), 0);
  Browser agent(site->application());
  sign_in(agent, "rui@example.org");
  Response queue = agent.get("/agent/cases");
  ASSERT_EQ(queue.status, 200);
  EXPECT_NE(queue.body.find(reference), std::string::npos);
  Browser other(site->application());
  sign_in(other, "eve@example.org");
  EXPECT_EQ(other.get("/agent/cases").body.find(reference), std::string::npos);
  EXPECT_EQ(other.get("/agent/cases/" + reference).status, 404);
  EXPECT_EQ(other.post("/agent/cases/" + reference + "/take", {}).status, 404);
  Browser person(site->application());
  sign_in(person, "ana@example.org");
  EXPECT_EQ(person.get("/agent/cases").status, 403);

  ASSERT_EQ(agent.post("/agent/cases/" + reference + "/take", {}).status, 303);
  // A request needs a message and a question.
  Response empty = agent.post("/agent/cases/" + reference + "/request", {{"message", " "}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("id=\"message-error\""), std::string::npos);
  ASSERT_EQ(
      agent
          .post("/agent/cases/" + reference + "/request",
                {{"message", "Your IBAN's bank refused the test payment: give another account."}, {"fields", "iban"}})
          .status,
      303);
  ASSERT_EQ(agent.post("/agent/cases/" + reference + "/note", {{"note", "Checked with the bank by phone."}}).status,
            303);

  // Ana is told there is news, and nothing more.
  run_jobs();
  auto mail = testing::queued_mail(db());
  ASSERT_FALSE(mail.empty());
  EXPECT_NE(mail.back().subject.find(reference), std::string::npos);
  EXPECT_EQ(mail.back().text.find("IBAN"), std::string::npos);
  Response waiting = person.get("/cases/" + reference);
  EXPECT_NE(waiting.body.find("id=\"case-request\""), std::string::npos);
  EXPECT_NE(waiting.body.find("give another account"), std::string::npos);
  EXPECT_EQ(waiting.body.find("Checked with the bank"), std::string::npos) << "internal notes stay internal";
  // Only the reopened question can change.
  Response locked =
      person.post("/cases/" + reference + "/pages/household", {{"children", "5"}, {"action", "continue"}});
  EXPECT_EQ(locked.status, 303);
  Procedures registry(db(), clock);
  EXPECT_EQ(registry.find(Actor{ana, 0}, reference)->answers.at("children"), json::value(2));
  Response iban = person.post("/cases/" + reference + "/pages/payment",
                              {{"iban", "FR76 3000 6000 0112 3456 7890 189"}, {"action", "continue"}});
  ASSERT_EQ(iban.status, 303);
  EXPECT_EQ(location(iban), "/cases/" + reference);
  ASSERT_EQ(person.post("/cases/" + reference + "/respond", {}).status, 303);
  EXPECT_EQ(registry.find(Actor{ana, 0}, reference)->status, CaseStatus::under_review);

  // Messages both ways: the person writes, the agent answers (the person is told there is news).
  EXPECT_EQ(location(person.post("/cases/" + reference + "/messages", {{"message", "  "}})),
            "/cases/" + reference + "?message=empty#message");
  ASSERT_EQ(person.post("/cases/" + reference + "/messages", {{"message", "I sent the new IBAN."}}).status, 303);
  EXPECT_NE(agent.get("/agent/cases/" + reference).body.find("I sent the new IBAN."), std::string::npos);
  EXPECT_EQ(other.post("/agent/cases/" + reference + "/message", {{"message", "hello"}}).status, 404);
  Response blank = agent.post("/agent/cases/" + reference + "/message", {{"message", " "}});
  EXPECT_EQ(blank.status, 400);
  EXPECT_NE(blank.body.find("id=\"person-message-error\""), std::string::npos);
  ASSERT_EQ(agent.post("/agent/cases/" + reference + "/message", {{"message", "Thank you, received."}}).status, 303);
  EXPECT_NE(person.get("/cases/" + reference).body.find("Thank you, received."), std::string::npos);

  // A refusal needs reasons; an acceptance is sealed.
  Response no_reasons = agent.post("/agent/cases/" + reference + "/decide", {{"decision", "refuse"}});
  EXPECT_EQ(no_reasons.status, 400);
  ASSERT_EQ(agent
                .post("/agent/cases/" + reference + "/decide",
                      {{"decision", "accept"}, {"reasons", "Two children in your care; paid monthly from January."}})
                .status,
            303);
  EXPECT_EQ(agent.post("/agent/cases/" + reference + "/decide", {{"decision", "refuse"}, {"reasons", "x"}}).status,
            409);
  run_jobs();
  Response decided = person.get("/cases/" + reference);
  EXPECT_NE(decided.body.find("id=\"decision-link\""), std::string::npos);
  Response pdf = person.get("/cases/" + reference + "/decision.pdf");
  ASSERT_EQ(pdf.status, 200);
  auto issued = documents::find_issued_by_hash(db(), sha256_hex(pdf.body));
  ASSERT_TRUE(issued && issued->has_value());
  EXPECT_EQ((*issued)->kind, "procedure_decision");
  auto verified = documents::verify_pdf(pdf.body, {});
  ASSERT_TRUE(verified) << verified.error().message;
  Response via_api = api(b, http::Method::get, "/api/v1/cases/" + reference, token);
  json::object c = json::parse(via_api.body).as_object();
  EXPECT_EQ(c.at("status"), json::value("accepted"));
  EXPECT_TRUE(c.at("documents").at("decision").is_string());
  EXPECT_EQ(c.at("answers").at("iban"), json::value("FR7630006000011234567890189"));
  EXPECT_EQ(c.at("history").as_array().size(), 6u);  // draft, submitted, review, waiting, review, accepted
}

TEST_P(ProceduresSiteTest, SilenceAtTheDeadlineIsATacitApproval) {
  // The change of address: 10 days, silence means approval.
  Procedures registry(db(), clock);
  auto draft = registry.start(Actor{ana, 0}, "address-change");
  ASSERT_TRUE(draft);
  auto saved = registry.save(Actor{ana, 0}, draft->reference,
                             json::parse(R"({"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
                                 "nif": "123456789", "address": {"street": "Rua A 1", "postcode": "1500-458",
                                 "city": "Lisboa"}, "moved_on": "2026-11-01", "household": 1, "new_card": false,
                                 "email": "ana@example.org"})")
                                 .as_object());
  ASSERT_TRUE(saved && saved->problems.empty());
  ASSERT_TRUE(registry.submit(Actor{ana, 0}, draft->reference, "fr"));
  run_jobs();  // the receipt; the deadline job is not due yet
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::submitted);
  clock.advance(std::chrono::days(9));
  run_jobs();
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::submitted);
  clock.advance(std::chrono::days(1) + std::chrono::minutes(1));
  run_jobs();
  run_jobs();  // the decision the deadline queued
  auto decided = registry.find(Actor{ana, 0}, draft->reference);
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, CaseStatus::accepted);
  EXPECT_TRUE(decided->decision_ready);
  auto history = registry.history(*decided);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->back().actor, "system");
  auto pdf = registry.document(Actor{ana, 0}, draft->reference, "decision");
  ASSERT_TRUE(pdf);
  auto verified = documents::verify_pdf(*pdf, {});
  ASSERT_TRUE(verified) << verified.error().message;
}

TEST_P(ProceduresSiteTest, AnAgentsDecisionBeforeTheDeadlineStandsAndTheClockCanRestart) {
  Procedures registry(db(), clock);
  auto current = registry.published("address-change");
  ASSERT_TRUE(current && *current);
  json::object restarted = json::parse((*current)->json).as_object();
  restarted["clock_after_request"] = "restart";
  ASSERT_TRUE(registry.publish(json::serialize(restarted), "test"));
  auto draft = registry.start(Actor{ana, 0}, "address-change");
  ASSERT_TRUE(draft);
  auto saved = registry.save(Actor{ana, 0}, draft->reference,
                             json::parse(R"({"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
                                "nif": "123456789", "address": {"street": "Rua A 1", "postcode": "1500-458",
                                "city": "Lisboa"}, "moved_on": "2026-11-01", "household": 1, "new_card": false,
                                "email": "ana@example.org"})")
                                 .as_object());
  ASSERT_TRUE(saved);
  for (const auto& p : saved->problems) ADD_FAILURE() << p.field << " " << to_string(p.problem);
  auto submitted = registry.submit(Actor{ana, 0}, draft->reference, "en");
  ASSERT_TRUE(submitted) << submitted.error().message;
  const std::int64_t rui = make_user("rui@example.org");
  ASSERT_TRUE(identity::grant_role(db(), rui, {identity::Role::agent, "irn"}, "test", clock));
  CaseProcessing processing(registry);
  ASSERT_TRUE(processing.take(rui, draft->reference));
  clock.advance(std::chrono::days(8));
  ASSERT_TRUE(processing.request_information(rui, draft->reference, "Which floor?", {"address"}));
  clock.advance(std::chrono::days(5));  // day 13: waiting for the person, no tacit decision
  run_jobs();
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::waiting_for_person);
  ASSERT_TRUE(processing.respond(Actor{ana, 0}, draft->reference));
  clock.advance(std::chrono::days(9));  // nine days after the answer: the restarted clock runs on
  run_jobs();
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::under_review);
  clock.advance(std::chrono::days(1) + std::chrono::minutes(1));
  run_jobs();
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::accepted);
}

TEST_P(ProceduresSiteTest, AdministratorsEditTheirProceduresAndSeeTheirFigures) {
  const std::int64_t admin = make_user("admin@irn.example");
  ASSERT_TRUE(identity::grant_role(db(), admin, {identity::Role::administration_admin, "irn"}, "test", clock));
  const std::int64_t other = make_user("admin@at.example");
  ASSERT_TRUE(identity::grant_role(db(), other, {identity::Role::administration_admin, "at"}, "test", clock));
  // One case started and submitted, one started only.
  Procedures registry(db(), clock);
  auto first = registry.start(Actor{ana, 0}, "address-change");
  ASSERT_TRUE(first);
  ASSERT_TRUE(registry.start(Actor{ana, 0}, "address-change"));

  Browser b(site->application());
  sign_in(b, "admin@irn.example");
  Response list = b.get("/admin/procedures");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("/admin/procedures/address-change"), std::string::npos);
  EXPECT_EQ(list.body.find("/admin/procedures/family-allowance"), std::string::npos) << "another administration's";
  Response edit = b.get("/admin/procedures/address-change");
  ASSERT_EQ(edit.status, 200);
  EXPECT_NE(edit.body.find("&quot;processing_days&quot;: 10"), std::string::npos);

  auto current = registry.published("address-change");
  json::object changed = json::parse((*current)->json).as_object();
  changed["processing_days"] = 15;
  json::object broken = changed;
  broken["pages"].as_array()[0].as_object()["fields"].as_array()[0].as_object()["visible_if"] =
      json::object{{"field", "nowhere"}, {"answered", true}};
  Response refused =
      b.post("/admin/procedures/address-change", {{"definition", json::serialize(broken)}, {"action", "publish"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("unknown field nowhere"), std::string::npos);
  // In the administrator's language; where it is stays as the JSON says it.
  (void)b.get("/language?lang=pt&return=%2F");
  Response recusado =
      b.post("/admin/procedures/address-change", {{"definition", json::serialize(broken)}, {"action", "check"}});
  EXPECT_NE(recusado.body.find("pages[0].fields[0].visible_if indica o campo desconhecido nowhere"), std::string::npos)
      << recusado.body;
  (void)b.get("/language?lang=en&return=%2F");
  EXPECT_EQ((*registry.published("address-change"))->version, (*current)->version);
  Response checked =
      b.post("/admin/procedures/address-change", {{"definition", json::serialize(changed)}, {"action", "check"}});
  EXPECT_EQ(checked.status, 200);
  EXPECT_EQ((*registry.published("address-change"))->version, (*current)->version) << "checking publishes nothing";
  Response published =
      b.post("/admin/procedures/address-change", {{"definition", json::serialize(changed)}, {"action", "publish"}});
  ASSERT_EQ(published.status, 303) << published.body;
  EXPECT_EQ((*registry.published("address-change"))->version, (*current)->version + 1);
  // Not another service's definition through this page, nor another administration's page.
  changed["service"] = "passport";
  EXPECT_EQ(
      b.post("/admin/procedures/address-change", {{"definition", json::serialize(changed)}, {"action", "publish"}})
          .status,
      400);
  Browser at(site->application());
  sign_in(at, "admin@at.example");
  EXPECT_EQ(at.get("/admin/procedures/address-change").status, 403);
  EXPECT_EQ(at.post("/admin/procedures/address-change", {{"definition", "{}"}, {"action", "publish"}}).status, 403);
  Browser person(site->application());
  sign_in(person, "ana@example.org");
  EXPECT_EQ(person.get("/admin/procedures").status, 403);

  Response metrics = b.get("/metrics", {{"Authorization", "Bearer cases-scraper-0123456789abcdefghijklmnop"}});
  EXPECT_NE(metrics.body.find("guichet_procedure_cases_started{service=\"address-change\"} 2"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("guichet_procedure_asked_but_known{service=\"address-change\"} 0"), std::string::npos);
}

TEST_P(ProceduresSiteTest, AFeeIsPaidThroughTheProviderBeforeSubmission) {
  Procedures registry(db(), clock);
  auto draft = registry.start(Actor{ana, 0}, "resident-parking");
  ASSERT_TRUE(draft);
  auto saved = registry.save(Actor{ana, 0}, draft->reference,
                             json::parse(R"({"given_name": "Ana", "family_name": "Silva", "nif": "123456789",
                                 "address": {"street": "Rua A 1", "postcode": "1500-458", "city": "Lisboa"},
                                 "plate": "AA-00-AA", "owner": "me", "email": "ana@example.org"})")
                                 .as_object());
  ASSERT_TRUE(saved && saved->problems.empty());
  // Not without paying, whatever the client does.
  auto unpaid = registry.submit(Actor{ana, 0}, draft->reference, "en");
  ASSERT_FALSE(unpaid);
  EXPECT_EQ(unpaid.error().code, Errc::payment_required);
  Browser b(site->application());
  const std::string token = token_for(ana);
  EXPECT_EQ(api(b, http::Method::post, "/api/v1/cases/" + draft->reference + "/submit", token).status, 409);

  sign_in(b, "ana@example.org");
  EXPECT_NE(b.get("/cases/" + draft->reference + "/check").body.find("Pay €12.00 and submit"), std::string::npos);
  Response to_provider = b.post("/cases/" + draft->reference + "/submit", {});
  ASSERT_EQ(to_provider.status, 303);
  const std::string provider_page = location(to_provider);
  ASSERT_TRUE(provider_page.starts_with("/pay/test/")) << provider_page;
  Response page = b.get(provider_page);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("€12.00"), std::string::npos);
  // Coming back before paying proves nothing.
  Response early = b.post(provider_page, {{"outcome", "failed"}});
  ASSERT_EQ(early.status, 303);
  Response failed = b.get(location(early));
  EXPECT_EQ(failed.status, 200);
  EXPECT_NE(failed.body.find("id=\"payment-problem\""), std::string::npos);
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::draft);

  Response again = b.post("/cases/" + draft->reference + "/submit", {});
  ASSERT_EQ(again.status, 303);
  ASSERT_NE(location(again), provider_page) << "a new attempt";
  Response paid = b.post(location(again), {{"outcome", "paid"}});
  ASSERT_EQ(paid.status, 303);
  Response back = b.get(location(paid));
  ASSERT_EQ(back.status, 303);
  EXPECT_EQ(location(back), "/cases/" + draft->reference + "?submitted=1");
  EXPECT_EQ(registry.find(Actor{ana, 0}, draft->reference)->status, CaseStatus::submitted);
  // A settled attempt is not settled again.
  EXPECT_EQ(b.post(location(again), {{"outcome", "failed"}}).status, 303);
  auto payment = paid_payment(db(), draft->id);
  ASSERT_TRUE(payment && payment->has_value());
  EXPECT_EQ((*payment)->amount_cents, 1200);
  run_jobs();
  EXPECT_TRUE(registry.find(Actor{ana, 0}, draft->reference)->receipt_ready);
}

TEST_P(ProceduresSiteTest, CasesGoToTheGroupTheRoutingChoosesAndItsAgentsOnly) {
  Procedures registry(db(), clock);
  auto submit = [&](bool single) {
    auto draft = registry.start(Actor{ana, 0}, "family-allowance");
    EXPECT_TRUE(draft);
    json::object answers = json::parse(R"({"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
        "nif": "123456789", "children": 2, "reference_income": "15300", "iban": "PT50000201231234567890154"})")
                               .as_object();
    answers["single_parent"] = single;
    auto saved = registry.save(Actor{ana, 0}, draft->reference, answers);
    EXPECT_TRUE(saved && saved->problems.empty());
    auto submitted = registry.submit(Actor{ana, 0}, draft->reference, "en");
    EXPECT_TRUE(submitted);
    return submitted ? *submitted : Case{};
  };
  const Case alone = submit(true);
  const Case couple = submit(false);
  EXPECT_EQ(alone.agent_group, "single_parents");
  EXPECT_EQ(couple.agent_group, "general");

  const std::int64_t grouped = make_user("grouped@example.org");
  ASSERT_TRUE(identity::grant_role(db(), grouped, {identity::Role::agent, "seguranca-social"}, "test", clock));
  ASSERT_TRUE(add_group_member(db(), "seguranca-social", "single_parents", grouped));
  const std::int64_t ungrouped = make_user("ungrouped@example.org");
  ASSERT_TRUE(identity::grant_role(db(), ungrouped, {identity::Role::agent, "seguranca-social"}, "test", clock));
  CaseProcessing processing(registry);
  auto mine = processing.queue(grouped, {});
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().reference, alone.reference);
  EXPECT_EQ(processing.find(grouped, couple.reference).error().code, Errc::no_such_case);
  EXPECT_EQ(processing.take(grouped, couple.reference).error().code, Errc::no_such_case);
  auto all = processing.queue(ungrouped, {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  QueueFilter one_group;
  one_group.group = "general";
  EXPECT_EQ(processing.queue(ungrouped, one_group)->size(), 1u);
  auto counts = processing.counts(grouped);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(CaseStatus::submitted), 1);
  ASSERT_TRUE(remove_group_member(db(), "seguranca-social", "single_parents", grouped));
  EXPECT_EQ(processing.queue(grouped, {})->size(), 2u) << "in no group: the whole administration";
}

// A small real PDF and PNG, as libmagic reads them.
const std::string kPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
// A 1×1 PNG, byte by byte.
const std::string kPng = [] {
  const unsigned char bytes[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
                                 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
                                 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
                                 0x9c, 0x63, 0xf8, 0x0f, 0x00, 0x00, 0x01, 0x01, 0x00, 0x05, 0x18, 0xd8, 0x4e, 0x00,
                                 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}();

// A multipart/form-data form with the page's CSRF token, text fields and files (name, filename, bytes).
Response send_multipart(Browser& b, const std::string& target, const std::map<std::string, std::string>& fields,
                        const std::vector<std::tuple<std::string, std::string, std::string>>& files) {
  const std::string boundary = "----guichet-vault-boundary";
  std::string body =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + b.csrf_token() + "\r\n";
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  }
  for (const auto& [name, filename, bytes] : files) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return b.send(http::Method::post, target, body, {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
}

TEST_P(ProceduresSiteTest, DocumentsGivenOnceAreOfferedAgainCopiedAtSubmissionAndOnlyTheirOwnersSeeThem) {
  Browser b(site->application());
  sign_in(b, "ana@example.org");
  ASSERT_EQ(b.get("/account/documents").status, 200);
  // A file that is not a PDF or an image is refused by its bytes, whatever its name; the form
  // comes back with the problem next to the file and the typed values kept.
  Response refused = send_multipart(
      b, "/account/documents", {{"kind", "medical_certificate"}, {"issuer", "Dr. Sousa"}, {"expires_on", "31/12/2027"}},
      {{"file", "certificate.pdf", "#!/bin/sh\necho not a pdf\n"}});
  ASSERT_EQ(refused.status, 415);
  EXPECT_NE(refused.body.find("id=\"document-file-error\""), std::string::npos);
  EXPECT_NE(refused.body.find("value=\"Dr. Sousa\""), std::string::npos);
  Response bad_date =
      send_multipart(b, "/account/documents", {{"kind", "medical_certificate"}, {"expires_on", "31/02/2027"}},
                     {{"file", "certificate.pdf", kPdf}});
  ASSERT_EQ(bad_date.status, 400);
  EXPECT_NE(bad_date.body.find("id=\"document-expires-error\""), std::string::npos);
  Response added = send_multipart(
      b, "/account/documents", {{"kind", "medical_certificate"}, {"issuer", "Dr. Sousa"}, {"expires_on", "31/12/2027"}},
      {{"file", "/home/ana/certificate.pdf", kPdf}});
  ASSERT_EQ(added.status, 303) << added.body;
  Procedures registry(db(), clock);
  Vault vault = registry.vault();
  auto documents = vault.list(ana);
  ASSERT_TRUE(documents);
  ASSERT_EQ(documents->size(), 1U);
  const VaultDocument& certificate = documents->front();
  EXPECT_EQ(certificate.name, "certificate.pdf") << "no path kept";
  EXPECT_EQ(certificate.content_type, "application/pdf");
  EXPECT_EQ(certificate.expires_on, "2027-12-31");
  const std::string id = std::to_string(certificate.id);
  Response download = b.get("/account/documents/" + id);
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.body, kPdf);
  EXPECT_EQ(download.headers.get("Content-Type").value_or(""), "application/pdf");
  EXPECT_TRUE(download.headers.get("Content-Disposition").value_or("").starts_with("attachment;"));

  // The driving-licence renewal asks for a medical certificate: the one in the vault is offered.
  Response started = b.post("/procedures/driving-licence-renewal/start", {});
  ASSERT_EQ(started.status, 303);
  const std::string reference = location(started).substr(7, 13);
  Response licence = b.get("/cases/" + reference + "/pages/licence");
  ASSERT_EQ(licence.status, 200);
  EXPECT_NE(licence.body.find("enctype=\"multipart/form-data\""), std::string::npos);
  EXPECT_NE(licence.body.find("id=\"medical_certificate-doc-" + id + "\""), std::string::npos);
  // An upload the question refuses: the problem next to it, the other answers saved.
  Response wrong = send_multipart(
      b, "/cases/" + reference + "/pages/licence",
      {{"licence_number", "L-1234567 8"}, {"categories", "b"}, {"medical_certificate", "new"}, {"action", "continue"}},
      {{"medical_certificate.upload", "notes.txt", "just some text"}});
  ASSERT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("id=\"medical_certificate-error\""), std::string::npos);
  EXPECT_NE(wrong.body.find("href=\"#medical_certificate-upload\""), std::string::npos);
  EXPECT_EQ(registry.find(Actor{ana, 0}, reference)->answers.at("licence_number"), json::value("L-1234567 8"));
  EXPECT_EQ(vault.list(ana)->size(), 1U) << "a refused file is not kept";
  // One click: the vault's document answers the question.
  Response chosen = send_multipart(
      b, "/cases/" + reference + "/pages/licence",
      {{"licence_number", "L-1234567 8"}, {"categories", "b"}, {"medical_certificate", id}, {"action", "continue"}},
      {});
  ASSERT_EQ(chosen.status, 303) << chosen.body;
  auto draft = registry.find(Actor{ana, 0}, reference);
  ASSERT_TRUE(draft);
  EXPECT_EQ(draft->answers.at("medical_certificate").as_object().at("document"), json::value(certificate.id));
  EXPECT_EQ(draft->answers.at("medical_certificate").as_object().at("name"), json::value("certificate.pdf"));

  // Someone else's document cannot be named, through the API or the pages, nor downloaded.
  const std::int64_t bob = make_user("bob@example.org");
  auto bobs = registry.start(Actor{bob, 0}, "driving-licence-renewal");
  ASSERT_TRUE(bobs);
  Browser other(site->application());
  Response stolen = api(other, http::Method::patch, "/api/v1/cases/" + bobs->reference, token_for(bob),
                        R"({"answers": {"medical_certificate": )" + id + "}}");
  EXPECT_EQ(stolen.status, 422);
  EXPECT_NE(stolen.body.find("\"problem\":\"no_such_document\""), std::string::npos) << stolen.body;
  sign_in(other, "bob@example.org");
  EXPECT_EQ(other.get("/account/documents/" + id).status, 404);
  EXPECT_EQ(other.post("/account/documents/" + id + "/delete", {}).status, 404);
  EXPECT_EQ(other.get("/cases/" + reference + "/pages/licence").status, 404);

  // A new upload in the form goes to the vault and answers the question.
  Response uploaded = send_multipart(b, "/cases/" + reference + "/pages/licence",
                                     {{"licence_number", "L-1234567 8"}, {"categories", "b"}, {"action", "continue"}},
                                     {{"medical_certificate.upload", "photo.png", kPng}});
  ASSERT_EQ(uploaded.status, 303) << uploaded.body;
  ASSERT_EQ(vault.list(ana)->size(), 2U);
  const std::int64_t photo = vault.list(ana)->front().id;
  EXPECT_EQ(registry.find(Actor{ana, 0}, reference)->answers.at("medical_certificate").as_object().at("document"),
            json::value(photo));

  // At submission the document is copied to the case; deleting it from the vault later leaves
  // the administration's copy.
  ASSERT_TRUE(registry.save(Actor{ana, 0}, reference,
                            json::parse(R"({"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
                                "nif": "123456789", "address": {"street": "Rua A 1", "postcode": "1500-458",
                                "city": "Lisboa"}, "email": "ana@example.org"})")
                                .as_object()));
  ASSERT_TRUE(db().transaction([&](storage::Connection& c) -> Result<void> {
    auto paid = c.execute(
        "INSERT INTO procedures_payments (case_id, token, provider, provider_reference, amount_cents, status, "
        "created_at, completed_at) VALUES (?, 'tok', 'test', 'ref', 3000, 'paid', 0, 0)",
        {registry.find(Actor{ana, 0}, reference)->id});
    if (!paid) return std::move(paid).error();
    return {};
  }));
  auto submitted = registry.submit(Actor{ana, 0}, reference, "en");
  ASSERT_TRUE(submitted) << submitted.error().message;
  const json::object& answer = submitted->answers.at("medical_certificate").as_object();
  ASSERT_TRUE(answer.contains("attachment"));
  EXPECT_FALSE(answer.contains("document"));
  const std::string attachment = std::to_string(answer.at("attachment").as_int64());
  // "Apply again" offers the same document again while it is in the vault.
  auto again = registry.duplicate(Actor{ana, 0}, reference);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->answers.at("medical_certificate").as_object().at("document"), json::value(photo));
  Response removed = b.post("/account/documents/" + std::to_string(photo) + "/delete", {});
  ASSERT_EQ(removed.status, 303);
  EXPECT_EQ(vault.list(ana)->size(), 1U);
  Response kept = b.get("/cases/" + reference + "/files/" + attachment);
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body, kPng);
  EXPECT_NE(b.get("/cases/" + reference).body.find("/cases/" + reference + "/files/" + attachment), std::string::npos);
  EXPECT_EQ(other.get("/cases/" + reference + "/files/" + attachment).status, 404);

  // The agents of the IMT see it; a message to the person carries a file, which the person downloads.
  const std::int64_t rui = make_user("rui@example.org");
  ASSERT_TRUE(identity::grant_role(db(), rui, {identity::Role::agent, "imt"}, "test", clock));
  Browser agent(site->application());
  sign_in(agent, "rui@example.org");
  EXPECT_EQ(agent.get("/agent/cases/" + reference + "/files/" + attachment).body, kPng);
  EXPECT_EQ(other.get("/agent/cases/" + reference + "/files/" + attachment).status, 404);
  ASSERT_EQ(agent.post("/agent/cases/" + reference + "/take", {}).status, 303);
  Response bad_file = send_multipart(agent, "/agent/cases/" + reference + "/message", {{"message", "See attached"}},
                                     {{"file", "x.exe", "MZ\x90\x00 not a document"}});
  EXPECT_EQ(bad_file.status, 415);
  EXPECT_NE(bad_file.body.find("id=\"person-file-error\""), std::string::npos);
  Response sent = send_multipart(agent, "/agent/cases/" + reference + "/message",
                                 {{"message", "Your appointment letter"}}, {{"file", "letter.pdf", kPdf}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  Response with_letter = b.get("/cases/" + reference);
  const auto link = with_letter.body.find(">letter.pdf</a>");
  ASSERT_NE(link, std::string::npos);
  const auto href = with_letter.body.rfind("href=\"", link);
  const std::string letter = with_letter.body.substr(href + 6, with_letter.body.find('"', href + 6) - href - 6);
  EXPECT_EQ(b.get(letter).body, kPdf);
  // The person writes back with a file; an empty vault-less message is still checked.
  Response reply = send_multipart(b, "/cases/" + reference + "/messages", {{"message", "Thank you"}},
                                  {{"file", "reply.txt", "plain text"}});
  EXPECT_EQ(reply.status, 415);
  EXPECT_NE(reply.body.find(">Thank you</textarea>"), std::string::npos) << "the message comes back as typed";

  // Everything the person holds is in their export, the vault included.
  EXPECT_NE(b.get("/account/data.json").body.find("\"kind\":\"medical_certificate\""), std::string::npos);
}

TEST_P(ProceduresSiteTest, AdministratorsExportTheirCasesInChunksAndDownloadThemStreamed) {
  const std::int64_t admin = make_user("admin@irn.example");
  ASSERT_TRUE(identity::grant_role(db(), admin, {identity::Role::administration_admin, "irn"}, "test", clock));
  make_user("admin@at.example");
  ASSERT_TRUE(identity::grant_role(db(), ana, {identity::Role::administration_admin, "at"}, "test", clock));
  Procedures registry(db(), clock);
  // Three submitted cases, one with a street a spreadsheet would run as a formula, and a draft,
  // which is not exported.
  for (const std::string street : {"Rua A, 1", "=HYPERLINK(\"http://evil\")", "Rua \"C\" 3"}) {
    auto draft = registry.start(Actor{ana, 0}, "address-change");
    ASSERT_TRUE(draft);
    json::object answers = json::parse(R"({"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
        "nif": "123456789", "moved_on": "2026-11-01", "household": 1, "new_card": false,
        "email": "ana@example.org"})")
                               .as_object();
    answers["address"] = json::object{{"street", street}, {"postcode", "1500-458"}, {"city", "Lisboa"}};
    auto saved = registry.save(Actor{ana, 0}, draft->reference, answers);
    ASSERT_TRUE(saved && saved->problems.empty());
    ASSERT_TRUE(registry.submit(Actor{ana, 0}, draft->reference, "en"));
  }
  ASSERT_TRUE(registry.start(Actor{ana, 0}, "address-change"));

  Browser b(site->application());
  sign_in(b, "admin@irn.example");
  EXPECT_NE(b.get("/admin/procedures/address-change").body.find("id=\"export-start\""), std::string::npos);
  std::map<std::string, std::string> files;
  for (const std::string format : {"csv", "json", "xlsx"}) {
    Response requested = b.post("/admin/procedures/address-change/exports", {{"format", format}});
    ASSERT_EQ(requested.status, 303) << requested.body;
    const std::string page = location(requested);
    Response waiting = b.get(page);
    ASSERT_EQ(waiting.status, 200);
    EXPECT_NE(waiting.body.find("<progress"), std::string::npos);
    EXPECT_EQ(waiting.headers.get("Refresh").value_or(""), "3") << "the page follows the job without JavaScript";
    EXPECT_EQ(b.get(page + "/download").status, 409) << "not before it is finished";
    run_jobs();
    Response ready = b.get(page);
    ASSERT_NE(ready.body.find("id=\"export-download\""), std::string::npos) << ready.body;
    EXPECT_FALSE(ready.headers.get("Refresh").has_value());
    Response file = b.get(page + "/download");
    ASSERT_EQ(file.status, 200) << "every chunk read, to the promised length";
    files[format] = file.body;
    // Another administration's administrator reaches neither the page nor the file.
    Browser other(site->application());
    sign_in(other, "ana@example.org");
    EXPECT_EQ(other.get(page + "/download").status, 403);
  }
  const std::string& csv = files["csv"];
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBFreference,status,version,submitted_at")) << csv.substr(0, 80);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << "a header and three cases: no draft";
  EXPECT_NE(csv.find("\"Rua A, 1, 1500-458 Lisboa\""), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"http://evil\"\"), 1500-458 Lisboa\""), std::string::npos)
      << "a formula is kept as text";
  json::value all = json::parse(files["json"]);
  ASSERT_TRUE(all.is_array());
  ASSERT_EQ(all.as_array().size(), 3U);
  EXPECT_EQ(all.as_array()[0].at("answers").at("nif"), json::value("123456789"));
  EXPECT_TRUE(files["xlsx"].starts_with("PK")) << "an XLSX file is a zip";
  EXPECT_GT(files["xlsx"].size(), 1000U);
  // The exports are audited, and purged after a week.
  auto audited = db().read([&](storage::Connection& c) {
    return c.query("SELECT COUNT(*) FROM audit_log WHERE action = 'procedure.exported'");
  });
  ASSERT_TRUE(audited);
  EXPECT_EQ(audited->rows.front().integer(0), 3);
  clock.advance(std::chrono::days(8));
  auto purged = purge_exports(db(), clock);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 3);
}

TEST_P(ProceduresSiteTest, AnAgentAsksAnotherGroupForAnOpinionWhoseMembersReadTheCaseAndAnswerOnce) {
  Procedures registry(db(), clock);
  auto draft = registry.start(Actor{ana, 0}, "address-change");
  ASSERT_TRUE(draft);
  ASSERT_TRUE(registry.save(Actor{ana, 0}, draft->reference,
                            json::parse(R"({"given_name": "Ana", "family_name": "Silva", "birthdate": "1990-03-07",
                                "nif": "123456789", "address": {"street": "Rua A 1", "postcode": "1500-458",
                                "city": "Lisboa"}, "moved_on": "2026-11-01", "household": 1, "new_card": false,
                                "email": "ana@example.org"})")
                                .as_object()));
  ASSERT_TRUE(registry.submit(Actor{ana, 0}, draft->reference, "en"));
  const std::string reference = draft->reference;
  const std::int64_t rui = make_user("rui@example.org");
  ASSERT_TRUE(identity::grant_role(db(), rui, {identity::Role::agent, "irn"}, "test", clock));
  // A lawyer of the IRN's legal group: her group's cases only, and this one is the general group's.
  const std::int64_t eva = make_user("eva@example.org");
  ASSERT_TRUE(identity::grant_role(db(), eva, {identity::Role::agent, "irn"}, "test", clock));
  ASSERT_TRUE(add_group_member(db(), "irn", "legal", eva));
  CaseProcessing processing(registry);
  EXPECT_EQ(processing.find(eva, reference).error().code, Errc::no_such_case);

  Browser agent(site->application());
  sign_in(agent, "rui@example.org");
  ASSERT_EQ(agent.post("/agent/cases/" + reference + "/take", {}).status, 303);
  Response page = agent.get("/agent/cases/" + reference);
  ASSERT_NE(page.body.find("id=\"ask-opinion\""), std::string::npos);
  EXPECT_NE(page.body.find("<option value=\"legal\">"), std::string::npos);
  Response nobody = agent.post("/agent/cases/" + reference + "/opinions", {{"group", "astrology"}, {"question", "?"}});
  EXPECT_EQ(nobody.status, 400);
  EXPECT_NE(nobody.body.find("id=\"opinion-group-error\""), std::string::npos);
  ASSERT_EQ(agent
                .post("/agent/cases/" + reference + "/opinions",
                      {{"group", "legal"}, {"question", "Is a move abroad within this procedure?"}})
                .status,
            303);

  // The lawyer sees it asked of her group, reads the case, answers; she cannot act on the case.
  Browser lawyer(site->application());
  sign_in(lawyer, "eva@example.org");
  Response queue = lawyer.get("/agent/cases");
  EXPECT_NE(queue.body.find("Is a move abroad within this procedure?"), std::string::npos);
  Response read = lawyer.get("/agent/cases/" + reference);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body.find("id=\"take\""), std::string::npos) << "an expert does not act on the case";
  EXPECT_EQ(read.body.find("id=\"send-message\""), std::string::npos);
  EXPECT_EQ(lawyer.post("/agent/cases/" + reference + "/take", {}).status, 404);
  auto asked = processing.opinions_asked_of(eva);
  ASSERT_TRUE(asked);
  ASSERT_EQ(asked->size(), 1U);
  const std::string id = std::to_string(asked->front().id);
  EXPECT_NE(read.body.find("id=\"give-opinion-" + id + "\""), std::string::npos);
  // Rui is not of the legal group: he cannot give it.
  EXPECT_EQ(agent.post("/agent/cases/" + reference + "/opinions/" + id, {{"answer", "Yes"}}).status, 404);
  ASSERT_EQ(
      lawyer.post("/agent/cases/" + reference + "/opinions/" + id, {{"answer", "No: that is the consulate's."}}).status,
      303);
  EXPECT_EQ(lawyer.post("/agent/cases/" + reference + "/opinions/" + id, {{"answer", "Again"}}).status, 409)
      << "an opinion is given once";
  Response answered = agent.get("/agent/cases/" + reference);
  EXPECT_NE(answered.body.find("No: that is the consulate&apos;s."), std::string::npos);
  EXPECT_TRUE(processing.opinions_asked_of(eva)->empty());
  // The person never sees opinions.
  Browser person(site->application());
  sign_in(person, "ana@example.org");
  EXPECT_EQ(person.get("/cases/" + reference).body.find("consulate"), std::string::npos);
}

TEST_P(ProceduresSiteTest, RepeatedGroupsAddAndRemoveItemsWithoutJavaScriptAndNameEachItemsProblems) {
  Browser b(site->application());
  sign_in(b, "ana@example.org");
  Response started = b.post("/procedures/beneficial-owner-declaration/start", {});
  ASSERT_EQ(started.status, 303) << started.body;
  const std::string reference = location(started).substr(7, 13);
  const std::string page = "/cases/" + reference + "/pages/owner";
  Procedures registry(db(), clock);
  // The group's answer as stored (null when none).
  auto owners = [&] {
    auto found = registry.find(Actor{ana, 0}, reference);
    const json::value* v = found->answers.if_contains("owners");
    return std::make_shared<json::value>(v != nullptr ? *v : json::value());
  };

  // One blank item to fill, no remove button yet.
  Response empty = b.get(page);
  ASSERT_EQ(empty.status, 200);
  EXPECT_NE(empty.body.find(R"(name="owners.items" value="1")"), std::string::npos);
  EXPECT_NE(empty.body.find("Owner 1"), std::string::npos);
  EXPECT_NE(empty.body.find(R"(name="owners.0.birthdate.day")"), std::string::npos);
  EXPECT_EQ(empty.body.find("remove:owners"), std::string::npos);
  // An action naming no group of the page is "continue": checked, never redirected elsewhere.
  Response bogus = b.post(page, {{"owners.items", "1"}, {"action", "add:nowhere\r\nX-Evil: 1"}});
  EXPECT_EQ(bogus.status, 400);
  EXPECT_FALSE(bogus.headers.get("X-Evil").has_value());
  // Continue with nothing: the group is required.
  Response none = b.post(page, {{"owners.items", "1"}, {"owners.0.given_name", ""}, {"action", "continue"}});
  ASSERT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("Answer “Beneficial owners”"), std::string::npos);

  const std::map<std::string, std::string> first{{"owners.0.given_name", "Ana"},      {"owners.0.family_name", "Silva"},
                                                 {"owners.0.birthdate.day", "7"},     {"owners.0.birthdate.month", "3"},
                                                 {"owners.0.birthdate.year", "1990"}, {"owners.0.nif", "123456789"},
                                                 {"owners.0.control", "shares"},      {"owners.0.share", "60"}};
  auto form = [&](const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> out = first;
    out.insert(extra.begin(), extra.end());
    return out;
  };
  // Save and add another: back to the page, at the new blank item.
  Response added = b.post(page, form({{"owners.items", "1"}, {"action", "add:owners"}}));
  ASSERT_EQ(added.status, 303) << added.body;
  EXPECT_EQ(location(added), page + "#owners-item-1");
  ASSERT_TRUE(owners()->is_array());
  EXPECT_EQ(
      json::serialize(*owners()),
      R"([{"given_name":"Ana","family_name":"Silva","birthdate":"1990-03-07","nif":"123456789","control":["shares"],"share":60}])");
  Response two = b.get(page);
  EXPECT_NE(two.body.find(R"(name="owners.items" value="2")"), std::string::npos);
  EXPECT_NE(two.body.find(R"(value="remove:owners.0")"), std::string::npos);
  EXPECT_NE(two.body.find("Owner 2"), std::string::npos);

  // The second owner born in the future and without a NIF: each problem next to its item field,
  // named with the item; what was typed shown again; the draft keeps the first owner.
  Response refused = b.post(page, form({{"owners.items", "2"},
                                        {"owners.1.given_name", "Rui"},
                                        {"owners.1.family_name", "Costa"},
                                        {"owners.1.birthdate.day", "1"},
                                        {"owners.1.birthdate.month", "1"},
                                        {"owners.1.birthdate.year", "2030"},
                                        {"action", "continue"}}));
  ASSERT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find(R"(href="#owners.1.birthdate-day")"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find(R"(href="#owners.1.nif")"), std::string::npos);
  EXPECT_NE(refused.body.find("Owner 2 – “Date of birth” must be today or in the past"), std::string::npos);
  EXPECT_NE(refused.body.find(R"(id="owners.1.nif-error")"), std::string::npos);
  EXPECT_NE(refused.body.find(R"(value="Rui")"), std::string::npos);
  EXPECT_EQ(owners()->as_array().size(), 1u);

  // Both owners right, with a blank third item the page offered.
  std::map<std::string, std::string> rui{
      {"owners.items", "3"},           {"owners.1.given_name", "Rui"},    {"owners.1.family_name", "Costa"},
      {"owners.1.birthdate.day", "1"}, {"owners.1.birthdate.month", "1"}, {"owners.1.birthdate.year", "1980"},
      {"owners.1.nif", "123456789"},   {"owners.1.control", "votes"},     {"owners.2.given_name", ""}};
  rui["action"] = "continue";
  Response both = b.post(page, form(rui));
  ASSERT_EQ(both.status, 303) << both.body;
  EXPECT_EQ(owners()->as_array().size(), 2u);
  // Remove the first: the second stays, and the page comes back.
  rui["action"] = "remove:owners.0";
  Response removed = b.post(page, form(rui));
  ASSERT_EQ(removed.status, 303) << removed.body;
  EXPECT_EQ(location(removed), page + "#owners");
  ASSERT_EQ(owners()->as_array().size(), 1u);
  EXPECT_EQ(owners()->as_array()[0].at("given_name"), json::value("Rui"));

  // Check your answers shows each item with its answers.
  Response check = b.get("/cases/" + reference + "/check");
  EXPECT_NE(check.body.find("Owner 1"), std::string::npos);
  EXPECT_NE(check.body.find("Given names: Rui"), std::string::npos) << check.body;

  // The API takes a group as a list and names each refused item field.
  const std::string token = token_for(ana);
  Response patched =
      api(b, http::Method::patch, "/api/v1/cases/" + reference, token,
          R"({"answers": {"owners": [{"given_name": "Eva", "family_name": "Lima", "birthdate": "1985-01-01",
                             "nif": "123456788", "control": ["other"]}, {"given_name": "Rui", "hair": "red"}]}})");
  ASSERT_EQ(patched.status, 422) << patched.body;
  std::set<std::string> fields;
  const json::value refusal = json::parse(patched.body);
  for (const json::value& e : refusal.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_TRUE(fields.contains("owners.0.nif"));
  EXPECT_TRUE(fields.contains("owners.1.hair"));
  EXPECT_TRUE(fields.contains("owners.1.birthdate"));
  EXPECT_EQ(owners()->as_array()[0].at("given_name"), json::value("Rui")) << "the group as it was";
  EXPECT_EQ(api(b, http::Method::patch, "/api/v1/cases/" + reference, token,
                R"({"answers": {"owners": [{"given_name": "Eva", "family_name": "Lima", "birthdate": "1985-01-01",
                    "nif": "123456789", "control": ["other"]}]}})")
                .status,
            200);
  EXPECT_EQ(owners()->as_array()[0].at("given_name"), json::value("Eva"));
}

TEST_P(ProceduresSiteTest, AgentsProcessTheirCasesThroughTheApiWithTheStaffScopeOnly) {
  Browser b(site->application());
  const std::string token = token_for(ana);
  const std::string reference = submitted_family_allowance(b, token);
  ASSERT_FALSE(reference.empty());

  const std::int64_t rui = make_agent("rui@example.org", "seguranca-social");
  const std::int64_t eve = make_agent("eve@example.org", "irn");
  auto staff = [&](std::int64_t user) {
    auto issued =
        oidc::issue_operator_token(db(), user, oidc::parse_scope("cases", true), std::chrono::hours(1), clock);
    EXPECT_TRUE(issued.ok());
    return issued ? *issued : std::string();
  };
  const std::string rui_token = staff(rui);
  const std::string base = "/api/v1/agent/cases/" + reference;

  // The staff scope is an operator's to give: no relying party gets it, and a person's token
  // (procedures) does not carry it.
  EXPECT_FALSE(oidc::parse_scope("openid cases procedures").contains("cases"));
  EXPECT_EQ(api(b, http::Method::get, "/api/v1/agent/cases", token_for(rui)).status, 403);
  EXPECT_EQ(api(b, http::Method::get, "/api/v1/agent/cases", staff(ana)).status, 403) << "Ana is no agent";

  Response queue = api(b, http::Method::get, "/api/v1/agent/cases?status=submitted", rui_token);
  ASSERT_EQ(queue.status, 200) << queue.body;
  json::object listed = json::parse(queue.body).as_object();
  ASSERT_EQ(listed.at("cases").as_array().size(), 1u);
  EXPECT_EQ(listed.at("cases").as_array()[0].at("reference"), json::value(reference));
  EXPECT_EQ(listed.at("counts").at("submitted"), json::value(1));
  Response bad_status = api(b, http::Method::get, "/api/v1/agent/cases?status=draft", rui_token);
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_EQ(json::parse(bad_status.body).at("field"), json::value("status")) << bad_status.body;

  // Another administration's agent: as if the case did not exist.
  const std::string eve_token = staff(eve);
  EXPECT_TRUE(
      json::parse(api(b, http::Method::get, "/api/v1/agent/cases", eve_token).body).at("cases").as_array().empty());
  EXPECT_EQ(api(b, http::Method::get, base, eve_token).status, 404);
  EXPECT_EQ(api(b, http::Method::post, base + "/take", eve_token).status, 404);

  Response taken = api(b, http::Method::post, base + "/take", rui_token);
  ASSERT_EQ(taken.status, 200) << taken.body;
  EXPECT_EQ(json::parse(taken.body).at("status"), json::value("under_review"));
  EXPECT_EQ(json::parse(taken.body).at("assigned_to_me"), json::value(true));
  Response noted = api(b, http::Method::post, base + "/notes", rui_token, R"({"text": "Called the bank."})");
  ASSERT_EQ(noted.status, 200) << noted.body;
  const json::value noted_case = json::parse(noted.body);
  const json::array& messages = noted_case.at("messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("internal"), json::value(true));
  Response blank = api(b, http::Method::post, base + "/notes", rui_token, R"({"text": " "})");
  EXPECT_EQ(blank.status, 400);
  EXPECT_EQ(json::parse(blank.body).at("field"), json::value("text"));

  // A request names questions on the case's path, with a message.
  Response unknown =
      api(b, http::Method::post, base + "/requests", rui_token, R"({"message": "Another IBAN", "fields": ["colour"]})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body).at("field"), json::value("fields"));
  EXPECT_EQ(api(b, http::Method::post, base + "/requests", rui_token, R"({"message": "x", "fields": "iban"})").status,
            400);
  // A decision: one of three, a refusal with reasons.
  Response maybe = api(b, http::Method::post, base + "/decision", rui_token, R"({"decision": "maybe"})");
  EXPECT_EQ(maybe.status, 400);
  EXPECT_EQ(json::parse(maybe.body).at("field"), json::value("decision"));
  Response unreasoned = api(b, http::Method::post, base + "/decision", rui_token, R"({"decision": "refuse"})");
  EXPECT_EQ(unreasoned.status, 400);
  EXPECT_EQ(json::parse(unreasoned.body).at("field"), json::value("reasons"));
  Response accepted = api(b, http::Method::post, base + "/decision", rui_token,
                          R"({"decision": "accept", "reasons": "Two children in your care."})");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(json::parse(accepted.body).at("status"), json::value("accepted"));
  EXPECT_EQ(api(b, http::Method::post, base + "/take", rui_token).status, 409);
  // The person sees the decision, never the internal note.
  Response mine = api(b, http::Method::get, "/api/v1/cases/" + reference, token);
  EXPECT_EQ(json::parse(mine.body).at("status"), json::value("accepted"));
  EXPECT_EQ(mine.body.find("Called the bank"), std::string::npos);
}

TEST_P(ProceduresSiteTest, FactsGivenOnceFillLaterFormsAndThePersonForgetsThem) {
  Browser b(site->application());
  const std::string token = token_for(ana);
  const std::string reference = submitted_family_allowance(b, token);
  ASSERT_FALSE(reference.empty());

  // The next form asking for a bank account opens with it, marked as coming from the documents.
  Response next = api(b, http::Method::post, "/api/v1/cases", token, R"({"service": "student-housing-aid"})");
  ASSERT_EQ(next.status, 201) << next.body;
  const json::value opened = json::parse(next.body);
  EXPECT_EQ(opened.at("answers").at("iban"), json::value("PT50000201231234567890154"));
  EXPECT_EQ(opened.at("prefilled").at("iban"), json::value("vault.iban"));
  const std::string second(opened.at("reference").as_string());
  sign_in(b, "ana@example.org");
  Response payment = b.get("/cases/" + second + "/pages/payment");
  EXPECT_NE(payment.body.find("From your documents"), std::string::npos);
  Response documents = b.get("/account/documents");
  EXPECT_NE(documents.body.find("Bank account (IBAN)"), std::string::npos);
  EXPECT_NE(documents.body.find("PT50 0002 0123 1234 5678 9015 4"), std::string::npos);
  EXPECT_NE(documents.body.find(reference), std::string::npos);
  const json::value listed = json::parse(api(b, http::Method::get, "/api/v1/documents", token).body);
  ASSERT_EQ(listed.at("facts").as_array().size(), 1u);
  EXPECT_EQ(listed.at("facts").as_array()[0].at("source"), json::value("vault.iban"));

  // Nobody else's form gets it.
  const std::string eve = token_for(make_user("eve@example.org"));
  Response hers = api(b, http::Method::post, "/api/v1/cases", eve, R"({"service": "student-housing-aid"})");
  EXPECT_FALSE(json::parse(hers.body).at("answers").as_object().contains("iban"));
  EXPECT_TRUE(json::parse(api(b, http::Method::get, "/api/v1/documents", eve).body).at("facts").as_array().empty());

  // Forgotten: later forms ask again; the case sent keeps its answer.
  Response forgotten = b.post("/account/documents/facts/iban/forget", {});
  ASSERT_EQ(forgotten.status, 303);
  EXPECT_EQ(b.get("/account/documents").body.find("Bank account (IBAN)"), std::string::npos);
  EXPECT_EQ(b.post("/account/documents/facts/colour/forget", {}).status, 404);
  Response after = api(b, http::Method::post, "/api/v1/cases", token, R"({"service": "family-allowance"})");
  EXPECT_FALSE(json::parse(after.body).at("answers").as_object().contains("iban"));
  EXPECT_EQ(json::parse(api(b, http::Method::get, "/api/v1/cases/" + reference, token).body).at("answers").at("iban"),
            json::value("PT50000201231234567890154"));
}

TEST(DefinitionProblems, EachIsSaidInEveryLanguageWithItsPlaceholders) {
  auto catalog =
      http::Catalog::load(std::filesystem::path(GUICHET_TEST_WEB_ROOT) / "i18n", {"fr", "pt", "vi", "en"}, "en");
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  for (const std::string& key : definition_problem_keys()) {
    const std::string english = english_problem(key, {});
    for (const char* lang : {"fr", "pt", "vi", "en"}) {
      const std::string& text = catalog->text(lang, "definition_problem_" + key);
      EXPECT_NE(text, "definition_problem_" + key) << lang;
      // The same placeholders as the English, so every parameter is said.
      for (const char* name : {"{lang}", "{given}", "{type}", "{low}", "{high}", "{property}", "{field}", "{page}",
                               "{reason}", "{code}"}) {
        EXPECT_EQ(text.find(name) == std::string::npos, english.find(name) == std::string::npos)
            << lang << " " << key << " " << name;
      }
    }
  }
  EXPECT_EQ(english_problem("bad_range", {{"low", "1"}, {"high", "50"}}), "must be 1 to 50");
}

INSTANTIATE_TEST_SUITE_P(Backends, ProceduresSiteTest, ::testing::ValuesIn(testing::test_backends()));

}  // namespace
}  // namespace guichet::procedures
