#include "code/search.h"

#include "code/index_store.h"
#include "store/store.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <string>
#include <vector>

namespace devagent::code {
namespace {

// Whether s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80                 ? 1
                    : b >= 0xC2 && b <= 0xDF ? 2
                    : b >= 0xE0 && b <= 0xEF ? 3
                    : b >= 0xF0 && b <= 0xF4 ? 4
                                             : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? b : b & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n;
  }
  return true;
}

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = open_code_index((dir_.path() / "code-index.db").string());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    index_ = std::make_unique<SearchIndex>(*db_);
  }

  // What the indexer does for a file: its code_files row, then its content.
  void add(const std::string& repo, const std::string& path, const std::string& language, const std::string& content) {
    ASSERT_TRUE(upsert_file(repo, path, language, content.size()));
    auto r = index_->put(repo, path, language, content);
    ASSERT_TRUE(r) << r.error().message;
  }

  Result<std::int64_t> upsert_file(const std::string& repo, const std::string& path, const std::string& language,
                                   std::size_t size) {
    return db_->execute(
        "INSERT INTO code_files (repo, path, language, size, hash, mtime_ns, code, comment, blank) "
        "VALUES (?, ?, ?, ?, '', 0, 0, 0, 0) ON CONFLICT (repo, path) DO UPDATE SET size = excluded.size",
        {repo, path, language, static_cast<std::int64_t>(size)});
  }

  SearchResults find(SearchQuery q) {
    auto r = index_->search(q);
    EXPECT_TRUE(r) << "query " << q.text << ": " << r.error().message;
    return r ? *r : SearchResults{};
  }
  SearchResults literal(const std::string& text) { return find(SearchQuery{.text = text}); }
  SearchResults regex(const std::string& text) { return find(SearchQuery{.text = text, .regex = true}); }

  // "path:line:column" of each match, best first.
  static std::vector<std::string> places(const SearchResults& r) {
    std::vector<std::string> out;
    for (const auto& m : r.matches) {
      out.push_back(m.path + ":" + std::to_string(m.line) + ":" + std::to_string(m.column));
    }
    return out;
  }

  void add_sample() {
    add("r1", "src/parser.py", "Python",
        "import os\n"
        "\n"
        "def parse_config(path):\n"
        "    return ParseConfig(path)\n"
        "\n"
        "class ParseConfig:\n"
        "    pass\n");
    add("r1", "src/main.py", "Python",
        "from parser import parse_config\n"
        "cfg = parse_config('a.toml')  # parse_config twice on one line: parse_config\n");
    add("r1", "include/util.hpp", "C++",
        "#include <memory>\n"
        "std::unique_ptr<Foo> make_foo();\n"
        "  std::shared_ptr<Bar> bar;  // std::weak_ptr too\n"
        "const char* q = \"\\\"foo\\\" AND bar* a:b (x)\";\n"
        "auto s = R\"(\"foo\" AND bar*)\";\n");
    add("r2", "lib.rs", "Rust", "pub fn parse_config() -> Config {\n    Config::default()\n}\n");
    add("r1", "README.md", "Markdown", "# Parser\n\nCall `parse_config` first.\n");
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(SearchTest, LiteralGivesLineColumnAndText) {
  add_sample();
  auto r = literal("make_foo");
  ASSERT_EQ(r.matches.size(), 1u);
  const auto& m = r.matches[0];
  EXPECT_EQ(m.repository, "r1");
  EXPECT_EQ(m.path, "include/util.hpp");
  EXPECT_EQ(m.line, 2);
  EXPECT_EQ(m.column, 22);
  EXPECT_EQ(m.text, "std::unique_ptr<Foo> make_foo();");
  EXPECT_EQ(r.total, 1);
  EXPECT_EQ(r.files, 1);
}

TEST_F(SearchTest, LineCountsOnceWithFirstColumn) {
  add_sample();
  auto r = find(SearchQuery{.text = "parse_config", .repository = "r1", .language = "python"});
  EXPECT_EQ(r.total, 3);  // parser.py:3, main.py:1, main.py:2 (three occurrences, one line)
  EXPECT_EQ(r.files, 2);
  bool seen = false;
  for (const auto& m : r.matches) {
    if (m.path == "src/main.py" && m.line == 2) {
      EXPECT_EQ(m.column, 7);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(SearchTest, LiteralsIgnoreCaseUnlessAsked) {
  add_sample();
  EXPECT_EQ(literal("PARSECONFIG").total, 2);
  EXPECT_EQ(literal("PARSE_CONFIG").total, 5);
  EXPECT_EQ(find(SearchQuery{.text = "PARSE_CONFIG", .case_sensitive = true}).total, 0);
  auto exact = find(SearchQuery{.text = "ParseConfig", .case_sensitive = true});
  EXPECT_EQ(places(exact).size(), 2u);
  EXPECT_EQ(exact.total, 2);
  // "Parser" in README.md is the only capitalised one.
  EXPECT_EQ(find(SearchQuery{.text = "Parser", .case_sensitive = true}).total, 1);
}

TEST_F(SearchTest, NonAsciiLiteralsFoldUnicodeCase) {
  add("r", "de.txt", "Text", "kein Ärger hier\nÄRGER GROSS\n");
  auto r = literal("ärger");
  EXPECT_EQ(r.total, 2);
  ASSERT_FALSE(r.matches.empty());
  EXPECT_EQ(find(SearchQuery{.text = "ärger", .case_sensitive = true}).total, 0);
  EXPECT_EQ(find(SearchQuery{.text = "Ärger", .case_sensitive = true}).total, 1);
}

TEST_F(SearchTest, QueryTextIsNeverFts5Syntax) {
  add_sample();
  auto quoted = literal("\"foo\" AND bar*");
  EXPECT_EQ(places(quoted), std::vector<std::string>{"include/util.hpp:5:13"});
  EXPECT_EQ(literal("\\\"foo\\\" AND bar* a:b (x)").total, 1);
  EXPECT_EQ(literal("a:b").total, 1);
  EXPECT_EQ(literal("(x)").total, 1);
  EXPECT_EQ(literal("bar*").total, 2);
  EXPECT_EQ(literal("NOT foo").total, 0);
  EXPECT_EQ(literal("\"\"\"").total, 0);
  EXPECT_EQ(literal("'; DROP TABLE code_files; --").total, 0);
  EXPECT_EQ(literal("make_foo").total, 1);  // the table is still there
}

TEST_F(SearchTest, RejectsQueriesItCannotSearch) {
  add_sample();
  for (const std::string& bad :
       std::vector<std::string>{"", "ab", "é1", std::string(1001, 'a'), "line\nbreak", "\xff\xfe\xfd"}) {
    auto r = index_->search(SearchQuery{.text = bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument) << bad;
  }
  EXPECT_TRUE(index_->search(SearchQuery{.text = "éé1"}));                // three characters, five bytes
  EXPECT_TRUE(index_->search(SearchQuery{.text = "ab", .regex = true}));  // regexes have no minimum
}

TEST_F(SearchTest, RegexMatches) {
  add_sample();
  auto ptrs = regex(R"(std::\w+_ptr)");
  EXPECT_EQ(ptrs.total, 2);
  EXPECT_EQ(ptrs.files, 1);
  auto p = places(ptrs);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<std::string>{"include/util.hpp:2:1", "include/util.hpp:3:3"}));

  auto defs = regex(R"(^def \w+\()");
  EXPECT_EQ(places(defs), std::vector<std::string>{"src/parser.py:3:1"});

  EXPECT_EQ(regex(R"(Config$)").total, 0);  // `Config {` and `Config(path)` do not end their lines
  EXPECT_EQ(regex(R"(ParseConfig:$)").total, 1);
  EXPECT_EQ(regex(R"((?i)parseconfig)").total, 2);
  EXPECT_EQ(regex(R"(ParseConfig\(path\)$)").total, 1);
  EXPECT_EQ(regex(R"(\Adef)").total, 1);  // \A is the start of each line
}

TEST_F(SearchTest, RegexesWithAndWithoutARequiredLiteral) {
  add("r", "ascii.c", "C", "int Widget_1;\nint widget_22;\n// WIDGET_x\n");
  add("r", "utf8.c", "C", "// größe\nint Widget_3; /* é */\n");
  auto r = regex(R"(Widget_\d)");  // "widget_" is required: only lines holding it are tried
  auto p = places(r);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<std::string>{"ascii.c:1:5", "utf8.c:2:5"}));
  EXPECT_EQ(regex(R"((?i)WIDGET_\d+;)").total, 3);
  EXPECT_EQ(regex(R"((?i)^int widget_\d+;$)").total, 2);  // utf8.c:2 goes on after the ;
  EXPECT_EQ(regex(R"(größe$)").total, 1);
  EXPECT_EQ(regex(R"(\d;)").total, 3);  // nothing literal: whole files
}

TEST_F(SearchTest, RegexMatchesNeverSpanLines) {
  add("r", "a.txt", "Text", "alpha\nbeta\n");
  EXPECT_EQ(regex(R"(alpha\s+beta)").total, 0);
  EXPECT_EQ(regex(R"(alpha[^x]beta)").total, 0);
  auto spans = regex(R"(alpha[^x]*)");
  EXPECT_EQ(spans.total, 1);
  EXPECT_EQ(regex(R"(a[^x]*a)").total, 1);  // alpha; "a\nbeta" crosses a line and beta has one a
}

TEST_F(SearchTest, EmptyLinesAndEmptyMatches) {
  add("r", "a.txt", "Text", "one\n\nthree\n");
  auto empty = regex("^$");
  EXPECT_EQ(places(empty), std::vector<std::string>{"a.txt:2:1"});
  EXPECT_EQ(regex("x*").total, 3);
}

TEST_F(SearchTest, CrlfLinesEndBeforeTheCarriageReturn) {
  add("r", "win.txt", "Text", "first line\r\nsecond line\r\n");
  auto r = regex("line$");
  EXPECT_EQ(r.total, 2);
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].text.back(), 'e');
  EXPECT_EQ(literal("second line").matches.at(0).text, "second line");
}

