// The only place that speaks sockets. Each connection is a coroutine on one network thread:
// read the head, pick the route (which sets the body limit), read the body, hand the request to
// the worker pool and wait for its response without blocking the thread, write, and loop while
// keep-alive holds.
#include "guichet/http/server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "beast_conversion.hpp"
#include "guichet/core/deadline.hpp"
#include "guichet/core/log.hpp"
#include "guichet/http/errors.hpp"

namespace guichet::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kOneTlsRecord = 16 * 1024;  // the most plaintext one TLS record carries

struct SessionControl {
  std::atomic<bool> idle{true};
  std::atomic<bool> streaming{false};  // writing an event stream, which only a stop ends
  std::function<void()> interrupt;
  // Run by `interrupt` on the connection's own thread: an event stream's way to stop waiting.
  std::function<void()> on_interrupt;
};

// One io_context per thread: a connection lives on one thread for its whole life, so it needs no
// strand and no lock; new connections are dealt out round-robin. contexts[0] also runs the
// acceptor, the signal handler and the shutdown timer.
struct Server::Impl {
  Impl(ServerOptions o, const Application& a)
      : options(std::move(o)),
        app(a),
        contexts(make_contexts(options.threads)),
        io(*contexts[0]),
        acceptor(io),
        signals(io),
        grace_timer(io),
        workers(std::max(1U, options.worker_threads)) {
    for (auto& context : contexts) guards.emplace_back(context->get_executor());
  }

  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned threads) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (unsigned i = 0; i < std::max(1U, threads); ++i) made.push_back(std::make_unique<asio::io_context>(1));
    return made;
  }

  asio::io_context& next_context() { return *contexts[next_context_index++ % contexts.size()]; }

  ServerOptions options;
  const Application& app;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::size_t next_context_index = 0;  // used by the accept loop only
  asio::io_context& io;
  std::optional<asio::ssl::context> ssl;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer grace_timer;
  // Declared after the contexts, so it is joined before they are destroyed: a handler still
  // running resumes a coroutine that lives on them.
  asio::thread_pool workers;
  std::atomic<std::size_t> pending{0};  // requests handed to the workers, not yet answered
  // Open while the contexts live: a response settled later resumes its connection through it
  // (settled_later), from a thread the server does not own (a journal's committer), so it may
  // come after the server is gone; closed first thing in the destructor.
  struct ResumeGate {
    std::mutex mutex;
    bool open = true;
  };
  std::shared_ptr<ResumeGate> resume_gate = std::make_shared<ResumeGate>();
  ~Impl() {
    std::lock_guard lock(resume_gate->mutex);
    resume_gate->open = false;
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;

  std::mutex sessions_mutex;
  std::unordered_map<std::uint64_t, std::shared_ptr<SessionControl>> sessions;
  std::uint64_t next_session = 0;

  std::uint64_t register_session(std::shared_ptr<SessionControl> control) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(++next_session, std::move(control));
    return next_session;
  }

  void unregister_session(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(id);
    if (stopping && sessions.empty()) asio::post(io, [this] { grace_timer.cancel(); });
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    for (auto& guard : guards) guard.reset();  // each thread returns once its connections end
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, control] : sessions) {
      if (control->idle || control->streaming) control->interrupt();
    }
    if (sessions.empty()) return;
    grace_timer.expires_after(options.shutdown_grace);
    grace_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      for (auto& context : contexts) context->stop();  // grace period over: cut what is left
    });
  }
};

