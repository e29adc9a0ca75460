#include "guichet/exchange/nodes.hpp"

#include <curl/curl.h>

#include <algorithm>

#include <boost/json.hpp>

#include "guichet/core/encoding.hpp"
#include "guichet/core/log.hpp"
#include "guichet/exchange/errors.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

constexpr std::string_view kKeySetType = "guichet-exchange-keys";
constexpr auto kRefreshAtMostEvery = std::chrono::seconds(60);

std::int64_t micros(std::chrono::microseconds d) { return d.count(); }

std::string sealing_purpose(const std::string& kid) { return std::string(kSealedNodeKeys.purpose_prefix) + kid; }

}  // namespace

bool valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

Result<JwsHeader> peek_header(std::string_view compact) {
  const auto dot = compact.find('.');
  if (dot == std::string_view::npos || dot == 0) return make_error(Errc::bad_request, "not a compact JWS");
  auto decoded = base64url_decode_public(compact.substr(0, dot));
  if (!decoded) return make_error(Errc::bad_request, "the JWS header is not base64url");
  boost::system::error_code ec;
  json::value header = json::parse(*decoded, ec);
  if (ec || !header.is_object()) return make_error(Errc::bad_request, "the JWS header is not a JSON object");
  JwsHeader out;
  if (const json::value* kid = header.as_object().if_contains("kid"); kid && kid->is_string()) {
    out.kid = std::string(kid->as_string());
  }
  if (const json::value* alg = header.as_object().if_contains("alg"); alg && alg->is_string()) {
    out.alg = std::string(alg->as_string());
  }
  return out;
}

Result<json::object> peek_payload(std::string_view compact) {
  auto text = oidc::peek_jws_payload(compact);
  if (!text) return make_error(Errc::bad_request, "not a compact JWS");
  boost::system::error_code ec;
  json::value payload = json::parse(*text, ec);
  if (ec || !payload.is_object()) return make_error(Errc::bad_request, "the JWS payload is not a JSON object");
  return std::move(payload.as_object());
}

NodeKeys::NodeKeys(std::string node_id, storage::Database& db, const Clock& clock, const SecretKey& secrets,
                   NodeKeyPolicy policy)
    : node_id_(std::move(node_id)), db_(db), clock_(clock), secrets_(secrets), policy_(policy) {}

Result<oidc::KeyPair> NodeKeys::create(Instant now) {
  auto key = oidc::generate_key_pair(oidc::SigningAlgorithm::es256);
  if (!key) return std::move(key).error();
  const std::int64_t at = to_unix_micros(now);
  auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto inserted = c.execute(
        "INSERT INTO exchange_keys (kid, private_jwk, public_jwk, created_at, active_from, not_after) VALUES (?, ?, ?, "
        "?, ?, ?)",
        {key->kid, secrets_.seal(key->private_jwk, sealing_purpose(key->kid)), key->public_jwk, at, at,
         at + micros(policy_.rotate_every) + micros(policy_.overlap)});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
  if (!stored) return std::move(stored).error();
  std::lock_guard lock(mutex_);
  cached_.reset();
  return key;
}

Result<oidc::KeyPair> NodeKeys::signing_key() {
  const Instant now = clock_.now();
  {
    std::lock_guard lock(mutex_);
    if (cached_ && now - cached_->second < policy_.cache_for) return cached_->first;
  }
  // The newest key that still has more than the overlap to live signs; past that, a successor is
  // made (two nodes sharing the database may both make one; the newest then signs for both).
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query(
        "SELECT kid, private_jwk, public_jwk FROM exchange_keys WHERE active_from <= ? AND not_after > ? ORDER BY "
        "active_from DESC, kid DESC LIMIT 1",
        {to_unix_micros(now), to_unix_micros(now) + micros(policy_.overlap)});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return create(now);
  const storage::Row& row = rows->rows.front();
  auto opened = secrets_.open(row.text(1), sealing_purpose(row.text(0)));
  if (!opened) return std::move(opened).error();
  oidc::KeyPair key{row.text(0), oidc::SigningAlgorithm::es256, std::move(opened).value(), row.text(2)};
  std::lock_guard lock(mutex_);
  cached_ = std::make_pair(key, now);
  return key;
}

Result<oidc::KeyPair> NodeKeys::rotate() { return create(clock_.now()); }

