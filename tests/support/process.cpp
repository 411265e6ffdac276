#include "support/process.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace devagent::testing {
namespace fs = std::filesystem;

std::string devagent_binary() {
  const char* b = std::getenv("TEST_DEVAGENT_BINARY");
  if (b && *b) return b;
#ifdef DEVAGENT_BINARY_PATH
  return DEVAGENT_BINARY_PATH;
#else
  return "devagent";
#endif
}

std::unique_ptr<Process> Process::start(const std::string& program, const ProcessOptions& options) {
  std::unique_ptr<Process> p(new Process());
  p->stderr_path_ = fs::temp_directory_path() / ("devagent-test-stderr-" + std::to_string(::getpid()) + "-" +
                                                 std::to_string(std::random_device{}()));
  int out_pipe[2];
  int in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (options.stdin_text && ::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    if (kv.rfind("DEVAGENT_", 0) == 0) continue;
    auto key = kv.substr(0, kv.find('='));
    if (options.env.count(key)) continue;
    env_strings.push_back(kv);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  std::string err_path = p->stderr_path_.string();
  std::string cwd = options.cwd.string();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
    if (in_pipe[0] >= 0) {
      ::dup2(in_pipe[0], STDIN_FILENO);
    } else {
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, STDIN_FILENO);
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  p->pid_ = pid;
  p->stdout_fd_ = out_pipe[0];
  if (options.stdin_text) {
    ::close(in_pipe[0]);
    const std::string& text = *options.stdin_text;
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(in_pipe[1], text.data() + off, text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(in_pipe[1]);
  }
  return p;
}

Process::~Process() {
  if (!exit_code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  std::error_code ec;
  fs::remove(stderr_path_, ec);
}

std::optional<std::string> Process::wait_for_line(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t scanned = 0;
  for (;;) {
    size_t nl;
    while ((nl = stdout_buf_.find('\n', scanned)) != std::string::npos) {
      std::string line = stdout_buf_.substr(scanned, nl - scanned);
      scanned = nl + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    stdout_buf_.append(buf, static_cast<size_t>(n));
  }
}

void Process::signal(int sig) {
  if (!exit_code_ && pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    ::usleep(5000);
  }
}

std::string Process::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Process::stdout_text() {
  char buf[4096];
  for (;;) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, exit_code_ ? 1000 : 0) <= 0) break;
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;
    stdout_buf_.append(buf, static_cast<size_t>(n));
  }
  return stdout_buf_;
}

RunResult run(const std::string& program, const ProcessOptions& options, std::chrono::milliseconds timeout) {
  auto p = Process::start(program, options);
  RunResult r;
  // Drain stdout while waiting so a chatty child never blocks on a full pipe.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<int> code;
  while (!(code = p->wait(std::chrono::milliseconds(0)))) {
    p->wait_for_line("\x01never\x01", std::chrono::milliseconds(20));
    if (std::chrono::steady_clock::now() > deadline) {
      p->signal(SIGKILL);
      code = p->wait(std::chrono::seconds(5));
      break;
    }
  }
  r.exit_code = code.value_or(-1);
  r.out = p->stdout_text();
  r.err = p->stderr_text();
  return r;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "devagent-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::map<std::string, std::string> env) {
  ProcessOptions o;
  o.args = {"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir_.path() / "data").string()};
  o.args.insert(o.args.end(), extra_args.begin(), extra_args.end());
  o.env = std::move(env);
  o.cwd = dir_.path();
  process_ = Process::start(devagent_binary(), o);
  auto line = process_->wait_for_line("listening on http", std::chrono::seconds(30));  // http:// or https://
  if (!line) {
    throw std::runtime_error("devagent serve did not start; stderr:\n" + process_->stderr_text());
  }
  auto colon = line->rfind(':');
  port_ = static_cast<unsigned short>(std::stoi(line->substr(colon + 1)));
}

ServerProcess::~ServerProcess() {
  process_->signal(SIGTERM);
  auto code = process_->wait(std::chrono::seconds(10));
  if (!code) {
    process_->signal(SIGKILL);
    ADD_FAILURE() << "devagent serve did not exit within 10 s of SIGTERM";
    return;
  }
  // A clean exit is part of every black-box test: sanitizer reports and
  // crashes in the server surface here.
  if (*code != 0) {
    auto err = process_->stderr_text();
    ADD_FAILURE() << "devagent serve exited with " << *code << "; stderr tail:\n"
                  << err.substr(err.size() > 4000 ? err.size() - 4000 : 0);
  }
}

}  // namespace devagent::testing
