#include "code/graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace devagent::code {
namespace {

double sum(const std::map<std::string, double>& scores) {
  double total = 0;
  for (const auto& [_, s] : scores) total += s;
  return total;
}

// PageRank the textbook way, independent of the implementation under test:
// a dense transition matrix with dangling columns spread evenly, iterated
// far past convergence.
std::map<std::string, double> reference_pagerank(const std::vector<std::string>& nodes,
                                                 const std::vector<GraphEdge>& edges, double d = 0.85) {
  const auto n = nodes.size();
  auto at = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(nodes.begin(), nodes.end(), name) - nodes.begin());
  };
  std::vector<std::vector<double>> m(n, std::vector<double>(n, 0.0));  // m[to][from]
  std::vector<double> out(n, 0.0);
  for (const auto& e : edges) {
    if (e.from == e.to) continue;
    m[at(e.to)][at(e.from)] += e.weight;
    out[at(e.from)] += e.weight;
  }
  for (std::size_t from = 0; from < n; ++from) {
    for (std::size_t to = 0; to < n; ++to) {
      m[to][from] = out[from] > 0 ? m[to][from] / out[from] : 1.0 / static_cast<double>(n);
    }
  }
  std::vector<double> r(n, 1.0 / static_cast<double>(n));
  for (int iteration = 0; iteration < 1000; ++iteration) {
    std::vector<double> next(n, (1 - d) / static_cast<double>(n));
    for (std::size_t to = 0; to < n; ++to) {
      for (std::size_t from = 0; from < n; ++from) next[to] += d * m[to][from] * r[from];
    }
    r = next;
  }
  std::map<std::string, double> scores;
  for (std::size_t i = 0; i < n; ++i) scores[nodes[i]] = r[i];
  return scores;
}

void expect_near(const std::map<std::string, double>& actual, const std::map<std::string, double>& expected,
                 double tolerance = 1e-8) {
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [name, score] : expected) {
    ASSERT_TRUE(actual.count(name)) << name;
    EXPECT_NEAR(actual.at(name), score, tolerance) << name;
  }
}

TEST(PageRank, CycleIsUniform) {
  auto r = pagerank({"a", "b", "c"}, {{"a", "b"}, {"b", "c"}, {"c", "a"}});
  for (const auto& name : {"a", "b", "c"}) EXPECT_NEAR(r[name], 1.0 / 3, 1e-9);
}

TEST(PageRank, TwoNodesMatchTheClosedForm) {
  // a → b, b dangling: r_a = 0.15/2 + 0.85 r_b/2 and r_a + r_b = 1,
  // so r_b = 0.925 / 1.425.
  auto r = pagerank({"a", "b"}, {{"a", "b"}});
  EXPECT_NEAR(r["b"], 0.925 / 1.425, 1e-9);
  EXPECT_NEAR(r["a"], 0.5 / 1.425, 1e-9);
}

TEST(PageRank, StarRanksTheCentreFirst) {
  std::vector<std::string> nodes = {"centre", "l1", "l2", "l3", "l4"};
  std::vector<GraphEdge> edges;
  for (int i = 1; i <= 4; ++i) edges.push_back({"l" + std::to_string(i), "centre"});
  auto r = pagerank(nodes, edges);
  expect_near(r, reference_pagerank(nodes, edges));
  EXPECT_NEAR(sum(r), 1.0, 1e-12);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_GT(r["centre"], r["l" + std::to_string(i)]);
    EXPECT_DOUBLE_EQ(r["l" + std::to_string(i)], r["l1"]);
  }
}

TEST(PageRank, WeightsSplitRank) {
  std::vector<std::string> nodes = {"a", "b", "c"};
  std::vector<GraphEdge> edges = {{"a", "b", 3.0}, {"a", "c", 1.0}};
  auto r = pagerank(nodes, edges);
  expect_near(r, reference_pagerank(nodes, edges));
  EXPECT_GT(r["b"], r["c"]);
  EXPECT_GT(r["c"], r["a"]);
}

TEST(PageRank, ParallelEdgesAddUpAndSelfLoopsAreIgnored) {
  auto merged = pagerank({"a", "b", "c"}, {{"a", "b", 2.0}, {"a", "c", 1.0}});
  auto parallel = pagerank({"a", "b", "c"}, {{"a", "b"}, {"a", "b"}, {"a", "c"}, {"a", "a", 5.0}, {"b", "b"}});
  expect_near(parallel, merged, 1e-15);
}

