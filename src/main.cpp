#include "cli/cli.h"

int main(int argc, char** argv) { return devagent::cli::run(argc, argv); }
