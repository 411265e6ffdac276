// The readable text form of an analysis (devagent analyze without --json).
#include "code/code.h"

#include <boost/json.hpp>

#include <iomanip>
#include <sstream>

namespace devagent::code {
namespace json = boost::json;

namespace {

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return v.get_bool() ? "yes" : "no";
  if (v.is_double()) {
    std::ostringstream os;
    os << std::setprecision(3) << v.get_double();
    return os.str();
  }
  return json::serialize(v);
}

std::string field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v ? str(*v) : "";
}

void heading(std::ostringstream& os, std::string_view title) { os << "\n" << title << "\n" << std::string(title.size(), '-') << "\n"; }

void list_line(std::ostringstream& os, std::string_view label, const json::value* arr) {
  if (!arr || !arr->is_array() || arr->get_array().empty()) return;
  os << "  " << label << ": ";
  bool first = true;
  for (const auto& v : arr->get_array()) {
    os << (first ? "" : ", ") << str(v);
    first = false;
  }
  os << "\n";
}

}  // namespace

std::string render_analysis(const json::object& a) {
  std::ostringstream os;
  const auto& repo = a.at("repository").as_object();
  os << field(repo, "name") << "  (" << field(repo, "root") << ")\n";
  if (!field(repo, "head").empty()) os << "HEAD " << field(repo, "head").substr(0, 12) << ", ";
  os << field(repo, "files") << " files indexed\n";
  if (auto* s = a.if_contains("summary")) os << "\n" << str(*s) << "\n";

  if (auto* r = a.if_contains("readme"); r && r->is_object()) {
    heading(os, "README");
    os << "  " << field(r->as_object(), "title") << "\n";
    auto para = field(r->as_object(), "first_paragraph");
    if (!para.empty()) os << "  " << para << "\n";
  }

  if (auto* langs = a.if_contains("languages"); langs && langs->is_array()) {
    heading(os, "Languages");
    os << "  " << std::left << std::setw(22) << "language" << std::right << std::setw(8) << "files" << std::setw(10)
       << "code" << std::setw(10) << "comment" << std::setw(10) << "blank" << std::setw(12) << "bytes" << "\n";
    std::int64_t files = 0, code = 0, comment = 0, blank = 0, bytes = 0;
    for (const auto& l : langs->as_array()) {
      const auto& o = l.as_object();
      os << "  " << std::left << std::setw(22) << field(o, "name") << std::right << std::setw(8) << field(o, "files")
         << std::setw(10) << field(o, "code") << std::setw(10) << field(o, "comment") << std::setw(10)
         << field(o, "blank") << std::setw(12) << field(o, "bytes") << "\n";
      files += o.at("files").to_number<std::int64_t>();
      code += o.at("code").to_number<std::int64_t>();
      comment += o.at("comment").to_number<std::int64_t>();
      blank += o.at("blank").to_number<std::int64_t>();
      bytes += o.at("bytes").to_number<std::int64_t>();
    }
    os << "  " << std::left << std::setw(22) << "total" << std::right << std::setw(8) << files << std::setw(10) << code
       << std::setw(10) << comment << std::setw(10) << blank << std::setw(12) << bytes << "\n";
  }

  if (auto* s = a.if_contains("structure"); s && s->is_object()) {
    const auto& o = s->as_object();
    heading(os, "Structure");
    for (const auto& e : o.at("top_level").as_array()) {
      const auto& t = e.as_object();
      bool dir = t.at("directory").as_bool();
      os << "  " << std::left << std::setw(28) << (field(t, "name") + (dir ? "/" : ""));
      if (dir) os << std::setw(10) << (field(t, "files") + " files");
      if (!field(t, "role").empty()) os << field(t, "role");
      os << "\n";
    }
    list_line(os, "entry points", o.if_contains("entry_points"));
    list_line(os, "build", o.if_contains("build_systems"));
    list_line(os, "tests", o.if_contains("test_dirs"));
    if (field(o, "test_files") != "0") os << "  test files: " << field(o, "test_files") << "\n";
    list_line(os, "docs", o.if_contains("docs"));
    list_line(os, "CI", o.if_contains("ci"));
    if (!field(o, "license").empty()) os << "  license: " << field(o, "license") << "\n";
  }

  if (auto* d = a.if_contains("dependencies"); d && d->is_array()) {
    heading(os, "Dependencies (" + std::to_string(d->as_array().size()) + ")");
    std::string manifest;
    for (const auto& v : d->as_array()) {
      const auto& o = v.as_object();
      if (field(o, "manifest") != manifest) {
        manifest = field(o, "manifest");
        os << "  " << manifest << " (" << field(o, "ecosystem") << ")\n";
      }
      os << "    " << std::left << std::setw(36) << field(o, "name") << std::setw(20) << field(o, "constraint")
         << field(o, "scope") << "\n";
    }
  }

  if (auto* s = a.if_contains("symbols"); s && s->is_object()) {
    const auto& o = s->as_object();
    heading(os, "Symbols (" + field(o, "total") + ")");
    os << "  by kind:";
    for (const auto& [k, v] : o.at("by_kind").as_object()) os << " " << k << " " << str(v) << ";";
    os << "\n";
    int shown = 0;
    for (const auto& v : o.at("items").as_array()) {
      if (++shown > 25) break;
      const auto& it = v.as_object();
      os << "  " << std::left << std::setw(10) << field(it, "kind") << field(it, "name") << "  " << field(it, "path") << ":"
         << field(it, "line") << "\n";
    }
    if (o.at("items").as_array().size() > 25) os << "  ... (--json lists more)\n";
  }

  if (auto* h = a.if_contains("history"); h && h->is_object()) {
    const auto& o = h->as_object();
    heading(os, "History");
    os << "  " << field(o, "commits") << " commits";
    if (!field(o, "first_commit").empty()) os << ", " << field(o, "first_commit") << " to " << field(o, "last_commit");
    os << "\n";
    if (auto* authors = o.if_contains("authors"); authors && authors->is_array()) {
      os << "  authors:\n";
      int n = 0;
      for (const auto& v : authors->as_array()) {
        if (++n > 10) break;
        os << "    " << std::left << std::setw(30) << field(v.as_object(), "name") << field(v.as_object(), "commits")
           << " commits\n";
      }
    }
    if (auto* hs = o.if_contains("hotspots"); hs && hs->is_array() && !hs->as_array().empty()) {
      os << "  hotspots (change frequency x size):\n";
      int n = 0;
      for (const auto& v : hs->as_array()) {
        if (++n > 10) break;
        const auto& t = v.as_object();
        os << "    " << std::left << std::setw(44) << field(t, "path") << field(t, "revisions") << " revisions, "
           << field(t, "code_lines") << " lines\n";
      }
    }
    if (auto* cp = o.if_contains("coupling"); cp && cp->is_array() && !cp->as_array().empty()) {
      os << "  change coupling:\n";
      int n = 0;
      for (const auto& v : cp->as_array()) {
        if (++n > 10) break;
        const auto& t = v.as_object();
        os << "    " << field(t, "path") << " <-> " << field(t, "coupled") << "  " << field(t, "degree") << "%\n";
      }
    }
  }
  return os.str();
}

}  // namespace devagent::code
