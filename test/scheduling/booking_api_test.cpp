// The bookings JSON API through the whole application: bearer tokens and scopes, 201 with the
// items, 409 with alternatives, and bookings that only their owner or an authorised agent sees.
#include <gtest/gtest.h>

#include <regex>

#include <date/date.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/scheduling/agenda.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/storage/migrations.hpp"
#include "scheduling/two_shops.hpp"
#include "support/http_client.hpp"
#include "support/mini_browser.hpp"
#include "support/run_command.hpp"
#include "support/second_factor.hpp"
#include "support/serve_process.hpp"
#include "support/test_database.hpp"

namespace guichet::scheduling {
namespace {
namespace json = boost::json;
using std::chrono::hours;

std::string date_after_days(int days) {
  return date::format("%F", date::floor<date::days>(std::chrono::system_clock::now()) + date::days(days));
}

class BookingApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    id = fixtures::load_two_shops(db(), clock).id;
    auto loaded = app::Site::load(
        app::SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(),
        clock);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    site = std::move(loaded).value();
  }
  storage::Database& db() { return database->db(); }

  // A person and a bearer token of theirs with `scope`.
  std::string token_for(const std::string& email, const std::string& scope = "appointments") {
    identity::NewUser details;
    details.email = email;
    details.password = "correct horse battery staple";
    details.email_verified = true;
    auto user = identity::create_user(db(), details, clock);
    EXPECT_TRUE(user.ok());
    user_id[email] = user->id;
    auto token = oidc::issue_operator_token(db(), user->id, {scope}, std::chrono::hours(1), clock);
    EXPECT_TRUE(token.ok());
    return *token;
  }
  http::Response call(http::Method method, const std::string& target, const std::string& token,
                      const std::string& body = "", const std::map<std::string, std::string>& extra = {}) {
    testing::Browser api(site->application());
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    for (const auto& [name, value] : extra) headers[name] = value;
    return api.send(method, target, body, headers);
  }
  // A browser signed in with a password (the account made by token_for).
  testing::Browser signed_in(const std::string& email) {
    testing::Browser browser(site->application());
    (void)browser.get("/account/sign-in");
    auto response = browser.post("/account/sign-in", {{"email", email}, {"password", "correct horse battery staple"}});
    EXPECT_EQ(response.status, 303) << response.body;
    return browser;
  }
  std::string booking_body(const char* start, const std::string& services) {
    return R"({"shop":)" + std::to_string(id["lisboa"]) + R"(,"start":")" + start + R"(","services":[)" + services +
           "]}";
  }

