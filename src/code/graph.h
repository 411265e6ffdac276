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
// Scores sum to 1. Every node in `nodes` gets a score, edges or not.
std::map<std::string, double> pagerank(const std::vector<std::string>& nodes, const std::vector<GraphEdge>& edges,
                                       double damping = 0.85);

struct Dependent {
  std::string path;
  int depth = 0;  // 1: imports the focus directly
};

// Files that depend on `focus`, directly and transitively (edges point from
// importer to imported), nearest first, up to max_depth.
std::vector<Dependent> dependents(const std::vector<GraphEdge>& edges, const std::string& focus, int max_depth = 10);
// What `focus` depends on, the same way.
std::vector<Dependent> dependencies_of(const std::vector<GraphEdge>& edges, const std::string& focus,
                                       int max_depth = 10);

// A Mermaid "graph LR" diagram of the edges, node ids made safe, at most
// max_nodes nodes (the highest ranked when ranks are given).
std::string mermaid(const std::vector<GraphEdge>& edges, const std::map<std::string, double>& rank = {},
                    std::size_t max_nodes = 40);

// Neo4j: Cypher statements (MERGE nodes, MERGE relationships) for files,
// imports and package dependencies; and the same as CSV (nodes.csv and
// edges.csv contents) for neo4j-admin import.
std::string cypher(const std::string& repository, const std::vector<std::string>& files,
                   const std::vector<GraphEdge>& imports, const std::vector<Dependency>& dependencies);
struct CsvExport {
  std::string nodes;
  std::string edges;
};
CsvExport csv(const std::string& repository, const std::vector<std::string>& files,
              const std::vector<GraphEdge>& imports, const std::vector<Dependency>& dependencies);

}  // namespace devagent::code
