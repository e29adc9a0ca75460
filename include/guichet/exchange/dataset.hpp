#pragma once
// A registry's dataset: attributes an administration publishes about people (reference income,
// household parts, student status...), each keyed by the person's national identification number
// ("PT:123456789", identity/verification.hpp). The description says each attribute's type and
// meaning; the records come from the administration's own CSV extract, imported as a whole new
// version that becomes current in one statement.
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::exchange {

// text; integer; decimal; amount (cents, written "1234.56" in the extract); boolean (true/false,
// 1/0); date (YYYY-MM-DD); list (values separated by ";", each non-empty text).
enum class AttributeType { text, integer, decimal, amount, boolean, date, list };
std::string_view to_string(AttributeType type);
std::optional<AttributeType> parse_attribute_type(std::string_view text);

struct Attribute {
  std::string name;  // [a-z][a-z0-9_]*, at most 64
  AttributeType type = AttributeType::text;
  std::map<std::string, std::string> meaning;  // by language: what it is, for people and auditors
};

// A dataset an administration serves from its existing HTTP API rather than from an extract: each
// request for a person is a GET of `url` ({person}: the number alone; {national_id}: with its
// country, "PT:123456789"), with `headers` (a value may name an environment variable of the
// registry process as ${NAME}, so a secret stays out of files and the database), and each
// attribute read at a JSON pointer of the answer. 404 means the administration does not know the
// person. docs/EXCHANGE.md, "Connectors".
struct Connector {
  std::string url;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> values;  // attribute -> JSON pointer ("/income/reference")
  int timeout_ms = 3000;
};

struct DatasetDescription {
  std::string name;                          // the node's dataset, such as "at" or "ss"
  std::map<std::string, std::string> title;  // the administration that holds it, by language
  std::string country;                       // whose national identification numbers key it
  std::vector<Attribute> attributes;
  std::optional<Connector> connector;
  const Attribute* find(std::string_view attribute) const;
};
// {"dataset": "at", "title": {"en": ...}, "country": "PT", "attributes": [{"name", "type",
// "meaning": {"en": ...}}]}; every problem named by its JSON path (Errc::bad_description).
Result<DatasetDescription> parse_description(std::string_view json);
std::string to_json(const DatasetDescription& description);

// An attribute's value read from the extract's text: typed JSON, or a message saying why not.
Result<boost::json::value> parse_value(const Attribute& attribute, std::string_view text);

struct ImportProgress {
  std::int64_t records = 0;
  std::int64_t bytes_read = 0;
  std::int64_t total_bytes = 0;  // 0 when unknown
};
struct ImportReport {
  std::int64_t version = 0;
  std::int64_t records = 0;
  bool unchanged = false;  // the same extract (by SHA-256) is already current: nothing written
};
struct ImportOptions {
  std::int64_t total_bytes = 0;
  std::function<void(const ImportProgress&)> progress;  // called every `progress_every` records
  std::int64_t progress_every = 10000;
  std::size_t max_problems = 20;        // listed in the error, each "line N: ..."
  std::size_t chunk_bytes = 64 * 1024;  // how much is read and parsed at a time (tests vary it)
};

// Reads the extract (a header `person_id,<attribute>,...` naming attributes of the description,
// then one row per person), checking every row. Rows go into a new version in batches; when the
// whole extract is good, one transaction makes it current and removes older versions. With any
// bad row nothing becomes current and the partial version is removed: Errc::bad_extract lists the
// first problems with their line numbers. The description is stored (or replaced) with it.
Result<ImportReport> import_extract(storage::Database& db, const DatasetDescription& description, std::istream& extract,
                                    const Clock& clock, const ImportOptions& options = {});

// Registers a connector's dataset (its description), current at once; no records are kept.
Result<void> register_connector(storage::Database& db, const DatasetDescription& description, const Clock& clock);

// The record the administration's API gives for one person (nullopt on 404), each asked attribute
// read at its pointer and checked by its type. Errc::peer_unreachable when the API does not answer
// well. `get` does the request (the node's transport).
using ConnectorGet = std::function<Result<std::pair<int, std::string>>(
    const std::string& url, const std::vector<std::string>& headers, int timeout_ms)>;
Result<std::optional<boost::json::object>> connector_record(const Connector& connector, std::string_view person_id,
                                                            const std::vector<std::string>& attributes,
                                                            const DatasetDescription& description,
                                                            const ConnectorGet& get);

// The current record of one person, nullopt when the dataset has none. On the caller's connection.
Result<std::optional<boost::json::object>> current_record(storage::Connection& c, std::string_view dataset,
                                                          std::string_view person_id);
// The stored description of a dataset this node serves, nullopt when none was imported.
Result<std::optional<DatasetDescription>> stored_description(storage::Connection& c, std::string_view dataset);
struct DatasetStatus {
  std::string name;
  std::int64_t version = 0;
  std::int64_t records = 0;
  Instant imported_at;
};
Result<std::vector<DatasetStatus>> datasets(storage::Database& db);

}  // namespace guichet::exchange
