// Tools: what the agent can do, each with a JSON Schema for its arguments.
//
// A tool declares its name, a description for the model and a JSON Schema
// (draft 2020-12) of its arguments; the registry validates arguments against
// that schema (filling defaults) before the tool ever runs, so run() sees
// well-formed arguments only. The same specs are offered to every provider's
// function-calling format and to API clients (GET /api/v1/tools).
//
// Results are JSON objects; their shapes are documented per tool in
// docs/agents.md ("Tool results"), and the composer and the LLM context
// read them.
#pragma once

#include "core/cancel.h"
#include "core/error.h"
#include "llm/provider.h"
#include "tools/json_schema.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::tools {

// What a running tool may use besides its arguments.
struct ToolContext {
  CancelToken cancel;
  // Short human-readable progress ("indexing 1,200/5,000 files"); may be empty.
  std::function<void(const std::string&)> progress;
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const llm::ToolSpec& spec() const = 0;
  // Runs on the caller's executor (a strand or a single-threaded
  // io_context); blocking work goes through run_blocking. Expected failures
  // (GitHub unreachable, a repository that does not exist) are errors;
  // partial results (some repositories answered, others not) are results
  // that say what is missing.
  virtual boost::asio::awaitable<Result<boost::json::object>> run(const boost::json::object& arguments,
                                                                  ToolContext context) = 0;
};

// A validation failure, returned to the model so it can correct the call.
struct InvalidArguments {
  std::string tool;
  std::vector<SchemaViolation> violations;
  std::string message() const;  // "searchGitHub: /limit: must be <= 100; /type: must be one of ..."
};
[[noreturn]] void throw_exception_from_error(const InvalidArguments& e, const boost::source_location& loc);

class ToolRegistry {
 public:
  void add(std::unique_ptr<Tool> tool);
  Tool* find(std::string_view name) const;
  std::vector<llm::ToolSpec> specs() const;  // in registration order
  std::vector<std::string> names() const;

  // Checks arguments against the tool's schema and returns them with
  // defaults filled in. An unknown tool is an InvalidArguments with one
  // violation at path "" naming the known tools.
  boost::system::result<boost::json::object, InvalidArguments> validate(std::string_view tool,
                                                                       const boost::json::object& arguments) const;

 private:
  struct Entry {
    std::unique_ptr<Tool> tool;
    JsonSchema schema;
  };
  std::vector<Entry> entries_;
};

}  // namespace devagent::tools
