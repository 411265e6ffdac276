// JSON Schema validation in two steps: compile() turns the schema into a graph
// of Nodes (one per subschema, keyword arguments checked, patterns compiled,
// $refs resolved to node ids), and validate() walks that graph alongside the
// instance. Nodes point into the copy of the schema the Impl owns, which is
// never modified after compile().
#include "tools/json_schema.h"

#include <re2/re2.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace devagent::tools {
namespace json = boost::json;

namespace {

// Bounds against hostile schemas and instances.
constexpr int kMaxDepth = 256;                            // nested subschemas (compile) and nested checks (validate)
constexpr std::size_t kMaxSchemaNesting = 2 * kMaxDepth;  // JSON levels of a schema document
constexpr std::uint64_t kBaseSteps = 100'000;             // subschema visits in one validate() call, plus
constexpr std::uint64_t kStepsPerValue = 256;             // this many per value in the instance
constexpr std::size_t kMaxViolations = 100;               // reported by one validate() call
constexpr int kHashDepth = 32;                            // uniqueItems hashes look no deeper (equality still does)
constexpr std::size_t kMaxListed = 20;                    // enum values named in one message
constexpr std::size_t kMaxRendered = 80;                  // characters of one value quoted in a message
constexpr std::size_t kMaxBranchReasons = 3;              // anyOf/oneOf branches explained in a message

// ---------------------------------------------------------------------------
// JSON helpers

template <class S>
std::string_view view(const S& s) {
  return {s.data(), s.size()};
}

void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~')
      pointer += "~0";
    else if (c == '/')
      pointer += "~1";
    else
      pointer += c;
  }
}

std::string at(std::string pointer, std::string_view token) {
  append_pointer_token(pointer, token);
  return pointer;
}

bool is_number(const json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

// long double holds every int64, uint64 and double exactly (x86-64, AArch64),
// so comparisons across representations are exact: 1 == 1.0.
long double to_number(const json::value& v) {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return v.get_double();
}

bool is_integral(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double();
}

std::string_view type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::object:
      return "object";
    case json::kind::array:
      return "array";
    case json::kind::string:
      return "string";
    default:
      return "number";
  }
}

std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof buf, v.get_double()).ptr;
  return std::string(buf, end);
}

