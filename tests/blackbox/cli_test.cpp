// Black-box tests of the command line: exit codes, help, configuration errors.
#include "support/http_client.h"
#include "support/process.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace devagent::testing {
namespace {

using namespace std::chrono_literals;

RunResult devagent(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                   std::filesystem::path cwd = {}) {
  ProcessOptions o;
  o.args = std::move(args);
  o.env = std::move(env);
  o.cwd = std::move(cwd);
  return run(devagent_binary(), o, 30s);
}

size_t line_count(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(Cli, HelpListsSubcommandsAndExitsZero) {
  auto r = devagent({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"serve", "version", "config"}) EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  for (const char* cmd : {"serve", "version", "config"}) {
    auto sub = devagent({cmd, "--help"});
    EXPECT_EQ(sub.exit_code, 0) << cmd;
    EXPECT_NE(sub.out.find("Usage"), std::string::npos) << cmd;
  }
}

TEST(Cli, UsageErrorsExitTwoWithOneLine) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"serve", "--no-such-flag"}, {"config"}, {"config", "show", "--set", "nokey"}}) {
    auto r = devagent(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("devagent: ", 0), 0u) << r.err;
  }
}

TEST(Cli, VersionPrintsVersion) {
  auto r = devagent({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("devagent 0.", 0), 0u) << r.out;
  EXPECT_EQ(devagent({"--version"}).exit_code, 0);
}

TEST(Cli, ConfigShowRedactsSecretsAndNamesSources) {
  auto r = devagent({"config", "show", "--json", "--listen", "127.0.0.1:9999"},
                    {{"GITHUB_TOKEN", "ghp_topsecret"}, {"DEVAGENT_LOG_LEVEL", "warn"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("topsecret"), std::string::npos);
  auto v = boost::json::parse(r.out).as_object();
  EXPECT_EQ(v.at("github.token").at("value").as_string(), "***");
  EXPECT_EQ(v.at("server.listen").at("value").as_string(), "127.0.0.1:9999");
  EXPECT_EQ(v.at("server.listen").at("source").as_string(), "flag");
  EXPECT_EQ(v.at("log.level").at("source").as_string(), "env");
  auto text = devagent({"config", "show"}, {{"GITHUB_TOKEN", "ghp_topsecret"}});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out.find("topsecret"), std::string::npos);
  EXPECT_NE(text.out.find("[server]"), std::string::npos);
}

TEST(Cli, BadConfigurationStopsStartUpNamingTheKey) {
  auto r = devagent({"serve"}, {{"DEVAGENT_SERVER_LISTEN", "not-an-address"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("DEVAGENT_SERVER_LISTEN"), std::string::npos) << r.err;

  TempDir dir;
  auto file = dir.path() / "devagent.toml";
  std::ofstream(file) << "[server]\nlisten = \"127.0.0.1:0\"\n[stroe]\ndriver = \"sqlite\"\n";
  r = devagent({"--config", file.string(), "serve"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("stroe.driver"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;

  r = devagent({"serve", "--set", "server.threads=lots"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("server.threads"), std::string::npos) << r.err;
}

TEST(Cli, BusyPortIsARuntimeError) {
  ServerProcess first;
  auto r = devagent({"serve", "--listen", "127.0.0.1:" + std::to_string(first.port()), "--data-dir",
                     (first.data_dir() / "other").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
}

TEST(Cli, ServeDefaultsToDotDevagentInTheCurrentDirectory) {
  TempDir dir;
  ProcessOptions o;
  o.args = {"serve", "--listen", "127.0.0.1:0"};
  o.cwd = dir.path();
  auto p = Process::start(devagent_binary(), o);
  auto line = p->wait_for_line("listening on http://127.0.0.1:", 30s);
  ASSERT_TRUE(line) << p->stderr_text();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / ".devagent" / "devagent.db"));
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s).value_or(-1), 0);
}

TEST(Cli, ListenAddressFromEnvironment) {
  TempDir dir;
  ProcessOptions o;
  o.args = {"serve"};
  o.cwd = dir.path();
  o.env = {{"DEVAGENT_LISTEN", "127.0.0.1:0"}, {"DEVAGENT_DATA_DIR", (dir.path() / "d").string()}};
  auto p = Process::start(devagent_binary(), o);
  ASSERT_TRUE(p->wait_for_line("listening on", 30s)) << p->stderr_text();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "d" / "devagent.db"));
}

}  // namespace
}  // namespace devagent::testing
