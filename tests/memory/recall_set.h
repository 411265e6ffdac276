// A LoCoMo-style retrieval set for conversation memory: developer
// conversations whose user turns state facts about a team's project (mixed
// with ordinary code questions that state none, some facts updated in a
// later conversation), and questions asked afterwards, each worded
// differently from the fact and labelled with the turns that answer it.
//
// The set is hand-written and fixed: questions were written as a user would
// ask them, before any scoring, and are not to be reworded to raise a score.
// Used by tests/memory/recall_test.cpp (a regression floor) and
// bench/memory_bench.cpp (the numbers in docs/benchmarks.md).
#pragma once

#include "core/error.h"

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace devagent::memory {
class MemoryStore;
}

namespace devagent::testing {

struct RecallTurn {
  std::string question;  // what the user said
  std::string answer;    // the assistant's reply
};

struct RecallConversation {
  std::vector<RecallTurn> turns;
};

// A turn of the set: (conversation index, turn index).
struct TurnRef {
  int conversation = 0;
  int turn = 0;
  bool operator==(const TurnRef&) const = default;
};

struct RecallQuestion {
  std::string text;
  std::vector<TurnRef> answers;  // the turns that answer it (the newest statement when a fact was updated)
  std::string kind;              // "fact", "updated" (the fact changed later), "hard" (few shared words), "discussion"
};

struct RecallSet {
  std::vector<RecallConversation> conversations;
  std::vector<RecallQuestion> questions;
};

// The fixed set.
const RecallSet& recall_set();

// Which turn each fragment came from, after loading.
struct LoadedRecallSet {
  std::unordered_map<std::string, TurnRef> origin;  // fragment id → turn
  std::string user_id;
};

// Records every turn, conversation by conversation in order, through
// MemoryStore::remember_turn (conversation ids "recall-<index>"), and notes
// which fragments each turn left. store must be loaded and empty.
Result<LoadedRecallSet> load_recall_set(memory::MemoryStore& store, const RecallSet& set);

struct QuestionResult {
  std::size_t question = 0;  // index into RecallSet::questions
  int rank = 0;              // 1-based rank of the first hit from a labelled turn; 0: none in the top k
};

struct RecallScores {
  double recall_at_1 = 0;
  double recall_at_5 = 0;
  double mrr = 0;  // mean reciprocal rank within the top k (0 when none)
  std::vector<QuestionResult> results;
};

// Asks every question (top k, touch off) and scores the hits: a hit counts
// when its fragment came from a labelled turn and is not superseded.
Result<RecallScores> score_recall(memory::MemoryStore& store, const RecallSet& set, const LoadedRecallSet& loaded,
                                  std::size_t k = 5);

}  // namespace devagent::testing
