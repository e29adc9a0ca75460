#include "guichet/scheduling/video.hpp"

#include <boost/json.hpp>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/scheduling/errors.hpp"

namespace guichet::scheduling {
namespace {

std::int64_t unix_seconds(Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Result<void> validate(const VideoConfig& config) {
  auto bad = [](const char* message) { return make_error(Errc::bad_video_config, message); };
  if (config.base_url.empty()) {
    if (!config.app_id.empty() || !config.secret.empty()) return bad("--jitsi-app-id needs --jitsi-url");
    return {};
  }
  if (!config.base_url.starts_with("https://") && !config.base_url.starts_with("http://localhost") &&
      !config.base_url.starts_with("http://127.0.0.1")) {
    return bad("--jitsi-url must be an https:// URL");
  }
  if (http::url_host(config.base_url).empty()) return bad("--jitsi-url has no host");
  if (config.app_id.empty() != config.secret.empty()) return bad("--jitsi-app-id and --jitsi-secret go together");
  if (!config.secret.empty() && config.secret.size() < 32) return bad("--jitsi-secret must be at least 32 bytes");
  return {};
}

std::string new_video_room() { return "guichet-" + random_hex(16); }

std::string video_link(const VideoConfig& config, const std::string& room, const VideoParticipant& who,
                       Instant visit_start, Instant visit_end) {
  std::string base = config.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string link = base + "/" + room;
  if (config.secret.empty()) return link;
  namespace json = boost::json;
  const std::string header = base64url(R"({"alg":"HS256","typ":"JWT"})");
  json::object user{{"name", who.name}, {"email", who.email}, {"moderator", who.moderator}};
  json::object claims{{"aud", "jitsi"},
                      {"iss", config.app_id},
                      {"sub", http::url_host(config.base_url)},
                      {"room", room},
                      {"nbf", unix_seconds(visit_start - std::chrono::minutes(15))},
                      {"exp", unix_seconds(visit_end + std::chrono::hours(1))},
                      {"context", json::object{{"user", user}}}};
  const std::string signing_input = header + "." + base64url(json::serialize(claims));
  return link + "?jwt=" + signing_input + "." + base64url(hmac_sha256(config.secret, signing_input));
}

}  // namespace guichet::scheduling
