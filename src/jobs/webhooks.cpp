#include "guichet/jobs/webhooks.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <memory>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/jobs/errors.hpp"

namespace guichet::jobs {
namespace json = boost::json;

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

bool loopback_http(const std::string& url) {
  for (const char* prefix : {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/",
                             "http://[::1]:", "http://[::1]/"}) {
    if (url.starts_with(prefix)) return true;
  }
  return false;
}

std::vector<std::string> split_events(const std::string& text) {
  std::vector<std::string> events;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    events.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return events;
}

}  // namespace

Result<Webhook> add_webhook(storage::Database& db, const NewWebhook& webhook, const std::set<std::string>& known_events,
                            const Clock& clock, const SecretKey* secrets,
                            const std::function<Result<void>(storage::Connection&, const Webhook&)>& audit) {
  auto bad = [](std::string message) { return make_error(Errc::bad_webhook, std::move(message)); };
  if (!webhook.url.starts_with("https://") && !loopback_http(webhook.url)) {
    return bad("the URL must be https:// (or http:// on a loopback address)");
  }
  if (webhook.url.size() > 2000 || webhook.url.find_first_of(" \r\n\t") != std::string::npos) {
    return bad("the URL is not valid");
  }
  if (webhook.events.empty()) return bad("name at least one event");
  std::string events;
  for (const auto& e : webhook.events) {
    if (!known_events.contains(e)) return bad("unknown event " + e);
    events += (events.empty() ? "" : ",") + e;
  }
  Webhook created{0, webhook.url, random_token(32), webhook.events, webhook.administration};
  return db.transaction([&](storage::Connection& c) -> Result<Webhook> {
    auto inserted = c.query(
        "INSERT INTO webhook_subscriptions (url, secret, events, administration, created_at, created_by) VALUES (?, ?, "
        "?, ?, ?, ?) RETURNING id",
        {created.url, std::string(), events, created.administration, to_unix_micros(clock.now()), webhook.actor});
    if (!inserted) return std::move(inserted).error();
    created.id = inserted->rows[0].integer(0);
    // Sealed for its own row, whose id is known only now.
    auto sealed =
        c.execute("UPDATE webhook_subscriptions SET secret = ? WHERE id = ?",
                  {seal_at_rest(secrets, created.secret,
                                std::string(kSealedWebhookSecrets.purpose_prefix) + std::to_string(created.id)),
                   created.id});
    if (!sealed) return std::move(sealed).error();
    if (audit) {
      if (auto recorded = audit(c, created); !recorded) return recorded.error();
    }
    return created;
  });
}

Result<std::vector<Webhook>> list_webhooks(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)
          ->query("SELECT id, url, events, administration FROM webhook_subscriptions WHERE active = 1 ORDER BY id");
  if (!rows) return std::move(rows).error();
  std::vector<Webhook> out;
  for (const auto& row : rows->rows) {
    out.push_back({row.integer(0), row.text(1), "", split_events(row.text(2)), row.text(3)});
  }
  return out;
}

Result<void> publish_event(storage::Connection& transaction, const std::string& event,
                           const std::set<std::string>& administrations, const std::string& data,
                           const std::string& key, const Clock& clock) {
  auto subscriptions =
      transaction.query("SELECT id, events, administration FROM webhook_subscriptions WHERE active = 1 ORDER BY id");
  if (!subscriptions) return std::move(subscriptions).error();
  for (const auto& row : subscriptions->rows) {
    auto events = split_events(row.text(1));
    if (std::find(events.begin(), events.end(), event) == events.end()) continue;
    const std::string administration = row.text(2);
    if (!administration.empty() && !administrations.contains(administration)) continue;
    const std::string delivery = key + ":" + std::to_string(row.integer(0));
    json::object payload{{"subscription", row.integer(0)},
                         {"event", event},
                         {"delivery", delivery},
                         {"created_at", format_rfc3339(clock.now())},
                         {"data", json::parse(data)}};
    NewJob job{kWebhookJobKind,       json::serialize(payload), std::nullopt, 10,
               "webhook:" + delivery, JobPriority::background};
    if (auto queued = enqueue(transaction, job, clock); !queued) return std::move(queued).error();
  }
  return {};
}

std::string webhook_signature(const std::string& secret, Instant at, std::string_view body) {
  const std::string t = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
  return "t=" + t + ",v1=" + hex(hmac_sha256(secret, t + "." + std::string(body)));
}

WebhookSender::WebhookSender(storage::Database& db, const Clock& clock, const SecretKey* secrets,
                             std::chrono::seconds timeout)
    : db_(db), clock_(clock), secrets_(secrets), timeout_(timeout) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)global;
}

Result<void> WebhookSender::run_job(const Job& job) const {
  boost::system::error_code ec;
  json::value payload = json::parse(job.payload, ec);
  if (ec || !payload.is_object() || !payload.as_object().contains("subscription")) {
    return make_error(Errc::bad_payload, "a webhook job names its subscription");
  }
  std::string url;
  std::string secret;
  {
    auto connection = db_.acquire();
    if (!connection) return std::move(connection).error();
    auto row = (*connection)
                   ->query("SELECT url, secret FROM webhook_subscriptions WHERE id = ? AND active = 1",
                           {payload.at("subscription").to_number<std::int64_t>()});
    if (!row) return std::move(row).error();
    if (row->empty()) return {};  // unsubscribed since: nothing to deliver
    url = row->rows[0].text(0);
    auto opened = open_at_rest(secrets_, row->rows[0].text(1),
                               std::string(kSealedWebhookSecrets.purpose_prefix) +
                                   std::to_string(payload.at("subscription").to_number<std::int64_t>()));
    if (!opened) return std::move(opened).error();
    secret = std::move(*opened);
  }
  // The body is the event without the internal subscription id.
  json::object event{{"id", payload.at("delivery")},
                     {"event", payload.at("event")},
                     {"created_at", payload.at("created_at")},
                     {"data", payload.at("data")}};
  const std::string body = json::serialize(event);
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return make_error(Errc::webhook_error, "libcurl could not start");
  std::unique_ptr<curl_slist, ListDeleter> headers;
  for (const std::string& header :
       {std::string("Content-Type: application/json"), "Guichet-Event: " + std::string(payload.at("event").as_string()),
        "Guichet-Delivery: " + std::string(payload.at("delivery").as_string()),
        "Guichet-Signature: " + webhook_signature(secret, clock_.now(), body)}) {
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect could carry the payload elsewhere
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return make_error(Errc::webhook_unreachable, std::string(curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return make_error(Errc::webhook_refused, "the receiver answered " + std::to_string(status));
  }
  return {};
}

}  // namespace guichet::jobs
