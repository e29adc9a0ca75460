-- The catalogue's words (from every language's search_text) with how often each occurs, rebuilt
-- by each import: a search that finds nothing suggests the nearest known word from this table
-- instead of reading and splitting every service's texts again.
CREATE TABLE search_words (
  word TEXT PRIMARY KEY,
  letters INTEGER NOT NULL,      -- the word's length in bytes (folded words are ASCII)
  occurrences INTEGER NOT NULL
);
CREATE INDEX search_words_by_letters ON search_words (letters);
