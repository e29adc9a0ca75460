#pragma once
// Video appointments on Jitsi Meet. Each video booking has its own room; the link carries a JSON
// Web Token (HS256) for that room only, signed with the secret the Jitsi deployment shares with
// Guichet (its token authentication: `app_id` and `app_secret`), valid from a quarter of an hour
// before the visit until an hour after it. The agent's link makes them the room's moderator.
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"

namespace guichet::scheduling {

struct VideoConfig {
  std::string base_url;  // https://meet.example.org; empty: no video appointments
  std::string app_id;    // with the secret: rooms need a token; without: plain room links
  std::string secret;
  bool enabled() const { return !base_url.empty(); }
};

// Checks the URL and that the app id and secret come together (the secret at least 32 bytes).
Result<void> validate(const VideoConfig& config);

// A new room name: unguessable, so nobody finds a call by trying names.
std::string new_video_room();

struct VideoParticipant {
  std::string name;
  std::string email;
  bool moderator = false;
};

// The link to join `room`: base URL, room, and ?jwt= when the deployment uses tokens.
std::string video_link(const VideoConfig& config, const std::string& room, const VideoParticipant& who,
                       Instant visit_start, Instant visit_end);

}  // namespace guichet::scheduling
