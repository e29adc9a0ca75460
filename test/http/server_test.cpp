// The server over real sockets: limits, truncation, splits at every byte, timeouts, graceful
// shutdown and TLS. Each test starts its own server on port 0.
#include "guichet/http/server.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "guichet/http/errors.hpp"
#include "guichet/http/middleware.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace guichet::http {
namespace {
using testing::RawConnection;

class RunningServer {
 public:
  explicit RunningServer(ServerOptions options = {}) {
    Router router;
    router.get("/", [](Request&) { return Response::text("root"); });
    router.post(
        "/echo",
        [](Request& r) {
          std::string out = "name=" + std::string(r.form.get("name").value_or("-"));
          for (const auto& f : r.files) out += ";file=" + f.filename + ":" + std::to_string(f.content.size());
          return Response::text(out);
        },
        RouteOptions{RouteKind::api, 1024, false});
    router.post(
        "/large", [](Request& r) { return Response::text(std::to_string(r.body.size())); },
        RouteOptions{RouteKind::api, 16 * 1024 * 1024, false});
    router.get("/split", [](Request&) {
      Response r = Response::text("ok");
      r.headers.set("X-Evil", "a\r\nSet-Cookie: stolen=1");
      return r;
    });
    router.get(
        "/slow",
        [this](Request&) {
          slow_started = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(400));
          return Response::text("slow done");
        },
        RouteOptions{RouteKind::api, 0, false});
    // Blocks its worker until the test releases it (at most 5 s, so a failing test still ends).
    router.get(
        "/held",
        [this](Request&) {
          std::unique_lock lock(held_mutex);
          ++held_entered;
          held_changed.notify_all();
          held_changed.wait_for(lock, std::chrono::seconds(5), [this] { return held_released; });
          return Response::text("held done");
        },
        RouteOptions{RouteKind::api, 0, false});
    // n bytes of a pattern that shows any byte lost, repeated or out of place.
    router.get("/bytes", [](Request& r) {
      const std::size_t n = std::stoul(std::string(r.query.get("n").value_or("0")));
      std::string body(n, '\0');
      for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
      return Response::text(body);
    });
    // A streamed body of `n` chunks of 300 KiB in the /bytes pattern; `fail=k` makes chunk k fail.
    router.get("/stream", [](Request& r) {
      const int n = std::stoi(std::string(r.query.get("n").value_or("0")));
      const int fail = std::stoi(std::string(r.query.get("fail").value_or("-1")));
      constexpr std::size_t kChunk = 300 * 1024;
      Response response;
      response.headers.set("Content-Type", "application/octet-stream");
      response.stream = std::make_shared<BodyStream>();
      response.stream->length = kChunk * static_cast<std::size_t>(n);
      auto next = std::make_shared<int>(0);
      response.stream->next = [n, fail, next]() -> Result<std::string> {
        if (*next == fail) return make_error(http::Errc::overloaded, "the chunk could not be read");
        if (*next >= n) return std::string();
        std::string chunk(kChunk, '\0');
        for (std::size_t i = 0; i < kChunk; ++i) {
          const std::size_t at = static_cast<std::size_t>(*next) * kChunk + i;
          chunk[i] = static_cast<char>('a' + (at * 7 + at / 26) % 26);
        }
        ++*next;
        return chunk;
      };
      return response;
    });
    // An event stream: "hello" first, then whatever the test pushes.
    router.get("/events", [this](Request&) {
      Response response;
      response.headers.set("Content-Type", "text/event-stream");
      response.events = std::make_shared<EventStream>();
      response.events->first = "data: hello\n\n";
      response.events->heartbeat = std::chrono::seconds(1);
      response.events->subscribe = [this](EventStream::Push push) -> std::shared_ptr<void> {
        std::lock_guard lock(held_mutex);
        pushes.push_back(push);
        held_changed.notify_all();
        return std::shared_ptr<void>(nullptr, [this](void*) { ++unsubscribed; });
      };
      return response;
    });
    // Returns at once, settled later by the test (Response::later).
    router.get(
        "/later",
        [this](Request&) {
          Response response;
          response.later = std::make_shared<LaterResponse>();
          std::lock_guard lock(held_mutex);
          laters.push_back(response.later);
          held_changed.notify_all();
          return response;
        },
        RouteOptions{RouteKind::api, 0, false});
    router.get(
        "/probe", [](Request& r) { return Response::text(r.on_network_thread ? "network" : "worker"); },
        RouteOptions{RouteKind::asset, 0, false, true});
    std::vector<Middleware> chain{request_context({false}), observe(metrics, nullptr), security_headers()};
    app = std::make_unique<Application>(std::move(router), std::move(chain), nullptr);
    options.host = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<Server>(options, *app);
    auto listening = server->listen();
    if (!listening) throw std::runtime_error(listening.error().message);
    thread = std::thread([this] { server->run(false); });
  }
  ~RunningServer() {
    server->stop();
    thread.join();
  }
  std::uint16_t port() const { return server->port(); }

