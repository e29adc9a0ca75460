-- Counters (desks) in each shop with the services each can serve, the days a shop is closed
-- (closures, public holidays), and counter absences (catalogue and scheduling modules).
CREATE TABLE counters (
  id AUTO_ID,
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  UNIQUE (shop_id, code)
);

CREATE TABLE counter_services (
  counter_id BIGINT NOT NULL REFERENCES counters (id) ON DELETE CASCADE,
  service_id BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  PRIMARY KEY (counter_id, service_id)
);

CREATE TABLE shop_closures (
  shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
  day TEXT NOT NULL,                        -- local date, YYYY-MM-DD
  PRIMARY KEY (shop_id, day)
);

CREATE TABLE counter_absences (
  id AUTO_ID,
  counter_id BIGINT NOT NULL REFERENCES counters (id) ON DELETE CASCADE,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX counter_absences_counter ON counter_absences (counter_id, starts_at);
