-- The gazetteer: towns, the postcodes they cover and where they are, so that people find the
-- nearest citizen shops by postcode or by place name. A postcode is compared on its first digits,
-- as many as postcode_from has (Portugal's four before the dash, France's five); a place may
-- cover several ranges, one row each.
CREATE TABLE places (
  id AUTO_ID,
  country TEXT NOT NULL,        -- ISO 3166 alpha-2
  name TEXT NOT NULL,
  folded_name TEXT NOT NULL,    -- catalogue::fold_for_search(name): no case, no accents
  postcode_from TEXT NOT NULL,  -- digits
  postcode_to TEXT NOT NULL CHECK (length(postcode_to) = length(postcode_from)),
  latitude DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  UNIQUE (country, name, postcode_from)
);
CREATE INDEX places_folded_name ON places (folded_name);
CREATE INDEX places_postcode ON places (postcode_from, postcode_to);
