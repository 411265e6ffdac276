// Language detection and line counting, checked against cloc 1.96: fixed
// cases with cloc's answers written down, and a live comparison that runs
// the installed cloc over the same samples plus a few hundred generated
// files full of comment markers, strings, CRLF endings and backslashes.
#include "code/languages.h"

#include "support/process.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace devagent::code {
namespace {

namespace fs = std::filesystem;

// --- detection -------------------------------------------------------------

struct DetectCase {
  std::string path;
  std::string head;  // the start of the file
  std::string language;
};

void expect_detected(const std::vector<DetectCase>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(detect_language(c.path, c.head), c.language) << c.path << " with " << c.head;
  }
}

TEST(DetectLanguage, ByExtension) {
  expect_detected({
      {"src/a.c", "", "C"},
      {"src/a.cpp", "", "C++"},
      {"src/a.cc", "", "C++"},
      {"src/a.C", "", "C++"},  // cloc's table has upper-case entries of its own
      {"src/a.h", "", "C/C++ Header"},
      {"src/a.hpp", "", "C/C++ Header"},
      {"src/a.H", "", "C/C++ Header"},
      {"src/a.cs", "class A {}\n", "C#"},
      {"a.go", "", "Go"},
      {"a.rs", "", "Rust"},
      {"A.java", "", "Java"},
      {"a.kt", "", "Kotlin"},
      {"build.gradle.kts", "", "Gradle"},  // a two-part extension wins over kts
      {"a.scala", "", "Scala"},
      {"a.swift", "", "Swift"},
      {"a.mm", "", "Objective-C++"},
      {"a.py", "", "Python"},
      {"a.pyi", "", "Python"},
      {"a.rb", "", "Ruby"},
      {"a.php", "", "PHP"},
      {"a.pm", "", "Perl"},
      {"a.js", "", "JavaScript"},
      {"a.mjs", "", "JavaScript"},
      {"a.jsx", "", "JSX"},
      {"a.tsx", "", "TypeScript"},  // cloc has no TSX
      {"a.d.ts", "", "TypeScript"},
      {"a.vue", "", "Vuejs Component"},
      {"a.html", "", "HTML"},
      {"a.css", "", "CSS"},
      {"a.scss", "", "SCSS"},
      {"a.less", "", "LESS"},
      {"a.json", "", "JSON"},
      {"a.yml", "", "YAML"},
      {"a.toml", "", "TOML"},
      {"a.xml", "", "XML"},
      {"a.md", "", "Markdown"},
      {"a.rst", "", "reStructuredText"},
      {"a.txt", "", "Text"},  // cloc 1.96 counts .txt
      {"a.sh", "", "Bourne Shell"},
      {"a.bash", "", "Bourne Again Shell"},
      {"a.zsh", "", "zsh"},
      {"a.mk", "", "make"},
      {"a.cmake", "", "CMake"},
      {"a.sql", "", "SQL"},
      {"a.lua", "", "Lua"},
      {"a.R", "", "R"},
      {"a.r", "", "R"},
      {"a.dart", "", "Dart"},
      {"a.hs", "", "Haskell"},
      {"a.ex", "", "Elixir"},
      {"a.erl", "", "Erlang"},
      {"a.clj", "", "Clojure"},
      {"a.el", "", "Lisp"},
      {"a.f90", "", "Fortran 90"},
      {"a.f77", "", "Fortran 77"},
      {"a.pas", "", "Pascal"},
      {"a.proto", "", "Protocol Buffers"},
      {"a.groovy", "", "Groovy"},
      {"a.tf", "", "HCL"},
      {"a.ini", "", "INI"},
      {"a.asm", "", "Assembly"},
      {"a.S", "", "Assembly"},
      {"a.vb", "", "Visual Basic .NET"},
      {"a.ps1", "", "PowerShell"},
      {"a.bat", "", "DOS Batch"},
      {"a.zig", "", "Zig"},
      {"a.nim", "", "Nim"},
      {"a.jl", "function f()\nend\n", "Julia"},
      {"a.cmake.in", "", "CMake"},  // two-part extension
      {"a.rs.in", "", "Rust"},
  });
}

TEST(DetectLanguage, CaseOfExtensionsFollowsClocOnLinux) {
  // cloc lowercases extensions only on Windows.
  expect_detected({{"A.PY", "", ""}, {"A.JAVA", "", ""}, {"A.Cpp", "", ""}, {"A.CPP", "", "C++"}});
}

