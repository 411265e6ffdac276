#include "code/graph.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace devagent::code {

namespace {

bool usable_weight(double w) {
  return std::isfinite(w) && w > 0;
}

// Parallel edges merged (weights added), sorted by (from, to).
std::map<std::pair<std::string, std::string>, double> merge_edges(const std::vector<GraphEdge>& edges) {
  std::map<std::pair<std::string, std::string>, double> merged;
  for (const auto& e : edges) merged[{e.from, e.to}] += usable_weight(e.weight) ? e.weight : 0.0;
  return merged;
}

std::vector<Dependent> breadth_first(const std::unordered_map<std::string, std::vector<std::string>>& next,
                                     const std::string& focus, int max_depth) {
  std::vector<Dependent> found;
  std::unordered_set<std::string> seen = {focus};
  std::vector<std::string> frontier = {focus};
  for (int depth = 1; depth <= max_depth && !frontier.empty(); ++depth) {
    std::vector<std::string> reached;
    for (const auto& node : frontier) {
      auto it = next.find(node);
      if (it == next.end()) continue;
      for (const auto& neighbour : it->second) {
        if (seen.insert(neighbour).second) reached.push_back(neighbour);
      }
    }
    std::sort(reached.begin(), reached.end());
    for (const auto& path : reached) found.push_back({path, depth});
    frontier = std::move(reached);
  }
  return found;
}

// Mermaid reads "#name;" and "#123;" as entity codes inside labels.
std::string mermaid_label(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "#34;";
        break;
      case '#':
        out += "#35;";
        break;
      case '&':
        out += "#38;";
        break;
      case '<':
        out += "#60;";
        break;
      case '>':
        out += "#62;";
        break;
      case '`':
        out += "#96;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  out += '"';
  return out;
}

std::string cypher_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '\'';
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.empty()) return {};  // absent property
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// A float literal both Cypher and neo4j-admin read: shortest round trip,
// always with a '.' or an exponent.
std::string number(double value) {
  if (!std::isfinite(value)) value = 0;
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string out(buffer, ec == std::errc() ? end : buffer);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

// What both exports describe, deduplicated and sorted.
struct Export {
  std::vector<std::string> files;
  std::map<std::pair<std::string, std::string>, double> imports;
  std::vector<Dependency> dependencies;
  std::vector<std::pair<std::string, std::string>> packages;  // (ecosystem, name)
};

Export collect(const std::vector<std::string>& files, const std::vector<GraphEdge>& imports,
               const std::vector<Dependency>& dependencies) {
  Export out;
  std::set<std::string> paths(files.begin(), files.end());
  for (const auto& e : imports) {
    paths.insert(e.from);
    paths.insert(e.to);
  }
  out.files.assign(paths.begin(), paths.end());
  for (const auto& e : imports) out.imports[{e.from, e.to}] += std::isfinite(e.weight) ? e.weight : 0.0;

  out.dependencies = dependencies;
  auto key = [](const Dependency& d) { return std::tie(d.ecosystem, d.name, d.manifest, d.scope, d.constraint); };
  std::sort(out.dependencies.begin(), out.dependencies.end(),
            [&](const Dependency& a, const Dependency& b) { return key(a) < key(b); });
  // One relationship per (package, manifest, scope): the first constraint wins.
  auto same = [](const Dependency& a, const Dependency& b) {
    return std::tie(a.ecosystem, a.name, a.manifest, a.scope) == std::tie(b.ecosystem, b.name, b.manifest, b.scope);
  };
  out.dependencies.erase(std::unique(out.dependencies.begin(), out.dependencies.end(), same), out.dependencies.end());
  std::set<std::pair<std::string, std::string>> packages;
  for (const auto& d : out.dependencies) packages.insert({d.ecosystem, d.name});
  out.packages.assign(packages.begin(), packages.end());
  return out;
}

}  // namespace