// A value as a message shows it: JSON, cut to kMaxRendered bytes on a UTF-8 boundary.
std::string render(const json::value& v) {
  std::string s = is_number(v) ? number_text(v) : json::serialize(v);
  if (s.size() <= kMaxRendered) return s;
  std::size_t cut = kMaxRendered;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

std::string quote(std::string_view s) {
  return render(json::value(json::string_view(s.data(), s.size())));
}

std::string counted(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// Equality when at most one of x, y is an array or an object.
bool scalar_equal(const json::value& x, const json::value& y) {
  if (is_number(x) || is_number(y)) return is_number(x) && is_number(y) && to_number(x) == to_number(y);
  if (x.kind() != y.kind()) return false;
  if (x.is_bool()) return x.get_bool() == y.get_bool();
  if (x.is_string()) return x.get_string() == y.get_string();
  return true;  // both null
}

// JSON equality: numbers by value (1 == 1.0), objects regardless of key order.
// Iterative, so deeply nested instances cannot exhaust the stack.
bool json_equal(const json::value& a, const json::value& b) {
  if (!a.is_structured() || !b.is_structured()) return scalar_equal(a, b);
  std::vector<std::pair<const json::value*, const json::value*>> todo{{&a, &b}};
  while (!todo.empty()) {
    auto [x, y] = todo.back();
    todo.pop_back();
    if (!x->is_structured() || !y->is_structured()) {
      if (!scalar_equal(*x, *y)) return false;
    } else if (x->kind() != y->kind()) {
      return false;
    } else if (x->is_array()) {
      const auto &xa = x->get_array(), &ya = y->get_array();
      if (xa.size() != ya.size()) return false;
      for (std::size_t i = 0; i < xa.size(); ++i) todo.emplace_back(&xa[i], &ya[i]);
    } else {
      const auto &xo = x->get_object(), &yo = y->get_object();
      if (xo.size() != yo.size()) return false;
      for (const auto& m : xo) {
        const json::value* other = yo.if_contains(m.key());
        if (!other) return false;
        todo.emplace_back(&m.value(), other);
      }
    }
  }
  return true;
}

std::size_t mix(std::size_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

// A hash consistent with json_equal. Below kHashDepth only sizes count, which
// keeps it consistent while bounding recursion.
std::size_t json_hash(const json::value& v, int depth = 0) {
  switch (v.kind()) {
    case json::kind::null:
      return 0x11;
    case json::kind::bool_:
      return v.get_bool() ? 0x13 : 0x17;
    case json::kind::string:
      return std::hash<std::string_view>{}(view(v.get_string()));
    case json::kind::array: {
      const auto& a = v.get_array();
      std::size_t h = mix(0xa77a + a.size());
      if (depth < kHashDepth)
        for (const auto& e : a) h = mix(h * 31 + json_hash(e, depth + 1));
      return h;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      std::size_t h = mix(0x0b7 + o.size());
      if (depth < kHashDepth)  // a sum: key order must not matter
        for (const auto& m : o)
          h += mix(std::hash<std::string_view>{}(view(m.key())) ^ (json_hash(m.value(), depth + 1) * 3));
      return h;
    }
    default: {
      long double x = to_number(v);
      return x == 0 ? 0 : std::hash<long double>{}(x);
    }
  }
}

// The first pair of equal items (earlier index first), in linear expected time.
std::optional<std::pair<std::size_t, std::size_t>> find_duplicate(const json::array& a) {
  std::unordered_multimap<std::size_t, std::size_t> seen;
  seen.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::size_t h = json_hash(a[i]);
    auto [first, last] = seen.equal_range(h);
    for (auto it = first; it != last; ++it)
      if (json_equal(a[it->second], a[i])) return std::pair{it->second, i};
    seen.emplace(h, i);
  }
  return std::nullopt;
}

// Exact for integers. For fractions, a quotient within a few ulps of an
// integer counts: 0.0075 / 0.0001 is 74.99999999999999 in binary floating point.
bool is_multiple_of(const json::value& v, const json::value& divisor) {
  auto magnitude = [](const json::value& n) {
    if (n.is_uint64()) return n.get_uint64();
    std::int64_t i = n.get_int64();
    return i < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
  };
  if (!v.is_double() && !divisor.is_double()) return magnitude(v) % magnitude(divisor) == 0;
  const double x = static_cast<double>(to_number(v)), d = static_cast<double>(to_number(divisor));
  if (std::fmod(x, d) == 0) return true;
  const double q = x / d;
  return std::isfinite(q) &&
         std::abs(q - std::round(q)) <= 8 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(q));
}

struct Shape {
  std::size_t values = 0;  // v and everything in it
  std::size_t depth = 0;   // 1 for a scalar
};

// The size and depth of v, found without recursion.
Shape shape(const json::value& v) {
  Shape found;
  std::vector<std::pair<const json::value*, std::size_t>> todo{{&v, 1}};
  while (!todo.empty()) {
    auto [x, depth] = todo.back();
    todo.pop_back();
    ++found.values;
    found.depth = std::max(found.depth, depth);
    if (x->is_array())
      for (const auto& e : x->get_array()) todo.emplace_back(&e, depth + 1);
    else if (x->is_object())
      for (const auto& m : x->get_object()) todo.emplace_back(&m.value(), depth + 1);
  }
  return found;
}

std::size_t code_points(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// ---------------------------------------------------------------------------
// The compiled schema

enum TypeBit : unsigned {
  kObject = 1,
  kArray = 2,
  kString = 4,
  kNumber = 8,
  kInteger = 16,
  kBoolean = 32,
  kNull = 64,
};

struct TypeName {
  std::string_view name, phrase;
  unsigned bit;
};
constexpr TypeName kTypeNames[] = {
    {"object", "an object", kObject}, {"array", "an array", kArray},       {"string", "a string", kString},
    {"number", "a number", kNumber},  {"integer", "an integer", kInteger}, {"boolean", "a boolean", kBoolean},
    {"null", "null", kNull},
};

unsigned type_bits(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return kNull;
    case json::kind::bool_:
      return kBoolean;
    case json::kind::object:
      return kObject;
    case json::kind::array:
      return kArray;
    case json::kind::string:
      return kString;
    default:
      return kNumber | (is_integral(v) ? kInteger : 0u);
  }
}

struct PatternProperty {
  std::string_view source;
  std::unique_ptr<RE2> re;
  int node;
};

// One subschema. Node ids index Compiled::nodes; -1 is "absent". Pointers and
// string_views point into Compiled::root.
struct Node {
  std::string where;             // "#/properties/limit": where compile errors point
  std::optional<bool> constant;  // a boolean schema: true accepts, false rejects everything

  int ref = -1;
  bool ref_only = false;  // draft-07 and earlier: $ref hides its siblings
  unsigned types = 0;     // TypeBits; 0: any type
  const json::array* enum_values = nullptr;
  const json::value* const_value = nullptr;
  const json::value* default_value = nullptr;

  std::vector<std::string_view> required;
  std::vector<std::pair<std::string_view, int>> properties;  // in schema order
  std::unordered_map<std::string_view, int> property_index;
  std::vector<PatternProperty> pattern_properties;
  int additional_properties = -1;

  std::vector<int> prefix_items;             // 2020-12 prefixItems, or draft-07 items as an array
  int items = -1;                            // the items after prefix_items
  std::string_view items_keyword = "items";  // "additionalItems" in draft-07 tuples
  std::optional<std::size_t> min_items, max_items;
  bool unique_items = false;

  const json::value *minimum = nullptr, *maximum = nullptr;
  const json::value *exclusive_minimum = nullptr, *exclusive_maximum = nullptr;
  const json::value* multiple_of = nullptr;

  std::optional<std::size_t> min_length, max_length;
  std::string_view pattern_source;
  std::unique_ptr<RE2> pattern;

  std::vector<int> all_of, any_of, one_of;
  int not_schema = -1;
};

struct Dialect {
  bool items_array_is_tuple = false;    // draft-07 and earlier, 2019-09: items [...] plus additionalItems
  bool ref_overrides_siblings = false;  // draft-07 and earlier
};

// "$schema" picks the dialect; without it, 2020-12.
Dialect dialect_of(const json::value& schema) {
  const json::value* uri = schema.is_object() ? schema.get_object().if_contains("$schema") : nullptr;
  if (!uri || !uri->is_string()) return {};
  std::string_view s = view(uri->get_string());
  const bool before_2019 = s.find("json-schema.org/draft-0") != std::string_view::npos;  // draft-03 to draft-07
  const bool is_2019 = s.find("json-schema.org/draft/2019-09") != std::string_view::npos;
  return {.items_array_is_tuple = before_2019 || is_2019, .ref_overrides_siblings = before_2019};
}

struct Compiled {
  json::value root;
  Dialect dialect;
  std::deque<Node> nodes;  // a deque: references stay valid while compiling children; root is node 0
};

// ---------------------------------------------------------------------------
// compile()

// A malformed schema. Thrown only inside compile() and returned from it as an
// Error, so the checks below read as straight-line code.
struct SchemaError {
  std::string message;
};

[[noreturn]] void refuse(std::string_view where, std::string_view what) {
  throw SchemaError{"invalid schema at " + std::string(where) + ": " + std::string(what)};
}

bool is_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// Rewrites the ECMA-262 syntax RE2 spells differently (\uXXXX, \u{...}, \cX,
// \0, [^], [], (?<name>...), \b inside a class) and refuses what RE2 cannot do
// (lookaround, backreferences). Everything else passes through unchanged.
std::string ecma_to_re2(std::string_view p, std::string_view where) {
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    const std::string_view rest = p.substr(i);
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[i + 1];
      if (e == 'u' && p.size() >= i + 6 && is_hex(p.substr(i + 2, 4))) {
        out += "\\x{" + std::string(p.substr(i + 2, 4)) + "}";
        i += 5;
      } else if (rest.starts_with("\\u{") && rest.find('}') != std::string_view::npos) {
        const std::size_t close = rest.find('}');
        out += "\\x{" + std::string(rest.substr(3, close - 3)) + "}";
        i += close;
      } else if (e == 'c' && i + 2 < p.size() && std::isalpha(static_cast<unsigned char>(p[i + 2]))) {
        const char control = static_cast<char>(p[i + 2] % 32);  // \cJ is U+000A
        out += "\\x";
        out += "0123456789abcdef"[control / 16];
        out += "0123456789abcdef"[control % 16];
        i += 2;
      } else if (e == '0' && !(i + 2 < p.size() && std::isdigit(static_cast<unsigned char>(p[i + 2])))) {
        out += "\\x00";
        i += 1;
      } else if (e == 'b' && in_class) {
        out += "\\x08";
        i += 1;
      } else if (e >= '1' && e <= '9' && !in_class) {
        refuse(where, "backreferences (\\" + std::string(1, e) + ") are not supported (RE2)");
      } else {
        out += c;
        out += e;
        i += 1;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
    } else if (rest.starts_with("[^]")) {  // ECMA: any character
      out += "(?s:.)";
      i += 2;
    } else if (rest.starts_with("[]")) {  // ECMA: no character
      out += "[^\\x00-\\x{10FFFF}]";
      i += 1;
    } else if (c == '[') {
      in_class = true;
      out += c;
    } else if (rest.starts_with("(?=") || rest.starts_with("(?!")) {
      refuse(where, "lookahead \"" + std::string(rest.substr(0, 3)) + "\" is not supported (RE2)");
    } else if (rest.starts_with("(?<=") || rest.starts_with("(?<!")) {
      refuse(where, "lookbehind \"" + std::string(rest.substr(0, 4)) + "\" is not supported (RE2)");
    } else if (rest.starts_with("(?<")) {  // named group
      out += "(?P<";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::unique_ptr<RE2> compile_pattern(std::string_view ecma, const std::string& where) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(ecma_to_re2(ecma, where), options);
  if (!re->ok()) refuse(where, "pattern " + quote(ecma) + " does not compile: " + re->error());
  return re;
}

std::string percent_decode(std::string_view s, std::string_view where) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 3 > s.size() || !is_hex(s.substr(i + 1, 2))) refuse(where, "bad percent-encoding in $ref");
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// The value a "#..." reference points at in root (a JSON Pointer after the '#',
// percent-decoded), or nullptr.
const json::value* resolve_pointer(const json::value& root, std::string_view pointer) {
  const json::value* target = &root;
  std::size_t pos = 1;  // past the leading '/'
  while (target && pos <= pointer.size()) {
    std::size_t end = std::min(pointer.find('/', pos), pointer.size());
    std::string token;
    for (std::size_t i = pos; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        token += pointer[++i] == '0' ? '~' : '/';
      } else {
        token += pointer[i];
      }
    }
    pos = end + 1;
    if (target->is_object()) {
      target = target->get_object().if_contains(token);
    } else if (target->is_array()) {
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      bool canonical = ec == std::errc{} && p == token.data() + token.size() && (token == "0" || token[0] != '0');
      target = canonical && index < target->get_array().size() ? &target->get_array()[index] : nullptr;
    } else {
      target = nullptr;
    }
  }
  return target;
}