  void wait_until_held(int count) {
    std::unique_lock lock(held_mutex);
    held_changed.wait_for(lock, std::chrono::seconds(5), [&] { return held_entered >= count; });
  }
  void release_held() {
    std::lock_guard lock(held_mutex);
    held_released = true;
    held_changed.notify_all();
  }

  void push_to_all(const std::string& text) {
    std::lock_guard lock(held_mutex);
    for (auto& push : pushes) push(std::make_shared<const std::string>(text));
  }
  void wait_for_subscribers(std::size_t count) {
    std::unique_lock lock(held_mutex);
    held_changed.wait_for(lock, std::chrono::seconds(5), [&] { return pushes.size() >= count; });
  }

  void wait_for_laters(std::size_t count) {
    std::unique_lock lock(held_mutex);
    held_changed.wait_for(lock, std::chrono::seconds(5), [&] { return laters.size() >= count; });
  }

  std::vector<std::shared_ptr<LaterResponse>> laters;
  std::vector<EventStream::Push> pushes;
  std::atomic<int> unsubscribed{0};
  std::atomic<bool> slow_started{false};
  std::mutex held_mutex;
  std::condition_variable held_changed;
  int held_entered = 0;
  bool held_released = false;
  Metrics metrics;
  std::unique_ptr<Application> app;
  std::unique_ptr<Server> server;
  std::thread thread;
};

// Issue 17: a handler that blocks (a database wait, a password hash) runs on a worker, so the one
// network thread goes on serving every other connection meanwhile.
TEST(Server, ABlockedHandlerDoesNotStallOtherConnections) {
  ServerOptions options;
  options.threads = 1;
  options.worker_threads = 4;
  RunningServer s(options);
  RawConnection blocked(s.port());
  blocked.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
  s.wait_until_held(1);

  RawConnection other(s.port());
  for (const char* target : {"/", "/probe"}) {
    other.send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = other.read_response();
    ASSERT_TRUE(reply) << target << " waited for the blocked handler";
    EXPECT_EQ(reply->status, 200);
  }
  s.release_held();
  auto held = blocked.read_response();
  ASSERT_TRUE(held);
  EXPECT_EQ(held->body, "held done");
}

// A handler whose answer is settled later frees its worker at once: with one worker, two such
// requests are in progress while a third request is answered; each connection then gets its own
// settled answer, whatever the order of settlement, with the layers' headers.
TEST(Server, ALaterResponseFreesItsWorkerAndIsSentOnceSettled) {
  ServerOptions options;
  options.threads = 1;
  options.worker_threads = 1;
  RunningServer s(options);
  RawConnection first(s.port());
  first.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  s.wait_for_laters(1);
  RawConnection second(s.port());
  second.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  s.wait_for_laters(2);
  ASSERT_EQ(s.laters.size(), 2u) << "the only worker was free for the second request";
  RawConnection other(s.port());
  other.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto root = other.read_response();
  ASSERT_TRUE(root) << "the worker is not held by the unsettled requests";
  EXPECT_EQ(root->body, "root");
  std::thread settling([&] {
    s.laters[1]->settle(Response::text("second", 201));
    s.laters[0]->settle(Response::json(R"({"error":"journal_unavailable"})", 503));
  });
  auto second_reply = second.read_response();
  auto first_reply = first.read_response();
  settling.join();
  ASSERT_TRUE(second_reply);
  ASSERT_TRUE(first_reply);
  EXPECT_EQ(second_reply->status, 201);
  EXPECT_EQ(second_reply->body, "second");
  EXPECT_EQ(first_reply->status, 503);
  EXPECT_EQ(first_reply->body, R"({"error":"journal_unavailable"})");
  EXPECT_TRUE(first_reply->headers.has("Retry-After")) << "the observing layer's, on the settled 503";
  EXPECT_TRUE(first_reply->headers.has("X-Request-Id"));
  EXPECT_TRUE(first_reply->headers.has("Content-Security-Policy"));
  second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto again = second.read_response();
  ASSERT_TRUE(again) << "the connection is kept alive after a settled answer";
  EXPECT_EQ(again->body, "root");
}

