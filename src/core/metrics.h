// A small Prometheus metrics registry: counters, gauges and histograms with
// labels, exposed in the Prometheus text format (version 0.0.4).
//
// Metric objects live as long as the registry; references returned by
// Family::labels stay valid, so hot paths look a child up once and keep it.
// All updates are lock-free; looking up a child takes a shared lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace devagent::metrics {

class Counter {
 public:
  void inc(double v = 1.0) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1.0) { value_.fetch_add(v, std::memory_order_relaxed); }
  void dec(double v = 1.0) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then +Inf.
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<double> sum_{0.0};
  std::atomic<std::uint64_t> count_{0};
};

enum class Kind { counter, gauge, histogram };

// A named metric with label names; each distinct set of label values is a child.
template <class M>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> buckets = {})
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
        buckets_(std::move(buckets)) {}

  // The child for these label values (in label-name order), created on first use.
  M& labels(const std::vector<std::string>& values);
  M& labels(std::initializer_list<std::string_view> values) {
    return labels(std::vector<std::string>(values.begin(), values.end()));
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls fn(label_values, child) for every child, in label order.
  void for_each(const std::function<void(const std::vector<std::string>&, const M&)>& fn) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

class Registry {
 public:
  Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                               std::vector<double> buckets);
  // A gauge whose value is read at scrape time.
  void gauge_callback(const std::string& name, const std::string& help, std::function<double()> read,
                      Kind kind = Kind::gauge);

  // Runs before every exposition, to refresh gauges that are derived from
  // state elsewhere (circuit states, queue depths). Returns an id for
  // remove_collector, which an owner whose state the collector reads must
  // call before that state goes (it waits for a running exposition).
  std::uint64_t add_collector(std::function<void()> refresh);
  void remove_collector(std::uint64_t id);

  // The whole registry in the Prometheus text exposition format.
  std::string expose() const;

 private:
  struct Callback {
    std::string name, help;
    Kind kind;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
  std::vector<Callback> callbacks_;
  mutable std::mutex collectors_mutex_;  // held while collectors run, so removal waits for them
  std::map<std::uint64_t, std::function<void()>> collectors_;
  std::uint64_t next_collector_ = 1;
};

// The process-wide registry that /metrics exposes.
Registry& registry();

// Default latency buckets in seconds, from 0.5 ms to 60 s.
std::vector<double> latency_buckets();

// Registers process_resident_memory_bytes, process_cpu_seconds_total,
// process_open_fds, process_start_time_seconds and devagent_build_info.
void register_process_metrics(Registry& r, const std::string& version, const std::string& commit);

}  // namespace devagent::metrics
