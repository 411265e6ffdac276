// Conversation memory: recall on the LoCoMo-style set of the tests
// (tests/memory/recall_set.h), and search latency on stores of N synthetic
// developer fragments (SQLite, a temporary directory).
//
// For each N: the first fragments go in through MemoryStore::add (its rate
// is printed), the rest as rows in batched transactions (the rate of a bulk
// import); then a fresh MemoryStore load()s them (index build time, RSS),
// and answers --queries searches with touch off and then on (p50, p99, mean).
// Goal (docs/benchmarks.md, "Memory"): p99 < 5 ms at 1M fragments.
//
//   memory_bench [--sizes=10000,100000,1000000] [--queries=1000] [--quick] [--no-recall] [--no-latency] [--bm25]
//   (--bm25: BM25 alone, search() against exhaustive scoring, on the same texts)
#include "bench_util.h"
#include "core/parallel.h"
#include "index/bm25.h"
#include "llm/hash_embedder.h"
#include "memory/entities.h"
#include "memory/memory.h"
#include "memory/recall_set.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <time.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace devagent;
using bench::Clock;
using bench::parse_sizes;
using bench::percentile;
using bench::seconds_since;
using bench::status_mib;
namespace fs = std::filesystem;

namespace {

// Resets VmHWM to the current RSS (Linux: "5" into clear_refs).
void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

// ---- synthetic developer text ----------------------------------------------

class TextGenerator {
 public:
  explicit TextGenerator(std::uint64_t seed) : rng_(seed) {}

  std::string fragment() {
    static const std::vector<std::string> templates = {
        "Our {env} database is {host}.",
        "The {service} service is owned by {person}.",
        "We use {package} for the {service} workers.",
        "{person} is on call for {service} this week.",
        "The flaky test is {symbol} in {file}.",
        "How do I fix the {error} in {file} of {repo}?",
        "Why does {symbol} in {file} return {number} instead of {number2}?",
        "Can you explain what {symbol} does in {repo}?",
        "The {service} API rate limit is {number} requests per minute.",
        "Releases of {repo} are cut every {weekday}.",
        "{service} runs with {small} replicas in {env}.",
        "The {service} service reads from the Kafka topic {topic}.",
        "Look at {file}: {symbol} calls {symbol2} for every request, which is slow.",
        "I renamed {symbol} to {symbol2} in {repo}.",
        "The build of {repo} takes {small} minutes on CI.",
        "Use {package} {version} in {service}; {version2} broke {symbol}.",
        "How do I write a {language} function that parses {thing}?",
        "In {language}, prefer {package} over hand-written {thing} parsing.",
        "The {env} cluster for {service} is {host} in {region}.",
        "{person} reviewed the change to {file} and asked for a test of {symbol}.",
        "Logs of {service} are kept for {small} days in {store}.",
        "What is the difference between {symbol} and {symbol2} in {repo}?",
        "The {thing} cache in {service} expires after {number} seconds.",
        "Alerts for {service} go to {channel}.",
        "Migrate {service} from {package} to {package2} before {weekday}.",
        "The crash in {symbol} happens when {thing} is empty; see {file} line {number}.",
        "{repo} depends on {package} {version} and {package2} {version2}.",
        "Secrets for {service} live in Vault under secret/data/{service}.",
        "Summary: discussed {thing} handling in {repo}, {person} will change {symbol} in {file}.",
        "The {env} endpoint of {service} is https://{service}.{env}.example.com/{thing}.",
    };
    return fill(templates[pick(templates.size())]);
  }

