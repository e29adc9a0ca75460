#include "support/second_factor.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "guichet/identity/second_factor.hpp"

namespace guichet::testing {

std::string enrol_second_factor(Browser& browser, Instant now) {
  http::Response page = browser.get("/account/second-factor");
  std::smatch m;
  if (!std::regex_search(page.body, m, std::regex("id=\"totp-secret\">([A-Z2-7 ]+)<"))) {
    ADD_FAILURE() << "no TOTP secret on the enrolment page";
    return "";
  }
  const std::string secret = std::regex_replace(m[1].str(), std::regex(" "), "");
  auto code = identity::totp_code(secret, now);
  if (!code) return "";
  http::Response confirmed = browser.post("/account/second-factor/confirm", {{"code", *code}});
  EXPECT_EQ(confirmed.status, 200);
  return confirmed.status == 200 ? secret : "";
}

}  // namespace guichet::testing
