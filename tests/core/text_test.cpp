// core/text.h: ASCII lower case and UTF-8 repair.
#include "core/text.h"

#include <gtest/gtest.h>

namespace devagent {
namespace {

TEST(Text, AsciiLowerKeepsOtherBytes) { EXPECT_EQ(ascii_lower("ÄbC-Straße"), "Äbc-straße"); }

TEST(Text, ValidUtf8IsKept) {
  for (const char* s : {"", "plain", "naïve café", "日本語", "emoji 😀", "\x7f"}) EXPECT_EQ(valid_utf8(s), s) << s;
}

TEST(Text, InvalidSequencesAndNulBecomeReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(valid_utf8(std::string("a\0b", 3)), "a" + r + "b");
  EXPECT_EQ(valid_utf8("\xff\xfe"), r + r);
  EXPECT_EQ(valid_utf8("caf\xc3"), "caf" + r);            // truncated
  EXPECT_EQ(valid_utf8("\xc0\xaf"), r + r);               // overlong '/'
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), r + r + r);       // a surrogate
  EXPECT_EQ(valid_utf8("\xf4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
  EXPECT_EQ(valid_utf8("ok\x80ok"), "ok" + r + "ok");     // a stray continuation byte
}

}  // namespace
}  // namespace devagent
