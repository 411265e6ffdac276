// Which language a file is in, and its code / comment / blank line counts,
// agreeing with cloc (Debian package cloc 1.96) on the same files: the same
// language names, the same detection by extension, file name and shebang,
// and the same counting rules (a line with code and a comment is code; a
// line inside a block comment is a comment; whitespace-only lines are blank).
#pragma once

#include "code/model.h"

#include <string>
#include <string_view>
#include <vector>

namespace devagent::code {

// cloc's language name for a file ("C++", "C/C++ Header", "Python", "make",
// "Bourne Shell", ...), from its name, extension or shebang line; "" when
// cloc would not count it.
std::string detect_language(std::string_view path, std::string_view first_line);

// Counts lines of content the way cloc counts them for `language`.
LineCounts count_lines(std::string_view content, std::string_view language);

// Binary content: a NUL byte in the first 8,000 bytes (git's rule).
bool is_binary(std::string_view head);

// Every language detect_language can return.
const std::vector<std::string>& known_languages();

}  // namespace devagent::code
