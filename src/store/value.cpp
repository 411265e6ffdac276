#include "store/store.h"

#include <cstring>

#include <charconv>
#include <cstdio>

namespace devagent::store {

std::int64_t Row::integer(size_t i) const {
  const auto& c = cells.at(i);
  if (auto* v = std::get_if<std::int64_t>(&c)) return *v;
  if (auto* d = std::get_if<double>(&c)) return static_cast<std::int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&c)) {
    std::int64_t v = 0;
    std::from_chars(s->data(), s->data() + s->size(), v);
    return v;
  }
  return 0;
}

double Row::real(size_t i) const {
  const auto& c = cells.at(i);
  if (auto* d = std::get_if<double>(&c)) return *d;
  if (auto* v = std::get_if<std::int64_t>(&c)) return static_cast<double>(*v);
  if (auto* s = std::get_if<std::string>(&c)) {
    try {
      return std::stod(*s);
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string Row::text(size_t i) const {
  const auto& c = cells.at(i);
  if (auto* s = std::get_if<std::string>(&c)) return *s;
  if (auto* v = std::get_if<std::int64_t>(&c)) return std::to_string(*v);
  if (auto* d = std::get_if<double>(&c)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  if (auto* b = std::get_if<Blob>(&c)) return b->bytes;
  return {};
}

const std::string& Row::blob(size_t i) const {
  static const std::string empty;
  const auto& c = cells.at(i);
  if (auto* b = std::get_if<Blob>(&c)) return b->bytes;
  if (auto* s = std::get_if<std::string>(&c)) return *s;
  return empty;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Blob float_blob(std::span<const float> v) {
  Blob b;
  b.bytes.resize(v.size() * sizeof(float));
  if (!v.empty()) std::memcpy(b.bytes.data(), v.data(), b.bytes.size());
  return b;
}

std::vector<float> floats_of(const std::string& bytes) {
  std::vector<float> v(bytes.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

}  // namespace devagent::store