  std::string query() {
    static const std::vector<std::string> templates = {
        "which host runs the {env} database?",
        "who owns {service}?",
        "what runtime do the {service} workers use?",
        "who is on call for {service}?",
        "where is {symbol} defined?",
        "why is {file} failing in {repo}?",
        "what does {symbol} return?",
        "what is the rate limit of the {service} api?",
        "when are releases of {repo} cut?",
        "how many replicas does {service} run in {env}?",
        "which kafka topic does {service} consume?",
        "is {symbol2} slow?",
        "how long does the {repo} build take?",
        "which version of {package} does {service} use?",
        "how do I parse {thing} in {language}?",
        "where is the {env} cluster for {service}?",
        "how long are {service} logs kept?",
        "where do {service} alerts go?",
        "what did {person} say about {file}?",
        "what endpoint does {service} use in {env}?",
    };
    return fill(templates[pick(templates.size())]);
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <std::size_t N>
  const char* one(const char* const (&words)[N]) {
    return words[pick(N)];
  }

  std::string repo() {
    static const char* const owners[] = {"acme",      "tokio-rs",  "torvalds",   "facebook",  "google",
                                         "rust-lang", "python",    "kubernetes", "grafana",   "apache",
                                         "vercel",    "golang",    "nodejs",     "duckdb",    "redis",
                                         "neovim",    "hashicorp", "mozilla",    "microsoft", "openai"};
    static const char* const names[] = {"billing",  "ingest",    "search",   "gateway",   "auth",     "ui-kit",
                                        "deploy",   "analytics", "notifier", "scheduler", "payments", "ledger",
                                        "crawler",  "indexer",   "webapp",   "mobile",    "cli",      "docs",
                                        "infra",    "sdk",       "proxy",    "queue",     "reports",  "exporter",
                                        "importer", "cache",     "storage",  "metrics",   "alerts",   "audit"};
    return std::string(one(owners)) + "/" + one(names) + (pick(3) == 0 ? "-" + std::to_string(pick(20)) : "");
  }
  std::string file() {
    static const char* const dirs[] = {
        "src",       "src/net",    "src/db",  "lib",     "pkg/api",  "internal/store",    "app/models",      "tests",
        "tests/net", "cmd/server", "web/src", "scripts", "src/core", "crates/ingest/src", "services/billing"};
    static const char* const bases[] = {
        "upload", "retry", "client",  "server", "config", "handler", "router",  "parser",  "schema",  "worker",
        "queue",  "cache", "session", "auth",   "token",  "invoice", "ledger",  "export",  "report",  "metrics",
        "logger", "pool",  "migrate", "index",  "search", "user",    "account", "payment", "webhook", "scheduler"};
    static const char* const exts[] = {".py", ".go", ".rs", ".ts", ".cpp", ".java", ".rb", ".tsx"};
    std::string suffix = pick(2) ? "" : (pick(2) ? "_test" : "_" + std::string(one(bases)));
    return std::string(one(dirs)) + "/" + one(bases) + suffix + one(exts);
  }
  std::string symbol() {
    static const char* const verbs[] = {"parse",  "load",   "save",  "fetch",   "retry",    "validate", "render",
                                        "encode", "decode", "flush", "resolve", "schedule", "compute",  "merge",
                                        "open",   "close",  "send",  "handle",  "build",    "sync"};
    static const char* const nouns[] = {"config", "invoice", "request", "response", "token",   "session", "batch",
                                        "event",  "record",  "upload",  "user",     "account", "payment", "report",
                                        "index",  "query",   "header",  "chunk",    "message", "snapshot"};
    switch (pick(3)) {
      case 0:
        return std::string(one(verbs)) + "_" + one(nouns);
      case 1: {
        std::string n = one(nouns);
        n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
        return std::string(one(verbs)) + n;
      }
      default:
        return "test_" + std::string(one(verbs)) + "_" + one(nouns);
    }
  }
  std::string host() {
    static const char* const kinds[] = {"db", "cache", "api", "worker", "kafka", "es", "redis", "pg"};
    static const char* const envs[] = {"staging", "prod", "qa", "dev", "eu", "us"};
    return std::string(one(kinds)) + "-" + one(envs) + "-" + std::to_string(pick(40));
  }
  std::string fill(const std::string& t) {
    static const char* const envs[] = {"staging", "production", "qa", "dev", "canary", "sandbox"};
    static const char* const services[] = {"billing",       "ingest",   "search",   "gateway",   "auth",
                                           "notifications", "payments", "ledger",   "export",    "reporting",
                                           "scheduler",     "webhooks", "accounts", "inventory", "checkout",
                                           "shipping",      "pricing",  "identity"};
    static const char* const people[] = {"Alice", "Bob",   "Carlos", "Dana", "Priya",    "Maria", "Wei",  "Omar",
                                         "Lena",  "Kenji", "Sofia",  "Tom",  "@octocat", "@jdoe", "Ravi", "Ines"};
    static const char* const packages[] = {"tokio", "serde",  "axum", "pydantic", "fastapi",      "react",   "nextjs",
                                           "sqlx",  "gorm",   "zod",  "celery",   "pandas",       "numpy",   "boost",
                                           "fmt",   "spdlog", "grpc", "protobuf", "kafka-python", "redis-py"};
    static const char* const languages[] = {"Rust", "Python", "Go", "TypeScript", "C++", "Java", "Ruby", "Kotlin"};
    static const char* const things[] = {"JSON",    "YAML",     "CSV",    "dates",      "URLs",         "timestamps",
                                         "headers", "invoices", "tokens", "user input", "config files", "log lines"};
    static const char* const errors[] = {"null pointer error", "timeout",  "type error",   "deadlock",    "race",
                                         "memory leak",        "segfault", "import error", "borrow error"};
    static const char* const weekdays[] = {"Monday", "Tuesday",        "Wednesday", "Thursday",
                                           "Friday", "other Thursday", "other week"};
    static const char* const regions[] = {"Frankfurt", "Dublin", "Virginia", "Oregon", "Tokyo", "Sydney"};
    static const char* const stores[] = {"Loki", "Elasticsearch", "S3", "BigQuery", "CloudWatch"};
    static const char* const channels[] = {"PagerDuty", "#alerts", "#oncall", "Opsgenie", "email"};
    static const char* const topics[] = {"events.raw", "events.v2",      "billing.invoices",
                                         "audit.log",  "search.updates", "users.changes"};
    std::string out;
    for (std::size_t i = 0; i < t.size();) {
      if (t[i] != '{') {
        out += t[i++];
        continue;
      }
      auto end = t.find('}', i);
      std::string slot = t.substr(i + 1, end - i - 1);
      i = end + 1;
      if (slot == "env")
        out += one(envs);
      else if (slot == "host")
        out += host();
      else if (slot == "service")
        out += one(services);
      else if (slot == "person")
        out += one(people);
      else if (slot == "package" || slot == "package2")
        out += one(packages);
      else if (slot == "symbol" || slot == "symbol2")
        out += symbol();
      else if (slot == "file")
        out += file();
      else if (slot == "repo")
        out += repo();
      else if (slot == "error")
        out += one(errors);
      else if (slot == "number" || slot == "number2")
        out += std::to_string(pick(5000));
      else if (slot == "small")
        out += std::to_string(1 + pick(60));
      else if (slot == "weekday")
        out += one(weekdays);
      else if (slot == "topic")
        out += one(topics);
      else if (slot == "version" || slot == "version2")
        out += std::to_string(pick(5)) + "." + std::to_string(pick(30)) + "." + std::to_string(pick(10));
      else if (slot == "language")
        out += one(languages);
      else if (slot == "thing")
        out += one(things);
      else if (slot == "region")
        out += one(regions);
      else if (slot == "store")
        out += one(stores);
      else if (slot == "channel")
        out += one(channels);
    }
    return out;
  }

  std::mt19937_64 rng_;
};

const char* kind_for(std::size_t i) {
  switch (i % 20) {
    case 0:
    case 1:
    case 2:
    case 3:
      return "fact";
    case 4:
    case 5:
    case 6:
      return "entity";
    case 7:
      return "summary";
    default:
      return "message";
  }
}

// ---- recall ------------------------------------------------------------------

int run_recall(const fs::path& dir) {
  auto db = store::open(store::Options{.driver = "sqlite", .sqlite_path = (dir / "recall.db").string()});
  if (!db) return std::fprintf(stderr, "open: %s\n", db.error().message.c_str()), 1;
  memory::MemoryStore mem(**db);
  if (auto ok = mem.load(); !ok) return std::fprintf(stderr, "load: %s\n", ok.error().message.c_str()), 1;
  const auto& set = testing::recall_set();
  auto t0 = Clock::now();
  auto loaded = testing::load_recall_set(mem, set);
  if (!loaded) return std::fprintf(stderr, "recall set: %s\n", loaded.error().message.c_str()), 1;
  double load_s = seconds_since(t0);
  auto scores = testing::score_recall(mem, set, *loaded);
  if (!scores) return std::fprintf(stderr, "score: %s\n", scores.error().message.c_str()), 1;
  std::size_t turns = 0;
  for (const auto& c : set.conversations) turns += c.turns.size();
  std::printf("recall set: %zu conversations, %zu turns, %zu fragments (recorded in %.2f s), %zu questions\n",
              set.conversations.size(), turns, loaded->origin.size(), load_s, set.questions.size());
  std::printf("recall: recall@1 %.3f  recall@5 %.3f  MRR %.3f\n", scores->recall_at_1, scores->recall_at_5,
              scores->mrr);
  boost::json::object by_kind;
  for (const char* kind : {"fact", "updated", "hard", "discussion"}) {
    int n = 0, at1 = 0, at5 = 0;
    for (const auto& r : scores->results) {
      if (set.questions[r.question].kind != kind) continue;
      ++n;
      at1 += r.rank == 1;
      at5 += r.rank >= 1 && r.rank <= 5;
    }
    std::printf("  %-10s %2d questions  recall@1 %.3f  recall@5 %.3f\n", kind, n, n ? double(at1) / n : 0.0,
                n ? double(at5) / n : 0.0);
    by_kind[kind] = {{"questions", n}, {"at1", at1}, {"at5", at5}};
  }
  for (const auto& r : scores->results) {
    if (r.rank == 0)
      std::printf("  missed (%s): %s\n", set.questions[r.question].kind.c_str(),
                  set.questions[r.question].text.c_str());
  }
  boost::json::object j{{"bench", "memory_recall"},
                        {"questions", set.questions.size()},
                        {"recall_at_1", scores->recall_at_1},
                        {"recall_at_5", scores->recall_at_5},
                        {"mrr", scores->mrr},
                        {"by_kind", by_kind}};
  std::printf("%s\n", boost::json::serialize(j).c_str());
  return 0;
}

// ---- latency -------------------------------------------------------------------

struct Latency {
  double p50 = 0, p95 = 0, p99 = 0, mean = 0, max = 0;
  double cpu_p50 = 0, cpu_p99 = 0;  // the searching thread's CPU time: what is left when the machine is busy
  double all_cpu_p50 = 0, all_cpu_p99 = 0;  // every thread's (the helpers' too): what a search costs
  std::size_t hits = 0;             // total hits returned
};

double cpu_us(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}
double thread_cpu_us() {
  return cpu_us(CLOCK_THREAD_CPUTIME_ID);
}
double process_cpu_us() {
  return cpu_us(CLOCK_PROCESS_CPUTIME_ID);
}

Latency run_queries(memory::MemoryStore& mem, const std::vector<std::string>& queries, bool touch) {
  std::vector<double> us, cpu, all_cpu;
  Latency l;
  for (const auto& q : queries) {
    auto t0 = Clock::now();
    double c0 = thread_cpu_us();
    double a0 = process_cpu_us();
    auto hits = mem.search(q, memory::SearchOptions{.k = 5, .user_id = "local", .touch = touch});
    cpu.push_back(thread_cpu_us() - c0);
    all_cpu.push_back(process_cpu_us() - a0);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!hits) {
      std::fprintf(stderr, "search: %s\n", hits.error().message.c_str());
      continue;
    }
    l.hits += hits->size();
  }
  l.p50 = percentile(us, 0.50);
  l.p95 = percentile(us, 0.95);
  l.p99 = percentile(us, 0.99);
  l.cpu_p50 = percentile(cpu, 0.50);
  l.cpu_p99 = percentile(cpu, 0.99);
  l.all_cpu_p50 = percentile(all_cpu, 0.50);
  l.all_cpu_p99 = percentile(all_cpu, 0.99);
  double sum = 0;
  for (double x : us) sum += x;
  l.mean = us.empty() ? 0 : sum / static_cast<double>(us.size());
  l.max = us.empty() ? 0 : *std::max_element(us.begin(), us.end());
  return l;
}

constexpr const char* kInsert =
    "INSERT INTO memory_fragments (id, conversation_id, user_id, content, kind, importance, entities, subject, "
    "superseded_by, covers_seq, created_at, last_accessed, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?, ?)";

int run_latency(const fs::path& dir, std::size_t n, std::size_t query_count) {
  fs::path path = dir / ("memory-" + std::to_string(n) + ".db");
  auto db = store::open(store::Options{.driver = "sqlite", .sqlite_path = path.string()});
  if (!db) return std::fprintf(stderr, "open: %s\n", db.error().message.c_str()), 1;
  TextGenerator gen(n);
  llm::HashEmbedder embedder(memory::MemoryOptions{}.dimension);
  auto now = store::now_ms();

  // Through MemoryStore::add: the rate a live server records fragments at.
  std::size_t via_add = std::min<std::size_t>(n, 2000);
  double add_rate = 0;
  {
    memory::MemoryStore mem(**db);
    if (auto ok = mem.load(); !ok) return std::fprintf(stderr, "load: %s\n", ok.error().message.c_str()), 1;
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < via_add; ++i) {
      std::string text = gen.fragment();
      memory::Fragment f{.conversation_id = "c" + std::to_string(i / 20),
                         .user_id = "local",
                         .content = text,
                         .kind = "message",
                         .entities = memory::extract_entities(text)};
      if (auto a = mem.add(std::move(f)); !a) return std::fprintf(stderr, "add: %s\n", a.error().message.c_str()), 1;
    }
    add_rate = static_cast<double>(via_add) / seconds_since(t0);
  }