Result<void> NodeKeys::retire(const std::string& kid) {
  auto changed = db_.transaction([&](storage::Connection& c) {
    return c.execute("UPDATE exchange_keys SET not_after = ? WHERE kid = ? AND not_after > ?",
                     {to_unix_micros(clock_.now()), kid, to_unix_micros(clock_.now())});
  });
  if (!changed) return std::move(changed).error();
  if (*changed == 0) return make_error(Errc::unknown_key, "no live key " + kid);
  std::lock_guard lock(mutex_);
  cached_.reset();
  return {};
}

Result<std::vector<PublishedKey>> NodeKeys::published() {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query("SELECT kid, public_jwk, not_after FROM exchange_keys WHERE not_after > ? ORDER BY active_from, kid",
                   {to_unix_micros(clock_.now())});
  });
  if (!rows) return std::move(rows).error();
  std::vector<PublishedKey> out;
  for (const storage::Row& row : rows->rows)
    out.push_back({row.text(0), row.text(1), from_unix_micros(row.integer(2))});
  return out;
}

Result<std::string> NodeKeys::sign(std::string_view payload) {
  auto key = signing_key();
  if (!key) return std::move(key).error();
  return oidc::sign_jws(*key, payload, "JWT");
}

Result<std::string> NodeKeys::signed_key_set(const std::string& signer) {
  auto current = signing_key();
  if (!current) return std::move(current).error();
  oidc::KeyPair signing = *current;
  if (!signer.empty() && signer != current->kid) {
    auto rows = db_.read([&](storage::Connection& c) {
      return c.query("SELECT kid, private_jwk, public_jwk FROM exchange_keys WHERE kid = ? AND not_after > ?",
                     {signer, to_unix_micros(clock_.now())});
    });
    if (!rows) return std::move(rows).error();
    if (!rows->empty()) {
      auto opened = secrets_.open(rows->rows.front().text(1), sealing_purpose(signer));
      if (!opened) return std::move(opened).error();
      signing =
          oidc::KeyPair{signer, oidc::SigningAlgorithm::es256, std::move(opened).value(), rows->rows.front().text(2)};
    }
  }
  auto keys = published();
  if (!keys) return std::move(keys).error();
  json::array list;
  for (const PublishedKey& k : *keys) {
    list.push_back(json::object{
        {"kid", k.kid}, {"jwk", json::parse(k.public_jwk)}, {"not_after", to_unix_micros(k.not_after) / 1000000}});
  }
  json::object payload{{"typ", kKeySetType},
                       {"iss", node_id_},
                       {"iat", to_unix_micros(clock_.now()) / 1000000},
                       {"keys", std::move(list)}};
  return oidc::sign_jws(signing, json::serialize(payload), "JWT");
}

// --- Transport -------------------------------------------------------------------------------

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * count > 1024 * 1024) return 0;  // no answer is this large
  body->append(data, size * count);
  return size * count;
}

class CurlTransport : public Transport {
 public:
  CurlTransport(std::chrono::milliseconds timeout, TransportTls tls) : timeout_(timeout), tls_(std::move(tls)) {
    static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)global;
  }
  Result<HttpReply> get(const std::string& url) override { return perform(url, nullptr, "", {}, timeout_); }
  Result<HttpReply> post(const std::string& url, const std::string& content_type, const std::string& body) override {
    return perform(url, &body, content_type, {}, timeout_);
  }
  Result<HttpReply> get_with(const std::string& url, const std::vector<std::string>& headers,
                             std::chrono::milliseconds timeout) override {
    return perform(url, nullptr, "", headers, timeout);
  }

 private:
  Result<HttpReply> perform(const std::string& url, const std::string* body, const std::string& content_type,
                            const std::vector<std::string>& extra_headers, std::chrono::milliseconds timeout) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return make_error(Errc::peer_unreachable, "libcurl could not start");
    std::unique_ptr<curl_slist, ListDeleter> headers;
    if (body != nullptr) {
      headers.reset(curl_slist_append(headers.release(), ("Content-Type: " + content_type).c_str()));
      headers.reset(curl_slist_append(headers.release(), "Expect:"));
    }
    for (const std::string& header : extra_headers) {
      headers.reset(curl_slist_append(headers.release(), header.c_str()));
    }
    if (headers) curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    HttpReply reply;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    if (body != nullptr) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
      curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!tls_.client_certificate.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, tls_.client_certificate.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, tls_.client_key.c_str());
    }
    if (!tls_.ca.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls_.ca.c_str());
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) return make_error(Errc::peer_unreachable, url + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    reply.status = static_cast<int>(status);
    const char* type = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
    if (type != nullptr) reply.content_type = type;
    return reply;
  }
  std::chrono::milliseconds timeout_;
  TransportTls tls_;
};

}  // namespace

