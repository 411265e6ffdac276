// Throughput of the built-in HashEmbedder: short questions (the semantic
// cache's load), a long message (memory recall over a conversation) and
// cosine at the default dimension. Prints items per second per thread.
#include "llm/hash_embedder.h"

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using devagent::llm::HashEmbedder;

constexpr std::string_view kQuestions[] = {
    "How do I reverse a list in Python?",  "Where is parse_config defined in src/core/config.cpp?",
    "What does getUserName return?",       "How do I convert a string to an integer in Java?",
    "Show the dependencies of owner/name", "Why does my Rust code say borrowed value does not live long enough?",
    "How can I make my C++ build faster?", "What's new in Python 3.11?",
};

void BM_EmbedShortQuestion(benchmark::State& state) {
  const HashEmbedder embedder;
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = embedder.embed(kQuestions[i++ % std::size(kQuestions)]);
    benchmark::DoNotOptimize(v.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmbedShortQuestion)->ThreadRange(1, 2);

void BM_EmbedLongMessage(benchmark::State& state) {
  std::string text;
  while (text.size() < 4000) {
    for (auto q : kQuestions) {
      text += q;
      text += ' ';
    }
  }
  const HashEmbedder embedder;
  for (auto _ : state) {
    auto v = embedder.embed(text);
    benchmark::DoNotOptimize(v.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_EmbedLongMessage);

void BM_Cosine(benchmark::State& state) {
  const HashEmbedder embedder;
  const auto a = embedder.embed(kQuestions[0]);
  const auto b = embedder.embed(kQuestions[1]);
  for (auto _ : state) benchmark::DoNotOptimize(HashEmbedder::cosine(a, b));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Cosine);

}  // namespace

BENCHMARK_MAIN();