TEST_F(SearchTest, InvalidRegexCarriesRe2Message) {
  add_sample();
  for (std::string bad : {"parse(", "[a-", "x{2,1}", "a**"}) {
    auto r = index_->search(SearchQuery{.text = bad, .regex = true});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
    RE2 re(bad, RE2::Quiet);
    ASSERT_FALSE(re.ok());
    EXPECT_NE(r.error().message.find(re.error()), std::string::npos) << r.error().message;
  }
}

TEST_F(SearchTest, AlternationsWithAndWithoutPrefilter) {
  add_sample();
  // Both branches long enough: an OR of two phrases narrows the candidates.
  auto both = regex("make_foo|ParseConfig:");
  auto p = places(both);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<std::string>{"include/util.hpp:2:22", "src/parser.py:6:7"}));
  // A branch too short for the index: every file is scanned.
  auto short_branch = regex("os$|weak_ptr");
  p = places(short_branch);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<std::string>{"include/util.hpp:3:38", "src/parser.py:1:8"}));
  // Nothing literal at all.
  EXPECT_EQ(regex(R"(^\s+\w+ \w+$)").total, 0);
  EXPECT_EQ(regex(R"(^\s+pass$)").total, 1);
  // A required part next to an alternation.
  EXPECT_EQ(regex("(shared|unique|weak)_ptr").total, 2);
  EXPECT_EQ(regex("(?:parse|Parse)_?[Cc]onfig").files, 4);
}

