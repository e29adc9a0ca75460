#include "guichet/exchange/dataset.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <memory>

#include <boost/json.hpp>

#include "guichet/core/calendar.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/log.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/identity/verification.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

constexpr std::array<std::pair<AttributeType, std::string_view>, 7> kTypes{{{AttributeType::text, "text"},
                                                                            {AttributeType::integer, "integer"},
                                                                            {AttributeType::decimal, "decimal"},
                                                                            {AttributeType::amount, "amount"},
                                                                            {AttributeType::boolean, "boolean"},
                                                                            {AttributeType::date, "date"},
                                                                            {AttributeType::list, "list"}}};

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

Error description_error(const std::string& where, const std::string& what) {
  return make_error(Errc::bad_description, where + " " + what);
}

Result<std::map<std::string, std::string>> texts_of(const json::value* v, const std::string& where) {
  std::map<std::string, std::string> out;
  if (v == nullptr || !v->is_object() || v->as_object().empty()) {
    return description_error(where, "must be an object of texts by language, such as {\"en\": \"...\"}");
  }
  for (const auto& [lang, text] : v->as_object()) {
    if (!text.is_string() || text.as_string().empty() || text.as_string().size() > 500 ||
        !is_valid_utf8(text.as_string())) {
      return description_error(where + "." + std::string(lang), "must be a text of 1 to 500 characters");
    }
    out.emplace(std::string(lang), std::string(text.as_string()));
  }
  return out;
}

Error value_error(std::string message) { return make_error(Errc::bad_extract, std::move(message)); }

}  // namespace

std::string_view to_string(AttributeType type) {
  for (const auto& [t, name] : kTypes) {
    if (t == type) return name;
  }
  return "text";
}

std::optional<AttributeType> parse_attribute_type(std::string_view text) {
  for (const auto& [t, name] : kTypes) {
    if (name == text) return t;
  }
  return std::nullopt;
}

const Attribute* DatasetDescription::find(std::string_view attribute) const {
  for (const Attribute& a : attributes) {
    if (a.name == attribute) return &a;
  }
  return nullptr;
}

