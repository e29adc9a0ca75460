#include "guichet/queue/simulator.hpp"

#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/scheduling/calendar_cache.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::queue {
namespace json = boost::json;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

Error bad(const std::string& message, const char* field = "") {
  Error e = make_error(Errc::bad_body, message);
  e.field = field;
  return e;
}

// What the simulation needs of the shop, and a catalogue document holding only it.
struct ShopModel {
  std::string code;
  std::string time_zone;
  catalogue::WeeklyHours hours;
  std::vector<std::string> closures;
  std::vector<std::string> services;    // codes the counters serve, by id
  std::map<std::string, int> minutes;   // each service's catalogue duration
  std::map<std::string, int> staffing;  // counters serving each service
  int counters = 0;
  std::string document;  // the catalogue document to import
};

Result<ShopModel> shop_model(storage::Database& db, const std::string& code) {
  auto exported = catalogue::export_catalogue(db);
  if (!exported) return std::move(exported).error();
  json::object doc = json::parse(*exported).as_object();
  const json::object* shop = nullptr;
  for (const auto& s : doc.at("shops").as_array()) {
    if (s.at("code").as_string() == code) shop = &s.as_object();
  }
  if (shop == nullptr) return make_error(Errc::no_such_shop, "no shop has the code " + code);
  ShopModel model;
  model.code = code;
  model.time_zone = std::string(shop->at("time_zone").as_string());
  auto hours = catalogue::parse_opening_hours(shop->at("opening_hours"), "opening_hours");
  if (!hours) return std::move(hours).error();
  model.hours = *hours;
  for (const auto& d : shop->at("closures").as_array()) model.closures.emplace_back(d.as_string());
  std::set<std::string> served;
  for (const auto& counter : shop->at("counters").as_array()) {
    ++model.counters;
    for (const auto& s : counter.at("services").as_array()) {
      served.insert(std::string(s.as_string()));
      ++model.staffing[std::string(s.as_string())];
    }
  }
  json::array services;
  std::set<std::string> administrations;
  for (const auto& s : doc.at("services").as_array()) {
    const std::string service(s.at("code").as_string());
    if (!served.contains(service)) continue;
    model.services.push_back(service);
    model.minutes[service] = static_cast<int>(s.at("duration_minutes").to_number<std::int64_t>());
    administrations.insert(std::string(s.at("administration").as_string()));
    services.push_back(s);
  }
  json::array kept_administrations;
  for (const auto& a : doc.at("administrations").as_array()) {
    if (administrations.contains(std::string(a.at("code").as_string()))) kept_administrations.push_back(a);
  }
  model.document = json::serialize(
      json::object{{"administrations", kept_administrations}, {"services", services}, {"shops", json::array{*shop}}});
  if (model.services.empty()) return make_error(Errc::not_served_here, "no counter of this shop serves anything");
  return model;
}

// The instant of a local time on a day.
Instant local_instant(const std::string& time_zone, std::chrono::sys_days day, int minute) {
  const date::time_zone* zone = find_time_zone(time_zone);
  const auto local = date::local_days(date::days(day.time_since_epoch().count())) + minutes(minute);
  return std::chrono::time_point_cast<Instant::duration>(zone->to_sys(local, date::choose::earliest));
}

// A citizen shop's day: a rush at opening, a late-morning peak, a lunch dip, an afternoon peak,
// a quiet end (relative rates by local time).
double day_profile(int minute) {
  const double hour = minute / 60.0;
  if (hour < 9.5) return 1.3;
  if (hour < 10.0) return 1.1;
  if (hour < 12.5) return 1.6;
  if (hour < 14.0) return 0.8;
  if (hour < 16.5) return 1.3;
  if (hour < 18.0) return 0.8;
  return 0.5;
}

