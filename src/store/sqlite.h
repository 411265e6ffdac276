// SQLite backend (internal to the store module; callers use store.h).
#pragma once

#include "store/store.h"

namespace devagent::store {

Result<std::unique_ptr<Database>> open_sqlite(const Options& options);

}  // namespace devagent::store