class Compiler {
 public:
  explicit Compiler(Compiled& out) : out_(out) {}

  // The node id for schema s (compiled once per location, so $ref cycles end).
  int compile(const json::value& s, const std::string& where, int depth) {
    if (auto it = ids_.find(&s); it != ids_.end()) return it->second;
    if (depth > kMaxDepth)
      refuse(where, "nested more than " + std::to_string(kMaxDepth) + " levels deep (counting $ref)");
    const int id = static_cast<int>(out_.nodes.size());
    Node& n = out_.nodes.emplace_back();
    ids_.emplace(&s, id);
    n.where = where;
    if (s.is_bool()) {
      n.constant = s.get_bool();
    } else if (s.is_object()) {
      compile_keywords(n, s.get_object(), where, depth + 1);
    } else {
      refuse(where, "a schema must be an object or a boolean, got " + std::string(type_name(s)));
    }
    return id;
  }

 private:
  void compile_keywords(Node& n, const json::object& o, const std::string& where, int depth) {
    for (std::string_view key : {"$defs", "definitions"}) {  // compiled even if unused: errors show early
      const json::value* defs = o.if_contains(key);
      if (!defs) continue;
      if (!defs->is_object()) refuse(at(where, key), "must be an object of schemas");
      for (const auto& d : defs->get_object()) compile(d.value(), at(at(where, key), view(d.key())), depth);
    }
    if (const json::value* ref = o.if_contains("$ref")) {
      n.ref = compile_ref(*ref, at(where, "$ref"), depth);
      n.ref_only = out_.dialect.ref_overrides_siblings;
      if (n.ref_only) return;
    }
    compile_type(n, o, where);
    if (const json::value* e = o.if_contains("enum")) {
      if (!e->is_array()) refuse(at(where, "enum"), "must be an array");
      n.enum_values = &e->get_array();
    }
    n.const_value = o.if_contains("const");
    n.default_value = o.if_contains("default");
    compile_object_keywords(n, o, where, depth);
    compile_array_keywords(n, o, where, depth);
    compile_scalar_keywords(n, o, where);
    n.all_of = schema_list(o, "allOf", where, depth, false);
    n.any_of = schema_list(o, "anyOf", where, depth, false);
    n.one_of = schema_list(o, "oneOf", where, depth, false);
    if (const json::value* s = o.if_contains("not")) n.not_schema = compile(*s, at(where, "not"), depth);
  }