TEST(DetectLanguage, SpecialFileNames) {
  expect_detected({
      {"Makefile", "", "make"},
      {"sub/makefile", "", "make"},
      {"GNUmakefile", "", "make"},  // no extension: the lower-cased name is looked up
      {"MAKEFILE", "", "make"},
      {"CMakeLists.txt", "", "CMake"},
      {"Dockerfile", "", "Dockerfile"},
      {"Dockerfile.prod", "", "Dockerfile"},  // by prefix
      {"Containerfile", "", "Containerfile"},
      {"meson.build", "", "Meson"},
      {"BUILD", "", "Bazel"},
      {"Rakefile", "", "Ruby"},
      {"pom.xml", "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n", "Maven"},
      {"pom.xml", "<project>\n", "XML"},
      {"build.xml", "<project name=\"x\">\n", "Ant"},
  });
}

TEST(DetectLanguage, NotCode) {
  expect_detected({
      {"README", "#!/bin/sh\n", ""},  // %Not_Code_Filename
      {"ChangeLog", "", ""},
      {"a.c~", "", ""},  // editor backup
      {"logo.png", "", ""},
      {"a.o", "", ""},
      {"Makefile.in", "", ""},  // "in" is not code, even after a known name
      {".gitignore", "", ""},
      {"LICENSE", "Permission is hereby granted\n", ""},
      {"notes", "", ""},
  });
}

TEST(DetectLanguage, SkipsWhatPerlCallsBinary) {
  // cloc skips files Perl's -B test calls binary: past a third of odd bytes
  // in the first 512, unless they are valid UTF-8.
  const std::string latin1 =
      "(setq salut \"\xe7"
      "a va tr\xe8s \xe9t\xe9 \xe0 \xe9\xe9\")\n";
  const std::string koi8 = "\xf0\xd2\xc9\xd7\xc5\xd4 \xcd\xc9\xd2\n";
  expect_detected({
      {"tutor.el", latin1, "Lisp"},  // a few accents in ASCII text are fine
      {"tutor.el", koi8, ""},
      {"tutor.el", std::string(200, 'a') + koi8, "Lisp"},
      {"a.py", "# \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n", "Python"},  // UTF-8
      {"a.py", "x = 1\v\v\v\n", "Python"},
      {"a.py", "\v\v\v\n", ""},  // vertical tabs are odd
  });
}

TEST(DetectLanguage, ScriptsByTheirFirstLine) {
  expect_detected({
      {"bin/run", "#!/bin/sh\n", "Bourne Shell"},
      {"bin/run", "#!/bin/bash -e\n", "Bourne Again Shell"},
      {"bin/run", "#! /usr/bin/env bash\n", "Bourne Again Shell"},
      {"bin/run", "#!/usr/bin/env python3\n", "Python"},
      {"bin/run", "#!/usr/bin/python\r\n", "Python"},
      {"bin/run", "#!/usr/bin/perl -w\n", "Perl"},
      {"bin/run", "#!/usr/bin/env ruby\n", "Ruby"},
      {"bin/run", "#!/usr/bin/env zsh\n", "zsh"},
      {"bin/run", "#!/usr/bin/make -f\n", "make"},
      {"bin/run", "#!/usr/bin/env lua\n", "Lua"},
      {"bin/run", "#!/usr/bin/php\n", "PHP"},
      {"bin/run.sh.orig", "#!/bin/sh\n", "Bourne Shell"},  // unknown extension: the first line decides
      // cloc's script table has no node, no python3.11, and takes "-S" for the interpreter.
      {"bin/run", "#!/usr/bin/env node\n", ""},
      {"bin/run", "#!/usr/bin/python3.11\n", ""},
      {"bin/run", "#!/usr/bin/env -S python3\n", ""},
      {"bin/run", "\xef\xbb\xbf#!/bin/sh\n", ""},  // cloc reads the first line raw
      {"config/site", "<?xml version=\"1.0\"?>\n", "XML"},
      {"a.c", "#!/usr/bin/env python3\n", "C"},  // a known extension wins
  });
}

