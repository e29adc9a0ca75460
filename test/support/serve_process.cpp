#include "support/serve_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace guichet::testing {

ServeProcess start_serve(const std::string& db, const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"guichet", "serve", "--listen", "127.0.0.1:0", "--db", db, "--no-access-log"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  pid_t child = fork();
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execv(GUICHET_TEST_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  auto colon = line.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("serve did not start: " + line);
  return {child, std::stoi(line.substr(colon + 1))};
}

ServeProcess start_serve_logging(const std::string& db, const std::string& log_file,
                                 const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"guichet", "serve", "--listen", "127.0.0.1:0", "--db", db};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = fork();
  if (child == 0) {
    int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) _exit(126);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(GUICHET_TEST_BINARY, argv.data());
    _exit(127);
  }
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(log_file);
    std::string line;
    while (std::getline(in, line)) {
      auto at = line.find("\"event\":\"listening\"");
      if (at == std::string::npos) continue;
      auto colon = line.rfind(':');
      return {child, std::stoi(line.substr(colon + 1))};
    }
    usleep(20'000);
  }
  kill(child, SIGKILL);
  throw std::runtime_error("serve did not start; see " + log_file);
}

int stop_serve(const ServeProcess& process) {
  kill(process.pid, SIGTERM);
  int status = 0;
  waitpid(process.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace guichet::testing