  // The rest as rows, 5,000 to a transaction (as an import would).
  std::fprintf(stderr, "N=%zu: bulk insert\n", n);
  auto t_bulk = Clock::now();
  const std::size_t batch = 5000;
  for (std::size_t start = via_add; start < n; start += batch) {
    std::size_t end = std::min(n, start + batch);
    auto tx = (*db)->transaction([&](store::Database& d) -> Result<> {
      for (std::size_t i = start; i < end; ++i) {
        std::string text = gen.fragment();
        const char* kind = kind_for(i);
        auto entities = memory::extract_entities(text);
        boost::json::array ej;
        for (const auto& e : entities) ej.push_back(boost::json::string(e));
        auto vec = embedder.embed(text);
        store::Blob blob;
        blob.bytes.assign(reinterpret_cast<const char*>(vec.data()), vec.size() * sizeof(float));
        std::string subject = std::strcmp(kind, "fact") == 0 ? "subject " + std::to_string(i) : "";
        std::int64_t at = now - static_cast<std::int64_t>(n - i) * 1000;  // one a second, oldest first
        auto r = d.execute(kInsert, {"f" + std::to_string(i), "c" + std::to_string(i / 20), std::string("local"), text,
                                     std::string(kind), 0.3, boost::json::serialize(ej), subject, at, at, blob});
        if (!r) return r.error();
      }
      return {};
    });
    if (!tx) return std::fprintf(stderr, "insert: %s\n", tx.error().message.c_str()), 1;
  }
  double bulk_s = seconds_since(t_bulk);
  double bulk_rate = n > via_add ? static_cast<double>(n - via_add) / bulk_s : 0;