TEST(DetectLanguage, AmbiguousExtensionsByContent) {
  expect_detected({
      {"a.m", "#import <Foundation/Foundation.h>\n@interface A\n@end\n", "Objective-C"},
      {"a.m", "function y = f(x)\n% comment\ny = [1 2];\nend\n", "MATLAB"},
      {"a.pl", "#!/usr/bin/perl\nprint 1;\n", "Perl"},
      {"a.pl", "use strict;\nmy $x = 1;\nsub f { }\n", "Perl"},
      {"a.pl", ":- module(a, []).\nfoo(X) :- bar(X).\n", "Prolog"},
      {"a.ts", "let x = 1;\n", "TypeScript"},
      {"a.ts", "<TS>x<message></message></TS>\n", "Qt Linguist"},
      {"a.v", "module top(input a);\nendmodule\n", "Verilog-SystemVerilog"},
      {"a.v", "Theorem t : True.\nProof. trivial. Qed.\n", "Coq"},
      {"a.inc", "<?php echo 1; ?>\n", "PHP"},
      {"a.inc", "procedure P;\nbegin\nend;\n", "Pascal"},
      {"a.inc", "; nasm include\n", ""},
      {"a.pp", "class foo {\n  package { 'x': ensure => present }\n}\n", "Puppet"},
      {"a.pp", "program P;\nbegin\n  writeln('x');\nend.\n", "Pascal"},
      {"a.cs",
       "//------------------------------------------------------------------------------\n"
       "// <auto-generated>\nclass A {}\n",
       "C# Generated"},
      {"a.d", "import std.stdio;\n", "D"},
      {"rc.d", "#!/bin/sh\n", "Bourne Shell"},  // an init.d script
      {"a.f", "      PROGRAM A\n      END\n", "Fortran 77"},
      {"a.cl", "(defun f ())\n", "Lisp"},
      {"a.cl", "__kernel void f() {}\nint x;\n", "OpenCL"},
      {"a.pro", "SOURCES += a.cpp\nQT += core\n", "Qt Project"},
      {"a.pro", "; idl\npro x\n", "IDL"},
      {"a.fs", ": square dup * ;\n: cube dup square * ;\n", "Forth"},
      {"a.fs", "let x = 1\nopen System\n", "F#"},
      {"a.ui", "<ui version=\"4.0\">\n</ui>\n", "Qt"},
      {"a.ui", "<!-- Generated with glade 3 -->\n<interface/>\n", "Glade"},
      {"a.sls", "{% set x = 1 %}\nfoo:\n  pkg.installed\n", "SaltStack"},
      {"a.sls", "(define (f x) x)\n", "Scheme"},
      {"a.cls", "public class A {\n  void f();\n}\n", "Apex Class"},
      {"a.cls", "\\documentclass{article}\n% c\n", "TeX"},
      {"a.tpl", "{if $x}\n{$y}\n{/if}\n", "Smarty"},
      {"a.tpl", "hello\n", ""},
      {"a.bf", "++++++++[>++++[>++>+++<<-]>+<<-]>>.\n", "Brainfuck"},
      {"a.bf", "hello world\n", ""},
      {"a.p6", "use v6;\nsay \"hi\";\n", "Raku"},
  });
}

// --- counting: samples with the counts cloc 1.96 gives ---------------------

struct Sample {
  std::string name;
  std::string content;
  std::string language;  // what cloc calls it; "" when cloc skips the file
  std::int64_t code = 0, comment = 0, blank = 0;
};

