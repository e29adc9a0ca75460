#pragma once
// Runs a shell command for a test (an outside tool used as an oracle: pdfsig, qpdf, openssl) and
// returns its exit status and everything it printed.
#include <filesystem>
#include <string>
#include <string_view>

namespace guichet::testing {

struct CommandResult {
  int status = -1;     // as pclose returns it: 0 for success
  std::string output;  // standard output and standard error
};

CommandResult run_command(const std::string& command);

void write_file(const std::filesystem::path& path, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);

}  // namespace guichet::testing
