#pragma once
// What the exchange module's pages share (private to the module).
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/exchange/web.hpp"
#include "guichet/identity/roles.hpp"

namespace guichet::exchange {

// An attribute's name in the reader's language (`exchange_attribute_<name>`), else as it is.
inline std::string attribute_label(const ExchangeWebContext& ctx, std::string_view lang, const std::string& name) {
  const std::string key = "exchange_attribute_" + name;
  const std::string& text = ctx.catalog->text(lang, key);
  return text == key ? name : text;
}

inline std::string joined_labels(const ExchangeWebContext& ctx, std::string_view lang,
                                 const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += attribute_label(ctx, lang, n);
  }
  return out;
}

// A benefit's name in the reader's language, else in English, else `fallback`.
inline std::string benefit_name(const std::map<std::string, std::string>& names, std::string_view lang,
                                const std::string& fallback) {
  auto name = names.find(std::string(lang));
  if (name == names.end()) name = names.find("en");
  return name != names.end() ? name->second : fallback;
}

inline bool audits_exchanges(const std::vector<identity::RoleGrant>& roles) {
  return std::any_of(roles.begin(), roles.end(), [](const identity::RoleGrant& g) {
    return g.role == identity::Role::platform_admin || g.role == identity::Role::administration_admin;
  });
}

}  // namespace guichet::exchange