// Each sample shows one of cloc's rules, including the odd ones: cloc's
// comment patterns know no strings (strings.c, stars.js), a // comment on a
// line ending in a backslash swallows the next line (continued.c), a blank
// line after a backslash is code (continued.c, run.sh), every triple-quoted
// Python string is a comment and so is any Python line containing "/*"
// (doc.py), HTML drops a line that opens a comment after code (page.html).
const std::vector<Sample>& samples() {
  static const std::vector<Sample> kSamples = {
      {"strings.c",
       "/* header\n * block comment */\n#include <stdio.h>   // trailing comment is code\n\nint main(void) {\n  const "
       "char *url = \"http://example.com\";  /* cloc: the // ends the code */\n  // whole-line comment\n  return 0; /* "
       "one */ /* two */\n}\n",
       "C", 5, 3, 1},
      {"continued.c", "#define X 1 // comment ending in a backslash \\\n  + 2\n#define Y \\\n\nint y;\n", "C", 4, 1, 0},
      {"crlf.cpp", "int a;\r\n\r\n// c\r\nint b; /* x\r\n y */\r\n", "C++", 2, 2, 1},
      {"no_newline.h", "#pragma once\n// last line has no newline\nint f();", "C/C++ Header", 2, 1, 0},
      {"bom.cs", "\xef\xbb\xbfusing System;\n// comment\nclass A { }\n", "C#", 2, 1, 0},
      {"zero_last.c", "int a;\n0", "C", 2, 0, 0},
      {"stars.js", "const glob = '**/*.js';  // an unclosed /* in a string\nfunction f() { return 1; }\n\n// end\n",
       "JavaScript", 2, 1, 1},
      {"template.ts", "let a = `/* not closed`;\nlet b = 2; // two\n/**\n * doc\n */\nexport {}\n", "TypeScript", 2, 4,
       0},
      {"comp.tsx", "export const A = () => <div>{/* jsx comment */}</div>;\n// c\n", "TypeScript", 1, 1, 0},
      {"comp.jsx", "const A = () => <b/>;\n/* c */\n", "JSX", 1, 1, 0},
      {"main.go", "package main\n\n// Comment\nfunc main() {\n\ts := `// raw`\n\t_ = s\n}\n", "Go", 5, 1, 1},
      {"lib.rs",
       "//! crate doc\n/// item doc\nfn main() {\n    let s = \"/* x */\";\n}\n/* nested /* not */ counted */\n",
       "Rust", 4, 2, 0},
      {"Main.java",
       "class Main {\n  String a = \"/*\";\n  int b = 1;\n  /* real\n     comment */\n  String c = \"*/\";\n}\n",
       "Java", 5, 2, 0},
      {"App.kt", "fun main() {\n    val s = \"\"\"\n    /* inside raw string\n    \"\"\"\n    // c\n}\n", "Kotlin", 5,
       1, 0},
      {"app.swift", "let a = 1 /* c /* nested */ still */\n// c\n", "Swift", 1, 1, 0},
      {"Main.scala", "object Main { // c\n  /* c */\n}\n", "Scala", 2, 1, 0},
      {"main.dart", "void main() {\n  // c\n  print(\"/*\");\n}\n", "Dart", 3, 1, 0},
      {"view.m", "#import <Foundation/Foundation.h>\n@interface A : NSObject\n// c\n@end\n", "Objective-C", 3, 1, 0},
      {"calc.m", "function y = f(x)\n% comment\n%{\nblock\n%}\ny = [1 2 3];\nend\n", "MATLAB", 3, 4, 0},
      {"doc.py",
       "#!/usr/bin/env python3\n\"\"\"Module docstring.\n\nMore text.\n\"\"\"\nimport os  # comment after code\n\nx = "
       "\"\"\"a string, but cloc calls it a comment\"\"\"\ns = \"/* a line with a C comment marker is a comment to "
       "cloc */\"\ndef f():\n    u'''unicode docstring'''\n    return 1 \\\n\n# comment\n",
       "Python", 5, 7, 2},
      {"tool.rb", "#!/usr/bin/env ruby\n# c\n=begin\nblock\n=end\nputs 1 # c\n", "Ruby", 2, 4, 0},
      {"index.php", "<?php\n# hash\n// slashes\n/* block */\necho \"x\"; // c\n?>\n", "PHP", 3, 3, 0},
      {"tool.pl",
       "#!/usr/bin/perl\nuse strict;\n# c\n\n=head1 NAME\n\ntool\n\n=cut\n\nprint \"x\";\n__END__\nnot code\n", "Perl",
       3, 6, 4},
      {"app.vue", "<template>\n  <!-- c -->\n  <div/>\n</template>\n<script>\n// c\nexport default {}\n</script>\n",
       "Vuejs Component", 6, 2, 0},
      {"page.html", "<!DOCTYPE html>\n<html>\n<!-- one -->\n<p>text</p> <!-- starts\nstill\n-->\n</html>\n", "HTML", 3,
       4, 0},
      {"style.css", "/* c */\na { color: red; } // not a comment in CSS\n", "CSS", 1, 1, 0},
      {"style.scss", "// c\n$a: 1; /* c */\n", "SCSS", 1, 1, 0},
      {"style.less", "// c\n@a: 1;\n", "LESS", 1, 1, 0},
      {"data.json", "{\n  \"a\": 1,\n\n  \"b\": \"// not a comment\"\n}\n", "JSON", 4, 0, 1},
      {"conf.yaml", "# c\na: 1 # c\n\nb: \"#\"\n", "YAML", 2, 1, 1},
      {"conf.toml", "# c\n[a]\nb = 1\n", "TOML", 2, 1, 0},
      {"build.xml.in", "x\n", "", 0, 0, 0},
      {"pom.xml",
       "<?xml version=\"1.0\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n<!-- c -->\n</project>\n",
       "Maven", 3, 1, 0},
      {"data.xml", "<?xml version=\"1.0\"?>\n<!-- c\n  c -->\n<a/>\n", "XML", 2, 2, 0},
      {"README.md", "# Title\n\n<!-- hidden -->\ntext\n[//]: # (a comment)\n", "Markdown", 2, 2, 1},
      {"guide.rst", "Title\n=====\n\n.. a comment\n   continued\n\ntext\n", "reStructuredText", 3, 2, 2},
      {"run.sh", "#!/bin/sh\n# c\necho a \\\n\necho b # c\n", "Bourne Shell", 4, 1, 0},
      {"run.bash", "#!/bin/bash\n# c\necho a\n", "Bourne Again Shell", 2, 1, 0},
      {"init.zsh", "# c\nexport A=1\n", "zsh", 1, 1, 0},
      {"Makefile", "# c\nall:\n\techo hi # c\n", "make", 2, 1, 0},
      {"GNUmakefile", "all: ; @true\n", "make", 1, 0, 0},
      {"CMakeLists.txt", "# c\ncmake_minimum_required(VERSION 3.25)\n", "CMake", 1, 1, 0},
      {"Dockerfile", "FROM debian\n# c\nRUN true\n", "Dockerfile", 2, 1, 0},
      {"Dockerfile.prod", "FROM debian\n", "Dockerfile", 1, 0, 0},
      {"query.sql", "-- c\nSELECT 1; -- c\n/* block\n */\n", "SQL", 1, 3, 0},
      {"init.lua", "--[[ long\ncomment ]]\n--[==[\nlevel 2\n]==]\nlocal a = 1 -- c\n-- c\n", "Lua", 1, 6, 0},
      {"stats.R", "# c\nx <- 1\n", "R", 1, 1, 0},
      {"Main.hs", "module Main where\n{- block {- nested? -}\nmain = pure ()\n-- c\n{-# LANGUAGE X #-}\n", "Haskell", 3,
       2, 0},
      {"Main.elm", "module Main exposing (..)\n{- outer {- inner -} still -}\nx = 1\n", "Elm", 3, 0, 0},
      {"lib.ex", "defmodule A do\n  @moduledoc \"\"\"\n  Docs.\n  \"\"\"\n  # c\n  def f, do: 1\nend\n", "Elixir", 3, 4,
       0},
      {"lib.erl", "%% c\n-module(a).\n", "Erlang", 1, 1, 0},
      {"core.clj", "; c\n#_ (ignored)\n(ns a)\n", "Clojure", 1, 2, 0},
      {"core.cljs", "; c\n(ns a)\n", "ClojureScript", 1, 1, 0},
      {"init.el", "; c\n#| block\n |#\n(setq a 1)\n", "Lisp", 1, 3, 0},
      {"calc.f", "C comment\n      PROGRAM A\n* star\n      END\n", "Fortran 77", 2, 2, 0},
      {"calc.f90", "! c\nprogram a\n!$omp parallel\nend program\n", "Fortran 90", 2, 2, 0},
      {"unit.pas", "{ c }\n(* c\n *)\nprogram A; // c\nbegin end.\n", "Pascal", 2, 3, 0},
      {"msg.proto", "syntax = \"proto3\"; // c\n/* c */\n", "Protocol Buffers", 1, 1, 0},
      {"build.groovy", "def a = \"x/*y\" // c\n/* c */\n", "Groovy", 1, 1, 0},
      {"build.gradle", "plugins { id \"java\" } // c\n", "Gradle", 1, 0, 0},
      {"main.tf", "# c\n// c\n/* c */\nresource \"a\" \"b\" {}\n", "HCL", 1, 3, 0},
      {"setup.ini", "; c\n[a]\nb=1\n", "INI", 2, 1, 0},
      {"notes.txt", "hello\n\nworld\n", "Text", 2, 0, 1},
      {"boot.asm", "; c\nmov ax, 1 ; c\n# c\n", "Assembly", 1, 2, 0},
      {"Module.bas", "Attribute VB_Name = \"Module1\"\n' c\nSub A()\nEnd Sub\n", "Visual Basic", 2, 2, 0},
      {"script.ps1", "<#\nblock\n#>\n# c\nWrite-Host \"a\"\n", "PowerShell", 1, 4, 0},
      {"run.bat", "@echo off\nrem c\n:: c\nremark this is a comment too\necho a\n", "DOS Batch", 2, 3, 0},
      {"main.zig", "// c\nconst a = 1;\n", "Zig", 1, 1, 0},
      {"main.nim", "#[ block\n]#\n# c\necho 1\n", "Nim", 1, 3, 0},
      {"main.jl", "#= block\n=#\n\"\"\"\ndoc\n\"\"\"\nf(x) = 1 # c\n", "Julia", 1, 5, 0},
      {"script_noext", "#!/usr/bin/env python3\nprint(1)\n", "Python", 2, 0, 0},
      {"node_script", "#!/usr/bin/env node\nconsole.log(1)\n", "", 0, 0, 0},
      {"layout.ts", "<?xml version=\"1.0\"?>\n<TS>\n  <message>\n  </message>\n</TS>\n", "TypeScript", 5, 0, 0},
      {"core.pl", ":- module(a, []).\nfoo(X) :- bar(X).\n", "Prolog", 2, 0, 0},
      {"Gen.cs",
       "//------------------------------------------------------------------------------\n// "
       "<auto-generated>\n//------------------------------------------------------------------------------\nclass A "
       "{}\n",
       "C# Generated", 1, 3, 0},
      {"notes.txt~", "x\n", "", 0, 0, 0},
      {"README", "x\n", "", 0, 0, 0},
      {"image.svg", "<svg>\n<!-- c -->\n</svg>\n", "SVG", 2, 1, 0},
      {"config.properties", "# c\n! c\na=1\n", "Properties", 1, 2, 0},
      {"view.fs", "module A\n// c\n(* c *)\nlet a = 1\n", "F#", 2, 2, 0},
      {"app.coffee", "# c\na = 1\n", "CoffeeScript", 1, 1, 0},
      {"tpl.hbs", "{{!-- c --}}\n{{! c }}\n<p>{{a}}</p>\n", "Handlebars", 1, 2, 0},
      {"styles.sass", "// c\na\n  b: c\n", "Sass", 2, 1, 0},
      {"bird.lhs", "Prose line\n\n> module Main where\n> main = pure () -- c\n\nMore prose\n", "Haskell", 2, 2, 2},
      {"latex.lhs", "\\documentclass{article}\n\\begin{code}\nmain = pure ()\n-- c\n\\end{code}\ntext\n", "Haskell", 1,
       5, 0},
  };
  return kSamples;
}