Result<DatasetDescription> parse_description(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return description_error("description", "is not a JSON object");
  const json::object& o = parsed.as_object();
  for (const auto& [key, value] : o) {
    if (key != "dataset" && key != "title" && key != "country" && key != "attributes" && key != "connector") {
      return description_error(std::string(key), "is not a property of a dataset's description");
    }
  }
  DatasetDescription d;
  const json::value* name = o.if_contains("dataset");
  if (name == nullptr || !name->is_string() || !valid_name(name->as_string())) {
    return description_error("dataset", "must be a name of lowercase letters, digits and _ (such as \"at\")");
  }
  d.name = std::string(name->as_string());
  auto title = texts_of(o.if_contains("title"), "title");
  if (!title) return std::move(title).error();
  d.title = std::move(title).value();
  const json::value* country = o.if_contains("country");
  if (country == nullptr || !country->is_string() || country->as_string().size() != 2 ||
      !std::all_of(country->as_string().begin(), country->as_string().end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return description_error("country", "must be the two-letter code of the country whose numbers key the dataset");
  }
  d.country = std::string(country->as_string());
  const json::value* attributes = o.if_contains("attributes");
  if (attributes == nullptr || !attributes->is_array() || attributes->as_array().empty() ||
      attributes->as_array().size() > 200) {
    return description_error("attributes", "must list 1 to 200 attributes");
  }
  std::size_t i = 0;
  for (const json::value& a : attributes->as_array()) {
    const std::string where = "attributes[" + std::to_string(i++) + "]";
    if (!a.is_object()) return description_error(where, "must be an object");
    Attribute attribute;
    const json::value* an = a.as_object().if_contains("name");
    if (an == nullptr || !an->is_string() || !valid_name(an->as_string()) || an->as_string() == "person_id") {
      return description_error(where + ".name", "must be a name of lowercase letters, digits and _");
    }
    attribute.name = std::string(an->as_string());
    if (d.find(attribute.name) != nullptr) return description_error(where + ".name", "is used twice");
    const json::value* type = a.as_object().if_contains("type");
    auto parsed_type = type != nullptr && type->is_string() ? parse_attribute_type(type->as_string()) : std::nullopt;
    if (!parsed_type) {
      return description_error(where + ".type", "must be text, integer, decimal, amount, boolean, date or list");
    }
    attribute.type = *parsed_type;
    auto meaning = texts_of(a.as_object().if_contains("meaning"), where + ".meaning");
    if (!meaning) return std::move(meaning).error();
    attribute.meaning = std::move(meaning).value();
    for (const auto& [key, value] : a.as_object()) {
      if (key != "name" && key != "type" && key != "meaning") {
        return description_error(where + "." + std::string(key), "is not a property of an attribute");
      }
    }
    d.attributes.push_back(std::move(attribute));
  }
  if (const json::value* connector = o.if_contains("connector")) {
    const json::object* c = connector->if_object();
    if (c == nullptr) return description_error("connector", "must be an object with url and values");
    for (const auto& [key, value] : *c) {
      if (key != "url" && key != "headers" && key != "values" && key != "timeout_ms") {
        return description_error("connector." + std::string(key), "is not a property of a connector");
      }
    }
    Connector out;
    const json::value* url = c->if_contains("url");
    if (url == nullptr || !url->is_string() ||
        (!url->as_string().starts_with("http://") && !url->as_string().starts_with("https://")) ||
        (url->as_string().find("{person}") == json::string::npos &&
         url->as_string().find("{national_id}") == json::string::npos)) {
      return description_error("connector.url", "must be an http(s) URL naming {person} or {national_id}");
    }
    out.url = std::string(url->as_string());
    if (const json::value* headers = c->if_contains("headers")) {
      if (!headers->is_object()) return description_error("connector.headers", "must be an object of texts");
      for (const auto& [header, value] : headers->as_object()) {
        if (!value.is_string() || header.empty() || header.find_first_of(":\r\n") != json::string::npos ||
            value.as_string().find_first_of("\r\n") != json::string::npos) {
          return description_error("connector.headers." + std::string(header), "must be a header's text on one line");
        }
        out.headers.emplace(std::string(header), std::string(value.as_string()));
      }
    }
    const json::value* values = c->if_contains("values");
    if (values == nullptr || !values->is_object()) {
      return description_error("connector.values", "must give each attribute's JSON pointer");
    }
    for (const auto& [attribute, pointer] : values->as_object()) {
      if (d.find(attribute) == nullptr) {
        return description_error("connector.values." + std::string(attribute), "is not an attribute of the dataset");
      }
      if (!pointer.is_string() || (!pointer.as_string().empty() && !pointer.as_string().starts_with("/"))) {
        return description_error("connector.values." + std::string(attribute),
                                 "must be a JSON pointer such as /income");
      }
      out.values.emplace(std::string(attribute), std::string(pointer.as_string()));
    }
    for (const Attribute& a : d.attributes) {
      if (!out.values.contains(a.name)) {
        return description_error("connector.values", "gives no JSON pointer for " + a.name);
      }
    }
    if (const json::value* timeout = c->if_contains("timeout_ms")) {
      if (!timeout->is_int64() || timeout->as_int64() < 100 || timeout->as_int64() > 30000) {
        return description_error("connector.timeout_ms", "must be 100 to 30000");
      }
      out.timeout_ms = static_cast<int>(timeout->as_int64());
    }
    d.connector = std::move(out);
  }
  return d;
}

std::string to_json(const DatasetDescription& d) {
  auto texts = [](const std::map<std::string, std::string>& m) {
    json::object out;
    for (const auto& [k, v] : m) out[k] = v;
    return out;
  };
  json::array attributes;
  for (const Attribute& a : d.attributes) {
    attributes.push_back(
        json::object{{"name", a.name}, {"type", std::string(to_string(a.type))}, {"meaning", texts(a.meaning)}});
  }
  json::object out{{"dataset", d.name}, {"title", texts(d.title)}, {"country", d.country}, {"attributes", attributes}};
  if (d.connector) {
    json::object headers;
    for (const auto& [k, v] : d.connector->headers) headers[k] = v;
    json::object values;
    for (const auto& [k, v] : d.connector->values) values[k] = v;
    out["connector"] = json::object{
        {"url", d.connector->url}, {"headers", headers}, {"values", values}, {"timeout_ms", d.connector->timeout_ms}};
  }
  return json::serialize(out);
}

Result<json::value> parse_value(const Attribute& attribute, std::string_view text) {
  if (!is_valid_utf8(text)) return value_error(attribute.name + " is not UTF-8 text");
  if (text.empty()) return json::value(nullptr);  // unknown for this person
  switch (attribute.type) {
    case AttributeType::text:
      if (text.size() > 1000) return value_error(attribute.name + " is longer than 1000 bytes");
      return json::value(json::string(text));
    case AttributeType::integer: {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return value_error(attribute.name + " is not a whole number: " + std::string(text.substr(0, 40)));
      }
      return json::value(v);
    }
    case AttributeType::decimal: {
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
        return value_error(attribute.name + " is not a number: " + std::string(text.substr(0, 40)));
      }
      return json::value(v);
    }
    case AttributeType::amount: {
      // "1234.56", "1234.5" or "1234": cents, exactly (no floating point).
      std::string_view whole = text;
      std::string_view fraction;
      if (auto dot = text.find('.'); dot != std::string_view::npos) {
        whole = text.substr(0, dot);
        fraction = text.substr(dot + 1);
      }
      const bool negative = whole.starts_with('-');
      if (negative) whole.remove_prefix(1);
      auto digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
      };
      if (!digits(whole) || whole.size() > 13 || (text.find('.') != std::string_view::npos && !digits(fraction)) ||
          fraction.size() > 2) {
        return value_error(attribute.name + " is not an amount such as 1234.56: " + std::string(text.substr(0, 40)));
      }
      std::int64_t cents = 0;
      std::from_chars(whole.data(), whole.data() + whole.size(), cents);
      cents *= 100;
      if (!fraction.empty()) cents += (fraction[0] - '0') * 10 + (fraction.size() > 1 ? fraction[1] - '0' : 0);
      return json::value(negative ? -cents : cents);
    }
    case AttributeType::boolean:
      if (text == "true" || text == "1") return json::value(true);
      if (text == "false" || text == "0") return json::value(false);
      return value_error(attribute.name + " is not true or false: " + std::string(text.substr(0, 40)));
    case AttributeType::date:
      if (text.size() != 10 || !parse_iso_day(text)) {
        return value_error(attribute.name + " is not a date written YYYY-MM-DD: " + std::string(text.substr(0, 40)));
      }
      return json::value(json::string(text));
    case AttributeType::list: {
      json::array items;
      std::size_t start = 0;
      while (start <= text.size()) {
        const std::size_t end = std::min(text.find(';', start), text.size());
        const std::string_view item = text.substr(start, end - start);
        if (item.empty() || item.size() > 200) {
          return value_error(attribute.name + " has an empty or overlong item in its list (items separated by ;)");
        }
        items.push_back(json::string(item));
        start = end + 1;
      }
      return json::value(std::move(items));
    }
  }
  return value_error(attribute.name + " has an unknown type");
}