  int compile_ref(const json::value& ref, const std::string& where, int depth) {
    if (!ref.is_string()) refuse(where, "must be a string");
    std::string_view text = view(ref.get_string());
    if (!text.starts_with("#"))
      refuse(where, "only references within this schema (\"#...\") are supported, got " + quote(text));
    const std::string pointer = percent_decode(text.substr(1), where);
    if (!pointer.empty() && pointer[0] != '/') refuse(where, "anchors are not supported, got " + quote(text));
    const json::value* target = resolve_pointer(out_.root, pointer);
    if (!target) refuse(where, quote(text) + " does not point at anything in this schema");
    return compile(*target, "#" + pointer, depth + 1);
  }

  void compile_type(Node& n, const json::object& o, const std::string& where) {
    const json::value* type = o.if_contains("type");
    if (!type) return;
    auto bit = [&](const json::value& name) {
      if (name.is_string())
        for (const auto& t : kTypeNames)
          if (t.name == view(name.get_string())) return t.bit;
      refuse(at(where, "type"),
             "unknown type " + render(name) + " (expected object, array, string, number, integer, boolean or null)");
    };
    if (!type->is_array()) {
      n.types = bit(*type);
      return;
    }
    if (type->get_array().empty()) refuse(at(where, "type"), "must not be an empty array");
    for (const auto& t : type->get_array()) n.types |= bit(t);
  }

  void compile_object_keywords(Node& n, const json::object& o, const std::string& where, int depth) {
    if (const json::value* required = o.if_contains("required")) {
      if (!required->is_array()) refuse(at(where, "required"), "must be an array of strings");
      for (const auto& name : required->get_array()) {
        if (!name.is_string()) refuse(at(where, "required"), "must be an array of strings");
        n.required.push_back(view(name.get_string()));
      }
    }
    for (const auto& [name, schema] : schema_map(o, "properties", where)) {
      const int id = compile(*schema, at(at(where, "properties"), name), depth);
      n.properties.emplace_back(name, id);
      n.property_index.emplace(name, id);
    }
    for (const auto& [name, schema] : schema_map(o, "patternProperties", where)) {
      const std::string here = at(at(where, "patternProperties"), name);
      n.pattern_properties.push_back({name, compile_pattern(name, here), compile(*schema, here, depth)});
    }
    if (const json::value* extra = o.if_contains("additionalProperties"))
      n.additional_properties = compile(*extra, at(where, "additionalProperties"), depth);
  }

