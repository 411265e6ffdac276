// The import graph: importance by PageRank (as Aider's repo map ranks files),
// dependents of a file, and exports (Mermaid for the UI, Cypher and CSV for
// graph databases).
#pragma once

#include "code/model.h"

#include <map>
#include <string>
#include <vector>

namespace devagent::code {

struct GraphEdge {
  std::string from;
  std::string to;
  double weight = 1.0;
};

// PageRank over the directed graph (damping 0.85, until the L1 change is
// below 1e-9 or 100 iterations); dangling nodes spread their rank evenly.
// Scores sum to 1. Every node in `nodes` gets a score, edges or not; so does
// a node named only by an edge. A node passes its rank on in proportion to
// edge weights (parallel edges add up); self-loops and edges whose weight is
// not a positive number are ignored. The result does not depend on the order
// of `nodes` or `edges`.
std::map<std::string, double> pagerank(const std::vector<std::string>& nodes, const std::vector<GraphEdge>& edges,
                                       double damping = 0.85);

struct Dependent {
  std::string path;
  int depth = 0;  // 1: imports the focus directly
};

// Files that depend on `focus`, directly and transitively (edges point from
// importer to imported), nearest first (ties by path), up to max_depth; each
// file once, at its smallest depth; never `focus` itself.
std::vector<Dependent> dependents(const std::vector<GraphEdge>& edges, const std::string& focus, int max_depth = 10);
// What `focus` depends on, the same way.
std::vector<Dependent> dependencies_of(const std::vector<GraphEdge>& edges, const std::string& focus,
                                       int max_depth = 10);

// A Mermaid "graph LR" diagram of the edges: nodes n0, n1, ... with quoted
// labels (", #, <, >, &, ` as Mermaid entity codes), at most max_nodes nodes
// chosen by rank (highest first; a missing rank counts as 0) then name, and
// numbered in that order; only edges between kept nodes, each once, sorted;
// self-loops are not drawn.
std::string mermaid(const std::vector<GraphEdge>& edges, const std::map<std::string, double>& rank = {},
                    std::size_t max_nodes = 40);

// Neo4j: Cypher statements (MERGE nodes, MERGE relationships) for files,
// imports and package dependencies; and the same as CSV (nodes.csv and
// edges.csv contents) for neo4j-admin import.
//   (:Repository {name})-[:CONTAINS]->(:File {path, repository})
//   (:File)-[:IMPORTS {weight}]->(:File)          parallel imports add up
//   (:Repository)-[:DEPENDS_ON {manifest, scope, constraint}]->(:Package {name, ecosystem})
// Files named only by an import are included. Output is sorted, so the same
// input gives the same text. Cypher starts with CREATE INDEX ... IF NOT
// EXISTS (Neo4j 4.x/5.x) so the MERGEs stay fast, and is re-runnable;
// strings are single-quoted with backslash escapes. CSV: one ID space
// ("repository:<name>", "file:<repository>:<path>", "package:<ecosystem>:<name>"),
// strings double-quoted with "" for a quote; an empty field is an absent
// property. A path with a newline needs neo4j-admin's --multiline-fields=true.
std::string cypher(const std::string& repository, const std::vector<std::string>& files,
                   const std::vector<GraphEdge>& imports, const std::vector<Dependency>& dependencies);
struct CsvExport {
  std::string nodes;
  std::string edges;
};
CsvExport csv(const std::string& repository, const std::vector<std::string>& files,
              const std::vector<GraphEdge>& imports, const std::vector<Dependency>& dependencies);

}  // namespace devagent::code
