// The response cache (src/cache/cache.h): lookup latency over N stored
// answers, and hit and wrong-hit rates on a replayed workload of developer
// questions (bench/data/cache-workload.jsonl).
//
// Latency, for each N: a SQLite store in a temporary directory, one scope,
// N distinct synthetic questions (templates of several phrasings each, over
// languages, libraries, verbs, repositories, files and numbers) with ~2 KB
// answers. The first entries go in through ResponseCache::put (its rate is
// printed), the rest as the same rows put() writes, in transactions of
// 10,000 (a bulk import); a fresh ResponseCache then load()s them (the index
// build a restart pays). Then lookup() — what the server runs per question:
// sync, exact map, ANN, guard, reading the hit row — for a mix of exact
// repeats, rewordings of stored questions and new questions, each timed.
// Goal (docs/benchmarks.md, "Response cache"): p99 < 1 ms at 1M entries.
//
// Workload: every phrasing of the file asked 1-3 times in a seeded shuffle
// through one ResponseCache; a miss put()s the intent as the payload, a hit
// is wrong when the stored intent is not the asked one.
//
//   cache_bench [--sizes 10000,100000[,1000000]] [--queries 1000] [--quick]
//               [--seeds 3] [--workload FILE] [--list-misses] [--no-latency] [--no-workload]
#include "cache/cache.h"
#include "cache/match.h"
#include "bench_util.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

using namespace devagent;
using bench::Clock;
using bench::micros_since;
using bench::parse_sizes;
using bench::percentile;
using bench::seconds_since;
using bench::status_mib;
namespace fs = std::filesystem;

namespace {

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};

Percentiles percentiles(const std::vector<double>& v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  p.p50 = percentile(v, 0.50);
  p.p90 = percentile(v, 0.90);
  p.p99 = percentile(v, 0.99);
  p.max = *std::max_element(v.begin(), v.end());
  return p;
}