// White-box: the content table is changed behind the index's back, so the
// index still "contains" alpha while the text says beta. What is found then
// shows which queries the index narrows and which scan every file.
TEST_F(SearchTest, PrefilterDecidesWhichFilesAreScanned) {
  add("r", "a.txt", "Text", "alpha\n");
  ASSERT_TRUE(db_->execute("UPDATE code_fts_content SET c3 = 'beta' || char(10)"));
  EXPECT_EQ(literal("beta").total, 0);                  // the phrase "beta" is not in the index
  EXPECT_EQ(regex("b[e]t[a]").total, 0);                // nor the regex's literal "beta"
  EXPECT_EQ(regex("b.ta").total, 1);                    // no atom of 3 characters: every file is scanned
  EXPECT_EQ(regex("alpha|beta").total, 1);              // "alpha" OR "beta" selects the file
  EXPECT_EQ(regex("beta|gamma").total, 0);              // "beta" OR "gamma" does not
  EXPECT_EQ(regex("(al|be)ta").total, 0);               // "alta" OR "beta"
  EXPECT_EQ(regex("(x|be)t").total, 1);                 // "xt" is too short: no prefilter
  EXPECT_EQ(regex("^(?:alpha|omega)?beta$").total, 0);  // "beta" is required whatever comes before
}

