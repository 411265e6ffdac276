#include "code/history.h"

#include "support/git_repo.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <sstream>

namespace devagent::code {
namespace {

using testing::GitRepo;

constexpr std::int64_t kJan1st2024 = 1704067200;  // 2024-01-01T00:00:00Z

// The moment `hour` hours after 2024-01-01T00:00:00Z, as git wants it and as an epoch.
std::int64_t at(int hour) {
  return kJan1st2024 + std::int64_t{hour} * 3600;
}
std::string iso(int hour) {
  std::time_t t = at(hour);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<Commit> read_all(const std::filesystem::path& root, std::size_t max = 100000) {
  auto commits = read_commits(root, max);
  EXPECT_TRUE(commits) << (commits ? "" : commits.error().message);
  return commits ? *commits : std::vector<Commit>{};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string numstat(const std::vector<FileChange>& files) {
  std::vector<std::string> rows;
  for (const auto& f : files)
    rows.push_back(std::to_string(f.added) + "\t" + std::to_string(f.deleted) + "\t" + f.path);
  std::sort(rows.begin(), rows.end());
  std::string out;
  for (const auto& r : rows) out += r + "\n";
  return out;
}

// A commit for the pure tests: an id and the paths it touched, one line each.
Commit touching(std::vector<std::string> paths, std::int64_t time = 0, std::string author = "Ada",
                std::string email = "ada@example.com") {
  static int next_id = 0;
  Commit c{.id = "c" + std::to_string(++next_id), .author = std::move(author), .email = std::move(email), .time = time};
  for (auto& p : paths) c.files.push_back(FileChange{.path = std::move(p), .added = 1});
  return c;
}

void repeat(std::vector<Commit>& commits, int times, const std::vector<std::string>& paths) {
  for (int i = 0; i < times; ++i) commits.push_back(touching(paths));
}

HistoryOptions low_thresholds() {
  HistoryOptions o;
  o.min_revs = 1;
  o.min_shared_revs = 1;
  o.min_coupling = 1;
  o.max_changeset_size = 30;
  return o;
}

const Coupling* pair_of(const std::vector<Coupling>& coupling, const std::string& a, const std::string& b) {
  for (const auto& c : coupling)
    if (c.path == a && c.coupled == b) return &c;
  return nullptr;
}

// ---------------------------------------------------------------- read_commits on real repositories

// Four commits by two authors, written so every count can be worked out by hand.
class LinearHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    repo.write("a.txt", "1\n2\n3\n");
    repo.write("dir/b.txt", "x\n");
    repo.commit("Add a and b\n\nA body that is not part of the summary.", "Ada Lovelace", "ada@example.com", iso(0));
    repo.write("a.txt", "1\nTWO\n3\n4\n");  // one line replaced, one added: +2 -1
    repo.remove("dir/b.txt");               // +0 -1
    repo.commit("Change a, drop b", "Grace Hopper", "grace@example.com", iso(24));
    repo.write("c.txt", "no newline");  // +1, no newline at the end
    repo.commit("Add c", "Ada Lovelace", "ada@example.com", iso(48));
    repo.write("c.txt", "no newline\nnow two\n");  // the last line gains its newline: -1 +2
    repo.commit("Extend c", "Ada Lovelace", "ada@example.com", iso(72));
  }
  GitRepo repo;
};

TEST_F(LinearHistory, ReadsEveryCommitNewestFirstWithLineCounts) {
  auto commits = read_all(repo.root());
  ASSERT_EQ(commits.size(), 4u);
  EXPECT_EQ(lines_of(repo.git({"rev-list", "HEAD"})),
            (std::vector<std::string>{commits[0].id, commits[1].id, commits[2].id, commits[3].id}));

  EXPECT_EQ(commits[0].summary, "Extend c");
  EXPECT_EQ(commits[0].time, at(72));
  EXPECT_EQ(numstat(commits[0].files), "2\t1\tc.txt\n");

  EXPECT_EQ(commits[1].summary, "Add c");
  EXPECT_EQ(numstat(commits[1].files), "1\t0\tc.txt\n");

  EXPECT_EQ(commits[2].author, "Grace Hopper");
  EXPECT_EQ(commits[2].email, "grace@example.com");
  EXPECT_EQ(commits[2].time, at(24));
  EXPECT_EQ(numstat(commits[2].files), "0\t1\tdir/b.txt\n2\t1\ta.txt\n");

  // The root commit is diffed against the empty tree.
  EXPECT_EQ(commits[3].author, "Ada Lovelace");
  EXPECT_EQ(commits[3].email, "ada@example.com");
  EXPECT_EQ(commits[3].time, at(0));
  EXPECT_EQ(commits[3].summary, "Add a and b");
  EXPECT_EQ(numstat(commits[3].files), "1\t0\tdir/b.txt\n3\t0\ta.txt\n");
}

TEST_F(LinearHistory, StopsAtMaxCommits) {
  auto two = read_all(repo.root(), 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].summary, "Extend c");
  EXPECT_EQ(two[1].summary, "Add c");
  EXPECT_TRUE(read_all(repo.root(), 0).empty());
  EXPECT_EQ(read_all(repo.root(), 4).size(), 4u);