std::map<std::string, double> pagerank(const std::vector<std::string>& nodes, const std::vector<GraphEdge>& edges,
                                       double damping) {
  // Node numbers follow name order, so the floating-point sums run in the
  // same order whatever order the input came in.
  std::map<std::string, std::size_t> number_of;
  for (const auto& n : nodes) number_of.emplace(n, 0);
  for (const auto& e : edges) {
    number_of.emplace(e.from, 0);
    number_of.emplace(e.to, 0);
  }
  const std::size_t n = number_of.size();
  if (n == 0) return {};
  std::size_t next_number = 0;
  for (auto& [_, number] : number_of) number = next_number++;

  struct Link {
    std::size_t from, to;
    double weight;
  };
  std::vector<Link> links;
  std::vector<double> out_weight(n, 0.0);
  for (const auto& [ends, weight] : merge_edges(edges)) {
    if (ends.first == ends.second || !usable_weight(weight)) continue;
    const auto from = number_of[ends.first];
    links.push_back({from, number_of[ends.second], weight});
    out_weight[from] += weight;
  }

  damping = std::clamp(std::isfinite(damping) ? damping : 0.85, 0.0, 1.0);
  std::vector<double> rank(n, 1.0 / static_cast<double>(n));
  std::vector<double> next(n);
  for (int iteration = 0; iteration < 100; ++iteration) {
    double dangling = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (out_weight[i] == 0) dangling += rank[i];
    }
    std::fill(next.begin(), next.end(), ((1 - damping) + damping * dangling) / static_cast<double>(n));
    for (const auto& link : links) next[link.to] += damping * rank[link.from] * link.weight / out_weight[link.from];
    double change = 0;
    for (std::size_t i = 0; i < n; ++i) change += std::abs(next[i] - rank[i]);
    rank.swap(next);
    if (change < 1e-9) break;
  }

  double total = 0;
  for (double r : rank) total += r;
  std::map<std::string, double> scores;
  for (const auto& [name, number] : number_of) scores.emplace_hint(scores.end(), name, rank[number] / total);
  return scores;
}

std::vector<Dependent> dependents(const std::vector<GraphEdge>& edges, const std::string& focus, int max_depth) {
  std::unordered_map<std::string, std::vector<std::string>> importers;
  for (const auto& e : edges) importers[e.to].push_back(e.from);
  return breadth_first(importers, focus, max_depth);
}

std::vector<Dependent> dependencies_of(const std::vector<GraphEdge>& edges, const std::string& focus, int max_depth) {
  std::unordered_map<std::string, std::vector<std::string>> imported;
  for (const auto& e : edges) imported[e.from].push_back(e.to);
  return breadth_first(imported, focus, max_depth);
}

std::string mermaid(const std::vector<GraphEdge>& edges, const std::map<std::string, double>& rank,
                    std::size_t max_nodes) {
  std::set<std::string> names;
  for (const auto& e : edges) {
    if (e.from == e.to) continue;
    names.insert(e.from);
    names.insert(e.to);
  }
  auto rank_of = [&](const std::string& name) {
    auto it = rank.find(name);
    return it == rank.end() || std::isnan(it->second) ? 0.0 : it->second;
  };
  std::vector<std::string> kept(names.begin(), names.end());
  std::stable_sort(kept.begin(), kept.end(),
                   [&](const std::string& a, const std::string& b) { return rank_of(a) > rank_of(b); });
  if (kept.size() > max_nodes) kept.resize(max_nodes);

  std::unordered_map<std::string, std::size_t> id;
  std::string out = "graph LR\n";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    id.emplace(kept[i], i);
    out += "  n" + std::to_string(i) + "[" + mermaid_label(kept[i]) + "]\n";
  }
  std::set<std::pair<std::size_t, std::size_t>> arrows;
  for (const auto& e : edges) {
    auto from = id.find(e.from);
    auto to = id.find(e.to);
    if (from == id.end() || to == id.end() || e.from == e.to) continue;
    arrows.insert({from->second, to->second});
  }
  for (auto [from, to] : arrows) out += "  n" + std::to_string(from) + " --> n" + std::to_string(to) + "\n";
  return out;
}

