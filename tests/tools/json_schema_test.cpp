#include "tools/json_schema.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace devagent::tools {
namespace {

namespace json = boost::json;

JsonSchema compile(std::string_view schema) {
  auto compiled = JsonSchema::compile(json::parse(schema));
  EXPECT_TRUE(compiled) << schema << ": " << compiled.error().message;
  return std::move(compiled).value();
}

std::vector<std::string> messages(const JsonSchema& schema, const json::value& instance) {
  std::vector<std::string> out;
  for (const auto& v : schema.validate(instance)) out.push_back(v.message);
  return out;
}

std::vector<std::string> messages(std::string_view schema, std::string_view instance) {
  return messages(compile(schema), json::parse(instance));
}

// ---------------------------------------------------------------------------
// The official JSON-Schema-Test-Suite, from Debian's json-schema-test-suite
// package (scripts/install-deps.sh). Its draft7 files assume draft-07
// semantics (items as an array is a tuple, $ref hides its siblings), which the
// validator applies when a schema declares draft-07 in "$schema"; so each test
// schema that is an object without "$schema" gets
// "$schema": "http://json-schema.org/draft-07/schema#" injected. Boolean
// schemas cannot carry it and mean the same in every dialect.
//
// Skipped, and counted: groups whose schema has a $ref outside itself (the
// suite serves those from http://localhost:1234 and json-schema.org; this
// validator resolves only "#..." references and does not fetch).

const std::filesystem::path kSuiteDir = "/usr/share/json-schema-test-suite/tests/draft7";
const std::vector<std::string> kSuiteFiles = {
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "additionalItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "patternProperties",
    "default",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "uniqueItems",
    "multipleOf",
    "boolean_schema",
    "ref",
};

struct SuiteResult {
  int run = 0, passed = 0, skipped = 0;
  std::vector<std::string> failures;  // one line per failing case
  std::vector<std::string> skips;     // one line per skipped group, with the reason