std::vector<Arrival> model_arrivals(const ShopModel& shop, const std::vector<catalogue::OpeningRange>& ranges,
                                    const SimulationOptions& options, std::mt19937_64& random) {
  double weight = 0;
  for (const auto& r : ranges) {
    for (int m = r.open; m < r.close; ++m) weight += day_profile(m);
  }
  // Visitors stop coming half an hour before closing (the shop serves those inside).
  std::vector<Arrival> out;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  // Each service asked for in proportion to the counters serving it (the shop is staffed for its
  // demand), over its duration.
  std::vector<double> popularity;
  for (const auto& service : shop.services) {
    popularity.push_back(shop.staffing.at(service) / static_cast<double>(shop.minutes.at(service)));
  }
  std::discrete_distribution<std::size_t> pick(popularity.begin(), popularity.end());
  for (const auto& r : ranges) {
    for (int m = r.open; m < std::max(r.open, r.close - 30); ++m) {
      const double rate = options.visitors * day_profile(m) / weight;  // per minute
      std::poisson_distribution<int> count(rate);
      for (int k = count(random); k > 0; --k) {
        Arrival a;
        a.minute = m;
        const double several = uniform(random);
        const std::size_t wanted = std::min<std::size_t>(several < 0.8    ? 1
                                                         : several < 0.95 ? 2
                                                                          : 3,
                                                         shop.services.size());
        while (a.services.size() < wanted) {
          const std::string& s = shop.services[pick(random)];
          if (std::find(a.services.begin(), a.services.end(), s) == a.services.end()) a.services.push_back(s);
        }
        a.booked = uniform(random) < options.booked_share;
        out.push_back(std::move(a));
      }
    }
  }
  return out;
}

// A temporary SQLite database holding the shop, removed with this object.
class ScratchDatabase {
 public:
  static Result<std::unique_ptr<ScratchDatabase>> make(const ShopModel& shop, const Clock& clock) {
    auto scratch = std::unique_ptr<ScratchDatabase>(new ScratchDatabase());
    scratch->dir_ = std::filesystem::temp_directory_path() / ("guichet-simulation-" + random_hex(8));
    std::filesystem::create_directories(scratch->dir_);
    storage::DatabaseOptions options;
    options.pool_size = 2;
    auto db = storage::open_database("sqlite:" + (scratch->dir_ / "day.db").string(), options);
    if (!db) return std::move(db).error();
    scratch->db_ = std::move(*db);
    auto migrated = storage::apply_migrations(*scratch->db_, storage::builtin_migrations(), clock);
    if (!migrated) return std::move(migrated).error();
    auto imported = catalogue::import_catalogue(*scratch->db_, shop.document, "simulate", clock);
    if (!imported) return std::move(imported).error();
    return scratch;
  }
  ~ScratchDatabase() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  storage::Database& db() { return *db_; }

 private:
  ScratchDatabase() = default;
  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> db_;
};

struct DayResult {
  WaitSummary all;
  WaitSummary booked;
  WaitSummary walk_ins;
  std::vector<double> errors;  // estimator: |wait − median|, minutes
  int covered = 0;
  int under = 0;
};

WaitSummary summarise(const std::vector<std::pair<int, double>>& waits) {  // (hour of arrival, minutes)
  WaitSummary out;
  out.visits = static_cast<int>(waits.size());
  out.mean_wait_by_hour.assign(24, -1.0);
  if (waits.empty()) return out;
  std::vector<double> minutes_only;
  std::vector<double> sum(24, 0.0);
  std::vector<int> count(24, 0);
  double total = 0;
  for (const auto& [hour, wait] : waits) {
    minutes_only.push_back(wait);
    total += wait;
    sum[static_cast<std::size_t>(hour)] += wait;
    ++count[static_cast<std::size_t>(hour)];
  }
  std::sort(minutes_only.begin(), minutes_only.end());
  out.mean_wait_min = total / static_cast<double>(waits.size());
  const std::size_t p90 =
      std::min(minutes_only.size() - 1, static_cast<std::size_t>(std::ceil(0.9 * minutes_only.size())) - 1);
  out.p90_wait_min = minutes_only[p90];
  for (std::size_t h = 0; h < 24; ++h) {
    if (count[h] > 0) out.mean_wait_by_hour[h] = sum[h] / count[h];
  }
  return out;
}