namespace {

constexpr std::size_t kBatch = 500;

// Everything one import keeps between libcsv's callbacks.
class ExtractReader {
 public:
  ExtractReader(storage::Database& db, const DatasetDescription& d, const ImportOptions& options)
      : db_(db), description_(d), options_(options) {}

  Result<ImportReport> run(std::istream& in, const Clock& clock) {
    csv_parser parser{};
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
      return make_error(Errc::bad_extract, "the CSV reader could not start");
    }
    std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&parser, csv_free);
    std::vector<char> buffer(std::max<std::size_t>(options_.chunk_bytes, 1));
    Sha256 hash;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got == 0) break;
      hash.update(std::string_view(buffer.data(), got));
      bytes_ += static_cast<std::int64_t>(got);
      if (csv_parse(&parser, buffer.data(), got, &ExtractReader::on_field, &ExtractReader::on_record, this) != got) {
        problem("line " + std::to_string(line_ + 1) + ": " + csv_strerror(csv_error(&parser)) +
                " (a quote is misplaced or not closed)");
        break;
      }
      if (fatal_) break;
    }
    if (!fatal_ && csv_fini(&parser, &ExtractReader::on_field, &ExtractReader::on_record, this) != 0) {
      problem("line " + std::to_string(line_ + 1) + ": the last quoted field is not closed");
    }
    if (!fatal_ && !header_done_) problem("the extract is empty: it needs a header line person_id,...");
    sha256_ = guichet::hex(hash.final_bytes());
    if (problems_.empty() && !fatal_) {
      if (auto flushed = flush(clock); !flushed) return std::move(flushed).error();
    }
    if (!fatal_) check_duplicates();
    if (!problems_.empty()) {
      discard();
      std::string message = "the extract was not imported:";
      for (const std::string& p : problems_) message += "\n" + p;
      if (more_problems_ > 0) message += "\n... and " + std::to_string(more_problems_) + " more";
      return make_error(Errc::bad_extract, message);
    }
    return finish(clock);
  }

 private:
  static void on_field(void* field, std::size_t size, void* self) {
    static_cast<ExtractReader*>(self)->fields_.emplace_back(static_cast<const char*>(field), size);
  }
  static void on_record(int /*terminator*/, void* self) { static_cast<ExtractReader*>(self)->record(); }

  void problem(std::string text) {
    if (problems_.size() < options_.max_problems) {
      problems_.push_back(std::move(text));
    } else {
      ++more_problems_;
    }
    if (problems_.size() >= options_.max_problems && more_problems_ > 10000) fatal_ = true;
  }

  void record() {
    ++line_;
    std::vector<std::string> fields = std::move(fields_);
    fields_.clear();
    if (!header_done_) {
      header(fields);
      return;
    }
    if (fatal_) return;
    if (fields.size() == 1 && fields[0].empty()) return;  // a blank line
    const std::string at = "line " + std::to_string(line_) + ": ";
    if (fields.size() != columns_.size() + 1) {
      problem(at + "has " + std::to_string(fields.size()) + " fields, the header " +
              std::to_string(columns_.size() + 1));
      return;
    }
    std::string raw_id = fields[0];
    if (raw_id.starts_with(description_.country + ":")) raw_id = raw_id.substr(3);
    auto person = identity::normalise_national_id(description_.country, raw_id);
    if (!person) {
      problem(at + "person_id " + fields[0].substr(0, 40) + " is not a national identification number of " +
              description_.country);
      return;
    }
    json::object values;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      auto value = parse_value(*columns_[i], fields[i + 1]);
      if (!value) {
        problem(at + value.error().message);
        return;
      }
      if (!value->is_null()) values[columns_[i]->name] = std::move(value).value();
    }
    ids_.emplace_back(std::hash<std::string>{}(*person), line_);
    batch_.push_back({std::move(*person), json::serialize(values)});
    ++records_;
    if (options_.progress && records_ % options_.progress_every == 0) {
      options_.progress(ImportProgress{records_, bytes_, options_.total_bytes});
    }
    if (batch_.size() >= kBatch && problems_.empty()) {
      if (auto flushed = flush(*clock_for_batches_); !flushed) {
        problem("the database refused the rows: " + flushed.error().message);
        fatal_ = true;
      }
    }
  }

  void header(const std::vector<std::string>& fields) {
    header_done_ = true;
    if (fields.empty() || fields[0] != "person_id") {
      problem("line 1: the header must start with person_id");
      fatal_ = true;
      return;
    }
    for (std::size_t i = 1; i < fields.size(); ++i) {
      const Attribute* a = description_.find(fields[i]);
      if (a == nullptr) {
        problem("line 1: " + fields[i].substr(0, 64) + " is not an attribute of dataset " + description_.name);
        fatal_ = true;
        continue;
      }
      if (std::find(columns_.begin(), columns_.end(), a) != columns_.end()) {
        problem("line 1: " + fields[i] + " appears twice");
        fatal_ = true;
      }
      columns_.push_back(a);
    }
  }

  // The version's rows are written as they come, in their own transactions, so an import of
  // millions of rows never holds the write lock for long; the version stays incomplete (and
  // invisible) until finish().
  Result<void> flush(const Clock& clock) {
    if (batch_.empty()) return {};
    if (version_ == 0) {
      auto created = db_.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
        if (auto stored = store_description(c); !stored) return std::move(stored).error();
        auto row = c.query(
            "INSERT INTO exchange_dataset_versions (dataset, imported_at, source_sha256, records, complete) "
            "VALUES (?, ?, '', 0, 0) RETURNING id",
            {description_.name, to_unix_micros(clock.now())});
        if (!row) return std::move(row).error();
        return row->rows.front().integer(0);
      });
      if (!created) return std::move(created).error();
      version_ = *created;
    }
    // Statements of a few fixed sizes only (500, 100, 20, 5 and 1 rows): each connection prepares
    // every SQL text once and keeps it, so a batch of any other size would leave one more large
    // statement behind in every connection.
    auto written = db_.transaction([&](storage::Connection& c) -> Result<void> {
      std::size_t at = 0;
      while (at < batch_.size()) {
        std::size_t rows = 1;
        for (std::size_t size : {kBatch, std::size_t{100}, std::size_t{20}, std::size_t{5}}) {
          if (batch_.size() - at >= size) {
            rows = size;
            break;
          }
        }
        std::string sql = "INSERT INTO exchange_records (version_id, person_id, attributes) VALUES ";
        storage::Params params;
        params.reserve(rows * 3);
        for (std::size_t i = 0; i < rows; ++i) {
          sql += i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
          params.emplace_back(version_);
          params.emplace_back(std::move(batch_[at + i].first));
          params.emplace_back(std::move(batch_[at + i].second));
        }
        if (auto done = c.execute(sql, params); !done) return std::move(done).error();
        at += rows;
      }
      return {};
    });
    batch_.clear();
    if (!written) return std::move(written).error();
    return {};
  }

  Result<void> store_description(storage::Connection& c) {
    auto existing = c.query("SELECT 1 FROM exchange_datasets WHERE name = ?", {description_.name});
    if (!existing) return std::move(existing).error();
    auto done = existing->empty() ? c.execute("INSERT INTO exchange_datasets (name, description) VALUES (?, ?)",
                                              {description_.name, to_json(description_)})
                                  : c.execute("UPDATE exchange_datasets SET description = ? WHERE name = ?",
                                              {to_json(description_), description_.name});
    if (!done) return std::move(done).error();
    return {};
  }

  void check_duplicates() {
    std::sort(ids_.begin(), ids_.end());
    for (std::size_t i = 1; i < ids_.size(); ++i) {
      if (ids_[i].first == ids_[i - 1].first) {
        problem("line " + std::to_string(ids_[i].second) + ": the person of line " +
                std::to_string(ids_[i - 1].second) + " appears again");
      }
    }
  }

  void discard() {
    if (version_ == 0) return;
    (void)db_.transaction([&](storage::Connection& c) -> Result<void> {
      if (auto r = c.execute("DELETE FROM exchange_records WHERE version_id = ?", {version_}); !r) {
        return std::move(r).error();
      }
      if (auto r = c.execute("DELETE FROM exchange_dataset_versions WHERE id = ?", {version_}); !r) {
        return std::move(r).error();
      }
      return {};
    });
  }

  Result<ImportReport> finish(const Clock& clock) {
    return db_.transaction([&](storage::Connection& c) -> Result<ImportReport> {
      auto current = c.query(
          "SELECT v.id, v.source_sha256, v.records FROM exchange_datasets d JOIN exchange_dataset_versions v ON v.id = "
          "d.current_version WHERE d.name = ?",
          {description_.name});
      if (!current) return std::move(current).error();
      if (!current->empty() && current->rows.front().text(1) == sha256_) {
        // The extract already current: the rows just written go, the current version stays.
        if (version_ != 0) {
          if (auto r = c.execute("DELETE FROM exchange_records WHERE version_id = ?", {version_}); !r) {
            return std::move(r).error();
          }
          if (auto r = c.execute("DELETE FROM exchange_dataset_versions WHERE id = ?", {version_}); !r) {
            return std::move(r).error();
          }
        }
        return ImportReport{current->rows.front().integer(0), current->rows.front().integer(2), true};
      }
      if (version_ == 0) {
        // An extract with a header and no rows: an empty version, current like any other.
        if (auto stored = store_description(c); !stored) return std::move(stored).error();
        auto row = c.query(
            "INSERT INTO exchange_dataset_versions (dataset, imported_at, source_sha256, records, complete) "
            "VALUES (?, ?, '', 0, 0) RETURNING id",
            {description_.name, to_unix_micros(clock.now())});
        if (!row) return std::move(row).error();
        version_ = row->rows.front().integer(0);
      }
      if (auto r = c.execute(
              "UPDATE exchange_dataset_versions SET complete = 1, records = ?, source_sha256 = ?, imported_at = ? "
              "WHERE id = ?",
              {records_, sha256_, to_unix_micros(clock.now()), version_});
          !r) {
        return std::move(r).error();
      }
      if (auto r = c.execute("UPDATE exchange_datasets SET current_version = ? WHERE name = ?",
                             {version_, description_.name});
          !r) {
        return std::move(r).error();
      }
      // Older versions, and what an interrupted import left, go.
      if (auto r = c.execute(
              "DELETE FROM exchange_records WHERE version_id IN (SELECT id FROM exchange_dataset_versions WHERE "
              "dataset = ? AND id <> ?)",
              {description_.name, version_});
          !r) {
        return std::move(r).error();
      }
      if (auto r = c.execute("DELETE FROM exchange_dataset_versions WHERE dataset = ? AND id <> ?",
                             {description_.name, version_});
          !r) {
        return std::move(r).error();
      }
      return ImportReport{version_, records_, false};
    });
  }

 public:
  const Clock* clock_for_batches_ = nullptr;

 private:
  storage::Database& db_;
  const DatasetDescription& description_;
  const ImportOptions& options_;
  std::vector<std::string> fields_;
  std::vector<const Attribute*> columns_;
  std::vector<std::pair<std::string, std::string>> batch_;
  std::vector<std::pair<std::size_t, std::int64_t>> ids_;
  std::vector<std::string> problems_;
  std::int64_t more_problems_ = 0;
  std::int64_t line_ = 0;
  std::int64_t records_ = 0;
  std::int64_t bytes_ = 0;
  std::int64_t version_ = 0;
  std::string sha256_;
  bool header_done_ = false;
  bool fatal_ = false;
};

}  // namespace