  void add(const SuiteResult& other) {
    run += other.run;
    passed += other.passed;
    skipped += other.skipped;
    failures.insert(failures.end(), other.failures.begin(), other.failures.end());
    skips.insert(skips.end(), other.skips.begin(), other.skips.end());
  }
};

// The first "$ref" in a schema that does not start with '#', if any.
std::optional<std::string> remote_ref(const json::value& schema) {
  if (schema.is_array()) {
    for (const auto& e : schema.get_array())
      if (auto ref = remote_ref(e)) return ref;
  }
  if (!schema.is_object()) return std::nullopt;
  for (const auto& m : schema.get_object()) {
    if (m.key() == "$ref" && m.value().is_string() && !m.value().get_string().starts_with("#"))
      return std::string(m.value().get_string());
    if (auto ref = remote_ref(m.value())) return ref;
  }
  return std::nullopt;
}

SuiteResult run_suite_file(const std::string& name) {
  SuiteResult result;
  std::ifstream in(kSuiteDir / (name + ".json"));
  if (!in) {
    result.failures.push_back("cannot read " + (kSuiteDir / (name + ".json")).string());
    return result;
  }
  std::stringstream text;
  text << in.rdbuf();
  const json::value groups = json::parse(text.str());
  for (const auto& group_value : groups.as_array()) {
    const auto& group = group_value.as_object();
    const std::string group_name = name + ": " + std::string(group.at("description").as_string());
    const auto& cases = group.at("tests").as_array();
    json::value schema = group.at("schema");
    if (auto ref = remote_ref(schema)) {
      result.skipped += static_cast<int>(cases.size());
      result.skips.push_back(group_name + " (" + std::to_string(cases.size()) + " cases): remote $ref \"" + *ref +
                             "\" is not fetched");
      continue;
    }
    if (schema.is_object() && !schema.as_object().contains("$schema"))
      schema.as_object()["$schema"] = "http://json-schema.org/draft-07/schema#";
    auto compiled = JsonSchema::compile(schema);
    for (const auto& case_value : cases) {
      const auto& test = case_value.as_object();
      const std::string where = group_name + " / " + std::string(test.at("description").as_string());
      const bool expect_valid = test.at("valid").as_bool();
      ++result.run;
      if (!compiled) {
        result.failures.push_back(where + ": schema refused: " + compiled.error().message);
        continue;
      }
      const auto violations = compiled->validate(test.at("data"));
      if (violations.empty() != expect_valid) {
        result.failures.push_back(
            where + ": expected " +
            (expect_valid ? "valid, got " + violations[0].message : std::string("invalid, got valid")));
        continue;
      }
      bool well_formed = true;
      for (const auto& v : violations) {
        if (v.message.starts_with((v.path.empty() ? "(root)" : v.path) + ": ")) continue;
        result.failures.push_back(where + ": message does not start with its path: " + v.message);
        well_formed = false;
      }
      result.passed += well_formed;
    }
  }
  return result;
}

class OfficialSuite : public testing::TestWithParam<std::string> {};

TEST_P(OfficialSuite, PassesEveryCase) {
  ASSERT_TRUE(std::filesystem::is_directory(kSuiteDir))
      << kSuiteDir << " is missing: install json-schema-test-suite (scripts/install-deps.sh)";
  const SuiteResult result = run_suite_file(GetParam());
  for (const auto& failure : result.failures) ADD_FAILURE() << failure;
  for (const auto& skip : result.skips) std::cout << "skipped: " << skip << "\n";
  EXPECT_GT(result.run, 0);
  EXPECT_EQ(result.passed, result.run);
}

INSTANTIATE_TEST_SUITE_P(Draft7, OfficialSuite, testing::ValuesIn(kSuiteFiles),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(Draft7Summary, RunsHundredsOfCasesAndSkipsOnlyRemoteRefs) {
  ASSERT_TRUE(std::filesystem::is_directory(kSuiteDir))
      << kSuiteDir << " is missing: install json-schema-test-suite (scripts/install-deps.sh)";
  SuiteResult total;
  for (const auto& name : kSuiteFiles) total.add(run_suite_file(name));
  std::cout << "JSON-Schema-Test-Suite draft7: " << total.run << " cases run, " << total.passed << " passed, "
            << total.skipped << " skipped (remote $ref)\n";
  EXPECT_GE(total.run, 300);
  EXPECT_EQ(total.passed, total.run);
  for (const auto& skip : total.skips) EXPECT_TRUE(skip.starts_with("ref: ")) << skip;
}

// ---------------------------------------------------------------------------
// Messages for tool arguments: the model reads these to correct its call.

constexpr std::string_view kSearchSchema = R"({
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1},
    "type": {"enum": ["repositories", "code"], "default": "repositories"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
  },
  "required": ["query"],
  "additionalProperties": false
})";

TEST(JsonSchema, ToolSchemaAcceptsValidArguments) {
  const JsonSchema schema = compile(kSearchSchema);
  EXPECT_TRUE(schema.validate(json::parse(R"({"query": "x"})")).empty());
  EXPECT_TRUE(schema.validate(json::parse(R"({"query": "x", "type": "code", "limit": 100})")).empty());
  EXPECT_TRUE(schema.validate(json::parse(R"({"query": "x", "limit": 1.0})")).empty());
}

TEST(JsonSchema, OneViolationWithPathKeywordAndMessage) {
  const auto violations = compile(kSearchSchema).validate(json::parse(R"({"query": "x", "limit": 500})"));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "/limit");
  EXPECT_EQ(violations[0].keyword, "maximum");
  EXPECT_EQ(violations[0].message, "/limit: must be <= 100");
}

