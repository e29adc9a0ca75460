#include "guichet/http/router.hpp"

#include <gtest/gtest.h>

namespace guichet::http {
namespace {

Handler named(std::string name) {
  return [name](Request&) { return Response::text(name); };
}

RouteMatch find(const Router& router, Method method, const std::vector<std::string>& segments,
                const std::string& path) {
  return router.match(method, to_string(method), segments, path);
}

TEST(Router, MatchesLiteralsBeforeParameters) {
  Router router;
  router.get("/bookings/{reference}", named("one"));
  router.get("/bookings/new", named("new"));
  router.post("/bookings", named("create"));
  auto literal = find(router, Method::get, {"bookings", "new"}, "/bookings/new");
  ASSERT_EQ(literal.outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(literal.route->pattern, "/bookings/new");
  auto param = find(router, Method::get, {"bookings", "ABC-123"}, "/bookings/ABC-123");
  ASSERT_EQ(param.outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(*param.path_params.get("reference"), "ABC-123");
}

TEST(Router, DistinguishesNotFoundMethodNotAllowedAndUnknownMethods) {
  Router router;
  router.get("/", named("home"));
  router.post("/form", named("post"));
  EXPECT_EQ(find(router, Method::get, {"nope"}, "/nope").outcome, RouteMatch::Outcome::not_found);
  auto wrong = find(router, Method::get, {"form"}, "/form");
  EXPECT_EQ(wrong.outcome, RouteMatch::Outcome::method_not_allowed);
  EXPECT_EQ(wrong.allow, "POST");
  EXPECT_EQ(router.match(Method::other, "BREW", {}, "/").outcome, RouteMatch::Outcome::not_implemented);
  EXPECT_EQ(find(router, Method::head, {}, "/").outcome, RouteMatch::Outcome::found) << "HEAD is served by GET routes";
}

TEST(Router, PrefixRoutesTakeEverythingBelow) {
  Router router;
  router.get_prefix("/static/", named("static"));
  EXPECT_EQ(find(router, Method::get, {"static", "a", "b.css"}, "/static/a/b.css").outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(find(router, Method::post, {"static", "x"}, "/static/x").outcome, RouteMatch::Outcome::method_not_allowed);
  EXPECT_EQ(find(router, Method::get, {"static", ""}, "/static/").outcome, RouteMatch::Outcome::not_found);
}

TEST(Router, EmptyParameterDoesNotMatch) {
  Router router;
  router.get("/items/{id}", named("item"));
  EXPECT_EQ(find(router, Method::get, {"items", ""}, "/items/").outcome, RouteMatch::Outcome::not_found);
}

TEST(Router, RefusesDuplicateRoutes) {
  Router router;
  router.get("/a", named("a"));
  EXPECT_THROW(router.get("/a", named("b")), std::invalid_argument);
  EXPECT_THROW(router.get("relative", named("c")), std::invalid_argument);
}

}  // namespace
}  // namespace guichet::http