  HistoryOptions limited;
  limited.max_commits = 2;
  EXPECT_TRUE(summarize_history(two, limited, {}).truncated);
  EXPECT_FALSE(summarize_history(read_all(repo.root()), HistoryOptions{}, {}).truncated);
}

TEST_F(LinearHistory, SummarizesAuthorsChurnAndHotspots) {
  auto commits = read_all(repo.root());
  std::map<std::string, std::int64_t> code_lines{{"a.txt", 4}, {"c.txt", 2}, {"gone.txt", 100}, {"empty.txt", 0}};
  History h = summarize_history(commits, HistoryOptions{}, code_lines);

  EXPECT_EQ(h.commits, 4);
  EXPECT_EQ(h.first_time, at(0));
  EXPECT_EQ(h.last_time, at(72));
  EXPECT_FALSE(h.truncated);

  ASSERT_EQ(h.authors.size(), 2u);
  EXPECT_EQ(h.authors[0].name, "Ada Lovelace");
  EXPECT_EQ(h.authors[0].email, "ada@example.com");
  EXPECT_EQ(h.authors[0].commits, 3);
  EXPECT_EQ(h.authors[0].first_time, at(0));
  EXPECT_EQ(h.authors[0].last_time, at(72));
  EXPECT_EQ(h.authors[1].name, "Grace Hopper");
  EXPECT_EQ(h.authors[1].commits, 1);
  EXPECT_EQ(h.authors[1].first_time, at(24));
  EXPECT_EQ(h.authors[1].last_time, at(24));

  // Every file has two revisions; ties go to the most lines changed.
  ASSERT_EQ(h.churn.size(), 3u);
  EXPECT_EQ(h.churn[0].path, "a.txt");
  EXPECT_EQ(h.churn[0].revisions, 2);
  EXPECT_EQ(h.churn[0].added, 5);
  EXPECT_EQ(h.churn[0].deleted, 1);
  EXPECT_EQ(h.churn[1].path, "c.txt");
  EXPECT_EQ(h.churn[1].added, 3);
  EXPECT_EQ(h.churn[1].deleted, 1);
  EXPECT_EQ(h.churn[2].path, "dir/b.txt");
  EXPECT_EQ(h.churn[2].added, 1);
  EXPECT_EQ(h.churn[2].deleted, 1);

  // a.txt: 2 x 4 = 8, c.txt: 2 x 2 = 4; dir/b.txt is gone, gone.txt has no history.
  ASSERT_EQ(h.hotspots.size(), 2u);
  EXPECT_EQ(h.hotspots[0].path, "a.txt");
  EXPECT_EQ(h.hotspots[0].revisions, 2);
  EXPECT_EQ(h.hotspots[0].code_lines, 4);
  EXPECT_DOUBLE_EQ(h.hotspots[0].score, 1.0);
  EXPECT_EQ(h.hotspots[1].path, "c.txt");
  EXPECT_DOUBLE_EQ(h.hotspots[1].score, 0.5);

  HistoryOptions top1;
  top1.top = 1;
  History small = summarize_history(commits, top1, code_lines);
  ASSERT_EQ(small.churn.size(), 1u);
  EXPECT_EQ(small.churn[0].path, "a.txt");
  ASSERT_EQ(small.hotspots.size(), 1u);
  EXPECT_EQ(small.authors.size(), 2u);  // authors are never cut
}

TEST_F(LinearHistory, HeadRevisionIsHeadsCommitId) {
  auto head = head_revision(repo.root());
  ASSERT_TRUE(head);
  EXPECT_EQ(*head + "\n", repo.git({"rev-parse", "HEAD"}));
}

TEST_F(LinearHistory, OpensOnlyTheRepositoryRootNotASubdirectory) {
  repo.write("dir/keep.txt", "k\n");
  auto r = read_commits(repo.root() / "dir", 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
}

TEST(History, BinaryFilesAreListedWithZeroLines) {
  GitRepo repo;
  repo.write("logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\n\n", 18));
  repo.write("notes.txt", "a\n");
  repo.commit("Add logo", "Ada", "ada@example.com", iso(0));
  repo.write("logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x01\n\n\n", 20));
  repo.write("notes.txt", "a\nb\n");
  repo.commit("New logo", "Ada", "ada@example.com", iso(1));

