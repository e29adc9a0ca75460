// The whole site in-process (no sockets): the real templates, translations and assets from
// the build, the real middleware chain, on each database backend.
#include "guichet/app/site.hpp"
#include "guichet/http/errors.hpp"

#include <gtest/gtest.h>

#include "guichet/scheduling/errors.hpp"

#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
namespace {
using http::Request;
using http::Response;
constexpr const char* kScrapeToken = "scrape-token-0123456789abcdefghijklmnop";

class SiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(database->db(), storage::builtin_migrations(), clock).ok());
    load_site();
  }
  void load_site() {
    SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test"};
    options.metrics_token = kScrapeToken;
    auto loaded = Site::load(options, database->db(), clock);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    site = std::move(loaded).value();
  }
  Response get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = http::Method::get;
    r.method_name = "GET";
    r.target = target;
    for (auto& [n, v] : headers) r.headers.add(n, v);
    auto dispatch = site->application().route(r);
    Response response = site->application().handle(r, dispatch);
    // Memoised pages and assets arrive as a shared body; tests read `body` either way.
    if (response.shared_body && response.body.empty()) response.body = *response.shared_body;
    return response;
  }

  SystemClock clock;
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<Site> site;
};

TEST_P(SiteTest, HomePageInEveryLanguage) {
  const std::map<std::string, std::string> headings{{"fr", "Tous les services publics"},
                                                    {"pt", "Todos os serviços públicos"},
                                                    {"vi", "Mọi dịch vụ công"},
                                                    {"en", "Every public service"}};
  for (const auto& [lang, heading] : headings) {
    Response home = get("/", {{"Accept-Language", lang + ";q=0.9"}});
    EXPECT_EQ(home.status, 200);
    EXPECT_NE(home.body.find("<html lang=\"" + lang + "\">"), std::string::npos) << lang;
    EXPECT_NE(home.body.find(heading), std::string::npos) << lang;
    EXPECT_EQ(*home.headers.get("Content-Language"), lang);
  }
}

TEST_P(SiteTest, LayoutHasSkipLinkSwitcherAndHashedAssets) {
  Response home = get("/");
  EXPECT_NE(home.body.find("class=\"usa-skipnav\" href=\"#main-content\""), std::string::npos);
  EXPECT_NE(home.body.find("<main id=\"main-content\""), std::string::npos);
  EXPECT_NE(home.body.find("hreflang=\"vi\""), std::string::npos);
  EXPECT_NE(home.body.find("/language?lang=pt&amp;return=%2F"), std::string::npos);
  auto css = home.body.find("/static/theme.");
  ASSERT_NE(css, std::string::npos);
  std::string url = home.body.substr(css, home.body.find('"', css) - css);
  Response stylesheet = get(url);
  EXPECT_EQ(stylesheet.status, 200);
  EXPECT_EQ(*stylesheet.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_GT(stylesheet.body_size(), 10'000U);
}

TEST_P(SiteTest, RepeatedPagesStayCorrectPerLanguageAndPath) {
  // Content pages are memoised; each language and return path must still get its own page.
  for (int round = 0; round < 2; ++round) {
    Response fr = get("/", {{"Accept-Language", "fr"}});
    Response vi = get("/", {{"Accept-Language", "vi"}});
    Response query = get("/?x=1", {{"Accept-Language", "fr"}});
    EXPECT_NE(fr.body_size(), 0U);
    std::string fr_body = fr.shared_body ? *fr.shared_body : fr.body;
    std::string vi_body = vi.shared_body ? *vi.shared_body : vi.body;
    std::string query_body = query.shared_body ? *query.shared_body : query.body;
    EXPECT_NE(fr_body.find("<html lang=\"fr\">"), std::string::npos);
    EXPECT_NE(vi_body.find("<html lang=\"vi\">"), std::string::npos);
    EXPECT_NE(query_body.find("return=%2F%3Fx%3D1"), std::string::npos);
    EXPECT_EQ(fr_body.find("return=%2F%3Fx%3D1"), std::string::npos);
    EXPECT_TRUE(fr.headers.get("Set-Cookie")->starts_with("guichet_csrf=")) << "per-request headers are still set";
  }
}

TEST_P(SiteTest, LanguageLinkSetsCookieAndComesBackSafely) {
  Response switched = get("/language?lang=vi&return=%2F%3Fa%3D1");
  EXPECT_EQ(switched.status, 303);
  EXPECT_EQ(*switched.headers.get("Location"), "/?a=1");
  EXPECT_TRUE(switched.headers.get("Set-Cookie")->starts_with("guichet_lang=vi;"));
  for (const char* evil : {"%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example"}) {
    EXPECT_EQ(*get(std::string("/language?lang=fr&return=") + evil).headers.get("Location"), "/") << evil;
  }
  EXPECT_EQ(get("/language?lang=xx").status, 400);
  Response remembered = get("/", {{"Cookie", "guichet_lang=pt"}, {"Accept-Language", "fr"}});
  EXPECT_NE(remembered.body.find("<html lang=\"pt\">"), std::string::npos);
}

TEST_P(SiteTest, LocalisedNotFoundAndJsonForTheApi) {
  Response page = get("/no/such/page", {{"Accept-Language", "fr"}});
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.body.find("Page introuvable"), std::string::npos);
  Response api = get("/api/v1/no-such-thing");
  EXPECT_EQ(api.status, 404);
  EXPECT_NE(api.body.find(R"("error":"not_found")"), std::string::npos);
}

TEST_P(SiteTest, ProbesAndMetrics) {
  EXPECT_EQ(get("/healthz").body, "ok\n");
  Response ready = get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find(R"("status":"ready")"), std::string::npos);
  (void)get("/");
  // The figures are for the operator's scraper only.
  EXPECT_EQ(get("/metrics").status, 401);
  EXPECT_EQ(*get("/metrics").headers.get("WWW-Authenticate"), R"(Bearer realm="metrics")");
  EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer wrong-token-0123456789abcdefghijklmn"}}).status, 401);
  EXPECT_EQ(get("/metrics", {{"Authorization", std::string("Basic ") + kScrapeToken}}).status, 401);
  Response metrics = get("/metrics", {{"Authorization", std::string("bearer ") + kScrapeToken}});
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(R"(guichet_http_requests_total{route="/",status="200"} 1)"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("guichet_db_pool_connections{state=\"capacity\"}"), std::string::npos);
  EXPECT_NE(metrics.body.find("guichet_jobs_due{priority=\"urgent\"} "), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("guichet_jobs_oldest_due_seconds "), std::string::npos);
  EXPECT_NE(metrics.body.find("guichet_jobs_failed 0"), std::string::npos);
  EXPECT_NE(metrics.body.find("guichet_compute_refused_total "), std::string::npos);
  Response platform = get("/api/v1/platform");
  EXPECT_NE(platform.body.find(R"("code":"vi","name":"Tiếng Việt")"), std::string::npos);
}

