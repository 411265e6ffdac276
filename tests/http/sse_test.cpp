#include "http/sse.h"

#include <gtest/gtest.h>

namespace devagent::http {
namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view stream, size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < stream.size(); i += piece) {
    auto r = p.feed(stream.substr(i, piece), [&](SseEvent&& e) { out.push_back(std::move(e)); });
    EXPECT_TRUE(r);
  }
  return out;
}

TEST(Sse, EncodesEventsWithMultiLineData) {
  SseEvent e{.event = "token", .data = "line one\nline two", .id = "7"};
  EXPECT_EQ(encode_sse(e), "event: token\nid: 7\ndata: line one\ndata: line two\n\n");
  EXPECT_EQ(encode_sse({.data = ""}), "data: \n\n");
  EXPECT_EQ(encode_sse_comment("heartbeat"), ": heartbeat\n\n");
  // Newlines cannot smuggle extra fields through the event name.
  EXPECT_EQ(encode_sse({.event = "a\ndata: evil", .data = "x"}), "event: adata: evil\ndata: x\n\n");
}

TEST(Sse, RoundTripsAtEveryChunkSize) {
  std::string stream;
  std::vector<SseEvent> sent = {{.event = "plan", .data = "{\"tasks\":[]}", .id = "1"},
                                {.event = "token", .data = "multi\nline\n\ntext", .id = "2"},
                                {.event = "", .data = "plain", .id = "3"}};
  for (const auto& e : sent) stream += encode_sse(e);
  for (size_t piece : {1u, 2u, 3u, 7u, 64u, 4096u}) {
    auto got = parse_in_pieces(stream, piece);
    ASSERT_EQ(got.size(), sent.size()) << "piece " << piece;
    for (size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(got[i].event, sent[i].event);
      EXPECT_EQ(got[i].data, sent[i].data);
      EXPECT_EQ(got[i].id, sent[i].id);
    }
  }
}

TEST(Sse, FollowsTheEventSourceLineRules) {
  // CRLF, CR and LF line ends; comments; a field without a colon; no space after the colon.
  std::string stream = ": comment\r\ndata:a\r\ndata\r\n\r\nevent: x\rdata: b\r\rdata: c\n\n";
  for (size_t piece : {1u, 2u, 100u}) {
    auto got = parse_in_pieces(stream, piece);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].data, "a\n");
    EXPECT_EQ(got[1].event, "x");
    EXPECT_EQ(got[1].data, "b");
    EXPECT_EQ(got[2].event, "");
    EXPECT_EQ(got[2].data, "c");
  }
}

TEST(Sse, IgnoresEventsWithoutDataAndTheByteOrderMark) {
  auto got = parse_in_pieces("\xEF\xBB\xBF" "event: ping\n\ndata: x\n\n", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "x");
}

// Found by fuzz_sse_parser (fuzz/corpus/sse_parser/regressions/bom-cut-across-reads):
// a BOM cut by the first reads was taken as text, and the first event lost.
TEST(Sse, IgnoresAByteOrderMarkCutAcrossReads) {
  for (size_t piece : {1u, 2u, 4u}) {
    auto got = parse_in_pieces("\xEF\xBB\xBF" "data: bom\r\n\r\ndata: next\n\n", piece);
    ASSERT_EQ(got.size(), 2u) << "piece " << piece;
    EXPECT_EQ(got[0].data, "bom");
    EXPECT_EQ(got[1].data, "next");
  }
  // The start of a BOM that does not finish is text: "\xEF" "data" is not the field "data".
  for (size_t piece : {1u, 2u, 100u}) {
    auto got = parse_in_pieces("\xEF" "data: x\n\ndata: y\n\n", piece);
    ASSERT_EQ(got.size(), 1u) << "piece " << piece;
    EXPECT_EQ(got[0].data, "y");
  }
}

TEST(Sse, KeepsLastEventIdAndRetry) {
  SseParser p;
  std::vector<SseEvent> got;
  ASSERT_TRUE(p.feed("id: 41\nretry: 1500\ndata: a\n\ndata: b\n\n", [&](SseEvent&& e) { got.push_back(e); }));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].retry_ms, 1500);
  EXPECT_EQ(got[1].id, "41");
  EXPECT_EQ(p.last_event_id(), "41");
}

TEST(Sse, OversizedEventIsAnError) {
  SseParser p(1024);
  std::string big = "data: " + std::string(2000, 'x');
  auto r = p.feed(big, [](SseEvent&&) {});
  EXPECT_FALSE(r);
  SseParser q(1024);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "data: " + std::string(50, 'y') + "\n";
  EXPECT_FALSE(q.feed(many, [](SseEvent&&) {}));
}

TEST(Ndjson, SplitsLinesAcrossChunks) {
  std::string text = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}";
  for (size_t piece : {1u, 5u, 100u}) {
    NdjsonParser p;
    std::vector<std::string> lines;
    for (size_t i = 0; i < text.size(); i += piece) {
      ASSERT_TRUE(p.feed(std::string_view(text).substr(i, piece), [&](std::string_view l) { lines.emplace_back(l); }));
    }
    p.finish([&](std::string_view l) { lines.emplace_back(l); });
    EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
  }
}

TEST(Ndjson, OversizedLineIsAnError) {
  NdjsonParser p(100);
  EXPECT_FALSE(p.feed(std::string(200, 'x'), [](std::string_view) {}));
}

}  // namespace
}  // namespace devagent::http
