// JSON Schema validation (draft 2020-12, and draft-07 when a schema says so
// in "$schema") for tool arguments and API payloads.
//
// Keywords: type, enum, const, required, properties, additionalProperties,
// patternProperties, items, prefixItems, minItems, maxItems, uniqueItems,
// minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf,
// minLength, maxLength (in Unicode code points), pattern (RE2, searched, not
// anchored), default, anyOf, oneOf, allOf, not, $ref to "#", "#/$defs/..."
// and "#/definitions/...". Unknown keywords are ignored, as the
// specification asks. Checked against the JSON-Schema-Test-Suite.
//
// Dialects: without "$schema", 2020-12 ("items" is one schema, tuples use
// "prefixItems", "$ref" applies alongside its siblings). A "$schema" naming
// draft-03 to draft-07 makes "items": [...] a tuple with "additionalItems"
// and makes "$ref" hide its siblings (2019-09: the tuple rule only).
//
// Not supported, refused by compile(): $ref to another document or to an
// anchor, patterns RE2 cannot run (lookaround, backreferences; other
// ECMA-262 syntax is translated), a $ref/allOf/anyOf/oneOf/not cycle that never
// descends into the instance ({"$ref": "#"}), schemas nested more than a few
// hundred levels.
//
// Hostile input: validation nests at most 256 checks deep (deeper is a
// "depth" violation) and stops after 100,000 + 256 per instance value
// subschema checks (then the result is one "complexity" violation), so stack
// and time stay bounded even for schemas whose $refs fan out exponentially.
#pragma once

#include "core/error.h"

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <vector>

namespace devagent::tools {

struct SchemaViolation {
  std::string path;     // JSON Pointer into the instance ("" is the whole document)
  std::string keyword;  // the rule that failed ("maximum", "required", ...)
  std::string message;  // "/limit: must be <= 100"
};

class JsonSchema {
 public:
  // Compiles a schema; a schema that is itself malformed (a pattern that
  // does not compile, "type": 5, ...) is invalid_argument with the reason.
  static Result<JsonSchema> compile(const boost::json::value& schema);

  // The violations, at most 100 (empty: valid): a value's own rules first,
  // then its members and items in document order. A value of the wrong type gets only
  // the type violation. Messages start with the path, "(root)" for "".
  // Thread-safe: a compiled schema is immutable.
  std::vector<SchemaViolation> validate(const boost::json::value& instance) const;

  // The instance with "default" values filled in for absent object
  // properties, recursively through properties whose values are objects
  // (following "$ref", not allOf/anyOf/oneOf). Does not validate.
  boost::json::value with_defaults(boost::json::value instance) const;

  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;
  ~JsonSchema();

 private:
  struct Impl;
  explicit JsonSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace devagent::tools
