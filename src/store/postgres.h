// PostgreSQL backend (internal to the store module; callers use store.h).
#pragma once

#include "store/store.h"

#include <string>
#include <string_view>

namespace devagent::store {

Result<std::unique_ptr<Database>> open_postgres(const Options& options);

// Rewrites `?` placeholders as $1..$n, leaving alone any `?` inside string
// literals ('...', E'...', $tag$...$tag$), quoted identifiers and comments.
// `count` receives the number of placeholders found.
std::string to_postgres_placeholders(std::string_view sql, int& count);

}  // namespace devagent::store
