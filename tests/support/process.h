// Starting the real devagent binary (and other programs) from tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace devagent::testing {

// The devagent binary under test (TEST_DEVAGENT_BINARY, set by CMake).
std::string devagent_binary();

struct ProcessOptions {
  std::vector<std::string> args;               // without the program
  std::map<std::string, std::string> env;      // added to a clean environment (no DEVAGENT_*)
  std::filesystem::path cwd;                   // empty: current directory
  std::optional<std::string> stdin_text;
};

class Process {
 public:
  // Starts program; stdout is read through a pipe, stderr goes to a file.
  static std::unique_ptr<Process> start(const std::string& program, const ProcessOptions& options);
  ~Process();

  // Reads stdout lines until one contains `needle`; returns it, or nullopt on
  // EOF or timeout.
  std::optional<std::string> wait_for_line(const std::string& needle, std::chrono::milliseconds timeout);
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal if killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string stderr_text() const;
  std::string stdout_text();  // everything read so far plus the rest until EOF (after exit)
  int pid() const { return pid_; }

 private:
  Process() = default;
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_buf_;
  std::filesystem::path stderr_path_;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion (killed after timeout) and collects output.
RunResult run(const std::string& program, const ProcessOptions& options,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A fresh directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A running `devagent serve` on a free loopback port, stopped at destruction.
class ServerProcess {
 public:
  // extra_args are added after "serve"; the data dir is a fresh temp dir.
  explicit ServerProcess(std::vector<std::string> extra_args = {}, std::map<std::string, std::string> env = {});
  ~ServerProcess();
  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Process& process() { return *process_; }
  const std::filesystem::path& data_dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
};

}  // namespace devagent::testing
