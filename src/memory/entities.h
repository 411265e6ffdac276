// Entities named in a turn, found by rules (builtin mode; an LLM adds its
// own through the summary route, see memory.h): repositories (owner/name),
// files and paths, symbols, languages, packages, people (@handles), URLs.
// An entity is "type:value" with a normalised value: "repo:tokio-rs/tokio",
// "file:src/main.cpp", "symbol:parse_config", "language:rust",
// "package:tokio", "person:@octocat", "url:https://example.com/x".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace devagent::memory {

// Distinct entities in order of first mention.
std::vector<std::string> extract_entities(std::string_view text);

// The names an entity answers to when a question mentions it: itself, its
// value, and for repositories also the name and the owner ("tokio" finds
// "repo:tokio-rs/tokio"), for files the base name.
std::vector<std::string> entity_keys(std::string_view entity);

}  // namespace devagent::memory
