#include "tools/default_tools.h"

#include "code/code.h"

#include <re2/re2.h>

namespace devagent::tools {

std::unique_ptr<Tool> make_search_github(code::CodeIntel& code, github::GitHubClient* github);
std::unique_ptr<Tool> make_analyze_repository(code::CodeIntel& code, github::GitHubClient* github);
std::unique_ptr<Tool> make_find_relationships(code::CodeIntel& code, github::GitHubClient* github);
std::unique_ptr<Tool> make_search_code(code::CodeIntel& code);
std::unique_ptr<Tool> make_read_file(code::CodeIntel& code);

ToolRegistry make_default_tools(code::CodeIntel& code, github::GitHubClient* github) {
  ToolRegistry registry;
  registry.add(make_search_github(code, github));
  registry.add(make_analyze_repository(code, github));
  registry.add(make_find_relationships(code, github));
  registry.add(make_search_code(code));
  registry.add(make_read_file(code));
  return registry;
}

RepositoryRef classify_repository(std::string_view spec_in, const code::CodeIntel& code) {
  std::string spec(spec_in);
  static const RE2 url(R"(^(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9._-]{1,100}?)(?:\.git)?/?(?:[/#?].*)?$)");
  static const RE2 owner_name(R"(^([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9._-]{1,100})$)");
  std::string owner, name;
  if (RE2::FullMatch(spec, url, &owner, &name)) return {RepositoryRef::Kind::github, owner + "/" + name};
  // A workspace repository or an existing path wins over the owner/name reading.
  if (code.repository(spec)) return {RepositoryRef::Kind::local, spec};
  if (RE2::FullMatch(spec, owner_name, &owner, &name) && name != "." && name != "..") {
    return {RepositoryRef::Kind::github, spec};
  }
  return {RepositoryRef::Kind::local, spec};
}

}  // namespace devagent::tools