  auto commits = read_all(repo.root());
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(numstat(commits[0].files), "0\t0\tlogo.png\n1\t0\tnotes.txt\n");
  EXPECT_EQ(numstat(commits[1].files), "0\t0\tlogo.png\n1\t0\tnotes.txt\n");
  EXPECT_EQ(lines_of(repo.git({"log", "-1", "--numstat", "--format="}))[0], "-\t-\tlogo.png");
}

TEST(History, MergeCommitIsDiffedAgainstItsFirstParentAndCountedOnce) {
  GitRepo repo;
  repo.write("f.txt", "base\n");
  repo.commit("Root", "Ada", "ada@example.com", iso(0));
  repo.git({"checkout", "-q", "-b", "feature"});
  repo.write("g.txt", "g1\ng2\n");
  repo.commit("Feature", "Grace", "grace@example.com", iso(1));
  repo.git({"checkout", "-q", "main"});
  repo.write("f.txt", "base\nmore\n");
  repo.commit("Main work", "Ada", "ada@example.com", iso(2));
  repo.git({"merge", "-q", "--no-ff", "--no-commit", "feature"});
  repo.commit("Merge feature", "Ada", "ada@example.com", iso(3));
  ASSERT_EQ(lines_of(repo.git({"rev-list", "--parents", "-n1", "HEAD"}))[0].size(), 3 * 40 + 2u);  // two parents

  auto commits = read_all(repo.root());
  ASSERT_EQ(commits.size(), 4u);
  EXPECT_EQ(commits[0].summary, "Merge feature");
  EXPECT_EQ(numstat(commits[0].files), "2\t0\tg.txt\n");  // what the merge brought into main
  EXPECT_EQ(commits[1].summary, "Main work");
  EXPECT_EQ(numstat(commits[1].files), "1\t0\tf.txt\n");
  EXPECT_EQ(commits[2].summary, "Feature");
  EXPECT_EQ(numstat(commits[2].files), "2\t0\tg.txt\n");
  EXPECT_EQ(commits[3].summary, "Root");
  EXPECT_EQ(numstat(commits[3].files), "1\t0\tf.txt\n");
}

