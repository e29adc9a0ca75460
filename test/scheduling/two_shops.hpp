#pragma once
// A small catalogue for the scheduling tests: one administration (irn), three services (passport
// 20 min, citizen card 15 min, tax help 30 min in person or by video) and two shops open
// 09:00-12:00 on weekdays. Lisboa has counter g01 (passport, tax help) and g02 (passport, citizen
// card) and is closed on 2026-12-08; Paris has g01 (citizen card).
#include <string>

namespace guichet::scheduling::fixtures {

std::string two_shop_catalogue();

}  // namespace guichet::scheduling::fixtures