TEST(CountLines, MatchesClocOnSamples) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(detect_language(s.name, s.content), s.language);
    if (s.language.empty()) continue;
    LineCounts n = count_lines(s.content, s.language);
    EXPECT_EQ(n.code, s.code);
    EXPECT_EQ(n.comment, s.comment);
    EXPECT_EQ(n.blank, s.blank);
  }
}

TEST(CountLines, LineEndingsAndByteOrderMarkDoNotChangeCounts) {
  const std::string unix_text = "int a; // c\n\n/* x\n   y */\nint b;\n";
  const LineCounts expected{.code = 2, .comment = 2, .blank = 1};
  std::string crlf;
  for (char c : unix_text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (const std::string& text :
       {unix_text, crlf, "\xef\xbb\xbf" + unix_text, unix_text.substr(0, unix_text.size() - 1)}) {
    LineCounts n = count_lines(text, "C");
    EXPECT_EQ(n.code, expected.code);
    EXPECT_EQ(n.comment, expected.comment);
    EXPECT_EQ(n.blank, expected.blank);
  }
}

TEST(CountLines, EmptyContentIsNothing) {
  LineCounts n = count_lines("", "C");
  EXPECT_EQ(n.code + n.comment + n.blank, 0);
}

TEST(CountLines, EveryKnownLanguageCounts) {
  // Each language's filters run over comment markers of every kind; a line
  // is code, comment or blank.
  const std::string text = "a\n\n# b\n/* c */ d\n  \n\"\"\"e\nf\"\"\"\n<!-- g -->\n-- h\n% i\n; j\n' k\n";
  for (const std::string& language : known_languages()) {
    LineCounts n = count_lines(text, language);
    EXPECT_EQ(n.code + n.comment + n.blank, 12) << language;
    EXPECT_GE(n.code, 0) << language;
    EXPECT_GE(n.comment, 0) << language;
  }
}

TEST(CountLines, UnknownLanguageCountsBlankAndCode) {
  LineCounts n = count_lines("a\n\n# b\n", "No Such Language");
  EXPECT_EQ(n.code, 2);
  EXPECT_EQ(n.comment, 0);
  EXPECT_EQ(n.blank, 1);
}

TEST(CountLines, UnclosedCommentCostsClocItsTimeLimit) {
  // Perl backtracks quadratically after a "/*" that never closes in the C++
  // comment pattern; past alarm(1) cloc drops every line of the file.
  std::string small = "var g = '**/*';\n" + std::string(50, 'x') + "\n";
  EXPECT_EQ(count_lines(small, "JavaScript").code, 2);
  std::string big = "var g = '**/*';\n";
  for (int i = 0; i < 2000; ++i) big += "  call(argument, other);\n";
  LineCounts n = count_lines(big, "JavaScript");
  EXPECT_EQ(n.code, 0);
  EXPECT_EQ(n.comment, 2001);
}

// --- binary files and the language list -------------------------------------

TEST(IsBinary, NulInTheFirst8000Bytes) {
  EXPECT_FALSE(is_binary("int main() {}\n"));
  EXPECT_FALSE(is_binary(""));
  EXPECT_TRUE(
      is_binary(std::string("\x7f"
                            "ELF\0\0",
                            6)));
  EXPECT_TRUE(is_binary(std::string(7999, 'a') + '\0'));
  EXPECT_FALSE(is_binary(std::string(8000, 'a') + '\0'));
  EXPECT_FALSE(is_binary("caf\xc3\xa9 \xff\xfe"));  // high bytes alone are not binary
}

TEST(KnownLanguages, ListsEveryNameDetectionCanReturn) {
  const auto& known = known_languages();
  EXPECT_TRUE(std::is_sorted(known.begin(), known.end()));
  for (const char* name : {"C",
                           "C++",
                           "C/C++ Header",
                           "C#",
                           "Go",
                           "Rust",
                           "Java",
                           "Kotlin",
                           "Scala",
                           "Swift",
                           "Objective-C",
                           "Python",
                           "Ruby",
                           "PHP",
                           "Perl",
                           "JavaScript",
                           "TypeScript",
                           "JSX",
                           "Vuejs Component",
                           "HTML",
                           "CSS",
                           "SCSS",
                           "LESS",
                           "JSON",
                           "YAML",
                           "TOML",
                           "XML",
                           "Markdown",
                           "reStructuredText",
                           "Bourne Shell",
                           "Bourne Again Shell",
                           "zsh",
                           "make",
                           "CMake",
                           "Dockerfile",
                           "SQL",
                           "Lua",
                           "R",
                           "Dart",
                           "Haskell",
                           "Elixir",
                           "Erlang",
                           "Clojure",
                           "Lisp",
                           "Fortran 77",
                           "Fortran 90",
                           "Pascal",
                           "Protocol Buffers",
                           "Groovy",
                           "Gradle",
                           "HCL",
                           "INI",
                           "Text",
                           "Assembly",
                           "Visual Basic",
                           "PowerShell",
                           "DOS Batch",
                           "Zig",
                           "Nim",
                           "Julia",
                           "MATLAB",
                           "Prolog",
                           "Qt Linguist",
                           "C# Generated",
                           "Maven",
                           "Ant"}) {
    EXPECT_TRUE(std::binary_search(known.begin(), known.end(), name)) << name;
  }
  for (const auto& s : samples()) {
    if (!s.language.empty()) {
      EXPECT_TRUE(std::binary_search(known.begin(), known.end(), s.language)) << s.language;
    }
  }
}

// --- the same files through the real cloc ------------------------------------

// Files of random lines built from every language's comment markers, quotes,
// backslashes and white space, with CRLF endings, missing final newlines and
// byte-order marks now and then. The generator is fixed (no
// std::uniform_int_distribution, whose output varies by library), so the
// files are the same on every run.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}
  std::size_t below(std::size_t n) { return rng_() % n; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

  std::string file() {
    static const std::vector<std::string> kTokens = {"//",
                                                     "/*",
                                                     "*/",
                                                     "/**/",
                                                     "/*/",
                                                     "#",
                                                     "##",
                                                     "--",
                                                     ";",
                                                     "%",
                                                     "<!--",
                                                     "-->",
                                                     "<!",
                                                     ">",
                                                     "{-",
                                                     "-}",
                                                     "{-#",
                                                     "(*",
                                                     "*)",
                                                     "\"\"\"",
                                                     "'''",
                                                     "u\"\"\"",
                                                     "\"",
                                                     "'",
                                                     "`",
                                                     "=begin",
                                                     "=end",
                                                     "=head1",
                                                     "=cut",
                                                     "__END__",
                                                     "@doc \"\"\"",
                                                     "<#",
                                                     "#>",
                                                     "{*",
                                                     "*}",
                                                     "--[[",
                                                     "]]",
                                                     "--[==[",
                                                     "]==]",
                                                     "#[",
                                                     "]#",
                                                     "#=",
                                                     "=#",
                                                     "#|",
                                                     "|#",
                                                     "\\",
                                                     "{",
                                                     "}",
                                                     "(",
                                                     ")",
                                                     "rem",
                                                     "::",
                                                     "!",
                                                     "c",
                                                     "C",
                                                     "*",
                                                     "x",
                                                     "int x = 1;",
                                                     "print('a')",
                                                     "\t",
                                                     " ",
                                                     "\f",
                                                     "http://a.b",
                                                     "\"/*\"",
                                                     "'*/'",
                                                     "\"a // b\"",
                                                     "0",
                                                     "<?php",
                                                     "?>",
                                                     "<%#",
                                                     "%>",
                                                     "{#",
                                                     "#}",
                                                     "{{!",
                                                     "}}",
                                                     "@*",
                                                     "*@",
                                                     "/+",
                                                     "+/",
                                                     "%{",
                                                     "%}",
                                                     "#!/bin/sh",
                                                     "function",
                                                     "end",
                                                     "begin",
                                                     "dnl ",
                                                     "...",
                                                     "!hpf$",
                                                     "[//]: # (a b)",
                                                     ".. ",
                                                     "       *"};
    static const std::vector<std::size_t> kTokensPerLine = {0, 1, 1, 2, 3, 5, 8};
    static const std::vector<std::string> kLeads = {"", "", "", " ", "    ", "\t"};
    static const std::vector<std::string> kSeparators = {"", " ", " ", "\t"};
    static const std::vector<std::string> kEnds = {"", "", "", " ", "\\"};
    std::vector<std::string> lines;
    std::size_t n = below(26);
    for (std::size_t i = 0; i < n; ++i) {
      std::string line = pick(kLeads);
      const std::string& separator = pick(kSeparators);
      std::size_t tokens = pick(kTokensPerLine);
      for (std::size_t t = 0; t < tokens; ++t) line += (t ? separator : "") + pick(kTokens);
      lines.push_back(line + pick(kEnds));
    }
    const std::string eol = below(5) == 0 ? "\r\n" : "\n";
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) text += (i ? eol : "") + lines[i];
    if (below(10) < 7) text += eol;
    if (below(10) == 0) text = "\xef\xbb\xbf" + text;
    if (text.find_first_not_of(" \t\r\n\f\xef\xbb\xbf") == std::string::npos) text += "x\n";
    return text;
  }

 private:
  std::mt19937 rng_;
};

