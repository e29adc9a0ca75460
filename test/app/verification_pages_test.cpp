// The identity verifier's page: who may reach it, what it checks, and what it records.
#include <gtest/gtest.h>

#include <regex>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/identity/verification.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
namespace {
using http::Response;
using testing::Browser;

class VerificationPagesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    ASSERT_TRUE(
        identity::create_user(db(), identity::NewUser{"ana@example.org", "correct horse battery", true}, clock).ok());
    auto verifier =
        identity::create_user(db(), identity::NewUser{"joao@loja.pt", "agent passphrase long", true}, clock);
    ASSERT_TRUE(verifier.ok());
    ASSERT_TRUE(identity::grant_role(db(), verifier->id, identity::RoleGrant{identity::Role::identity_verifier, ""},
                                     "cli", clock)
                    .ok());
    auto site_loaded = Site::load(
        SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(), clock);
    ASSERT_TRUE(site_loaded.ok()) << site_loaded.error().message;
    site = std::move(site_loaded).value();
  }
  storage::Database& db() { return database->db(); }
  Browser signed_in(const std::string& email, const std::string& password) {
    Browser b(site->application());
    (void)b.get("/account/sign-in");
    EXPECT_EQ(b.post("/account/sign-in", {{"email", email}, {"password", password}}).status, 303);
    return b;
  }
  void enrol(Browser& b) {
    Response page = b.get("/account/second-factor");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(page.body, m, std::regex("id=\"totp-secret\">([A-Z2-7 ]+)<")));
    std::string secret = std::regex_replace(m[1].str(), std::regex(" "), "");
    ASSERT_EQ(b.post("/account/second-factor/confirm", {{"code", *identity::totp_code(secret, clock.now())}}).status,
              200);
  }
  std::map<std::string, std::string> check(std::map<std::string, std::string> changes = {}) {
    std::map<std::string, std::string> form{{"email", "ana@example.org"},
                                            {"document_type", "identity_card"},
                                            {"document_country", "pt"},
                                            {"document_number", "123456789ZZ4"},
                                            {"given_name", "Ana Maria"},
                                            {"family_name", "Silva"},
                                            {"birthdate", "1990-02-28"},
                                            {"birthplace", "Lisboa"},
                                            {"gender", "female"},
                                            {"place", "Loja do Cidadão Laranjeiras"},
                                            {"confirm", "yes"}};
    for (const auto& [k, v] : changes) form[k] = v;
    return form;
  }

  FakeClock clock{from_unix_micros(1'800'000'015'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<Site> site;
};

TEST_P(VerificationPagesTest, OnlyVerifiersWithASecondFactorReachThePage) {
  Browser nobody(site->application());
  EXPECT_EQ(nobody.get("/agent/identity").status, 303);
  Browser ana = signed_in("ana@example.org", "correct horse battery");
  EXPECT_EQ(ana.get("/agent/identity").status, 403);
  EXPECT_EQ(ana.post("/agent/identity", check()).status, 403) << "the form is checked too, not just the page";
  Browser joao = signed_in("joao@loja.pt", "agent passphrase long");
  Response low = joao.get("/agent/identity");
  EXPECT_EQ(low.status, 303);
  EXPECT_TRUE(std::string(*low.headers.get("Location")).starts_with("/account/second-factor?return="))
      << "without a second factor, set one up first";
  enrol(joao);
  EXPECT_EQ(joao.get("/agent/identity").status, 200);
}

TEST_P(VerificationPagesTest, AVerificationRaisesTheLevelAndIsAuditedAndEmailed) {
  Browser joao = signed_in("joao@loja.pt", "agent passphrase long");
  enrol(joao);
  Response found = joao.get("/agent/identity?email=ana%40example.org");
  ASSERT_EQ(found.status, 200);
  EXPECT_NE(found.body.find("Not checked: only your e-mail address is confirmed"), std::string::npos);

  Response bad_date = joao.post("/agent/identity", check({{"birthdate", "1990-02-30"}}));
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_NE(bad_date.body.find("YYYY-MM-DD"), std::string::npos);
  EXPECT_NE(bad_date.body.find("aria-invalid=\"true\""), std::string::npos);
  EXPECT_NE(bad_date.body.find("value=\"Ana Maria\""), std::string::npos) << "what was typed is kept";
  EXPECT_EQ(joao.post("/agent/identity", check({{"confirm", ""}})).status, 400);
  EXPECT_EQ(identity::find_user_by_email(db(), "ana@example.org")->value().level, identity::AssuranceLevel::low);

  Response done = joao.post("/agent/identity", check());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(identity::find_user_by_email(db(), "ana@example.org")->value().level, identity::AssuranceLevel::high);
  auto connection = db().acquire();
  auto stored = (*connection)
                    ->query(
                        "SELECT document_country, document_number_hint, given_name FROM identity_verifications v "
                        "JOIN users u ON u.id = v.user_id");
  ASSERT_EQ(stored->rows.size(), 1U);
  EXPECT_EQ(stored->rows[0].text(0), "PT");
  EXPECT_EQ(stored->rows[0].text(1), "9ZZ4") << "only the last four characters";
  EXPECT_EQ(stored->rows[0].text(2), "Ana Maria");
  auto audit = (*connection)->query("SELECT actor, subject FROM audit_log WHERE action = 'identity.verified'");
  ASSERT_EQ(audit->rows.size(), 1U);
  EXPECT_EQ(audit->rows[0].text(0), "user:2");
  EXPECT_EQ(audit->rows[0].text(1), "user:1");
  auto mail = testing::queued_mail(db());
  EXPECT_TRUE(std::any_of(mail.begin(), mail.end(), [](const auto& m) { return m.to == "ana@example.org"; }));

  Response self = joao.post("/agent/identity", check({{"email", "joao@loja.pt"}}));
  EXPECT_EQ(self.status, 403) << "no one verifies themselves";

  Browser ana = signed_in("ana@example.org", "correct horse battery");
  Response data = ana.get("/account/data.json");
  EXPECT_NE(data.body.find(R"("document_number_hint":"9ZZ4")"), std::string::npos) << data.body;
  EXPECT_NE(data.body.find(R"("given_name":"Ana Maria")"), std::string::npos);
  EXPECT_EQ(joao.post("/account/delete", {{"password", "agent passphrase long"}}).status, 303)
      << "a verifier's account can be deleted; the checks they made stay";
  EXPECT_EQ(identity::find_user_by_email(db(), "ana@example.org")->value().level, identity::AssuranceLevel::high);
}

TEST_P(VerificationPagesTest, TheNationalIdentificationNumberIsCheckedForTheCountryAndHeldByOneAccount) {
  Browser joao = signed_in("joao@loja.pt", "agent passphrase long");
  enrol(joao);
  // A Portuguese NIF whose check digit is wrong: refused next to its field, the rest kept.
  Response wrong = joao.post("/agent/identity", check({{"national_id", "123 456 780"}}));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("id=\"national_id\" name=\"national_id\""), std::string::npos);
  EXPECT_NE(wrong.body.find("does not fit the document"), std::string::npos) << wrong.body;
  EXPECT_NE(wrong.body.find("value=\"123 456 780\""), std::string::npos);
  EXPECT_EQ(identity::find_user_by_email(db(), "ana@example.org")->value().level, identity::AssuranceLevel::low);

  ASSERT_EQ(joao.post("/agent/identity", check({{"national_id", "123 456 789"}})).status, 200);
  auto person = db().read([](storage::Connection& c) { return identity::person_attributes(c, 1); });
  ASSERT_TRUE(person.ok() && person->has_value());
  EXPECT_EQ((*person)->national_id, std::optional<std::string>("PT:123456789"));
  Browser ana = signed_in("ana@example.org", "correct horse battery");
  EXPECT_NE(ana.get("/account/data.json").body.find(R"("national_id":"PT:123456789")"), std::string::npos);

  // Another person cannot be given the same number; the operator's command checks it as well.
  ASSERT_TRUE(
      identity::create_user(db(), identity::NewUser{"rui@example.org", "another long passphrase", true}, clock).ok());
  Response taken = joao.post("/agent/identity", check({{"email", "rui@example.org"}, {"national_id", "123456789"}}));
  EXPECT_EQ(taken.status, 409);
  EXPECT_NE(taken.body.find("Another account already holds"), std::string::npos);
  auto rui = identity::find_user_by_email(db(), "rui@example.org");
  EXPECT_EQ(identity::set_national_id(db(), (*rui)->id, "PT:123456789", "cli", clock).error().code,
            identity::Errc::national_id_taken);
  EXPECT_EQ(identity::set_national_id(db(), (*rui)->id, "123456789", "cli", clock).error().field, "national_id");
  EXPECT_EQ(*identity::set_national_id(db(), (*rui)->id, "VN:001234567890", "cli", clock), "VN:001234567890");
}

