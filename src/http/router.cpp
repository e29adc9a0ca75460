#include "guichet/http/router.hpp"

#include <stdexcept>

namespace guichet::http {
namespace {
std::vector<std::string> split_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  std::vector<std::string> out;
  std::string_view rest = pattern.substr(1);
  if (rest.empty()) return out;
  for (;;) {
    auto slash = rest.find('/');
    out.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// 2 for a literal match, 1 for a parameter, 0 for none: lets literal routes win.
int score(const Route& route, const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) return 0;
  int total = 1;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (is_parameter(route.segments[i])) {
      if (segments[i].empty()) return 0;
      continue;
    }
    if (route.segments[i] != segments[i]) return 0;
    total += 2;
  }
  return total;
}
}  // namespace

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  auto segments = split_pattern(pattern);
  for (const auto& existing : routes_) {
    if (existing.method == method && existing.pattern == pattern) {
      throw std::invalid_argument("route registered twice: " + pattern);
    }
  }
  routes_.push_back(Route{method, std::move(pattern), std::move(segments), options, std::move(handler)});
}

void Router::get_prefix(std::string prefix, Handler handler, RouteOptions options) {
  if (prefix.empty() || prefix.back() != '/') throw std::invalid_argument("prefix route must end with '/'");
  routes_.push_back(Route{Method::get, prefix + "*", {}, options, std::move(handler)});
  prefix_routes_.push_back(routes_.size() - 1);
}

RouteMatch Router::match(Method method, std::string_view method_name, const std::vector<std::string>& segments,
                         std::string_view path) const {
  RouteMatch result;
  if (method == Method::other) {
    result.outcome = RouteMatch::Outcome::not_implemented;
    (void)method_name;
    return result;
  }
  Method wanted = method == Method::head ? Method::get : method;

  for (std::size_t index : prefix_routes_) {
    const Route& route = routes_[index];
    std::string_view prefix = std::string_view(route.pattern).substr(0, route.pattern.size() - 1);
    if (path.starts_with(prefix) && path.size() > prefix.size()) {
      if (wanted != Method::get) {
        result.outcome = RouteMatch::Outcome::method_not_allowed;
        result.allow = "GET, HEAD";
        return result;
      }
      result.outcome = RouteMatch::Outcome::found;
      result.route = &route;
      return result;
    }
  }

  int best = 0;
  std::string allow;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (route.segments.empty() && route.pattern.ends_with('*')) continue;  // prefix routes, above
    int s = score(route, segments);
    if (s == 0) continue;
    if (route.method != wanted) {
      if (!allow.empty()) allow += ", ";
      allow += to_string(route.method);
      if (route.method == Method::get) allow += ", HEAD";
      continue;
    }
    if (s > best) {
      best = s;
      result.route = &route;
    }
  }
  if (result.route != nullptr) {
    result.outcome = RouteMatch::Outcome::found;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (is_parameter(result.route->segments[i])) {
        const std::string& name = result.route->segments[i];
        result.path_params.add(name.substr(1, name.size() - 2), segments[i]);
      }
    }
    return result;
  }
  if (!allow.empty()) {
    result.outcome = RouteMatch::Outcome::method_not_allowed;
    result.allow = std::move(allow);
  }
  return result;
}

}  // namespace guichet::http
