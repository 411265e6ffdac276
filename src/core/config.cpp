#include "core/config.h"

#include "core/text.h"

#include <boost/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace devagent::config {
namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) pos = s.size();
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  return out;
}

bool valid_name_segment(std::string_view seg) {
  if (seg.empty() || seg.size() > 64) return false;
  return std::all_of(seg.begin(), seg.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_' || c == '-';
  });
}

// Finds the schema entry for a concrete key name, wildcards included.
const KeySpec* find_spec(std::string_view key) {
  auto segments = split(key, '.');
  for (const auto& spec : schema()) {
    auto pattern = split(spec.name, '.');
    if (pattern.size() != segments.size()) continue;
    bool match = true;
    for (size_t i = 0; i < pattern.size() && match; ++i) {
      if (pattern[i] == "*") {
        match = valid_name_segment(segments[i]);
      } else {
        match = pattern[i] == segments[i];
      }
    }
    if (match) return &spec;
  }
  return nullptr;
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::string: return "string";
    case Type::integer: return "integer";
    case Type::boolean: return "boolean";
    case Type::duration: return "duration";
    case Type::size: return "size";
    case Type::list: return "list";
  }
  return "value";
}

Result<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto t = trim(text);
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{} || ptr != t.data() + t.size() || t.empty()) {
    return make_error(ErrorKind::invalid_argument, "expected an integer, got '" + std::string(text) + "'");
  }
  return v;
}

// Splits "10s" into 10 and "s"; accepts decimals like "1.5s".
bool number_and_unit(std::string_view text, double& number, std::string& unit) {
  auto t = trim(text);
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  if (i == 0) return false;
  try {
    size_t used = 0;
    number = std::stod(t.substr(0, i), &used);
    if (used != i) return false;
  } catch (...) {
    return false;
  }
  unit = ascii_lower(trim(t.substr(i)));
  return true;
}

// Validates `raw` against `spec`; on success fills the normalised text, the
// number (integer, boolean, duration in ms, size in bytes) and list items.
struct Parsed {
  std::string text;
  std::int64_t number = 0;
  std::vector<std::string> items;
};

Result<Parsed> parse_value(const KeySpec& spec, std::string_view raw) {
  Parsed p;
  switch (spec.type) {
    case Type::string: {
      p.text = std::string(raw);
      if (!spec.choices.empty()) {
        auto v = ascii_lower(trim(raw));
        if (std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
          std::string allowed;
          for (const auto& c : spec.choices) allowed += (allowed.empty() ? "" : ", ") + c;
          return make_error(ErrorKind::config, "must be one of " + allowed + ", got '" + std::string(raw) + "'");
        }
        p.text = v;
      }
      break;
    }
    case Type::integer: {
      auto v = parse_int(raw);
      if (!v) return make_error(ErrorKind::config, v.error().message);
      p.number = *v;
      p.text = std::to_string(*v);
      break;
    }
    case Type::boolean: {
      auto v = ascii_lower(trim(raw));
      if (v == "true" || v == "1" || v == "yes" || v == "on") {
        p.number = 1;
      } else if (v == "false" || v == "0" || v == "no" || v == "off") {
        p.number = 0;
      } else {
        return make_error(ErrorKind::config, "expected true or false, got '" + std::string(raw) + "'");
      }
      p.text = p.number ? "true" : "false";
      break;
    }
    case Type::duration: {
      auto v = parse_duration(raw);
      if (!v) return make_error(ErrorKind::config, v.error().message);
      p.number = v->count();
      p.text = trim(raw);
      break;
    }
    case Type::size: {
      auto v = parse_size(raw);
      if (!v) return make_error(ErrorKind::config, v.error().message);
      if (*v > static_cast<std::uint64_t>(INT64_MAX)) return make_error(ErrorKind::config, "size too large");
      p.number = static_cast<std::int64_t>(*v);
      p.text = trim(raw);
      break;
    }
    case Type::list: {
      auto t = trim(raw);
      if (!t.empty()) {
        for (auto& item : split(t, ',')) {
          auto it = trim(item);
          if (!it.empty()) p.items.push_back(it);
        }
      }
      for (const auto& it : p.items) p.text += (p.text.empty() ? "" : ",") + it;
      break;
    }
  }
  if (spec.type == Type::integer || spec.type == Type::duration || spec.type == Type::size) {
    if (p.number < spec.min || p.number > spec.max) {
      std::string unit = spec.type == Type::duration ? " ms" : spec.type == Type::size ? " bytes" : "";
      return make_error(ErrorKind::config, "must be between " + std::to_string(spec.min) + unit + " and " +
                                               std::to_string(spec.max) + unit + ", got '" + std::string(raw) + "'");
    }
  }
  if (spec.check) {
    auto reason = spec.check(p.text);
    if (!reason.empty()) return make_error(ErrorKind::config, reason);
  }
  return p;
}

