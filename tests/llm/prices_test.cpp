// Price parsing is exact, matching finds the right entry, costs are exact to
// the nano-dollar and rounded half up once.
#include "llm/prices.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>
#include <string>

namespace devagent::llm {
namespace {

PriceTable parse_ok(const std::string& toml) {
  auto t = PriceTable::parse(toml, "prices.toml");
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return t ? std::move(*t) : PriceTable{};
}

std::string parse_error(const std::string& toml) {
  auto t = PriceTable::parse(toml, "prices.toml");
  EXPECT_FALSE(t) << "parsed: " << toml;
  return t ? "" : t.error().message;
}

// --- the decimal parser ------------------------------------------------------

struct PriceCase {
  const char* text;
  std::int64_t pico;
};

TEST(Prices, DecimalsBecomeExactPicoDollarsPerToken) {
  const PriceCase cases[] = {
      {"2.50", 2'500'000},
      {"2.5", 2'500'000},
      {"0.0375", 37'500},
      {"0.075", 75'000},
      {"0.1", 100'000},
      {"0.3", 300'000},
      {"4.35", 4'350'000},
      {"1.005", 1'005'000},
      {"10", 10'000'000},
      {"10.00", 10'000'000},
      {"0", 0},
      {"0.0", 0},
      {"0.000001", 1},
      {"0.000009", 9},
      {"123456.789012", 123'456'789'012},
      {"2.5000000", 2'500'000},  // trailing zeros beyond 6 decimals lose nothing
      {"+1.25", 1'250'000},
      {"1e-1", 100'000},
      {"2.5E1", 25'000'000},
      {"25e-6", 25},
      {"007.5", 7'500'000},
  };
  for (const auto& c : cases) {
    auto v = parse_price_per_million(c.text);
    ASSERT_TRUE(v) << c.text << ": " << v.error().message;
    EXPECT_EQ(*v, c.pico) << c.text;
  }
}

TEST(Prices, RejectsWhatIsNotAnExactNonNegativeDecimal) {
  const std::pair<const char*, const char*> cases[] = {
      {"0.0000001", "more than 6 decimals"},
      {"2.5000001", "more than 6 decimals"},
      {"1e-7", "more than 6 decimals"},
      {"-1", "negative"},
      {"-0.5", "negative"},
      {"abc", "expected a decimal"},
      {"", "expected a decimal"},
      {"1.", "expected a decimal"},
      {".", "expected a decimal"},
      {"1e", "expected a decimal"},
      {"2.5x", "expected a decimal"},
      {"1,5", "expected a decimal"},
      {"nan", "expected a decimal"},
      {"9999999999999", "too large"},  // 10^13 dollars per million: past int64 pico
      {"1e400", "too large"},
  };
  for (const auto& [text, reason] : cases) {
    auto v = parse_price_per_million(text);
    ASSERT_FALSE(v) << text;
    EXPECT_NE(v.error().message.find(reason), std::string::npos) << text << ": " << v.error().message;
    EXPECT_EQ(v.error().kind, devagent::ErrorKind::invalid_argument);
  }
}

// --- the file ----------------------------------------------------------------

TEST(Prices, TomlValuesAreReadFromTheirTextExactly) {
  auto t = parse_ok(R"(
[models."a"]
input = 0.3
cached_input = 0.0375
output = 1_000.5
context_window = 128_000

[models."b"]
input = +2.5     # a comment right after
output = 1e-1
cached_input = 0x10

[models]
"modèle-ü" = { input = 0.075, output = 2.50, cached_input = 0.000001 }
)");
  ASSERT_EQ(t.size(), 3u);
  const auto* a = t.find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->input_pico, 300'000);
  EXPECT_EQ(a->cached_input_pico, 37'500);
  EXPECT_EQ(a->output_pico, 1'000'500'000);
  EXPECT_EQ(a->context_window, 128'000);
  const auto* b = t.find("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->input_pico, 2'500'000);
  EXPECT_EQ(b->output_pico, 100'000);
  EXPECT_EQ(b->cached_input_pico, 16'000'000);  // hex integer: 16 dollars
  EXPECT_EQ(b->context_window, 0);
  // Columns count code points: non-ASCII text earlier on the line must not
  // shift where the number is read from.
  const auto* u = t.find("modèle-ü");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->input_pico, 75'000);
  EXPECT_EQ(u->output_pico, 2'500'000);
  EXPECT_EQ(u->cached_input_pico, 1);
}

TEST(Prices, EverySixDecimalValueParsesExactlyFromToml) {
  std::mt19937_64 rng(42);
  std::string doc;
  std::vector<std::int64_t> expected;
  for (int i = 0; i < 2000; ++i) {
    std::int64_t micros = static_cast<std::int64_t>(rng() % 1'000'000'000'000);  // up to $1M per million
    char text[40];
    std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(micros / 1'000'000),
                  static_cast<long long>(micros % 1'000'000));
    doc += "[models.\"m" + std::to_string(i) + "\"]\ninput = " + text + "\noutput = 0\n";
    expected.push_back(micros);
  }
  auto t = parse_ok(doc);
  for (int i = 0; i < 2000; ++i) {
    const auto* p = t.find("m" + std::to_string(i));
    ASSERT_TRUE(p);
    ASSERT_EQ(p->input_pico, expected[i]) << i;  // a millionth of a dollar per million = 1 pico per token
  }
}

TEST(Prices, CachedInputDefaultsToTheInputPrice) {
  auto t = parse_ok("[models.\"m\"]\ninput = 3\noutput = 15\n");
  ASSERT_TRUE(t.find("m"));
  EXPECT_EQ(t.find("m")->cached_input_pico, 3'000'000);
}

TEST(Prices, ErrorsNameTheFileLineModelAndField) {
  struct Case {
    std::string toml;
    std::vector<std::string> expected;
  };
  const Case cases[] = {
      {"[models.\"gpt-x\"]\ninput = 0.0000001\noutput = 1\n",
       {"prices.toml:2", "gpt-x", "input", "more than 6 decimals"}},
      // The double of this is exactly 2.5: only reading the text catches the 17th decimal.
      {"[models.\"gpt-x\"]\ninput = 2.50000000000000001\noutput = 1\n",
       {"prices.toml:2", "gpt-x", "input", "more than 6 decimals"}},
      {"[models]\n\"modèle-ü\" = { output = 1, input = 0.10000000000000001 }\n",
       {"prices.toml:2", "modèle-ü", "input", "more than 6 decimals"}},
      {"[models.\"gpt-x\"]\ninput = 1\noutput = -2\n", {"prices.toml:3", "gpt-x", "output", "negative"}},
      {"[models.\"gpt-x\"]\ninput = \"2.5\"\noutput = 1\n", {"prices.toml:2", "gpt-x", "input", "number"}},
      {"[models.\"gpt-x\"]\ninput = 1\noutput = 1\ncached_input = true\n", {"prices.toml:4", "cached_input"}},
      {"[models.\"gpt-x\"]\ninput = 1\noutput = inf\n", {"gpt-x", "output", "finite"}},
      {"[models.\"gpt-x\"]\ninput = 1\nouput = 1\n", {"prices.toml:3", "gpt-x", "ouput", "unknown field"}},
      {"[models.\"gpt-x\"]\ninput = 1\n", {"gpt-x", "output is required"}},
      {"[models.\"gpt-x\"]\ninput = 1\noutput = 1\ncontext_window = 1.5\n",
       {"prices.toml:4", "context_window", "integer"}},
      {"[models.\"gpt-x\"]\ninput = 1\noutput = 1\ncontext_window = -1\n", {"context_window", "negative"}},
      {"[models.\"gpt-x\"\ninput = 1\n", {"prices.toml:1:"}},
      {"[prices.\"gpt-x\"]\ninput = 1\n", {"prices.toml:1", "unknown key 'prices'"}},
      {"models = 3\n", {"models must be a table"}},
  };
  for (const auto& c : cases) {
    auto message = parse_error(c.toml);
    for (const auto& part : c.expected) EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  }
}

// --- matching ----------------------------------------------------------------

TEST(Prices, FindTakesTheExactNameThenTheLongestPrefix) {
  auto t = PriceTable::builtin();
  auto input_of = [&](std::string_view model) -> std::int64_t {
    const auto* p = t.find(model);
    return p ? p->input_pico : -1;
  };
  EXPECT_EQ(input_of("gpt-4o"), 2'500'000);
  EXPECT_EQ(input_of("gpt-4o-mini"), 150'000);
  EXPECT_EQ(input_of("gpt-4o-mini-2024-07-18"), 150'000);  // gpt-4o-mini, not gpt-4o
  EXPECT_EQ(input_of("gpt-4o-2024-08-06"), 2'500'000);
  EXPECT_EQ(input_of("gpt-4-0613"), 30'000'000);
  EXPECT_EQ(input_of("claude-sonnet-4-5-20250929"), 3'000'000);
  EXPECT_EQ(input_of("claude-opus-4-1-20250805"), 15'000'000);
  EXPECT_EQ(input_of("GPT-4o-Mini"), 150'000);                    // case
  EXPECT_EQ(input_of("openai/gpt-4o-mini-2024-07-18"), 150'000);  // provider prefix
  EXPECT_EQ(input_of("Anthropic/Claude-Sonnet-4-5"), 3'000'000);
  EXPECT_EQ(input_of("llama3.1:8b"), -1);
  EXPECT_EQ(input_of(""), -1);
  EXPECT_EQ(input_of("gp"), -1);
}

TEST(Prices, AFullNameWithASlashWinsOverTheStrippedOne) {
  auto t = parse_ok("[models.\"gpt-4o\"]\ninput = 1\noutput = 1\n[models.\"azure/gpt-4o\"]\ninput = 2\noutput = 2\n");
  EXPECT_EQ(t.find("azure/gpt-4o")->input_pico, 2'000'000);
  EXPECT_EQ(t.find("openai/gpt-4o")->input_pico, 1'000'000);
}

TEST(Prices, MergeReplacesAndAdds) {
  auto t = PriceTable::builtin();
  auto before = t.size();
  t.merge(parse_ok("[models.\"GPT-4o\"]\ninput = 1\noutput = 2\n[models.\"local-llm\"]\ninput = 0\noutput = 0\n"));
  EXPECT_EQ(t.size(), before + 1);
  EXPECT_EQ(t.find("gpt-4o-2024-08-06")->input_pico, 1'000'000);
  EXPECT_EQ(t.find("gpt-4o")->cached_input_pico, 1'000'000);
  EXPECT_TRUE(t.find("local-llm"));
}

TEST(Prices, TheShippedTableLoads) {
  auto t = PriceTable::builtin();
  EXPECT_GE(t.size(), 20u);
  const auto* gpt4o = t.find("gpt-4o");
  ASSERT_TRUE(gpt4o);
  EXPECT_EQ(gpt4o->input_pico, 2'500'000);
  EXPECT_EQ(gpt4o->cached_input_pico, 1'250'000);
  EXPECT_EQ(gpt4o->output_pico, 10'000'000);
  EXPECT_EQ(gpt4o->context_window, 128'000);
  const auto* sonnet = t.find("claude-sonnet-4-5");
  ASSERT_TRUE(sonnet);
  EXPECT_EQ(sonnet->input_pico, 3'000'000);
  EXPECT_EQ(sonnet->cached_input_pico, 300'000);
  EXPECT_EQ(sonnet->output_pico, 15'000'000);
  const auto* builtin = t.find("builtin");
  ASSERT_TRUE(builtin);
  EXPECT_EQ(builtin->input_pico, 0);
  EXPECT_EQ(builtin->output_pico, 0);
  EXPECT_EQ(builtin->context_window, 1'000'000);
}

// --- cost arithmetic ---------------------------------------------------------

struct CostCase {
  const char* name;
  Usage usage;
  Price price;
  std::int64_t nanos;
  const char* dollars;
};

TEST(Prices, CostIsExactAndRoundedHalfUpOnce) {
  const Price gpt4o{2'500'000, 1'250'000, 10'000'000, 128'000};  // $2.50 / $1.25 / $10 per million
  const Price mini{150'000, 75'000, 600'000, 128'000};           // $0.15 / $0.075 / $0.60
  const Price opus{15'000'000, 1'500'000, 75'000'000, 200'000};  // $15 / $1.50 / $75
  const Price one_pico{1, 1, 1, 0};                              // $0.000001 per million
  const CostCase cases[] = {
      // 1000·2.5e6 + 500·1e7 = 7.5e9 pico = 7.5e6 nanos
      {"plain", {1000, 500, 0, false}, gpt4o, 7'500'000, "$0.007500"},
      // 800·2.5e6 + 200·1.25e6 + 500·1e7 = 2e9 + 2.5e8 + 5e9 = 7.25e9 pico
      {"cached", {1000, 500, 200, false}, gpt4o, 7'250'000, "$0.007250"},
      // 1000·150000 + 234·75000 + 567·600000 = 1.5e8 + 1.755e7 + 3.402e8 = 507,750,000 pico
      {"mini", {1234, 567, 234, false}, mini, 507'750, "$0.000508"},
      // one token each at 150000 / 600000 pico: 750000 pico = 750 nanos
      {"one token", {1, 1, 0, false}, mini, 750, "$0.000001"},
      // cached tokens beyond the input are clamped: 100 cached · 75000 = 7.5e6 pico
      {"cached > input", {100, 0, 300, false}, mini, 7'500, "$0.000008"},
      {"negatives are zero", {-5, -7, -1, false}, gpt4o, 0, "$0.000000"},
      {"nothing", {0, 0, 0, false}, gpt4o, 0, "$0.000000"},
      // half a nano rounds up, just under half rounds down
      {"500 pico", {500, 0, 0, false}, one_pico, 1, "$0.000000"},
      {"499 pico", {499, 0, 0, false}, one_pico, 0, "$0.000000"},
      {"1500 pico", {1000, 500, 0, false}, one_pico, 2, "$0.000000"},
      {"2499 pico", {2000, 499, 0, false}, one_pico, 2, "$0.000000"},
      // 10^12 tokens in and out at opus: 1.5e19 + 7.5e19 pico, past int64 before the division
      {"huge", {1'000'000'000'000, 1'000'000'000'000, 0, false}, opus, 90'000'000'000'000'000, "$90000000.000000"},
      {"saturates", {INT64_MAX, INT64_MAX, 0, false}, opus, INT64_MAX, "$9223372036.854776"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(cost_nanos(c.usage, c.price), c.nanos) << c.name;
    EXPECT_EQ(format_dollars(c.nanos), c.dollars) << c.name;
  }
}

TEST(Prices, FormatDollarsRoundsHalfUpToTheMillionth) {
  const std::pair<std::int64_t, const char*> cases[] = {
      {0, "$0.000000"},
      {499, "$0.000000"},
      {500, "$0.000001"},
      {1'499, "$0.000001"},
      {1'500, "$0.000002"},
      {1'234'567'499, "$1.234567"},
      {1'234'567'500, "$1.234568"},
      {999'999'500, "$1.000000"},
      {12'345'000'000'000, "$12345.000000"},
      {-500, "$0.000000"},  // -0.5 micro rounds up to 0
      {-501, "-$0.000001"},
      {-1'500, "-$0.000001"},
      {INT64_MIN, "-$9223372036.854776"},
  };
  for (const auto& [nanos, text] : cases) EXPECT_EQ(format_dollars(nanos), text) << nanos;
}

}  // namespace
}  // namespace devagent::llm
