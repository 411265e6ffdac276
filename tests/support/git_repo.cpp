#include "support/git_repo.h"

#include <gtest/gtest.h>

#include <fstream>

namespace devagent::testing {

GitRepo::GitRepo() {
  git({"init", "-q", "-b", "main"});
  git({"config", "user.name", "Test"});
  git({"config", "user.email", "test@example.com"});
  git({"config", "commit.gpgsign", "false"});
}

void GitRepo::write(const std::string& path, const std::string& content) {
  auto full = dir_.path() / path;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream(full, std::ios::binary) << content;
}

void GitRepo::remove(const std::string& path) { std::filesystem::remove(dir_.path() / path); }

void GitRepo::commit(const std::string& message, const std::string& author, const std::string& email,
                     const std::string& date) {
  git({"add", "-A"});
  ProcessOptions o;
  o.args = {"-C", dir_.path().string(), "commit", "-q", "--allow-empty", "-m", message};
  o.env = {{"GIT_AUTHOR_NAME", author},     {"GIT_AUTHOR_EMAIL", email}, {"GIT_AUTHOR_DATE", date},
           {"GIT_COMMITTER_NAME", author},  {"GIT_COMMITTER_EMAIL", email}, {"GIT_COMMITTER_DATE", date},
           {"HOME", dir_.path().string()}};
  auto r = run("git", o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

std::string GitRepo::git(const std::vector<std::string>& args) {
  ProcessOptions o;
  o.args = {"-C", dir_.path().string()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.env = {{"HOME", dir_.path().string()}};
  auto r = run("git", o);
  EXPECT_EQ(r.exit_code, 0) << "git " << args.front() << ": " << r.err;
  return r.out;
}

}  // namespace devagent::testing
