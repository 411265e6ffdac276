#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace devagent::metrics {
namespace {

TEST(Metrics, CountersAndGaugesExposeWithLabels) {
  Registry r;
  auto& c = r.counter("jobs_total", "Jobs done.", {"kind"});
  c.labels({"a"}).inc();
  c.labels({"a"}).inc(2);
  c.labels({"b"}).inc();
  r.gauge("queue_depth", "Queued.").labels({}).set(4);
  auto text = r.expose();
  EXPECT_NE(text.find("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("jobs_total{kind=\"a\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("jobs_total{kind=\"b\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE queue_depth gauge\nqueue_depth 4\n"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("latency_seconds", "Latency.", {"route"}, {0.1, 1, 10}).labels({"/x"});
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
  auto text = r.expose();
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"10\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_sum{route=\"/x\"} 55.65\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_count{route=\"/x\"} 5\n"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  r.counter("odd_total", "Odd.", {"v"}).labels({"a\"b\\c\nd"}).inc();
  EXPECT_NE(r.expose().find(R"(odd_total{v="a\"b\\c\nd"} 1)"), std::string::npos) << r.expose();
}

TEST(Metrics, WrongLabelCountIsAProgrammerError) {
  Registry r;
  auto& c = r.counter("x_total", "X.", {"a", "b"});
  EXPECT_THROW(c.labels({"only one"}), std::logic_error);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Registry r;
  auto& fam = r.counter("hits_total", "Hits.", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) fam.labels({std::to_string(i % 3)}).inc();
      (void)t;
    });
  }
  for (auto& t : threads) t.join();
  double total = 0;
  fam.for_each([&](const std::vector<std::string>&, const Counter& c) { total += c.value(); });
  EXPECT_EQ(total, 40000);
}

TEST(Metrics, ProcessMetricsReadRealValues) {
  Registry r;
  register_process_metrics(r, "1.2.3", "abc");
  auto text = r.expose();
  EXPECT_NE(text.find("devagent_build_info{version=\"1.2.3\",commit=\"abc\"} 1"), std::string::npos);
  auto pos = text.find("\nprocess_resident_memory_bytes ");
  ASSERT_NE(pos, std::string::npos);
  double rss = std::stod(text.substr(pos + 31));
  EXPECT_GT(rss, 1e5);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

}  // namespace
}  // namespace devagent::metrics
