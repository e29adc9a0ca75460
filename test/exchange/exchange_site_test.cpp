// The exchange module's pages through the wired site: the person's own journal (/account/data,
// its exports and the API) and the auditors' view (/admin/exchange/journal), each showing only
// what its reader may see. The entries are written as the protocol writes them (JournalWriter);
// the protocol itself is exchange_test's and the browser journey's.
#include <gtest/gtest.h>

#include <regex>

#include <boost/json.hpp>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/exchange/benefits.hpp"
#include "guichet/exchange/journal.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/identity/verification.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"
#include "support/second_factor.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
std::string_view demo_catalogue_json();
}

namespace guichet::exchange {
namespace {
using http::Response;
using testing::Browser;
namespace json = boost::json;

class ExchangeSiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    ASSERT_TRUE(catalogue::import_catalogue(db(), app::demo_catalogue_json(), "test", clock).ok());
    for (const char* email : {"ana@example.org", "rui@example.org", "admin@guichet.example", "irn@guichet.example",
                              "agent@guichet.example"}) {
      auto user = identity::create_user(db(), identity::NewUser{email, "correct horse battery", true}, clock);
      ASSERT_TRUE(user.ok());
      ids[email] = user->id;
    }
    ASSERT_TRUE(identity::set_national_id(db(), ids["ana@example.org"], "PT:123456789", "cli", clock).ok());
    ASSERT_TRUE(
        identity::grant_role(db(), ids["admin@guichet.example"], {identity::Role::platform_admin, ""}, "cli", clock)
            .ok());
    ASSERT_TRUE(identity::grant_role(db(), ids["irn@guichet.example"], {identity::Role::administration_admin, "irn"},
                                     "cli", clock)
                    .ok());
    ASSERT_TRUE(
        identity::grant_role(db(), ids["agent@guichet.example"], {identity::Role::agent, "irn"}, "cli", clock).ok());
    // Ana's student housing aid (the institute's service) got her income; the portal asked for a
    // change of address (the registries', IRN) about her and was refused; Rui's own exchange.
    journal("student-housing-aid", "PT:123456789", ids["ana@example.org"], "answered");
    journal("address-change", "PT:123456789", ids["ana@example.org"], "refused");
    journal("family-allowance", "PT:100000002", ids["rui@example.org"], "answered");
    auto site_loaded = app::Site::load(
        app::SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(),
        clock);
    ASSERT_TRUE(site_loaded.ok()) << site_loaded.error().message;
    site = std::move(site_loaded).value();
  }
  storage::Database& db() { return database->db(); }

  void journal(const std::string& purpose, const std::string& person, std::int64_t user, const std::string& outcome) {
    JournalEntry e;
    e.side = Side::consumer;
    e.consumer = "guichet";
    e.provider = "at";
    e.purpose = purpose;
    e.legal_basis = LegalBasis{LegalBasisKind::law, "Code de la construction, art. L831-1"};
    e.person_id = person;
    e.user_id = user;
    e.attributes = {"reference_income"};
    if (outcome == "answered") e.released = {"reference_income"};
    e.outcome = outcome;
    if (outcome == "refused") e.reason = "not_entitled";
    e.request_hash = "h";
    auto seq = JournalWriter(db(), clock).append(e);
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    clock.advance(std::chrono::minutes(1));
  }
  Browser signed_in(const std::string& email) {
    Browser b(site->application());
    (void)b.get("/account/sign-in");
    EXPECT_EQ(b.post("/account/sign-in", {{"email", email}, {"password", "correct horse battery"}}).status, 303);
    return b;
  }
  void enrol(Browser& b) { ASSERT_FALSE(testing::enrol_second_factor(b, clock.now()).empty()); }

