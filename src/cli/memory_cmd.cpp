// devagent memory search|list|forget: what conversation memory holds.
#include "cli/common.h"
#include "memory/memory.h"
#include "store/store.h"

#include <boost/json.hpp>

#include <iostream>

namespace devagent::cli {
namespace {

struct MemoryFlags {
  bool as_json = false;
  std::string query;
  int k = 5;
  std::string kind;
  std::string conversation;
  int limit = 50;
  bool include_superseded = false;
  std::string id;
};

std::string one_line(std::string s, std::size_t max) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = s.substr(0, max) + "…";
  return s;
}

// Opens the store and memory; prints the error and returns nullptr on failure.
std::unique_ptr<memory::MemoryStore> open_memory(const GlobalFlags& flags, std::unique_ptr<store::Database>& db,
                                                 int& exit_code) {
  auto cfg = load_config(flags);
  if (!cfg) {
    exit_code = kExitUsage;
    return nullptr;
  }
  db = open_store(*cfg, exit_code);
  if (!db) return nullptr;
  auto mem = std::make_unique<memory::MemoryStore>(*db, memory::MemoryOptions::from(*cfg));
  if (auto ok = mem->load(); !ok) {
    print_error("cannot open memory: " + ok.error().message);
    exit_code = kExitRuntime;
    return nullptr;
  }
  return mem;
}

int search(const GlobalFlags& flags, const MemoryFlags& f) {
  if (f.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    print_error("memory search needs a question: devagent memory search \"what is our staging database?\"");
    return kExitUsage;
  }
  int exit_code = kExitOk;
  std::unique_ptr<store::Database> db;
  auto mem = open_memory(flags, db, exit_code);
  if (!mem) return exit_code;
  memory::SearchOptions options;
  options.k = static_cast<std::size_t>(f.k);
  if (!f.kind.empty()) options.kinds.push_back(f.kind);
  auto hits = mem->search(f.query, options);
  if (!hits) {
    print_error(hits.error().message);
    return kExitRuntime;
  }
  if (f.as_json) {
    boost::json::array a;
    for (const auto& h : *hits) a.push_back(memory::to_json(h));
    std::cout << boost::json::serialize(boost::json::object{{"query", f.query}, {"memories", std::move(a)}}) << "\n";
    return kExitOk;
  }
  if (hits->empty()) std::cout << "nothing remembered matches\n";
  for (const auto& h : *hits) {
    char score[16];
    std::snprintf(score, sizeof score, "%.3f", h.score);
    std::cout << score << "  " << h.fragment.kind << "  " << h.fragment.id << "  " << one_line(h.fragment.content, 120)
              << "\n";
  }
  return kExitOk;
}

int list(const GlobalFlags& flags, const MemoryFlags& f) {
  int exit_code = kExitOk;
  std::unique_ptr<store::Database> db;
  auto mem = open_memory(flags, db, exit_code);
  if (!mem) return exit_code;
  auto fragments = mem->list(memory::ListOptions{.conversation_id = f.conversation,
                                                 .kind = f.kind,
                                                 .include_superseded = f.include_superseded,
                                                 .limit = f.limit});
  if (!fragments) {
    print_error(fragments.error().message);
    return kExitRuntime;
  }
  if (f.as_json) {
    boost::json::array a;
    for (const auto& x : *fragments) a.push_back(memory::to_json(x));
    std::cout << boost::json::serialize(boost::json::object{{"memories", std::move(a)}}) << "\n";
    return kExitOk;
  }
  for (const auto& x : *fragments) {
    std::cout << x.id << "  " << x.kind << (x.superseded_by.empty() ? "" : " (superseded)") << "  "
              << one_line(x.content, 120) << "\n";
  }
  return kExitOk;
}

int forget(const GlobalFlags& flags, const MemoryFlags& f) {
  int exit_code = kExitOk;
  std::unique_ptr<store::Database> db;
  auto mem = open_memory(flags, db, exit_code);
  if (!mem) return exit_code;
  auto removed = mem->forget(f.id);
  if (!removed) {
    print_error(removed.error().message);
    return kExitRuntime;
  }
  if (!*removed) {
    print_error("no memory with id " + f.id);
    return kExitRuntime;
  }
  std::cout << "forgot " << f.id << "\n";
  return kExitOk;
}

}  // namespace

void add_memory(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  static MemoryFlags f;
  auto* cmd = app.add_subcommand("memory", "What conversation memory holds: search, list, forget");
  cmd->require_subcommand(1);
  auto kinds = CLI::IsMember({"fact", "summary", "entity", "message"});

  auto* s = cmd->add_subcommand("search", "Recall memories for a question (hybrid: vectors, keywords, entities)");
  s->add_option("query", f.query, "What to recall")->required();
  s->add_option("-k,--k", f.k, "How many")->check(CLI::Range(1, 100));
  s->add_option("--kind", f.kind, "Only this kind")->check(kinds);
  s->add_flag("--json", f.as_json, "Print JSON");
  s->callback([&flags, &exit_code] { exit_code = search(flags, f); });

  auto* l = cmd->add_subcommand("list", "List memories, newest first");
  l->add_option("--kind", f.kind, "Only this kind")->check(kinds);
  l->add_option("--conversation", f.conversation, "Only this conversation");
  l->add_option("--limit", f.limit, "At most this many")->check(CLI::Range(1, 1000));
  l->add_flag("--include-superseded", f.include_superseded, "Also facts replaced by newer ones");
  l->add_flag("--json", f.as_json, "Print JSON");
  l->callback([&flags, &exit_code] { exit_code = list(flags, f); });

  auto* g = cmd->add_subcommand("forget", "Remove a memory from the store and the index");
  g->add_option("id", f.id, "The memory's id (from list or search)")->required();
  g->callback([&flags, &exit_code] { exit_code = forget(flags, f); });
}

}  // namespace devagent::cli
