// searchCode: literal or regular-expression search over the indexed
// workspace repositories.
#include "code/code.h"
#include "core/blocking.h"
#include "tools/default_tools.h"
#include "tools/support.h"

#include <map>

namespace devagent::tools {

namespace json = boost::json;

namespace {

constexpr std::string_view kSchema = R"json({
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1, "maxLength": 1000,
              "description": "Text to find (at least 3 characters), or a regular expression (RE2) when regex is true"},
    "regex": {"type": "boolean", "default": false},
    "repository": {"type": "string", "minLength": 1, "description": "A workspace repository; all of them when absent"},
    "language": {"type": "string", "minLength": 1, "description": "Only files of this language (e.g. C++, Python)"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}
  },
  "required": ["query"],
  "additionalProperties": false
})json";

class SearchCode final : public SchemaTool {
 public:
  explicit SearchCode(code::CodeIntel& code)
      : SchemaTool("searchCode",
                   "Search the code of the local workspace repositories for a text or a regular expression; "
                   "returns file:line:column matches with the line, best first, and the total count.",
                   kSchema),
        code_(code) {}

  boost::asio::awaitable<Result<json::object>> run(const json::object& args, ToolContext ctx) override {
    co_return co_await run_blocking([&]() { return search(args, ctx); });
  }

 private:
  Result<json::object> search(const json::object& args, const ToolContext& ctx) {
    code::SearchQuery q;
    q.text = arg_string(args, "query");
    q.regex = arg_bool(args, "regex");
    q.language = arg_string(args, "language");
    q.limit = static_cast<std::size_t>(arg_int(args, "limit", 20));
    std::vector<code::Repository> repos;
    if (auto spec = arg_string(args, "repository"); !spec.empty()) {
      auto r = code_.repository(spec);
      if (!r) return r.error();
      repos.push_back(*r);
      q.repository = r->id;
    } else {
      repos = code_.workspace().repositories();
    }
    std::map<std::string, std::string> names;
    for (const auto& r : repos) {
      if (ctx.cancel.cancelled()) return make_error(ErrorKind::cancelled, "cancelled");
      if (ctx.progress) ctx.progress("indexing " + r.name);
      if (auto e = code_.ensure_indexed(r); !e) return e.error();
      names[r.id] = r.name;
    }
    auto results = code_.search(q);
    if (!results) return results.error();
    json::array matches;
    for (const auto& m : results->matches) {
      auto name = names.count(m.repository) ? names[m.repository] : m.repository;
      matches.push_back(json::object{{"repository", name}, {"path", m.path}, {"line", m.line},
                                     {"column", m.column}, {"text", m.text}});
    }
    return json::object{{"query", q.text}, {"regex", q.regex}, {"total", results->total},
                        {"files", results->files}, {"matches", std::move(matches)}};
  }

  code::CodeIntel& code_;
};

}  // namespace

std::unique_ptr<Tool> make_search_code(code::CodeIntel& code) { return std::make_unique<SearchCode>(code); }

}  // namespace devagent::tools