// One simulated day.
Result<DayResult> run_day(const ShopModel& shop, std::chrono::sys_days day, const std::vector<Arrival>& arrivals,
                          bool with_bookings, const SimulationOptions& options) {
  FakeClock clock(local_instant(shop.time_zone, day - date::days(1), 12 * 60));
  auto scratch = ScratchDatabase::make(shop, clock);
  if (!scratch) return std::move(scratch).error();
  storage::Database& db = (*scratch)->db();
  auto ids =
      db.read([&](storage::Connection& c) -> Result<std::pair<std::int64_t, std::map<std::string, std::int64_t>>> {
        auto shop_id = catalogue::shop_id_of(c, shop.code);
        if (!shop_id || !*shop_id) return make_error(Errc::no_such_shop, "the shop did not import");
        std::map<std::string, std::int64_t> services;
        for (const auto& code : shop.services) {
          auto id = catalogue::service_id_of(c, code);
          if (!id) return std::move(id).error();
          if (*id) services[code] = **id;
        }
        return std::make_pair(**shop_id, services);
      });
  if (!ids) return std::move(ids).error();
  const std::int64_t shop_id = ids->first;
  const auto& service_id = ids->second;
  std::map<std::int64_t, int> duration;  // by service id
  for (const auto& [code, id] : service_id) duration[id] = shop.minutes.at(code);

  std::mt19937_64 random(options.seed * 7919 + (with_bookings ? 1 : 0));
  QueuePolicy policy;
  policy.check_in_early = minutes(120);

  // The day before: the booked share books the first free visit from the time they would have
  // come (a day already full at that hour pushes them later, as a real calendar does).
  struct Visitor {
    Instant at;
    std::vector<std::int64_t> services;
    std::optional<std::string> booking;
  };
  std::vector<Visitor> visitors;
  scheduling::BookingPolicy booking_policy;
  booking_policy.rules.notice = minutes(0);
  // Short services are booked on a finer grid than the default quarter hour.
  int shortest = 15;
  for (const auto& [code, length] : shop.minutes) shortest = std::min(shortest, length);
  booking_policy.rules.step = minutes(std::max(5, shortest));
  booking_policy.max_open_per_service = 1'000'000;
  booking_policy.max_per_account_per_day = 1'000'000;
  booking_policy.max_per_address_per_hour = 1'000'000;
  auto person = identity::account_for_caller(db, "visitor@simulation.invalid", "simulate", clock);
  if (!person) return std::move(person).error();
  scheduling::CalendarCache calendars(db, clock);
  std::uniform_int_distribution<int> punctuality(-10, 3);
  for (const auto& a : arrivals) {
    Visitor v;
    v.at = local_instant(shop.time_zone, day, a.minute);
    for (const auto& code : a.services) {
      auto found = service_id.find(code);
      if (found == service_id.end()) return bad("the arrivals name a service this shop does not serve: " + code);
      v.services.push_back(found->second);
    }
    if (with_bookings && a.booked) {
      auto free = scheduling::next_visits(calendars, shop_id, v.services, v.at, clock.now(), 1, booking_policy.rules);
      if (free && !free->empty() && local_instant(shop.time_zone, day, 24 * 60) > free->front().visit.start) {
        scheduling::BookingRequest request{person->id, shop_id, free->front().visit.start, v.services};
        auto booked = scheduling::book_visit(db, request, clock, booking_policy);
        if (booked) {
          v.booking = booked->reference;
          v.at = booked->start + minutes(punctuality(random));
        }
      }
    }
    visitors.push_back(std::move(v));
  }

  // The day: counters open at opening time, each with its agent, calling whenever idle.
  const unsigned weekday = date::weekday(day).iso_encoding() - 1;
  const auto& ranges = shop.hours[weekday];
  clock.set(local_instant(shop.time_zone, day, ranges.front().open));
  auto counters = db.read([&](storage::Connection& c) { return catalogue::counters_of(c, shop_id); });
  if (!counters) return std::move(counters).error();
  std::vector<std::pair<std::int64_t, std::int64_t>> desks;  // (counter, agent)
  for (const auto& counter : *counters) {
    auto agent = identity::account_for_caller(db, "agent-" + counter.code + "@simulation.invalid", "simulate", clock);
    if (!agent) return std::move(agent).error();
    auto opened = open_counter(db, counter.id, agent->id, clock);
    if (!opened) return std::move(opened).error();
    desks.emplace_back(counter.id, agent->id);
  }
  enum class Kind { completion, arrival };
  std::multimap<Instant, std::pair<Kind, std::size_t>> events;  // completions first at equal times
  for (std::size_t i = 0; i < visitors.size(); ++i) events.emplace(visitors[i].at, std::make_pair(Kind::arrival, i));
  std::vector<bool> busy(desks.size(), false);
  int waiting = 0;
  std::gamma_distribution<double> shape(2.0, 0.5);  // mean 1, coefficient of variation 0.71
  while (!events.empty()) {
    auto [at, event] = *events.begin();
    events.erase(events.begin());
    clock.set(std::max(clock.now(), at));
    if (event.first == Kind::arrival) {
      const Visitor& v = visitors[event.second];
      Result<Ticket> ticket = make_error(Errc::bad_body, "");
      if (v.booking) {
        ticket = check_in(db, shop_id, *v.booking, "en", Source::check_in, clock, policy);
      } else {
        TicketRequest request;
        request.shop_id = shop_id;
        request.services = v.services;
        ticket = issue_ticket(db, request, clock, policy);
      }
      if (!ticket) {
        if (ticket.error().code == Errc::shop_closed) continue;  // came too late
        return std::move(ticket).error();
      }
      ++waiting;
    } else {
      const std::size_t d = event.second;
      auto ended = finish_current(db, desks[d].first, desks[d].second, Finish{}, clock, policy);
      if (!ended) return std::move(ended).error();
      if (ended->status == TicketStatus::waiting) ++waiting;  // on to its next service
      busy[d] = false;
    }
    for (std::size_t d = 0; d < desks.size() && waiting > 0; ++d) {
      if (busy[d]) continue;
      auto called = call_next(db, desks[d].first, desks[d].second, clock, policy);
      if (!called) return std::move(called).error();
      if (!*called) continue;
      --waiting;
      busy[d] = true;
      const double mean = duration.at((*called)->service_id) * options.service_factor;
      const auto length = seconds(static_cast<std::int64_t>(std::llround(std::max(0.5, mean * shape(random)) * 60)));
      events.emplace(clock.now() + length, std::make_pair(Kind::completion, d));
    }
  }

  // What happened: each visit's waiting over its steps, and the ranges shown at issue.
  DayResult out;
  auto measured = db.read([&](storage::Connection& c) -> Result<void> {
    auto rows = c.query(
        "SELECT t.id, t.issued_at, t.ready_at, t.priority, t.source, t.estimate_p10, t.estimate_p50, t.estimate_p90, "
        "s.position, s.queued_at, s.called_at FROM queue_tickets t JOIN queue_ticket_steps s ON s.ticket_id = t.id "
        "WHERE t.shop_id = ? ORDER BY t.id, s.position",
        {shop_id});
    if (!rows) return std::move(rows).error();
    std::vector<std::pair<int, double>> all;
    std::vector<std::pair<int, double>> booked;
    std::vector<std::pair<int, double>> walk_ins;
    std::int64_t current = -1;
    double total = 0;
    int hour = 0;
    bool is_booked = false;
    auto flush = [&] {
      if (current < 0) return;
      all.emplace_back(hour, total);
      (is_booked ? booked : walk_ins).emplace_back(hour, total);
    };
    for (const auto& row : rows->rows) {
      if (row.integer(0) != current) {
        flush();
        current = row.integer(0);
        total = 0;
        is_booked = row.text(4) == "check_in";
        const Instant issued = from_unix_micros(row.integer(1));
        const auto local =
            date::make_zoned(shop.time_zone, std::chrono::time_point_cast<seconds>(issued)).get_local_time();
        hour = static_cast<int>((local - date::floor<date::days>(local)).count() / 3600);
      }
      if (row.is_null(10) || row.is_null(9)) continue;
      Instant queued = from_unix_micros(row.integer(9));
      const Instant called = from_unix_micros(row.integer(10));
      // A booked visitor early for their time waits by choice until it: counted from then.
      if (row.integer(8) == 0 && row.text(3) == "booked") queued = std::max(queued, from_unix_micros(row.integer(2)));
      total += std::max(0.0, std::chrono::duration<double>(called - queued).count() / 60.0);
      if (row.integer(8) == 0 && !row.is_null(6) && row.text(4) != "check_in") {
        const double waited = std::chrono::duration<double>(called - from_unix_micros(row.integer(1))).count();
        out.errors.push_back(std::abs(waited - static_cast<double>(row.integer(6))) / 60.0);
        if (waited >= static_cast<double>(row.integer(5)) && waited <= static_cast<double>(row.integer(7))) {
          ++out.covered;
        }
        if (waited > static_cast<double>(row.integer(7))) ++out.under;
      }
    }
    flush();
    out.all = summarise(all);
    out.booked = summarise(booked);
    out.walk_ins = summarise(walk_ins);
    return {};
  });
  if (!measured) return std::move(measured).error();
  return out;
}