  void compile_array_keywords(Node& n, const json::object& o, const std::string& where, int depth) {
    const json::value* items = o.if_contains("items");
    if (out_.dialect.items_array_is_tuple && items && items->is_array()) {
      n.prefix_items = schema_list(o, "items", where, depth, true);
      if (const json::value* extra = o.if_contains("additionalItems")) {
        n.items = compile(*extra, at(where, "additionalItems"), depth);
        n.items_keyword = "additionalItems";
      }
    } else if (items) {
      if (items->is_array())
        refuse(at(where, "items"),
               "must be a schema; tuples use prefixItems in draft 2020-12 (or set \"$schema\" to draft-07)");
      n.items = compile(*items, at(where, "items"), depth);
    }
    if (!out_.dialect.items_array_is_tuple) n.prefix_items = schema_list(o, "prefixItems", where, depth, true);
    n.min_items = count_arg(o, "minItems", where);
    n.max_items = count_arg(o, "maxItems", where);
    if (const json::value* unique = o.if_contains("uniqueItems")) {
      if (!unique->is_bool()) refuse(at(where, "uniqueItems"), "must be true or false");
      n.unique_items = unique->get_bool();
    }
  }

  void compile_scalar_keywords(Node& n, const json::object& o, const std::string& where) {
    n.minimum = number_arg(o, "minimum", where);
    n.maximum = number_arg(o, "maximum", where);
    n.exclusive_minimum = number_arg(o, "exclusiveMinimum", where);
    n.exclusive_maximum = number_arg(o, "exclusiveMaximum", where);
    n.multiple_of = number_arg(o, "multipleOf", where);
    if (n.multiple_of && !(to_number(*n.multiple_of) > 0)) refuse(at(where, "multipleOf"), "must be greater than 0");
    n.min_length = count_arg(o, "minLength", where);
    n.max_length = count_arg(o, "maxLength", where);
    if (const json::value* pattern = o.if_contains("pattern")) {
      if (!pattern->is_string()) refuse(at(where, "pattern"), "must be a string");
      n.pattern_source = view(pattern->get_string());
      n.pattern = compile_pattern(n.pattern_source, at(where, "pattern"));
    }
  }

  std::vector<int> schema_list(const json::object& o, std::string_view key, const std::string& where, int depth,
                               bool may_be_empty) {
    const json::value* list = o.if_contains(key);
    if (!list) return {};
    const std::string here = at(where, key);
    if (!list->is_array() || (!may_be_empty && list->get_array().empty()))
      refuse(here, may_be_empty ? "must be an array of schemas" : "must be a non-empty array of schemas");
    std::vector<int> ids;
    for (std::size_t i = 0; i < list->get_array().size(); ++i)
      ids.push_back(compile(list->get_array()[i], at(here, std::to_string(i)), depth));
    return ids;
  }

  static std::vector<std::pair<std::string_view, const json::value*>> schema_map(const json::object& o,
                                                                                 std::string_view key,
                                                                                 const std::string& where) {
    const json::value* map = o.if_contains(key);
    if (!map) return {};
    if (!map->is_object()) refuse(at(where, key), "must be an object of schemas");
    std::vector<std::pair<std::string_view, const json::value*>> entries;
    for (const auto& m : map->get_object()) entries.emplace_back(view(m.key()), &m.value());
    return entries;
  }

  static const json::value* number_arg(const json::object& o, std::string_view key, const std::string& where) {
    const json::value* v = o.if_contains(key);
    if (v && !is_number(*v)) {
      refuse(at(where, key),
             v->is_bool() ? "must be a number (the draft-04 boolean form is not supported)" : "must be a number");
    }
    return v;
  }

  static std::optional<std::size_t> count_arg(const json::object& o, std::string_view key, const std::string& where) {
    const json::value* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (!is_number(*v) || !is_integral(*v) || to_number(*v) < 0)
      refuse(at(where, key), "must be a non-negative integer");
    const long double n = to_number(*v);
    return n >= static_cast<long double>(std::numeric_limits<std::size_t>::max())
               ? std::numeric_limits<std::size_t>::max()
               : static_cast<std::size_t>(n);
  }

  Compiled& out_;
  std::unordered_map<const json::value*, int> ids_;
};

// Subschemas applied to the same instance location as node n.
std::vector<int> in_place(const Node& n) {
  std::vector<int> ids;
  if (n.ref >= 0) ids.push_back(n.ref);
  ids.insert(ids.end(), n.all_of.begin(), n.all_of.end());
  ids.insert(ids.end(), n.any_of.begin(), n.any_of.end());
  ids.insert(ids.end(), n.one_of.begin(), n.one_of.end());
  if (n.not_schema >= 0) ids.push_back(n.not_schema);
  return ids;
}

