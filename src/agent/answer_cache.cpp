#include "agent/answer_cache.h"

#include "agent/agent.h"
#include "agent/planner.h"
#include "llm/hash_embedder.h"
#include "store/store.h"
#include "tools/tool.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

namespace devagent::agent {

namespace json = boost::json;

namespace {

// Tools that read the local workspace: their answers change with its revision.
bool is_local_code_tool(std::string_view tool) {
  return tool == "analyzeRepository" || tool == "findRelationships" || tool == "searchCode" || tool == "readFile";
}

bool is_github_slug(std::string_view repo) {
  auto slash = repo.find('/');
  return slash != std::string_view::npos && slash > 0 && slash + 1 < repo.size() &&
         repo.find('/', slash + 1) == std::string_view::npos;
}

void repositories_of(const Task& task, std::set<std::string>& out) {
  bool named = false;
  for (const char* key : {"repository", "repo"}) {
    if (auto it = task.arguments.find(key); it != task.arguments.end() && it->value().is_string()) {
      out.emplace(it->value().as_string());
      named = true;
    }
  }
  if (auto it = task.arguments.find("repositories"); it != task.arguments.end() && it->value().is_array()) {
    for (const auto& r : it->value().as_array()) {
      if (r.is_string()) {
        out.emplace(r.as_string());
        named = true;
      }
    }
  }
  // searchCode without a repository searches them all.
  if (!named && is_local_code_tool(task.tool)) out.emplace(task.tool == "searchCode" ? "*" : ".");
}

}  // namespace

CacheInfo CacheInfo::of(const cache::Hit& hit) {
  return CacheInfo{.kind = hit.entry.kind,
                   .exact = hit.exact,
                   .similarity = hit.decision.similarity,
                   .question = hit.entry.question,
                   .age_ms = std::max<std::int64_t>(0, store::now_ms() - hit.entry.created_at),
                   .tokens_saved = hit.entry.input_tokens + hit.entry.output_tokens,
                   .cost_saved_nanos = hit.entry.cost_nanos};
}

json::object CacheInfo::to_json() const {
  return json::object{{"kind", cache::to_string(kind)},
                      {"match", exact ? "exact" : "semantic"},
                      {"similarity", similarity},
                      {"question", question},
                      {"age_ms", age_ms},
                      {"tokens_saved", tokens_saved},
                      {"cost_saved_usd", static_cast<double>(cost_saved_nanos) / 1e9}};
}

std::string digest(std::string_view text) {
  auto h = llm::fnv1a64(text);
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[i] = digits[h & 15];
  return out;
}

std::string tool_set_digest(const tools::ToolRegistry& tools) {
  std::string all;
  for (const auto& spec : tools.specs()) {
    all += spec.name + '\n' + spec.description + '\n' + json::serialize(spec.parameters) + '\n';
  }
  return digest(all);
}

bool leans_on_earlier_turns(std::string_view question) {
  // Words that point back at something said before. Conservative: a question
  // with one of them is never matched semantically across conversations.
  static const std::set<std::string, std::less<>> kBackReferences = {
      "it",     "its",   "that",   "this",  "these", "those",   "them",    "they",     "their", "there",
      "above",  "previous", "earlier", "same", "former", "latter", "again", "else", "instead", "one",
      "ones",   "also",  "too",    "more",  "another", "other",  "others", "second", "first", "last"};
  static const std::set<std::string, std::less<>> kOpeners = {"and", "but", "so", "then", "what", "how", "why"};
  std::vector<std::string> words;
  std::string word;
  for (char c : question) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty()) return true;
  for (const auto& w : words) {
    if (kBackReferences.contains(w)) return true;
  }
  // "and the tests?", "what about Go?", "how about the server": an opener with
  // "about", or a short fragment starting with a conjunction.
  if (words.size() >= 2 && kOpeners.contains(words[0]) && words[1] == "about") return true;
  return (words[0] == "and" || words[0] == "but" || words[0] == "so" || words[0] == "then") && words.size() <= 6;
}