// Flattens a TOML table into dotted keys with textual values.
Result<> flatten_toml(const toml::table& table, const std::string& prefix,
                      std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      auto r = flatten_toml(*sub, key, out);
      if (!r) return r;
      continue;
    }
    if (const auto* arr = node.as_array()) {
      std::string joined;
      for (const auto& el : *arr) {
        std::string item;
        if (auto s = el.value<std::string>()) {
          item = *s;
        } else if (auto i = el.value<std::int64_t>()) {
          item = std::to_string(*i);
        } else {
          return make_error(ErrorKind::config, key + ": list items must be strings or integers");
        }
        if (item.find(',') != std::string::npos) {
          return make_error(ErrorKind::config, key + ": list items may not contain ','");
        }
        joined += (joined.empty() ? "" : ",") + item;
      }
      out.emplace_back(key, joined);
      continue;
    }
    if (auto s = node.value_exact<std::string>()) {
      out.emplace_back(key, *s);
    } else if (auto i = node.value_exact<std::int64_t>()) {
      out.emplace_back(key, std::to_string(*i));
    } else if (auto b = node.value_exact<bool>()) {
      out.emplace_back(key, *b ? "true" : "false");
    } else if (auto d = node.value_exact<double>()) {
      std::ostringstream os;
      os << *d;
      out.emplace_back(key, os.str());
    } else {
      return make_error(ErrorKind::config, key + ": unsupported value type (use strings, numbers, booleans, lists)");
    }
  }
  return {};
}

Result<> flatten_json(const boost::json::object& obj, const std::string& prefix,
                      std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& kv : obj) {
    std::string key = prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
    const auto& v = kv.value();
    if (v.is_object()) {
      auto r = flatten_json(v.get_object(), key, out);
      if (!r) return r;
    } else if (v.is_array()) {
      std::string joined;
      for (const auto& el : v.get_array()) {
        std::string item;
        if (el.is_string()) {
          item = std::string(el.get_string());
        } else if (el.is_int64()) {
          item = std::to_string(el.get_int64());
        } else {
          return make_error(ErrorKind::config, key + ": list items must be strings or integers");
        }
        if (item.find(',') != std::string::npos) {
          return make_error(ErrorKind::config, key + ": list items may not contain ','");
        }
        joined += (joined.empty() ? "" : ",") + item;
      }
      out.emplace_back(key, joined);
    } else if (v.is_string()) {
      out.emplace_back(key, std::string(v.get_string()));
    } else if (v.is_bool()) {
      out.emplace_back(key, v.get_bool() ? "true" : "false");
    } else if (v.is_int64() || v.is_uint64() || v.is_double()) {
      out.emplace_back(key, boost::json::serialize(v));
    } else {
      return make_error(ErrorKind::config, key + ": null is not a value");
    }
  }
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::config, "cannot read config file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 4 * 1024 * 1024) return make_error(ErrorKind::config, "config file " + path + " is larger than 4 MiB");
  std::vector<std::pair<std::string, std::string>> out;
  bool json = path.size() >= 5 && ascii_lower(path.substr(path.size() - 5)) == ".json";
  if (json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec) return make_error(ErrorKind::config, "config file " + path + ": invalid JSON: " + ec.message());
    if (!v.is_object()) return make_error(ErrorKind::config, "config file " + path + ": top level must be an object");
    auto r = flatten_json(v.get_object(), "", out);
    if (!r) return make_error(ErrorKind::config, "config file " + path + ": " + r.error().message);
    return out;
  }
  try {
    auto table = toml::parse(text, std::string_view(path));
    auto r = flatten_toml(table, "", out);
    if (!r) return make_error(ErrorKind::config, "config file " + path + ": " + r.error().message);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "config file " << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    return make_error(ErrorKind::config, os.str());
  }
  return out;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