namespace {

// The response head is written by hand into one buffer: it is simpler and measurably faster than
// Beast's generic serializer, and the head and body then leave in a single gathered write.
// A body_size for a body whose end is the connection's (an event stream).
constexpr std::size_t kNoContentLength = static_cast<std::size_t>(-1);

std::string serialize_head(const Response& response, std::size_t body_size, bool keep_alive, bool http10) {
  std::string head;
  head.reserve(640);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += bh::obsolete_reason(static_cast<bh::status>(response.status));
  head += "\r\n";
  for (const auto& [name, value] : response.headers.fields()) {
    // Handlers never put line breaks in header fields; refusing them here rules out response
    // splitting whatever a future handler does.
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  // RFC 9110: no Content-Length on 1xx, 204 and 304 answers.
  if (response.status >= 200 && response.status != 204 && response.status != 304 && body_size != kNoContentLength) {
    head += "Content-Length: ";
    head += std::to_string(body_size);
    head += "\r\n";
  }
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (http10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

// The next chunk of a streamed body, produced on the worker pool. A coroutine function (not a
// lambda) so that it owns its argument; Asio's co_spawn wants a default-constructible result, so
// an optional holds the Result.
asio::awaitable<std::optional<Result<std::string>>> next_chunk(std::shared_ptr<BodyStream> body) {
  co_return body->next();
}

// A streamed body (http::BodyStream): the head, then each chunk as the worker pool produces it.
// Only one chunk is held at a time; a failed or short producer ends the connection.
template <class Stream>
asio::awaitable<bool> write_stream(Server::Impl& s, Stream& stream, const Request& request, Response& response,
                                   bool keep_alive, bool http10) {
  std::shared_ptr<BodyStream> body = response.stream;
  std::string head = serialize_head(response, static_cast<std::size_t>(body->length), keep_alive, http10);
  beast::get_lowest_layer(stream).expires_after(s.options.body_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kTuple);
  if (ec) co_return false;
  if (request.method == Method::head) co_return true;
  std::uint64_t sent = 0;
  for (;;) {
    std::optional<Result<std::string>> chunk =
        co_await asio::co_spawn(s.workers, next_chunk(body), asio::use_awaitable);
    if (!*chunk) {
      log_event(LogLevel::error, "stream_failed", {{"error", (*chunk).error().message}, {"sent", sent}});
      co_return false;
    }
    const std::string& data = **chunk;
    if (data.empty()) co_return sent == body->length;
    sent += data.size();
    if (sent > body->length) co_return false;
    beast::get_lowest_layer(stream).expires_after(s.options.body_timeout);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(data), kTuple);
    if (wec) co_return false;
  }
}

// What an event stream's source has pushed and the connection has not written yet. Pushes come
// from any thread; the wake-up is posted to the connection's thread, where the timer lives.
struct EventMailbox {
  explicit EventMailbox(const asio::any_io_executor& e) : executor(e), timer(e) {}
  asio::any_io_executor executor;
  asio::steady_timer timer;
  std::mutex mutex;
  std::vector<std::shared_ptr<const std::string>> pending;
  bool overflowed = false;
  std::size_t max_pending = 0;
};

// An event stream (http::EventStream): the head without Content-Length, `first`, then each pushed
// text as it comes, or a heartbeat comment when nothing came for a while. Ends when the client
// goes, is too slow, or the server stops (the session counts as interruptible meanwhile).
template <class Stream>
asio::awaitable<bool> write_events(Server::Impl& s, Stream& stream, Response& response, SessionControl& control) {
  std::shared_ptr<EventStream> events = response.events;
  std::string head = serialize_head(response, kNoContentLength, false, false);
  head += events->first;
  beast::get_lowest_layer(stream).expires_after(s.options.body_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kTuple);
  if (ec || s.stopping) co_return false;
  auto box = std::make_shared<EventMailbox>(co_await asio::this_coro::executor);
  box->max_pending = events->max_pending;
  std::shared_ptr<void> subscription =
      events->subscribe([weak = std::weak_ptr<EventMailbox>(box)](std::shared_ptr<const std::string> text) {
        auto mailbox = weak.lock();
        if (!mailbox) return;
        {
          std::lock_guard lock(mailbox->mutex);
          if (mailbox->pending.size() >= mailbox->max_pending) {
            mailbox->overflowed = true;
          } else {
            mailbox->pending.push_back(std::move(text));
          }
        }
        asio::post(mailbox->executor, [weak] {
          if (auto alive = weak.lock()) alive->timer.cancel();
        });
      });
  control.on_interrupt = [weak = std::weak_ptr<EventMailbox>(box)] {
    if (auto alive = weak.lock()) alive->timer.cancel();
  };
  control.streaming = true;
  static const std::string kHeartbeat = ": heartbeat\n\n";
  bool ok = true;
  while (ok && !s.stopping) {
    std::vector<std::shared_ptr<const std::string>> ready;
    bool overflowed = false;
    {
      std::lock_guard lock(box->mutex);
      ready.swap(box->pending);
      overflowed = box->overflowed;
    }
    if (overflowed) break;
    if (ready.empty()) {
      box->timer.expires_after(events->heartbeat);
      auto [wait_ec] = co_await box->timer.async_wait(kTuple);
      if (s.stopping) break;
      {
        std::lock_guard lock(box->mutex);
        ready.swap(box->pending);
        overflowed = box->overflowed;
      }
      if (overflowed) break;
      if (ready.empty() && wait_ec) continue;  // woken for texts another wake-up already took
    }
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(ready.size() + 1);
    for (const auto& text : ready) buffers.emplace_back(asio::buffer(*text));
    if (buffers.empty()) buffers.emplace_back(asio::buffer(kHeartbeat));
    beast::get_lowest_layer(stream).expires_after(s.options.body_timeout);
    auto [wec, wn] = co_await asio::async_write(stream, buffers, kTuple);
    ok = !wec;
  }
  control.streaming = false;
  control.on_interrupt = nullptr;
  subscription.reset();
  co_return false;
}

template <class Stream>
asio::awaitable<bool> write_response(Server::Impl& s, Stream& stream, const Request& request, Response& response,
                                     bool keep_alive, bool http10 = false) {
  if (response.stream) co_return co_await write_stream(s, stream, request, response, keep_alive, http10);
  const std::string& body = response.shared_body ? *response.shared_body : response.body;
  std::string head = serialize_head(response, body.size(), keep_alive, http10);
  beast::get_lowest_layer(stream).expires_after(s.options.body_timeout);
  const bool with_body = request.method != Method::head && !body.empty();
  if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
    // Over TLS, one buffer per write: given the head and the body as one sequence of two buffers,
    // Beast's ssl_stream (Boost 1.81, through its flat_stream) wrote the head, reported the whole
    // sequence done and sent no body once the body passed 16 KiB (issue 16: styles and scripts
    // never arrived). A response that fits one TLS record goes as one record.
    const bool apart = with_body && head.size() + body.size() > kOneTlsRecord;
    if (with_body && !apart) head += body;
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kTuple);
    if (ec || !apart) co_return !ec;
    auto [bec, bn] = co_await asio::async_write(stream, asio::buffer(body), kTuple);
    co_return !bec;
  } else {
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head),
                                              with_body ? asio::buffer(body) : asio::const_buffer()};
    auto [ec, n] = co_await asio::async_write(stream, buffers, kTuple);
    co_return !ec;
  }
}

