#pragma once
// Staff pages need a session that proved a second factor: enrols the signed-in browser's account
// in TOTP through the pages, as a person would, and returns the secret ("" when it failed).
#include <string>

#include "guichet/core/clock.hpp"
#include "support/mini_browser.hpp"

namespace guichet::testing {

std::string enrol_second_factor(Browser& browser, Instant now);

}  // namespace guichet::testing
