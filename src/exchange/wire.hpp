#pragma once
// Reading and writing the signed messages' JSON members, shared by the exchanges and the access
// reports (private to the exchange module).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "guichet/core/clock.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/exchange/entitlements.hpp"
#include "guichet/oidc/jose.hpp"

namespace guichet::exchange {

inline std::string hash_of(std::string_view compact) { return base64url(sha256_bytes(compact)); }

inline std::string signature_of(std::string_view compact) {
  const auto dot = compact.rfind('.');
  return dot == std::string_view::npos ? std::string() : std::string(compact.substr(dot + 1));
}

inline std::int64_t seconds_of(Instant t) { return to_unix_micros(t) / 1000000; }

inline std::optional<std::string> text_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

inline std::optional<std::int64_t> int_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

// The attributes a request names: a list of distinct names, at most 50.
inline std::optional<std::vector<std::string>> attribute_list(const boost::json::object& o) {
  const boost::json::value* v = o.if_contains("attributes");
  if (v == nullptr || !v->is_array() || v->as_array().empty() || v->as_array().size() > 50) return std::nullopt;
  std::vector<std::string> out;
  for (const boost::json::value& item : v->as_array()) {
    if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 64) return std::nullopt;
    out.emplace_back(item.as_string());
  }
  std::set<std::string> distinct(out.begin(), out.end());
  if (distinct.size() != out.size()) return std::nullopt;
  return out;
}

inline std::optional<LegalBasis> legal_basis_of(const boost::json::object& o) {
  const boost::json::value* v = o.if_contains("legal_basis");
  if (v == nullptr || !v->is_object()) return std::nullopt;
  auto kind = text_member(v->as_object(), "kind");
  auto reference = text_member(v->as_object(), "reference");
  if (!kind || !reference || reference->empty() || reference->size() > 300) return std::nullopt;
  auto parsed = parse_legal_basis_kind(*kind);
  if (!parsed) return std::nullopt;
  return LegalBasis{*parsed, *reference};
}

inline boost::json::object legal_basis_json(const LegalBasis& basis) {
  return boost::json::object{{"kind", std::string(to_string(basis.kind))}, {"reference", basis.reference}};
}

}  // namespace guichet::exchange