// Decrements the pending count however the worker's coroutine ends.
struct PendingSlot {
  std::atomic<std::size_t>& pending;
  ~PendingSlot() { pending.fetch_sub(1); }
};

// Runs `work` (the route's handler chain, or an error answer) on the worker pool and resumes this
// connection's coroutine on its network thread with the response; the network thread serves other
// connections meanwhile. Past max_pending_requests, or once the request's deadline has passed
// while it queued, the answer is a 503 with Retry-After made on the network thread without
// touching the database.
template <class Work>
asio::awaitable<Response> run_on_workers(Server::Impl& s, Request& request, Work work) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + s.options.request_timeout;
  if (s.pending.fetch_add(1) >= s.options.max_pending_requests) {
    s.pending.fetch_sub(1);
    request.on_network_thread = true;
    co_return s.app.fail(
        request, make_error(Errc::overloaded, "the server has too many requests in progress; try again shortly"));
  }
  PendingSlot slot{s.pending};
  co_return co_await asio::co_spawn(
      s.workers,
      [&]() -> asio::awaitable<Response> {
        if (std::chrono::steady_clock::now() >= deadline) co_return s.app.fail(request, deadline_exceeded());
        DeadlineScope scope(deadline);
        co_return work();
      },
      asio::use_awaitable);
}

// A response settled later (Response::later): waits for its settlement without holding a thread
// (the settling thread posts the resumption to this connection's own thread), counted among the
// requests in progress meanwhile.
asio::awaitable<Response> settled_later(Server::Impl& s, Response returned) {
  const std::shared_ptr<LaterResponse> later = returned.later;
  s.pending.fetch_add(1);
  PendingSlot slot{s.pending};
  // Named, not a temporary inside the co_await: gcc 12 destroys a temporary lambda's captures
  // twice there (its coroutine bug 99576).
  const std::shared_ptr<Server::Impl::ResumeGate> gate = s.resume_gate;
  auto initiation = [later, gate](auto handler) {
    auto resume = std::make_shared<decltype(handler)>(std::move(handler));
    later->when_settled([resume, gate] {
      std::lock_guard lock(gate->mutex);
      if (!gate->open) {
        // The server and its contexts are gone; so is the connection, whose coroutine this
        // handler would destroy with them. Left alone: the process is stopping.
        (void)new std::shared_ptr<decltype(handler)>(resume);
        return;
      }
      auto executor = asio::get_associated_executor(*resume);
      asio::post(executor, [resume] { std::move (*resume)(); });
    });
  };
  auto settlement =
      asio::async_initiate<decltype(asio::use_awaitable), void()>(std::move(initiation), asio::use_awaitable);
  co_await std::move(settlement);
  co_return later->take(returned);
}