Result<ImportReport> import_extract(storage::Database& db, const DatasetDescription& description, std::istream& extract,
                                    const Clock& clock, const ImportOptions& options) {
  ExtractReader reader(db, description, options);
  reader.clock_for_batches_ = &clock;
  auto report = reader.run(extract, clock);
  if (report && db.backend() == storage::Backend::postgresql) {
    // The new version replaced the table's rows: the planner's statistics are refreshed now, not
    // at autovacuum's next pass, so that a registry's batched reads (entitled_records) keep their
    // lookups in the key rather than scanning the version they believe small.
    auto connection = db.acquire();
    auto analysed = connection ? (*connection)->execute_script("ANALYZE exchange_records")
                               : Result<void>(std::move(connection).error());
    if (!analysed) log_event(LogLevel::warn, "exchange_analyze_failed", {{"error", analysed.error().message}});
  }
  return report;
}

Result<void> register_connector(storage::Database& db, const DatasetDescription& description, const Clock& clock) {
  if (!description.connector) return make_error(Errc::bad_description, "the description has no connector");
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing = c.query("SELECT current_version FROM exchange_datasets WHERE name = ?", {description.name});
    if (!existing) return std::move(existing).error();
    if (existing->empty()) {
      if (auto r = c.execute("INSERT INTO exchange_datasets (name, description) VALUES (?, ?)",
                             {description.name, to_json(description)});
          !r) {
        return std::move(r).error();
      }
    } else if (auto r = c.execute("UPDATE exchange_datasets SET description = ? WHERE name = ?",
                                  {to_json(description), description.name});
               !r) {
      return std::move(r).error();
    }
    if (existing->empty() || existing->rows.front().is_null(0)) {
      auto version = c.query(
          "INSERT INTO exchange_dataset_versions (dataset, imported_at, source_sha256, records, complete) VALUES (?, "
          "?, "
          "'connector', 0, 1) RETURNING id",
          {description.name, to_unix_micros(clock.now())});
      if (!version) return std::move(version).error();
      if (auto r = c.execute("UPDATE exchange_datasets SET current_version = ? WHERE name = ?",
                             {version->rows.front().integer(0), description.name});
          !r) {
        return std::move(r).error();
      }
    }
    return {};
  });
}

