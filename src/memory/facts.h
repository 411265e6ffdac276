// Facts worth keeping, found by rules in what the user says (builtin mode;
// with an LLM the summary route extracts them, see extract.h): "our staging
// database is db-staging-7", "the API moved to api.example.com", "we use
// Postgres for the job queue", "remember that releases are cut on Fridays".
//
// Each fact has a subject — its normalised topic ("staging database") — so a
// later fact about the same subject supersedes the earlier one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace devagent::memory {

struct Fact {
  std::string subject;    // normalised: lower case, no possessives, synonyms folded ("db" → "database")
  std::string value;      // what the subject is now ("db-staging-7")
  std::string statement;  // the sentence as said, trimmed
};

// Facts stated in text; questions and requests state none.
std::vector<Fact> extract_facts(std::string_view text);

// Whether text reads as a question or a request rather than a statement.
bool is_question(std::string_view text);

// The subject as extract_facts normalises it (exposed for the LLM path).
std::string normalise_subject(std::string_view subject);

}  // namespace devagent::memory