TEST(JsonSchema, MessagesNameThePathAndTheRule) {
  const JsonSchema schema = compile(kSearchSchema);
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {R"({"limit": 5})", {R"((root): missing required property "query")"}},
      {R"({"query": "x", "type": "users"})", {R"(/type: must be one of "repositories", "code")"}},
      {R"({"query": 5})", {"/query: must be a string, got number"}},
      {R"({"query": ""})", {"/query: must have at least 1 character, got 0"}},
      {R"({"query": "x", "x": 1})", {"/x: property not allowed (additionalProperties is false)"}},
      {R"({"query": "x", "limit": 0})", {"/limit: must be >= 1"}},
      {R"({"query": "x", "limit": 2.5})", {"/limit: must be an integer, got number"}},
      {R"([])", {"(root): must be an object, got array"}},
      {R"({"query": null, "limit": 500, "x": true})",
       {"/query: must be a string, got null", "/limit: must be <= 100",
        "/x: property not allowed (additionalProperties is false)"}},
  };
  for (const auto& [instance, expected] : cases)
    EXPECT_EQ(messages(schema, json::parse(instance)), expected) << instance;
}

TEST(JsonSchema, PathsPointIntoArraysAndEscapeNames) {
  EXPECT_EQ(messages(R"({"properties": {"aspects": {"type": "array", "items": {"enum": ["deps", "tests"]}}}})",
                     R"({"aspects": ["deps", "tests", "docs"]})"),
            std::vector<std::string>{R"(/aspects/2: must be one of "deps", "tests")"});
  const auto violations =
      compile(R"({"properties": {"a/b~c": {"type": "string"}}})").validate(json::parse(R"({"a/b~c": 1})"));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "/a~1b~0c");
  EXPECT_EQ(violations[0].keyword, "type");
}

TEST(JsonSchema, EachKeywordHasAShortMessage) {
  using Messages = std::vector<std::string>;
  EXPECT_EQ(messages(R"({"type": ["string", "null"]})", "1"), Messages{"(root): must be a string or null, got number"});
  EXPECT_EQ(messages(R"({"type": ["string", "integer", "boolean"]})", "[]"),
            Messages{"(root): must be a string, an integer or a boolean, got array"});
  EXPECT_EQ(messages(R"({"exclusiveMaximum": 10})", "10"), Messages{"(root): must be < 10"});
  EXPECT_EQ(messages(R"({"exclusiveMinimum": 0.5})", "0.5"), Messages{"(root): must be > 0.5"});
  EXPECT_EQ(messages(R"({"multipleOf": 0.01})", "0.075"), Messages{"(root): must be a multiple of 0.01"});
  EXPECT_EQ(messages(R"({"pattern": "^[a-z]+$"})", R"("A")"), Messages{R"((root): must match the pattern "^[a-z]+$")"});
  EXPECT_EQ(messages(R"({"maxItems": 1})", "[1, 2]"), Messages{"(root): must have at most 1 item, got 2"});
  EXPECT_EQ(messages(R"({"minItems": 2})", "[1]"), Messages{"(root): must have at least 2 items, got 1"});
  EXPECT_EQ(messages(R"({"uniqueItems": true})", R"([1, "a", 1.0])"),
            Messages{"(root): must not contain duplicates, items 0 and 2 are equal"});
  EXPECT_EQ(messages(R"({"const": "on"})", R"("off")"), Messages{R"((root): must be equal to "on")"});
  EXPECT_EQ(messages("false", "1"), Messages{"(root): not allowed (schema is false)"});
  EXPECT_EQ(messages(R"({"not": {"type": "string"}})", R"("a")"), Messages{"(root): must not match the schema in not"});
  EXPECT_EQ(messages(R"({"anyOf": [{"type": "string"}, {"required": ["a"]}]})", "{}"),
            Messages{R"((root): must match at least one schema in anyOf ([0] (root): must be a string, got object; )"
                     R"([1] (root): missing required property "a"))"});
  EXPECT_EQ(messages(R"({"oneOf": [{"type": "integer"}, {"minimum": 0}]})", "1"),
            Messages{"(root): must match exactly one schema in oneOf, matches 0 and 1"});
  EXPECT_EQ(messages(R"({"oneOf": [{"type": "integer"}, {"type": "string"}]})", "null"),
            Messages{"(root): must match exactly one schema in oneOf, matches none ([0] (root): must be an integer, "
                     "got null; [1] (root): must be a string, got null)"});
  EXPECT_EQ(messages(R"({"allOf": [{"minimum": 5}, {"maximum": 1}]})", "3"),
            (Messages{"(root): must be >= 5", "(root): must be <= 1"}));
}