namespace {

// A JSON scalar as the extract would write it, so one parser checks both.
std::optional<std::string> as_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return json::serialize(v);
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  if (v.is_array()) {
    std::string out;
    for (const json::value& item : v.as_array()) {
      if (!item.is_string()) return std::nullopt;
      if (!out.empty()) out += ';';
      out += item.as_string();
    }
    return out;
  }
  return std::nullopt;
}

std::string with_environment(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto open = text.find("${", at);
    const auto close = open == std::string::npos ? std::string::npos : text.find('}', open);
    if (close == std::string::npos) break;
    out += text.substr(at, open - at);
    const char* value = std::getenv(text.substr(open + 2, close - open - 2).c_str());
    if (value != nullptr) out += value;
    at = close + 1;
  }
  return out + text.substr(std::min(at, text.size()));
}

}  // namespace

Result<std::optional<json::object>> connector_record(const Connector& connector, std::string_view person_id,
                                                     const std::vector<std::string>& attributes,
                                                     const DatasetDescription& description, const ConnectorGet& get) {
  const auto colon = person_id.find(':');
  const std::string number(colon == std::string_view::npos ? person_id : person_id.substr(colon + 1));
  std::string url = connector.url;
  for (const auto& [placeholder, value] :
       {std::pair<std::string, std::string>{"{person}", number}, {"{national_id}", std::string(person_id)}}) {
    for (auto at = url.find(placeholder); at != std::string::npos; at = url.find(placeholder)) {
      url.replace(at, placeholder.size(), value);
    }
  }
  std::vector<std::string> headers;
  for (const auto& [name, value] : connector.headers) headers.push_back(name + ": " + with_environment(value));
  auto reply = get(url, headers, connector.timeout_ms);
  if (!reply) return make_error(Errc::peer_unreachable, "the administration's API: " + reply.error().message);
  if (reply->first == 404) return std::optional<json::object>();
  if (reply->first != 200) {
    return make_error(Errc::peer_unreachable, "the administration's API answered " + std::to_string(reply->first));
  }
  boost::system::error_code ec;
  json::value body = json::parse(reply->second, ec);
  if (ec) return make_error(Errc::peer_unreachable, "the administration's API did not answer JSON");
  json::object record;
  for (const std::string& name : attributes) {
    const Attribute* attribute = description.find(name);
    auto pointer = connector.values.find(name);
    if (attribute == nullptr || pointer == connector.values.end()) continue;
    boost::system::error_code missing;
    const json::value* found = body.find_pointer(pointer->second, missing);
    if (found == nullptr || found->is_null()) continue;  // not held for this person
    auto text = as_text(*found);
    if (!text) return make_error(Errc::peer_unreachable, "the administration's API gave " + name + " in another shape");
    auto value = parse_value(*attribute, *text);
    if (!value) return make_error(Errc::peer_unreachable, "the administration's API: " + value.error().message);
    if (!value->is_null()) record[name] = std::move(value).value();
  }
  return std::optional<json::object>(std::move(record));
}

