// A test suite whose tests share one `devagent serve`, started before the
// suite's first test and stopped after its last:
//
//   class Chat : public SharedServer<Chat> {};
//   class Headers : public SharedServer<Headers> {
//    public:
//     static std::vector<std::string> server_args() { return {"--set", "server.cors_origins=..."}; }
//   };
//
// A suite names its server's arguments and environment by hiding
// server_args() and server_env(); by default there are none.
#pragma once

#include "support/process.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace devagent::testing {

template <class Suite>
class SharedServer : public ::testing::Test {
 public:
  static std::vector<std::string> server_args() { return {}; }
  static std::map<std::string, std::string> server_env() { return {}; }

  static void SetUpTestSuite() { server_ = std::make_unique<ServerProcess>(Suite::server_args(), Suite::server_env()); }
  static void TearDownTestSuite() { server_.reset(); }

 protected:
  static unsigned short port() { return server_->port(); }
  static ServerProcess& server() { return *server_; }

 private:
  inline static std::unique_ptr<ServerProcess> server_;
};

}  // namespace devagent::testing