TEST(JsonSchema, LongEnumsAndValuesAreCut) {
  json::array values;
  for (int i = 0; i < 30; ++i) values.emplace_back(i);
  json::object schema{{"enum", values}};
  auto found = messages(std::move(JsonSchema::compile(schema)).value(), json::value(99));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find(", 19, ... (10 more)"), std::string::npos) << found[0];
  found = messages(R"({"const": ")" + std::string(500, 'x') + R"("})", "1");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_LT(found[0].size(), 120u) << found[0];
}

// ---------------------------------------------------------------------------
// Dialects: 2020-12 by default, draft-07 when "$schema" says so.

TEST(JsonSchema, TwentyTwelvePrefixItemsThenItems) {
  const JsonSchema schema =
      compile(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"}})");
  EXPECT_TRUE(messages(schema, json::parse(R"(["a", 1, true, false])")).empty());
  EXPECT_TRUE(messages(schema, json::parse(R"(["a"])")).empty());
  EXPECT_EQ(messages(schema, json::parse(R"(["a", 1, "x"])")),
            std::vector<std::string>{"/2: must be a boolean, got string"});
  EXPECT_EQ(messages(schema, json::parse(R"(["a", "b"])")),
            std::vector<std::string>{"/1: must be an integer, got string"});

  EXPECT_EQ(messages(R"({"prefixItems": [{}], "items": false})", "[1, 2]"),
            std::vector<std::string>{"/1: item not allowed (items is false)"});
  EXPECT_TRUE(messages(R"({"prefixItems": [{}], "additionalItems": false})", "[1, 2]").empty());  // not 2020-12

  auto tuple = JsonSchema::compile(json::parse(R"({"items": [{"type": "string"}]})"));
  ASSERT_FALSE(tuple);
  EXPECT_NE(tuple.error().message.find("prefixItems"), std::string::npos) << tuple.error().message;
}

TEST(JsonSchema, DraftSevenTuplesAndAdditionalItems) {
  const JsonSchema schema = compile(R"({"$schema": "http://json-schema.org/draft-07/schema#",
      "items": [{"type": "string"}], "additionalItems": false, "prefixItems": [{"type": "integer"}]})");
  EXPECT_TRUE(messages(schema, json::parse(R"(["a"])")).empty());
  EXPECT_EQ(messages(schema, json::parse(R"(["a", 1])")),
            std::vector<std::string>{"/1: item not allowed (additionalItems is false)"});
}