TEST_P(VerificationPagesTest, AdministratorsManageRolesWithinTheirReach) {
  auto admin =
      identity::create_user(db(), identity::NewUser{"chefe@seg-social.pt", "a long passphrase for admin", true}, clock);
  ASSERT_TRUE(identity::grant_role(db(), admin->id,
                                   identity::RoleGrant{identity::Role::administration_admin, "seguranca-social"}, "cli",
                                   clock)
                  .ok());
  Browser ana = signed_in("ana@example.org", "correct horse battery");
  EXPECT_EQ(ana.get("/admin/roles").status, 403);
  EXPECT_EQ(ana.post("/admin/roles", {{"email", "ana@example.org"}, {"role", "platform_admin"}}).status, 403)
      << "no one grants themselves a role";

  Browser chefe = signed_in("chefe@seg-social.pt", "a long passphrase for admin");
  EXPECT_TRUE(std::string(*chefe.get("/admin/roles").headers.get("Location")).starts_with("/account/second-factor"));
  enrol(chefe);
  Response page = chefe.get("/admin/roles");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("joao@loja.pt"), std::string::npos) << "a platform-wide verifier is beyond its reach";
  EXPECT_EQ(page.body.find("value=\"platform_admin\""), std::string::npos);

  Response outside =
      chefe.post("/admin/roles", {{"email", "ana@example.org"}, {"role", "agent"}, {"administration", "financas"}});
  EXPECT_EQ(outside.status, 403) << "another administration";
  Response escalate = chefe.post("/admin/roles", {{"email", "ana@example.org"}, {"role", "platform_admin"}});
  EXPECT_EQ(escalate.status, 403);
  Response granted = chefe.post(
      "/admin/roles", {{"email", "ana@example.org"}, {"role", "agent"}, {"administration", "seguranca-social"}});
  ASSERT_EQ(granted.status, 303);
  auto roles = identity::roles_of(db(), 1);
  ASSERT_EQ(roles->size(), 1U);
  EXPECT_EQ(roles->at(0).administration, "seguranca-social");

  auto assignments = identity::list_role_assignments(db());
  std::int64_t verifier_assignment = 0;
  std::int64_t agent_assignment = 0;
  for (const auto& a : *assignments) {
    if (a.grant.role == identity::Role::identity_verifier) verifier_assignment = a.id;
    if (a.grant.role == identity::Role::agent) agent_assignment = a.id;
  }
  EXPECT_EQ(chefe.post("/admin/roles/" + std::to_string(verifier_assignment) + "/revoke", {}).status, 404);
  EXPECT_EQ(chefe.post("/admin/roles/" + std::to_string(agent_assignment) + "/revoke", {}).status, 303);
  EXPECT_TRUE(identity::roles_of(db(), 1)->empty());
  auto connection = db().acquire();
  auto audit = (*connection)->query("SELECT COUNT(*) FROM audit_log WHERE action IN ('role.granted', 'role.revoked')");
  EXPECT_EQ(audit->rows[0].integer(0), 4) << "two by the CLI in set-up, a grant and a revocation on the page";
}

