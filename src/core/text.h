// Small text helpers shared across modules.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace devagent {

// ASCII lower case; other bytes (UTF-8 included) are kept as they are.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace devagent
