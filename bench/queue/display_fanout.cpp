// Display boards at scale: N event streams (GET /api/v1/shops/{code}/events) held open on one
// `guichet serve`, then a counter calls through the API (POST /api/v1/counters/{id}/call-next)
// and the time from sending the call to each screen reading its "called" event is measured.
// Reports the percentiles over every screen and call, the call's own answer time (the
// reference: the same node's round trip with nothing to fan out) and the node's memory.
//
//   build/bench/display_fanout [screens=5000] [calls=20]
//
// Not a Google Benchmark: what matters is the distribution of one event's arrival across
// thousands of sockets. The client side is one thread with epoll, so it measures the server.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/storage/migrations.hpp"
#include "queue/bench_shop.hpp"

namespace {
using namespace guichet;
using Steady = std::chrono::steady_clock;

int connect_to(int port, bool blocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
    throw std::runtime_error("connect");
  }
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINPROGRESS)) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    if (n <= 0) throw std::runtime_error("send");
    sent += static_cast<std::size_t>(n);
  }
}

// One blocking HTTP request; its status.
int request(int port, const std::string& text) {
  int fd = connect_to(port, true);
  send_all(fd, text);
  std::string reply;
  char buffer[4096];
  while (reply.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply.size() > 12 ? std::atoi(reply.c_str() + 9) : 0;
}

long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(q * static_cast<double>(values.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const int screens = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 20;
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);

  // The database: the shop, an agent holding counter c1 with a counter token, tickets waiting.
  const auto dir = std::filesystem::temp_directory_path() / ("guichet-fanout-" + random_hex(6));
  std::filesystem::create_directories(dir);
  const std::string url = "sqlite:" + (dir / "g.db").string();
  SystemClock clock;
  std::string token;
  std::int64_t counter = 0;
  {
    auto db = std::move(storage::open_database(url)).value();
    if (!storage::apply_migrations(*db, storage::builtin_migrations(), clock) ||
        !catalogue::import_catalogue(*db, queue::bench::shop_catalogue(), "bench", clock)) {
      std::fprintf(stderr, "display_fanout: cannot set up the database\n");
      return 1;
    }
    auto c = db->acquire();
    auto rows = (*c)->query("SELECT id, shop_id FROM counters ORDER BY id LIMIT 1");
    counter = rows->rows.front().integer(0);
    const std::int64_t shop = rows->rows.front().integer(1);
    auto services = (*c)->query("SELECT id FROM services ORDER BY id LIMIT 1");
    auto agent = identity::account_for_caller(*db, "agent@bench.invalid", "bench", clock);
    (void)queue::open_counter(*db, counter, agent->id, clock);
    token = *oidc::issue_operator_token(*db, agent->id, {"counter"}, std::chrono::hours(1), clock);
    for (int i = 0; i < calls + 5; ++i) {
      queue::TicketRequest ticket;
      ticket.shop_id = shop;
      ticket.services = {services->rows.front().integer(0)};
      (void)queue::issue_ticket(*db, ticket, clock, queue::QueuePolicy{});
    }
  }

  // The node.
  int out[2];
  if (::pipe(out) != 0) return 1;
  const pid_t node = ::fork();
  if (node == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::execl(GUICHET_BENCH_BINARY, "guichet", "serve", "--listen", "127.0.0.1:0", "--db", url.c_str(), "--no-access-log",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  for (char ch; ::read(out[0], &ch, 1) == 1 && ch != '\n';) line += ch;
  const int port = std::atoi(line.c_str() + line.rfind(':') + 1);
  const long idle_kib = resident_kib(node);

  // The screens, connected 250 at a time as a shop's screens come up (a node refuses what would
  // queue past --max-pending with 503, and a screen's EventSource tries again; here, at once).
  const int poller = ::epoll_create1(0);
  std::vector<int> sockets(static_cast<std::size_t>(screens), -1);
  std::vector<std::string> seen(static_cast<std::size_t>(screens));
  std::vector<bool> asked(static_cast<std::size_t>(screens), false);
  std::vector<bool> live(static_cast<std::size_t>(screens), false);
  std::vector<int> called(static_cast<std::size_t>(screens), 0);
  const std::string subscribe =
      "GET /api/v1/shops/shop/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n";
  int reconnections = 0;
  auto open_screen = [&](std::size_t i) {
    if (sockets[i] >= 0) {
      ::epoll_ctl(poller, EPOLL_CTL_DEL, sockets[i], nullptr);
      ::close(sockets[i]);
    }
    sockets[i] = connect_to(port, false);
    asked[i] = false;
    live[i] = false;
    seen[i].clear();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(poller, EPOLL_CTL_ADD, sockets[i], &event);
  };
  std::vector<epoll_event> ready(1024);
  char buffer[8192];
  // Reads what arrived; for `round` > 0, notes when each screen has seen that many calls.
  auto pump = [&](int round, Steady::time_point sent, std::vector<double>& latencies, int& done) {
    int n = ::epoll_wait(poller, ready.data(), static_cast<int>(ready.size()), 100);
    for (int k = 0; k < n; ++k) {
      const std::size_t i = ready[static_cast<std::size_t>(k)].data.u32;
      const int fd = sockets[i];
      if ((ready[static_cast<std::size_t>(k)].events & EPOLLOUT) != 0U && !asked[i]) {
        send_all(fd, subscribe);
        asked[i] = true;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u32 = static_cast<std::uint32_t>(i);
        ::epoll_ctl(poller, EPOLL_CTL_MOD, fd, &event);
      }
      bool closed = false;
      for (;;) {
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN)) closed = true;
        if (got <= 0) break;
        seen[i].append(buffer, static_cast<std::size_t>(got));
      }
      if (!live[i] && seen[i].find("event: queue\n") != std::string::npos) live[i] = true;
      std::size_t at = 0;
      while ((at = seen[i].find("event: called\n", at)) != std::string::npos) {
        ++called[i];
        at += 14;
        if (round > 0 && called[i] == round) {
          latencies.push_back(std::chrono::duration<double, std::milli>(Steady::now() - sent).count());
          ++done;
        }
      }
      // Keep only the tail (an event may be cut between two reads).
      if (seen[i].size() > 64) seen[i].erase(0, seen[i].size() - 64);
      if (closed) {
        ++reconnections;
        open_screen(i);
      }
    }
  };
  {
    std::vector<double> none;
    int unused = 0;
    const auto start = Steady::now();
    for (int opened = 0; opened < screens;) {
      const int batch = std::min(250, screens - opened);
      for (int b = 0; b < batch; ++b) open_screen(static_cast<std::size_t>(opened + b));
      opened += batch;
      while (Steady::now() - start < std::chrono::seconds(120) &&
             std::count(live.begin(), live.begin() + opened, true) < opened) {
        pump(0, start, none, unused);
      }
    }
  }
  const long connected_kib = resident_kib(node);

  std::vector<double> latencies;
  std::vector<double> answers;
  const std::string call = "POST /api/v1/counters/" + std::to_string(counter) +
                           "/call-next HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token +
                           "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  int missed = 0;
  for (int round = 1; round <= calls; ++round) {
    const auto sent = Steady::now();
    const int status = request(port, call);
    answers.push_back(std::chrono::duration<double, std::milli>(Steady::now() - sent).count());
    if (status != 200) {
      std::fprintf(stderr, "display_fanout: call-next answered %d\n", status);
      return 1;
    }
    int done = 0;
    while (done < screens && Steady::now() - sent < std::chrono::seconds(10)) pump(round, sent, latencies, done);
    missed += screens - done;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::kill(node, SIGTERM);
  int status = 0;
  ::waitpid(node, &status, 0);
  for (int fd : sockets) ::close(fd);
  std::filesystem::remove_all(dir);

  std::printf("screens %d, calls %d, screens that missed a call %d, reconnections %d\n", screens, calls, missed,
              reconnections);
  std::printf("call to screen (ms): p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n", percentile(latencies, 0.5),
              percentile(latencies, 0.9), percentile(latencies, 0.99), percentile(latencies, 1.0));
  std::printf("call-next answer (ms, the reference): p50 %.1f, max %.1f\n", percentile(answers, 0.5),
              percentile(answers, 1.0));
  std::printf("node memory: %ld MiB idle, %ld MiB with the screens (%.1f KiB a screen)\n", idle_kib / 1024,
              connected_kib / 1024, static_cast<double>(connected_kib - idle_kib) / screens);
  return missed == 0 ? 0 : 1;
}
