// A repository's shape: top-level layout, entry points, build systems, tests,
// docs and CI, and the README's title and first paragraph.
#pragma once

#include "code/model.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace devagent::code {

struct TopLevelEntry {
  std::string name;
  bool directory = false;
  std::int64_t files = 0;       // files under it (1 for a file)
  std::string role;             // "source", "tests", "docs", "build", "ci", "config", "" when unclear
};

struct Structure {
  std::vector<TopLevelEntry> top_level;
  std::vector<std::string> entry_points;   // main.cpp, __main__.py, cmd/*/main.go, index.js, bin targets, ...
  std::vector<std::string> build_systems;  // "CMake", "npm", "Cargo", "Go modules", "Maven", "Gradle", "Make", ...
  std::vector<std::string> test_dirs;
  std::int64_t test_files = 0;
  std::vector<std::string> docs;           // README, docs/, CONTRIBUTING, ...
  std::vector<std::string> ci;             // ".github/workflows/ci.yml", ".gitlab-ci.yml", "Jenkinsfile", ...
  std::string license;                     // the license file's path, when present
};

// read(path) returns a file's content when the analysis needs it (package.json
// "main"/"bin", Cargo.toml [[bin]], ...), nullopt when unreadable.
Structure analyze_structure(const std::vector<FileEntry>& files,
                            const std::function<std::optional<std::string>(const std::string&)>& read);

struct ReadmeSummary {
  std::string path;
  std::string title;            // first heading, or the first line
  std::string first_paragraph;  // first prose paragraph after the title, Markdown kept, badges dropped
};

// The README's title and first paragraph (Markdown, reStructuredText or plain text).
std::optional<ReadmeSummary> summarize_readme(const std::string& path, std::string_view content);

}  // namespace devagent::code