TEST(History, MailmapNormalisesAuthors) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("One", "ada", "ada@old.example.org", iso(0));
  repo.write("a.txt", "2\n");
  repo.commit("Two", "Ada Lovelace", "ada@example.com", iso(1));
  repo.write("a.txt", "3\n");
  repo.commit("Three", "grace", "grace@example.com", iso(2));
  repo.write(".mailmap",
             "Ada Lovelace <ada@example.com> <ada@old.example.org>\n"
             "Grace Hopper <grace@example.com>\n");

  auto commits = read_all(repo.root());
  ASSERT_EQ(commits.size(), 3u);
  std::vector<std::string> ours;
  for (const auto& c : commits) ours.push_back(c.author + " <" + c.email + ">");
  EXPECT_EQ(ours, (std::vector<std::string>{"Grace Hopper <grace@example.com>", "Ada Lovelace <ada@example.com>",
                                            "Ada Lovelace <ada@example.com>"}));
  EXPECT_EQ(ours, lines_of(repo.git({"log", "--format=%aN <%aE>"})));  // git's own reading of the .mailmap

  History h = summarize_history(commits, HistoryOptions{}, {});
  ASSERT_EQ(h.authors.size(), 2u);
  EXPECT_EQ(h.authors[0].name, "Ada Lovelace");
  EXPECT_EQ(h.authors[0].commits, 2);
  EXPECT_EQ(h.authors[0].first_time, at(0));
  EXPECT_EQ(h.authors[0].last_time, at(1));
  EXPECT_EQ(h.authors[1].name, "Grace Hopper");
  EXPECT_EQ(h.authors[1].commits, 1);
}

// libgit2 1.5 cannot walk past a shallow clone's boundary; the oldest commit
// there is shown as a root commit, as `git log` shows it.
TEST(History, ShallowCloneEndsAtItsBoundaryCommit) {
  GitRepo origin;
  for (int i = 0; i < 4; ++i) {
    origin.write("a.txt", std::string(std::size_t(i) + 1, 'x') + "\nsame\n");
    origin.commit("Commit " + std::to_string(i), "Ada", "ada@example.com", iso(i));
  }
  testing::TempDir dir;
  auto clone_dir = dir.path() / "shallow";
  testing::ProcessOptions o;
  o.args = {"clone", "-q", "--depth", "2", "file://" + origin.root().string(), clone_dir.string()};
  auto cloned = testing::run("git", o);
  ASSERT_EQ(cloned.exit_code, 0) << cloned.err;

  auto commits = read_all(clone_dir);
  ASSERT_EQ(commits.size(), 2u);
  EXPECT_EQ(commits[0].summary, "Commit 3");
  EXPECT_EQ(numstat(commits[0].files), "1\t1\ta.txt\n");
  EXPECT_EQ(commits[1].summary, "Commit 2");
  EXPECT_EQ(numstat(commits[1].files), "2\t0\ta.txt\n");  // against the empty tree
  o.args = {"-C", clone_dir.string(), "log", "--numstat", "--format=", "-1", "HEAD~1"};
  EXPECT_EQ(lines_of(testing::run("git", o).out), std::vector<std::string>{"2\t0\ta.txt"});
}

TEST(History, EmptyRepositoryHasNoCommits) {
  GitRepo repo;
  auto commits = read_commits(repo.root(), 10);
  ASSERT_TRUE(commits) << commits.error().message;
  EXPECT_TRUE(commits->empty());
  EXPECT_FALSE(head_revision(repo.root()));
  History h = summarize_history(*commits, HistoryOptions{}, {});
  EXPECT_EQ(h.commits, 0);
  EXPECT_FALSE(h.truncated);
  EXPECT_TRUE(h.authors.empty());
}

TEST(History, NonRepositoryIsAnError) {
  testing::TempDir dir;
  auto plain = read_commits(dir.path(), 10);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().kind, ErrorKind::invalid_argument);
  EXPECT_NE(plain.error().message.find("not a git repository"), std::string::npos) << plain.error().message;
  EXPECT_FALSE(head_revision(dir.path()));

  auto missing = read_commits(dir.path() / "missing", 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_FALSE(head_revision(dir.path() / "missing"));
}

TEST(History, MissingObjectIsAnIoError) {
  GitRepo repo;
  repo.write("a.txt", "1\n");
  repo.commit("One", "Ada", "ada@example.com", iso(0));
  repo.write("a.txt", "1\n2\n");
  repo.commit("Two", "Ada", "ada@example.com", iso(1));
  std::string blob = lines_of(repo.git({"rev-parse", "HEAD:a.txt"}))[0];
  ASSERT_TRUE(std::filesystem::remove(repo.root() / ".git" / "objects" / blob.substr(0, 2) / blob.substr(2)));

  auto commits = read_commits(repo.root(), 10);
  ASSERT_FALSE(commits);
  EXPECT_EQ(commits.error().kind, ErrorKind::io);
  EXPECT_NE(commits.error().message.find(repo.root().string()), std::string::npos) << commits.error().message;
  EXPECT_NE(commits.error().message.find("failed"), std::string::npos) << commits.error().message;
}

