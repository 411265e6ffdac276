// Prompt templates: the built-in versions are the files in config/prompts,
// a folder adds versions, a split is stable per key and recorded as the
// variant, and every mistake in the configuration is named.
#include "agent/prompts.h"
#include "core/config.h"
#include "core/features.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace devagent::agent {
namespace {

namespace fs = std::filesystem;

std::string read_source(const std::string& rel) {
  std::ifstream in(fs::path(DEVAGENT_SOURCE_DIR) / rel);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

struct Folder {
  fs::path root = fs::temp_directory_path() / ("devagent-prompts-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  Folder() { fs::create_directories(root); }
  ~Folder() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
};

config::Config with(std::map<std::string, std::string> keys) {
  auto c = config::Config::defaults();
  for (const auto& [k, v] : keys) EXPECT_TRUE(c.set(k, v, config::Source::file)) << k;
  return c;
}

TEST(Prompts, TheBuiltInVersionsAreTheFilesInConfigPrompts) {
  PromptSet set;
  auto p = set.choose("any-key");
  EXPECT_EQ(p.decomposition, read_source("config/prompts/decomposition/v1.md"));
  EXPECT_EQ(p.response, read_source("config/prompts/response/v1.md"));
  EXPECT_EQ(p.variant, "");  // no split, no variant
  EXPECT_EQ(set.versions("response"), (std::vector<std::string>{"v1", "v2"}));
  auto loaded = PromptSet::load(config::Config::defaults());
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->choose("k").version, p.version);
}

TEST(Prompts, SplitSyntax) {
  auto one = features::parse_split("v2");
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, (std::vector<std::pair<std::string, int>>{{"v2", 100}}));
  auto two = features::parse_split("v1=90,v2=10");
  ASSERT_TRUE(two);
  EXPECT_EQ(*two, (std::vector<std::pair<std::string, int>>{{"v1", 90}, {"v2", 10}}));
  for (const char* bad : {"", "v1=50,v2=40", "v1=50,v1=50", "v1=,v2=100", "v1=50,v2", "../x", "v1=-5,v2=105", "a b"}) {
    EXPECT_FALSE(features::parse_split(bad)) << bad;
  }
  // The configuration refuses the same when it loads.
  auto c = config::Config::defaults();
  auto r = c.set("prompts.response", "v1=60,v2=60", config::Source::file);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("add up to 100"), std::string::npos) << r.error().message;
  for (const char* bad : {"", "v1=50,v1=50", "v1=50,v2", "../x", "a b"}) {
    EXPECT_FALSE(c.set("prompts.response", bad, config::Source::file)) << bad;
  }
}

TEST(Prompts, ASplitIsStablePerKeyRecordedAsTheVariantAndRoughlyWeighted) {
  auto set = PromptSet::load(with({{"prompts.response", "v1=70,v2=30"}}));
  ASSERT_TRUE(set) << set.error().message;
  int v2 = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string key = "key-" + std::to_string(i);
    auto p = set->choose(key);
    EXPECT_EQ(p.variant, set->choose(key).variant);
    if (p.variant == "response@v2") {
      ++v2;
      EXPECT_EQ(p.response, read_source("config/prompts/response/v2.md"));
    } else {
      EXPECT_EQ(p.variant, "response@v1");
      EXPECT_EQ(p.response, read_source("config/prompts/response/v1.md"));
    }
  }
  EXPECT_NEAR(v2, 1500, 150);
  // The two variants are different texts: the response cache keeps them apart.
  auto all_v2 = PromptSet::load(with({{"prompts.response", "v1=0,v2=100"}}));
  ASSERT_TRUE(all_v2);
  EXPECT_NE(all_v2->choose("k").version, PromptSet().choose("k").version);
  EXPECT_EQ(all_v2->choose("k").variant, "response@v2");
}

TEST(Prompts, AFolderAddsAndReplacesVersions) {
  Folder dir;
  dir.write("response/v3.md", "Answer in French.\n\n");
  dir.write("decomposition/v1.md", "Pick tools carefully.");
  dir.write("response/notes.txt", "not a template");
  auto set = PromptSet::load(with({{"prompts.dir", dir.root.string()}, {"prompts.response", "v3"}}));
  ASSERT_TRUE(set) << set.error().message;
  auto p = set->choose("k");
  EXPECT_EQ(p.response, "Answer in French.");
  EXPECT_EQ(p.decomposition, "Pick tools carefully.");
  EXPECT_EQ(set->versions("response"), (std::vector<std::string>{"v1", "v2", "v3"}));
}

TEST(Prompts, MistakesAreNamed) {
  auto missing = PromptSet::load(with({{"prompts.response", "v9"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::config);
  EXPECT_NE(missing.error().message.find("prompts.response: no template response/v9.md (known: v1, v2)"),
            std::string::npos)
      << missing.error().message;

  auto no_dir = PromptSet::load(with({{"prompts.dir", "/nonexistent/prompts"}}));
  ASSERT_FALSE(no_dir);
  EXPECT_NE(no_dir.error().message.find("is not a directory"), std::string::npos);

  Folder empty;
  empty.write("response/v4.md", "  \n\n");
  auto blank = PromptSet::load(with({{"prompts.dir", empty.root.string()}}));
  ASSERT_FALSE(blank);
  EXPECT_NE(blank.error().message.find("v4.md is empty"), std::string::npos) << blank.error().message;

  Folder huge;
  huge.write("response/v5.md", std::string(100 * 1024, 'x'));
  auto big = PromptSet::load(with({{"prompts.dir", huge.root.string()}}));
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("over 64 KiB"), std::string::npos) << big.error().message;
}

}  // namespace
}  // namespace devagent::agent
