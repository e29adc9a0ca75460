#include "guichet/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace guichet {
namespace {

// A module's codes, as a module declares them in its errors.def.
enum class TestErrc { not_positive, taken };

const ErrorDomain& error_domain(TestErrc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {{"not_positive", ErrorKind::invalid_input, "error_not_positive"},
                                             {"taken", ErrorKind::conflict, ""}};
  static constexpr ErrorDomain kDomain{"test", kCodes};
  return kDomain;
}

enum class OtherErrc { not_positive };

const ErrorDomain& error_domain(OtherErrc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {{"not_positive", ErrorKind::invalid_input, ""}};
  static constexpr ErrorDomain kDomain{"other", kCodes};
  return kDomain;
}

Result<int> parse_positive(int n) {
  if (n <= 0) return make_error(TestErrc::not_positive, "must be positive");
  return n;
}

TEST(Result, CarriesValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(bad.error().code.name(), "not_positive");
  EXPECT_EQ(bad.error().code.message_key(), "error_not_positive");
  EXPECT_EQ(bad.error().code.module(), "test");
}

TEST(Result, CodesCompareByModuleAndValueNeverByName) {
  ErrorCode code = TestErrc::not_positive;
  EXPECT_TRUE(code == TestErrc::not_positive);
  EXPECT_FALSE(code == TestErrc::taken);
  EXPECT_FALSE(code == OtherErrc::not_positive) << "the same wire name in another module is another code";
  EXPECT_EQ(ErrorCode().name(), "internal");
  EXPECT_EQ(ErrorCode().kind(), ErrorKind::internal);
}

TEST(Result, MovesOnlyTypes) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  auto owned = std::move(r).value();
  EXPECT_EQ(*owned, 7);
}

TEST(Result, VoidResult) {
  Result<void> ok;
  EXPECT_TRUE(ok.ok());
  Result<void> failed = make_error(TestErrc::taken, "already taken");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(to_string(failed.error().kind), "conflict");
}

}  // namespace
}  // namespace guichet