// DEVAGENT_SERVER_LISTEN -> server.listen; wildcard sections resolve by the
// known suffix: DEVAGENT_PROVIDERS_MY_LOCAL_BASE_URL -> providers.my_local.base_url.
std::optional<std::string> key_for_variable(std::string_view var) {
  constexpr std::string_view prefix = "DEVAGENT_";
  if (var.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string rest = ascii_lower(var.substr(prefix.size()));
  // Several wildcard keys can match (PROVIDERS_A_EMBEDDING_MODEL ends in both
  // _model and _embedding_model): the longest known suffix wins, so a name
  // never swallows part of a key.
  std::optional<std::string> best;
  std::size_t best_suffix = 0;
  for (const auto& spec : schema()) {
    auto star = spec.name.find('*');
    std::string flat = spec.name;
    std::replace(flat.begin(), flat.end(), '.', '_');
    if (star == std::string::npos) {
      if (flat == rest) return spec.name;
      continue;
    }
    std::string before = flat.substr(0, star);   // "providers_"
    std::string after = flat.substr(star + 1);   // "_base_url" or ""
    if (rest.size() <= before.size() + after.size()) continue;
    if (rest.compare(0, before.size(), before) != 0) continue;
    if (rest.compare(rest.size() - after.size(), after.size(), after) != 0) continue;
    std::string name = rest.substr(before.size(), rest.size() - before.size() - after.size());
    if (!valid_name_segment(name)) continue;
    if (best && after.size() <= best_suffix) continue;
    std::string key = spec.name;
    key.replace(key.find('*'), 1, name);
    best = key;
    best_suffix = after.size();
  }
  return best;
}

}  // namespace

std::string_view to_string(Source s) {
  switch (s) {
    case Source::default_value: return "default";
    case Source::file: return "file";
    case Source::environment: return "env";
    case Source::flag: return "flag";
  }
  return "default";
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double n = 0;
  std::string unit;
  if (!number_and_unit(text, n, unit)) {
    return make_error(ErrorKind::invalid_argument, "expected a duration like 250ms, 10s, 5m, got '" + std::string(text) + "'");
  }
  double ms = 0;
  if (unit.empty() || unit == "s" || unit == "sec") ms = n * 1000;
  else if (unit == "ms") ms = n;
  else if (unit == "m" || unit == "min") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return make_error(ErrorKind::invalid_argument, "unknown duration unit '" + unit + "' in '" + std::string(text) + "'");
  if (ms > 1e15) return make_error(ErrorKind::invalid_argument, "duration too large: '" + std::string(text) + "'");
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

Result<std::uint64_t> parse_size(std::string_view text) {
  double n = 0;
  std::string unit;
  if (!number_and_unit(text, n, unit)) {
    return make_error(ErrorKind::invalid_argument, "expected a size like 1MiB or 4096, got '" + std::string(text) + "'");
  }
  double mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kib") mult = 1024.0;
  else if (unit == "mib") mult = 1024.0 * 1024;
  else if (unit == "gib") mult = 1024.0 * 1024 * 1024;
  else if (unit == "kb" || unit == "k") mult = 1e3;
  else if (unit == "mb" || unit == "m") mult = 1e6;
  else if (unit == "gb" || unit == "g") mult = 1e9;
  else return make_error(ErrorKind::invalid_argument, "unknown size unit '" + unit + "' in '" + std::string(text) + "'");
  double bytes = n * mult;
  if (bytes > 9e18) return make_error(ErrorKind::invalid_argument, "size too large: '" + std::string(text) + "'");
  return static_cast<std::uint64_t>(bytes);
}

Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  auto bad = [&](std::string why) {
    return make_error(ErrorKind::invalid_argument, "expected host:port, got '" + std::string(text) + "' (" + why + ")");
  };
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return bad("bad IPv6 form");
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  auto p = parse_int(port);
  if (!p || *p < 0 || *p > 65535) return bad("port must be 0..65535");
  return std::pair{host, static_cast<std::uint16_t>(*p)};
}

