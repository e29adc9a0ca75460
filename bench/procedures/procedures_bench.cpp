// A 40-field online form through the whole application (router, middleware, session, templates,
// SQLite), without sockets: rendering the page, saving all 40 answers (each checked on the
// server), and submitting a case (the path walked, every answer checked again, the history row and
// the receipt job written). Beside it, in the same run, the floor: the home page through the same
// chain (layout and session, no procedure) and the 40 answers' checks alone. Latency percentiles
// over many runs, on one thread. Results go to docs/PERFORMANCE.md.
//
//   build/bench/procedures_bench [runs]
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/procedures/answers.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"

namespace guichet::app {
std::string_view demo_catalogue_json();
}  // namespace guichet::app

namespace guichet::procedures {
namespace {
namespace json = boost::json;
using Steady = std::chrono::steady_clock;

struct Percentiles {
  double p50 = 0, p95 = 0, max = 0;
};

Percentiles measure(int runs, const std::function<void()>& work) {
  work();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = Steady::now();
    work();
    ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  return {at(0.50), at(0.95), ms.back()};
}

void row(const char* name, const Percentiles& p) {
  std::printf("| %-44s | %8.3f | %8.3f | %8.3f |\n", name, p.p50, p.p95, p.max);
}

json::object texts(const std::string& en) {
  return {{"fr", en + " (fr)"}, {"pt", en + " (pt)"}, {"vi", en + " (vi)"}, {"en", en}};
}

// Forty fields of the common types on one page, and the form answers that fill them.
std::pair<std::string, std::map<std::string, std::string>> forty_fields() {
  json::array fields;
  std::map<std::string, std::string> form;
  for (int i = 0; i < 40; ++i) {
    const std::string id = "f" + std::to_string(i);
    json::object f{{"id", id}, {"label", texts("Question " + std::to_string(i))}, {"help", texts("Help text")}};
    switch (i % 8) {
      case 0:
        f["type"] = "text";
        form[id] = "Ana Maria Silva";
        break;
      case 1:
        f["type"] = "date";
        form[id + ".day"] = "7";
        form[id + ".month"] = "3";
        form[id + ".year"] = "1990";
        break;
      case 2:
        f["type"] = "amount";
        form[id] = "1 234,56";
        break;
      case 3:
        f["type"] = "choice";
        f["options"] = json::array{json::object{{"id", "a"}, {"label", texts("A")}},
                                   json::object{{"id", "b"}, {"label", texts("B")}}};
        form[id] = "b";
        break;
      case 4:
        f["type"] = "iban";
        form[id] = "PT50 0002 0123 1234 5678 9015 4";
        break;
      case 5:
        f["type"] = "phone";
        form[id] = "912 345 678";
        break;
      case 6:
        f["type"] = "address";
        form[id + ".street"] = "Rua Abílio Mendes 1";
        form[id + ".postcode"] = "1500-458";
        form[id + ".city"] = "Lisboa";
        break;
      default:
        f["type"] = "national_id";
        form[id] = "123456789";
        break;
    }
    fields.push_back(f);
  }
  json::object definition{
      {"format", 1},
      {"service", "address-change"},
      {"pages", json::array{json::object{{"id", "all"}, {"title", texts("Everything")}, {"fields", fields}}}}};
  form["action"] = "continue";
  return {json::serialize(definition), form};
}

int run(int runs) {
  const auto dir = std::filesystem::temp_directory_path() / ("guichet-procedures-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto db = storage::open_database("sqlite:" + (dir / "bench.db").string());
  if (!db || !storage::apply_migrations(**db, storage::builtin_migrations(), clock)) return 1;
  if (!catalogue::import_catalogue(**db, app::demo_catalogue_json(), "bench", clock)) return 1;
  auto [definition_text, form] = forty_fields();
  Procedures registry(**db, clock, ProcedurePolicy{std::chrono::days(30), 1'000'000});
  if (!registry.publish(definition_text, "bench")) return 1;
  auto user = identity::create_user(**db, identity::NewUser{"ana@example.org", "correct horse battery", true}, clock);
  if (!user) return 1;
  app::SiteOptions options{GUICHET_BENCH_WEB_ROOT, "en", false, nullptr, nullptr, "bench", "http://guichet.test"};
  auto site = app::Site::load(options, **db, clock);
  if (!site) {
    std::fprintf(stderr, "%s\n", site.error().message.c_str());
    return 1;
  }
  testing::Browser b((*site)->application());
  (void)b.get("/account/sign-in");
  if (b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status != 303) {
    return 1;
  }
  auto draft = registry.start(Actor{user->id, 0}, "address-change");
  if (!draft) return 1;
  const std::string page = "/cases/" + draft->reference + "/pages/all";
  if (b.post(page, form).status != 303) {
    std::fprintf(stderr, "the 40 answers were refused\n");
    return 1;
  }
  auto parsed = parse_definition(definition_text);
  json::object raw;
  for (const auto& [k, v] : form) raw[k] = v;

  std::printf("| %-44s | %8s | %8s | %8s |\n", "operation (ms)", "p50", "p95", "max");
  std::printf("|%s|---------:|---------:|---------:|\n", std::string(46, '-').c_str());
  row("home page, same chain (floor)", measure(runs, [&] { (void)b.get("/"); }));
  row("40 answers checked alone (floor)", measure(runs, [&] {
        for (const Field* f : parsed->questions()) (void)check_answer(*f, json::value("123456789"), "2026-12-03");
      }));
  row("render the 40-field page", measure(runs, [&] { (void)b.get(page); }));
  row("save the 40 answers", measure(runs, [&] { (void)b.post(page, form); }));
  // Each submission needs a draft of its own, filled beforehand (outside the timing).
  std::vector<std::string> ready;
  for (int i = 0; i <= runs; ++i) {
    auto d = registry.start(Actor{user->id, 0}, "address-change");
    if (!d) return 1;
    (void)b.post("/cases/" + d->reference + "/pages/all", form);
    ready.push_back(d->reference);
  }
  std::size_t next = 0;
  row("submit a 40-answer case", measure(runs, [&] { (void)b.post("/cases/" + ready[next++] + "/submit", {}); }));
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace guichet::procedures

int main(int argc, char** argv) { return guichet::procedures::run(argc > 1 ? std::atoi(argv[1]) : 200); }
