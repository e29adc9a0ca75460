// Exporting a procedure's cases at scale: N submitted cases of the change-of-address procedure
// (generated straight into a SQLite file, answers as the pages store them), then each format
// made by the export job (procedures::run_export, 1 MiB chunks into the database) and read back
// through the download stream (procedures::export_stream), each in its own child process so that
// its peak resident memory (getrusage of the child) is its own. The reference in the same run is
// the floor: reading every case row and parsing its answers, writing nothing.
//
//   build/bench/export_bench [cases] [directory]     (default 100000 cases in a temporary directory)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/procedures/exports.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::app {
std::string_view demo_catalogue_json();
std::string_view demo_procedures_json();
}  // namespace guichet::app

namespace guichet::procedures {
namespace {
namespace json = boost::json;
using Steady = std::chrono::steady_clock;

Result<std::unique_ptr<storage::Database>> open(const std::string& path) {
  return storage::open_database("sqlite:" + path);
}

// The cases, 10,000 to a transaction, with answers of the shape the pages store.
void generate(const std::string& path, long cases) {
  SystemClock clock;
  auto db = open(path);
  if (!db) throw std::runtime_error(db.error().message);
  storage::Database& d = **db;
  if (auto migrated = storage::apply_migrations(d, storage::builtin_migrations(), clock); !migrated) {
    throw std::runtime_error(migrated.error().message);
  }
  if (auto imported = catalogue::import_catalogue(d, app::demo_catalogue_json(), "bench", clock); !imported) {
    throw std::runtime_error(imported.error().message);
  }
  // The administrator who asks for the exports (user 1).
  if (auto admin =
          identity::create_user(d, identity::NewUser{"admin@irn.example", "correct horse battery", true}, clock);
      !admin) {
    throw std::runtime_error(admin.error().message);
  }
  Procedures registry(d, clock);
  std::int64_t procedure = 0;
  const json::value all = json::parse(app::demo_procedures_json());
  for (const json::value& definition : all.as_array()) {
    if (definition.at("service") != "address-change") continue;
    auto published = registry.publish(json::serialize(definition), "bench");
    if (!published) throw std::runtime_error(published.error().message);
    procedure = published->id;
  }
  const std::int64_t now = to_unix_micros(clock.now());
  for (long first = 0; first < cases; first += 10000) {
    auto done = d.transaction([&](storage::Connection& c) -> Result<void> {
      for (long i = first; i < std::min(cases, first + 10000); ++i) {
        json::object answers{{"given_name", "Ana Maria"},
                             {"family_name", "Silva " + std::to_string(i)},
                             {"birthdate", "1990-03-07"},
                             {"nif", "123456789"},
                             {"address", json::object{{"street", "Rua Abílio Mendes " + std::to_string(i % 300)},
                                                      {"postcode", "1500-458"},
                                                      {"city", "Lisboa"},
                                                      {"country", "PT"}}},
                             {"moved_on", "2026-11-01"},
                             {"household", i % 5 + 1},
                             {"new_card", i % 2 == 0},
                             {"email", "person" + std::to_string(i) + "@example.org"},
                             {"phone", "+351912345678"}};
        char reference[32];
        std::snprintf(reference, sizeof reference, "PRC-%04ld-%04ld", (i / 10000) % 10000, i % 10000);
        auto inserted = c.execute(
            "INSERT INTO procedures_cases (reference, procedure_id, status, answers, prefilled, lang, created_at, "
            "updated_at, submitted_at, agent_group) VALUES (?, ?, 'submitted', ?, '{}', 'pt', ?, ?, ?, 'general')",
            {std::string(reference), procedure, json::serialize(answers), now, now, now});
        if (!inserted) return std::move(inserted).error();
      }
      return {};
    });
    if (!done) throw std::runtime_error(done.error().message);
  }
}

struct Measured {
  double seconds = 0;
  long peak_kib = 0;
  long long bytes = 0;
};

// Runs `work` in a child process; its wall time and peak resident memory. `work` returns a byte
// count, passed back through a pipe.
Measured in_child(const std::function<long long()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  const auto start = Steady::now();
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    long long bytes = -1;
    try {
      bytes = work();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    }
    (void)!write(fds[1], &bytes, sizeof bytes);
    _exit(bytes < 0 ? 1 : 0);
  }
  close(fds[1]);
  long long bytes = -1;
  (void)!read(fds[0], &bytes, sizeof bytes);
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  Measured m;
  m.seconds = std::chrono::duration<double>(Steady::now() - start).count();
  m.peak_kib = usage.ru_maxrss;
  m.bytes = bytes;
  if (bytes < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the child failed");
  return m;
}

long long export_and_read(const std::string& path, ExportFormat format) {
  SystemClock clock;
  auto db = open(path);
  if (!db) throw std::runtime_error(db.error().message);
  auto requested = request_export(**db, clock, "irn", "address-change", format, 1);
  if (!requested) throw std::runtime_error(requested.error().message);
  auto ran = run_export(**db, clock, requested->id);
  if (!ran) throw std::runtime_error(ran.error().message);
  auto done = find_export(**db, requested->token);
  if (!done) throw std::runtime_error(done.error().message);
  auto stream = export_stream(**db, *done);
  long long bytes = 0;
  for (;;) {
    auto chunk = stream->next();
    if (!chunk) throw std::runtime_error(chunk.error().message);
    if (chunk->empty()) break;
    bytes += static_cast<long long>(chunk->size());
  }
  if (bytes != done->size_bytes) throw std::runtime_error("the stream is not the export's length");
  return bytes;
}

// The floor: every case row read by id, a thousand at a time, as the export reads them, and its
// answers parsed.
long long read_only(const std::string& path) {
  auto db = open(path);
  if (!db) throw std::runtime_error(db.error().message);
  long long bytes = 0;
  std::int64_t last = 0;
  for (;;) {
    auto rows = (*db)->read([&](storage::Connection& c) {
      return c.query(
          "SELECT id, answers FROM procedures_cases WHERE procedure_id = 1 AND id > ? AND status <> 'draft' "
          "ORDER BY id LIMIT 1000",
          {last});
    });
    if (!rows) throw std::runtime_error(rows.error().message);
    if (rows->empty()) return bytes;
    for (const storage::Row& row : rows->rows) {
      last = row.integer(0);
      const std::string text = row.text(1);
      bytes += static_cast<long long>(json::parse(text).as_object().size());
    }
  }
}

}  // namespace
}  // namespace guichet::procedures

