#include "llm/wire.h"

#include <boost/json.hpp>

#include <cctype>
#include <charconv>
#include <ctime>

namespace devagent::llm {

void ReplyAssembler::text(std::string_view piece) {
  if (piece.empty()) return;
  text_.append(piece);
  output_started_ = true;
  Delta d;
  d.kind = Delta::Kind::text;
  d.text = std::string(piece);
  sink_(d);
}

void ReplyAssembler::tool_call(int index, std::string_view id, std::string_view name,
                               std::string_view arguments_piece) {
  auto& call = calls_[index];
  if (!id.empty()) call.id = std::string(id);
  if (!name.empty()) call.name = std::string(name);
  call.arguments.append(arguments_piece);
  output_started_ = true;
  Delta d;
  d.kind = Delta::Kind::tool_call;
  d.tool_index = index;
  d.tool_id = std::string(id);
  d.tool_name = std::string(name);
  d.tool_arguments = std::string(arguments_piece);
  sink_(d);
}

void ReplyAssembler::finish(FinishReason reason) {
  finish_ = reason;
  finished_ = true;
  Delta d;
  d.kind = Delta::Kind::finish;
  d.finish = reason;
  sink_(d);
}

void ReplyAssembler::usage(const Usage& u) {
  usage_ = u;
  has_usage_ = true;
  Delta d;
  d.kind = Delta::Kind::usage;
  d.usage = u;
  sink_(d);
}

ChatResponse ReplyAssembler::response(const std::string& model) const {
  ChatResponse r;
  r.model = model;
  r.text = text_;
  for (const auto& [i, c] : calls_) r.tool_calls.push_back(c);
  r.finish = finish_;
  r.usage = usage_;
  return r;
}

std::int64_t estimate_tokens(std::string_view text) {
  return static_cast<std::int64_t>((text.size() + 3) / 4);
}

Usage estimate_usage(const ChatRequest& request, const ChatResponse& reply) {
  Usage u;
  u.estimated = true;
  std::size_t in = 0;
  for (const auto& m : request.messages) {
    in += m.content.size() + 4;  // role and framing
    for (const auto& c : m.tool_calls) in += c.name.size() + c.arguments.size();
  }
  for (const auto& t : request.tools) in += t.name.size() + t.description.size() + boost::json::serialize(t.parameters).size();
  u.input_tokens = static_cast<std::int64_t>((in + 3) / 4);
  std::size_t out = reply.text.size();
  for (const auto& c : reply.tool_calls) out += c.name.size() + c.arguments.size();
  u.output_tokens = static_cast<std::int64_t>((out + 3) / 4);
  return u;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    double secs = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec != std::errc{} || ptr != value.data() + value.size() || secs < 0 || secs > 86400 * 7) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(secs * 1000));
  }
  // HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT"
  std::tm tm{};
  std::string v(value);
  if (!strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::system_clock::now());
  return delta.count() > 0 ? delta : std::chrono::milliseconds(0);
}

bool mentions_context_length(std::string_view text) {
  std::string t(text);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* needle : {"context_length_exceeded", "context length", "context window", "prompt is too long",
                             "maximum context", "too many tokens", "input is too long", "exceeds the context"}) {
    if (t.find(needle) != std::string::npos) return true;
  }
  return false;
}

Error http_error(unsigned status, const http::ResponseHead& head, std::string_view vendor_type,
                 std::string_view vendor_message) {
  Error e;
  e.status = static_cast<int>(status);
  std::string detail = std::string(vendor_message.empty() ? "no details" : vendor_message);
  if (!vendor_type.empty()) detail = std::string(vendor_type) + ": " + detail;
  e.message = "HTTP " + std::to_string(status) + ": " + detail;
  std::string type(vendor_type);
  if (status == 401 || status == 403 || type == "authentication_error" || type == "permission_error") {
    e.kind = ErrorKind::auth;
  } else if (status == 429 || type == "rate_limit_error") {
    e.kind = ErrorKind::rate_limited;
  } else if (status == 529 || type == "overloaded_error") {
    e.kind = ErrorKind::overloaded;
  } else if (status == 408 || status == 504) {
    e.kind = ErrorKind::timeout;
  } else if (status >= 500) {
    e.kind = ErrorKind::server;
  } else if (mentions_context_length(type) || mentions_context_length(vendor_message)) {
    e.kind = ErrorKind::context_length;
  } else {
    e.kind = ErrorKind::bad_request;
  }
  if (auto ra = parse_retry_after(head.header("retry-after"))) e.retry_after = ra;
  return e;
}

Error transport_error(const devagent::Error& e) {
  Error out;
  out.message = e.message;
  switch (e.kind) {
    case devagent::ErrorKind::cancelled: out.kind = ErrorKind::cancelled; break;
    case devagent::ErrorKind::timeout: out.kind = ErrorKind::timeout; break;
    case devagent::ErrorKind::invalid_argument: out.kind = ErrorKind::bad_request; break;
    case devagent::ErrorKind::too_large: out.kind = ErrorKind::malformed; break;
    default: out.kind = ErrorKind::connection;
  }
  return out;
}

std::string join_url(std::string_view base, std::string_view path) {
  std::string b(base);
  while (!b.empty() && b.back() == '/') b.pop_back();
  std::string_view p = path;
  if (!p.empty() && p.front() != '/') return b + "/" + std::string(p);
  auto second = p.find('/', 1);
  std::string_view first = p.substr(0, second);  // "/v1"
  if (second != std::string_view::npos && b.size() >= first.size() &&
      b.compare(b.size() - first.size(), first.size(), first) == 0) {
    p.remove_prefix(first.size());
  }
  return b + std::string(p);
}

std::int64_t int_field(const boost::json::value* v) {
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return 0;
}

}  // namespace devagent::llm