Result<std::optional<json::object>> current_record(storage::Connection& c, std::string_view dataset,
                                                   std::string_view person_id) {
  auto rows = c.query(
      "SELECT r.attributes FROM exchange_datasets d JOIN exchange_records r ON r.version_id = d.current_version "
      "WHERE d.name = ? AND r.person_id = ?",
      {std::string(dataset), std::string(person_id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<json::object>();
  json::value v = json::parse(rows->rows.front().text(0));
  return std::optional<json::object>(std::move(v.as_object()));
}

Result<std::optional<DatasetDescription>> stored_description(storage::Connection& c, std::string_view dataset) {
  auto rows = c.query("SELECT description FROM exchange_datasets WHERE name = ? AND current_version IS NOT NULL",
                      {std::string(dataset)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<DatasetDescription>();
  auto parsed = parse_description(rows->rows.front().text(0));
  if (!parsed) return std::move(parsed).error();
  return std::optional<DatasetDescription>(std::move(parsed).value());
}

Result<std::vector<DatasetStatus>> datasets(storage::Database& db) {
  auto rows = db.read([](storage::Connection& c) {
    return c.query(
        "SELECT d.name, v.id, v.records, v.imported_at FROM exchange_datasets d JOIN exchange_dataset_versions v ON "
        "v.id = d.current_version ORDER BY d.name");
  });
  if (!rows) return std::move(rows).error();
  std::vector<DatasetStatus> out;
  for (const storage::Row& row : rows->rows) {
    out.push_back({row.text(0), row.integer(1), row.integer(2), from_unix_micros(row.integer(3))});
  }
  return out;
}

}  // namespace guichet::exchange
