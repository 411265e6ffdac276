// Symbols (functions, classes, methods, structs, ...) with file and line,
// from universal-ctags' JSON output.
#pragma once

#include "code/model.h"
#include "core/error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace devagent::code {

// Runs ctags over the given repository-relative files (in batches, files
// passed on stdin, never through a shell) and returns their symbols. An
// error means ctags could not run (not installed, crashed); files ctags does
// not understand just have no symbols.
Result<std::vector<Symbol>> extract_symbols(const std::filesystem::path& repo_root,
                                            const std::vector<std::string>& paths);

}  // namespace devagent::code
