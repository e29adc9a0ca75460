// Every module's error codes, checked together: wire names unique within a module, every message
// key a text in every language, and each kind's HTTP status the one http_status gives.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "guichet/app/errors.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/core/errors.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/http/errors.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/jobs/errors.hpp"
#include "guichet/oidc/errors.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/storage/errors.hpp"

namespace guichet {
namespace {

std::vector<const ErrorDomain*> all_domains() {
  return {&error_domain(CoreErrc{}),        &error_domain(storage::Errc{}),    &error_domain(http::Errc{}),
          &error_domain(jobs::Errc{}),      &error_domain(identity::Errc{}),   &error_domain(oidc::Errc{}),
          &error_domain(catalogue::Errc{}), &error_domain(scheduling::Errc{}), &error_domain(app::Errc{}),
          &error_domain(documents::Errc{}), &error_domain(procedures::Errc{})};
}

TEST(ErrorCodes, WireNamesAreUniqueWithinEachModule) {
  std::set<std::string_view> modules;
  for (const ErrorDomain* domain : all_domains()) {
    EXPECT_TRUE(modules.insert(domain->module).second) << domain->module;
    std::set<std::string_view> names;
    for (const ErrorCodeInfo& info : domain->codes) {
      EXPECT_TRUE(names.insert(info.name).second) << domain->module << "." << info.name;
      EXPECT_FALSE(info.name.empty());
    }
  }
}

TEST(ErrorCodes, EveryMessageKeyIsTranslatedInEveryLanguage) {
  auto catalog =
      http::Catalog::load(std::filesystem::path(GUICHET_TEST_WEB_ROOT) / "i18n", {"fr", "pt", "vi", "en"}, "en");
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  int keys = 0;
  for (const ErrorDomain* domain : all_domains()) {
    for (const ErrorCodeInfo& info : domain->codes) {
      if (info.message_key.empty()) continue;
      ++keys;
      for (const std::string& lang : catalog->languages()) {
        EXPECT_TRUE(catalog->messages(lang).contains(info.message_key))
            << domain->module << "." << info.name << ": no " << lang << " text for " << info.message_key;
      }
    }
  }
  EXPECT_GT(keys, 10);
}

TEST(ErrorCodes, AnErrorTakesItsCodesKind) {
  Error error = make_error(identity::Errc::sign_in_throttled, "too many attempts");
  EXPECT_EQ(error.kind, ErrorKind::rate_limited);
  EXPECT_TRUE(error.code == identity::Errc::sign_in_throttled);
  EXPECT_FALSE(error.code == scheduling::Errc::no_such_user) << "same name, another module";
  EXPECT_FALSE(ErrorCode(identity::Errc::no_such_user) == ErrorCode(scheduling::Errc::no_such_user));
}

}  // namespace
}  // namespace guichet
