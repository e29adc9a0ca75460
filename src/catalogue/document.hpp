#pragma once
// The catalogue document (JSON: administrations, services, shops, places, themes) and its validation; private to
// the catalogue module, shared by the import (import.cpp) and the queries (catalogue.cpp).
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"

namespace guichet::catalogue {

// The languages every text is written in, in the order pages offer them.
const std::vector<std::string>& languages();
// A refusal naming the place in the document: "services[2].texts.vi is missing".
Error invalid(const std::string& where, const std::string& what);
std::string str(const boost::json::value& v);

struct Document {
  boost::json::array administrations;
  boost::json::array services;
  boost::json::array shops;
  boost::json::array places;  // the gazetteer (optional)
  boost::json::array themes;  // themes and life events to browse by (optional)
};

// The whole document checked before anything is written: the first problem, by its place.
Result<Document> check_document(std::string_view text);

}  // namespace guichet::catalogue
