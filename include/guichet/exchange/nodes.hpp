#pragma once
// Nodes and their keys. Every Guichet process that exchanges data is a node with an id; it signs
// what it sends with its own ES256 key (private part sealed with the secrets key) and checks what
// it receives against the keys it pinned for the sender in its node registry. A node rotates its
// key on a schedule and publishes its key set signed with its current key; a peer seeing an
// unknown key id fetches that set and pins the new keys only when a key it already pinned signed
// it, so rotation needs no operator and a stranger's key is never trusted.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::exchange {

// A node id: lowercase letters, digits, '-' and '_', 1 to 32 characters.
bool valid_node_id(std::string_view id);

struct NodeKeyPolicy {
  std::chrono::hours rotate_every{24 * 90};
  // How long after its successor starts a key is still accepted (a message signed just before
  // the rotation still checks), and how early before its end the successor is made.
  std::chrono::hours overlap{24 * 7};
  std::chrono::seconds cache_for{30};
};

struct PublishedKey {
  std::string kid;
  std::string public_jwk;
  Instant not_after;
};

class NodeKeys {
 public:
  NodeKeys(std::string node_id, storage::Database& db, const Clock& clock, const SecretKey& secrets,
           NodeKeyPolicy policy = {});
  const std::string& node_id() const { return node_id_; }
  // The key that signs now, made when there is none or the current one nears its end.
  Result<oidc::KeyPair> signing_key();
  // A new key that signs from now on (the old one stays valid until its not_after).
  Result<oidc::KeyPair> rotate();
  // Ends a key at once (a key thought compromised): peers refuse it from now on, once they see
  // the key set again.
  Result<void> retire(const std::string& kid);
  Result<std::vector<PublishedKey>> published();
  // The key set: a compact JWS of {"typ": "guichet-exchange-keys",
  // "iss": node id, "iat", "keys": [{"kid", "jwk", "not_after"}]}.
  // Signed by `signer` when it names a live key of this node (a peer asks for the set signed by a
  // key it pinned, so it can trust the keys it does not know yet), else by the current key.
  Result<std::string> signed_key_set(const std::string& signer = {});
  // Signs a JSON payload with the current key.
  Result<std::string> sign(std::string_view payload);

 private:
  Result<oidc::KeyPair> create(Instant now);
  std::string node_id_;
  storage::Database& db_;
  const Clock& clock_;
  SecretKey secrets_;
  NodeKeyPolicy policy_;
  std::mutex mutex_;
  std::optional<std::pair<oidc::KeyPair, Instant>> cached_;  // the key and when it was read
};

struct Peer {
  std::string node_id;
  std::string name;
  std::string url;  // base URL: http://127.0.0.1:8081
};

// How a node reaches others: HTTP in production (curl_transport), anything in tests.
struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpReply> get(const std::string& url) = 0;
  virtual Result<HttpReply> post(const std::string& url, const std::string& content_type, const std::string& body) = 0;
  // A GET with request headers ("Name: value") and its own time limit, for connectors to an
  // administration's API; by default the plain get.
  virtual Result<HttpReply> get_with(const std::string& url, const std::vector<std::string>& headers,
                                     std::chrono::milliseconds timeout) {
    (void)headers;
    (void)timeout;
    return get(url);
  }
};
// libcurl, with a total timeout, no redirects, http and https only.
// With `client_certificate` and `client_key` (PEM), the node presents them to peers that require
// mutual TLS; with `ca`, peers' server certificates are checked against it instead of the system's.
struct TransportTls {
  std::string client_certificate;
  std::string client_key;
  std::string ca;
};
std::unique_ptr<Transport> curl_transport(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                          TransportTls tls = {});

struct VerifiedMessage {
  std::string kid;
  boost::json::object payload;
};

class Peers {
 public:
  Peers(storage::Database& db, const Clock& clock, Transport& transport);
  // Registers (or updates) a peer: fetches its key set from `url`, which must be signed by
  // `pinned_kid` and name `node_id`, and pins every key in it. Errc::bad_peer says why not.
  Result<std::vector<PublishedKey>> add(const std::string& node_id, const std::string& name, const std::string& url,
                                        const std::string& pinned_kid);
  // The same from a key set obtained another way (a file handed over), without fetching.
  Result<std::vector<PublishedKey>> add_from_key_set(const std::string& node_id, const std::string& name,
                                                     const std::string& url, const std::string& key_set,
                                                     const std::string& pinned_kid);
  Result<void> remove(const std::string& node_id);
  Result<std::optional<Peer>> find(const std::string& node_id);
  Result<std::vector<Peer>> list();
  // Checks a compact JWS a peer sent: its key must be pinned for that peer and not past its
  // not_after (an unknown key id first makes one attempt, at most once a minute per peer, to
  // fetch the peer's signed key set). Errc::unknown_node, unknown_key, key_expired, bad_signature.
  Result<VerifiedMessage> verify(const std::string& node_id, std::string_view compact);
  // The same checks for a caller that has already read the payload from `compact` (the signature
  // covers those very bytes): the key id that checked, without reading the payload again.
  Result<std::string> check_signature(const std::string& node_id, std::string_view compact);

 private:
  Result<oidc::VerifiedJws> verified_jws(const std::string& node_id, std::string_view compact);
  Result<std::vector<PublishedKey>> pin(const std::string& node_id, const std::string& name, const std::string& url,
                                        const std::string& key_set, const std::optional<std::string>& pinned_kid);
  Result<bool> refresh(const std::string& node_id);
  storage::Database& db_;
  const Clock& clock_;
  Transport& transport_;
  // Pinned keys read in the last 30 seconds, by node and kid (a miss, a new pin or a key past its
  // end reads the table again), so an exchange does not open a read snapshot to check a signature.
  struct CachedKey {
    std::string public_jwk;
    Instant not_after;
    Instant read_at;
  };
  std::mutex cache_mutex_;
  std::map<std::pair<std::string, std::string>, CachedKey> cache_;
  // Peers found in the last 30 seconds, by node (the same rule: pinning or removing one here
  // forgets it at once; another node sharing the database sees the change within 30 s).
  std::map<std::string, std::pair<Peer, Instant>> found_;
};

// The header of a compact JWS (unverified): its kid and alg.
struct JwsHeader {
  std::string kid;
  std::string alg;
};
Result<JwsHeader> peek_header(std::string_view compact);
// The payload of a compact JWS, unverified, as a JSON object: to know who claims to send it.
Result<boost::json::object> peek_payload(std::string_view compact);

// This node's signing keys, sealed with the secrets key.
inline constexpr storage::SealedColumn kSealedNodeKeys{"exchange_keys", "kid", false, "private_jwk",
                                                       "exchange_keys.private_jwk."};

}  // namespace guichet::exchange
