// The server's real request path: the input is written, as raw bytes, to a
// loopback connection of an in-process Server serving the standard route
// table (routes.cpp) over the whole stack `devagent serve` builds (SQLite
// store, builtin provider, agent, memory, cache), then read until the
// server closes. Everything a client controls goes through the code that
// production runs: Beast's parser with the server's limits, Expect, the
// router, Exchange::json_body, every handler's request parsing
// (parse_chat_request, the OpenAI wire format, query strings, WebSocket
// upgrades) and the error shape.
//
// Why a socket and not the parser alone: most request-handling bugs live in
// the glue (what a handler does with a body that parses, a pipelined second
// request, an upgrade); a loopback round trip costs tens of microseconds,
// which keeps thousands of executions a second.
//
// Any 500 is a finding: with a local SQLite store no client input should
// make a handler throw.
#include "cli/app.h"
#include "cli/common.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace devagent;

std::uint16_t g_port = 0;

// Configuration comes from the file below only: no provider keys, proxies
// or DEVAGENT_* overrides from the environment of whoever runs the fuzzer.
void clear_environment() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    std::string name(entry.substr(0, entry.find('=')));
    static constexpr std::string_view kPrefixes[] = {"DEVAGENT_", "OPENAI_", "ANTHROPIC_", "OLLAMA_", "GITHUB_"};
    bool ours = false;
    for (auto p : kPrefixes) ours = ours || name.rfind(p, 0) == 0;
    for (auto p : {"http_proxy", "https_proxy", "no_proxy"}) {
      std::string upper(p);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ours = ours || name == p || name == upper;
    }
    if (ours) names.push_back(name);
  }
  for (const auto& n : names) unsetenv(n.c_str());
}

std::string write_config(const fs::path& dir) {
  fs::create_directories(dir / "workspace");
  std::ofstream(dir / "workspace" / "main.cpp") << "int main() { return 0; }\n";
  fs::path file = dir / "devagent.toml";
  std::ofstream out(file);
  out << "[server]\nlisten = \"127.0.0.1:0\"\nthreads = 2\n"
      << "[store]\ndata_dir = \"" << (dir / "data").string() << "\"\n"
      << "[log]\nlevel = \"error\"\n"
      << "[workspace]\nroots = [\"" << (dir / "workspace").string() << "\"]\n"
      // Nothing listens on port 1: GitHub calls fail at once, offline.
      << "[github]\napi_url = \"http://127.0.0.1:1\"\n";
  return file.string();
}

// Built once, never destroyed: at exit the server is stopped and its
// threads joined first (stop_server), then the process ends.
cli::App* g_app = nullptr;
server::Server* g_server = nullptr;
std::thread* g_server_thread = nullptr;
std::string g_dir;

void stop_server() {
  g_server->stop();
  g_server_thread->join();
  std::error_code ec;
  fs::remove_all(g_dir, ec);
}

void start_server() {
  clear_environment();
  char tmpl[] = "/tmp/devagent-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  g_dir = tmpl;
  static cli::GlobalFlags flags;
  flags.config_file = write_config(tmpl);
  int exit_code = 0;
  g_app = cli::App::open(flags, exit_code, cli::Role::server).release();
  if (!g_app || !g_app->open_agent(exit_code) || !g_app->open_memory(exit_code)) std::abort();
  server::Services services{.config = &g_app->config,
                            .db = g_app->db.get(),
                            .providers = g_app->providers.get(),
                            .router = g_app->router.get(),
                            .usage = g_app->usage.get(),
                            .tools = g_app->tools.get(),
                            .agent = g_app->agent.get(),
                            .memory = g_app->memory.get(),
                            .cache = g_app->cache.get()};
  g_server = new server::Server(server::ServerOptions::from(g_app->config), services);
  auto port = g_server->listen();
  if (!port) std::abort();
  g_port = *port;
  g_server_thread = new std::thread([] { g_server->run(); });
  std::atexit(stop_server);
}

int connect_loopback() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(g_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  // The input (at most -max_len bytes) fits the send buffer, so writing it
  // all before reading cannot deadlock against a server that answers early.
  int sndbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start_server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fd = connect_loopback();
  std::size_t sent = 0;
  while (sent < size) {
    ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early (a refused request): fine
    sent += static_cast<std::size_t>(n);
  }
  shutdown(fd, SHUT_WR);

  std::string response;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    if (response.size() < (1u << 16)) response.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);

  if (response.find("{\"error\":{\"type\":\"internal_error\"") != std::string::npos) {
    std::fprintf(stderr, "http_request: a 500 answer:\n%.*s\n", static_cast<int>(std::min<std::size_t>(response.size(), 4096)),
                 response.data());
    std::abort();
  }
  return 0;
}