  FakeClock clock{*parse_rfc3339("2026-12-01T00:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<app::Site> site;
  std::map<std::string, std::int64_t> id;
  std::map<std::string, std::int64_t> user_id;
};

TEST_P(BookingApiTest, BookSeeAndCancelWithTheAppointmentsScope) {
  std::string ana = token_for("ana@example.org");
  const std::string both = std::to_string(id["passport"]) + "," + std::to_string(id["citizen-card"]);
  auto created = call(http::Method::post, "/api/v1/bookings", ana, booking_body("2026-12-07T09:00:00Z", both));
  ASSERT_EQ(created.status, 201) << created.body;
  json::value booking = json::parse(created.body);
  const std::string reference(booking.at("reference").as_string());
  EXPECT_EQ(created.headers.get("Location").value_or(""), "/api/v1/bookings/" + reference);
  EXPECT_EQ(booking.at("status").as_string(), "confirmed");
  EXPECT_EQ(booking.at("start").as_string(), "2026-12-07T09:00:00Z");
  ASSERT_EQ(booking.at("items").as_array().size(), 2U);
  EXPECT_TRUE(booking.at("items").as_array()[0].as_object().contains("counter"));

  // Lisboa's one counter for citizen cards is taken at the time of Ana's card: 409 with the next
  // free visits, which can be booked.
  std::string card_start;
  for (const auto& item : booking.at("items").as_array()) {
    if (item.at("service").as_int64() == id["citizen-card"]) card_start = item.at("start").as_string();
  }
  const std::string card = std::to_string(id["citizen-card"]);
  std::string bruno = token_for("bruno@example.org");
  // The arrival on the 15-minute grid whose card service overlaps Ana's.
  const auto minute = std::chrono::floor<std::chrono::minutes>(parse_rfc3339(card_start)->time_since_epoch());
  const std::string overlapping = rfc3339_seconds(Instant(minute - minute % 15));
  auto lost = call(http::Method::post, "/api/v1/bookings", bruno, booking_body(overlapping.c_str(), card));
  ASSERT_EQ(lost.status, 409) << lost.body;
  json::value refusal = json::parse(lost.body);
  EXPECT_EQ(refusal.at("error").as_string(), "slot_taken");
  const auto& alternatives = refusal.at("alternatives").as_array();
  ASSERT_FALSE(alternatives.empty());
  std::string next(alternatives[0].at("start").as_string());
  EXPECT_GT(next, card_start);
  EXPECT_EQ(call(http::Method::post, "/api/v1/bookings", bruno, booking_body(next.c_str(), card)).status, 201);

  // Only its owner sees it; anyone else is told it does not exist.
  EXPECT_EQ(call(http::Method::get, "/api/v1/bookings/" + reference, ana).status, 200);
  EXPECT_EQ(call(http::Method::get, "/api/v1/bookings/" + reference, bruno).status, 404);
  EXPECT_EQ(call(http::Method::del, "/api/v1/bookings/" + reference, bruno).status, 404);
  EXPECT_EQ(call(http::Method::get, "/api/v1/bookings/ZZZZ-ZZZZ", ana).status, 404);
  auto mine = json::parse(call(http::Method::get, "/api/v1/bookings", ana).body);
  ASSERT_EQ(mine.at("bookings").as_array().size(), 1U);
  EXPECT_EQ(mine.at("bookings").as_array()[0].at("reference").as_string(), reference);

  // The API gives no staff powers (issue 16, finding 2): even an agent of the services'
  // administration, or a platform administrator, is told it does not exist; agents act on
  // others' bookings on their pages, with a second factor, at their shops.
  std::string agent = token_for("agent@example.org");
  EXPECT_EQ(call(http::Method::get, "/api/v1/bookings/" + reference, agent).status, 404);
  ASSERT_TRUE(
      identity::grant_role(db(), user_id["agent@example.org"], {identity::Role::agent, "irn"}, "test", clock).ok());
  ASSERT_TRUE(
      identity::grant_role(db(), user_id["agent@example.org"], {identity::Role::platform_admin, ""}, "test", clock)
          .ok());
  EXPECT_EQ(call(http::Method::get, "/api/v1/bookings/" + reference, agent).status, 404);
  EXPECT_EQ(call(http::Method::del, "/api/v1/bookings/" + reference, agent).status, 404);

  auto cancelled = call(http::Method::del, "/api/v1/bookings/" + reference, ana);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(json::parse(cancelled.body).at("status").as_string(), "cancelled");
  EXPECT_EQ(call(http::Method::del, "/api/v1/bookings/" + reference, ana).status, 409);
}

// Issue 17: a client that lost the answer sends the same request again with its Idempotency-Key
// and gets the first answer, not a second booking nor a 409 for the slot it already holds.
TEST_P(BookingApiTest, ARetriedBookingWithItsIdempotencyKeyGetsTheFirstAnswer) {
  std::string ana = token_for("ana@example.org");
  const std::string card = std::to_string(id["citizen-card"]);
  const std::string body = booking_body("2026-12-07T09:00:00Z", card);
  auto book = [&](const std::string& token, const std::string& key, const std::string& with) {
    return call(http::Method::post, "/api/v1/bookings", token, with, {{"Idempotency-Key", key}});
  };
  auto first = book(ana, "\"retry-1\"", body);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.headers.has("Idempotent-Replayed"));
  auto again = book(ana, "\"retry-1\"", body);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.get("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(again.headers.get("Location"), first.headers.get("Location"));
  auto mine = json::parse(call(http::Method::get, "/api/v1/bookings", ana).body);
  EXPECT_EQ(mine.at("bookings").as_array().size(), 1U) << "booked once";

  auto reused = book(ana, "\"retry-1\"", booking_body("2026-12-08T09:00:00Z", card));
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(json::parse(reused.body).at("error").as_string(), "idempotency_key_reused");

  // Keys belong to their client: Bruno's "retry-1" is his own request, run and answered afresh.
  std::string bruno = token_for("bruno@example.org");
  auto his = book(bruno, "\"retry-1\"", body);
  EXPECT_EQ(his.status, 409) << "Ana holds that time";
  EXPECT_FALSE(his.headers.has("Idempotent-Replayed"));

  EXPECT_EQ(book(ana, std::string(300, 'k'), body).status, 400);
  // Without a key nothing is remembered: the same request is a new booking attempt.
  EXPECT_EQ(call(http::Method::post, "/api/v1/bookings", ana, body).status, 409);
}

TEST_P(BookingApiTest, TokensScopesAndBodiesAreChecked) {
  std::string account_only = token_for("ana@example.org", "account");
  std::string ana = token_for("ana2@example.org");
  const std::string body = booking_body("2026-12-07T09:00:00Z", std::to_string(id["passport"]));
  auto anonymous = call(http::Method::post, "/api/v1/bookings", "", body);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_TRUE(anonymous.headers.get("WWW-Authenticate").has_value());
  EXPECT_EQ(call(http::Method::post, "/api/v1/bookings", "not-a-token", body).status, 401);
  EXPECT_EQ(call(http::Method::post, "/api/v1/bookings", account_only, body).status, 403);
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"), std::string(R"({"shop":"1","start":"2026-12-07T09:00:00Z"})"),
        std::string(R"({"shop":1,"start":"tomorrow","services":[1]})"),
        std::string(R"({"shop":1,"start":"2026-12-07T09:00:00Z","services":["x"]})"),
        std::string(R"({"shop":1,"start":"2026-12-07T09:00:00Z","services":[]})")}) {
    auto refused = call(http::Method::post, "/api/v1/bookings", ana, bad);
    EXPECT_EQ(refused.status, 400) << bad << " → " << refused.body;
  }
  EXPECT_EQ(call(http::Method::post, "/api/v1/bookings", ana,
                 R"({"shop":99999,"start":"2026-12-07T09:00:00Z","services":[)" + std::to_string(id["passport"]) + "]}")
                .status,
            404);
  // Times no one could book are bad requests naming the field, not lost races (issue 16): past,
  // too far, a Sunday, 03:00, a holiday, off the grid, a service the shop does not offer; an
  // offset past ±23:59 is not a time.
  const std::string passport = std::to_string(id["passport"]);
  const std::vector<std::pair<std::string, std::string>> unbookable{
      {booking_body("2026-11-30T09:00:00Z", passport), "start_too_soon"},
      {booking_body("9999-12-07T09:00:00Z", passport), "start_too_far"},
      {booking_body("2026-12-06T09:00:00Z", passport), "shop_closed"},
      {booking_body("2026-12-07T03:00:00Z", passport), "shop_closed"},
      {booking_body("2026-12-08T09:00:00Z", passport), "shop_closed"},
      {booking_body("2026-12-07T09:07:00Z", passport), "start_off_grid"}};
  for (const auto& [request, code] : unbookable) {
    auto refused = call(http::Method::post, "/api/v1/bookings", ana, request);
    EXPECT_EQ(refused.status, 422) << request << " → " << refused.body;
    EXPECT_NE(refused.body.find("\"" + code + "\""), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("\"field\":\"start\""), std::string::npos) << refused.body;
  }
  auto odd_offset =
      call(http::Method::post, "/api/v1/bookings", ana, booking_body("2026-12-07T09:00:00+99:99", passport));
  EXPECT_EQ(odd_offset.status, 400) << odd_offset.body;
  // An offset is understood: 10:00+01:00 is 09:00Z.
  EXPECT_EQ(call(http::Method::post, "/api/v1/bookings", ana,
                 booking_body("2026-12-07T10:00:00+01:00", std::to_string(id["passport"])))
                .status,
            201);
}

