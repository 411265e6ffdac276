// Files compiled into the binary (cmake/embed.cmake): data tables that ship
// with devagent and, later, the web UI's assets.
#pragma once

#include <string_view>
#include <vector>

namespace devagent {

struct EmbeddedFile {
  std::string_view path;  // relative to the directory it was embedded from
  std::string_view bytes;
};

}  // namespace devagent
