// The devagent command line: subcommands, their flags and exit codes.
//
// Exit codes: 0 success, 1 runtime error, 2 usage or configuration error.
// Every error is one line on stderr, "devagent: <what went wrong>".
#pragma once

namespace devagent::cli {

int run(int argc, char** argv);

}  // namespace devagent::cli