std::string minutes_text(double m) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << m;
  return out.str();
}

json::object summary_json(const WaitSummary& s) {
  return {{"visits", s.visits}, {"mean_wait_min", s.mean_wait_min}, {"p90_wait_min", s.p90_wait_min}};
}

}  // namespace

Result<std::vector<Arrival>> parse_arrivals(std::string_view csv) {
  std::vector<Arrival> out;
  std::istringstream in{std::string(csv)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with("minute") || line.starts_with("time") || line.starts_with('#')) continue;
    std::vector<std::string> fields;
    std::stringstream parts(line);
    for (std::string field; std::getline(parts, field, ',');) fields.push_back(field);
    const std::string where = "line " + std::to_string(number) + ": ";
    if (fields.size() < 2 || fields.size() > 3) return bad(where + "expected minute,services[,booked]", "arrivals");
    Arrival a;
    const std::string& when = fields[0];
    if (when.size() == 5 && when[2] == ':' && std::isdigit(static_cast<unsigned char>(when[0])) != 0) {
      a.minute = std::stoi(when.substr(0, 2)) * 60 + std::stoi(when.substr(3, 2));
    } else if (!when.empty() &&
               std::all_of(when.begin(), when.end(),
                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) &&
               when.size() <= 4) {
      a.minute = std::stoi(when);
    } else {
      return bad(where + "the time is minutes after midnight or HH:MM", "arrivals");
    }
    if (a.minute < 0 || a.minute >= 24 * 60) return bad(where + "the time is within the day", "arrivals");
    std::stringstream services(fields[1]);
    for (std::string s; std::getline(services, s, '+');) {
      if (!s.empty()) a.services.push_back(s);
    }
    if (a.services.empty() || a.services.size() > 4)
      return bad(where + "one to four services, joined by +", "arrivals");
    if (fields.size() == 3) {
      if (fields[2] != "0" && fields[2] != "1") return bad(where + "booked is 0 or 1", "arrivals");
      a.booked = fields[2] == "1";
    }
    out.push_back(std::move(a));
  }
  if (out.empty()) return bad("the arrivals file has no visitor", "arrivals");
  std::stable_sort(out.begin(), out.end(), [](const Arrival& x, const Arrival& y) { return x.minute < y.minute; });
  return out;
}