TEST(PageRank, IsolatedAndEdgeOnlyNodesGetScores) {
  auto r = pagerank({"x", "y"}, {});
  EXPECT_NEAR(r["x"], 0.5, 1e-12);
  EXPECT_NEAR(r["y"], 0.5, 1e-12);

  r = pagerank({"a"}, {{"a", "b"}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GT(r["b"], r["a"]);
  EXPECT_TRUE(pagerank({}, {}).empty());
}

TEST(PageRank, RandomGraphsMatchTheReferenceAndAreDeterministic) {
  std::mt19937 random(42);
  for (int round = 0; round < 10; ++round) {
    const int n = 3 + round * 3;
    std::vector<std::string> nodes;
    for (int i = 0; i < n; ++i) nodes.push_back("f" + std::to_string(i));
    std::vector<GraphEdge> edges;
    std::uniform_int_distribution<int> pick(0, n - 1);
    std::uniform_real_distribution<double> weight(0.5, 3.0);
    for (int e = 0; e < n * 2; ++e) edges.push_back({nodes[pick(random)], nodes[pick(random)], weight(random)});

    auto r = pagerank(nodes, edges);
    EXPECT_NEAR(sum(r), 1.0, 1e-12);
    expect_near(r, reference_pagerank(nodes, edges), 1e-7);

    // The same graph given in another order gives the very same numbers.
    auto shuffled_nodes = nodes;
    auto shuffled_edges = edges;
    std::shuffle(shuffled_nodes.begin(), shuffled_nodes.end(), random);
    std::shuffle(shuffled_edges.begin(), shuffled_edges.end(), random);
    EXPECT_EQ(pagerank(shuffled_nodes, shuffled_edges), r);
  }
}

// ------------------------------------------------------------------ dependents

const std::vector<GraphEdge> chain = {
    {"a", "b"}, {"b", "c"}, {"c", "d"}, {"e", "c"}, {"d", "b"},  // d → b closes a cycle
};

TEST(Dependents, NearestFirstThenByPath) {
  auto found = dependents(chain, "d");
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].path, "c");
  EXPECT_EQ(found[0].depth, 1);
  EXPECT_EQ(found[1].path, "b");  // depth 2, before e by path
  EXPECT_EQ(found[1].depth, 2);
  EXPECT_EQ(found[2].path, "e");
  EXPECT_EQ(found[2].depth, 2);
  EXPECT_EQ(found[3].path, "a");
  EXPECT_EQ(found[3].depth, 3);
}

TEST(Dependents, DepthLimitAndUnknownFocus) {
  auto found = dependents(chain, "d", 1);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].path, "c");
  EXPECT_TRUE(dependents(chain, "d", 0).empty());
  EXPECT_TRUE(dependents(chain, "nowhere").empty());
  EXPECT_TRUE(dependents(chain, "a").empty());
}

TEST(Dependents, DependenciesGoTheOtherWay) {
  auto found = dependencies_of(chain, "a");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].path, "b");
  EXPECT_EQ(found[1].path, "c");
  EXPECT_EQ(found[2].path, "d");
  EXPECT_EQ(found[2].depth, 3);
  // The cycle through b never brings the focus back.
  for (const auto& d : dependencies_of(chain, "b")) EXPECT_NE(d.path, "b");
}

// ------------------------------------------------------------------ Mermaid

TEST(Mermaid, DiagramIsDeterministic) {
  std::vector<GraphEdge> edges = {{"src/b.cpp", "src/a.h"}, {"src/a.cpp", "src/a.h"}, {"src/a.cpp", "src/a.h"}};
  const std::string expected =
      "graph LR\n"
      "  n0[\"src/a.cpp\"]\n"
      "  n1[\"src/a.h\"]\n"
      "  n2[\"src/b.cpp\"]\n"
      "  n0 --> n1\n"
      "  n2 --> n1\n";
  EXPECT_EQ(mermaid(edges), expected);
  std::reverse(edges.begin(), edges.end());
  EXPECT_EQ(mermaid(edges), expected);
}

TEST(Mermaid, LabelsAreEscaped) {
  auto text = mermaid({{"dir/\"quoted\"[x].h", "a#b<c>&d`e`.js"}, {"self", "self"}});
  EXPECT_NE(text.find("[\"a#35;b#60;c#62;#38;d#96;e#96;.js\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("[\"dir/#34;quoted#34;[x].h\"]"), std::string::npos) << text;
  EXPECT_EQ(text.find("self"), std::string::npos) << "self-loops are not drawn";
  // Every line is a header, a node or an arrow: no stray quote breaks a label.
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 4u);
  EXPECT_EQ(std::count(text.begin(), text.end(), '"'), 4);
}

TEST(Mermaid, KeepsTheHighestRankedNodes) {
  std::vector<GraphEdge> edges = {{"a", "hub"}, {"b", "hub"}, {"c", "hub"}, {"hub", "core"}, {"a", "b"}};
  std::map<std::string, double> rank = {{"hub", 0.4}, {"core", 0.3}, {"a", 0.1}, {"b", 0.1}, {"c", 0.1}};
  auto text = mermaid(edges, rank, 3);
  EXPECT_EQ(text,
            "graph LR\n"
            "  n0[\"hub\"]\n"
            "  n1[\"core\"]\n"
            "  n2[\"a\"]\n"  // a, b and c tie: by name
            "  n0 --> n1\n"
            "  n2 --> n0\n");
  EXPECT_EQ(mermaid(edges, {}, 2),
            "graph LR\n"
            "  n0[\"a\"]\n"
            "  n1[\"b\"]\n"
            "  n0 --> n1\n");
  EXPECT_EQ(mermaid(edges, rank, 0), "graph LR\n");
}

