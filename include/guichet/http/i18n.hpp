#pragma once
// Translations: one flat JSON file of messages per language in <web-root>/i18n/. Every language
// must define exactly the same keys, or start-up fails naming the difference.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/http/application.hpp"

namespace guichet::http {

class Catalog {
 public:
  // `languages` in the order the language switcher shows them; the first one not in
  // `default_language` is never assumed.
  static Result<Catalog> load(const std::filesystem::path& directory, std::vector<std::string> languages,
                              std::string default_language);

  const std::vector<std::string>& languages() const { return languages_; }
  const std::string& default_language() const { return default_language_; }
  bool supports(std::string_view lang) const;
  // The message, or the key itself when missing (never happens once load() succeeded).
  const std::string& text(std::string_view lang, std::string_view key) const;
  const std::map<std::string, std::string, std::less<>>& messages(std::string_view lang) const;

  // Cookie `lang`, then Accept-Language (RFC 9110 quality values, primary subtags), then default.
  std::string negotiate(const Request& request) const;

 private:
  std::vector<std::string> languages_;
  std::string default_language_;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> messages_;
};

// Best supported language for an Accept-Language header, or empty.
std::string match_accept_language(std::string_view header, const std::vector<std::string>& supported);

inline constexpr std::string_view kLanguageCookie = "guichet_lang";

// Sets Request::lang on page routes and adds Content-Language.
Middleware language(const Catalog& catalog);

}  // namespace guichet::http