Result<SimulationReport> simulate(storage::Database& catalogue_db, const SimulationOptions& options) {
  auto day = parse_iso_day(options.day);
  if (!day) return bad("the day is YYYY-MM-DD", "day");
  if (options.booked_share < 0 || options.booked_share > 1)
    return bad("the booked share is from 0 to 1", "booked-share");
  if (options.visitors < 1 || options.visitors > 20'000) return bad("from 1 to 20000 visitors", "visitors");
  if (options.service_factor <= 0 || options.service_factor > 4) return bad("the service factor is above 0, at most 4");
  auto shop = shop_model(catalogue_db, options.shop);
  if (!shop) return std::move(shop).error();
  const unsigned weekday = date::weekday(*day).iso_encoding() - 1;
  if (shop->hours[weekday].empty() ||
      std::find(shop->closures.begin(), shop->closures.end(), options.day) != shop->closures.end()) {
    return make_error(Errc::shop_closed, "the shop is closed on " + options.day);
  }
  std::mt19937_64 random(options.seed);
  std::vector<Arrival> arrivals =
      options.arrivals ? *options.arrivals : model_arrivals(*shop, shop->hours[weekday], options, random);
  auto walk_in = run_day(*shop, *day, arrivals, false, options);
  if (!walk_in) return std::move(walk_in).error();
  auto booked = run_day(*shop, *day, arrivals, true, options);
  if (!booked) return std::move(booked).error();
  SimulationReport report;
  report.shop = options.shop;
  report.day = options.day;
  report.counters = shop->counters;
  report.walk_in = walk_in->all;
  report.booked = booked->booked;
  report.walk_ins_beside = booked->walk_ins;
  report.booked_day = booked->all;
  report.reduction =
      report.walk_in.mean_wait_min > 0 ? 1.0 - report.booked.mean_wait_min / report.walk_in.mean_wait_min : 0;
  std::vector<double> errors = walk_in->errors;
  errors.insert(errors.end(), booked->errors.begin(), booked->errors.end());
  report.estimator.tickets = static_cast<int>(errors.size());
  if (!errors.empty()) {
    double sum = 0;
    for (double e : errors) sum += e;
    const double n = static_cast<double>(errors.size());
    report.estimator.mae_min = sum / n;
    report.estimator.coverage = (walk_in->covered + booked->covered) / n;
    report.estimator.underestimated = (walk_in->under + booked->under) / n;
  }
  return report;
}

std::string report_json(const SimulationReport& r) {
  json::object out{{"shop", r.shop},
                   {"day", r.day},
                   {"counters", r.counters},
                   {"walk_in", summary_json(r.walk_in)},
                   {"booked", summary_json(r.booked)},
                   {"walk_ins_beside_bookings", summary_json(r.walk_ins_beside)},
                   {"booked_day", summary_json(r.booked_day)},
                   {"reduction", r.reduction},
                   {"estimator",
                    {{"tickets", r.estimator.tickets},
                     {"mae_min", r.estimator.mae_min},
                     {"coverage", r.estimator.coverage},
                     {"underestimated", r.estimator.underestimated}}}};
  return json::serialize(out);
}

std::string report_table(const SimulationReport& r) {
  std::ostringstream out;
  out << "shop " << r.shop << ", " << r.day << ", " << r.counters << " counters\n\n";
  out << "| day | visits | mean wait (min) | p90 wait (min) |\n| --- | ---: | ---: | ---: |\n";
  auto row = [&](const char* name, const WaitSummary& s) {
    out << "| " << name << " | " << s.visits << " | " << minutes_text(s.mean_wait_min) << " | "
        << minutes_text(s.p90_wait_min) << " |\n";
  };
  row("everyone walks in", r.walk_in);
  row("with bookings: booked combined visits", r.booked);
  row("with bookings: walk-ins", r.walk_ins_beside);
  row("with bookings: everyone", r.booked_day);
  out << "\nmean wait saved by booking a combined visit: " << minutes_text(r.reduction * 100)
      << " %; by the whole day: "
      << minutes_text(r.walk_in.mean_wait_min > 0 ? (1 - r.booked_day.mean_wait_min / r.walk_in.mean_wait_min) * 100
                                                  : 0)
      << " %\n";
  out << "wait estimates (" << r.estimator.tickets << " tickets): mean absolute error "
      << minutes_text(r.estimator.mae_min) << " min, P10-P90 coverage " << minutes_text(r.estimator.coverage * 100)
      << " %, underestimated " << minutes_text(r.estimator.underestimated * 100) << " %\n";
  return out.str();
}

std::string report_svg(const SimulationReport& r) {
  constexpr int kWidth = 640;
  constexpr int kHeight = 320;
  constexpr int kLeft = 50;
  constexpr int kBottom = 40;
  int first = 24;
  int last = 0;
  double top = 1;
  for (const auto* s : {&r.walk_in, &r.booked, &r.walk_ins_beside}) {
    for (int h = 0; h < 24; ++h) {
      if (s->mean_wait_by_hour[static_cast<std::size_t>(h)] < 0) continue;
      first = std::min(first, h);
      last = std::max(last, h);
      top = std::max(top, s->mean_wait_by_hour[static_cast<std::size_t>(h)]);
    }
  }
  if (first > last) last = first = 12;
  // Four grid steps of a round number of minutes (1, 2, 5, 10, 15, 20, 30, 60...).
  double step = 1;
  for (double candidate : {1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 240.0}) {
    step = candidate;
    if (candidate * 4 >= top) break;
  }
  top = step * 4;
  auto x = [&](int h) { return kLeft + (h - first) * (kWidth - kLeft - 20) / std::max(1, last - first); };
  auto y = [&](double m) { return static_cast<int>(kHeight - kBottom - m / top * (kHeight - kBottom - 20)); };
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << kWidth << " " << kHeight
      << "\" role=\"img\" aria-labelledby=\"title\"><title id=\"title\">Mean wait by hour of arrival at " << r.shop
      << " on " << r.day << ": everyone walking in, against booked combined visits and the walk-ins beside them</title>"
      << "<style>text{font:12px sans-serif}</style>";
  out << "<line x1=\"" << kLeft << "\" y1=\"" << y(0) << "\" x2=\"" << kWidth - 10 << "\" y2=\"" << y(0)
      << "\" stroke=\"#1b1b1b\"/><line x1=\"" << kLeft << "\" y1=\"20\" x2=\"" << kLeft << "\" y2=\"" << y(0)
      << "\" stroke=\"#1b1b1b\"/>";
  for (int t = 0; t <= 4; ++t) {
    const double m = top * t / 4;
    out << "<text x=\"" << kLeft - 6 << "\" y=\"" << y(m) + 4 << "\" text-anchor=\"end\">" << static_cast<int>(m)
        << "</text>";
  }
  for (int h = first; h <= last; ++h) {
    out << "<text x=\"" << x(h) << "\" y=\"" << y(0) + 16 << "\" text-anchor=\"middle\">" << h << "h</text>";
  }
  out << "<text x=\"12\" y=\"" << (kHeight - kBottom) / 2 << "\" transform=\"rotate(-90 12," << (kHeight - kBottom) / 2
      << ")\" text-anchor=\"middle\">mean wait (min)</text>";
  auto line = [&](const WaitSummary& s, const char* colour, const char* dash) {
    out << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"3\"" << dash << " points=\"";
    for (int h = first; h <= last; ++h) {
      const double m = s.mean_wait_by_hour[static_cast<std::size_t>(h)];
      if (m >= 0) out << x(h) << "," << y(m) << " ";
    }
    out << "\"/>";
  };
  line(r.walk_in, "#b50909", "");
  line(r.walk_ins_beside, "#8a5c00", " stroke-dasharray=\"2 4\"");
  line(r.booked, "#005ea2", " stroke-dasharray=\"8 4\"");
  const int legend = kWidth - 280;
  out << "<text x=\"" << legend
      << "\" y=\"30\" fill=\"#b50909\">everyone walks in: " << minutes_text(r.walk_in.mean_wait_min)
      << " min</text><text x=\"" << legend
      << "\" y=\"48\" fill=\"#005ea2\">booked combined visits: " << minutes_text(r.booked.mean_wait_min)
      << " min</text><text x=\"" << legend
      << "\" y=\"66\" fill=\"#8a5c00\">walk-ins beside them: " << minutes_text(r.walk_ins_beside.mean_wait_min)
      << " min</text></svg>\n";
  return out.str();
}

}  // namespace guichet::queue