bool client_went_away(const boost::system::error_code& ec) {
  return ec == bh::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated;
}

template <class Stream>
asio::awaitable<void> serve_requests(Server::Impl& s, Stream& stream, const std::string& remote, bool tls,
                                     SessionControl& control) {
  beast::flat_buffer buffer;
  for (;;) {
    bh::request_parser<bh::empty_body> head;
    head.header_limit(static_cast<std::uint32_t>(s.options.max_header_bytes));
    // No limit while reading the header (Beast's default, 1 MiB, would refuse a declared length
    // before the route is known): the route's own limit is applied below, declared or chunked.
    head.body_limit(boost::none);
    control.idle = true;
    if (s.stopping && buffer.size() == 0) co_return;
    beast::get_lowest_layer(stream).expires_after(s.options.header_timeout);
    auto [ec, n] = co_await bh::async_read_header(stream, buffer, head, kTuple);
    control.idle = false;

    Request request;
    request.remote_address = remote;
    request.tls = tls;
    if (ec) {
      // Beast closes the socket when a read deadline passes, so a slow or idle client is simply
      // disconnected; there is no connection left to carry a 408.
      if (client_went_away(ec) || ec == beast::error::timeout) co_return;
      Error error = detail::beast_read_error(ec);
      Response response = co_await run_on_workers(s, request, [&] { return s.app.fail(request, std::move(error)); });
      co_await write_response(s, stream, request, response, false);
      co_return;
    }

    detail::copy_header(head.get(), request);
    if (auto framing = detail::framing_error(head.get())) {
      // The body's end cannot be known for sure: answer and close, reading nothing more.
      Response response = co_await run_on_workers(s, request, [&] { return s.app.fail(request, std::move(*framing)); });
      co_await write_response(s, stream, request, response, false);
      co_return;
    }
    const unsigned head_version = head.get().version();
    Application::Dispatch dispatch = s.app.route(request);
    bool keep_alive = head.get().keep_alive();
    if (request.early_error) {
      if (!head.is_done()) keep_alive = false;  // its body is left unread
    } else if (!head.is_done()) {
      auto declared = head.content_length();
      if (declared && *declared > dispatch.max_body_bytes) {
        Error error = make_error(Errc::payload_too_large, "the request body is larger than this address accepts (" +
                                                              std::to_string(dispatch.max_body_bytes) + " bytes)");
        Response response = co_await run_on_workers(s, request, [&] { return s.app.fail(request, std::move(error)); });
        co_await write_response(s, stream, request, response, false);
        co_return;
      }
      if (auto expect = request.header("Expect"); expect && iequals(*expect, "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
        if (wec) co_return;
      }
      bh::request_parser<bh::string_body> full{std::move(head)};
      full.body_limit(dispatch.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(s.options.body_timeout);
      auto [bec, bn] = co_await bh::async_read(stream, buffer, full, kTuple);
      if (bec) {
        if (bec == asio::error::operation_aborted || bec == beast::error::timeout) co_return;
        Error error =
            detail::beast_read_error(bec == asio::error::eof ? make_error_code(bh::error::partial_message) : bec);
        Response response = co_await run_on_workers(s, request, [&] { return s.app.fail(request, std::move(error)); });
        co_await write_response(s, stream, request, response, false);
        co_return;
      }
      request.body = std::move(full.get().body());
    }

    Response response;
    if (dispatch.on_network_thread) {
      request.on_network_thread = true;
      NetworkThreadScope network_thread;  // the storage layer then reads without waiting, or refuses
      response = s.app.handle(request, dispatch);
    } else {
      response = co_await run_on_workers(s, request, [&] { return s.app.handle(request, dispatch); });
    }
    if (response.later) response = co_await settled_later(s, std::move(response));
    keep_alive = keep_alive && !response.close_connection && !s.stopping;
    if (response.events && request.method == Method::get) {
      control.idle = false;
      co_await write_events(s, stream, response, control);
      co_return;
    }
    bool written = co_await write_response(s, stream, request, response, keep_alive, head_version == 10);
    if (!written || !keep_alive) co_return;
  }
}

template <class Stream>
asio::awaitable<void> run_session(Server::Impl& s, std::shared_ptr<Stream> stream, std::string remote, bool tls) {
  auto control = std::make_shared<SessionControl>();
  control->interrupt = [weak = std::weak_ptr<Stream>(stream), weak_control = std::weak_ptr<SessionControl>(control),
                        executor = stream->get_executor()] {
    asio::post(executor, [weak, weak_control] {
      if (auto alive = weak.lock()) beast::get_lowest_layer(*alive).cancel();
      if (auto c = weak_control.lock(); c && c->on_interrupt) c->on_interrupt();
    });
  };
  std::uint64_t id = s.register_session(control);
  try {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(*stream).expires_after(s.options.header_timeout);
      auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, kTuple);
      if (!ec) {
        co_await serve_requests(s, *stream, remote, tls, *control);
        beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(2));
        co_await stream->async_shutdown(kTuple);
      }
    } else {
      co_await serve_requests(s, *stream, remote, tls, *control);
      boost::system::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  } catch (const std::exception& e) {
    log_event(LogLevel::error, "session_error", {{"error", e.what()}});
  }
  s.unregister_session(id);
}