TEST(Server, RoutesMarkedSoRunOnTheNetworkThreadAndOthersOnWorkers) {
  RunningServer s;
  RawConnection c(s.port());
  c.send("GET /probe HTTP/1.1\r\nHost: x\r\n\r\n");
  auto reply = c.read_response();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "network");
}

TEST(Server, PastThePendingLimitRequestsGet503WithRetryAfterAtOnce) {
  ServerOptions options;
  options.worker_threads = 1;
  options.max_pending_requests = 1;
  RunningServer s(options);
  RawConnection blocked(s.port());
  blocked.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
  s.wait_until_held(1);

  RawConnection shed(s.port());
  shed.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto refused = shed.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->headers.get("Retry-After").value_or(""), "5");
  // What never blocks is still answered.
  shed.send("GET /probe HTTP/1.1\r\nHost: x\r\n\r\n");
  auto probe = shed.read_response();
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->status, 200);
  s.release_held();
  ASSERT_TRUE(blocked.read_response());
}

TEST(Server, ARequestThatWaitedPastItsDeadlineIsAnswered503WithoutRunning) {
  ServerOptions options;
  options.worker_threads = 1;
  options.request_timeout = std::chrono::milliseconds(100);
  RunningServer s(options);
  RawConnection first(s.port());
  first.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
  s.wait_until_held(1);
  RawConnection queued(s.port());
  queued.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the queued request's deadline passes
  s.release_held();
  auto late = queued.read_response();
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 503);
  EXPECT_NE(late->body.find("deadline_exceeded"), std::string::npos);
  std::lock_guard lock(s.held_mutex);
  EXPECT_EQ(s.held_entered, 1);  // the late one never ran
}

TEST(Server, KeepAliveServesSeveralRequestsOnOneConnection) {
  RunningServer s;
  RawConnection c(s.port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = c.read_response();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "root");
  }
  c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(c.read_response());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(Server, HeadAnswersWithoutBody) {
  RunningServer s;
  RawConnection c(s.port());
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = c.read_response(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(*head->headers.get("Content-Length"), "4");
  auto get = c.read_response();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "root") << "the HEAD response must not have carried a body";
}

// Exports: a body produced chunk by chunk on the workers reaches the client whole, with its
// length, over a kept-alive connection; a chunk that fails cuts the connection rather than
// sending a file that is wrong.
TEST(Server, StreamedBodiesArriveWholeAndAFailedChunkClosesTheConnection) {
  RunningServer s;
  RawConnection c(s.port());
  c.send("GET /stream?n=5 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto reply = c.read_response();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  ASSERT_EQ(reply->body.size(), 5U * 300 * 1024);
  for (std::size_t i = 0; i < reply->body.size(); i += 4099) {
    ASSERT_EQ(reply->body[i], static_cast<char>('a' + (i * 7 + i / 26) % 26)) << "at " << i;
  }
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto after = c.read_response();
  ASSERT_TRUE(after) << "the connection is kept alive after a whole stream";
  EXPECT_EQ(after->body, "root");

  RawConnection cut(s.port());
  cut.send("GET /stream?n=5&fail=2 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto partial = cut.read_response();
  EXPECT_FALSE(partial && partial->body.size() == 5U * 300 * 1024) << "never a complete-looking file";
  EXPECT_TRUE(cut.closed_by_peer());
}

TEST(Server, HeaderFieldsWithLineBreaksNeverReachTheWire) {
  RunningServer s;
  auto reply = testing::http_request(s.port(), "GET", "/split");
  EXPECT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.headers.has("X-Evil"));
  EXPECT_TRUE(reply.set_cookies.empty());
}

TEST(Server, OversizedHeadersGet431AndTheConnectionCloses) {
  RunningServer s;
  RawConnection c(s.port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(20000, 'a') + "\r\n\r\n");
  auto reply = c.read_response();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(testing::http_request(s.port(), "GET", "/").status, 200) << "the server keeps serving";
}

TEST(Server, BodiesOverTheRouteLimitGet413) {
  RunningServer s;
  RawConnection declared(s.port());
  declared.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
      "5000\r\n\r\n");
  auto reply = declared.read_response();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);

  RawConnection chunked(s.port());
  std::string chunk(800, 'a');
  chunked.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk + "\r\n320\r\n" +
               chunk + "\r\n0\r\n\r\n");
  auto reply2 = chunked.read_response();
  ASSERT_TRUE(reply2);
  EXPECT_EQ(reply2->status, 413);
}

