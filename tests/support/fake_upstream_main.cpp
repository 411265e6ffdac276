// fake-upstream: the fake LLM upstream as a program, for black-box tests,
// benchmarks and demos. Every chat request gets the reply the flags describe.
//
//   fake-upstream [--port N] [--text "..."] [--chunks N] [--delay-ms N]
//                 [--fail-status S] [--retry-after SECONDS]
//                 [--tool NAME --tool-args JSON] [--piece-bytes N]
//
// Prints "fake-upstream listening on http://127.0.0.1:PORT" and serves until
// SIGTERM or SIGINT.
#include "support/fake_upstream.h"

#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <string>

namespace {

const char* kUsage =
    "usage: fake-upstream [--port N] [--text TEXT] [--chunks N] [--delay-ms N]\n"
    "                     [--fail-status S] [--retry-after SECONDS]\n"
    "                     [--tool NAME --tool-args JSON] [--piece-bytes N]\n";

// "--name value" pairs into flags; false if the command line is not made of them.
bool parse_flags(int argc, char** argv, std::map<std::string, std::string>& flags) {
  for (int i = 1; i < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) return false;
    flags[name.substr(2)] = argv[i + 1];
  }
  return true;
}

int number(const std::map<std::string, std::string>& flags, const std::string& name, int fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : std::stoi(it->second);
}

devagent::testing::Reply reply_from(const std::map<std::string, std::string>& flags) {
  using devagent::testing::Reply;
  if (int status = number(flags, "fail-status", 0); status != 0) {
    Reply r = Reply::http_error(status);
    if (int seconds = number(flags, "retry-after", -1); seconds >= 0) r.retry_after(seconds);
    return r;
  }
  Reply r = flags.count("tool")
                ? Reply::tool_call(flags.at("tool"), flags.count("tool-args") ? flags.at("tool-args") : "{}")
                : Reply::text(flags.count("text") ? flags.at("text") : "Hello from the fake upstream.");
  r.chunks(number(flags, "chunks", 4));
  r.delay_ms(number(flags, "delay-ms", 0));
  if (int bytes = number(flags, "piece-bytes", 0); bytes > 0) r.piece_bytes(static_cast<std::size_t>(bytes));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  if (!parse_flags(argc, argv, flags)) {
    std::cerr << kUsage;
    return 2;
  }
  // Block the stop signals before the server's threads start, so that they
  // inherit the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    devagent::testing::FakeUpstream fake(static_cast<unsigned short>(number(flags, "port", 0)));
    fake.set_default_reply(reply_from(flags));
    std::cout << "fake-upstream listening on " << fake.base_url() << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
  } catch (const std::exception& e) {
    std::cerr << "fake-upstream: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
