// Model prices and context windows, and exact cost arithmetic.
//
// The table ships as config/prices.toml, compiled into the binary, and can be
// overridden entry by entry by a file named in router.prices_file. Prices are
// dollars per million tokens in the file and integer pico-dollars per token
// in memory, so costs are computed exactly in integers and rounded once, to
// nano-dollars (billionths), half up.
#pragma once

#include "core/error.h"
#include "llm/provider.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace devagent::llm {

struct Price {
  std::int64_t input_pico = 0;         // per uncached input token
  std::int64_t cached_input_pico = 0;  // per input token served from the vendor's prompt cache
  std::int64_t output_pico = 0;        // per output token
  std::int64_t context_window = 0;     // tokens; 0 when unknown
};

class PriceTable {
 public:
  // The shipped table (config/prices.toml).
  static PriceTable builtin();
  // Parses a price file (TOML: [models."<name>"] input = 2.5, output = 10,
  // cached_input = 1.25, context_window = 128000). Errors name the file,
  // the model and the field.
  static Result<PriceTable> parse(std::string_view toml_text, std::string_view source_name);
  // Entries of `other` replace or add to this table's.
  void merge(const PriceTable& other);

  // The price of a model: the exact name, else the longest table name the
  // model starts with ("gpt-4o-2024-08-06" → "gpt-4o"); a "provider/" prefix
  // is ignored. nullptr when unknown.
  const Price* find(std::string_view model) const;
  std::size_t size() const { return prices_.size(); }

 private:
  std::map<std::string, Price, std::less<>> prices_;
};

// Exact cost of a call in nano-dollars: uncached input at the input price,
// cached input at the cached price, output at the output price.
std::int64_t cost_nanos(const Usage& usage, const Price& price);
// "$0.001235" style: dollars with 6 decimals from nano-dollars (rounded half up).
std::string format_dollars(std::int64_t nanos);
// A decimal dollar amount ("2.5", "0.0375") as pico-dollars per token when
// it is a price per million tokens: exact, up to 6 decimals.
Result<std::int64_t> parse_price_per_million(std::string_view text);

}  // namespace devagent::llm