TEST(JsonSchema, RefSiblingsApplyIn2020ButNotInDraft7) {
  const std::string body = R"("$defs": {"list": {"type": "array"}}, "$ref": "#/$defs/list", "maxItems": 1})";
  EXPECT_EQ(messages("{" + body, "[1, 2]"), std::vector<std::string>{"(root): must have at most 1 item, got 2"});
  EXPECT_TRUE(messages(R"({"$schema": "http://json-schema.org/draft-07/schema#", )" + body, "[1, 2]").empty());
}

TEST(JsonSchema, RefsAreJsonPointersWithEscapes) {
  const JsonSchema schema = compile(R"({
    "$defs": {"a/b": {"type": "integer"}, "c%d": {"type": "string"}, "t~": {"minimum": 3}},
    "definitions": {"n": {"type": "null"}},
    "properties": {
      "x": {"$ref": "#/$defs/a~1b"}, "y": {"$ref": "#/$defs/c%25d"}, "z": {"$ref": "#/$defs/t~0"},
      "n": {"$ref": "#/definitions/n"}, "again": {"$ref": "#/properties/x"}
    }})");
  EXPECT_TRUE(messages(schema, json::parse(R"({"x": 1, "y": "s", "z": 4, "n": null, "again": 2})")).empty());
  EXPECT_EQ(messages(schema, json::parse(R"({"x": "1", "y": 1, "z": 2, "n": 0, "again": 1.5})")),
            (std::vector<std::string>{"/x: must be an integer, got string", "/y: must be a string, got number",
                                      "/z: must be >= 3", "/n: must be null, got number",
                                      "/again: must be an integer, got number"}));
}

TEST(JsonSchema, UnknownKeywordsAreIgnored) {
  const JsonSchema schema = compile(R"({"title": "t", "format": "email", "x-vendor": {"type": 5}, "examples": [1]})");
  EXPECT_TRUE(messages(schema, json::parse(R"("not an email")")).empty());
}

// ---------------------------------------------------------------------------
// Values: numbers, equality, strings, patterns.

TEST(JsonSchema, NumbersCompareExactlyAcrossRepresentations) {
  EXPECT_TRUE(messages(R"({"type": "integer"})", "1.0").empty());
  EXPECT_TRUE(messages(R"({"type": "integer"})", "18446744073709551615").empty());
  EXPECT_FALSE(messages(R"({"type": "integer"})", "1.5").empty());
  EXPECT_FALSE(messages(R"({"maximum": 9007199254740992})", "9007199254740993").empty());
  EXPECT_TRUE(messages(R"({"minimum": -9223372036854775808})", "-9223372036854775808").empty());
  EXPECT_FALSE(messages(R"({"maximum": 18446744073709551614})", "18446744073709551615").empty());
  for (const char* ok : {"19.99", "0.07", "100", "-0.03", "0"})
    EXPECT_TRUE(messages(R"({"multipleOf": 0.01})", ok).empty()) << ok;
  for (const char* bad : {"0.075", "1.001", "1e-9"})
    EXPECT_FALSE(messages(R"({"multipleOf": 0.01})", bad).empty()) << bad;
  EXPECT_TRUE(messages(R"({"multipleOf": 7})", "-9223372036854775807").empty());  // 2^63 - 1 = 7 * 1317624576693539401
  EXPECT_TRUE(messages(R"({"multipleOf": 0.5})", "1e308").empty());
  EXPECT_FALSE(messages(R"({"multipleOf": 0.123456789})", "1e308").empty());
}

TEST(JsonSchema, EqualityIgnoresKeyOrderAndNumberRepresentation) {
  EXPECT_TRUE(
      messages(R"({"const": {"a": 1, "b": [1.0, {"c": null}]}})", R"({"b": [1, {"c": null}], "a": 1.0})").empty());
  EXPECT_FALSE(messages(R"({"const": {"a": 1}})", R"({"a": 1, "b": 2})").empty());
  EXPECT_FALSE(messages(R"({"const": [false]})", "[0]").empty());
  EXPECT_TRUE(messages(R"({"enum": [[1], 2]})", "2.0").empty());
  EXPECT_FALSE(messages(R"({"uniqueItems": true})", R"([{"a": 1, "b": 2}, {"b": 2, "a": 1.0}])").empty());
  EXPECT_TRUE(messages(R"({"uniqueItems": true})", R"([0, false, null, "0", [0], {"0": 0}])").empty());
}

TEST(JsonSchema, UniqueItemsOnLargeArraysIsFast) {
  json::value items = json::array();
  for (int i = 0; i < 200'000; ++i) items.as_array().emplace_back(i);
  const JsonSchema schema = compile(R"({"uniqueItems": true, "items": {"type": "integer"}})");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(schema.validate(items).empty());
  items.as_array().emplace_back(123'456.0);
  EXPECT_EQ(messages(schema, items),
            std::vector<std::string>{"(root): must not contain duplicates, items 123456 and 200000 are equal"});
  std::cout << "uniqueItems over 200,000 items, twice: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
            << " ms\n";
}

TEST(JsonSchema, StringLengthCountsCodePoints) {
  EXPECT_TRUE(messages(R"({"maxLength": 1})", R"("é")").empty());
  EXPECT_TRUE(messages(R"({"maxLength": 1})", R"("💩")").empty());
  EXPECT_TRUE(messages(R"({"maxLength": 1})", R"("\ud83d\udca9")").empty());
  EXPECT_EQ(messages(R"({"maxLength": 1})", R"("éé")"),
            std::vector<std::string>{"(root): must have at most 1 character, got 2"});
  EXPECT_FALSE(messages(R"({"minLength": 2})", R"("é")").empty());
}

TEST(JsonSchema, PatternsAreSearchedEcmaStyle) {
  EXPECT_TRUE(messages(R"({"pattern": "b"})", R"("abc")").empty());
  EXPECT_FALSE(messages(R"({"pattern": "^b"})", R"("abc")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^\\d{4}-\\d{2}$"})", R"("2024-05")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^\\u00e9\\u{1F4A9}$"})", R"("é💩")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^\\p{L}+$"})", R"("Grüße")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^(?<year>\\d{4})$"})", R"("2024")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^a[^]b$"})", R"("a\nb")").empty());
  EXPECT_FALSE(messages(R"({"pattern": "a[]"})", R"("a")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^\\cJ$"})", R"("\n")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^[\\b]$"})", R"("\b")").empty());
  EXPECT_TRUE(messages(R"({"pattern": "^a\\/b$"})", R"("a/b")").empty());
  EXPECT_EQ(messages(R"({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false})",
                     R"({"x-a": "1", "x-b": 2, "y": 3})"),
            (std::vector<std::string>{"/x-b: must be a string, got number",
                                      "/y: property not allowed (additionalProperties is false)"}));
}

