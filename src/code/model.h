// The data code intelligence works with (internal to the code module; the
// public API is code.h). Paths are repository-relative, '/'-separated.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace devagent::code {

struct LineCounts {
  std::int64_t code = 0;
  std::int64_t comment = 0;
  std::int64_t blank = 0;
};

// One indexed file.
struct FileEntry {
  std::string path;
  std::string language;  // cloc's name ("C++", "C/C++ Header", "Python", ...); empty when unknown
  std::int64_t size = 0;
  std::string hash;      // xxh64 of the content, hex
  std::int64_t mtime_ns = 0;
  LineCounts lines;
};

struct LanguageStats {
  std::string name;
  std::int64_t files = 0;
  std::int64_t code = 0;
  std::int64_t comment = 0;
  std::int64_t blank = 0;
  std::int64_t bytes = 0;
};

struct Symbol {
  std::string name;
  std::string kind;      // function, class, method, struct, enum, interface, variable, macro, ...
  std::string path;
  int line = 0;
  std::string scope;     // enclosing class/namespace, when known
  std::string language;
  std::string signature; // when ctags gives one
};

// A declared dependency from a manifest.
struct Dependency {
  std::string manifest;    // path of the manifest file
  std::string ecosystem;   // npm, pypi, cargo, go, maven, gradle, rubygems, composer, cmake, vcpkg, conan
  std::string name;
  std::string constraint;  // as written ("^1.2.0", ">=2,<3", "v1.9.1"); empty when none
  std::string scope;       // runtime, dev, build, test, optional, peer
};

struct FileChange {
  std::string path;
  std::int64_t added = 0;
  std::int64_t deleted = 0;
};

struct Commit {
  std::string id;
  std::string author;
  std::string email;
  std::int64_t time = 0;  // seconds since the epoch
  std::string summary;
  std::vector<FileChange> files;
};

struct AuthorStats {
  std::string name;
  std::string email;
  std::int64_t commits = 0;
  std::int64_t first_time = 0;
  std::int64_t last_time = 0;
};

struct FileChurn {
  std::string path;
  std::int64_t revisions = 0;  // commits that touched the file
  std::int64_t added = 0;
  std::int64_t deleted = 0;
};

struct Hotspot {
  std::string path;
  std::int64_t revisions = 0;
  std::int64_t code_lines = 0;  // current size
  double score = 0;             // revisions x code lines, normalised to 0..1 over the repository
};

// Change coupling as code-maat computes it.
struct Coupling {
  std::string path;
  std::string coupled;
  std::int64_t shared_revisions = 0;
  double average_revisions = 0;
  int degree = 0;  // shared / average x 100, rounded down
};

struct History {
  std::int64_t commits = 0;
  std::int64_t first_time = 0;
  std::int64_t last_time = 0;
  std::vector<AuthorStats> authors;  // most commits first
  std::vector<FileChurn> churn;      // most revisions first
  std::vector<Hotspot> hotspots;     // highest score first
  std::vector<Coupling> coupling;    // highest degree first
  bool truncated = false;            // stopped at the commit limit
};

// An import / include / require / use statement.
struct ImportEdge {
  std::string from;      // the importing file
  std::string spec;      // as written: "foo/bar.h", "os.path", "./util", "github.com/x/y"
  std::string to;        // the repository file it resolves to; empty when external or unresolved
  int line = 0;
  bool external = false; // resolved to a package outside the repository
};

}  // namespace devagent::code