TEST(Server, EachRouteBodyLimitIsTheOneApplied) {
  RunningServer s;
  // Beast's parsers default to 1 MiB; a route allowing 16 MiB takes more, whether its length is
  // declared or the body is chunked, and still refuses past its own limit.
  for (std::size_t size : {std::size_t{3} * 1024 * 1024, std::size_t{16} * 1024 * 1024}) {
    RawConnection declared(s.port());
    declared.send("POST /large HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                  std::to_string(size) + "\r\n\r\n" + std::string(size, 'a'));
    auto reply = declared.read_response(false, std::chrono::seconds(20));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200) << size;
    EXPECT_EQ(reply->body, std::to_string(size));
  }
  RawConnection chunked(s.port());
  const std::string chunk(1024 * 1024, 'b');
  std::string request =
      "POST /large HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "100000\r\n" + chunk + "\r\n";
  chunked.send(request + "0\r\n\r\n");
  auto reply = chunked.read_response(false, std::chrono::seconds(20));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, std::to_string(3 * 1024 * 1024));
  RawConnection over(s.port());
  over.send("POST /large HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
            std::to_string(16 * 1024 * 1024 + 1) + "\r\n\r\n");
  auto refused = over.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413);
}

TEST(Server, TruncatedBodyGets400) {
  RunningServer s;
  RawConnection c(s.port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
      "100\r\n\r\nname=half");
  c.shutdown_write();
  auto reply = c.read_response();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_NE(reply->body.find("truncated"), std::string::npos);
}

TEST(Server, MalformedInputGetsClearErrors) {
  RunningServer s;
  struct Case {
    std::string request;
    int status;
  };
  std::vector<Case> cases{
      {"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
      {"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /%FF HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo-Colon-Here\r\n\r\n", 400},
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
       "8\r\n\r\nname=%FF",
       400},
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: "
       "10\r\n\r\n--b\r\njunk!",
       400},
      {"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
  };
  for (const auto& c : cases) {
    RawConnection connection(s.port());
    connection.send(c.request);
    auto reply = connection.read_response();
    ASSERT_TRUE(reply) << c.request;
    EXPECT_EQ(reply->status, c.status) << c.request;
    EXPECT_TRUE(reply->headers.has("X-Request-Id"));
  }
  EXPECT_EQ(testing::http_request(s.port(), "GET", "/").status, 200);
}