std::string context_digest(const Question& q, bool shows_memories) {
  std::string all;
  if (!q.history.empty() && leans_on_earlier_turns(q.text)) {
    for (const auto& m : q.history) all += "turn:" + m.content + '\n';
    if (!q.summary.empty()) all += "summary:" + q.summary + '\n';
  }
  for (const auto& r : q.memories) {
    if (shows_memories || r.stated) all += "memory:" + r.kind + ":" + r.content + '\n';
  }
  for (const auto& n : q.noted) all += "noted:" + n + '\n';
  return all.empty() ? std::string() : digest(all);
}

RepositoryScope repository_scope(std::string_view question, const PlannerContext& planner,
                                 const RevisionResolver& revision) {
  std::set<std::string> repos;
  for (const auto& task : plan_builtin(question, planner).tasks) repositories_of(task, repos);
  auto entities = extract_entities(question, planner);
  for (const auto& r : entities.repositories) repos.insert(r);
  if (entities.this_repository) repos.insert(".");
  RepositoryScope out;
  out.about_repository = !repos.empty();
  for (const auto& r : repos) {
    if (!out.repositories.empty()) {
      out.repositories += ',';
      out.revisions += ',';
    }
    out.repositories += r;
    if (revision && !is_github_slug(r)) {
      if (auto rev = revision(r)) {
        out.revisions += *rev;
        if (rev->find(kNoRevision) != std::string::npos) out.cacheable = false;
      }
    }
  }
  return out;
}

EventSink RunRecorder::wrap(EventSink sink) {
  return [events = events_, sink = std::move(sink)](const Event& e) {
    if (e.kind != EventKind::notice && e.kind != EventKind::answer_done && e.kind != EventKind::error) {
      events->push_back(e);
    }
    if (sink) sink(e);
  };
}

std::string RunRecorder::payload(const std::string& text, json::object meta) const {
  json::array events;
  events.reserve(events_->size());
  for (const auto& e : *events_) events.push_back(json::object{{"kind", to_string(e.kind)}, {"data", e.data}});
  meta["events"] = std::move(events);
  meta["text"] = text;
  return json::serialize(meta);
}

Result<Replay> parse_payload(std::string_view payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return Error{ErrorKind::internal, "a cached answer is not valid JSON"};
  const auto& o = v.as_object();
  Replay out;
  auto field = [&](const char* name, std::string& into) {
    if (auto t = o.if_contains(name); t && t->is_string()) into = std::string(t->as_string());
  };
  field("text", out.text);
  field("engine", out.engine);
  field("provider", out.provider);
  field("model", out.model);
  const auto* events = o.if_contains("events");
  if (!events || !events->is_array()) return Error{ErrorKind::internal, "a cached answer has no events"};
  static const std::pair<std::string_view, EventKind> kKinds[] = {
      {"plan", EventKind::plan},
      {"task_started", EventKind::task_started},
      {"task_progress", EventKind::task_progress},
      {"task_finished", EventKind::task_finished},
      {"token", EventKind::token}};
  for (const auto& e : events->as_array()) {
    if (!e.is_object()) continue;
    const auto* kind = e.as_object().if_contains("kind");
    const auto* data = e.as_object().if_contains("data");
    if (!kind || !kind->is_string() || !data || !data->is_object()) continue;
    for (const auto& [name, k] : kKinds) {
      if (kind->as_string() == name) out.events.push_back(Event{k, data->as_object()});
    }
  }
  return out;
}

bool uses_local_code(const Plan& plan) {
  return std::any_of(plan.tasks.begin(), plan.tasks.end(), [](const Task& t) {
    if (!is_local_code_tool(t.tool)) return false;
    std::set<std::string> repos;
    repositories_of(t, repos);
    return std::any_of(repos.begin(), repos.end(), [](const std::string& r) { return !is_github_slug(r); });
  });
}

}  // namespace devagent::agent