TEST_P(SiteTest, ReadyzFailsWhileMigrationsAreMissing) {
  testing::TestDatabase empty(GetParam());
  SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test"};
  auto fresh = Site::load(options, empty.db(), clock);
  ASSERT_TRUE(fresh.ok());
  Request r;
  r.method = http::Method::get;
  r.method_name = "GET";
  r.target = "/readyz";
  auto dispatch = (*fresh)->application().route(r);
  Response response = (*fresh)->application().handle(r, dispatch);
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("not_ready"), std::string::npos);
  // A node started without --metrics-token-file does not show its figures at all.
  r.target = "/metrics";
  dispatch = (*fresh)->application().route(r);
  r.headers.add("Authorization", "Bearer ");
  EXPECT_EQ((*fresh)->application().handle(r, dispatch).status, 404);
}

// The page renderer over the test web root, as the site builds its own.
struct TestPages {
  http::Templates templates = http::Templates::load(std::filesystem::path(GUICHET_TEST_WEB_ROOT) / "templates").value();
  http::Catalog catalog =
      http::Catalog::load(std::filesystem::path(GUICHET_TEST_WEB_ROOT) / "i18n", kLanguages, "en").value();
  http::StaticAssets assets = http::StaticAssets::load(std::filesystem::path(GUICHET_TEST_WEB_ROOT) / "static").value();
  http::PageRenderer pages{templates, catalog, assets};
};

TEST_P(SiteTest, ServerErrorPageIsLocalisedWithRequestIdAndNoDetail) {
  TestPages loaded;
  const http::PageRenderer& pages = loaded.pages;
  Request r;
  r.lang = "vi";
  r.target = "/";
  r.request_id = "0123456789abcdef";
  Response page = pages.render_error(r, make_error(http::Errc::internal, "connection string secret=xyz"));
  EXPECT_EQ(page.status, 500);
  EXPECT_NE(page.body.find("Đã xảy ra lỗi từ phía chúng tôi"), std::string::npos);
  EXPECT_NE(page.body.find("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(page.body.find("secret"), std::string::npos);
  EXPECT_EQ(*page.headers.get("Cache-Control"), "no-store");
}

// Issue 14, problem 8: an error page says what went wrong in the page's language, never in the
// module's English.
TEST_P(SiteTest, AnErrorsDetailIsInThePagesLanguage) {
  TestPages loaded;
  const http::PageRenderer& pages = loaded.pages;
  Request r;
  r.target = "/agent/agenda";
  r.lang = "fr";
  Response keyed = pages.render_error(r, make_error(scheduling::Errc::bad_date, "the day must be YYYY-MM-DD"));
  EXPECT_EQ(keyed.status, 400);
  EXPECT_NE(keyed.body.find("La date doit être un jour qui existe"), std::string::npos);
  EXPECT_EQ(keyed.body.find("YYYY-MM-DD"), std::string::npos);
  Response unkeyed = pages.render_error(r, make_error(scheduling::Errc::bad_cursor, "cursor is not a cursor"));
  EXPECT_EQ(unkeyed.body.find("cursor is not"), std::string::npos) << "no English on a French page";
  r.lang = "en";
  EXPECT_NE(pages.render_error(r, make_error(scheduling::Errc::bad_cursor, "cursor is not a cursor"))
                .body.find("cursor is not"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, SiteTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(Site, MissingWebRootFailsAtStartUp) {
  testing::TestDatabase database("sqlite");
  SystemClock clock;
  auto site = Site::load(SiteOptions{"/no/such/web", "en", false, nullptr, nullptr, "test"}, database.db(), clock);
  EXPECT_FALSE(site.ok());
}

}  // namespace
}  // namespace guichet::app
