-- A visit an agent books for someone who phoned or came to the desk: their name and phone number,
-- so the agenda says whom to expect and a caller with no e-mail address (no account) can be
-- booked at all. A booking has an account (user_id), a caller's phone, or both.
ALTER TABLE bookings ADD COLUMN caller_name TEXT;
ALTER TABLE bookings ADD COLUMN caller_phone TEXT;  -- E.164

-- A caller's coming visits (the overlap check and the per-person limits for callers without an
-- account).
CREATE INDEX bookings_caller_phone ON bookings (caller_phone, starts_at);