TEST_F(SearchTest, RepositoryAndLanguageFilters) {
  add_sample();
  auto r2 = find(SearchQuery{.text = "parse_config", .repository = "r2"});
  EXPECT_EQ(places(r2), std::vector<std::string>{"lib.rs:1:8"});
  auto py = find(SearchQuery{.text = "parse_config", .language = "PYTHON"});
  EXPECT_EQ(py.files, 2);
  for (const auto& m : py.matches) EXPECT_EQ(m.path.substr(m.path.size() - 3), ".py");
  EXPECT_EQ(find(SearchQuery{.text = "parse_config", .repository = "r2", .language = "python"}).total, 0);
  EXPECT_EQ(find(SearchQuery{.text = "parse_config", .repository = "nope"}).total, 0);
  auto rust = find(SearchQuery{.text = R"(Config\b)", .regex = true, .language = "rust"});
  EXPECT_EQ(rust.total, 2);
}

TEST_F(SearchTest, RanksDefinitionsThenRareMatchesThenNames) {
  add("r", "a/uses.py", "Python", "x = helper_fn()\n");
  add("r", "z/deep/nested/place/defs.py", "Python",
      "import y\n\n@decorator\ndef helper_fn(a, b):\n    return other(helper_fn)\n");
  std::string ten_calls;
  for (int i = 0; i < 10; ++i) ten_calls += "helper_fn()\n";
  add("r", "b/many.py", "Python", ten_calls);
  add("r", "c/helper_fn.py", "Python", ten_calls);
  auto r = literal("helper_fn");
  EXPECT_EQ(r.total, 1 + 2 + 10 + 10);
  EXPECT_EQ(r.files, 4);
  ASSERT_GE(r.matches.size(), 4u);
  // The definition first, then the file named after the query, then the single use.
  EXPECT_EQ(places(r)[0], "z/deep/nested/place/defs.py:4:5");
  EXPECT_EQ(r.matches[1].path, "c/helper_fn.py");
  EXPECT_EQ(r.matches[1].line, 1);
  auto use = std::find_if(r.matches.begin(), r.matches.end(), [](const auto& m) { return m.path == "a/uses.py"; });
  auto many = std::find_if(r.matches.begin(), r.matches.end(), [](const auto& m) { return m.path == "b/many.py"; });
  EXPECT_LT(use, many);  // rarer first
  // A use in the same file as the definition ranks with the other uses.
  auto later = std::find_if(r.matches.begin(), r.matches.end(),
                            [](const auto& m) { return m.path == "z/deep/nested/place/defs.py" && m.line == 5; });
  EXPECT_GT(later - r.matches.begin(), 1);
  // Ties are broken by path, then line.
  for (std::size_t i = 1; i < r.matches.size(); ++i) {
    const auto& a = r.matches[i - 1];
    const auto& b = r.matches[i];
    EXPECT_GE(a.score, b.score);
    if (a.score == b.score) {
      EXPECT_TRUE(a.path < b.path || (a.path == b.path && a.line < b.line));
    }
  }
}