// ---------------------------------------------------------------------------
// with_defaults

TEST(JsonSchema, WithDefaultsFillsAbsentProperties) {
  const JsonSchema schema = compile(kSearchSchema);
  EXPECT_EQ(schema.with_defaults(json::parse(R"({"query": "x"})")),
            json::parse(R"({"query": "x", "type": "repositories", "limit": 10})"));
  EXPECT_EQ(schema.with_defaults(json::parse(R"({"query": "x", "limit": 3, "type": "code"})")),
            json::parse(R"({"query": "x", "limit": 3, "type": "code"})"));
  EXPECT_EQ(schema.with_defaults(json::parse("[1]")), json::parse("[1]"));
}

TEST(JsonSchema, WithDefaultsRecursesIntoObjects) {
  const JsonSchema schema = compile(R"({
    "$defs": {"depth": {"type": "integer", "default": 2}},
    "properties": {
      "options": {"type": "object", "properties": {"depth": {"$ref": "#/$defs/depth"}, "deep": {"default": false}}},
      "filters": {"default": {}, "properties": {"lang": {"default": "any"}}},
      "none": {"properties": {"x": {"default": 1}}}
    }})");
  EXPECT_EQ(schema.with_defaults(json::parse(R"({"options": {"deep": true}})")),
            json::parse(R"({"options": {"deep": true, "depth": 2}, "filters": {"lang": "any"}})"));
  EXPECT_EQ(schema.with_defaults(json::parse(R"({"options": 5})")),
            json::parse(R"({"options": 5, "filters": {"lang": "any"}})"));
}

// ---------------------------------------------------------------------------
// Hostile and malformed schemas

