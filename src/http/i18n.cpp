#include "guichet/http/i18n.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include "guichet/http/errors.hpp"

namespace guichet::http {

Result<Catalog> Catalog::load(const std::filesystem::path& directory, std::vector<std::string> languages,
                              std::string default_language) {
  Catalog catalog;
  if (std::find(languages.begin(), languages.end(), default_language) == languages.end()) {
    return make_error(Errc::bad_language,
                      "the default language '" + default_language + "' is not one of the supported languages");
  }
  for (const auto& lang : languages) {
    auto path = directory / (lang + ".json");
    std::ifstream in(path);
    if (!in) return make_error(Errc::missing_translation, "cannot read " + path.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    boost::system::error_code ec;
    auto parsed = boost::json::parse(buffer.str(), ec);
    if (ec || !parsed.is_object()) {
      return make_error(Errc::bad_translation, path.string() + " is not a JSON object: " + ec.message());
    }
    auto& messages = catalog.messages_[lang];
    for (const auto& [key, value] : parsed.as_object()) {
      if (!value.is_string()) {
        return make_error(Errc::bad_translation, path.string() + ": '" + std::string(key) + "' is not a string");
      }
      messages.emplace(std::string(key), std::string(value.as_string()));
    }
  }
  const auto& reference = catalog.messages_[languages.front()];
  for (const auto& lang : languages) {
    const auto& messages = catalog.messages_[lang];
    for (const auto& [key, _] : reference) {
      if (!messages.contains(key)) {
        return make_error(Errc::missing_translation, lang + ".json lacks the message '" + key + "'");
      }
    }
    for (const auto& [key, _] : messages) {
      if (!reference.contains(key)) {
        return make_error(Errc::missing_translation, languages.front() + ".json lacks the message '" + key + "'");
      }
    }
  }
  catalog.languages_ = std::move(languages);
  catalog.default_language_ = std::move(default_language);
  return catalog;
}

bool Catalog::supports(std::string_view lang) const {
  return std::find(languages_.begin(), languages_.end(), lang) != languages_.end();
}

const std::map<std::string, std::string, std::less<>>& Catalog::messages(std::string_view lang) const {
  auto it = messages_.find(lang);
  if (it == messages_.end()) it = messages_.find(default_language_);
  return it->second;
}

const std::string& Catalog::text(std::string_view lang, std::string_view key) const {
  static const std::string missing = "?";
  const auto& m = messages(lang);
  auto it = m.find(key);
  return it == m.end() ? missing : it->second;
}

std::string match_accept_language(std::string_view header, const std::vector<std::string>& supported) {
  std::string best;
  double best_quality = 0.0;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    double quality = 1.0;
    if (auto semicolon = item.find(';'); semicolon != std::string_view::npos) {
      std::string_view parameter = item.substr(semicolon + 1);
      item = item.substr(0, semicolon);
      while (!parameter.empty() && parameter.front() == ' ') parameter.remove_prefix(1);
      if (parameter.starts_with("q=")) {
        try {
          quality = std::stod(std::string(parameter.substr(2)));
        } catch (...) {
          quality = 0.0;
        }
      }
    }
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    std::string primary(item.substr(0, item.find('-')));
    for (char& c : primary) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (quality <= best_quality || quality > 1.0) continue;
    if (std::find(supported.begin(), supported.end(), primary) != supported.end()) {
      best = primary;
      best_quality = quality;
    }
  }
  return best;
}

std::string Catalog::negotiate(const Request& request) const {
  // OpenID Connect's ui_locales (space-separated BCP 47 tags, in order of preference) names the
  // language the person was just using at the relying party; it decides the sign-in and consent
  // pages it leads to, ahead of a choice remembered here.
  if (auto ui_locales = request.query.get("ui_locales"); ui_locales && ui_locales->size() <= 256) {
    std::string as_accept_language(*ui_locales);
    std::replace(as_accept_language.begin(), as_accept_language.end(), ' ', ',');
    if (auto matched = match_accept_language(as_accept_language, languages_); !matched.empty()) return matched;
  }
  if (auto chosen = request.cookies.get(kLanguageCookie); chosen && supports(*chosen)) return std::string(*chosen);
  if (auto header = request.header("Accept-Language")) {
    if (auto matched = match_accept_language(*header, languages_); !matched.empty()) return matched;
  }
  return default_language_;
}

Middleware language(const Catalog& catalog) {
  return [&catalog](const Route& route, Handler next) -> Handler {
    if (route.options.kind != RouteKind::page) return next;
    return [&catalog, next = std::move(next)](Request& request) {
      request.lang = catalog.negotiate(request);
      Response response = next(request);
      response.headers.set("Content-Language", request.lang);
      response.headers.set("Vary", "Accept-Language, Cookie");
      return response;
    };
  };
}

}  // namespace guichet::http
