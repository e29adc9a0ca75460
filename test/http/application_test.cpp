#include "guichet/http/application.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "guichet/http/errors.hpp"
#include "guichet/http/metrics.hpp"
#include "guichet/http/middleware.hpp"

namespace guichet::http {
namespace {

class ApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.get("/", [](Request& r) { return Response::html("<p>home " + r.csrf_token + "</p>"); });
    router.post("/form",
                [](Request& r) { return Response::text("hello " + std::string(r.form.get("name").value_or(""))); });
    router.get("/boom", [](Request&) -> Response { throw std::runtime_error("secret database password in message"); });
    router.post(
        "/api/v1/things", [](Request&) { return Response::json(R"({"ok":true})", 201); },
        RouteOptions{RouteKind::api, 1024, false});
    router.get(
        "/api/v1/boom", [](Request&) -> Response { throw std::runtime_error("secret"); },
        RouteOptions{RouteKind::api, 1024, false});
    // Returns at once; the test settles it (Response::later).
    router.post(
        "/api/v1/later",
        [this](Request&) {
          Response response;
          response.later = std::make_shared<LaterResponse>();
          pending_later = response.later;
          return response;
        },
        RouteOptions{RouteKind::api, 1024, false});
    ErrorRenderer pages = [](Request& r, const Error& e) {
      return Response::html(
          "page error " + std::to_string(http_status(e.kind)) + " " + std::string(e.code.name()) + " " + r.request_id,
          http_status(e.kind));
    };
    std::vector<Middleware> chain{request_context({false}), observe(metrics, nullptr), security_headers(),
                                  recover(pages, nullptr), csrf(pages)};
    app = std::make_unique<Application>(std::move(router), std::move(chain), pages);
  }

  Response run(Request r) {
    last = std::move(r);
    auto dispatch = app->route(last);
    return app->handle(last, dispatch);
  }

  static Request make(Method m, std::string target) {
    Request r;
    r.method = m;
    r.method_name = std::string(to_string(m));
    r.target = std::move(target);
    return r;
  }

  static std::string cookie_of(const Response& response) {
    for (const auto& [n, v] : response.headers.fields()) {
      if (iequals(n, "Set-Cookie") && v.starts_with("guichet_csrf=")) return v.substr(13, 43);
    }
    return {};
  }

  Metrics metrics;
  std::unique_ptr<Application> app;
  Request last;
  std::shared_ptr<LaterResponse> pending_later;
};