Config Config::defaults() {
  Config c;
  for (const auto& spec : schema()) {
    if (spec.name.find('*') != std::string::npos) continue;
    auto r = c.set(spec.name, spec.default_value, Source::default_value);
    if (!r) throw std::logic_error("bad default for " + spec.name + ": " + r.error().message);
  }
  return c;
}

Result<> Config::set(std::string_view key, std::string_view value, Source source) {
  const KeySpec* spec = find_spec(key);
  if (!spec) return make_error(ErrorKind::config, "unknown key '" + std::string(key) + "'");
  if (value.size() > 64 * 1024) return make_error(ErrorKind::config, std::string(key) + ": value longer than 64 KiB");
  auto parsed = parse_value(*spec, value);
  if (!parsed) return make_error(ErrorKind::config, std::string(key) + ": " + parsed.error().message);
  Entry e;
  e.spec = spec;
  e.text = parsed->text;
  e.source = source;
  e.number = parsed->number;
  e.items = std::move(parsed->items);
  entries_.insert_or_assign(std::string(key), std::move(e));
  return {};
}

Result<> Config::apply(const boost::json::object& document, Source source) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (auto r = flatten_json(document, "", pairs); !r) return r;
  for (const auto& [k, v] : pairs) {
    if (auto r = set(k, v, source); !r) return r;
  }
  return {};
}

Result<Config> Config::load(const LoadOptions& options) {
  Config c = defaults();
  auto env = options.environment ? *options.environment : process_environment();

  std::optional<std::string> file = options.file;
  if (!file) {
    if (auto it = env.find("DEVAGENT_CONFIG"); it != env.end() && !it->second.empty()) file = it->second;
  }
  if (file) {
    auto pairs = read_file(*file);
    if (!pairs) return pairs.error();
    for (const auto& [k, v] : *pairs) {
      auto r = c.set(k, v, Source::file);
      if (!r) return make_error(ErrorKind::config, "config file " + *file + ": " + r.error().message);
    }
  }

  // Variables of other tools first, so DEVAGENT_* wins over them.
  for (const auto& alias : env_aliases()) {
    auto it = env.find(alias.variable);
    if (it == env.end() || it->second.empty()) continue;
    auto r = c.set(alias.key, it->second, Source::environment);
    if (!r) return make_error(ErrorKind::config, "environment " + alias.variable + ": " + r.error().message);
  }
  for (const auto& [var, value] : env) {
    if (var.rfind("DEVAGENT_", 0) != 0) continue;
    bool is_alias = std::any_of(env_aliases().begin(), env_aliases().end(),
                                [&var = var](const EnvAlias& a) { return a.variable == var; });
    if (var == "DEVAGENT_CONFIG" || is_alias) continue;
    auto key = key_for_variable(var);
    if (!key) return make_error(ErrorKind::config, "environment " + var + ": unknown configuration variable");
    auto r = c.set(*key, value, Source::environment);
    if (!r) return make_error(ErrorKind::config, "environment " + var + ": " + r.error().message);
  }

  for (const auto& [k, v] : options.overrides) {
    auto r = c.set(k, v, Source::flag);
    if (!r) return make_error(ErrorKind::config, "flag: " + r.error().message);
  }
  return c;
}