// An independent check: the same repository read by `git log --numstat`.
TEST(History, AgreesWithGitLogNumstat) {
  GitRepo repo;
  std::string big;
  for (int i = 0; i < 300; ++i) big += "line " + std::to_string(i) + "\n";
  repo.write("src/big.cpp", big);
  repo.write("with space/é.txt", "one\ntwo\n");
  repo.write("tool.sh", "#!/bin/sh\necho hi\n");
  repo.write("bin/blob.dat", std::string("\0\1\2\3", 4));
  repo.commit("Root", "Ada", "ada@example.com", iso(0));

  std::string edited;
  for (int i = 0; i < 300; ++i) {
    if (i % 7 == 3) continue;                                                   // deleted
    edited += (i % 11 == 5 ? "changed " : "line ") + std::to_string(i) + "\n";  // replaced
    if (i % 13 == 0) edited += "inserted\n";                                    // added
  }
  repo.write("src/big.cpp", edited);
  std::filesystem::permissions(repo.root() / "tool.sh", std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);  // a mode change: 0 0
  repo.commit("Edit", "Grace", "grace@example.com", iso(1));

  repo.git({"checkout", "-q", "-b", "side"});
  repo.write("side.txt", "s\n");
  repo.write("with space/é.txt", "one\n");
  repo.commit("Side", "Grace", "grace@example.com", iso(2));
  repo.git({"checkout", "-q", "main"});
  repo.write("bin/blob.dat", std::string("\0\1\2\3\4", 5));
  repo.remove("src/big.cpp");
  repo.write("src/big2.cpp", edited);  // a rename, counted as delete + add
  repo.commit("Main", "Ada", "ada@example.com", iso(3));
  repo.git({"merge", "-q", "--no-ff", "--no-commit", "side"});
  repo.commit("Merge side", "Ada", "ada@example.com", iso(4));

  auto commits = read_all(repo.root());
  auto log = lines_of(repo.git({"-c", "core.quotepath=false", "log", "--numstat", "--no-renames",
                                "--diff-merges=first-parent", "--format=commit %H"}));
  std::vector<std::pair<std::string, std::vector<FileChange>>> theirs;
  for (const auto& line : log) {
    if (line.rfind("commit ", 0) == 0) {
      theirs.push_back({line.substr(7), {}});
      continue;
    }
    std::istringstream row(line);
    std::string added, deleted, path;
    std::getline(row, added, '\t');
    std::getline(row, deleted, '\t');
    std::getline(row, path);
    ASSERT_FALSE(theirs.empty());
    theirs.back().second.push_back(FileChange{.path = path,
                                              .added = added == "-" ? 0 : std::stoll(added),
                                              .deleted = deleted == "-" ? 0 : std::stoll(deleted)});
  }
  ASSERT_EQ(commits.size(), 5u);
  ASSERT_EQ(theirs.size(), commits.size());
  for (std::size_t i = 0; i < commits.size(); ++i) {
    EXPECT_EQ(commits[i].id, theirs[i].first);
    EXPECT_EQ(numstat(commits[i].files), numstat(theirs[i].second)) << commits[i].summary;
  }
  // Spot checks that the comparison covered what it was meant to.
  EXPECT_EQ(numstat(commits[0].files), "0\t1\twith space/é.txt\n1\t0\tside.txt\n");
  EXPECT_NE(numstat(commits[3].files).find("0\t0\ttool.sh\n"), std::string::npos);
}

// ---------------------------------------------------------------- change coupling on commit tables

TEST(ChangeCoupling, DefaultsAreCodeMaats) {
  HistoryOptions o;
  EXPECT_EQ(o.min_revs, 5);
  EXPECT_EQ(o.min_shared_revs, 5);
  EXPECT_EQ(o.min_coupling, 30);
  EXPECT_EQ(o.max_changeset_size, 30);
}

