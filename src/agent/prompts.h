// Versioned prompt templates and their A/B split (config/prompts/README.md).
//
// A template ("decomposition", "response") has versions ("v1", "v2"), each
// a file <template>/<version>.md compiled into the binary, to which
// prompts.dir may add or replace files. prompts.<template> is either one
// version ("v1") or a split ("v1=90,v2=10", weights summing to 100). The
// version a request gets is stable for its subject (the API key): a
// bucket from features::bucket, salted with the template's name.
#pragma once

#include "core/error.h"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devagent::config {
class Config;
}

namespace devagent::agent {

// The prompts one run uses.
struct Prompts {
  std::string decomposition;
  std::string response;
  // The split templates' versions, e.g. "response@v2" (several joined by
  // ","); empty when no template is split.
  std::string variant;
  // Identifies the texts (a digest input for the response cache's scope).
  std::string version;
};

class PromptSet {
 public:
  // The embedded templates, v1 of each (no config).
  PromptSet();
  // The embedded templates plus prompts.dir, versions from prompts.*. A
  // missing version, an unreadable or empty file, or a bad split is an
  // error that names the key or file.
  static Result<PromptSet> load(const config::Config& config);

  // The prompts for a subject (stable per subject).
  Prompts choose(std::string_view subject) const;
  // Every version of a template that is known, in name order.
  std::vector<std::string> versions(std::string_view name) const;

 private:
  struct Template {
    std::map<std::string, std::string, std::less<>> texts;     // version -> text
    std::vector<std::pair<std::string, int>> split{{"v1", 100}};  // version -> weight
  };
  std::pair<const std::string*, std::string> pick(const Template& t, std::string_view name,
                                                  std::string_view subject) const;
  Template decomposition_;
  Template response_;
};

}  // namespace devagent::agent