// ------------------------------------------------------------------ Neo4j

const std::vector<Dependency> deps = {
    {.manifest = "package.json", .ecosystem = "npm", .name = "react", .constraint = "^18.2.0", .scope = "runtime"},
    {.manifest = "package.json", .ecosystem = "npm", .name = "vitest", .constraint = "", .scope = "dev"},
};

TEST(Cypher, StatementsMergeNodesAndRelationships) {
  auto text = cypher("shop", {"src/a.ts", "src/b.ts"}, {{"src/a.ts", "src/b.ts"}, {"src/a.ts", "src/b.ts"}}, deps);
  EXPECT_NE(text.find("MERGE (:Repository {name: 'shop'});\n"), std::string::npos);
  EXPECT_NE(text.find("MERGE (f:File {path: 'src/a.ts', repository: 'shop'}) MERGE (r)-[:CONTAINS]->(f);"),
            std::string::npos);
  EXPECT_NE(text.find("MATCH (a:File {path: 'src/a.ts', repository: 'shop'}), (b:File {path: 'src/b.ts', "
                      "repository: 'shop'}) MERGE (a)-[i:IMPORTS]->(b) SET i.weight = 2.0;"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("MERGE (:Package {name: 'react', ecosystem: 'npm'});"), std::string::npos);
  EXPECT_NE(text.find("MERGE (r)-[d:DEPENDS_ON {manifest: 'package.json', scope: 'runtime'}]->(p) SET "
                      "d.constraint = '^18.2.0';"),
            std::string::npos);
  EXPECT_NE(text.find("scope: 'dev'}]->(p) SET d.constraint = null;"), std::string::npos);
  // Every statement ends its line.
  std::size_t statements = 0;
  for (std::size_t at = 0; (at = text.find(";\n", at)) != std::string::npos; ++at) ++statements;
  EXPECT_EQ(statements, static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
}

TEST(Cypher, StringsAreEscaped) {
  auto text = cypher("it's", {"a\\b'c\nd\te\x01.h"}, {}, {});
  EXPECT_NE(text.find("{name: 'it\\'s'}"), std::string::npos) << text;
  EXPECT_NE(text.find("{path: 'a\\\\b\\'c\\nd\\te\\u0001.h', repository: 'it\\'s'}"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);  // 3 indexes, repository, file: no raw newline leaks
}

// A small RFC 4180 reader, to read the export back.
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  rows.pop_back();  // after the last newline
  return rows;
}

TEST(Csv, HeadersRowsAndQuoting) {
  auto out = csv("shop", {"src/a,\"b\".ts", "src/c.ts"}, {{"src/a,\"b\".ts", "src/c.ts", 1.5}}, deps);
  auto nodes = read_csv(out.nodes);
  ASSERT_EQ(nodes.size(), 6u);  // header, repository, 2 files, 2 packages
  EXPECT_EQ(nodes[0], (std::vector<std::string>{":ID", "name", "path", "repository", "ecosystem", ":LABEL"}));
  EXPECT_EQ(nodes[1], (std::vector<std::string>{"repository:shop", "shop", "", "", "", "Repository"}));
  EXPECT_EQ(nodes[2], (std::vector<std::string>{"file:shop:src/a,\"b\".ts", "", "src/a,\"b\".ts", "shop", "", "File"}));
  EXPECT_EQ(nodes[4], (std::vector<std::string>{"package:npm:react", "react", "", "", "npm", "Package"}));

  auto edges = read_csv(out.edges);
  ASSERT_EQ(edges.size(), 6u);  // header, 2 CONTAINS, 1 IMPORTS, 2 DEPENDS_ON
  EXPECT_EQ(edges[0], (std::vector<std::string>{":START_ID", ":END_ID", ":TYPE", "weight:double", "manifest", "scope",
                                                "constraint"}));
  EXPECT_EQ(edges[3],
            (std::vector<std::string>{"file:shop:src/a,\"b\".ts", "file:shop:src/c.ts", "IMPORTS", "1.5", "", "", ""}));
  EXPECT_EQ(edges[4], (std::vector<std::string>{"repository:shop", "package:npm:react", "DEPENDS_ON", "",
                                                "package.json", "runtime", "^18.2.0"}));
  for (const auto& row : nodes) EXPECT_EQ(row.size(), 6u);
  for (const auto& row : edges) EXPECT_EQ(row.size(), 7u);
  // Every node an edge names exists.
  std::set<std::string> ids;
  for (std::size_t i = 1; i < nodes.size(); ++i) ids.insert(nodes[i][0]);
  for (std::size_t i = 1; i < edges.size(); ++i) {
    EXPECT_TRUE(ids.count(edges[i][0])) << edges[i][0];
    EXPECT_TRUE(ids.count(edges[i][1])) << edges[i][1];
  }
}

}  // namespace
}  // namespace devagent::code