std::unique_ptr<Transport> curl_transport(std::chrono::milliseconds timeout, TransportTls tls) {
  return std::make_unique<CurlTransport>(timeout, std::move(tls));
}

// --- Peers -----------------------------------------------------------------------------------

Peers::Peers(storage::Database& db, const Clock& clock, Transport& transport)
    : db_(db), clock_(clock), transport_(transport) {}

Result<std::vector<PublishedKey>> Peers::add(const std::string& node_id, const std::string& name,
                                             const std::string& url, const std::string& pinned_kid) {
  auto reply = transport_.get(url + "/exchange/v1/keys?signed_by=" + pinned_kid);
  if (!reply) return make_error(Errc::bad_peer, "cannot fetch the key set: " + reply.error().message);
  if (reply->status != 200) {
    return make_error(Errc::bad_peer, url + "/exchange/v1/keys answered " + std::to_string(reply->status));
  }
  return pin(node_id, name, url, reply->body, pinned_kid);
}

Result<std::vector<PublishedKey>> Peers::add_from_key_set(const std::string& node_id, const std::string& name,
                                                          const std::string& url, const std::string& key_set,
                                                          const std::string& pinned_kid) {
  return pin(node_id, name, url, key_set, pinned_kid);
}

// With `pinned_kid` (the operator's word), the set must be signed by that key, which it contains.
// Without (a rotation), it must be signed by a live key already pinned for the peer.
Result<std::vector<PublishedKey>> Peers::pin(const std::string& node_id, const std::string& name,
                                             const std::string& url, const std::string& key_set,
                                             const std::optional<std::string>& pinned_kid) {
  if (!valid_node_id(node_id)) return make_error(Errc::bad_peer, "a node id is 1 to 32 of a-z, 0-9, - and _");
  if (name.empty() || name.size() > 200) return make_error(Errc::bad_peer, "name the peer (1 to 200 characters)");
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return make_error(Errc::bad_peer, "the peer's URL starts with http:// or https://");
  }
  auto header = peek_header(key_set);
  if (!header) return make_error(Errc::bad_peer, "the key set is not a signed key set");
  auto claimed = peek_payload(key_set);
  if (!claimed) return make_error(Errc::bad_peer, "the key set is not a signed key set");
  const json::value* typ = claimed->if_contains("typ");
  const json::value* iss = claimed->if_contains("iss");
  const json::value* keys = claimed->if_contains("keys");
  if (typ == nullptr || !typ->is_string() || typ->as_string() != kKeySetType || iss == nullptr || !iss->is_string() ||
      keys == nullptr || !keys->is_array()) {
    return make_error(Errc::bad_peer, "the key set is not a signed key set");
  }
  if (iss->as_string() != node_id) {
    return make_error(Errc::bad_peer,
                      "the key set is node " + std::string(iss->as_string()) + "'s, not " + node_id + "'s");
  }
  std::vector<PublishedKey> offered;
  for (const json::value& k : keys->as_array()) {
    const json::object* o = k.if_object();
    if (o == nullptr || !o->contains("kid") || !(*o).at("kid").is_string() || !o->contains("jwk") ||
        !o->at("jwk").is_object() || !o->contains("not_after") || !o->at("not_after").is_int64()) {
      return make_error(Errc::bad_peer, "a key of the set is malformed");
    }
    offered.push_back({std::string(o->at("kid").as_string()), json::serialize(o->at("jwk")),
                       from_unix_micros(o->at("not_after").as_int64() * 1000000)});
  }
  const Instant now = clock_.now();
  std::vector<std::string> signers;
  if (pinned_kid) {
    if (header->kid != *pinned_kid) {
      return make_error(Errc::bad_peer,
                        "the key set is signed by " + header->kid + ", not by the pinned " + *pinned_kid);
    }
    for (const PublishedKey& k : offered) {
      if (k.kid == *pinned_kid) signers.push_back(k.public_jwk);
    }
  } else {
    auto rows = db_.read([&](storage::Connection& c) {
      return c.query("SELECT public_jwk FROM exchange_peer_keys WHERE node_id = ? AND kid = ? AND not_after > ?",
                     {node_id, header->kid, to_unix_micros(now)});
    });
    if (!rows) return std::move(rows).error();
    for (const storage::Row& row : rows->rows) signers.push_back(row.text(0));
  }
  if (signers.empty()) return make_error(Errc::unknown_key, "the key set is not signed by a key pinned for " + node_id);
  auto verified = oidc::verify_jws(key_set, signers, {oidc::SigningAlgorithm::es256});
  if (!verified) return make_error(Errc::bad_signature, "the key set's signature does not check");
  const std::string pinned_by = pinned_kid ? std::string("operator") : header->kid;
  auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing = c.query("SELECT 1 FROM exchange_peers WHERE node_id = ?", {node_id});
    if (!existing) return std::move(existing).error();
    if (existing->empty()) {
      if (auto r = c.execute(
              "INSERT INTO exchange_peers (node_id, name, url, added_at, keys_checked_at) VALUES (?, ?, ?, ?, ?)",
              {node_id, name, url, to_unix_micros(now), to_unix_micros(now)});
          !r) {
        return std::move(r).error();
      }
    } else {
      if (auto r = c.execute("UPDATE exchange_peers SET name = ?, url = ?, keys_checked_at = ? WHERE node_id = ?",
                             {name, url, to_unix_micros(now), node_id});
          !r) {
        return std::move(r).error();
      }
    }
    for (const PublishedKey& k : offered) {
      auto known = c.query("SELECT not_after FROM exchange_peer_keys WHERE node_id = ? AND kid = ?", {node_id, k.kid});
      if (!known) return std::move(known).error();
      if (known->empty()) {
        if (auto r = c.execute(
                "INSERT INTO exchange_peer_keys (node_id, kid, public_jwk, not_after, pinned_at, pinned_by) VALUES "
                "(?, ?, ?, ?, ?, ?)",
                {node_id, k.kid, k.public_jwk, to_unix_micros(k.not_after), to_unix_micros(now), pinned_by});
            !r) {
          return std::move(r).error();
        }
      } else if (to_unix_micros(k.not_after) < known->rows.front().integer(0)) {
        // A key the peer retired early: its end is brought forward, never pushed back.
        if (auto r = c.execute("UPDATE exchange_peer_keys SET not_after = ? WHERE node_id = ? AND kid = ?",
                               {to_unix_micros(k.not_after), node_id, k.kid});
            !r) {
          return std::move(r).error();
        }
      }
    }
    return {};
  });
  if (!stored) return std::move(stored).error();
  {
    std::lock_guard lock(cache_mutex_);
    std::erase_if(cache_, [&](const auto& entry) { return entry.first.first == node_id; });
    found_.erase(node_id);
  }
  return offered;
}