INSTANTIATE_TEST_SUITE_P(Backends, VerificationPagesTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

// The catalogue's administration page: platform administrators import (a bad document is refused
// whole, naming its problem) and every catalogue administrator downloads.
TEST_P(VerificationPagesTest, PlatformAdministratorsImportTheCatalogueFromAPage) {
  auto admin = identity::create_user(db(), identity::NewUser{"chefe@example.org", "the head of it all", true}, clock);
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(
      identity::grant_role(db(), admin->id, identity::RoleGrant{identity::Role::platform_admin, ""}, "cli", clock)
          .ok());
  Browser ana = signed_in("ana@example.org", "correct horse battery");
  enrol(ana);
  EXPECT_EQ(ana.get("/admin/catalogue").status, 403) << "citizens do not manage the catalogue";

  Browser chefe = signed_in("chefe@example.org", "the head of it all");
  EXPECT_EQ(chefe.get("/admin/catalogue").status, 303) << "a second factor first";
  enrol(chefe);
  Response page = chefe.get("/admin/catalogue");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("enctype=\"multipart/form-data\""), std::string::npos);

  auto upload = [&](const std::string& content, bool with_token = true) {
    const std::string boundary = "----guichet-test-boundary";
    std::string body;
    if (with_token) {
      body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + chefe.csrf_token() +
              "\r\n";
    }
    body += "--" + boundary +
            "\r\nContent-Disposition: form-data; name=\"catalogue\"; filename=\"c.json\"\r\nContent-Type: "
            "application/json\r\n\r\n" +
            content + "\r\n--" + boundary + "--\r\n";
    return chefe.send(http::Method::post, "/admin/catalogue/import", body,
                      {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  };
  const std::string names = R"({"fr":"IRN","pt":"IRN","vi":"IRN","en":"IRN"})";
  const std::string good = R"({"administrations":[{"code":"irn","names":)" + names + R"(}],"services":[],"shops":[]})";
  EXPECT_EQ(upload(good, false).status, 403) << "CSRF token checked on multipart forms too";
  Response refused = upload(R"({"administrations":[{"code":"irn"}]})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("administrations[0]"), std::string::npos) << "the problem is named";
  Response imported = upload(good);
  EXPECT_EQ(imported.status, 200) << imported.body;
  EXPECT_NE(imported.body.find("Imported"), std::string::npos);
  Response exported = chefe.get("/admin/catalogue/export");
  EXPECT_EQ(exported.status, 200);
  EXPECT_NE(exported.body.find("\"irn\""), std::string::npos);
  EXPECT_EQ(exported.headers.get("Content-Disposition").value_or(""), "attachment; filename=\"catalogue.json\"");
}

// Administrators say which shops agents work at: a platform administrator for anyone, an
// administration administrator for the agents of their own administration only.
TEST_P(VerificationPagesTest, AdministratorsAssignAgentsToShops) {
  FakeClock setup_clock{clock.now()};
  ASSERT_TRUE(
      catalogue::import_catalogue(
          db(),
          R"({"administrations":[{"code":"irn","names":{"fr":"I","pt":"I","vi":"I","en":"I"}}],"services":[],"shops":[{"code":"lx","name":"Lisboa","address":"Lisboa","latitude":38.7,"longitude":-9.1,"time_zone":"Europe/Lisbon","opening_hours":{}}]})",
          "test", setup_clock)
          .ok());
  std::int64_t shop = 0;
  {
    auto connection = db().acquire();
    shop = (*connection)->query("SELECT id FROM shops WHERE code = 'lx'")->rows.at(0).integer(0);
  }
  auto ana = identity::find_user_by_email(db(), "ana@example.org");
  auto boss = identity::create_user(db(), identity::NewUser{"boss@aima.pt", "the aima office key phrase", true}, clock);
  ASSERT_TRUE(boss.ok());
  ASSERT_TRUE(identity::grant_role(db(), boss->id, {identity::Role::administration_admin, "aima"}, "cli", clock).ok());
  ASSERT_TRUE(identity::grant_role(db(), (*ana)->id, {identity::Role::agent, "irn"}, "cli", clock).ok());

  Browser b = signed_in("boss@aima.pt", "the aima office key phrase");
  enrol(b);
  ASSERT_EQ(b.get("/admin/agent-shops").status, 200);
  Response not_theirs = b.post("/admin/agent-shops", {{"email", "ana@example.org"}, {"shop", std::to_string(shop)}});
  EXPECT_EQ(not_theirs.status, 403) << "an irn agent is not aima's to assign";
  ASSERT_TRUE(identity::grant_role(db(), (*ana)->id, {identity::Role::agent, "aima"}, "cli", clock).ok());
  EXPECT_EQ(b.post("/admin/agent-shops", {{"email", "nobody@example.org"}, {"shop", std::to_string(shop)}}).status,
            400);
  Response assigned = b.post("/admin/agent-shops", {{"email", "ana@example.org"}, {"shop", std::to_string(shop)}});
  EXPECT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_NE(assigned.body.find("ana@example.org"), std::string::npos);
  auto ana_roles = *identity::roles_of(db(), (*ana)->id);
  EXPECT_EQ(scheduling::shops_of_staff(db(), (*ana)->id, ana_roles)->size(), 1U);
  Response removed =
      b.post("/admin/agent-shops/remove", {{"user", std::to_string((*ana)->id)}, {"shop", std::to_string(shop)}});
  EXPECT_EQ(removed.status, 200);
  EXPECT_TRUE(scheduling::shops_of_staff(db(), (*ana)->id, ana_roles)->empty());
}

}  // namespace
}  // namespace guichet::app
