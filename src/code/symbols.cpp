// Symbols from universal-ctags.
//
// ctags runs as a child process (posix_spawn with an argv array, never a
// shell), once per batch of files. The file list goes to its stdin (-L -) and
// its JSON lines come back on stdout; both are streamed through one poll loop,
// so a batch of any size neither deadlocks on full pipes nor sits in memory.
//
// What is kept, in devagent's words (normalize_kind):
//   function  free functions (C/C++ function, Go func, Perl sub, Tcl proc, ...)
//   method    functions inside a class-like scope, Python members, Go methods
//             (receiver scope) and interface method specs, JS getters/setters
//   class, struct, union, enum, interface, trait (Rust and PHP traits)
//   type      typedefs, type aliases (TypeScript alias, Go type, Kotlin typealias)
//   module    Rust mod, Ruby/Elixir/Erlang/Haskell/Julia modules, Perl packages
//   macro     C/C++ #define (header guards dropped), Rust macro_rules!, Lisp, ...
//   variable, constant   only at file, namespace, package or module scope: a
//             global is worth looking up, a field or a local is not
// Nothing defined inside a function body is kept (nested functions, local
// classes and aliases): they are not reachable from outside.
// Dropped: namespaces and packages (reopened in every file; they remain in the
// scope of what they contain), Rust impl blocks (their methods carry the
// type as scope), fields, members, properties, enumerators, imports, and the
// kinds of markup and build languages (Markdown sections, Make targets, ...).
#include "code/symbols.h"

#include "core/json.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

extern char** environ;

