#include "http/sse.h"

namespace devagent::http {
namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  for (char c : value) {
    if (c != '\n' && c != '\r') out += c;
  }
  out += '\n';
}

}  // namespace

std::string encode_sse(const SseEvent& e) {
  std::string out;
  out.reserve(e.data.size() + e.event.size() + e.id.size() + 32);
  if (!e.event.empty()) append_field(out, "event", e.event);
  if (!e.id.empty()) append_field(out, "id", e.id);
  if (e.retry_ms) out += "retry: " + std::to_string(*e.retry_ms) + "\n";
  std::string_view data = e.data;
  size_t start = 0;
  for (;;) {
    size_t nl = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
    if (data[nl] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += '\n';
  return out;
}

std::string encode_sse_comment(std::string_view text) {
  std::string out = ": ";
  for (char c : text) {
    if (c != '\n' && c != '\r') out += c;
  }
  return out + "\n\n";
}

Result<> SseParser::feed(std::string_view bytes, const Callback& fn) {
  if (!started_) {
    // A UTF-8 byte order mark at the very start is ignored, also when the
    // first reads cut it in pieces.
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    while (!bytes.empty() && bom_matched_ < kBom.size() && bytes[0] == kBom[bom_matched_]) {
      ++bom_matched_;
      bytes.remove_prefix(1);
    }
    if (bom_matched_ < kBom.size()) {
      if (bytes.empty()) return {};  // still maybe a BOM: wait for the next bytes
      pending_.append(kBom.substr(0, bom_matched_));  // not a BOM: those bytes are text
    }
    started_ = true;
  }
  size_t i = 0;
  if (skip_lf_ && !bytes.empty()) {
    if (bytes[0] == '\n') i = 1;
    skip_lf_ = false;
  }
  while (i < bytes.size()) {
    size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      pending_.append(bytes.substr(i));
      if (pending_.size() + current_.data.size() > max_bytes_) {
        return make_error(ErrorKind::invalid_argument, "SSE event larger than " + std::to_string(max_bytes_) + " bytes");
      }
      break;
    }
    if (pending_.empty()) {
      line(bytes.substr(i, end - i), fn);
    } else {
      pending_.append(bytes.substr(i, end - i));
      std::string l;
      l.swap(pending_);
      line(l, fn);
    }
    if (current_.data.size() > max_bytes_) {
      return make_error(ErrorKind::invalid_argument, "SSE event larger than " + std::to_string(max_bytes_) + " bytes");
    }
    i = end + 1;
    if (bytes[end] == '\r') {
      if (i < bytes.size()) {
        if (bytes[i] == '\n') ++i;
      } else {
        skip_lf_ = true;
      }
    }
  }
  return {};
}

void SseParser::line(std::string_view l, const Callback& fn) {
  if (l.empty()) {
    if (has_data_) {
      if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
      SseEvent ev = std::move(current_);
      ev.id = last_id_;
      fn(std::move(ev));
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (l[0] == ':') return;
  auto colon = l.find(':');
  std::string_view field = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    current_.data.append(value);
    current_.data.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = std::string(value);
  } else if (field == "retry") {
    bool digits = !value.empty();
    for (char c : value) digits = digits && c >= '0' && c <= '9';
    if (digits && value.size() < 12) current_.retry_ms = std::stol(std::string(value));
  }
}

Result<> NdjsonParser::feed(std::string_view bytes, const Callback& fn) {
  size_t i = 0;
  while (i < bytes.size()) {
    size_t nl = bytes.find('\n', i);
    if (nl == std::string_view::npos) {
      pending_.append(bytes.substr(i));
      if (pending_.size() > max_bytes_) {
        return make_error(ErrorKind::invalid_argument, "NDJSON line longer than " + std::to_string(max_bytes_) + " bytes");
      }
      break;
    }
    std::string_view l;
    std::string joined;
    if (pending_.empty()) {
      l = bytes.substr(i, nl - i);
    } else {
      joined.swap(pending_);
      joined.append(bytes.substr(i, nl - i));
      l = joined;
    }
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!l.empty()) fn(l);
    i = nl + 1;
  }
  return {};
}

void NdjsonParser::finish(const Callback& fn) {
  std::string_view l = pending_;
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  if (!l.empty()) fn(l);
  pending_.clear();
}

}  // namespace devagent::http