Result<void> Peers::remove(const std::string& node_id) {
  auto removed = db_.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    if (auto r = c.execute("DELETE FROM exchange_peer_keys WHERE node_id = ?", {node_id}); !r) {
      return std::move(r).error();
    }
    return c.execute("DELETE FROM exchange_peers WHERE node_id = ?", {node_id});
  });
  if (!removed) return std::move(removed).error();
  {
    std::lock_guard lock(cache_mutex_);
    std::erase_if(cache_, [&](const auto& entry) { return entry.first.first == node_id; });
    found_.erase(node_id);
  }
  if (*removed == 0) return make_error(Errc::no_such_peer, "no peer " + node_id);
  return {};
}

Result<std::optional<Peer>> Peers::find(const std::string& node_id) {
  const Instant now = clock_.now();
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = found_.find(node_id); it != found_.end() && now - it->second.second < std::chrono::seconds(30)) {
      return std::optional<Peer>(it->second.first);
    }
  }
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query("SELECT node_id, name, url FROM exchange_peers WHERE node_id = ?", {node_id});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Peer>();
  const storage::Row& row = rows->rows.front();
  Peer peer{row.text(0), row.text(1), row.text(2)};
  std::lock_guard lock(cache_mutex_);
  if (found_.size() > 1000) found_.clear();
  found_[node_id] = {peer, now};
  return std::optional<Peer>(std::move(peer));
}

Result<std::vector<Peer>> Peers::list() {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query("SELECT node_id, name, url FROM exchange_peers ORDER BY node_id");
  });
  if (!rows) return std::move(rows).error();
  std::vector<Peer> out;
  for (const storage::Row& row : rows->rows) out.push_back({row.text(0), row.text(1), row.text(2)});
  return out;
}