TEST(Server, AmbiguousFramingGets400AndTheConnectionCloses) {
  RunningServer s;
  // RFC 9112 §6.1 and §3.2: a Transfer-Encoding whose last coding is not exactly chunked, an
  // obs-folded one, both framings at once, two Host fields or none: 400, and the connection is
  // not reused (what follows could be read as another request by a proxy in front).
  const std::string body = "name";
  std::vector<std::string> requests{
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 4\r\n\r\n" + body,
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n" + body,
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 4\r\n\r\n" + body,
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\n" + body,
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n4\r\nname\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
  };
  for (const std::string& request : requests) {
    RawConnection connection(s.port());
    connection.send(request + "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = connection.read_response();
    ASSERT_TRUE(reply) << request;
    EXPECT_EQ(reply->status, 400) << request;
    EXPECT_TRUE(connection.closed_by_peer()) << request;
  }
  // HTTP/1.0 needs no Host; a chunked body alone is fine.
  RawConnection old(s.port());
  old.send("GET / HTTP/1.0\r\n\r\n");
  auto reply = old.read_response();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
}

TEST(Server, RequestSplitAtEveryByteGivesTheSameAnswer) {
  RunningServer s;
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAnh\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nxyz\r\n--b--\r\n";
  const std::string request =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  RawConnection c(s.port());  // one keep-alive connection for every split
  for (std::size_t split = 1; split < request.size(); ++split) {
    c.send(request.substr(0, split));
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    c.send(request.substr(split));
    auto reply = c.read_response();
    ASSERT_TRUE(reply) << "split at " << split;
    ASSERT_EQ(reply->status, 200) << "split at " << split;
    ASSERT_EQ(reply->body, "name=Anh;file=a.txt:3") << "split at " << split;
  }
}

TEST(Server, SlowOrIdleClientsAreDisconnected) {
  ServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  RunningServer s(options);
  RawConnection partial(s.port());
  partial.send("GET / HTTP/1.1\r\nHost:");
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(partial.closed_by_peer(std::chrono::seconds(3))) << "a client trickling its headers is cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  RawConnection idle(s.port());
  EXPECT_TRUE(idle.closed_by_peer(std::chrono::seconds(3))) << "an idle keep-alive connection is closed quietly";
}

TEST(Server, StopFinishesInFlightRequestsThenReturns) {
  auto s = std::make_unique<RunningServer>();
  std::uint16_t port = s->port();
  RawConnection idle(port);
  RawConnection busy(port);
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  while (!s->slow_started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s->server->stop();
  auto reply = busy.read_response();
  ASSERT_TRUE(reply) << "the in-flight request must be answered";
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "slow done");
  EXPECT_EQ(*reply->headers.get("Connection"), "close");
  EXPECT_TRUE(idle.closed_by_peer());
  s->thread.join();
  s->thread = std::thread([] {});  // run() returned; the destructor's stop() is a no-op
  EXPECT_THROW(RawConnection{port}, std::runtime_error) << "no longer accepting";
}

// Issue 12: display boards hold a stream open; what the source pushes from any thread arrives at
// once, an idle stream carries heartbeats, a client gone unsubscribes, and a stop ends streams
// at once rather than after the grace period.
TEST(Server, EventStreamsDeliverPushesAndEndWithTheServer) {
  auto s = std::make_unique<RunningServer>();
  RawConnection a(s->port());
  RawConnection b(s->port());
  a.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  b.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = a.read_until("data: hello\n\n");
  ASSERT_TRUE(head);
  EXPECT_NE(head->find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(head->find("text/event-stream"), std::string::npos);
  EXPECT_EQ(head->find("Content-Length"), std::string::npos) << *head;
  ASSERT_TRUE(b.read_until("data: hello\n\n"));
  s->wait_for_subscribers(2);
  std::thread pusher([&] { s->push_to_all("id: 1\ndata: A001\n\n"); });
  pusher.join();
  auto first = a.read_until("\n\n");
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "id: 1\ndata: A001\n\n");
  ASSERT_TRUE(b.read_until("data: A001\n\n"));
  EXPECT_TRUE(a.read_until(": heartbeat\n\n", std::chrono::seconds(3))) << "an idle stream beats";
  {
    RawConnection gone(s->port());
    gone.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(gone.read_until("data: hello\n\n"));
    s->wait_for_subscribers(3);
  }
  // The closed client is noticed at its next write (a push or a heartbeat).
  for (int i = 0; i < 50 && s->unsubscribed < 1; ++i) {
    s->push_to_all("data: x\n\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(s->unsubscribed.load(), 1);
  const auto stop_started = std::chrono::steady_clock::now();
  s->server->stop();
  EXPECT_TRUE(a.closed_by_peer());
  EXPECT_TRUE(b.closed_by_peer());
  s->thread.join();
  s->thread = std::thread([] {});
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::seconds(3));
  EXPECT_EQ(s->unsubscribed.load(), 3);
}

std::string curl_get(const std::string& url, long tls_max, std::string* hsts, CURLcode* code) {
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, tls_max);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
        static_cast<std::string*>(u)->append(p, s * n);
        return s * n;
      });
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(
      c, CURLOPT_HEADERFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
        std::string line(p, s * n);
        if (line.starts_with("Strict-Transport-Security")) *static_cast<std::string*>(u) = line;
        return s * n;
      });
  curl_easy_setopt(c, CURLOPT_HEADERDATA, hsts);
  *code = curl_easy_perform(c);
  curl_easy_cleanup(c);
  return body;
}

TEST(Server, ServesTls12AndNewerWithHsts) {
  testing::TempDir dir;
  std::string cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
  std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  ServerOptions options;
  options.tls = TlsFiles{cert, key};
  RunningServer s(options);
  std::string url = "https://127.0.0.1:" + std::to_string(s.port()) + "/";
  std::string hsts;
  CURLcode code;
  EXPECT_EQ(curl_get(url, CURL_SSLVERSION_TLSv1_2, &hsts, &code), "root");
  EXPECT_EQ(code, CURLE_OK);
  EXPECT_TRUE(hsts.starts_with("Strict-Transport-Security: max-age=31536000")) << hsts;
  curl_get(url, static_cast<long>(CURL_SSLVERSION_TLSv1) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_1), &hsts,
           &code);
  EXPECT_NE(code, CURLE_OK) << "TLS 1.1 must be refused";
}