  FakeClock clock{from_unix_micros(1'800'000'015'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<app::Site> site;
  std::map<std::string, std::int64_t> ids;
};

TEST_P(ExchangeSiteTest, APersonSeesTheirOwnAccessesOnlyAndExportsThem) {
  Browser ana = signed_in("ana@example.org");
  Response page = ana.get("/account/data");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Student housing aid"), std::string::npos) << "the purpose by its service's name";
  EXPECT_NE(page.body.find("Refused"), std::string::npos);
  EXPECT_NE(page.body.find("Law: Code de la construction"), std::string::npos);
  EXPECT_EQ(page.body.find("Family allowance"), std::string::npos) << "Rui's exchange is not Ana's";
  EXPECT_EQ(page.headers.get("Cache-Control").value_or(""), "no-store");

  Response csv = ana.get("/account/data/accesses.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3) << csv.body;  // the header and two
  Response exported = ana.get("/account/data/accesses.json");
  json::value all = json::parse(exported.body);
  ASSERT_EQ(all.at("accesses").as_array().size(), 2u);
  EXPECT_EQ(all.at("accesses").at(0).at("purpose"), "address-change");
  EXPECT_EQ(all.at("accesses").at(0).at("reason"), "not_entitled");

  auto issued = oidc::issue_operator_token(db(), ids["ana@example.org"], {"account"}, std::chrono::hours(1), clock);
  ASSERT_TRUE(issued.ok());
  const std::string token = *issued;
  Response api =
      Browser(site->application())
          .send(http::Method::get, "/api/v1/account/data-access?limit=1", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(api.status, 200) << api.body;
  json::value first = json::parse(api.body);
  ASSERT_EQ(first.at("accesses").as_array().size(), 1u);
  const std::string next(first.at("next").as_string());
  Response second =
      Browser(site->application()).send(http::Method::get, next, "", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(json::parse(second.body).at("accesses").at(0).at("purpose"), "student-housing-aid");
  EXPECT_EQ(
      Browser(site->application())
          .send(http::Method::get, "/api/v1/account/data-access?limit=5000", "", {{"Authorization", "Bearer " + token}})
          .status,
      400);
  EXPECT_EQ(Browser(site->application()).get("/api/v1/account/data-access").status, 401);
  EXPECT_EQ(Browser(site->application()).get("/account/data").status, 303) << "signed out: to sign in";
}

// Accesses a registry reported (other administrations asking it directly) are merged with the
// portal's own, newest first, and paged through without loss or repetition.
TEST_P(ExchangeSiteTest, ReportedAccessesAreListedAmongThePortalsOwn) {
  const std::int64_t start = 1'800'000'015'000'000;  // the first journal entry's time; one a minute
  auto report = [&](std::int64_t seq, std::int64_t at, const std::string& person) {
    auto c = db().acquire();
    ASSERT_TRUE((*c)->execute("INSERT INTO exchange_reported_accesses (provider, provider_seq, at, consumer, "
                              "consumer_name, purpose, legal_basis_kind, legal_basis, person_id, attributes, "
                              "released, outcome, reason, request_hash, received_at) VALUES ('at', ?, ?, 'ss', "
                              "'Segurança Social', 'family-allowance', 'law', 'Lei 4/2007', ?, "
                              "'[\"household_parts\"]', '[\"household_parts\"]', 'answered', '', 'h', ?)",
                              {seq, at, person, at})
                    .ok());
  };
  report(1, start + 30'000'000, "PT:123456789");
  report(2, start + 90'000'000, "PT:123456789");
  report(3, start + 45'000'000, "PT:100000002");  // Rui's
  auto issued = oidc::issue_operator_token(db(), ids["ana@example.org"], {"account"}, std::chrono::hours(1), clock);
  ASSERT_TRUE(issued.ok());
  std::vector<std::string> order;
  std::string url = "/api/v1/account/data-access?limit=1";
  for (int page = 0; page < 10 && !url.empty(); ++page) {
    Response r =
        Browser(site->application()).send(http::Method::get, url, "", {{"Authorization", "Bearer " + *issued}});
    ASSERT_EQ(r.status, 200) << r.body;
    json::value body = json::parse(r.body);
    for (const json::value& a : body.at("accesses").as_array()) {
      order.push_back(std::string(a.at("purpose").as_string()) + (a.at("through_guichet").as_bool() ? "" : "@ss"));
    }
    url = body.as_object().contains("next") ? std::string(body.at("next").as_string()) : "";
  }
  EXPECT_EQ(order, (std::vector<std::string>{"family-allowance@ss", "address-change", "family-allowance@ss",
                                             "student-housing-aid"}));
  Browser ana = signed_in("ana@example.org");
  Response page = ana.get("/account/data");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Segurança Social"), std::string::npos) << "named as the registry reported it";
  EXPECT_NE(page.body.find("guichet-access-direct"), std::string::npos) << "marked as asked directly";
  Response csv = ana.get("/account/data/accesses.csv");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 5) << csv.body;
  EXPECT_EQ(ana.get("/account/data?before=x").status, 400);
  EXPECT_EQ(ana.get("/account/data?before=1_2").status, 400);
}

TEST_P(ExchangeSiteTest, APersonReadsWhyABenefitWasGrantedAndDeclinesIt) {
  auto benefit = parse_benefit(R"json({"code": "social-energy-tariff", "administration": "erse",
      "name": {"en": "Social energy tariff", "pt": "Tarifa social de energia"}, "legal_basis": "Decreto-Lei 138-A/2010",
      "sources": {"at": ["reference_income", "household_parts"]}, "rule": "reference_income < 600000"})json");
  ASSERT_TRUE(benefit.ok()) << benefit.error().message;
  ASSERT_TRUE(define_benefit(db(), *benefit, "cli", clock).ok());
  auto c = db().acquire();
  ASSERT_TRUE((*c)->execute("INSERT INTO exchange_benefit_grants (benefit, user_id, person_id, status, reasons, "
                            "decided_at) VALUES ('social-energy-tariff', ?, 'PT:123456789', 'granted', ?, ?)",
                            {ids["ana@example.org"],
                             std::string(R"({"values": {"reference_income": 842150, "household_parts": 1.5},)"
                                         R"( "types": {"reference_income": "amount", "household_parts": "decimal"}})"),
                             to_unix_micros(clock.now())})
                  .ok());
  Browser ana = signed_in("ana@example.org");
  Response page = ana.get("/account/benefits");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Social energy tariff"), std::string::npos);
  EXPECT_NE(page.body.find("8,421.50"), std::string::npos) << "the amount as money, not cents";
  EXPECT_NE(page.body.find("reference income"), std::string::npos);
  Browser rui = signed_in("rui@example.org");
  EXPECT_EQ(rui.get("/account/benefits").body.find("Social energy tariff"), std::string::npos);
  EXPECT_EQ(rui.post("/account/benefits/social-energy-tariff/decline", {}).status, 404) << "not Rui's";
  Response declined = ana.post("/account/benefits/social-energy-tariff/decline", {});
  EXPECT_EQ(declined.status, 303);
  Response after = ana.get("/account/benefits?declined=1");
  EXPECT_NE(after.body.find("The benefit is declined."), std::string::npos);
  EXPECT_NE(after.body.find("Declined"), std::string::npos);
  EXPECT_EQ(after.body.find("/account/benefits/social-energy-tariff/decline"), std::string::npos);
}

TEST_P(ExchangeSiteTest, AuditorsSeeWhatTheirRoleReaches) {
  Browser agent = signed_in("agent@guichet.example");
  EXPECT_EQ(agent.get("/admin/exchange/journal").status, 403);

  Browser admin = signed_in("admin@guichet.example");
  enrol(admin);
  Response all = admin.get("/admin/exchange/journal");
  ASSERT_EQ(all.status, 200) << all.body;
  for (const char* purpose : {"student-housing-aid", "address-change", "family-allowance"}) {
    EXPECT_NE(all.body.find(purpose), std::string::npos) << purpose;
  }
  Response refused = admin.get("/admin/exchange/journal?outcome=refused");
  EXPECT_NE(refused.body.find("address-change"), std::string::npos);
  EXPECT_EQ(refused.body.find("family-allowance"), std::string::npos);
  Response rui = admin.get("/admin/exchange/journal?person=PT%3A100000002");
  EXPECT_NE(rui.body.find("family-allowance"), std::string::npos);
  EXPECT_EQ(rui.body.find("address-change"), std::string::npos);

  // The registries' administrator sees the exchanges made for the registries' services only.
  Browser irn = signed_in("irn@guichet.example");
  enrol(irn);
  Response theirs = irn.get("/admin/exchange/journal");
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_NE(theirs.body.find("address-change"), std::string::npos);
  EXPECT_EQ(theirs.body.find("student-housing-aid"), std::string::npos);
  EXPECT_EQ(theirs.body.find("family-allowance"), std::string::npos);
}

// Administrators define benefits, queue a dry run, read it and only then enable; each sees their
// administrations' benefits only.
TEST_P(ExchangeSiteTest, AdministratorsDefineDryRunAndEnableBenefits) {
  Browser agent = signed_in("agent@guichet.example");
  EXPECT_EQ(agent.get("/admin/benefits").status, 403);

  Browser admin = signed_in("admin@guichet.example");
  enrol(admin);
  Response empty = admin.get("/admin/benefits");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_NE(empty.body.find("None of your administrations"), std::string::npos);

  // A definition that does not parse is shown again, the problem next to the field.
  Response bad = admin.post("/admin/benefits", {{"definition", R"({"code": "social-energy-tariff", "rule": "1 +"})"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("aria-invalid=\"true\""), std::string::npos);
  EXPECT_NE(bad.body.find("id=\"definition-error\""), std::string::npos);
  EXPECT_NE(bad.body.find("social-energy-tariff"), std::string::npos) << "what was typed stays";
  EXPECT_EQ(admin.post("/admin/benefits", {{"definition", " "}}).status, 400);

  const std::string tariff = R"json({"code": "social-energy-tariff", "administration": "erse",
      "name": {"en": "Social energy tariff", "pt": "Tarifa social de energia"},
      "legal_basis": "Decreto-Lei n.º 138-A/2010",
      "sources": {"at": ["reference_income", "household_parts"]},
      "rule": "reference_income / household_parts < 600000"})json";
  Response defined = admin.post("/admin/benefits", {{"definition", tariff}});
  ASSERT_EQ(defined.status, 303) << defined.body;
  Response listed = admin.get("/admin/benefits?done=defined");
  EXPECT_NE(listed.body.find("Social energy tariff"), std::string::npos);
  EXPECT_NE(listed.body.find("Energy Services Regulator"), std::string::npos);
  EXPECT_NE(listed.body.find("Not enabled"), std::string::npos);
  EXPECT_NE(listed.body.find("No dry run of this definition yet"), std::string::npos);
  EXPECT_EQ(listed.body.find("id=\"enable-social-energy-tariff\""), std::string::npos);

  // Enabling before a dry run is refused; the dry run is queued for the job.
  EXPECT_EQ(admin.post("/admin/benefits/social-energy-tariff/enable", {}).status, 409);
  ASSERT_EQ(admin.post("/admin/benefits/social-energy-tariff/dry-run", {}).status, 303);
  auto queued = jobs::list_jobs(db(), std::string("pending"), 50);
  ASSERT_TRUE(queued.ok());
  EXPECT_TRUE(
      std::any_of(queued->begin(), queued->end(), [](const jobs::Job& j) { return j.kind == kBenefitDryRunJobKind; }));
  EXPECT_NE(admin.get("/admin/benefits").body.find("is under way"), std::string::npos);
  // What the job records when it ends (exchange_test runs it against registries).
  auto stored = find_benefit(db(), "social-energy-tariff");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  DryRun counts;
  counts.people = 120;
  counts.granted = 31;
  counts.not_granted = 80;
  counts.unknown = 9;
  counts.unknown_reasons["not_entitled"] = 9;
  ASSERT_TRUE(
      record_dry_run(db(), **stored, counts, "user:" + std::to_string(ids["admin@guichet.example"]), clock).ok());
  Response read = admin.get("/admin/benefits");
  EXPECT_NE(read.body.find("of 120 people in scope, 31 would be granted, 80 not, and 9 could not be decided"),
            std::string::npos)
      << read.body;
  EXPECT_NE(read.body.find("admin@guichet.example"), std::string::npos) << "who ran it";
  EXPECT_NE(read.body.find("not_entitled: 9"), std::string::npos);
  EXPECT_EQ(read.body.find("is under way"), std::string::npos);
  ASSERT_EQ(admin.post("/admin/benefits/social-energy-tariff/enable", {}).status, 303);
  EXPECT_TRUE((*find_benefit(db(), "social-energy-tariff"))->enabled);
  EXPECT_NE(admin.get("/admin/benefits").body.find("id=\"disable-social-energy-tariff\""), std::string::npos);

  // The registries' administrator neither sees nor acts on the regulator's benefit, nor defines
  // one in its name.
  Browser irn = signed_in("irn@guichet.example");
  enrol(irn);
  Response theirs = irn.get("/admin/benefits");
  ASSERT_EQ(theirs.status, 200);
  EXPECT_EQ(theirs.body.find("Social energy tariff"), std::string::npos);
  EXPECT_EQ(irn.post("/admin/benefits/social-energy-tariff/disable", {}).status, 404);
  Response taken = irn.post("/admin/benefits", {{"definition", tariff}});
  EXPECT_EQ(taken.status, 400);
  EXPECT_NE(taken.body.find("you do not administer this administration"), std::string::npos);
  EXPECT_TRUE((*find_benefit(db(), "social-energy-tariff"))->enabled);
}

INSTANTIATE_TEST_SUITE_P(Backends, ExchangeSiteTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::exchange