// code-maat's own example (test/code_maat/analysis/logical_coupling_test.clj).
TEST(ChangeCoupling, MatchesCodeMaatsExample) {
  std::vector<Commit> commits{touching({"A", "B", "C"}), touching({"A", "B"})};
  auto coupling = change_coupling(commits, low_thresholds());
  ASSERT_EQ(coupling.size(), 3u);
  // entity coupled degree average-revs: A B 100 2, A C 66 2, B C 66 2
  EXPECT_EQ(coupling[0].path, "A");
  EXPECT_EQ(coupling[0].coupled, "B");
  EXPECT_EQ(coupling[0].degree, 100);
  EXPECT_EQ(coupling[0].average_revisions, 2.0);
  EXPECT_EQ(coupling[0].shared_revisions, 2);
  EXPECT_EQ(coupling[1].path, "A");
  EXPECT_EQ(coupling[1].coupled, "C");
  EXPECT_EQ(coupling[1].degree, 66);              // 1 / 1.5: truncated, not rounded to 67
  EXPECT_EQ(coupling[1].average_revisions, 2.0);  // ceil(1.5)
  EXPECT_EQ(coupling[1].shared_revisions, 1);
  EXPECT_EQ(coupling[2].path, "B");
  EXPECT_EQ(coupling[2].coupled, "C");
  EXPECT_EQ(coupling[2].degree, 66);

  EXPECT_TRUE(change_coupling({touching({"This/is/a/single/entity"})}, low_thresholds()).empty());
}

// x and y: 6 commits together, x 2 more alone, and one 5-file commit with both.
class CouplingThresholds : public ::testing::Test {
 protected:
  void SetUp() override {
    repeat(commits, 6, {"x", "y"});
    repeat(commits, 2, {"x"});
    repeat(commits, 1, {"y", "x", "w1", "w2", "w3"});
  }
  // Defaults low enough to keep x-y; the 5-file commit is skipped.
  HistoryOptions options() const {
    HistoryOptions o = low_thresholds();
    o.max_changeset_size = 4;
    return o;
  }
  std::vector<Commit> commits;
};

TEST_F(CouplingThresholds, SkippedCommitsCountNowhere) {
  // Without the big commit: x 8, y 6, shared 6: 6 / 7 = 85.7%.
  auto coupling = change_coupling(commits, options());
  ASSERT_EQ(coupling.size(), 1u);
  EXPECT_EQ(coupling[0].path, "x");
  EXPECT_EQ(coupling[0].coupled, "y");
  EXPECT_EQ(coupling[0].shared_revisions, 6);
  EXPECT_EQ(coupling[0].average_revisions, 7.0);
  EXPECT_EQ(coupling[0].degree, 85);

  // A commit of exactly max_changeset_size files is kept: x 9, y 7, shared 7: 7 / 8 = 87.5%.
  HistoryOptions o = options();
  o.max_changeset_size = 5;
  coupling = change_coupling(commits, o);
  const Coupling* xy = pair_of(coupling, "x", "y");
  ASSERT_TRUE(xy);
  EXPECT_EQ(xy->shared_revisions, 7);
  EXPECT_EQ(xy->average_revisions, 8.0);
  EXPECT_EQ(xy->degree, 87);
  ASSERT_TRUE(pair_of(coupling, "w1", "w2"));
  EXPECT_EQ(pair_of(coupling, "w1", "w2")->degree, 100);
  EXPECT_EQ(pair_of(coupling, "w1", "x")->degree, 20);  // 1 / ((1 + 9) / 2)
  EXPECT_EQ(pair_of(coupling, "w1", "y")->degree, 25);  // 1 / ((1 + 7) / 2)
  EXPECT_EQ(coupling.size(), 1u + 3u + 3u * 2u);
}

TEST_F(CouplingThresholds, MinRevsAppliesToTheAverage) {
  HistoryOptions o = options();
  o.min_revs = 7;  // y has only 6 revisions, but the average is 7: code-maat keeps the pair
  EXPECT_EQ(change_coupling(commits, o).size(), 1u);
  o.min_revs = 8;
  EXPECT_TRUE(change_coupling(commits, o).empty());
}

