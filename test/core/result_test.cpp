#include "guichet/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace guichet {
namespace {

Result<int> parse_positive(int n) {
  if (n <= 0) return make_error(ErrorKind::invalid_input, "not_positive", "must be positive");
  return n;
}

TEST(Result, CarriesValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(bad.error().code, "not_positive");
}

TEST(Result, MovesOnlyTypes) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  auto owned = std::move(r).value();
  EXPECT_EQ(*owned, 7);
}

TEST(Result, VoidResult) {
  Result<void> ok;
  EXPECT_TRUE(ok.ok());
  Result<void> failed = make_error(ErrorKind::conflict, "taken", "already taken");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(to_string(failed.error().kind), "conflict");
}

}  // namespace
}  // namespace guichet
