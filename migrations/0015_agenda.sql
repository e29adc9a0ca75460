-- The agents' side of scheduling. `agent_shops`: the citizen shops each agent works at; an agent
-- sees the agenda of those shops for the services of the administrations their roles name.
-- Bookings remember who marked them arrived or absent, and when, and a video call's room.
CREATE TABLE agent_shops (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  assigned_at BIGINT NOT NULL,
  assigned_by TEXT NOT NULL,
  PRIMARY KEY (user_id, shop_id)
);
CREATE INDEX agent_shops_shop ON agent_shops (shop_id);

ALTER TABLE bookings ADD COLUMN marked_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE bookings ADD COLUMN marked_at BIGINT;
ALTER TABLE counter_absences ADD COLUMN created_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- A video appointment's Jitsi Meet room (NULL for a visit in person).
ALTER TABLE bookings ADD COLUMN video_room TEXT;