asio::awaitable<void> accept_loop(Server::Impl& s) {
  for (;;) {
    auto [ec, socket] = co_await s.acceptor.async_accept(s.next_context(), kTuple);
    if (ec) {
      if (s.stopping || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors or a transient failure: back off instead of spinning.
      asio::steady_timer pause(s.io, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto endpoint = socket.remote_endpoint(ignored);
    std::string remote = ignored ? std::string() : endpoint.address().to_string();
    auto executor = socket.get_executor();
    if (s.ssl) {
      auto stream = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(std::move(socket), *s.ssl);
      asio::co_spawn(executor, run_session(s, std::move(stream), std::move(remote), true), asio::detached);
    } else {
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      asio::co_spawn(executor, run_session(s, std::move(stream), std::move(remote), false), asio::detached);
    }
  }
}

}  // namespace

Server::Server(ServerOptions options, const Application& application)
    : impl_(std::make_unique<Impl>(std::move(options), application)) {}

Server::~Server() = default;

Result<void> Server::listen() {
  Impl& s = *impl_;
  boost::system::error_code ec;
  if (s.options.tls) {
    s.ssl.emplace(asio::ssl::context::tls_server);
    s.ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                       asio::ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(s.ssl->native_handle(), TLS1_2_VERSION);
    s.ssl->use_certificate_chain_file(s.options.tls->certificate_chain, ec);
    if (ec)
      return make_error(Errc::bad_tls,
                        "cannot use TLS certificate " + s.options.tls->certificate_chain + ": " + ec.message());
    s.ssl->use_private_key_file(s.options.tls->private_key, asio::ssl::context::pem, ec);
    if (ec) return make_error(Errc::bad_tls, "cannot use TLS key " + s.options.tls->private_key + ": " + ec.message());
    if (!s.options.tls->client_ca.empty()) {
      s.ssl->load_verify_file(s.options.tls->client_ca, ec);
      if (ec) {
        return make_error(Errc::bad_tls, "cannot use the client CA " + s.options.tls->client_ca + ": " + ec.message());
      }
      s.ssl->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  tcp::resolver resolver(s.io);
  auto endpoints = resolver.resolve(s.options.host, std::to_string(s.options.port), tcp::resolver::passive, ec);
  if (ec || endpoints.empty())
    return make_error(Errc::bad_listen, "cannot resolve listen address " + s.options.host + ": " + ec.message());
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(Errc::cannot_listen, "cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                                               ": " + ec.message());
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  return {};
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::run(bool handle_signals) {
  Impl& s = *impl_;
  if (handle_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([&s](boost::system::error_code ec, int) {
      if (!ec) s.begin_stop();
    });
  }
  asio::co_spawn(s.io, accept_loop(s), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < s.contexts.size(); ++i) threads.emplace_back([&s, i] { s.contexts[i]->run(); });
  s.contexts[0]->run();
  for (auto& t : threads) t.join();
  s.workers.join();
}

void Server::stop() {
  asio::post(impl_->io, [this] { impl_->begin_stop(); });
}

}  // namespace guichet::http