// Refuses a cycle of $ref/allOf/anyOf/oneOf/not that never steps into a member
// or an item ({"$ref": "#"}): validating it would never end. Iterative DFS.
void refuse_cycles(const Compiled& s) {
  enum State : char { kNew, kOnPath, kDone };
  std::vector<State> state(s.nodes.size(), kNew);
  struct Frame {
    int id;
    std::vector<int> next;
    std::size_t pos = 0;
  };
  for (int start = 0; start < static_cast<int>(s.nodes.size()); ++start) {
    if (state[start] != kNew) continue;
    std::vector<Frame> stack{{start, in_place(s.nodes[start])}};
    state[start] = kOnPath;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.pos == top.next.size()) {
        state[top.id] = kDone;
        stack.pop_back();
        continue;
      }
      const int next = top.next[top.pos++];
      if (state[next] == kOnPath)
        refuse(s.nodes[next].where, "$ref cycle that never descends into the instance (validation would not end)");
      if (state[next] == kNew) {
        state[next] = kOnPath;
        stack.push_back({next, in_place(s.nodes[next])});
      }
    }
  }
}

// ---------------------------------------------------------------------------
// validate()

// Appends a JSON Pointer token to a path for the life of the object.
class PathSegment {
 public:
  PathSegment(std::string& path, std::string_view key) : path_(path), size_(path.size()) {
    append_pointer_token(path, key);
  }
  PathSegment(std::string& path, std::size_t index) : path_(path), size_(path.size()) {
    path += '/';
    path += std::to_string(index);
  }
  ~PathSegment() { path_.resize(size_); }
  PathSegment(const PathSegment&) = delete;
  PathSegment& operator=(const PathSegment&) = delete;

 private:
  std::string& path_;
  std::size_t size_;
};

std::string type_message(unsigned types, const json::value& v) {
  if (types & kNumber) types &= ~kInteger;
  std::vector<std::string_view> phrases;
  for (const auto& t : kTypeNames)
    if (types & t.bit) phrases.push_back(t.phrase);
  std::string text = "must be ";
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    if (i > 0) text += i + 1 == phrases.size() ? " or " : ", ";
    text += phrases[i];
  }
  return text + ", got " + std::string(type_name(v));
}

std::string list_values(const json::array& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size() && i < kMaxListed; ++i) text += (i ? ", " : "") + render(values[i]);
  if (values.size() > kMaxListed) text += ", ... (" + std::to_string(values.size() - kMaxListed) + " more)";
  return text;
}

// Walks the node graph alongside the instance, recording up to `limit`
// violations and stopping there. The top-level Validator records up to
// kMaxViolations; the ones it starts for anyOf/oneOf/not branches stop at the
// first (limit 1) and only say whether the branch matched and why not.
class Validator {
 public:
  struct Budget {
    std::uint64_t steps_left;
    bool exhausted = false;
  };

  Validator(const Compiled& schema, Budget& budget, std::string path, int depth, std::size_t limit)
      : schema_(schema), budget_(budget), path_(std::move(path)), depth_(depth), limit_(limit) {}

  // Whether v is valid against node id; violations go to found().
  bool check(int id, const json::value& v) {
    const Node& n = schema_.nodes[id];
    if (n.constant) return *n.constant || fail("false", "not allowed (schema is false)");
    if (budget_.steps_left == 0) {
      budget_.exhausted = true;
      return false;
    }
    --budget_.steps_left;
    if (depth_ >= kMaxDepth)
      return fail("depth", "nested too deeply to validate (more than " + std::to_string(kMaxDepth) + " levels)");
    ++depth_;
    const bool ok = check_keywords(n, v);
    --depth_;
    return ok;
  }

  std::vector<SchemaViolation>& found() { return found_; }

 private:
  bool full() const { return found_.size() >= limit_ || budget_.exhausted; }

  bool fail(std::string_view keyword, const std::string& text) {
    if (found_.size() < limit_)
      found_.push_back({path_, std::string(keyword), (path_.empty() ? "(root)" : path_) + ": " + text});
    return false;
  }

  // A wrong type is reported alone: the other keywords would only repeat it.
  bool check_keywords(const Node& n, const json::value& v) {
    if (n.ref_only) return check(n.ref, v);
    if (n.types && !(n.types & type_bits(v))) return fail("type", type_message(n.types, v));
    bool ok = true;
    if (n.enum_values && std::none_of(n.enum_values->begin(), n.enum_values->end(),
                                      [&](const json::value& e) { return json_equal(e, v); }))
      ok = fail("enum", "must be one of " + list_values(*n.enum_values));
    if (n.const_value && !json_equal(*n.const_value, v))
      ok = fail("const", "must be equal to " + render(*n.const_value));
    switch (v.kind()) {
      case json::kind::object:
        ok = check_object(n, v.get_object()) && ok;
        break;
      case json::kind::array:
        ok = check_array(n, v.get_array()) && ok;
        break;
      case json::kind::string:
        ok = check_string(n, view(v.get_string())) && ok;
        break;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        ok = check_number(n, v) && ok;
        break;
      default:
        break;
    }
    if (!ok && full()) return false;
    return check_applicators(n, v) && ok;
  }

