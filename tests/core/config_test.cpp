#include "core/config.h"

#include "support/process.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

namespace devagent::config {
namespace {

using testing::TempDir;

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  auto path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

LoadOptions opts(std::map<std::string, std::string> env = {}) {
  LoadOptions o;
  o.environment = std::move(env);
  return o;
}

TEST(Config, DefaultsAreTheDocumentedOnes) {
  auto c = Config::defaults();
  EXPECT_EQ(c.str("server.listen"), "127.0.0.1:8080");
  EXPECT_EQ(c.size("server.body_limit"), 1024u * 1024u);
  EXPECT_EQ(c.duration("server.shutdown_timeout"), std::chrono::seconds(5));
  EXPECT_EQ(c.str("store.driver"), "sqlite");
  EXPECT_EQ(c.str("store.data_dir"), ".devagent");
  EXPECT_EQ(c.list("workspace.roots"), std::vector<std::string>{"."});
  EXPECT_EQ(c.source("server.listen"), Source::default_value);
}

TEST(Config, LayersApplyInOrderDefaultsFileEnvironmentFlags) {
  TempDir dir;
  auto file = write_file(dir, "c.toml", "[server]\nlisten = \"127.0.0.1:1111\"\nthreads = 3\n[log]\nlevel = \"debug\"\n");
  auto o = opts({{"DEVAGENT_SERVER_LISTEN", "127.0.0.1:2222"}, {"DEVAGENT_LOG_LEVEL", "warn"}});
  o.file = file;
  o.overrides = {{"server.listen", "127.0.0.1:3333"}};
  auto c = Config::load(o);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->str("server.listen"), "127.0.0.1:3333");
  EXPECT_EQ(c->source("server.listen"), Source::flag);
  EXPECT_EQ(c->str("log.level"), "warn");
  EXPECT_EQ(c->source("log.level"), Source::environment);
  EXPECT_EQ(c->integer("server.threads"), 3);
  EXPECT_EQ(c->source("server.threads"), Source::file);
  EXPECT_EQ(c->str("store.driver"), "sqlite");
  EXPECT_EQ(c->source("store.driver"), Source::default_value);
}

TEST(Config, ConfigFileComesFromDevagentConfigVariable) {
  TempDir dir;
  auto file = write_file(dir, "c.toml", "[server]\nthreads = 7\n");
  auto c = Config::load(opts({{"DEVAGENT_CONFIG", file}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->integer("server.threads"), 7);
}

TEST(Config, JsonFilesAreReadByExtension) {
  TempDir dir;
  auto file = write_file(dir, "c.json", R"({"server": {"body_limit": "2MiB"}, "workspace": {"roots": ["a", "b"]}})");
  auto o = opts();
  o.file = file;
  auto c = Config::load(o);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->size("server.body_limit"), 2u * 1024 * 1024);
  EXPECT_EQ(c->list("workspace.roots"), (std::vector<std::string>{"a", "b"}));
}

TEST(Config, UnknownKeyInFileIsRefusedWithKeyAndFile) {
  TempDir dir;
  auto file = write_file(dir, "c.toml", "[server]\nlisen = \"x\"\n");
  auto o = opts();
  o.file = file;
  auto c = Config::load(o);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("server.lisen"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find(file), std::string::npos) << c.error().message;
}

TEST(Config, BadValuesAreRefusedWithTheReason) {
  struct Case {
    std::string var, value, expect;
  };
  std::vector<Case> cases = {
      {"DEVAGENT_SERVER_LISTEN", "nohost", "host:port"},
      {"DEVAGENT_SERVER_LISTEN", "127.0.0.1:99999", "port"},
      {"DEVAGENT_SERVER_THREADS", "many", "integer"},
      {"DEVAGENT_SERVER_THREADS", "-1", "between"},
      {"DEVAGENT_SERVER_BODY_LIMIT", "12 parsecs", "unit"},
      {"DEVAGENT_SERVER_BODY_LIMIT", "10", "between"},
      {"DEVAGENT_SERVER_IDLE_TIMEOUT", "soon", "duration"},
      {"DEVAGENT_LOG_LEVEL", "loud", "one of"},
      {"DEVAGENT_STORE_DRIVER", "mysql", "one of"},
      {"DEVAGENT_STORE_DATA_DIR", "", "empty"},
  };
  for (const auto& tc : cases) {
    auto c = Config::load(opts({{tc.var, tc.value}}));
    ASSERT_FALSE(c) << tc.var << "=" << tc.value;
    EXPECT_NE(c.error().message.find(tc.var), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(tc.expect), std::string::npos) << c.error().message;
  }
}

TEST(Config, UnknownDevagentVariableIsRefused) {
  auto c = Config::load(opts({{"DEVAGENT_SERVER_LISTN", "127.0.0.1:1"}}));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("DEVAGENT_SERVER_LISTN"), std::string::npos);
}

TEST(Config, ShortVariablesAndToolVariablesYieldToCanonicalOnes) {
  auto c = Config::load(opts({{"DEVAGENT_LISTEN", "127.0.0.1:1000"}, {"DEVAGENT_DATA_DIR", "/tmp/x"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->str("server.listen"), "127.0.0.1:1000");
  EXPECT_EQ(c->str("store.data_dir"), "/tmp/x");
  c = Config::load(opts({{"DEVAGENT_LISTEN", "127.0.0.1:1000"}, {"DEVAGENT_SERVER_LISTEN", "127.0.0.1:2000"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str("server.listen"), "127.0.0.1:2000");
}

TEST(Config, SecretsAreNeverShown) {
  auto c = Config::load(opts({{"GITHUB_TOKEN", "ghp_supersecret"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str("github.token"), "ghp_supersecret");
  auto json = boost::json::serialize(c->to_json());
  auto text = c->to_text();
  EXPECT_EQ(json.find("supersecret"), std::string::npos);
  EXPECT_EQ(text.find("supersecret"), std::string::npos);
  EXPECT_NE(json.find("\"***\""), std::string::npos);
  EXPECT_NE(text.find("token = \"***\""), std::string::npos);
}

TEST(Config, TomlSyntaxErrorsNameTheLine) {
  TempDir dir;
  auto file = write_file(dir, "c.toml", "[server]\nlisten = \n");
  auto o = opts();
  o.file = file;
  auto c = Config::load(o);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find(":2:"), std::string::npos) << c.error().message;
}

TEST(Config, MissingFileIsAnError) {
  auto o = opts();
  o.file = "/nonexistent/devagent.toml";
  auto c = Config::load(o);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("/nonexistent/devagent.toml"), std::string::npos);
}

TEST(Config, ListsFromEnvironmentAreCommaSeparated) {
  auto c = Config::load(opts({{"DEVAGENT_WORKSPACE_ROOTS", " /a, /b ,,/c "}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->list("workspace.roots"), (std::vector<std::string>{"/a", "/b", "/c"}));
}

TEST(Config, WildcardVariablesTakeTheLongestKnownKey) {
  auto c = Config::load(opts({{"DEVAGENT_PROVIDERS_MY_LOCAL_EMBEDDING_MODEL", "nomic"},
                              {"DEVAGENT_PROVIDERS_MY_LOCAL_MODEL", "qwen"},
                              {"DEVAGENT_ROUTES_CODE_REVIEW", "a:b"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->str("providers.my_local.embedding_model"), "nomic");
  EXPECT_EQ(c->str("providers.my_local.model"), "qwen");
  EXPECT_EQ(c->list("routes.code_review"), std::vector<std::string>{"a:b"});
  EXPECT_EQ(c->names("providers"), std::vector<std::string>{"my_local"});
}

TEST(Config, ChoicesAreCaseInsensitive) {
  auto c = Config::load(opts({{"DEVAGENT_LOG_LEVEL", "DEBUG"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->str("log.level"), "debug");
}

TEST(Config, ReadingAnUndeclaredKeyIsAProgrammerError) {
  auto c = Config::defaults();
  EXPECT_THROW(c.str("server.nope"), std::logic_error);
  EXPECT_THROW(c.integer("server.listen"), std::logic_error);
}

TEST(Config, ParsersAcceptTheDocumentedForms) {
  EXPECT_EQ(*parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parse_duration("10s"), std::chrono::seconds(10));
  EXPECT_EQ(*parse_duration("10"), std::chrono::seconds(10));
  EXPECT_EQ(*parse_duration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*parse_duration("5m"), std::chrono::minutes(5));
  EXPECT_EQ(*parse_duration("7d"), std::chrono::hours(24 * 7));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("1y"));
  EXPECT_EQ(*parse_size("1MiB"), 1048576u);
  EXPECT_EQ(*parse_size("512KiB"), 524288u);
  EXPECT_EQ(*parse_size("10MB"), 10000000u);
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_FALSE(parse_size("lots"));
  auto l = parse_listen("[::1]:8080");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->first, "::1");
  EXPECT_EQ(l->second, 8080);
  EXPECT_FALSE(parse_listen("[::1]8080"));
  EXPECT_FALSE(parse_listen(":80"));
}

TEST(Config, ExampleFileLoadsAndDocumentsEveryKey) {
  std::string path = std::string(DEVAGENT_SOURCE_DIR) + "/config/devagent.example.toml";
  auto o = opts();
  o.file = path;
  auto c = Config::load(o);
  ASSERT_TRUE(c) << c.error().message;
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& spec : schema()) {
    if (spec.name.find('*') != std::string::npos) continue;
    auto dot = spec.name.rfind('.');
    std::string key = spec.name.substr(dot + 1);
    std::string section = "[" + spec.name.substr(0, dot) + "]";
    auto sec = text.find(section);
    ASSERT_NE(sec, std::string::npos) << "example lacks section " << section;
    EXPECT_NE(text.find("\n" + key + " =", sec), std::string::npos) << "example lacks " << spec.name;
  }
}

}  // namespace
}  // namespace devagent::config