// A service the shop does not offer: 422 naming the services.
TEST_P(BookingApiTest, AServiceTheShopDoesNotOfferIsABadRequest) {
  std::string ana = token_for("ana@example.org");
  auto refused = call(http::Method::post, "/api/v1/bookings", ana,
                      R"({"shop":)" + std::to_string(id["paris"]) + R"(,"start":"2026-12-07T09:00:00Z","services":[)" +
                          std::to_string(id["passport"]) + "]}");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("service_not_offered"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("\"field\":\"services\""), std::string::npos) << refused.body;
}

// The confirmation PDF, sealed by the administration of the visit: its holder gets it from the
// booking page and the API; nobody else does; pdfsig finds the seal valid and trusted with
// Guichet's root; a node without documents set up answers 503, not a broken file.
TEST_P(BookingApiTest, TheSealedConfirmationPdfIsForItsHolderOnly) {
  const std::string ana_token = token_for("ana@example.org");
  const std::string bruno_token = token_for("bruno@example.org");
  const std::string card = std::to_string(id["citizen-card"]);
  auto created = call(http::Method::post, "/api/v1/bookings", ana_token, booking_body("2026-12-07T09:00:00Z", card));
  ASSERT_EQ(created.status, 201);
  const std::string reference(json::parse(created.body).at("reference").as_string());

  auto unavailable = call(http::Method::get, "/api/v1/bookings/" + reference + "/confirmation.pdf", ana_token);
  EXPECT_EQ(unavailable.status, 503) << unavailable.body;
  EXPECT_TRUE(unavailable.headers.get("Retry-After").has_value());

  const SecretKey key = SecretKey::from_base64(SecretKey::generate_base64()).value();
  ASSERT_TRUE(documents::CertificateAuthority(db(), clock, key).initialise("Guichet Test"));
  app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
  options.secrets_key = key;
  auto sealing = app::Site::load(options, db(), clock);
  ASSERT_TRUE(sealing) << sealing.error().message;
  ASSERT_TRUE((*sealing)->check_secrets());

  testing::Browser ana((*sealing)->application());
  (void)ana.get("/account/sign-in");
  ASSERT_EQ(
      ana.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery staple"}}).status,
      303);
  auto page = ana.get("/bookings/" + reference);
  EXPECT_NE(page.body.find("/bookings/" + reference + "/confirmation.pdf"), std::string::npos);
  auto pdf = ana.get("/bookings/" + reference + "/confirmation.pdf");
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.headers.get("Content-Type").value_or(""), "application/pdf");
  EXPECT_EQ(pdf.headers.get("Cache-Control").value_or(""), "no-store");
  ASSERT_TRUE(pdf.body.starts_with("%PDF-"));

  testing::TempDir dir;
  auto root = documents::CertificateAuthority(db(), clock, std::nullopt).root();
  ASSERT_TRUE(root);
  testing::write_file(dir.path() / "root.pem", root->certificate_pem);
  testing::write_file(dir.path() / "confirmation.pdf", pdf.body);
  ASSERT_EQ(testing::run_command("certutil -N --empty-password -d sql:" + dir.path().string()).status, 0);
  ASSERT_EQ(testing::run_command("certutil -A -n root -t C,C,C -d sql:" + dir.path().string() + " -i " +
                                 (dir.path() / "root.pem").string())
                .status,
            0);
  // The seal names this site's OCSP responder and CRL, which nothing listens for in this
  // in-process test, so NSS cannot settle the certificate's status here; the browser test has
  // pdfsig ask a running Guichet (trusted, then revoked).
  auto report = testing::run_command("pdfsig -nssdir sql:" + dir.path().string() + " " +
                                     (dir.path() / "confirmation.pdf").string());
  EXPECT_NE(report.output.find("Signature is Valid."), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("Total document signed"), std::string::npos) << report.output;
  auto text = testing::run_command("pdftotext -enc UTF-8 " + (dir.path() / "confirmation.pdf").string() + " -");
  EXPECT_NE(text.output.find(reference), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Booking confirmation"), std::string::npos) << text.output;

  // Its verification code leads anyone to what was issued, and tells this copy from another.
  std::smatch code;
  ASSERT_TRUE(
      std::regex_search(text.output, code, std::regex("verification code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})")))
      << text.output;
  testing::Browser anyone((*sealing)->application());
  auto issued = anyone.get("/verify/" + code[1].str());
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_NE(issued.body.find("Issued by Guichet"), std::string::npos);
  EXPECT_NE(issued.body.find(reference), std::string::npos);
  EXPECT_NE(issued.body.find(sha256_hex(pdf.body)), std::string::npos);
  std::string lower = code[1].str();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(anyone.get("/verify/" + lower).status, 200) << "typed in lower case, it still finds the document";
  EXPECT_EQ(anyone.get("/verify/0000-0000-0000").status, 404);
  auto upload = [&](const std::string& content) {
    const std::string boundary = "----guichet-test-boundary";
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" +
                       anyone.csrf_token() + "\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n" + code[1].str() + "\r\n--" +
                       boundary +
                       "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"c.pdf\"\r\n"
                       "Content-Type: application/pdf\r\n\r\n" +
                       content + "\r\n--" + boundary + "--\r\n";
    return anyone.send(http::Method::post, "/verify", body,
                       {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  };
  auto same = upload(pdf.body);
  EXPECT_NE(same.body.find("This file is exactly the document Guichet issued"), std::string::npos) << same.body;
  std::string other = pdf.body;
  other[other.find("/Title") + 8] ^= 1;
  auto changed = upload(other);
  EXPECT_NE(changed.body.find("This file is not the document issued under this code"), std::string::npos);
  auto reported = anyone.send(http::Method::post, "/api/v1/verify", pdf.body, {{"Content-Type", "application/pdf"}});
  ASSERT_EQ(reported.status, 200);
  EXPECT_EQ(json::parse(reported.body).at("issued").at("reference").as_string(), reference);

  // The API gives the same to the holder's token, in the language asked for.
  auto by_api = testing::Browser((*sealing)->application())
                    .send(http::Method::get, "/api/v1/bookings/" + reference + "/confirmation.pdf", "",
                          {{"Authorization", "Bearer " + ana_token}, {"Accept-Language", "fr"}});
  EXPECT_EQ(by_api.status, 200);
  testing::write_file(dir.path() / "fr.pdf", by_api.body);
  auto french = testing::run_command("pdftotext -enc UTF-8 " + (dir.path() / "fr.pdf").string() + " -");
  EXPECT_NE(french.output.find("Confirmation de rendez-vous"), std::string::npos) << french.output;

  // Nobody else: another person, no session, another person's token.
  testing::Browser bruno((*sealing)->application());
  (void)bruno.get("/account/sign-in");
  (void)bruno.post("/account/sign-in", {{"email", "bruno@example.org"}, {"password", "correct horse battery staple"}});
  EXPECT_EQ(bruno.get("/bookings/" + reference + "/confirmation.pdf").status, 404);
  EXPECT_EQ(testing::Browser((*sealing)->application()).get("/bookings/" + reference + "/confirmation.pdf").status,
            303);
  testing::Browser api((*sealing)->application());
  EXPECT_EQ(api.send(http::Method::get, "/api/v1/bookings/" + reference + "/confirmation.pdf", "",
                     {{"Authorization", "Bearer " + bruno_token}})
                .status,
            404);

  // Issuing the administration's seal was audited.
  auto connection = db().acquire();
  ASSERT_TRUE(connection);
  auto audited = (**connection).query("SELECT COUNT(*) FROM audit_log WHERE action = 'certificate.issued'");
  ASSERT_TRUE(audited);
  EXPECT_EQ(audited->rows.front().integer(0), 1) << "the seal (the CA itself was made outside the site)";
}

// The pages check the same things: a person sees, downloads and cancels only their own booking;
// a confirmation that lost its race re-shows the free times with 409.
// Issue 14, problem 1: the times page shows a whole day, grouped by part of the day, with the
// week's days as a picker; no "next week" past the booking horizon.
TEST_P(BookingApiTest, TheTimesPageShowsAWholeDayAndTheWeeksDays) {
  testing::Browser b(site->application());
  const std::string base =
      "/book/times?services=" + std::to_string(id["passport"]) + "&shop=" + std::to_string(id["lisboa"]);
  auto week = b.get(base + "&from=2026-12-02");
  ASSERT_EQ(week.status, 200) << week.body;
  // Wednesday 2 December first (the first day with a free time), all its times: 09:00 to 11:30.
  EXPECT_NE(week.body.find("aria-current=\"date\"><span class=\"guichet-days__label\">Wednesday, December 2"),
            std::string::npos)
      << week.body;
  EXPECT_NE(week.body.find("Morning (11)"), std::string::npos);
  EXPECT_NE(week.body.find(">11:30–11:50<"), std::string::npos) << "the day's last time too";
  EXPECT_NE(week.body.find("Saturday, December 5</span> <span class=\"guichet-days__free\">nothing free"),
            std::string::npos);
  EXPECT_NE(week.body.find("Visits can be booked up to 90 days ahead."), std::string::npos);
  EXPECT_NE(week.body.find("Times are local to the shop: Portugal Time."), std::string::npos)
      << "the zone as people name it, not Europe/Lisbon";
  EXPECT_NE(week.body.find("&amp;from=2026-12-09\">Next week"), std::string::npos);
  // Another day of the week, asked for.
  auto friday = b.get(base + "&from=2026-12-02&day=2026-12-04");
  EXPECT_NE(friday.body.find("aria-current=\"date\"><span class=\"guichet-days__label\">Friday, December 4"),
            std::string::npos);
  EXPECT_NE(friday.body.find("value=\"2026-12-04T09:00:00Z\""), std::string::npos);
  EXPECT_EQ(friday.body.find("value=\"2026-12-02T09:00:00Z\""), std::string::npos) << "one day at a time";
  // No shop chosen: the services page again, the problem next to the shop's field; none is
  // chosen in advance.
  auto book = b.get("/book?services=" + std::to_string(id["passport"]));
  EXPECT_NE(book.body.find("<option value=\"\" selected>Choose a citizen shop</option>"), std::string::npos);
  auto no_shop = b.get("/book/times?services=" + std::to_string(id["passport"]) + "&shop=");
  EXPECT_EQ(no_shop.status, 400);
  EXPECT_NE(no_shop.body.find("id=\"book-shop-error\""), std::string::npos);
  EXPECT_NE(no_shop.body.find("aria-invalid=\"true\""), std::string::npos);
  // Services to add are named with their administration's name, not its code.
  auto search = b.get("/book?services=" + std::to_string(id["passport"]) + "&q=citizen");
  EXPECT_NE(search.body.find("Citizen card (IRN) <a"), std::string::npos) << search.body;
  EXPECT_EQ(search.body.find("(irn)"), std::string::npos);
  // The horizon's last week offers no next one.
  auto last = b.get(base + "&from=2027-02-25");
  ASSERT_EQ(last.status, 200);
  EXPECT_EQ(last.body.find("Next week"), std::string::npos);
}

TEST_P(BookingApiTest, PagesShowOnlyOnesOwnBookings) {
  std::string ana_token = token_for("ana@example.org");
  const std::string card = std::to_string(id["citizen-card"]);
  auto created = call(http::Method::post, "/api/v1/bookings", ana_token, booking_body("2026-12-07T09:00:00Z", card));
  ASSERT_EQ(created.status, 201);
  const std::string reference(json::parse(created.body).at("reference").as_string());
  (void)token_for("bruno@example.org");

  auto signed_in = [&](const std::string& email) {
    auto b = std::make_unique<testing::Browser>(site->application());
    (void)b->get("/account/sign-in");
    auto r = b->post("/account/sign-in", {{"email", email}, {"password", "correct horse battery staple"}});
    EXPECT_EQ(r.status, 303);
    return b;
  };
  auto anonymous = testing::Browser(site->application()).get("/bookings/" + reference);
  EXPECT_EQ(anonymous.status, 303) << "sign in first";
  auto ana = signed_in("ana@example.org");
  auto bruno = signed_in("bruno@example.org");
  auto own = ana->get("/bookings/" + reference);
  EXPECT_EQ(own.status, 200);
  EXPECT_NE(own.body.find(reference), std::string::npos);
  auto ics = ana->get("/bookings/" + reference + "/calendar.ics");
  EXPECT_EQ(ics.status, 200);
  EXPECT_EQ(ics.headers.get("Content-Type").value_or(""), "text/calendar; charset=utf-8");
  EXPECT_NE(ics.body.find("UID:" + reference + "@guichet.test"), std::string::npos);
  // The description says each service's counter as its sign reads, and what to bring, each once.
  std::string unfolded = ics.body;
  for (auto at = unfolded.find("\r\n "); at != std::string::npos; at = unfolded.find("\r\n ", at))
    unfolded.erase(at, 3);
  EXPECT_NE(unfolded.find("(Counter G0"), std::string::npos) << unfolded;
  EXPECT_NE(unfolded.find("Documents to bring:"), std::string::npos) << unfolded;
  EXPECT_EQ(bruno->get("/bookings/" + reference).status, 404);
  EXPECT_EQ(bruno->get("/bookings/" + reference + "/calendar.ics").status, 404);
  EXPECT_EQ(bruno->post("/bookings/" + reference + "/cancel", {}).status, 404);
  EXPECT_EQ(bruno->post("/bookings/" + reference + "/reschedule", {{"start", "2026-12-07T10:00:00Z"}}).status, 404);
  EXPECT_EQ(ana->post("/bookings/" + reference + "/cancel", {}, false).status, 403) << "no CSRF token";

  // Bruno's confirmation of the same time: the times again, with 409 and the reason.
  auto lost = bruno->post(
      "/book/confirm", {{"services", card}, {"shop", std::to_string(id["lisboa"])}, {"start", "2026-12-07T09:00:00Z"}});
  EXPECT_EQ(lost.status, 409);
  EXPECT_NE(lost.body.find("just before you"), std::string::npos);
  EXPECT_NE(lost.body.find("2026-12-07T09:15:00Z"), std::string::npos) << "the next free time is offered";
  auto booked = bruno->post(
      "/book/confirm", {{"services", card}, {"shop", std::to_string(id["lisboa"])}, {"start", "2026-12-07T09:15:00Z"}});
  EXPECT_EQ(booked.status, 303);
  EXPECT_EQ(bruno->get("/account/bookings").status, 200);

  // The waiting list: unknown services or shops are refused before anything is written.
  const std::string lisboa = std::to_string(id["lisboa"]);
  EXPECT_EQ(bruno->post("/book/waitlist", {{"services", "999999"}, {"shop", lisboa}}).status, 404);
  EXPECT_EQ(bruno->post("/book/waitlist", {{"services", card}, {"shop", "999999"}}).status, 404);
  EXPECT_EQ(bruno->post("/book/waitlist", {{"services", "x"}, {"shop", lisboa}}).status, 400);
  EXPECT_EQ(bruno->post("/book/waitlist", {{"services", card}, {"shop", lisboa}}).status, 303);
  EXPECT_EQ(bruno->post("/book/waitlist", {{"services", card}, {"shop", lisboa}}).status, 303) << "keeps one's place";
  {
    auto connection = db().acquire();
    EXPECT_EQ((*connection)->query("SELECT COUNT(*) FROM waitlist_entries")->rows[0].integer(0), 1);
  }

  // Cancelling asks first: the booking page links to a page that says what goes; only its POST
  // cancels, and someone else's booking has no such page.
  EXPECT_NE(ana->get("/bookings/" + reference).body.find("href=\"/bookings/" + reference + "/cancel\""),
            std::string::npos);
  auto asked = ana->get("/bookings/" + reference + "/cancel");
  ASSERT_EQ(asked.status, 200);
  EXPECT_NE(asked.body.find("Cancel your visit?"), std::string::npos);
  EXPECT_NE(asked.body.find("Yes, cancel this visit"), std::string::npos);
  EXPECT_NE(ana->get("/bookings/" + reference).body.find("Confirmed"), std::string::npos) << "asking cancels nothing";
  EXPECT_EQ(bruno->get("/bookings/" + reference + "/cancel").status, 404);
  auto cancelled = ana->post("/bookings/" + reference + "/cancel", {});
  EXPECT_EQ(cancelled.status, 303);
  EXPECT_NE(ana->get("/bookings/" + reference).body.find("Cancelled"), std::string::npos);
  auto again = ana->get("/bookings/" + reference + "/cancel");
  EXPECT_EQ(again.status, 303) << "nothing left to cancel: back to the booking";
}

// Issue 16, finding 2, on the pages: an agent acts on someone else's booking only with a second
// factor, at a shop they are assigned to, and cancels a visit only when their roles cover all of
// it; the act is audited with both identities.
TEST_P(BookingApiTest, AgentsActOnOthersBookingsOnlyWithASecondFactorAtTheirShop) {
  std::string ana_token = token_for("ana@example.org");
  auto book = [&](const char* start, const std::string& services) {
    auto created = call(http::Method::post, "/api/v1/bookings", ana_token, booking_body(start, services));
    EXPECT_EQ(created.status, 201) << created.body;
    return std::string(json::parse(created.body).at("reference").as_string());
  };
  const std::string card = book("2026-12-07T09:00:00Z", std::to_string(id["citizen-card"]));
  const std::string mixed =
      book("2026-12-09T09:00:00Z", std::to_string(id["passport"]) + "," + std::to_string(id["tax-help"]));
  (void)token_for("rita@example.org");
  const std::int64_t rita = user_id["rita@example.org"];
  ASSERT_TRUE(identity::grant_role(db(), rita, {identity::Role::agent, "irn"}, "test", clock).ok());

  testing::Browser agent = signed_in("rita@example.org");
  EXPECT_EQ(agent.get("/bookings/" + card).status, 404) << "a password alone gives no staff power";
  EXPECT_EQ(agent.post("/bookings/" + card + "/cancel", {}).status, 404);
  ASSERT_FALSE(testing::enrol_second_factor(agent, clock.now()).empty());
  EXPECT_EQ(agent.get("/bookings/" + card).status, 404) << "not assigned to the shop";
  ASSERT_TRUE(scheduling::assign_agent_to_shop(db(), rita, id["lisboa"], "test", clock).ok());
  EXPECT_EQ(agent.get("/bookings/" + card).status, 200);
  EXPECT_EQ(agent.get("/bookings/" + mixed).status, 200) << "a visit with one of her services: she sees it";
  EXPECT_EQ(agent.post("/bookings/" + mixed + "/cancel", {}).status, 403) << "the tax help is not hers to cancel";
  ASSERT_EQ(agent.post("/bookings/" + card + "/cancel", {}).status, 303);
  auto c = db().acquire();
  auto audited = (*c)->query(
      "SELECT actor, details FROM audit_log WHERE action = 'booking.cancelled_by_staff' AND "
      "subject = ?",
      {"booking:" + card});
  ASSERT_TRUE(audited.ok());
  ASSERT_EQ(audited->size(), 1U);
  EXPECT_EQ(audited->rows[0].text(0), "user:" + std::to_string(rita));
  EXPECT_NE(audited->rows[0].text(1).find("user:" + std::to_string(user_id["ana@example.org"])), std::string::npos);
}

// Issue 16: an agent booking for a caller is refused another administration's service at the
// first step (at its field, no times listed), and a refused booking leaves no account behind for
// the caller's address.
TEST_P(BookingApiTest, AgentsBookForCallersOnlyTheirServicesAndARefusalLeavesNoAccount) {
  std::string ana_token = token_for("ana@example.org");
  ASSERT_EQ(call(http::Method::post, "/api/v1/bookings", ana_token,
                 booking_body("2026-12-07T09:00:00Z", std::to_string(id["citizen-card"])))
                .status,
            201);
  (void)token_for("rita@example.org");
  const std::int64_t rita = user_id["rita@example.org"];
  ASSERT_TRUE(identity::grant_role(db(), rita, {identity::Role::agent, "irn"}, "test", clock).ok());
  ASSERT_TRUE(scheduling::assign_agent_to_shop(db(), rita, id["lisboa"], "test", clock).ok());
  testing::Browser agent = signed_in("rita@example.org");
  ASSERT_FALSE(testing::enrol_second_factor(agent, clock.now()).empty());

  const std::string step = "/agent/book?shop=" + std::to_string(id["lisboa"]) +
                           "&name=Rui+Costa&phone=912345678&email=rui%40example.org&lang=pt&channel=phone"
                           "&day=2026-12-07&service=";
  http::Response theirs = agent.get(step + std::to_string(id["tax-help"]));
  EXPECT_EQ(theirs.status, 400);
  EXPECT_NE(theirs.body.find("Choose only services you serve at this shop."), std::string::npos) << theirs.body;
  EXPECT_NE(theirs.body.find("href=\"#services\""), std::string::npos) << "the summary leads to the field";
  EXPECT_EQ(theirs.body.find("name=\"start\""), std::string::npos) << "no times for a service not hers";
  http::Response hers = agent.get(step + std::to_string(id["citizen-card"]));
  EXPECT_EQ(hers.status, 200);
  EXPECT_NE(hers.body.find("name=\"start\""), std::string::npos);

  std::map<std::string, std::string> form{{"shop", std::to_string(id["lisboa"])},
                                          {"name", "Rui Costa"},
                                          {"phone", "912345678"},
                                          {"email", "rui@example.org"},
                                          {"lang", "pt"},
                                          {"channel", "phone"},
                                          {"day", "2026-12-07"},
                                          {"service", std::to_string(id["citizen-card"])},
                                          {"start", "2026-12-07T09:00:00Z"}};
  auto accounts = [&] {
    auto c = db().acquire();
    return (*c)->query("SELECT COUNT(*) FROM users WHERE email = 'rui@example.org'")->rows.at(0).integer(0);
  };
  EXPECT_EQ(agent.post("/agent/book", form).status, 409) << "Ana has that time";
  EXPECT_EQ(accounts(), 0) << "the refused booking made no account";
  form["start"] = "2026-12-07T10:00:00Z";
  http::Response booked = agent.post("/agent/book", form);
  ASSERT_EQ(booked.status, 303) << booked.body;
  EXPECT_EQ(accounts(), 1);
}

// Two `guichet serve` processes on one PostgreSQL database, 64 clients racing for one visit.
TEST(BookingRace, TwoServeProcessesOnOnePostgresMakeExactlyOneBooking) {
  if (testing::test_backends().size() < 2) GTEST_SKIP() << "no PostgreSQL for this run";
  testing::TestDatabase database("postgresql");
  FakeClock clock{std::chrono::time_point_cast<Instant::duration>(std::chrono::system_clock::now())};
  auto loaded = fixtures::load_two_shops(database.db(), clock);
  const std::int64_t card = loaded.id["citizen-card"];
  const std::int64_t lisboa = loaded.id["lisboa"];
  auto connection = database.db().acquire();
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) {
    identity::NewUser details;
    details.email = "racer" + std::to_string(i) + "@example.org";
    details.password = "correct horse battery staple";
    auto user = identity::create_user(database.db(), details, clock);
    ASSERT_TRUE(user.ok());
    tokens.push_back(*oidc::issue_operator_token(database.db(), user->id, {"appointments"}, hours(1), clock));
  }
  testing::ServeProcess first = testing::start_serve(database.url());
  testing::ServeProcess second = testing::start_serve(database.url());

  // The first visit the nodes offer for a citizen card at Lisboa, a week or more from now.
  std::string from = date_after_days(7);
  auto offered = testing::http_request(static_cast<std::uint16_t>(first.port), "GET",
                                       "/api/v1/availability?services=" + std::to_string(card) +
                                           "&shop=" + std::to_string(lisboa) + "&from=" + from + "&days=14");
  ASSERT_EQ(offered.status, 200) << offered.body;
  std::string start(json::parse(offered.body).at("visits").as_array().at(0).at("start").as_string());
  const std::string body = R"({"shop":)" + std::to_string(lisboa) + R"(,"start":")" + start + R"(","services":[)" +
                           std::to_string(card) + "]}";

  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto port = static_cast<std::uint16_t>(i % 2 ? second.port : first.port);
      auto reply =
          testing::http_request(port, "POST", "/api/v1/bookings",
                                {{"Authorization", "Bearer " + tokens[i]}, {"Content-Type", "application/json"}}, body);
      if (reply.status == 201) ++created;
      if (reply.status == 409) ++conflicts;
    });
  }
  go = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 63);
  auto active = (*connection)->query("SELECT COUNT(*) FROM booking_items WHERE active = 1");
  EXPECT_EQ(active->rows[0].integer(0), 1);
  EXPECT_EQ(testing::stop_serve(first), 0);
  EXPECT_EQ(testing::stop_serve(second), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, BookingApiTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::scheduling