Result<bool> Peers::refresh(const std::string& node_id) {
  const Instant now = clock_.now();
  // One attempt a minute per peer, claimed in the database so nodes sharing it do not all fetch.
  auto claimed = db_.transaction([&](storage::Connection& c) {
    return c.execute(
        "UPDATE exchange_peers SET keys_checked_at = ? WHERE node_id = ? AND keys_checked_at <= ?",
        {to_unix_micros(now), node_id,
         to_unix_micros(now) - std::chrono::duration_cast<std::chrono::microseconds>(kRefreshAtMostEvery).count()});
  });
  if (!claimed) return std::move(claimed).error();
  if (*claimed == 0) return false;
  auto peer = find(node_id);
  if (!peer) return std::move(peer).error();
  if (!*peer) return false;
  // The set signed by the newest key pinned for the peer that is still live.
  auto pinned_kid = db_.read([&](storage::Connection& c) {
    return c.query(
        "SELECT kid FROM exchange_peer_keys WHERE node_id = ? AND not_after > ? ORDER BY pinned_at DESC, kid LIMIT 1",
        {node_id, to_unix_micros(now)});
  });
  if (!pinned_kid) return std::move(pinned_kid).error();
  if (pinned_kid->empty()) return false;
  auto reply = transport_.get((*peer)->url + "/exchange/v1/keys?signed_by=" + pinned_kid->rows.front().text(0));
  if (!reply || reply->status != 200) {
    log_event(LogLevel::warn, "exchange_keys_unreachable",
              {{"peer", node_id}, {"error", reply ? std::to_string(reply->status) : reply.error().message}});
    return false;
  }
  auto pinned = pin(node_id, (*peer)->name, (*peer)->url, reply->body, std::nullopt);
  if (!pinned) {
    log_event(LogLevel::warn, "exchange_keys_refused", {{"peer", node_id}, {"error", pinned.error().message}});
    return false;
  }
  log_event(LogLevel::info, "exchange_keys_refreshed", {{"peer", node_id}, {"keys", pinned->size()}});
  return true;
}

Result<VerifiedMessage> Peers::verify(const std::string& node_id, std::string_view compact) {
  auto verified = verified_jws(node_id, compact);
  if (!verified) return std::move(verified).error();
  boost::system::error_code ec;
  json::value payload = json::parse(verified->payload, ec);
  if (ec || !payload.is_object()) return make_error(Errc::bad_request, "the signed payload is not a JSON object");
  return VerifiedMessage{std::move(verified->kid), std::move(payload.as_object())};
}

Result<std::string> Peers::check_signature(const std::string& node_id, std::string_view compact) {
  auto verified = verified_jws(node_id, compact);
  if (!verified) return std::move(verified).error();
  return std::move(verified->kid);
}

Result<oidc::VerifiedJws> Peers::verified_jws(const std::string& node_id, std::string_view compact) {
  auto header = peek_header(compact);
  if (!header) return std::move(header).error();
  if (header->alg != "ES256") return make_error(Errc::bad_signature, "only ES256 signatures are accepted");
  const Instant now = clock_.now();
  auto check = [&](const std::string& jwk) -> Result<oidc::VerifiedJws> {
    auto verified = oidc::verify_jws(compact, {jwk}, {oidc::SigningAlgorithm::es256});
    if (!verified) {
      return make_error(Errc::bad_signature, "the signature does not check with node " + node_id + "'s key");
    }
    return verified;
  };
  std::optional<std::string> cached;
  {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find({node_id, header->kid});
    if (it != cache_.end() && now - it->second.read_at < std::chrono::seconds(30) && it->second.not_after > now) {
      cached = it->second.public_jwk;
    }
  }
  if (cached) return check(*cached);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto rows = db_.read([&](storage::Connection& c) {
      return c.query(
          "SELECT k.public_jwk, k.not_after FROM exchange_peers p LEFT JOIN exchange_peer_keys k ON k.node_id = "
          "p.node_id AND k.kid = ? WHERE p.node_id = ?",
          {header->kid, node_id});
    });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::unknown_node, "node " + node_id + " is not in the node registry");
    const storage::Row& row = rows->rows.front();
    if (row.is_null(0)) {
      if (attempt == 0) {
        auto refreshed = refresh(node_id);
        if (!refreshed) return std::move(refreshed).error();
        if (*refreshed) continue;
      }
      return make_error(Errc::unknown_key, "key " + header->kid + " is not pinned for node " + node_id);
    }
    if (from_unix_micros(row.integer(1)) <= now) {
      return make_error(Errc::key_expired, "key " + header->kid + " of node " + node_id + " has expired");
    }
    {
      std::lock_guard lock(cache_mutex_);
      if (cache_.size() > 1000) cache_.clear();
      cache_[{node_id, header->kid}] = CachedKey{row.text(0), from_unix_micros(row.integer(1)), now};
    }
    return check(row.text(0));
  }
  return make_error(Errc::unknown_key, "key " + header->kid + " is not pinned for node " + node_id);
}

}  // namespace guichet::exchange