// One file per extension per round; Haskell is left out because count_lines
// cannot see the .lhs extension cloc uses to spot literate Haskell, and
// random "> " lines look literate.
const std::vector<std::string> kGeneratedExtensions = {
    "c",      "cpp",   "h",          "cs",    "go",     "rs",     "java", "kt",  "scala", "swift", "m",
    "py",     "rb",    "php",        "pl",    "js",     "ts",     "jsx",  "tsx", "vue",   "html",  "css",
    "scss",   "less",  "json",       "yaml",  "toml",   "xml",    "md",   "rst", "sh",    "bash",  "zsh",
    "mk",     "cmake", "sql",        "lua",   "r",      "dart",   "elm",  "ex",  "erl",   "clj",   "lisp",
    "f",      "f90",   "pas",        "proto", "groovy", "gradle", "tf",   "ini", "txt",   "asm",   "vb",
    "bas",    "ps1",   "bat",        "zig",   "nim",    "jl",     "ml",   "fs",  "tex",   "hbs",   "erb",
    "cshtml", "d",     "properties", "diff",  "coffee", "pp",     "inc",  "v",   "cl"};

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string read_file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Counted {
  std::string language;
  std::int64_t code = 0, comment = 0, blank = 0;
  bool operator==(const Counted&) const = default;
};

