-- The home page's popular services: the most booked over the last weeks first (bookings by their
-- creation time), then those the catalogue's editors feature, by rank (NULL: not featured).
ALTER TABLE services ADD COLUMN featured INTEGER;
CREATE INDEX bookings_created ON bookings (created_at);
