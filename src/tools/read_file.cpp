// readFile: a slice of a file in a workspace repository, so the agent can
// look at code it found.
#include "code/code.h"
#include "core/blocking.h"
#include "tools/default_tools.h"
#include "tools/support.h"

namespace devagent::tools {

namespace json = boost::json;

namespace {

constexpr std::string_view kSchema = R"json({
  "type": "object",
  "properties": {
    "repository": {"type": "string", "minLength": 1, "default": ".",
                   "description": "A workspace repository, or \".\" for the default one"},
    "path": {"type": "string", "minLength": 1, "maxLength": 4096, "description": "The file, relative to the repository"},
    "start_line": {"type": "integer", "minimum": 1, "default": 1},
    "end_line": {"type": "integer", "minimum": 0, "default": 0, "description": "Last line to read; 0 for the end"}
  },
  "required": ["path"],
  "additionalProperties": false
})json";

// At most this much text goes back, so one call cannot flood the context.
constexpr std::size_t kMaxBytes = 64 * 1024;

class ReadFile final : public SchemaTool {
 public:
  explicit ReadFile(code::CodeIntel& code)
      : SchemaTool("readFile",
                   "Read lines of a file in a local workspace repository (at most 64 KiB per call).", kSchema),
        code_(code) {}

  boost::asio::awaitable<Result<json::object>> run(const json::object& args, ToolContext) override {
    co_return co_await run_blocking([&]() { return read(args); });
  }

 private:
  Result<json::object> read(const json::object& args) {
    auto repo = code_.repository(arg_string(args, "repository", "."));
    if (!repo) return repo.error();
    auto start = static_cast<int>(arg_int(args, "start_line", 1));
    auto end = static_cast<int>(arg_int(args, "end_line", 0));
    if (end != 0 && end < start) {
      return make_error(ErrorKind::invalid_argument, "end_line must be 0 or >= start_line");
    }
    auto slice = code_.read_file(*repo, arg_string(args, "path"), start, end, kMaxBytes);
    if (!slice) return slice.error();
    return json::object{{"repository", repo->name},         {"path", slice->path},
                        {"start_line", slice->start_line},  {"end_line", slice->end_line},
                        {"total_lines", slice->total_lines}, {"text", slice->text},
                        {"truncated", slice->truncated}};
  }

  code::CodeIntel& code_;
};

}  // namespace

std::unique_ptr<Tool> make_read_file(code::CodeIntel& code) { return std::make_unique<ReadFile>(code); }

}  // namespace devagent::tools