std::string pattern(std::size_t n) {
  std::string body(n, '\0');
  for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return body;
}

struct TlsServer {
  testing::TempDir dir;
  std::unique_ptr<RunningServer> server;
  TlsServer() {
    std::string cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
    std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -keyout " +
        key + " -out " + cert + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
    ServerOptions options;
    options.tls = TlsFiles{cert, key};
    server = std::make_unique<RunningServer>(options);
  }
  std::string url(std::size_t n) const {
    return "https://127.0.0.1:" + std::to_string(server->port()) + "/bytes?n=" + std::to_string(n);
  }
};

// Issue 16, finding 9: over TLS every response arrived whole only below about 16 KiB; larger
// bodies (the site's stylesheet: 641,115 bytes) never came. Every size, on one kept-alive
// connection, then through a reader slower than the server.
TEST(Server, TlsDeliversBodiesOfEverySizeOnAKeptAliveConnection) {
  TlsServer tls;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  std::string body;
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
        static_cast<std::string*>(u)->append(p, s * n);
        return s * n;
      });
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  for (std::size_t n : {std::size_t{1}, std::size_t{100}, std::size_t{16'000}, std::size_t{16'380}, std::size_t{16'384},
                        std::size_t{16'385}, std::size_t{17'312}, std::size_t{65'536}, std::size_t{641'115},
                        std::size_t{5 * 1024 * 1024}}) {
    body.clear();
    const std::string url = tls.url(n);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    ASSERT_EQ(curl_easy_perform(c), CURLE_OK) << n << " bytes";
    long connects = -1;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
    if (n != 1) EXPECT_EQ(connects, 0) << "the connection is kept alive after " << n << " bytes";
    ASSERT_EQ(body.size(), n);
    EXPECT_TRUE(body == pattern(n)) << n << " bytes arrived, not in order";
  }
  // A reader at 1 MiB/s for 2 MiB: the server waits for it rather than dropping anything.
  body.clear();
  const std::string slow = tls.url(2 * 1024 * 1024);
  curl_easy_setopt(c, CURLOPT_URL, slow.c_str());
  curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(1024 * 1024));
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 16'384L);
  ASSERT_EQ(curl_easy_perform(c), CURLE_OK);
  EXPECT_TRUE(body == pattern(2 * 1024 * 1024));
  curl_easy_cleanup(c);
}

// Pipelined requests over TLS (HTTP/1.1 allows a client to send the next request before the
// answer): both answered, whole and in order, on the one connection.
TEST(Server, TlsAnswersPipelinedRequestsInOrder) {
  TlsServer tls;
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_ssl_connect(context);
  const std::string address = "127.0.0.1:" + std::to_string(tls.server->port());
  BIO_set_conn_hostname(bio, address.c_str());
  ASSERT_EQ(BIO_do_connect(bio), 1);
  const std::string requests =
      "GET /bytes?n=300000 HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes?n=20000 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /bytes?n=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(BIO_write(bio, requests.data(), static_cast<int>(requests.size())), static_cast<int>(requests.size()));
  std::string received;
  char chunk[16384];
  for (int n; (n = BIO_read(bio, chunk, sizeof chunk)) > 0;) received.append(chunk, static_cast<std::size_t>(n));
  BIO_free_all(bio);
  SSL_CTX_free(context);
  std::size_t at = 0;
  for (std::size_t n : {std::size_t{300'000}, std::size_t{20'000}, std::size_t{5}}) {
    const std::string length = "Content-Length: " + std::to_string(n) + "\r\n";
    const std::size_t head = received.find(length, at);
    ASSERT_NE(head, std::string::npos) << "no answer of " << n << " bytes";
    const std::size_t start = received.find("\r\n\r\n", head) + 4;
    ASSERT_GE(received.size(), start + n);
    EXPECT_TRUE(received.compare(start, n, pattern(n)) == 0) << n;
    at = start + n;
  }
  EXPECT_EQ(at, received.size()) << "nothing more than the three answers";
}

TEST(Server, BadTlsFilesFailAtListen) {
  ServerOptions options;
  options.port = 0;
  options.tls = TlsFiles{"/no/cert.pem", "/no/key.pem"};
  Router router;
  Application app(std::move(router), {}, nullptr);
  Server server(options, app);
  auto listening = server.listen();
  ASSERT_FALSE(listening.ok());
  EXPECT_NE(listening.error().message.find("/no/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace guichet::http