const Config::Entry& Config::entry(std::string_view key, Type type) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    const KeySpec* spec = find_spec(key);
    if (!spec) throw std::logic_error("config: no such key " + std::string(key));
    // A wildcard key nobody set: its default.
    static thread_local Entry fallback;
    auto parsed = parse_value(*spec, spec->default_value);
    fallback = Entry{spec, parsed ? parsed->text : "", Source::default_value, parsed ? parsed->number : 0,
                     parsed ? parsed->items : std::vector<std::string>{}};
    if (spec->type != type) throw std::logic_error("config: wrong type for " + std::string(key));
    return fallback;
  }
  if (it->second.spec->type != type) {
    throw std::logic_error("config: " + std::string(key) + " is a " + std::string(type_name(it->second.spec->type)));
  }
  return it->second;
}

const std::string& Config::str(std::string_view key) const { return entry(key, Type::string).text; }
std::int64_t Config::integer(std::string_view key) const { return entry(key, Type::integer).number; }
bool Config::boolean(std::string_view key) const { return entry(key, Type::boolean).number != 0; }
std::chrono::milliseconds Config::duration(std::string_view key) const {
  return std::chrono::milliseconds(entry(key, Type::duration).number);
}
std::uint64_t Config::size(std::string_view key) const {
  return static_cast<std::uint64_t>(entry(key, Type::size).number);
}
std::vector<std::string> Config::list(std::string_view key) const { return entry(key, Type::list).items; }
bool Config::has(std::string_view key) const { return entries_.find(key) != entries_.end(); }
Source Config::source(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? Source::default_value : it->second.source;
}

std::vector<std::string> Config::names(std::string_view section) const {
  std::vector<std::string> out;
  std::string prefix = std::string(section) + ".";
  for (const auto& [k, e] : entries_) {
    if (k.rfind(prefix, 0) != 0) continue;
    auto pattern = e.spec->name;
    if (pattern.rfind(prefix + "*", 0) != 0) continue;
    auto rest = k.substr(prefix.size());
    auto name = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

boost::json::object Config::to_json() const {
  boost::json::object out;
  for (const auto& [k, e] : entries_) {
    boost::json::object item;
    bool redact = e.spec->secret && !e.text.empty();
    if (redact) {
      item["value"] = "***";
    } else {
      switch (e.spec->type) {
        case Type::integer: item["value"] = e.number; break;
        case Type::boolean: item["value"] = e.number != 0; break;
        case Type::list: {
          boost::json::array a;
          for (const auto& i : e.items) a.emplace_back(i);
          item["value"] = std::move(a);
          break;
        }
        default: item["value"] = e.text;
      }
    }
    item["source"] = to_string(e.source);
    out[k] = std::move(item);
  }
  return out;
}

std::string Config::to_text() const {
  std::ostringstream os;
  std::string section;
  for (const auto& [k, e] : entries_) {
    auto dot = k.rfind('.');
    std::string sec = dot == std::string::npos ? "" : k.substr(0, dot);
    std::string name = dot == std::string::npos ? k : k.substr(dot + 1);
    if (sec != section) {
      if (!section.empty()) os << "\n";
      os << "[" << sec << "]\n";
      section = sec;
    }
    std::string value;
    if (e.spec->secret && !e.text.empty()) {
      value = "\"***\"";
    } else if (e.spec->type == Type::integer || e.spec->type == Type::boolean) {
      value = e.text;
    } else if (e.spec->type == Type::list) {
      value = "[";
      for (size_t i = 0; i < e.items.size(); ++i) {
        value += (i ? ", " : "") + boost::json::serialize(boost::json::value(e.items[i]));
      }
      value += "]";
    } else {
      value = boost::json::serialize(boost::json::value(e.text));
    }
    os << name << " = " << value;
    if (e.source != Source::default_value) os << "  # from " << to_string(e.source);
    os << "\n";
  }
  return os.str();
}

}  // namespace devagent::config
