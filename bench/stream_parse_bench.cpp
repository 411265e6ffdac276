// How fast each vendor's stream is decoded into Deltas: bytes and events per
// second, with the body arriving in 1,460-byte pieces (one TCP segment) as
// it would from a socket. The streams are the fake upstream's wire text
// (tests/support/fake_formats), a 2,000-token answer of one token per event.
#include "llm/anthropic.h"
#include "llm/ollama.h"
#include "llm/openai.h"
#include "support/fake_formats.h"

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

namespace {

using namespace devagent;
namespace fake = testing::fake;

struct Stream {
  std::string bytes;
  std::size_t events = 0;
};

Stream make_stream(fake::Vendor vendor, bool tool_call) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "tok" + std::to_string(i % 10) + " ";
  testing::Reply reply = tool_call ? testing::Reply::tool_call("searchCode", R"({"query":")" + text + R"("})").piece_bytes(5)
                                   : testing::Reply::text(text).chunks(2000);
  reply.usage(1200, 2000, 300);
  boost::json::object request{{"model", "bench"}, {"stream", true},
                              {"stream_options", boost::json::object{{"include_usage", true}}}};
  auto call = fake::make_chat_call(vendor, request, 4800, reply, 1);
  Stream s;
  for (const auto& ev : fake::stream_events(call, reply)) {
    s.bytes += ev;
    ++s.events;
  }
  return s;
}

template <class Decoder>
void decode(benchmark::State& state, fake::Vendor vendor, bool tool_call) {
  Stream s = make_stream(vendor, tool_call);
  llm::DeltaSink sink = [](const llm::Delta& d) { benchmark::DoNotOptimize(d.kind); };
  for (auto _ : state) {
    Decoder dec;
    llm::ReplyAssembler out(sink);
    std::string_view rest = s.bytes;
    while (!rest.empty()) {
      auto piece = rest.substr(0, 1460);
      rest.remove_prefix(piece.size());
      if (!dec.feed(piece, out)) state.SkipWithError("decode failed");
    }
    if (!dec.complete()) state.SkipWithError("stream incomplete");
    benchmark::DoNotOptimize(out.response("bench"));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.events));
  state.counters["stream_bytes"] = static_cast<double>(s.bytes.size());
}

void BM_OpenAiText(benchmark::State& s) { decode<llm::OpenAiDecoder>(s, fake::Vendor::openai, false); }
void BM_OpenAiToolCall(benchmark::State& s) { decode<llm::OpenAiDecoder>(s, fake::Vendor::openai, true); }
void BM_AnthropicText(benchmark::State& s) { decode<llm::AnthropicDecoder>(s, fake::Vendor::anthropic, false); }
void BM_AnthropicToolCall(benchmark::State& s) { decode<llm::AnthropicDecoder>(s, fake::Vendor::anthropic, true); }
void BM_OllamaText(benchmark::State& s) { decode<llm::OllamaDecoder>(s, fake::Vendor::ollama, false); }

BENCHMARK(BM_OpenAiText);
BENCHMARK(BM_OpenAiToolCall);
BENCHMARK(BM_AnthropicText);
BENCHMARK(BM_AnthropicToolCall);
BENCHMARK(BM_OllamaText);

}  // namespace

BENCHMARK_MAIN();
