#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <unistd.h>

namespace devagent::metrics {
namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[40];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
  return std::string(buf, res.ptr);
}

std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ",";
    out += names[i] + "=\"" + escape_label(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ",";
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  return out + "}";
}

void header(std::ostringstream& os, const std::string& name, const std::string& help, std::string_view type) {
  os << "# HELP " << name << " " << escape_help(help) << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

template <class M>
M& Family<M>::labels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    throw std::logic_error("metric " + name_ + ": expected " + std::to_string(label_names_.size()) + " label values");
  }
  {
    std::shared_lock lock(mutex_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = children_[values];
  if (!slot) {
    if constexpr (std::is_same_v<M, Histogram>) {
      slot = std::make_unique<Histogram>(buckets_);
    } else {
      slot = std::make_unique<M>();
    }
  }
  return *slot;
}

template <class M>
void Family<M>::for_each(const std::function<void(const std::vector<std::string>&, const M&)>& fn) const {
  std::shared_lock lock(mutex_);
  for (const auto& [values, child] : children_) fn(values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[name];
  if (!slot) slot = std::make_unique<Family<Counter>>(name, help, std::move(labels));
  return *slot;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& slot = gauges_[name];
  if (!slot) slot = std::make_unique<Family<Gauge>>(name, help, std::move(labels));
  return *slot;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels, std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto& slot = histograms_[name];
  if (!slot) slot = std::make_unique<Family<Histogram>>(name, help, std::move(labels), std::move(buckets));
  return *slot;
}

void Registry::gauge_callback(const std::string& name, const std::string& help, std::function<double()> read,
                              Kind kind) {
  std::lock_guard lock(mutex_);
  for (auto& cb : callbacks_) {
    if (cb.name == name) {
      cb.read = std::move(read);
      return;
    }
  }
  callbacks_.push_back({name, help, kind, std::move(read)});
}

std::uint64_t Registry::add_collector(std::function<void()> refresh) {
  std::lock_guard lock(collectors_mutex_);
  auto id = next_collector_++;
  collectors_.emplace(id, std::move(refresh));
  return id;
}

void Registry::remove_collector(std::uint64_t id) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.erase(id);
}

std::string Registry::expose() const {
  {
    // Collectors run under their own lock (not mutex_, which they take to
    // set gauges): an owner removing its collector waits for them.
    std::lock_guard lock(collectors_mutex_);
    for (const auto& [id, refresh] : collectors_) refresh();
  }
  std::lock_guard lock(mutex_);
  std::ostringstream os;
  for (const auto& [name, fam] : counters_) {
    header(os, name, fam->help(), "counter");
    fam->for_each([&, &name = name, &fam = fam](const std::vector<std::string>& values, const Counter& c) {
      os << name << label_set(fam->label_names(), values) << " " << format_number(c.value()) << "\n";
    });
  }
  for (const auto& [name, fam] : gauges_) {
    header(os, name, fam->help(), "gauge");
    fam->for_each([&, &name = name, &fam = fam](const std::vector<std::string>& values, const Gauge& g) {
      os << name << label_set(fam->label_names(), values) << " " << format_number(g.value()) << "\n";
    });
  }
  for (const auto& [name, fam] : histograms_) {
    header(os, name, fam->help(), "histogram");
    fam->for_each([&, &name = name, &fam = fam](const std::vector<std::string>& values, const Histogram& h) {
      auto counts = h.cumulative_counts();
      const auto& bounds = h.bounds();
      for (size_t i = 0; i < bounds.size(); ++i) {
        os << name << "_bucket" << label_set(fam->label_names(), values, "le", format_number(bounds[i])) << " "
           << counts[i] << "\n";
      }
      os << name << "_bucket" << label_set(fam->label_names(), values, "le", "+Inf") << " " << counts.back() << "\n";
      os << name << "_sum" << label_set(fam->label_names(), values) << " " << format_number(h.sum()) << "\n";
      os << name << "_count" << label_set(fam->label_names(), values) << " " << h.count() << "\n";
    });
  }
  for (const auto& cb : callbacks_) {
    header(os, cb.name, cb.help, cb.kind == Kind::counter ? "counter" : "gauge");
    os << cb.name << " " << format_number(cb.read()) << "\n";
  }
  return os.str();
}

Registry& registry() {
  static Registry r;
  return r;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

void register_process_metrics(Registry& r, const std::string& version, const std::string& commit) {
  static const double start_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  r.gauge_callback("process_resident_memory_bytes", "Resident memory size in bytes.", [] {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  });
  r.gauge_callback(
      "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
      [] {
        rusage ru{};
        ::getrusage(RUSAGE_SELF, &ru);
        return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
      },
      Kind::counter);
  r.gauge_callback("process_open_fds", "Number of open file descriptors.", [] {
    double n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
      while (::readdir(d)) ++n;
      ::closedir(d);
      n -= 3;  // ".", ".." and the directory's own descriptor
    }
    return n;
  });
  r.gauge_callback("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                   [] { return start_time; });
  r.gauge("devagent_build_info", "devagent build information; the value is always 1.", {"version", "commit"})
      .labels({version, commit})
      .set(1);
}

}  // namespace devagent::metrics