int main(int argc, char** argv) {
  using namespace guichet::procedures;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it comes, also into a log file
  const long cases = argc > 1 ? std::stol(argv[1]) : 100000;
  namespace fs = std::filesystem;
  const fs::path dir =
      argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / ("guichet-export-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / ("cases-" + std::to_string(cases) + ".db")).string();
  try {
    if (!fs::exists(path)) {
      const Measured generated = in_child([&] {
        generate(path, cases);
        return 0LL;
      });
      std::printf("generated %ld cases in %.1f s (%.0f MiB file)\n", cases, generated.seconds,
                  static_cast<double>(fs::file_size(path)) / (1024 * 1024));
    }
    std::printf("| %-36s | %9s | %10s | %12s |\n", "step (one child process each)", "seconds", "peak MiB", "bytes out");
    std::printf("|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(11, '-').c_str(),
                std::string(12, '-').c_str(), std::string(14, '-').c_str());
    auto report = [](const char* name, const Measured& m) {
      std::printf("| %-36s | %9.1f | %10.1f | %12lld |\n", name, m.seconds, static_cast<double>(m.peak_kib) / 1024,
                  m.bytes);
    };
    report("reference: read and parse every case", in_child([&] { return read_only(path); }));
    report("CSV export, then read back streamed", in_child([&] { return export_and_read(path, ExportFormat::csv); }));
    report("JSON export, then read back streamed", in_child([&] { return export_and_read(path, ExportFormat::json); }));
    report("XLSX export, then read back streamed", in_child([&] { return export_and_read(path, ExportFormat::xlsx); }));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "export_bench: %s\n", e.what());
    return 1;
  }
  if (argc <= 2) fs::remove_all(dir);
  return 0;
}