TEST(JsonSchema, RefCyclesThatNeverDescendAreRefused) {
  for (const char* schema : {
           R"({"$ref": "#"})",
           R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"})",
           R"({"allOf": [{"not": {"$ref": "#"}}]})",
       }) {
    auto compiled = JsonSchema::compile(json::parse(schema));
    ASSERT_FALSE(compiled) << schema;
    EXPECT_EQ(compiled.error().kind, ErrorKind::invalid_argument);
    EXPECT_NE(compiled.error().message.find("cycle"), std::string::npos) << compiled.error().message;
  }
  EXPECT_TRUE(JsonSchema::compile(json::parse(R"({"properties": {"next": {"$ref": "#"}}})")));
}

// {key: inner}, moving inner (an initializer list would copy it).
json::value wrapped(std::string_view key, json::value inner) {
  json::object outer;
  outer.emplace(key, std::move(inner));
  return outer;
}

json::value nested_arrays(int depth) {
  json::value v = json::array();
  for (int i = 0; i < depth; ++i) {
    json::array outer;
    outer.emplace_back(std::move(v));
    v = std::move(outer);
  }
  return v;
}

TEST(JsonSchema, DeepInstancesAreBounded) {
  const json::value deep = nested_arrays(10'000);
  EXPECT_TRUE(compile(R"({"type": "array", "minItems": 1})").validate(deep).empty());

  const auto violations = compile(R"({"type": "array", "items": {"$ref": "#"}})").validate(deep);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].keyword, "depth");
  EXPECT_NE(violations[0].message.find("nested too deeply"), std::string::npos);

  json::array twins, different;  // built in place and moved: copying a deep value recurses in Boost.JSON
  twins.emplace_back(nested_arrays(10'000));
  twins.emplace_back(nested_arrays(10'000));
  different.emplace_back(nested_arrays(10'000));
  different.emplace_back(nested_arrays(9'999));
  EXPECT_FALSE(compile(R"({"uniqueItems": true})").validate(json::value(std::move(twins))).empty());
  EXPECT_TRUE(compile(R"({"uniqueItems": true})").validate(json::value(std::move(different))).empty());

  json::value object = json::object();
  for (int i = 0; i < 10'000; ++i) object = wrapped("next", std::move(object));
  const JsonSchema linked = compile(R"({"properties": {"next": {"$ref": "#"}, "n": {"default": 0}}})");
  EXPECT_FALSE(linked.validate(object).empty());
  EXPECT_TRUE(linked.with_defaults(std::move(object)).as_object().contains("n"));
}

TEST(JsonSchema, DeepSchemasAreRefused) {
  json::value schema = json::object();
  for (int i = 0; i < 10'000; ++i) schema = wrapped("items", std::move(schema));
  auto compiled = JsonSchema::compile(schema);
  ASSERT_FALSE(compiled);
  EXPECT_NE(compiled.error().message.find("nested more than"), std::string::npos) << compiled.error().message;
}

// {"$defs": {"d0": {keyword: [{"$ref": "#/$defs/d1"}, {"$ref": "#/$defs/d1"}]}, ... "d40": {"type": "string"}}}:
// 2^40 paths from d0 to the leaf.
json::value fan_out_schema(std::string_view keyword) {
  json::object defs;
  for (int i = 0; i < 40; ++i) {
    const std::string next = "#/$defs/d" + std::to_string(i + 1);
    json::array branches{json::object{{"$ref", next}}, json::object{{"$ref", next}}};
    defs["d" + std::to_string(i)] = json::object{{keyword, std::move(branches)}};
  }
  defs["d40"] = json::object{{"type", "string"}};
  return json::object{{"$defs", std::move(defs)}, {"$ref", "#/$defs/d0"}};
}

TEST(JsonSchema, ExponentialFanOutStopsWithAViolation) {
  auto any_of = JsonSchema::compile(fan_out_schema("anyOf"));
  ASSERT_TRUE(any_of) << any_of.error().message;
  const auto violations = any_of->validate(json::value(5));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].keyword, "complexity");
  EXPECT_EQ(violations[0].message, "(root): too complex to validate (more than 100256 schema checks)");
  EXPECT_TRUE(any_of->validate(json::value("s")).empty());

  auto all_of = JsonSchema::compile(fan_out_schema("allOf"));
  ASSERT_TRUE(all_of) << all_of.error().message;
  EXPECT_EQ(all_of->validate(json::value(5)).size(), 100u);  // the cap on violations stops it
}

TEST(JsonSchema, AtMostAHundredViolations) {
  json::value items = json::array();
  for (int i = 0; i < 1'000; ++i) items.as_array().emplace_back("x");
  const auto violations = compile(R"({"items": {"type": "integer"}})").validate(items);
  ASSERT_EQ(violations.size(), 100u);
  EXPECT_EQ(violations.front().message, "/0: must be an integer, got string");
  EXPECT_EQ(violations.back().message, "/99: must be an integer, got string");
}

TEST(JsonSchema, MalformedSchemasAreRefusedWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"5", "#: a schema must be an object or a boolean, got number"},
      {R"({"type": 5})", "#/type: unknown type 5"},
      {R"({"type": "strin"})", R"(#/type: unknown type "strin")"},
      {R"({"type": []})", "#/type: must not be an empty array"},
      {R"({"minimum": "1"})", "#/minimum: must be a number"},
      {R"({"exclusiveMaximum": true})", "draft-04 boolean form"},
      {R"({"minLength": -1})", "#/minLength: must be a non-negative integer"},
      {R"({"maxItems": 1.5})", "#/maxItems: must be a non-negative integer"},
      {R"({"multipleOf": 0})", "#/multipleOf: must be greater than 0"},
      {R"({"required": "x"})", "#/required: must be an array of strings"},
      {R"({"enum": {}})", "#/enum: must be an array"},
      {R"({"uniqueItems": "yes"})", "#/uniqueItems: must be true or false"},
      {R"({"properties": {"a": 3}})", "#/properties/a: a schema must be an object or a boolean"},
      {R"({"properties": []})", "#/properties: must be an object of schemas"},
      {R"({"anyOf": []})", "#/anyOf: must be a non-empty array of schemas"},
      {R"({"items": {"not": [1]}})", "#/items/not: a schema must be"},
      {R"({"pattern": "("})", "#/pattern: pattern \"(\" does not compile"},
      {R"({"pattern": 1})", "#/pattern: must be a string"},
      {R"j({"pattern": "^a(?=b)"})j", "lookahead \"(?=\" is not supported"},
      {R"({"pattern": "(?<!a)b"})", "lookbehind \"(?<!\" is not supported"},
      {R"({"pattern": "(a)\\1"})", "backreferences"},
      {R"j({"patternProperties": {"(?!x)": {}}})j", "#/patternProperties/(?!x): lookahead"},
      {R"({"$ref": "#/$defs/missing"})", R"(#/$ref: "#/$defs/missing" does not point at anything)"},
      {R"({"$ref": "http://example.com/s.json"})", "only references within this schema"},
      {R"({"$ref": "#anchor"})", "anchors are not supported"},
      {R"({"$ref": "#/a%zz"})", "bad percent-encoding"},
      {R"({"$ref": 1})", "#/$ref: must be a string"},
      {R"({"$defs": {"x": {"pattern": "["}}})", "#/$defs/x/pattern"},
      {R"({"items": [{}]})", "#/items: must be a schema; tuples use prefixItems"},
  };
  for (const auto& [schema, expected] : cases) {
    auto compiled = JsonSchema::compile(json::parse(schema));
    ASSERT_FALSE(compiled) << schema;
    EXPECT_EQ(compiled.error().kind, ErrorKind::invalid_argument);
    EXPECT_NE(compiled.error().message.find(expected), std::string::npos)
        << schema << " gave: " << compiled.error().message;
    EXPECT_TRUE(compiled.error().message.starts_with("invalid schema at #")) << compiled.error().message;
  }
}

TEST(JsonSchema, CompiledSchemaOutlivesItsSourceAndMoves) {
  std::optional<JsonSchema> kept;
  {
    json::value source = json::parse(kSearchSchema);
    auto compiled = JsonSchema::compile(source);
    ASSERT_TRUE(compiled);
    JsonSchema moved = std::move(*compiled);
    kept.emplace(std::move(moved));
  }
  EXPECT_EQ(messages(*kept, json::parse(R"({"query": "x", "limit": 500})")),
            std::vector<std::string>{"/limit: must be <= 100"});
}

}  // namespace
}  // namespace devagent::tools
