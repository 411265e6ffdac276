// Throwaway git repositories for tests, made with the git command: files,
// commits with chosen authors and dates, so history is known exactly.
#pragma once

#include "support/process.h"

#include <filesystem>
#include <string>

namespace devagent::testing {

class GitRepo {
 public:
  // A new repository (git init, branch main) in a fresh temporary directory.
  GitRepo();
  const std::filesystem::path& root() const { return dir_.path(); }

  // Writes a file (creating directories); content as given.
  void write(const std::string& path, const std::string& content);
  void remove(const std::string& path);
  // Stages everything and commits. date: "2024-01-15T10:00:00Z" (author and committer date).
  void commit(const std::string& message, const std::string& author = "Ada Lovelace",
              const std::string& email = "ada@example.com", const std::string& date = "2024-01-15T10:00:00Z");
  // Runs git with these arguments in the repository; returns stdout; fails the test on a non-zero exit.
  std::string git(const std::vector<std::string>& args);

 private:
  TempDir dir_;
};

}  // namespace devagent::testing