namespace devagent::code {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBatchFiles = 2000;
constexpr std::chrono::seconds kBatchTimeout{60};
constexpr std::size_t kMaxLineBytes = 1 << 20;  // a longer output line is not a tag worth parsing
constexpr std::size_t kMaxSignatureBytes = 400;
constexpr std::size_t kStderrTailBytes = 2048;

constexpr const char* kNotInstalled = "universal-ctags is not installed (Debian package universal-ctags)";

// --- Kinds ----------------------------------------------------------------

// Scope kinds whose functions are methods.
bool is_type_scope(std::string_view scope_kind) {
  static const std::set<std::string_view> kinds = {"class", "struct",         "union",    "interface",
                                                   "trait", "object",         "record",   "protocol",
                                                   "enum",  "implementation", "category", "mixin"};
  return kinds.count(scope_kind) > 0;
}

// Scope kinds at which a variable or constant is a global.
bool is_file_scope(std::string_view scope_kind) {
  return scope_kind.empty() || scope_kind == "namespace" || scope_kind == "package" || scope_kind == "module";
}

// Kinds whose meaning depends on the language. An empty result drops the tag.
std::optional<std::string_view> language_kind(std::string_view language, std::string_view kind) {
  using Key = std::pair<std::string_view, std::string_view>;
  // clang-format off
  static const std::map<Key, std::string_view> table = {
      {{"Python", "member"}, "method"},        // def inside a class
      {{"Python", "module"}, ""},              // imports (reference tags)
      {{"Python", "namespace"}, ""},           // import ... as
      {{"Python", "unknown"}, ""},             // from ... import
      {{"Rust", "interface"}, "trait"},
      {{"ObjectiveC", "interface"}, "class"},  // @interface declares a class
      {{"TypeScript", "alias"}, "type"},       // elsewhere "alias" is a shell alias or a use ... as
      {{"D", "alias"}, "type"},
      {{"Elm", "alias"}, "type"},
      {{"Kotlin", "object"}, "class"},         // elsewhere "object" is a JSON object
      {{"Scala", "object"}, "class"},
      {{"PHP", "define"}, "constant"},
      {{"Perl", "package"}, "module"},
      {{"Make", "macro"}, ""},                 // Makefile variables
      {{"CMake", "variable"}, ""},             // every set() call
      {{"SQL", "variable"}, ""},
  };
  // clang-format on
  auto it = table.find(Key{language, kind});
  if (it == table.end()) return std::nullopt;
  return it->second;
}

// ctags' kind names shared by many parsers; anything else is dropped.
std::string_view generic_kind(std::string_view kind) {
  // clang-format off
  static const std::map<std::string_view, std::string_view> table = {
      {"function", "function"}, {"func", "function"}, {"fun", "function"}, {"subroutine", "function"},
      {"procedure", "function"}, {"generator", "function"}, {"subprogram", "function"},
      {"method", "method"}, {"singletonMethod", "method"}, {"getter", "method"}, {"setter", "method"},
      {"methodSpec", "method"}, {"submethod", "method"},
      {"class", "class"},
      {"struct", "struct"}, {"structure", "struct"},
      {"union", "union"},
      {"enum", "enum"},
      {"interface", "interface"}, {"protocol", "interface"},
      {"trait", "trait"},
      {"type", "type"}, {"typedef", "type"}, {"talias", "type"}, {"typealias", "type"},
      {"module", "module"},
      {"macro", "macro"},
      {"variable", "variable"}, {"var", "variable"}, {"globalVar", "variable"}, {"toplevelVariable", "variable"},
      {"constant", "constant"}, {"const", "constant"},
  };
  // clang-format on
  auto it = table.find(kind);
  return it == table.end() ? std::string_view{} : it->second;
}

// Include guards (#define FOO_BAR_H_) are macros nobody looks for.
bool is_include_guard(std::string_view name) {
  static const std::regex guard(R"(^_*[A-Z0-9_]*_(H|HH|HPP|HXX|INCLUDED|DEFINED)_*$)");
  return std::regex_match(name.begin(), name.end(), guard);
}

bool is_c_family(std::string_view language) {
  return language == "C" || language == "C++" || language == "CUDA" || language == "ObjectiveC";
}

std::string_view map_kind(std::string_view language, std::string_view kind) {
  if (auto specific = language_kind(language, kind)) return *specific;
  return generic_kind(kind);
}

// devagent's kind for a ctags tag, or empty to drop it.
std::string_view normalize_kind(std::string_view language, std::string_view kind, std::string_view scope_kind) {
  // Whatever is defined inside a function body (a nested def, a local struct
  // or alias, a decorator's wrapper) is local to it.
  std::string_view scope = map_kind(language, scope_kind);
  if (scope == "function" || scope == "method") return {};
  std::string_view k = map_kind(language, kind);
  if (k == "function" && is_type_scope(scope_kind)) return "method";
  if ((k == "variable" || k == "constant") && !is_file_scope(scope_kind)) return {};
  return k;
}

// ctags names anonymous namespaces, structs, classes and functions
// "__anon1ef920e20111" or "AnonymousClass7c939e720201"; in a scope they read
// better as "(anonymous)".
std::string clean_scope(std::string scope) {
  if (scope.find("__anon") == std::string::npos && scope.find("Anonymous") == std::string::npos) return scope;
  static const std::regex anon(R"(__anon[0-9a-f]{6,}|Anonymous[A-Z][a-z]+[0-9a-f]{6,})");
  return std::regex_replace(scope, anon, "(anonymous)");
}

bool is_anonymous_name(std::string_view name) {
  static const std::regex anon(R"(^(__anon[0-9a-f]{6,}|Anonymous[A-Z][a-z]+[0-9a-f]{6,})$)");
  return std::regex_match(name.begin(), name.end(), anon);
}

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
void truncate_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

// One JSON line of ctags output as a Symbol, or nullopt when it is not a tag
// we keep.
std::optional<Symbol> parse_tag(std::string_view line) {
  auto parsed = json::parse(line, 8);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const auto& o = parsed->as_object();
  if (json::string_or(o, "_type") != "tag") return std::nullopt;

  Symbol s;
  s.name = json::string_or(o, "name");
  s.path = json::string_or(o, "path");
  s.language = json::string_or(o, "language");
  auto line_no = json::get_int(o, "line");
  if (s.name.empty() || s.path.empty() || !line_no || !*line_no || **line_no <= 0) return std::nullopt;
  if (is_anonymous_name(s.name)) return std::nullopt;
  s.line = static_cast<int>(std::min<std::int64_t>(**line_no, 1 << 30));

  auto kind = normalize_kind(s.language, json::string_or(o, "kind"), json::string_or(o, "scopeKind"));
  if (kind.empty()) return std::nullopt;
  s.kind = std::string(kind);
  s.signature = json::string_or(o, "signature");
  if (kind == "macro" && s.signature.empty() && is_c_family(s.language) && is_include_guard(s.name)) {
    return std::nullopt;
  }
  truncate_utf8(s.signature, kMaxSignatureBytes);
  s.scope = clean_scope(json::string_or(o, "scope"));
  // We pass every path as "./path" (see file_list_line); give back the caller's.
  if (s.path.rfind("./", 0) == 0) s.path.erase(0, 2);
  return s;
}

// --- The file list --------------------------------------------------------

// The -L line for a repository-relative path, or nullopt when ctags could not
// be given it faithfully. ctags takes a line that starts with '-' as an
// option and trims whitespace at both ends, so every path gets a "./" prefix
// (which also keeps a leading space); trailing whitespace and line breaks
// cannot be expressed at all. Absolute paths and ".." are refused as a second
// line of defence: callers already confine paths to the repository.
std::optional<std::string> file_list_line(const std::string& path) {
  if (path.empty() || path.front() == '/') return std::nullopt;
  if (path.find_first_of("\n\r") != std::string::npos) return std::nullopt;
  if (std::isspace(static_cast<unsigned char>(path.back()))) return std::nullopt;
  std::string_view rest = path;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    if (rest.substr(0, slash) == "..") return std::nullopt;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return "./" + path + "\n";
}

// --- Running ctags --------------------------------------------------------

// The first executable called `name` on PATH. Only absolute entries count:
// an empty or relative one would name a directory inside the repository once
// ctags starts there, and a repository must never supply its own ctags.
std::optional<std::string> find_program(std::string_view name) {
  const char* env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): nothing in devagent sets it
  std::string_view dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    if (!dir.empty() && dir.front() == '/') {
      std::string candidate = std::string(dir) + "/" + std::string(name);
      struct stat st {};
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

Error io_error(const std::string& what) {
  return make_error(ErrorKind::io, what + ": " + std::system_category().message(errno));
}

// Splits a byte stream into lines for on_line; a line longer than
// kMaxLineBytes is skipped whole.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<void(std::string_view)>& on_line) : on_line_(on_line) {}

  void feed(std::string_view data) {
    while (!data.empty()) {
      auto nl = data.find('\n');
      auto piece = data.substr(0, nl);
      if (!skipping_) {
        buffer_.append(piece);
        if (buffer_.size() > kMaxLineBytes) {
          buffer_.clear();
          skipping_ = true;
        }
      }
      if (nl == std::string_view::npos) return;
      if (!skipping_ && !buffer_.empty()) on_line_(buffer_);
      buffer_.clear();
      skipping_ = false;
      data.remove_prefix(nl + 1);
    }
  }

  void finish() {
    if (!skipping_ && !buffer_.empty()) on_line_(buffer_);
    buffer_.clear();
  }

 private:
  const std::function<void(std::string_view)>& on_line_;
  std::string buffer_;
  bool skipping_ = false;
};

// The last meaningful line ctags wrote to stderr (its notices are not errors).
std::string stderr_reason(const std::string& tail) {
  std::string reason;
  std::size_t start = 0;
  while (start < tail.size()) {
    auto end = tail.find('\n', start);
    if (end == std::string::npos) end = tail.size();
    std::string_view line(tail.data() + start, end - start);
    if (!line.empty() && line.find("Notice:") == std::string_view::npos) reason = line;
    start = end + 1;
  }
  return reason;
}

struct SpawnedChild {
  pid_t pid = -1;
  UniqueFd stdin_fd;  // our end of a socket pair: send() with MSG_NOSIGNAL cannot raise SIGPIPE
  UniqueFd stdout_fd;
  UniqueFd stderr_fd;
};

Result<SpawnedChild> spawn(const std::string& program, const std::vector<std::string>& args, const fs::path& cwd) {
  int in[2], out[2], err[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return io_error("socketpair");
  UniqueFd in_parent(in[0]), in_child(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) return io_error("pipe");
  UniqueFd out_parent(out[0]), out_child(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return io_error("pipe");
  UniqueFd err_parent(err[0]), err_child(err[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_child.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_child.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_child.get(), STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  // The child starts with no blocked signals and a default SIGPIPE, whatever
  // the server set for itself.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, pipe_only;
  sigemptyset(&none);
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe_only);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT) return make_error(ErrorKind::unavailable, kNotInstalled);
  if (rc != 0) {
    // A failed chdir also lands here.
    return make_error(ErrorKind::io,
                      "cannot run " + program + " in " + cwd.string() + ": " + std::system_category().message(rc));
  }

  SpawnedChild child;
  child.pid = pid;
  child.stdin_fd = std::move(in_parent);
  child.stdout_fd = std::move(out_parent);
  child.stderr_fd = std::move(err_parent);
  for (int fd : {child.stdin_fd.get(), child.stdout_fd.get(), child.stderr_fd.get()}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return child;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Runs `program args` in cwd with `input` on stdin and calls on_line for
// every stdout line, within timeout. An error when the program cannot start,
// fails, or runs out of time (it is killed then).
Result<void> run_streaming(const std::string& program, const std::vector<std::string>& args, const fs::path& cwd,
                           std::string_view input, std::chrono::milliseconds timeout,
                           const std::function<void(std::string_view)>& on_line) {
  auto spawned = spawn(program, args, cwd);
  if (!spawned) return spawned.error();
  SpawnedChild child = std::move(*spawned);
  const auto deadline = Clock::now() + timeout;

  LineSplitter lines(on_line);
  std::string stderr_tail;
  std::size_t written = 0;
  if (input.empty()) child.stdin_fd.reset();
  char buf[65536];

  while (child.stdout_fd.get() >= 0 || child.stderr_fd.get() >= 0) {
    pollfd fds[3];
    nfds_t n = 0;
    if (child.stdin_fd.get() >= 0) fds[n++] = {child.stdin_fd.get(), POLLOUT, 0};
    if (child.stdout_fd.get() >= 0) fds[n++] = {child.stdout_fd.get(), POLLIN, 0};
    if (child.stderr_fd.get() >= 0) fds[n++] = {child.stderr_fd.get(), POLLIN, 0};
    int ready = ::poll(fds, n, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      auto e = io_error("poll");
      kill_and_reap(child.pid);
      return e;
    }
    if (ready == 0) {
      kill_and_reap(child.pid);
      return make_error(ErrorKind::timeout,
                        program + " did not finish within " + std::to_string(timeout.count() / 1000) + " s");
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      int fd = fds[i].fd;
      if (fd == child.stdin_fd.get()) {
        ssize_t w = ::send(fd, input.data() + written, input.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) written += static_cast<std::size_t>(w);
        // A child that stopped reading (EPIPE) gets no more input; its exit says why.
        if (written == input.size() || (w < 0 && errno != EAGAIN && errno != EINTR)) child.stdin_fd.reset();
        continue;
      }
      ssize_t r = ::read(fd, buf, sizeof buf);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        if (fd == child.stdout_fd.get()) child.stdout_fd.reset();
        if (fd == child.stderr_fd.get()) child.stderr_fd.reset();
        continue;
      }
      std::string_view data(buf, static_cast<std::size_t>(r));
      if (fd == child.stdout_fd.get()) {
        lines.feed(data);
      } else {
        stderr_tail.append(data);
        if (stderr_tail.size() > kStderrTailBytes) stderr_tail.erase(0, stderr_tail.size() - kStderrTailBytes);
      }
    }
  }
  lines.finish();
  child.stdin_fd.reset();

  // Both pipes are closed; the child is exiting. Wait for it, still under the deadline.
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(child.pid, &status, WNOHANG);
    if (r == child.pid) break;
    // ECHILD: someone else (a SIGCHLD handler) reaped it; its output was complete.
    if (r < 0 && errno == ECHILD) return {};
    if (r < 0 && errno != EINTR) return io_error("waitpid");
    if (Clock::now() >= deadline) {
      kill_and_reap(child.pid);
      return make_error(ErrorKind::timeout,
                        program + " did not exit within " + std::to_string(timeout.count() / 1000) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};

  std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                        : "exited with status " + std::to_string(WEXITSTATUS(status));
  std::string reason = stderr_reason(stderr_tail);
  if (reason.find("--output-format") != std::string::npos) {
    return make_error(ErrorKind::unavailable,
                      "ctags is not universal-ctags (it has no JSON output); " + std::string(kNotInstalled));
  }
  return make_error(ErrorKind::internal, "ctags " + how + (reason.empty() ? "" : ": " + reason));
}

const std::vector<std::string>& ctags_args() {
  static const std::vector<std::string> args = {
      "--options=NONE",  // no ~/.ctags.d, and above all no .ctags.d from the repository (cwd)
      "--output-format=json",
      // name, path and kind come always; add line, long kind, language, scope,
      // scope kind and signature; drop pattern, file-scope flag, typeref.
      "--fields=-P-f-t-k+n+z+l+s+S+p",
      // Keep file-scoped tags (F: static functions, classes in .cpp files);
      // drop generated names for anonymous things and pseudo tags.
      "--extras=-{anonymous}{pseudo}",
      "--sort=no",  // stream tags as files are parsed
      // Tags to stdout; the file list from stdin.
      "-f",
      "-",
      "-L",
      "-",
  };
  return args;
}

}  // namespace

Result<std::vector<Symbol>> extract_symbols(const fs::path& repo_root, const std::vector<std::string>& paths) {
  std::vector<Symbol> symbols;
  if (paths.empty()) return symbols;
  auto ctags = find_program("ctags");
  if (!ctags) return make_error(ErrorKind::unavailable, kNotInstalled);
  std::error_code ec;
  if (!fs::is_directory(repo_root, ec)) {
    return make_error(ErrorKind::not_found, "repository root " + repo_root.string() + " is not a directory");
  }

  auto on_line = [&symbols](std::string_view line) {
    if (auto s = parse_tag(line)) symbols.push_back(std::move(*s));
  };

  std::size_t next = 0;
  while (next < paths.size()) {
    std::string list;
    std::size_t in_batch = 0;
    for (; next < paths.size() && in_batch < kBatchFiles; ++next) {
      if (auto line = file_list_line(paths[next])) {
        list += *line;
        ++in_batch;
      }
    }
    if (in_batch == 0) continue;
    auto ran = run_streaming(*ctags, ctags_args(), repo_root, list, kBatchTimeout, on_line);
    if (!ran) return ran.error();
  }

  std::stable_sort(symbols.begin(), symbols.end(), [](const Symbol& a, const Symbol& b) {
    return std::tie(a.path, a.line) < std::tie(b.path, b.line);
  });
  return symbols;
}

}  // namespace devagent::code