TEST_F(SearchTest, RecognisesDefinitionsAcrossLanguages) {
  add("r", "d.txt", "Text",
      "pub(crate) fn thing_one() {}\n"
      "export default function thing_two() {}\n"
      "  static inline struct thing_three *p;\n"
      "#define THING_FOUR 4\n"
      "call(thing_five); def g(): thing_six()\n");
  for (const auto& [query, is_def] : std::vector<std::pair<std::string, bool>>{{"thing_one", true},
                                                                               {"thing_two", true},
                                                                               {"thing_three", true},
                                                                               {"THING_FOUR", true},
                                                                               {"thing_five", false},
                                                                               {"thing_six", false}}) {
    auto r = find(SearchQuery{.text = query, .case_sensitive = true});
    ASSERT_EQ(r.matches.size(), 1u) << query;
    EXPECT_EQ(r.matches[0].score >= 6.0, is_def) << query << " " << r.matches[0].score;
  }
}

TEST_F(SearchTest, CountsBeyondTheLimit) {
  std::string big;
  for (int i = 0; i < 100; ++i) big += "needle_xyz " + std::to_string(i) + "\n";
  add("r", "big.txt", "Text", big);
  add("r", "small.txt", "Text", "a needle_xyz\nb\nc needle_xyz\nneedle_xyz\n");
  add("r", "none.txt", "Text", "needle\n");
  auto r = find(SearchQuery{.text = "NEEDLE_XYZ", .limit = 5});
  EXPECT_EQ(r.matches.size(), 5u);
  EXPECT_EQ(r.total, 103);
  EXPECT_EQ(r.files, 2);
  // The rarer file's lines come first.
  EXPECT_EQ(r.matches[0].path, "small.txt");
  EXPECT_EQ(r.matches[2].path, "small.txt");
  EXPECT_EQ(r.matches[3].path, "big.txt");
  auto none = find(SearchQuery{.text = "needle_xyz", .limit = 0});
  EXPECT_TRUE(none.matches.empty());
  EXPECT_EQ(none.total, 103);
}

TEST_F(SearchTest, LongLinesAreCutOnCharacterBoundaries) {
  std::string line = "find_me ";
  for (int i = 0; i < 400; ++i) line += "é";
  add("r", "long.txt", "Text", line + "\n" + "find_me \xff\xfe bytes\n");
  auto r = literal("find_me");
  ASSERT_EQ(r.matches.size(), 2u);
  for (const auto& m : r.matches) {
    EXPECT_LE(m.text.size(), 500u);
    EXPECT_TRUE(valid_utf8(m.text)) << m.text;
  }
  auto longest = std::max_element(r.matches.begin(), r.matches.end(),
                                  [](const auto& a, const auto& b) { return a.text.size() < b.text.size(); });
  EXPECT_EQ(longest->text.size(), 8u + 2 * 246);
  auto bad = std::find_if(r.matches.begin(), r.matches.end(), [](const auto& m) { return m.line == 2; });
  ASSERT_NE(bad, r.matches.end());
  EXPECT_EQ(bad->text, "find_me \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST_F(SearchTest, ReplacingContentForgetsTheOldText) {
  add_sample();
  ASSERT_EQ(literal("make_foo").total, 1);
  add("r1", "include/util.hpp", "C++", "int make_bar();\n");
  EXPECT_EQ(literal("make_foo").total, 0);
  EXPECT_EQ(places(literal("make_bar")), std::vector<std::string>{"include/util.hpp:1:5"});
  auto rows = db_->query("SELECT COUNT(*) FROM code_fts WHERE path = 'include/util.hpp'");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->rows[0].integer(0), 1);  // the old content row is gone
}

