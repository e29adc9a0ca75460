// Video appointments: the configuration, the room token a Jitsi deployment checks, and booking by
// video through the API (only for services offered by video).
#include "guichet/scheduling/video.hpp"
#include "guichet/core/encoding.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/storage/migrations.hpp"
#include "scheduling/two_shops.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::scheduling {
namespace {
namespace json = boost::json;

const std::string kSecret = "a shared secret of thirty-two bytes or more";

std::string decode(const std::string& part) {
  std::string out(part.size(), '\0');
  std::size_t length = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), part.c_str(), part.size(),
                              nullptr, &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  out.resize(length);
  return out;
}

TEST(Video, ConfigurationIsChecked) {
  EXPECT_TRUE(validate(VideoConfig{}).ok()) << "no video";
  EXPECT_TRUE(validate(VideoConfig{"https://meet.example.org", "", ""}).ok()) << "plain room links";
  EXPECT_TRUE(validate(VideoConfig{"https://meet.example.org", "guichet", kSecret}).ok());
  EXPECT_FALSE(validate(VideoConfig{"ftp://meet.example.org", "", ""}).ok());
  EXPECT_FALSE(validate(VideoConfig{"http://meet.example.org", "", ""}).ok()) << "https only off loopback";
  EXPECT_FALSE(validate(VideoConfig{"https://meet.example.org", "guichet", ""}).ok());
  EXPECT_FALSE(validate(VideoConfig{"https://meet.example.org", "guichet", "short"}).ok());
  EXPECT_FALSE(validate(VideoConfig{"", "guichet", kSecret}).ok());
}

TEST(Video, TheLinkCarriesATokenForThatRoomOnly) {
  const std::string room = new_video_room();
  EXPECT_EQ(room.size(), 8U + 32U);
  EXPECT_NE(room, new_video_room());
  const Instant start = *parse_rfc3339("2026-12-07T09:00:00Z");
  const Instant end = *parse_rfc3339("2026-12-07T09:30:00Z");
  EXPECT_EQ(video_link(VideoConfig{"https://meet.example.org/", "", ""}, room, {}, start, end),
            "https://meet.example.org/" + room);

  const std::string link = video_link(VideoConfig{"https://meet.example.org", "guichet", kSecret}, room,
                                      {"Rita", "rita@example.org", true}, start, end);
  const std::string prefix = "https://meet.example.org/" + room + "?jwt=";
  ASSERT_TRUE(link.starts_with(prefix)) << link;
  const std::string token = link.substr(prefix.size());
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(json::parse(decode(token.substr(0, first))), json::parse(R"({"alg":"HS256","typ":"JWT"})"));
  json::value claims = json::parse(decode(token.substr(first + 1, second - first - 1)));
  EXPECT_EQ(claims.at("iss").as_string(), "guichet");
  EXPECT_EQ(claims.at("aud").as_string(), "jitsi");
  EXPECT_EQ(claims.at("sub").as_string(), "meet.example.org");
  EXPECT_EQ(claims.at("room").as_string(), room);
  EXPECT_EQ(claims.at("nbf").as_int64(), 1796634000 - 15 * 60);
  EXPECT_EQ(claims.at("exp").as_int64(), 1796634000 + 30 * 60 + 3600);
  EXPECT_TRUE(claims.at("context").at("user").at("moderator").as_bool());
  EXPECT_EQ(token.substr(second + 1), base64url(hmac_sha256(kSecret, token.substr(0, second))))
      << "HS256 over header.claims with the shared secret";
}

class VideoBookingTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    id = fixtures::load_two_shops(db(), clock).id;
  }
  storage::Database& db() { return database->db(); }
  std::unique_ptr<app::Site> site_with(VideoConfig video) {
    app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
    options.video = std::move(video);
    auto loaded = app::Site::load(options, db(), clock);
    EXPECT_TRUE(loaded.ok());
    return std::move(loaded).value();
  }
  std::string token() {
    auto user = identity::account_for_caller(db(), "ana@example.org", "test", clock);
    return *oidc::issue_operator_token(db(), user->id, {"appointments"}, std::chrono::hours(1), clock);
  }
  http::Response book(app::Site& site, const std::string& bearer, const std::string& service, bool video,
                      const std::string& start = "2026-12-07T09:00:00Z") {
    testing::Browser api(site.application());
    std::string body = R"({"shop":)" + std::to_string(id["lisboa"]) + R"(,"start":")" + start + R"(","services":[)" +
                       std::to_string(id[service]) + "]" + (video ? R"(,"video":true)" : "") + "}";
    return api.send(http::Method::post, "/api/v1/bookings", body,
                    {{"Authorization", "Bearer " + bearer}, {"Content-Type", "application/json"}});
  }

  FakeClock clock{*parse_rfc3339("2026-12-01T00:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database;
  std::map<std::string, std::int64_t> id;
};

TEST_P(VideoBookingTest, AVideoBookingCarriesItsRoomLink) {
  const std::string bearer = token();
  auto without = site_with({});
  auto refused = book(*without, bearer, "tax-help", true);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("video_unavailable"), std::string::npos);

  auto site = site_with({"https://meet.example.org", "guichet", kSecret});
  auto not_by_video = book(*site, bearer, "passport", true);
  EXPECT_EQ(not_by_video.status, 400);
  EXPECT_NE(not_by_video.body.find("not_by_video"), std::string::npos);

  auto booked = book(*site, bearer, "tax-help", true);
  ASSERT_EQ(booked.status, 201) << booked.body;
  json::value body = json::parse(booked.body);
  std::string url(body.at("video_url").as_string());
  EXPECT_TRUE(url.starts_with("https://meet.example.org/guichet-")) << url;
  EXPECT_NE(url.find("?jwt="), std::string::npos);
  auto stored = find_booking(db(), std::string(body.at("reference").as_string()));
  ASSERT_TRUE((*stored)->video_room.has_value());
  EXPECT_NE(url.find(*(*stored)->video_room), std::string::npos);

  auto same_hour = book(*site, bearer, "passport", false);
  EXPECT_EQ(same_hour.status, 409) << "one person, one visit at a time";
  EXPECT_NE(same_hour.body.find("overlapping_booking"), std::string::npos);
  auto in_person = book(*site, bearer, "passport", false, "2026-12-07T10:00:00Z");
  ASSERT_EQ(in_person.status, 201) << in_person.body;
  EXPECT_FALSE(json::parse(in_person.body).as_object().contains("video_url"));
}

INSTANTIATE_TEST_SUITE_P(Backends, VideoBookingTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::scheduling
