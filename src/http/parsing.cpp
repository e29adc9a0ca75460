#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "guichet/core/utf8.hpp"
#include "guichet/http/errors.hpp"
#include "guichet/http/parsing.hpp"

namespace guichet::http {

Method parse_method(std::string_view name) {
  if (name == "GET") return Method::get;
  if (name == "HEAD") return Method::head;
  if (name == "POST") return Method::post;
  if (name == "PUT") return Method::put;
  if (name == "PATCH") return Method::patch;
  if (name == "DELETE") return Method::del;
  if (name == "OPTIONS") return Method::options;
  return Method::other;
}

std::string_view to_string(Method method) {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
    case Method::other:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> Params::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Params::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : items_) {
    if (k == name) out.emplace_back(v);
  }
  return out;
}

Result<Params> parse_urlencoded(std::string_view text) {
  Params params;
  if (text.empty()) return params;
  // Boost.URL 1.81's parse_query rebuilds its view with strlen(text.data()) (it passes a
  // pointer where a string_view is expected), reading past a buffer that is not NUL-terminated.
  // Found by fuzz/fuzz_request.cpp. A NUL-terminated copy makes that strlen exact: a raw NUL
  // never passes the query grammar, so no accepted input ends early.
  const std::string terminated(text);
  auto parsed = boost::urls::parse_query(terminated);
  if (!parsed) {
    return make_error(Errc::bad_encoding, "the query or form is not validly percent-encoded");
  }
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto param : *parsed) {
    std::string key = param.key.decode(opts);
    std::string value = param.has_value ? param.value.decode(opts) : std::string();
    if (key.empty() && value.empty()) continue;  // "a=1&&b=2"
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
      return make_error(Errc::invalid_utf8, "the query or form contains text that is not valid UTF-8");
    }
    params.add(std::move(key), std::move(value));
  }
  return params;
}

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
}  // namespace

void parse_cookie_header(std::string_view header, Params& into) {
  while (!header.empty()) {
    auto end = header.find(';');
    std::string_view pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view name = trim(pair.substr(0, eq));
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (name.empty() || !is_valid_utf8(value)) continue;
    into.add(std::string(name), std::string(value));
  }
}

std::optional<MediaType> parse_media_type(std::string_view header) {
  MediaType media;
  auto semicolon = header.find(';');
  std::string_view type = trim(header.substr(0, semicolon));
  auto slash = type.find('/');
  if (type.empty() || slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) return std::nullopt;
  for (char c : type) {
    if (c != '/' && !is_token_char(c)) return std::nullopt;
  }
  media.type = lowercase(type);
  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
  while (!rest.empty()) {
    rest = trim(rest);
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name = lowercase(trim(rest.substr(0, eq)));
    if (name.empty()) return std::nullopt;
    rest = trim(rest.substr(eq + 1));
    std::string value;
    if (!rest.empty() && rest.front() == '"') {  // quoted-string with backslash escapes
      std::size_t i = 1;
      bool closed = false;
      for (; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
          value += rest[++i];
        } else if (rest[i] == '"') {
          closed = true;
          break;
        } else {
          value += rest[i];
        }
      }
      if (!closed) return std::nullopt;
      rest = rest.substr(i + 1);
      auto next = rest.find(';');
      if (!trim(rest.substr(0, next)).empty()) return std::nullopt;
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    } else {
      auto next = rest.find(';');
      value = std::string(trim(rest.substr(0, next)));
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    }
    media.parameters.add(std::move(name), std::move(value));
  }
  return media;
}

std::string url_encode(std::string_view text) { return boost::urls::encode(text, boost::urls::unreserved_chars); }

std::string url_host(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return {};
  return std::string(parsed->encoded_host());
}

}  // namespace guichet::http