TEST_F(SearchTest, RemoveWithdrawsContentAndKeepsTheFileRow) {
  add_sample();
  ASSERT_TRUE(index_->remove("r1", "include/util.hpp"));
  EXPECT_EQ(literal("make_foo").total, 0);
  EXPECT_EQ(regex("std::").total, 0);
  auto rows = db_->query("SELECT fts_rowid FROM code_files WHERE repo = 'r1' AND path = 'include/util.hpp'");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_TRUE(rows->rows[0].is_null(0));
  EXPECT_TRUE(index_->remove("r1", "include/util.hpp"));  // again: nothing to do
  EXPECT_TRUE(index_->remove("r1", "never/indexed.c"));
  EXPECT_EQ(literal("parse_config").files, 4);
}

TEST_F(SearchTest, ContentNoFileRowPointsAtIsNeverSearched) {
  add_sample();
  // A caller that deletes code_files rows without remove() leaves content behind.
  ASSERT_TRUE(db_->execute("DELETE FROM code_files WHERE path = 'include/util.hpp'"));
  EXPECT_EQ(literal("make_foo").total, 0);
  EXPECT_EQ(regex(R"(\w+_foo)").total, 0);  // no prefilter: code_files is read whole
  ASSERT_TRUE(db_->execute("UPDATE code_files SET fts_rowid = NULL WHERE path = 'lib.rs'"));
  EXPECT_EQ(literal("parse_config").files, 3);
}

TEST_F(SearchTest, PutNeedsTheFileRow) {
  auto r = index_->put("r", "missing.c", "C", "int x;\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
}

// The indexer calls put and remove on the connection of its own transaction.
TEST_F(SearchTest, WorksInsideTheCallersTransaction) {
  add_sample();
  auto ok = db_->transaction([&](store::Database& tx) -> Result<> {
    SearchIndex inner(tx);
    if (auto r = tx.execute("INSERT INTO code_files (repo, path, language, size, hash, mtime_ns, code, comment, blank) "
                            "VALUES ('r1', 'new.go', 'Go', 1, '', 0, 0, 0, 0)");
        !r) {
      return r.error();
    }
    if (auto r = inner.put("r1", "new.go", "Go", "func brandNew() {}\n"); !r) return r;
    return inner.remove("r1", "src/main.py");
  });
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(places(literal("brandnew")), std::vector<std::string>{"new.go:1:6"});
  EXPECT_EQ(literal("parse_config").files, 3);

  // A failed transaction leaves nothing behind.
  auto failed = db_->transaction([&](store::Database& tx) -> Result<> {
    SearchIndex inner(tx);
    if (auto r = inner.put("r1", "new.go", "Go", "func replaced() {}\n"); !r) return r;
    return make_error(ErrorKind::internal, "caller gives up");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(literal("replaced").total, 0);
  EXPECT_EQ(literal("brandNew").total, 1);
}

TEST_F(SearchTest, ScansManyFilesOnSeveralThreadsWithTheSameResult) {
  // Enough content to cross the parallel threshold (8 MB) and many batches.
  std::string filler;
  for (int i = 0; i < 2000; ++i) filler += "some ordinary line of code number " + std::to_string(i) + "\n";
  for (int f = 0; f < 120; ++f) {
    std::string content = filler;
    if (f % 7 == 0) content += "int rare_symbol_" + std::to_string(f % 3) + " = " + std::to_string(f) + ";\n";
    add("r", "dir/file" + std::to_string(1000 + f) + ".c", "C", content);
  }
  auto common = find(SearchQuery{.text = "ordinary line", .limit = 7});
  EXPECT_EQ(common.total, 120 * 2000);
  EXPECT_EQ(common.files, 120);
  ASSERT_EQ(common.matches.size(), 7u);
  EXPECT_EQ(common.matches[0].path, "dir/file1000.c");
  for (int i = 0; i < 7; ++i) EXPECT_EQ(common.matches[static_cast<std::size_t>(i)].line, i + 1);
  auto rare = regex(R"(rare_symbol_[12] = \d+;)");
  EXPECT_EQ(rare.total, 12);  // f = 7, 14, 28, 35, 49, 56, 70, 77, 91, 98, 112, 119
  auto again = regex(R"(rare_symbol_[12] = \d+;)");
  EXPECT_EQ(places(again), places(rare));
}

}  // namespace
}  // namespace devagent::code