  // A fresh store: index build from the rows.
  std::fprintf(stderr, "N=%zu: load\n", n);
  double rss_before = status_mib("VmRSS");
  reset_peak_rss();
  memory::MemoryStore mem(**db);
  auto t_load = Clock::now();
  if (auto ok = mem.load(); !ok) return std::fprintf(stderr, "load: %s\n", ok.error().message.c_str()), 1;
  double load_s = seconds_since(t_load);
  double rss_after = status_mib("VmRSS");
  double hwm = status_mib("VmHWM");

  TextGenerator qgen(n + 7);
  std::vector<std::string> queries;
  for (std::size_t i = 0; i < query_count; ++i) queries.push_back(qgen.query());
  run_queries(mem,
              std::vector<std::string>(queries.begin(), queries.begin() + std::min<std::size_t>(50, queries.size())),
              false);  // warm-up
  std::fprintf(stderr, "N=%zu: loaded in %.1f s, searching\n", n, load_s);
  auto cold = run_queries(mem, queries, false);
  auto touched = run_queries(mem, queries, true);
  double hwm_end = status_mib("VmHWM");

  std::printf(
      "N=%zu: add %.0f/s, bulk insert %.0f/s; load %.2f s (%zu indexed), RSS %.0f MiB (+%.0f for the indexes), peak "
      "%.0f MiB\n",
      n, add_rate, bulk_rate, load_s, mem.indexed(), rss_after, rss_after - rss_before, std::max(hwm, hwm_end));
  for (auto [name, l] : {std::pair{"touch=false", cold}, std::pair{"touch=true", touched}}) {
    std::printf(
        "  search %-11s p50 %8.0f us  p95 %8.0f us  p99 %8.0f us  mean %8.0f us  max %8.0f us  CPU p50 %6.0f us  p99 "
        "%6.0f us  all threads' CPU p50 %6.0f us  p99 %6.0f us  (%zu queries, %.1f hits each)\n",
        name, l.p50, l.p95, l.p99, l.mean, l.max, l.cpu_p50, l.cpu_p99, l.all_cpu_p50, l.all_cpu_p99, queries.size(),
        queries.empty() ? 0.0 : static_cast<double>(l.hits) / static_cast<double>(queries.size()));
  }
  auto figures = [](const Latency& l) {
    return boost::json::object{{"p50", l.p50},
                               {"p95", l.p95},
                               {"p99", l.p99},
                               {"mean", l.mean},
                               {"max", l.max},
                               {"cpu_p50", l.cpu_p50},
                               {"cpu_p99", l.cpu_p99},
                               {"all_threads_cpu_p50", l.all_cpu_p50},
                               {"all_threads_cpu_p99", l.all_cpu_p99}};
  };
  boost::json::object j{{"bench", "memory_latency"},
                        {"n", n},
                        {"queries", queries.size()},
                        {"add_per_s", add_rate},
                        {"bulk_insert_per_s", bulk_rate},
                        {"load_s", load_s},
                        {"rss_mib", rss_after},
                        {"index_rss_mib", rss_after - rss_before},
                        {"peak_rss_mib", std::max(hwm, hwm_end)},
                        {"db_mib", static_cast<double>(fs::file_size(path)) / 1048576.0},
                        {"touch_false_us", figures(cold)},
                        {"touch_true_us", figures(touched)}};
  std::printf("%s\n", boost::json::serialize(j).c_str());
  std::fflush(stdout);
  return 0;
}