  bool check_object(const Node& n, const json::object& o) {
    bool ok = true;
    for (std::string_view name : n.required)
      if (!o.contains(name)) ok = fail("required", "missing required property " + quote(name));
    if (n.properties.empty() && n.pattern_properties.empty() && n.additional_properties < 0) return ok;
    for (const auto& member : o) {
      if (!ok && full()) return false;
      const std::string_view key = view(member.key());
      PathSegment segment(path_, key);
      bool declared = false;
      if (auto it = n.property_index.find(key); it != n.property_index.end()) {
        declared = true;
        ok = check(it->second, member.value()) && ok;
      }
      for (const auto& p : n.pattern_properties) {
        if (!RE2::PartialMatch(re2::StringPiece(key.data(), key.size()), *p.re)) continue;
        declared = true;
        ok = check(p.node, member.value()) && ok;
      }
      if (!declared && n.additional_properties >= 0)
        ok = check_extra(n.additional_properties, member.value(), "additionalProperties", "property not allowed") && ok;
    }
    return ok;
  }

  bool check_array(const Node& n, const json::array& a) {
    bool ok = true;
    if (n.min_items && a.size() < *n.min_items)
      ok =
          fail("minItems", "must have at least " + counted(*n.min_items, "item") + ", got " + std::to_string(a.size()));
    if (n.max_items && a.size() > *n.max_items)
      ok = fail("maxItems", "must have at most " + counted(*n.max_items, "item") + ", got " + std::to_string(a.size()));
    if (n.unique_items) {
      if (auto dup = find_duplicate(a))
        ok = fail("uniqueItems", "must not contain duplicates, items " + std::to_string(dup->first) + " and " +
                                     std::to_string(dup->second) + " are equal");
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!ok && full()) return false;
      const bool in_prefix = i < n.prefix_items.size();
      const int id = in_prefix ? n.prefix_items[i] : n.items;
      if (id < 0) break;
      PathSegment segment(path_, i);
      ok = (in_prefix ? check(id, a[i]) : check_extra(id, a[i], n.items_keyword, "item not allowed")) && ok;
    }
    return ok;
  }

  bool check_string(const Node& n, std::string_view s) {
    bool ok = true;
    if (n.min_length || n.max_length) {
      const std::size_t length = code_points(s);
      if (n.min_length && length < *n.min_length)
        ok = fail("minLength",
                  "must have at least " + counted(*n.min_length, "character") + ", got " + std::to_string(length));
      if (n.max_length && length > *n.max_length)
        ok = fail("maxLength",
                  "must have at most " + counted(*n.max_length, "character") + ", got " + std::to_string(length));
    }
    if (n.pattern && !RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *n.pattern))
      ok = fail("pattern", "must match the pattern \"" + std::string(n.pattern_source) + "\"");
    return ok;
  }

  bool check_number(const Node& n, const json::value& v) {
    struct Bound {
      const json::value* limit;
      std::string_view keyword, relation;
      bool (*holds)(long double, long double);
    };
    const Bound bounds[] = {
        {n.minimum, "minimum", ">=", [](long double x, long double b) { return x >= b; }},
        {n.maximum, "maximum", "<=", [](long double x, long double b) { return x <= b; }},
        {n.exclusive_minimum, "exclusiveMinimum", ">", [](long double x, long double b) { return x > b; }},
        {n.exclusive_maximum, "exclusiveMaximum", "<", [](long double x, long double b) { return x < b; }},
    };
    bool ok = true;
    const long double x = to_number(v);
    for (const auto& b : bounds)
      if (b.limit && !b.holds(x, to_number(*b.limit)))
        ok = fail(b.keyword, "must be " + std::string(b.relation) + " " + number_text(*b.limit));
    if (n.multiple_of && !is_multiple_of(v, *n.multiple_of))
      ok = fail("multipleOf", "must be a multiple of " + number_text(*n.multiple_of));
    return ok;
  }

  bool check_applicators(const Node& n, const json::value& v) {
    bool ok = true;
    if (n.ref >= 0) ok = check(n.ref, v);
    for (int id : n.all_of) {
      if (!ok && full()) return false;
      ok = check(id, v) && ok;
    }
    if (!n.any_of.empty()) ok = check_any_of(n.any_of, v) && ok;
    if (!n.one_of.empty()) ok = check_one_of(n.one_of, v) && ok;
    if (n.not_schema >= 0 && branch(n.not_schema, v).matched) ok = fail("not", "must not match the schema in not");
    return ok;
  }

  struct Branch {
    bool matched;
    std::string reason;  // the branch's first violation when it did not match
  };

  Branch branch(int id, const json::value& v) {
    Validator sub(schema_, budget_, path_, depth_, 1);
    if (sub.check(id, v)) return {true, {}};
    return {false, sub.found_.empty() ? "too complex to validate" : std::move(sub.found_[0].message)};
  }

  // " ([0] /a: must be a string, got number; [1] ...)", from the top-level
  // validator only: explanations inside explanations would not help.
  std::string reasons(const std::vector<std::pair<std::size_t, std::string>>& failed) const {
    if (limit_ == 1 || failed.empty()) return {};
    std::string text = " (";
    for (std::size_t i = 0; i < failed.size() && i < kMaxBranchReasons; ++i)
      text += (i ? "; [" : "[") + std::to_string(failed[i].first) + "] " + failed[i].second;
    return text + (failed.size() > kMaxBranchReasons ? "; ...)" : ")");
  }

  bool check_any_of(const std::vector<int>& ids, const json::value& v) {
    std::vector<std::pair<std::size_t, std::string>> failed;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      Branch b = branch(ids[i], v);
      if (b.matched) return true;
      failed.emplace_back(i, std::move(b.reason));
    }
    return fail("anyOf", "must match at least one schema in anyOf" + reasons(failed));
  }

  bool check_one_of(const std::vector<int>& ids, const json::value& v) {
    std::vector<std::size_t> matched;
    std::vector<std::pair<std::size_t, std::string>> failed;
    for (std::size_t i = 0; i < ids.size() && matched.size() < 2; ++i) {
      Branch b = branch(ids[i], v);
      if (b.matched)
        matched.push_back(i);
      else
        failed.emplace_back(i, std::move(b.reason));
    }
    if (matched.size() == 1) return true;
    if (matched.empty()) return fail("oneOf", "must match exactly one schema in oneOf, matches none" + reasons(failed));
    return fail("oneOf", "must match exactly one schema in oneOf, matches " + std::to_string(matched[0]) + " and " +
                             std::to_string(matched[1]));
  }

  // Members and items not declared elsewhere; a false schema there gets a message naming the keyword.
  bool check_extra(int id, const json::value& v, std::string_view keyword, std::string_view what) {
    if (schema_.nodes[id].constant == false)
      return fail(keyword, std::string(what) + " (" + std::string(keyword) + " is false)");
    return check(id, v);
  }

  const Compiled& schema_;
  Budget& budget_;
  std::string path_;
  int depth_;
  std::size_t limit_;
  std::vector<SchemaViolation> found_;
};