std::string cypher(const std::string& repository, const std::vector<std::string>& files,
                   const std::vector<GraphEdge>& imports, const std::vector<Dependency>& dependencies) {
  const auto data = collect(files, imports, dependencies);
  const auto repo = cypher_string(repository);
  auto file = [&](const std::string& path) {
    return "(:File {path: " + cypher_string(path) + ", repository: " + repo + "})";
  };
  std::string out =
      "CREATE INDEX devagent_repository IF NOT EXISTS FOR (r:Repository) ON (r.name);\n"
      "CREATE INDEX devagent_file IF NOT EXISTS FOR (f:File) ON (f.repository, f.path);\n"
      "CREATE INDEX devagent_package IF NOT EXISTS FOR (p:Package) ON (p.ecosystem, p.name);\n";
  out += "MERGE (:Repository {name: " + repo + "});\n";
  for (const auto& path : data.files) {
    out += "MATCH (r:Repository {name: " + repo + "}) MERGE (f:File {path: " + cypher_string(path) +
           ", repository: " + repo + "}) MERGE (r)-[:CONTAINS]->(f);\n";
  }
  for (const auto& [ends, weight] : data.imports) {
    auto a = file(ends.first);
    auto b = file(ends.second);
    out += "MATCH (a" + a.substr(1) + ", (b" + b.substr(1) +
           " MERGE (a)-[i:IMPORTS]->(b) SET i.weight = " + number(weight) + ";\n";
  }
  for (const auto& [ecosystem, name] : data.packages) {
    out += "MERGE (:Package {name: " + cypher_string(name) + ", ecosystem: " + cypher_string(ecosystem) + "});\n";
  }
  for (const auto& d : data.dependencies) {
    out += "MATCH (r:Repository {name: " + repo + "}), (p:Package {name: " + cypher_string(d.name) +
           ", ecosystem: " + cypher_string(d.ecosystem) +
           "}) MERGE (r)-[d:DEPENDS_ON {manifest: " + cypher_string(d.manifest) + ", scope: " + cypher_string(d.scope) +
           "}]->(p) SET d.constraint = " + (d.constraint.empty() ? std::string("null") : cypher_string(d.constraint)) +
           ";\n";
  }
  return out;
}

CsvExport csv(const std::string& repository, const std::vector<std::string>& files,
              const std::vector<GraphEdge>& imports, const std::vector<Dependency>& dependencies) {
  const auto data = collect(files, imports, dependencies);
  const auto repo_id = csv_field("repository:" + repository);
  auto file_id = [&](const std::string& path) { return csv_field("file:" + repository + ":" + path); };
  auto package_id = [](const std::string& ecosystem, const std::string& name) {
    return csv_field("package:" + ecosystem + ":" + name);
  };

  CsvExport out;
  out.nodes = ":ID,name,path,repository,ecosystem,:LABEL\n";
  out.nodes += repo_id + "," + csv_field(repository) + ",,,,Repository\n";
  for (const auto& path : data.files) {
    out.nodes += file_id(path) + ",," + csv_field(path) + "," + csv_field(repository) + ",,File\n";
  }
  for (const auto& [ecosystem, name] : data.packages) {
    out.nodes += package_id(ecosystem, name) + "," + csv_field(name) + ",,," + csv_field(ecosystem) + ",Package\n";
  }

  out.edges = ":START_ID,:END_ID,:TYPE,weight:double,manifest,scope,constraint\n";
  for (const auto& path : data.files) out.edges += repo_id + "," + file_id(path) + ",CONTAINS,,,,\n";
  for (const auto& [ends, weight] : data.imports) {
    out.edges += file_id(ends.first) + "," + file_id(ends.second) + ",IMPORTS," + number(weight) + ",,,\n";
  }
  for (const auto& d : data.dependencies) {
    out.edges += repo_id + "," + package_id(d.ecosystem, d.name) + ",DEPENDS_ON,," + csv_field(d.manifest) + "," +
                 csv_field(d.scope) + "," + csv_field(d.constraint) + "\n";
  }
  return out;
}

}  // namespace devagent::code