TEST_F(CouplingThresholds, MinSharedRevs) {
  HistoryOptions o = options();
  o.min_shared_revs = 6;
  EXPECT_EQ(change_coupling(commits, o).size(), 1u);
  o.min_shared_revs = 7;
  EXPECT_TRUE(change_coupling(commits, o).empty());
}

TEST_F(CouplingThresholds, MinCoupling) {
  HistoryOptions o = options();
  o.min_coupling = 85;  // 85.7 >= 85
  EXPECT_EQ(change_coupling(commits, o).size(), 1u);
  o.min_coupling = 86;
  EXPECT_TRUE(change_coupling(commits, o).empty());
}

TEST_F(CouplingThresholds, CodeMaatDefaults) {
  // min_revs 5 (average 8.5), min_coupling 30 pass; x-y share 7 >= 5 with the big commit kept.
  HistoryOptions o;
  o.max_changeset_size = 5;
  auto coupling = change_coupling(commits, o);
  ASSERT_EQ(coupling.size(), 1u);
  EXPECT_EQ(coupling[0].degree, 87);
  o.min_shared_revs = 8;
  EXPECT_TRUE(change_coupling(commits, o).empty());
}

TEST(ChangeCoupling, DegreeIsComputedExactly) {
  // 29 shared of an average of 100: 29 / 100 * 100 is 28.999... in floating point.
  std::vector<Commit> commits;
  repeat(commits, 29, {"p", "q"});
  repeat(commits, 71, {"p"});
  repeat(commits, 71, {"q"});
  HistoryOptions o = low_thresholds();
  o.min_coupling = 29;
  auto coupling = change_coupling(commits, o);
  ASSERT_EQ(coupling.size(), 1u);
  EXPECT_EQ(coupling[0].degree, 29);
  EXPECT_EQ(coupling[0].average_revisions, 100.0);
  o.min_coupling = 30;
  EXPECT_TRUE(change_coupling(commits, o).empty());
}

TEST(ChangeCoupling, OrdersByDegreeThenAverageRevisionsAndNamesPairsInPathOrder) {
  std::vector<Commit> commits;
  repeat(commits, 2, {"n", "m"});  // 100%, average 2
  repeat(commits, 3, {"l", "k"});  // 100%, average 3
  repeat(commits, 2, {"d", "c"});  // 100%, average 2
  repeat(commits, 1, {"e", "f"});  // e-f 1 of average 2: 50%
  repeat(commits, 2, {"f"});
  commits.push_back(touching({"g", "h", "g"}));  // a path listed twice counts once: 100%, average 1
  auto coupling = change_coupling(commits, low_thresholds());
  std::vector<std::string> order;
  for (const auto& c : coupling) order.push_back(c.path + "-" + c.coupled + ":" + std::to_string(c.degree));
  EXPECT_EQ(order, (std::vector<std::string>{"k-l:100", "c-d:100", "m-n:100", "g-h:100", "e-f:50"}));
}

// ---------------------------------------------------------------- summaries of commit tables

TEST(SummarizeHistory, AuthorsAndTimesDoNotDependOnInputOrder) {
  std::vector<Commit> commits{
      touching({"a"}, 300, "Bea", "bea@example.com"), touching({"a"}, 100, "Ada", "ada@example.com"),
      touching({"b"}, 500, "Ada", "ada@example.com"), touching({"b"}, 200, "Ada", "ada@other.example")};
  History h = summarize_history(commits, HistoryOptions{}, {});
  EXPECT_EQ(h.first_time, 100);
  EXPECT_EQ(h.last_time, 500);
  ASSERT_EQ(h.authors.size(), 3u);  // same name, other email: another identity (normalise with .mailmap)
  EXPECT_EQ(h.authors[0].name, "Ada");
  EXPECT_EQ(h.authors[0].email, "ada@example.com");
  EXPECT_EQ(h.authors[0].commits, 2);
  EXPECT_EQ(h.authors[0].first_time, 100);
  EXPECT_EQ(h.authors[0].last_time, 500);
  EXPECT_EQ(h.authors[1].email, "ada@other.example");
  EXPECT_EQ(h.authors[2].name, "Bea");
}