// ---------------------------------------------------------------------------
// with_defaults()

// The default of node id, following $refs that have none of their own.
const json::value* default_of(const Compiled& s, int id) {
  for (int hops = 0; id >= 0 && hops < kMaxDepth; ++hops) {
    if (s.nodes[id].default_value) return s.nodes[id].default_value;
    id = s.nodes[id].ref;
  }
  return nullptr;
}

void fill_defaults(const Compiled& s, int id, json::value& v, int depth) {
  if (depth >= kMaxDepth || !v.is_object()) return;
  const Node& n = s.nodes[id];
  json::object& o = v.get_object();
  for (const auto& [name, child] : n.properties) {
    json::value* member = o.if_contains(name);
    if (!member) {
      const json::value* fallback = default_of(s, child);
      if (!fallback) continue;
      member = &o.emplace(name, *fallback).first->value();
    }
    fill_defaults(s, child, *member, depth + 1);
  }
  if (n.ref >= 0) fill_defaults(s, n.ref, v, depth + 1);
}

}  // namespace

// ---------------------------------------------------------------------------

struct JsonSchema::Impl {
  Compiled schema;
};

JsonSchema::JsonSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;
JsonSchema::~JsonSchema() = default;

Result<JsonSchema> JsonSchema::compile(const json::value& schema) {
  if (shape(schema).depth > kMaxSchemaNesting) {  // checked first: copying a value recurses
    return make_error(ErrorKind::invalid_argument,
                      "invalid schema at #: nested more than " + std::to_string(kMaxSchemaNesting) + " levels deep");
  }
  auto impl = std::make_unique<Impl>();
  Compiled& compiled = impl->schema;
  compiled.root = schema;
  compiled.dialect = dialect_of(schema);
  try {
    Compiler(compiled).compile(compiled.root, "#", 0);
    refuse_cycles(compiled);
  } catch (const SchemaError& e) {
    return make_error(ErrorKind::invalid_argument, e.message);
  }
  return JsonSchema(std::move(impl));
}

std::vector<SchemaViolation> JsonSchema::validate(const json::value& instance) const {
  // Work proportional to the instance: a schema whose $refs fan out
  // exponentially runs out of steps instead of running for ever.
  const std::uint64_t steps = kBaseSteps + kStepsPerValue * shape(instance).values;
  Validator::Budget budget{steps};
  Validator validator(impl_->schema, budget, "", 0, kMaxViolations);
  validator.check(0, instance);
  if (budget.exhausted) {
    return {
        {"", "complexity", "(root): too complex to validate (more than " + std::to_string(steps) + " schema checks)"}};
  }
  return std::move(validator.found());
}

json::value JsonSchema::with_defaults(json::value instance) const {
  fill_defaults(impl_->schema, 0, instance, 0);
  return instance;
}

}  // namespace devagent::tools
