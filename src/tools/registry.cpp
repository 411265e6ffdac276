#include "tools/tool.h"

#include <stdexcept>

namespace devagent::tools {

std::string InvalidArguments::message() const {
  std::string out = tool + ": ";
  for (std::size_t i = 0; i < violations.size(); ++i) {
    if (i) out += "; ";
    out += violations[i].message;
  }
  return out;
}

void throw_exception_from_error(const InvalidArguments& e, const boost::source_location&) {
  throw std::invalid_argument(e.message());
}

void ToolRegistry::add(std::unique_ptr<Tool> tool) {
  auto schema = JsonSchema::compile(tool->spec().parameters);
  // A tool's own schema is part of the program: a bad one is a programmer error.
  if (!schema) throw std::logic_error("tool " + tool->spec().name + ": " + schema.error().message);
  if (find(tool->spec().name)) throw std::logic_error("tool " + tool->spec().name + " registered twice");
  entries_.push_back(Entry{std::move(tool), std::move(*schema)});
}

Tool* ToolRegistry::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.tool->spec().name == name) return e.tool.get();
  return nullptr;
}

std::vector<llm::ToolSpec> ToolRegistry::specs() const {
  std::vector<llm::ToolSpec> out;
  for (const auto& e : entries_) out.push_back(e.tool->spec());
  return out;
}

std::vector<std::string> ToolRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.tool->spec().name);
  return out;
}

boost::system::result<boost::json::object, InvalidArguments> ToolRegistry::validate(
    std::string_view tool, const boost::json::object& arguments) const {
  for (const auto& e : entries_) {
    if (e.tool->spec().name != tool) continue;
    auto violations = e.schema.validate(arguments);
    if (!violations.empty()) return InvalidArguments{std::string(tool), std::move(violations)};
    return e.schema.with_defaults(arguments).as_object();
  }
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  SchemaViolation v{"", "tool", "unknown tool \"" + std::string(tool) + "\"; the tools are " + known};
  return InvalidArguments{std::string(tool), {std::move(v)}};
}

}  // namespace devagent::tools
