#include "core/log.h"

#include "core/log_context.h"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <utility>
#include <unistd.h>

namespace devagent::log {
namespace {

std::atomic<Level> g_level{Level::info};
thread_local std::string t_request_id;  // log_context.h
std::atomic<Format> g_format{Format::json};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;

std::string_view level_name(Level l) {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void emit(std::string line) {
  std::lock_guard lock(g_sink_mutex);
  if (g_sink) {
    g_sink(line);
    return;
  }
  line.push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// The request id in scope, unless the line carries its own.
std::string_view scoped_request_id(const Field* fields, std::size_t count) {
  if (t_request_id.empty()) return {};
  for (std::size_t i = 0; i < count; ++i) {
    if (fields[i].key == "request_id") return {};
  }
  return t_request_id;
}

}  // namespace

const std::string& current_request_id() { return t_request_id; }

RequestScope::RequestScope(std::string id) : previous_(std::exchange(t_request_id, std::move(id))) {}

RequestScope::~RequestScope() { t_request_id = std::move(previous_); }

Level parse_level(std::string_view name) {
  if (name == "trace") return Level::trace;
  if (name == "debug") return Level::debug;
  if (name == "warn" || name == "warning") return Level::warn;
  if (name == "error") return Level::error;
  if (name == "off") return Level::off;
  return Level::info;
}

void configure(Level level, Format format) {
  g_level = level;
  g_format = format;
}

Format auto_format() { return ::isatty(STDERR_FILENO) ? Format::text : Format::json; }

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed) && level != Level::off; }

void write_fields(Level level, std::string_view msg, const Field* fields, std::size_t count) {
  if (!enabled(level)) return;
  if (g_format.load(std::memory_order_relaxed) == Format::json) {
    boost::json::object o;
    o["time"] = timestamp();
    o["level"] = level_name(level);
    o["msg"] = msg;
    if (auto id = scoped_request_id(fields, count); !id.empty()) o["request_id"] = id;
    for (std::size_t i = 0; i < count; ++i) o[fields[i].key] = fields[i].value;
    emit(boost::json::serialize(o));
    return;
  }
  std::string line = timestamp();
  std::string lvl(level_name(level));
  for (auto& c : lvl) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  line += " " + lvl + std::string(6 - std::min<size_t>(lvl.size(), 5), ' ');
  auto append_clean = [&line](std::string_view text) {
    for (char c : text) {
      if (c == '\n') line += "\\n";
      else if (c == '\r') line += "\\r";
      else line += c;
    }
  };
  append_clean(msg);
  if (auto id = scoped_request_id(fields, count); !id.empty()) {
    line += " request_id=";
    append_clean(id);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& f = fields[i];
    line += " ";
    line += f.key;
    line += "=";
    append_clean(f.value.is_string() ? std::string(f.value.get_string()) : boost::json::serialize(f.value));
  }
  emit(std::move(line));
}

void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
}

}  // namespace devagent::log