boost::json::object to_json(const Percentiles& p) {
  return {{"n", p.n}, {"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"max", p.max}};
}

cache::Scope bench_scope() {
  cache::Scope s;
  s.kind = cache::Kind::response;
  s.model = "default:openai/gpt-4o-mini";
  s.tools = "tools-3f2a9c";
  s.prompt_version = "prompts-81d0";
  return s;
}

// ---- synthetic questions -------------------------------------------------------

// An intent: a family of phrasings and the values of its slots. Two intents
// are the same question only when family and every slot agree.
struct Intent {
  std::uint16_t family = 0;
  std::array<std::uint16_t, 4> slot{};
};

struct Family {
  std::vector<const char*> phrasings;        // slots {0}..{3}
  std::array<int, 4> lists{-1, -1, -1, -1};  // which value list fills each slot (-1: unused)
};

class QuestionGenerator {
 public:
  explicit QuestionGenerator(std::uint64_t seed) : rng_(seed) {}

  Intent random_intent() {
    Intent i;
    i.family = static_cast<std::uint16_t>(pick(families().size()));
    const auto& f = families()[i.family];
    for (std::size_t s = 0; s < 4; ++s) {
      if (f.lists[s] >= 0) i.slot[s] = static_cast<std::uint16_t>(pick(values(f.lists[s]).size()));
    }
    return i;
  }
  std::size_t random_phrasing(const Intent& i) { return pick(families()[i.family].phrasings.size()); }
  // Another phrasing of the same intent than `not_this`.
  std::size_t other_phrasing(const Intent& i, std::size_t not_this) {
    auto n = families()[i.family].phrasings.size();
    return (not_this + 1 + pick(n - 1)) % n;
  }

  static std::string render(const Intent& i, std::size_t phrasing) {
    const auto& f = families()[i.family];
    std::string out;
    for (const char* c = f.phrasings[phrasing]; *c; ++c) {
      if (*c == '{' && c[1] >= '0' && c[1] <= '3' && c[2] == '}') {
        int s = c[1] - '0';
        out += values(f.lists[s])[i.slot[s]];
        c += 2;
      } else {
        out += *c;
      }
    }
    return out;
  }
  static std::string key(const Intent& i) {
    std::string k = std::to_string(i.family);
    for (auto s : i.slot) k += "," + std::to_string(s);
    return k;
  }

 private:
  enum List { kLanguage, kLibrary, kVerb, kThing, kRepo, kFile, kNumber, kSymbol, kVersion, kTool };

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  static const std::vector<std::string>& values(int list) {
    static const std::vector<std::vector<std::string>> lists = [] {
      std::vector<std::vector<std::string>> l(10);
      l[kLanguage] = {"Python", "JavaScript", "TypeScript", "Go",    "Rust", "Java",  "C++",
                      "C#",     "Ruby",       "Kotlin",     "Swift", "PHP",  "Scala", "Elixir"};
      l[kLibrary] = {"pandas",     "numpy",  "requests", "fastapi", "django",   "flask",  "react",     "express",
                     "tokio",      "serde",  "axum",     "gin",     "gorm",     "spring", "hibernate", "rails",
                     "sqlx",       "boost",  "fmt",      "grpc",    "protobuf", "kafka",  "celery",    "pydantic",
                     "nextjs",     "vue",    "svelte",   "jest",    "pytest",   "junit",  "reqwest",   "clap",
                     "sqlalchemy", "prisma", "zod",      "redux",   "webpack",  "vite",   "asyncio",   "actix"};
      l[kVerb] = {"parse",  "serialize", "validate", "cache",   "stream",   "paginate", "retry",  "sort",
                  "filter", "merge",     "compress", "encrypt", "batch",    "log",      "mock",   "benchmark",
                  "upload", "download",  "index",    "dedupe",  "schedule", "profile",  "encode", "decode"};
      l[kThing] = {"JSON",
                   "YAML",
                   "CSV files",
                   "dates",
                   "timestamps",
                   "HTTP requests",
                   "websockets",
                   "database rows",
                   "log lines",
                   "images",
                   "user input",
                   "config files",
                   "environment variables",
                   "large files",
                   "XML",
                   "protobuf messages",
                   "query results",
                   "API responses",
                   "background jobs",
                   "emails"};
      for (const char* owner : {"acme",   "tokio-rs",   "facebook",  "google", "vercel",  "grafana", "hashicorp",
                                "apache", "kubernetes", "rust-lang", "python", "nodejs",  "duckdb",  "redis",
                                "openai", "microsoft",  "mozilla",   "golang", "netflix", "stripe"}) {
        for (const char* name :
             {"billing",  "ingest",    "search",   "gateway", "auth",    "ui-kit",  "deploy",  "analytics",
              "notifier", "scheduler", "payments", "ledger",  "crawler", "indexer", "webapp",  "mobile",
              "cli",      "docs",      "infra",    "sdk",     "proxy",   "queue",   "reports", "exporter",
              "importer", "cache",     "storage",  "metrics", "alerts",  "audit"}) {
          l[kRepo].push_back(std::string(owner) + "/" + name);
        }
      }
      for (const char* dir : {"src", "src/net", "src/db", "lib", "pkg/api", "internal/store", "app/models", "tests",
                              "cmd/server", "web/src", "src/core", "crates/ingest/src", "services/billing"}) {
        for (const char* base : {"upload", "retry",  "client", "server",  "config",  "handler", "router", "parser",
                                 "schema", "worker", "queue",  "cache",   "session", "auth",    "token",  "invoice",
                                 "ledger", "export", "report", "metrics", "pool",    "migrate", "index",  "search"}) {
          for (const char* ext : {".py", ".go", ".rs", ".ts", ".cpp", ".java"}) {
            l[kFile].push_back(std::string(dir) + "/" + base + ext);
          }
        }
      }
      for (int n = 2; n < 4000; n += 7) l[kNumber].push_back(std::to_string(n));
      for (const char* verb :
           {"parse",   "load",     "save",    "fetch", "retry", "validate", "render", "encode", "decode", "flush",
            "resolve", "schedule", "compute", "merge", "open",  "close",    "send",   "handle", "build",  "sync"}) {
        for (const char* noun : {"config", "invoice", "request", "response", "token",   "session", "batch",
                                 "event",  "record",  "upload",  "user",     "account", "payment", "report",
                                 "index",  "query",   "header",  "chunk",    "message", "snapshot"}) {
          l[kSymbol].push_back(std::string(verb) + "_" + noun);
        }
      }
      for (int major = 1; major <= 6; ++major) {
        for (int minor = 0; minor <= 12; ++minor)
          l[kVersion].push_back(std::to_string(major) + "." + std::to_string(minor));
      }
      l[kTool] = {"docker", "kubectl", "git",   "npm",   "cargo",  "pip",   "poetry", "terraform",
                  "helm",   "make",    "cmake", "bazel", "gradle", "maven", "yarn",   "pnpm"};
      return l;
    }();
    return lists[static_cast<std::size_t>(list)];
  }

  static const std::vector<Family>& families() {
    static const std::vector<Family> f = {
        {{"How do I {0} {1} in {2}?", "{2}: how to {0} {1}", "what's the best way to {0} {1} with {2}",
          "{0} {1} in {2}"},
         {kVerb, kThing, kLanguage, -1}},
        {{"How do I {0} {1} with {2} in {3}?", "{3} {2}: {0} {1}", "using {2} to {0} {1} in {3}",
          "what is the {2} way to {0} {1} in {3}?"},
         {kVerb, kThing, kLibrary, kLanguage}},
        {{"Which files import {0} in {1}?", "list the files in {1} that import {0}", "what imports {0} in {1}"},
         {kFile, kRepo, -1, -1}},
        {{"Which files does {0} import in {1}?", "what does {0} import in {1}", "list the imports of {0} in {1}"},
         {kFile, kRepo, -1, -1}},
        {{"Where is {0} defined in {1}?", "find the definition of {0} in {1}", "which file defines {0} in {1}?"},
         {kSymbol, kRepo, -1, -1}},
        {{"Who calls {0} in {1}?", "find all callers of {0} in {1}", "where is {0} called from in {1}"},
         {kSymbol, kRepo, -1, -1}},
        {{"Why does {0} fail on line {1} in {2}?", "{0} line {1} is failing in {2}, why?",
          "explain the failure at line {1} of {0} in {2}"},
         {kFile, kNumber, kRepo, -1}},
        {{"What changed in PR {0} of {1}?", "summarize pull request #{0} in {1}", "what does {1} PR {0} do"},
         {kNumber, kRepo, -1, -1}},
        {{"What breaks when upgrading {0} from {1} to {2}?", "{0} {1} to {2} migration breaking changes",
          "is it safe to upgrade {0} {1} to {2}?"},
         {kLibrary, kVersion, kVersion, -1}},
        {{"How do I {0} {1} with {2}?", "{2}: {0} {1}", "use {2} to {0} {1}"}, {kVerb, kThing, kTool, -1}},
        {{"How many lines of {0} are in {1}?", "count {0} lines of code in {1}", "lines of {0} code in {1}"},
         {kLanguage, kRepo, -1, -1}},
        {{"Explain what {0} does in {1}", "what does {0} do in {1}?", "how does {0} in {1} work"},
         {kSymbol, kRepo, -1, -1}},
        {{"Does {0} use {1}?", "is {1} a dependency of {0}", "does the {0} repo depend on {1}"},
         {kRepo, kLibrary, -1, -1}},
        {{"How do I set the timeout of {0} to {1} seconds in {2}?", "{2} {0} timeout {1} seconds",
          "make {0} give up after {1} seconds in {2}"},
         {kLibrary, kNumber, kLanguage, -1}},
    };
    return f;
  }

  std::mt19937_64 rng_;
};

// A ~2 KB answer, as the response kind stores it (JSON).
std::string payload_for(const std::string& question, std::size_t i) {
  static const std::string filler = [] {
    std::string s;
    const char* words[] = {"the",     "function", "returns", "a",      "value", "when",    "config",
                           "request", "is",       "parsed",  "and",    "the",   "handler", "retries",
                           "with",    "backoff",  "so",      "errors", "are",   "logged"};
    for (std::size_t k = 0; s.size() < 1900; ++k) s += std::string(words[(k * 7) % 20]) + ' ';
    return s;
  }();
  boost::json::object o{{"answer", "Answer " + std::to_string(i) + " to: " + question + "\n\n" + filler},
                        {"model", "openai/gpt-4o-mini"},
                        {"sources", boost::json::array{"https://example.com/docs/" + std::to_string(i % 997)}}};
  return boost::json::serialize(o);
}

// ---- latency ----------------------------------------------------------------------

// The row ResponseCache::put writes (cache.cpp, put()): the same columns and
// values, for a bulk import that skips put()'s per-entry transaction.
constexpr const char* kInsert =
    "INSERT INTO cache_entries (kind, scope, normalised, question, embedding, payload, input_tokens, output_tokens, "
    "cost_nanos, bytes, created_at, expires_at, last_used, hits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)";

Result<> insert_row(store::Database& db, const cache::Scope& scope, const cache::CacheOptions& options,
                    const std::string& question, const cache::Fingerprint& print, const std::string& payload,
                    std::int64_t now) {
  store::Blob embedding = store::float_blob(print.embedding);
  std::int64_t bytes = static_cast<std::int64_t>(payload.size() + question.size());
  auto r = db.execute(kInsert, {std::string(cache::to_string(scope.kind)), scope.key(), print.normalised, question,
                                embedding, payload, std::int64_t{1200}, std::int64_t{400}, std::int64_t{900000}, bytes,
                                now, now + options.of(scope.kind).ttl.count(), now});
  if (!r) return r.error();
  return {};
}

enum class Ask { repeat, reword, fresh };
const char* ask_name(Ask a) {
  return a == Ask::repeat ? "repeat" : a == Ask::reword ? "reword" : "new";
}

int run_latency(const fs::path& dir, std::size_t n, std::size_t per_kind) {
  fs::path path = dir / ("cache-" + std::to_string(n) + ".db");
  auto db = store::open(store::Options{.driver = "sqlite", .sqlite_path = path.string()});
  if (!db) return std::fprintf(stderr, "open: %s\n", db.error().message.c_str()), 1;
  const auto scope = bench_scope();
  cache::CacheOptions options;
  options.max_bytes = 64ull << 30;  // no eviction: the default 256 MiB holds ~120k answers of 2 KB

  // N distinct questions: one phrasing of each intent is stored.
  QuestionGenerator gen(n);
  std::vector<Intent> stored;
  std::vector<std::uint8_t> stored_phrasing;
  std::unordered_set<std::string> keys, normalised;
  stored.reserve(n);
  stored_phrasing.reserve(n);

  auto next_entry = [&](std::string& question, cache::Fingerprint& print) {
    for (;;) {
      Intent i = gen.random_intent();
      if (!keys.insert(QuestionGenerator::key(i)).second) continue;
      auto p = gen.random_phrasing(i);
      question = QuestionGenerator::render(i, p);
      print = cache::fingerprint(question);
      if (!normalised.insert(print.normalised).second) continue;  // two intents that read the same
      stored.push_back(i);
      stored_phrasing.push_back(static_cast<std::uint8_t>(p));
      return;
    }
  };

  // Through put(): the rate a live server stores answers at.
  const std::size_t via_put = std::min<std::size_t>(n, 2000);
  double put_rate = 0;
  {
    cache::ResponseCache c(**db, options);
    if (auto ok = c.load(); !ok) return std::fprintf(stderr, "load: %s\n", ok.error().message.c_str()), 1;
    auto t0 = Clock::now();
    std::string question;
    cache::Fingerprint print;
    for (std::size_t k = 0; k < via_put; ++k) {
      next_entry(question, print);
      auto p = c.put(scope, question, payload_for(question, k), 1200, 400, 900000);
      if (!p) return std::fprintf(stderr, "put: %s\n", p.error().message.c_str()), 1;
    }
    put_rate = static_cast<double>(via_put) / seconds_since(t0);
  }

  // The rest as rows, 10,000 to a transaction.
  auto t_bulk = Clock::now();
  const std::size_t batch = 10000;
  const auto now = store::now_ms();
  for (std::size_t start = via_put; start < n; start += batch) {
    std::size_t end = std::min(n, start + batch);
    auto tx = (*db)->transaction([&](store::Database& d) -> Result<> {
      std::string question;
      cache::Fingerprint print;
      for (std::size_t k = start; k < end; ++k) {
        next_entry(question, print);
        if (auto r = insert_row(d, scope, options, question, print, payload_for(question, k), now); !r) return r;
      }
      return {};
    });
    if (!tx) return std::fprintf(stderr, "insert: %s\n", tx.error().message.c_str()), 1;
  }
  double bulk_s = seconds_since(t_bulk);
  double bulk_rate = n > via_put ? static_cast<double>(n - via_put) / bulk_s : 0;
  keys.clear();
  normalised.clear();

  // A fresh cache: the index build a restart pays.
  double rss_before = status_mib("VmRSS");
  cache::ResponseCache c(**db, options);
  auto t_load = Clock::now();
  if (auto ok = c.load(); !ok) return std::fprintf(stderr, "load: %s\n", ok.error().message.c_str()), 1;
  double load_s = seconds_since(t_load);
  double rss_after = status_mib("VmRSS");

  // The questions: a third exact repeats, a third rewordings, a third new.
  QuestionGenerator qgen(n + 7);
  std::mt19937_64 rng(n + 11);
  // Each with a question of the same family to time one guard decision on.
  struct Query {
    Ask ask;
    std::string question, near;
  };
  std::vector<Query> asks;
  std::unordered_set<std::string> stored_keys;
  for (const auto& i : stored) stored_keys.insert(QuestionGenerator::key(i));
  for (std::size_t k = 0; k < per_kind; ++k) {
    auto at = std::uniform_int_distribution<std::size_t>(0, stored.size() - 1)(rng);
    auto repeat = QuestionGenerator::render(stored[at], stored_phrasing[at]);
    asks.push_back({Ask::repeat, repeat, repeat});
    at = std::uniform_int_distribution<std::size_t>(0, stored.size() - 1)(rng);
    asks.push_back({Ask::reword,
                    QuestionGenerator::render(stored[at], qgen.other_phrasing(stored[at], stored_phrasing[at])),
                    QuestionGenerator::render(stored[at], stored_phrasing[at])});
    Intent fresh;
    do fresh = qgen.random_intent();
    while (stored_keys.contains(QuestionGenerator::key(fresh)));
    auto p = qgen.random_phrasing(fresh);
    asks.push_back({Ask::fresh, QuestionGenerator::render(fresh, p),
                    QuestionGenerator::render(fresh, qgen.other_phrasing(fresh, p))});
  }
  std::shuffle(asks.begin(), asks.end(), rng);

  for (std::size_t k = 0; k < std::min<std::size_t>(50, asks.size()); ++k) (void)c.lookup(scope, asks[k].question);
  std::map<Ask, std::vector<double>> us;
  std::map<Ask, std::array<std::size_t, 3>> outcomes;  // exact, semantic, miss
  std::vector<double> all;
  std::vector<std::string> wrong;
  for (const auto& [ask, question, near] : asks) {
    auto t0 = Clock::now();
    auto hit = c.lookup(scope, question);
    double t = micros_since(t0);
    if (!hit) return std::fprintf(stderr, "lookup: %s\n", hit.error().message.c_str()), 1;
    us[ask].push_back(t);
    all.push_back(t);
    ++outcomes[ask][!*hit ? 2 : (*hit)->exact ? 0 : 1];
    // A new question's intent is stored nowhere: any hit on it is wrong.
    if (ask == Ask::fresh && *hit) {
      wrong.push_back("stored \"" + (*hit)->entry.question + "\" served for \"" + question + "\" [" +
                      (*hit)->decision.reason + ", " + std::to_string((*hit)->decision.similarity).substr(0, 5) + "]");
    }
  }

  // Parts of a lookup, timed alone on the same questions: fingerprint() (run
  // once per lookup and once more per ANN candidate the guard examines), one
  // guard decision (fingerprint of the stored question + decide()), the sync
  // query, reading a row, and a lookup of the new questions without the
  // semantic stage (what the ANN search and guard add is the difference).
  std::vector<double> fp_us, guard_us, sync_us, read_us, exact_only_us;
  for (const auto& [ask, question, near] : asks) {
    auto t0 = Clock::now();
    auto print = cache::fingerprint(question);
    fp_us.push_back(micros_since(t0));
    t0 = Clock::now();
    auto decision = cache::decide(cache::fingerprint(near), print, options.of(scope.kind).similarity);
    guard_us.push_back(micros_since(t0));
  }
  auto exact_scope = scope;
  exact_scope.semantic = false;
  for (const auto& [ask, question, near] : asks) {
    if (ask != Ask::fresh) continue;
    auto t0 = Clock::now();
    auto hit = c.lookup(exact_scope, question);
    exact_only_us.push_back(micros_since(t0));
  }
  const auto last_id = static_cast<std::int64_t>(n);
  for (std::size_t k = 0; k < asks.size(); ++k) {
    auto t0 = Clock::now();
    auto ids = (*db)->query("SELECT id FROM cache_entries WHERE id > ? ORDER BY id", {last_id - 64});
    sync_us.push_back(micros_since(t0));
    auto id = std::uniform_int_distribution<std::int64_t>(1, last_id)(rng);
    t0 = Clock::now();
    auto row = (*db)->query(
        "SELECT id, kind, scope, question, payload, input_tokens, output_tokens, cost_nanos, created_at, expires_at, "
        "last_used, hits, bytes FROM cache_entries WHERE id = ?",
        {id});
    read_us.push_back(micros_since(t0));
  }

  auto total = percentiles(all);
  auto fp = percentiles(fp_us), guard = percentiles(guard_us), sync = percentiles(sync_us), read = percentiles(read_us),
       exact_only = percentiles(exact_only_us);
  std::printf(
      "N=%zu: put %.0f/s, bulk insert %.0f/s (%.1f s); load %.2f s (%zu entries), RSS %.0f MiB (+%.0f), DB %.0f MiB\n",
      n, put_rate, bulk_rate, bulk_s, load_s, c.size(), rss_after, rss_after - rss_before,
      static_cast<double>(fs::file_size(path)) / 1048576.0);
  boost::json::object by_ask;
  for (Ask a : {Ask::repeat, Ask::reword, Ask::fresh}) {
    auto p = percentiles(us[a]);
    auto& o = outcomes[a];
    std::printf(
        "  lookup %-6s p50 %7.0f us  p90 %7.0f us  p99 %7.0f us  max %7.0f us  (%zu: %zu exact, %zu semantic, %zu "
        "miss)\n",
        ask_name(a), p.p50, p.p90, p.p99, p.max, p.n, o[0], o[1], o[2]);
    auto j = to_json(p);
    j["exact"] = o[0];
    j["semantic"] = o[1];
    j["miss"] = o[2];
    by_ask[ask_name(a)] = std::move(j);
  }
  for (const auto& w : wrong) std::printf("  wrong hit (new question): %s\n", w.c_str());
  std::printf("  lookup all    p50 %7.0f us  p90 %7.0f us  p99 %7.0f us  max %7.0f us\n", total.p50, total.p90,
              total.p99, total.max);
  std::printf(
      "  parts: fingerprint p50 %.0f / p99 %.0f us; one guard decision p50 %.0f / p99 %.0f us; sync query p50 %.0f / "
      "p99 %.0f us; read row p50 %.0f / p99 %.0f us; new questions without the semantic stage p50 %.0f / p99 %.0f us\n",
      fp.p50, fp.p99, guard.p50, guard.p99, sync.p50, sync.p99, read.p50, read.p99, exact_only.p50, exact_only.p99);
  boost::json::object j{{"bench", "cache_latency"},
                        {"n", n},
                        {"put_per_s", put_rate},
                        {"bulk_insert_per_s", bulk_rate},
                        {"load_s", load_s},
                        {"rss_mib", rss_after},
                        {"index_rss_mib", rss_after - rss_before},
                        {"db_mib", static_cast<double>(fs::file_size(path)) / 1048576.0},
                        {"lookup_us", to_json(total)},
                        {"by_ask", std::move(by_ask)},
                        {"wrong_hits_on_new", wrong.size()},
                        {"fingerprint_us", to_json(fp)},
                        {"guard_decision_us", to_json(guard)},
                        {"new_without_semantic_us", to_json(exact_only)},
                        {"sync_query_us", to_json(sync)},
                        {"read_row_us", to_json(read)}};
  std::printf("%s\n", boost::json::serialize(j).c_str());
  std::fflush(stdout);
  return 0;
}

// ---- workload --------------------------------------------------------------------

struct Asked {
  std::string intent, question;
};

int run_workload(const fs::path& dir, const std::string& file, int seeds, bool list_misses) {
  std::ifstream in(file);
  if (!in) return std::fprintf(stderr, "cannot read %s\n", file.c_str()), 1;
  std::vector<Asked> phrasings;
  std::unordered_set<std::string> intents;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto v = boost::json::parse(line).as_object();
    phrasings.push_back({std::string(v.at("intent").as_string()), std::string(v.at("question").as_string())});
    intents.insert(phrasings.back().intent);
  }
  std::printf("workload: %zu phrasings of %zu intents (%s)\n", phrasings.size(), intents.size(), file.c_str());

  std::size_t all_lookups = 0, all_exact = 0, all_semantic = 0, all_wrong = 0;
  std::map<std::pair<std::string, std::string>, int> wrong_hits;  // (stored question, asked question) -> times
  std::map<std::pair<std::string, std::string>, std::string> wrong_intents;
  for (int seed = 1; seed <= seeds; ++seed) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
    std::vector<const Asked*> stream;
    for (const auto& p : phrasings) {
      int times = std::uniform_int_distribution<int>(1, 3)(rng);
      for (int t = 0; t < times; ++t) stream.push_back(&p);
    }
    std::shuffle(stream.begin(), stream.end(), rng);

    fs::path path = dir / ("workload-" + std::to_string(seed) + ".db");
    auto db = store::open(store::Options{.driver = "sqlite", .sqlite_path = path.string()});
    if (!db) return std::fprintf(stderr, "open: %s\n", db.error().message.c_str()), 1;
    cache::ResponseCache c(**db);
    if (auto ok = c.load(); !ok) return std::fprintf(stderr, "load: %s\n", ok.error().message.c_str()), 1;
    const auto scope = bench_scope();
    std::size_t exact = 0, semantic = 0, wrong = 0, missed = 0;  // missed: a miss although the intent was stored
    std::unordered_set<std::string> seen;  // intents asked so far: a first asking cannot hit rightly
    for (const Asked* a : stream) {
      auto hit = c.lookup(scope, a->question);
      if (!hit) return std::fprintf(stderr, "lookup: %s\n", hit.error().message.c_str()), 1;
      bool stored_before = !seen.insert(a->intent).second;
      if (!*hit) {
        if (stored_before) {
          ++missed;
          if (list_misses && seed == 1)
            std::printf("  missed (intent stored): \"%s\" [%s]\n", a->question.c_str(), a->intent.c_str());
        }
        if (auto p = c.put(scope, a->question, a->intent, 0, 0, 0); !p) {
          return std::fprintf(stderr, "put: %s\n", p.error().message.c_str()), 1;
        }
        continue;
      }
      ++((*hit)->exact ? exact : semantic);
      if ((*hit)->entry.payload != a->intent) {
        ++wrong;
        auto key = std::pair{(*hit)->entry.question, a->question};
        ++wrong_hits[key];
        wrong_intents[key] = (*hit)->entry.payload + " | " + a->intent + " (" + (*hit)->decision.reason + ", " +
                             std::to_string((*hit)->decision.similarity).substr(0, 5) + ")";
      }
    }
    std::size_t lookups = stream.size(), hits = exact + semantic;
    std::printf(
        "  seed %d: %zu lookups, %zu hits (%zu exact, %zu semantic), hit rate %.1f%% (at most %.1f%%: %zu first "
        "askings), wrong hits %zu (%.2f%% of hits), misses of a stored intent %zu\n",
        seed, lookups, hits, exact, semantic, 100.0 * static_cast<double>(hits) / static_cast<double>(lookups),
        100.0 * static_cast<double>(lookups - intents.size()) / static_cast<double>(lookups), intents.size(), wrong,
        hits ? 100.0 * static_cast<double>(wrong) / static_cast<double>(hits) : 0.0, missed);
    all_lookups += lookups;
    all_exact += exact;
    all_semantic += semantic;
    all_wrong += wrong;
  }
  std::size_t all_hits = all_exact + all_semantic;
  double hit_rate = all_lookups ? static_cast<double>(all_hits) / static_cast<double>(all_lookups) : 0;
  double wrong_rate = all_hits ? static_cast<double>(all_wrong) / static_cast<double>(all_hits) : 0;
  std::printf(
      "  all %d seeds: %zu lookups, %zu hits (%zu exact, %zu semantic), hit rate %.1f%%, wrong hits %zu (%.2f%% of "
      "hits, %.2f%% of lookups)\n",
      seeds, all_lookups, all_hits, all_exact, all_semantic, 100 * hit_rate, all_wrong, 100 * wrong_rate,
      all_lookups ? 100.0 * static_cast<double>(all_wrong) / static_cast<double>(all_lookups) : 0.0);
  boost::json::array wrong_json;
  for (const auto& [key, times] : wrong_hits) {
    std::printf("  wrong hit x%d: stored \"%s\" served for \"%s\"  [%s]\n", times, key.first.c_str(),
                key.second.c_str(), wrong_intents[key].c_str());
    wrong_json.push_back({{"stored", key.first}, {"asked", key.second}, {"times", times}});
  }
  boost::json::object j{{"bench", "cache_workload"},
                        {"seeds", seeds},
                        {"lookups", all_lookups},
                        {"exact_hits", all_exact},
                        {"semantic_hits", all_semantic},
                        {"hit_rate", hit_rate},
                        {"wrong_hits", all_wrong},
                        {"wrong_hit_rate", wrong_rate},
                        {"wrong", wrong_json}};
  std::printf("%s\n", boost::json::serialize(j).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {10000, 100000};
  std::size_t queries = 1000;
  int seeds = 3;
  std::string workload = CACHE_WORKLOAD;
  bool latency = true, replay = true, list_misses = false;
  // "--name value" or "--name=value".
  auto value = [&](int& i, const std::string& a, const char* name, std::string& out) {
    std::string prefix = std::string(name) + "=";
    if (a.rfind(prefix, 0) == 0) return out = a.substr(prefix.size()), true;
    if (a == name && i + 1 < argc) return out = argv[++i], true;
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    if (value(i, a, "--sizes", v))
      sizes = parse_sizes(v);
    else if (value(i, a, "--queries", v))
      queries = std::strtoull(v.c_str(), nullptr, 10);
    else if (value(i, a, "--seeds", v))
      seeds = std::atoi(v.c_str());
    else if (value(i, a, "--workload", v))
      workload = v;
    else if (a == "--quick")
      sizes = {1000}, queries = 300, seeds = 1;
    else if (a == "--no-latency")
      latency = false;
    else if (a == "--no-workload")
      replay = false;
    else if (a == "--list-misses")
      list_misses = true;
    else {
      std::fprintf(stderr,
                   "usage: cache_bench [--sizes 10000,100000[,1000000]] [--queries 1000] [--quick] [--seeds 3] "
                   "[--workload FILE] [--list-misses] [--no-latency] [--no-workload]\n");
      return 2;
    }
  }
  char tmpl[] = "/tmp/devagent-cache-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return std::perror("mkdtemp"), 1;
  fs::path dir = tmpl;
  int rc = 0;
  if (replay) rc |= run_workload(dir, workload, seeds, list_misses);
  if (latency) {
    for (auto n : sizes) {
      rc |= run_latency(dir, n, queries);
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().filename().string().rfind("cache-", 0) == 0) fs::remove(e.path(), ec);
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc;
}