// BM25 alone on the same texts: search() (block-max MaxScore, or every
// posting for a query with few), the same split into parts over this thread
// and the helper threads (as memory search runs it), and scoring every
// posting (search_exhaustive), each a pass over every question (k = 50, the
// pool a search asks for), and whether they agree. One pass per method so
// that none of them finds the lists in the cache because another just read
// them. Wall time and the searching thread's CPU time (what is left of it
// when other processes take the cores).
int run_bm25(std::size_t n, std::size_t query_count) {
  TextGenerator gen(n);
  index::Bm25Index ix;
  for (std::size_t i = 0; i < n; ++i) ix.add(i, gen.fragment());
  TextGenerator qgen(n + 7);
  std::vector<std::string> queries;
  for (std::size_t i = 0; i < query_count; ++i) queries.push_back(qgen.query());
  struct Pass {
    std::vector<double> us, cpu;
    std::vector<std::vector<index::Bm25Hit>> hits;
  };
  auto pass = [&](auto&& search) {
    Pass p;
    for (const auto& q : queries) {
      auto t0 = Clock::now();
      double c0 = thread_cpu_us();
      p.hits.push_back(search(q));
      p.cpu.push_back(thread_cpu_us() - c0);
      p.us.push_back(bench::micros_since(t0));
    }
    return p;
  };
  auto fast = pass([&](const std::string& q) { return ix.search(q, 50); });
  auto split = pass([&](const std::string& q) {
    auto query = ix.prepare(q, 50, 2 * (helper_threads() + 1));
    std::vector<std::function<void()>> parts;
    for (std::size_t p = 0; p < query.parts(); ++p) parts.emplace_back([&, p] { query.run(p); });
    run_shared(parts);
    return std::move(query).result();
  });
  auto exact = pass([&](const std::string& q) { return ix.search_exhaustive(q, 50); });
  auto same = [](const std::vector<index::Bm25Hit>& a, const std::vector<index::Bm25Hit>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](auto& x, auto& y) { return x.key == y.key && x.score == y.score; });
  };
  std::size_t differ = 0;
  for (std::size_t i = 0; i < queries.size(); ++i)
    differ += !same(fast.hits[i], exact.hits[i]) || !same(split.hits[i], exact.hits[i]);
  std::printf(
      "bm25 N=%zu: search p50 %.0f us p99 %.0f us (CPU %.0f / %.0f us); "
      "split over %zu threads p50 %.0f us p99 %.0f us; "
      "exhaustive p50 %.0f us p99 %.0f us (CPU %.0f / %.0f us); %zu of %zu differ\n",
      n, percentile(fast.us, 0.5), percentile(fast.us, 0.99), percentile(fast.cpu, 0.5), percentile(fast.cpu, 0.99),
      helper_threads() + 1, percentile(split.us, 0.5), percentile(split.us, 0.99), percentile(exact.us, 0.5),
      percentile(exact.us, 0.99), percentile(exact.cpu, 0.5), percentile(exact.cpu, 0.99), differ, query_count);
  return differ ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {10000, 100000, 1000000};
  std::size_t queries = 1000;
  bool recall = true, latency = true, bm25 = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--sizes=", 0) == 0)
      sizes = parse_sizes(a.substr(8));
    else if (a.rfind("--queries=", 0) == 0)
      queries = std::strtoull(a.c_str() + 10, nullptr, 10);
    else if (a == "--quick")
      sizes = {10000};
    else if (a == "--no-recall")
      recall = false;
    else if (a == "--no-latency")
      latency = false;
    else if (a == "--bm25")
      bm25 = true;
    else {
      std::fprintf(stderr,
                   "usage: memory_bench [--sizes=10000,100000,1000000] [--queries=1000] [--quick] [--no-recall] "
                   "[--no-latency] [--bm25]\n");
      return 2;
    }
  }
  if (bm25) {
    int rc = 0;
    for (auto n : sizes) rc |= run_bm25(n, queries);
    return rc;
  }
  char tmpl[] = "/tmp/devagent-memory-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return std::perror("mkdtemp"), 1;
  fs::path dir = tmpl;
  int rc = 0;
  if (recall) rc |= run_recall(dir);
  if (latency) {
    for (auto n : sizes) {
      rc |= run_latency(dir, n, queries);
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().filename().string().rfind("memory-", 0) == 0) fs::remove(e.path(), ec);
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc;
}