TEST_F(ApplicationTest, EveryResponseCarriesARequestIdAndSecurityHeaders) {
  Response home = run(make(Method::get, "/"));
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.headers.get("X-Request-Id")->size(), 16U);
  EXPECT_NE(home.headers.get("Content-Security-Policy")->find("frame-ancestors 'none'"), std::string_view::npos);
  EXPECT_EQ(home.headers.get("Content-Security-Policy")->find("unsafe-inline"), std::string_view::npos);
  EXPECT_EQ(*home.headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(home.headers.has("Referrer-Policy"));
  EXPECT_FALSE(home.headers.has("Strict-Transport-Security")) << "no HSTS over plain HTTP";

  Response missing = run(make(Method::get, "/nowhere"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.headers.has("X-Request-Id"));
  EXPECT_TRUE(missing.headers.has("Content-Security-Policy"));
}

TEST_F(ApplicationTest, KeepsAWellFormedIncomingRequestIdOnly) {
  Request good = make(Method::get, "/");
  good.headers.add("X-Request-Id", "edge-42.a_b");
  EXPECT_EQ(*run(std::move(good)).headers.get("X-Request-Id"), "edge-42.a_b");
  Request bad = make(Method::get, "/");
  bad.headers.add("X-Request-Id", "<script>");
  EXPECT_NE(*run(std::move(bad)).headers.get("X-Request-Id"), "<script>");
}

TEST_F(ApplicationTest, HstsOnSecureRequests) {
  Request r = make(Method::get, "/");
  r.tls = true;
  Response response = run(std::move(r));
  EXPECT_TRUE(response.headers.has("Strict-Transport-Security"));
  EXPECT_NE(response.headers.get("Set-Cookie")->find("Secure"), std::string_view::npos);
  EXPECT_TRUE(response.headers.get("Set-Cookie")->starts_with("__Host-guichet_csrf="));
}

TEST_F(ApplicationTest, FormPostsNeedTheCsrfToken) {
  std::string token = cookie_of(run(make(Method::get, "/")));
  ASSERT_EQ(token.size(), 43U);

  Request without = make(Method::post, "/form");
  without.headers.add("Content-Type", "application/x-www-form-urlencoded");
  without.body = "name=Ana";
  without.headers.add("Cookie", "guichet_csrf=" + token);
  Response refused = run(std::move(without));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("csrf_failed"), std::string::npos);

  Request forged = make(Method::post, "/form");
  forged.headers.add("Content-Type", "application/x-www-form-urlencoded");
  forged.headers.add("Cookie", "guichet_csrf=" + token);
  forged.body = "name=Ana&csrf_token=" + std::string(43, 'A');
  EXPECT_EQ(run(std::move(forged)).status, 403);

  Request cross_site = make(Method::post, "/form");
  cross_site.headers.add("Content-Type", "application/x-www-form-urlencoded");
  cross_site.headers.add("Cookie", "guichet_csrf=" + token);
  cross_site.headers.add("Sec-Fetch-Site", "cross-site");
  cross_site.body = "name=Ana&csrf_token=" + token;
  EXPECT_EQ(run(std::move(cross_site)).status, 403);

  // Issue 16: the browser's Origin names another site: refused whatever the token.
  auto posted_from = [&](std::vector<std::pair<std::string, std::string>> headers) {
    Request r = make(Method::post, "/form");
    r.headers.add("Content-Type", "application/x-www-form-urlencoded");
    r.headers.add("Cookie", "guichet_csrf=" + token);
    for (const auto& [name, value] : headers) r.headers.add(name, value);
    r.body = "name=Ana&csrf_token=" + token;
    return run(std::move(r)).status;
  };
  for (const char* origin : {"https://evil.example", "http://guichet.test.evil.example", "not a url"}) {
    EXPECT_EQ(posted_from({{"Host", "guichet.test"}, {"Origin", origin}}), 403) << origin;
  }
  EXPECT_EQ(posted_from({{"Host", "guichet.test:8080"}, {"Origin", "http://GUICHET.test:8080"}}), 200)
      << "the host it was sent to";
  // "null" (our own no-referrer pages send it): the token and Sec-Fetch-Site decide.
  EXPECT_EQ(posted_from({{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}}), 200);
  EXPECT_EQ(posted_from({{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"}}), 403);

  Request with = make(Method::post, "/form");
  with.headers.add("Content-Type", "application/x-www-form-urlencoded");
  with.headers.add("Cookie", "guichet_csrf=" + token);
  with.body = "name=Ana&csrf_token=" + token;
  Response accepted = run(std::move(with));
  EXPECT_EQ(accepted.status, 200);
  EXPECT_EQ(accepted.body, "hello Ana");
}

TEST_F(ApplicationTest, ApiRoutesUseJsonErrorsAndNoCsrf) {
  Request post = make(Method::post, "/api/v1/things");
  post.body = "{}";
  EXPECT_EQ(run(std::move(post)).status, 201);
  Response missing = run(make(Method::get, "/api/v1/nothing"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(*missing.headers.get("Content-Type"), "application/json");
  EXPECT_NE(missing.body.find(R"("error":"not_found")"), std::string::npos);
  EXPECT_FALSE(missing.headers.has("Set-Cookie")) << "the API sets no cookies";
}

TEST_F(ApplicationTest, ExceptionsBecome500WithoutLeakingDetails) {
  Response page = run(make(Method::get, "/boom"));
  EXPECT_EQ(page.status, 500);
  EXPECT_EQ(page.body.find("secret"), std::string::npos);
  EXPECT_NE(page.body.find(last.request_id), std::string::npos) << "the request id is shown";
  Response api = run(make(Method::get, "/api/v1/boom"));
  EXPECT_EQ(api.status, 500);
  EXPECT_EQ(api.body.find("secret"), std::string::npos);
  EXPECT_NE(api.body.find(R"("error":"internal")"), std::string::npos);
}

TEST_F(ApplicationTest, WrongMethodGets405WithAllow) {
  Response response = run(make(Method::get, "/form"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(*response.headers.get("Allow"), "POST");
  Request brew = make(Method::other, "/");
  brew.method_name = "BREW";
  EXPECT_EQ(run(std::move(brew)).status, 501);
}

TEST_F(ApplicationTest, MalformedBodiesAreRefusedBeforeTheHandler) {
  Request bad = make(Method::post, "/form");
  bad.headers.add("Content-Type", "multipart/form-data; boundary=zz");
  bad.body = "--zz\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated";
  Response response = run(std::move(bad));
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("bad_multipart"), std::string::npos);

  Request utf8 = make(Method::post, "/form");
  utf8.headers.add("Content-Type", "application/x-www-form-urlencoded");
  utf8.body = "name=%FF";
  EXPECT_EQ(run(std::move(utf8)).status, 400);
}

TEST_F(ApplicationTest, ReadFailuresGoThroughTheChainAndCloseTheConnection) {
  Request r;
  Response response = app->fail(r, make_error(Errc::headers_too_large, "too large"));
  EXPECT_EQ(response.status, 431);
  EXPECT_TRUE(response.close_connection);
  EXPECT_TRUE(response.headers.has("X-Request-Id"));
}

TEST_F(ApplicationTest, MetricsCountByRouteAndStatus) {
  (void)run(make(Method::get, "/"));
  (void)run(make(Method::get, "/"));
  (void)run(make(Method::get, "/nowhere"));
  std::string text = metrics.render();
  EXPECT_NE(text.find(R"(guichet_http_requests_total{route="/",status="200"} 2)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(guichet_http_requests_total{route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(guichet_http_request_duration_seconds_bucket{route="/",status="200",le="+Inf"} 2)"),
            std::string::npos);
}

// A response settled later by another thread: what is sent is the settled status, headers and
// body, with the layers' headers (request id, security headers) it does not set itself; the
// metrics count it once, with its settled status, when it settles.
TEST_F(ApplicationTest, ALaterResponseIsSentAsSettledWithTheLayersHeadersAndCountedOnce) {
  Response returned = run(make(Method::post, "/api/v1/later"));
  ASSERT_TRUE(returned.later);
  EXPECT_EQ(metrics.render().find(R"(route="/api/v1/later")"), std::string::npos) << "not counted before it settles";
  std::thread settling([later = pending_later] {
    Response conflict = Response::json(R"({"error":"replayed_request"})", 409);
    conflict.headers.set("Cache-Control", "no-store");
    conflict.headers.set("X-Content-Type-Options", "its own");
    later->settle(std::move(conflict));
    later->settle(Response::text("a second settlement is ignored"));
  });
  Response sent = settled(std::move(returned));
  settling.join();
  EXPECT_EQ(sent.status, 409);
  EXPECT_EQ(sent.body, R"({"error":"replayed_request"})");
  EXPECT_FALSE(sent.later);
  EXPECT_EQ(sent.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(sent.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(sent.headers.get("X-Request-Id"), last.request_id) << "the request id the layers set";
  EXPECT_TRUE(sent.headers.has("Content-Security-Policy")) << "the security headers the layers set";
  EXPECT_EQ(sent.headers.get("X-Content-Type-Options"), "its own") << "a field the settled response sets is its own";
  int fields = 0;
  for (const auto& [name, value] : sent.headers.fields()) fields += iequals(name, "X-Content-Type-Options") ? 1 : 0;
  EXPECT_EQ(fields, 1);
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(guichet_http_requests_total{route="/api/v1/later",status="409"} 1)"), std::string::npos)
      << text;
  EXPECT_EQ(text.find(R"(route="/api/v1/later",status="200")"), std::string::npos) << text;
}

// Settled before anyone waits (the handler's own thread wrote the batch): the hooks and the wait
// see it at once; a 503 gets Retry-After from the observing layer.
TEST_F(ApplicationTest, ALaterResponseSettledBeforeTheLayersReturnIsReportedOnce) {
  LaterResponse later;
  later.settle(Response::json(R"({"error":"journal_unavailable"})", 503));
  int heard = 0;
  later.on_settle([&](Response& r) {
    ++heard;
    EXPECT_EQ(r.status, 503);
    r.headers.set("Retry-After", "5");
  });
  bool woken = false;
  later.when_settled([&] { woken = true; });
  EXPECT_EQ(heard, 1);
  EXPECT_TRUE(woken);
  Response layers;
  layers.headers.add("Set-Cookie", "a=1");
  layers.headers.add("Set-Cookie", "b=2");
  Response sent = later.take(layers);
  EXPECT_EQ(sent.status, 503);
  EXPECT_EQ(sent.headers.get("Retry-After"), "5");
  int cookies = 0;
  for (const auto& [name, value] : sent.headers.fields()) cookies += iequals(name, "Set-Cookie") ? 1 : 0;
  EXPECT_EQ(cookies, 2) << "every field of a repeated name the layers set";
}

}  // namespace
namespace {

Request forwarded_request(const std::string& header) {
  Request r;
  r.method = Method::get;
  r.method_name = "GET";
  r.target = "/";
  r.remote_address = "10.0.0.2";  // the proxy
  if (!header.empty()) r.headers.add("X-Forwarded-For", header);
  return r;
}

std::string seen_address(bool trust, const std::string& header) {
  Router router;
  router.get("/", [](Request& r) { return Response::text(r.remote_address); });
  Application app(std::move(router), {request_context({false, trust})}, nullptr);
  Request r = forwarded_request(header);
  auto d = app.route(r);
  return app.handle(r, d).body;
}

TEST(RequestContext, ClientAddressFromTheProxyOnlyWhenTrusted) {
  EXPECT_EQ(seen_address(false, "203.0.113.9"), "10.0.0.2") << "not trusted: the connection's address";
  EXPECT_EQ(seen_address(true, "203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(seen_address(true, "198.51.100.1, 203.0.113.9"), "203.0.113.9") << "the entry the proxy appended";
  EXPECT_EQ(seen_address(true, "2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(seen_address(true, "<script>"), "10.0.0.2") << "nonsense is ignored";
  EXPECT_EQ(seen_address(true, ""), "10.0.0.2");
}

}  // namespace
}  // namespace guichet::http
