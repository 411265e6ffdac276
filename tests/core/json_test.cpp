#include "core/json.h"

#include <gtest/gtest.h>

namespace devagent::json {
namespace {

TEST(Json, ParsesDocuments) {
  auto v = parse(R"({"a": [1, 2, {"b": "c"}]})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->at("a").at(2).at("b").as_string(), "c");
}

TEST(Json, MalformedInputSaysWhere) {
  for (std::string bad : {"{", "{\"a\":}", "[1,2,]", "nul", "{\"a\":1} trailing", "\"\\uZZZZ\"", ""}) {
    auto v = parse(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error().kind, ErrorKind::invalid_argument);
    EXPECT_NE(v.error().message.find("invalid JSON"), std::string::npos);
  }
}

TEST(Json, DeepNestingIsRefused) {
  std::string deep(10000, '[');
  deep += std::string(10000, ']');
  EXPECT_FALSE(parse(deep));
  EXPECT_TRUE(parse("[[[[1]]]]"));
}

TEST(Json, TypedFieldsNameTheField) {
  auto v = parse(R"({"s": "x", "n": 3, "b": true, "wrong": 1.5})");
  ASSERT_TRUE(v);
  const auto& o = v->as_object();
  EXPECT_EQ(**get_string(o, "s"), "x");
  EXPECT_EQ(**get_int(o, "n"), 3);
  EXPECT_TRUE(**get_bool(o, "b"));
  EXPECT_FALSE(get_string(o, "missing")->has_value());
  auto bad = get_int(o, "wrong");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'wrong'"), std::string::npos);
  EXPECT_FALSE(get_string(o, "n"));
}

}  // namespace
}  // namespace devagent::json