TEST(SummarizeHistory, CouplingIsIncludedAndCutToTop) {
  std::vector<Commit> commits;
  repeat(commits, 5, {"a", "b"});
  repeat(commits, 5, {"c", "d", "e"});
  HistoryOptions o;
  History h = summarize_history(commits, o, {});
  ASSERT_EQ(h.coupling.size(), 4u);  // a-b, c-d, c-e, d-e
  o.top = 2;
  h = summarize_history(commits, o, {});
  EXPECT_EQ(h.coupling.size(), 2u);
  EXPECT_EQ(h.churn.size(), 2u);
}

// ---------------------------------------------------------------- coupling end to end

TEST(History, ChangeCouplingOnARealRepository) {
  GitRepo repo;
  int hour = 0;
  repo.write("src/a.cpp", "int a() { return 0; }\n");
  repo.write("src/a.h", "int a();\n");
  repo.write("README.md", "# readme\n");
  repo.commit("Root", "Ada", "ada@example.com", iso(hour++));
  for (int i = 1; i <= 5; ++i) {
    repo.write("src/a.cpp", "int a() { return " + std::to_string(i) + "; }\n");
    repo.write("src/a.h", "int a(); // " + std::to_string(i) + "\n");
    repo.commit("Together " + std::to_string(i), "Ada", "ada@example.com", iso(hour++));
  }
  repo.write("src/a.cpp", "int a() { return 42; }\n");
  repo.commit("Alone", "Ada", "ada@example.com", iso(hour++));
  // 31 files: more than max_changeset_size, so it counts for neither file.
  repo.write("src/a.cpp", "int a() { return 43; }\n");
  repo.write("src/a.h", "int a(); // big\n");
  for (int i = 0; i < 29; ++i) repo.write("gen/f" + std::to_string(i) + ".txt", "x\n");
  repo.commit("Big", "Ada", "ada@example.com", iso(hour++));

  auto commits = read_all(repo.root());
  ASSERT_EQ(commits.size(), 8u);
  ASSERT_EQ(commits[0].files.size(), 31u);

  // a.cpp 7 revisions, a.h 6, shared 6: 6 / 6.5 = 92.3%; README 1 revision, 1 shared.
  History h = summarize_history(commits, HistoryOptions{}, {{"src/a.cpp", 1}, {"src/a.h", 1}});
  ASSERT_EQ(h.coupling.size(), 1u);
  EXPECT_EQ(h.coupling[0].path, "src/a.cpp");
  EXPECT_EQ(h.coupling[0].coupled, "src/a.h");
  EXPECT_EQ(h.coupling[0].shared_revisions, 6);
  EXPECT_EQ(h.coupling[0].average_revisions, 7.0);
  EXPECT_EQ(h.coupling[0].degree, 92);
  // Churn still counts the big commit.
  ASSERT_GE(h.churn.size(), 2u);
  EXPECT_EQ(h.churn[0].path, "src/a.cpp");
  EXPECT_EQ(h.churn[0].revisions, 8);
  EXPECT_EQ(h.churn[1].path, "src/a.h");
  EXPECT_EQ(h.churn[1].revisions, 7);
  ASSERT_EQ(h.hotspots.size(), 2u);
  EXPECT_EQ(h.hotspots[0].path, "src/a.cpp");
  EXPECT_DOUBLE_EQ(h.hotspots[1].score, 7.0 / 8.0);

  // With the big commit: a.cpp 8, a.h 7, shared 7: 7 / 7.5 = 93.3%.
  HistoryOptions wide;
  wide.max_changeset_size = 31;
  auto coupling = change_coupling(commits, wide);
  ASSERT_EQ(coupling.size(), 1u);
  EXPECT_EQ(coupling[0].degree, 93);
  EXPECT_EQ(coupling[0].average_revisions, 8.0);
}

}  // namespace
}  // namespace devagent::code
