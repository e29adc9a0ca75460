#pragma once
// Lists of attribute names as the exchange's tables keep them: a JSON array of strings.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace guichet::exchange {

inline boost::json::array names_array(const std::vector<std::string>& names) {
  boost::json::array out;
  for (const std::string& n : names) out.emplace_back(n);
  return out;
}

inline std::string names_json(const std::vector<std::string>& names) {
  return boost::json::serialize(names_array(names));
}

// The strings of a stored JSON array (anything else reads as an empty list).
inline std::vector<std::string> names_of(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const boost::json::value& item : v.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

}  // namespace guichet::exchange