std::string describe(const Counted& c) {
  if (c.language.empty()) return "not counted";
  return c.language + " code " + std::to_string(c.code) + " comment " + std::to_string(c.comment) + " blank " +
         std::to_string(c.blank);
}

TEST(ClocAgreement, EveryFileMatchesCloc) {
  testing::ProcessOptions version;
  version.args = {"--version"};
  auto v = testing::run("cloc", version);
  if (v.exit_code != 0 || v.out.find("1.96") == std::string::npos) {
    GTEST_SKIP() << "needs cloc 1.96 on PATH (Debian package cloc); found: " << v.out << v.err;
  }

  testing::TempDir dir;
  for (const auto& s : samples()) write_file(dir.path() / s.name, s.content);
  // Text in legacy encodings, which cloc may take for binary.
  write_file(dir.path() / "latin1.txt",
             "Gr\xfc\xdf"
             "e aus K\xf6ln\n\xe9\xe8\xea\xeb\n");
  write_file(dir.path() / "koi8.el", "\xf0\xd2\xc9\xd7\xc5\xd4\n(a)\n");  // binary to cloc
  write_file(dir.path() / "utf8.py", "# \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\nprint(1)\n");
  std::string cut_utf8;  // a multi-byte character cut by Perl's 512-byte block
  while (cut_utf8.size() < 511) cut_utf8 += "a";
  write_file(dir.path() / "cut.md", cut_utf8 + "\xe6\x97\xa5\n\xff\xfe more\n");
  Generator gen(20240611);
  for (int round = 0; round < 8; ++round) {
    for (const auto& ext : kGeneratedExtensions) {
      write_file(dir.path() / ("gen" + std::to_string(round) + "." + ext), gen.file());
    }
  }

  testing::ProcessOptions options;
  options.args = {"--by-file", "--json", "--skip-uniqueness", "--quiet", "."};
  options.cwd = dir.path();
  auto r = testing::run("cloc", options, std::chrono::seconds(240));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, Counted> cloc;
  const boost::json::value report = boost::json::parse(r.out);
  for (const auto& [key, value] : report.as_object()) {
    if (key == "header" || key == "SUM") continue;
    const auto& o = value.as_object();
    std::string name(key);
    if (name.starts_with("./")) name.erase(0, 2);
    cloc[name] = {std::string(o.at("language").as_string()), o.at("code").as_int64(), o.at("comment").as_int64(),
                  o.at("blank").as_int64()};
  }

  std::map<std::string, std::set<std::string>> differing;  // language -> files
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++files;
    const std::string name = entry.path().filename().string();
    const std::string content = read_file_text(entry.path());
    Counted mine;
    mine.language = detect_language(name, content);
    if (!mine.language.empty()) {
      LineCounts n = count_lines(content, mine.language);
      mine.code = n.code;
      mine.comment = n.comment;
      mine.blank = n.blank;
    }
    Counted theirs = cloc.contains(name) ? cloc.at(name) : Counted{};
    if (mine != theirs) {
      differing[theirs.language.empty() ? mine.language : theirs.language].insert(name);
      ADD_FAILURE() << name << ": cloc " << describe(theirs) << ", devagent " << describe(mine);
    }
  }
  EXPECT_GT(files, 600u);
  EXPECT_GT(cloc.size(), 500u);
  for (const auto& [language, names] : differing) {
    std::string list;
    for (const auto& n : names) list += " " + n;
    ADD_FAILURE() << language << " differs from cloc in" << list;
  }
}

}  // namespace
}  // namespace devagent::code
