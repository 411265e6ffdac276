// The run registry (internal to the server module): every agent run started
// by the chat API, by id, with its CancelSource and the events it has emitted
// so far. Streams (SSE, resume) read the events from here, so there is one
// source of events whatever the encoding. Finished runs are kept for a short
// while (keep_finished) so a client can resume or read them.
//
// Thread-safe: a run is written from its own strand and read from the
// connections' strands.
#pragma once

#include "core/cancel.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace devagent::server {

struct RunEvent {
  std::uint64_t seq = 0;  // 1, 2, 3, ... within the run
  std::string kind;       // "run", then the agent's event kinds
  boost::json::object data;
};

// The outcome of a finished run: the document of a non-streaming chat, or
// the error it ended with (error_kind as in the agent's error event).
struct RunOutcome {
  boost::json::object document;
  std::string error_kind;  // empty on success
  std::string error_message;
};

class Run {
 public:
  Run(std::string id, std::string conversation_id, std::string message_id, std::size_t max_events);

  const std::string& id() const { return id_; }
  const std::string& conversation_id() const { return conversation_id_; }
  const std::string& message_id() const { return message_id_; }
  CancelToken cancel_token() const { return cancel_.token(); }
  // Asks the run to stop; false when it had already finished.
  bool cancel(const std::string& reason);

  // Appends an event (the oldest is dropped beyond max_events) and wakes the
  // streams waiting for one.
  void push(std::string kind, boost::json::object data);
  // Marks the run finished; no event follows.
  void finish(RunOutcome outcome);

  struct Snapshot {
    std::vector<RunEvent> events;  // seq > after, oldest first
    bool done = false;             // finished, and `events` holds the rest of the run
  };
  Snapshot since(std::uint64_t after) const;
  bool done() const;
  std::uint64_t last_seq() const;
  std::optional<RunOutcome> outcome() const;
  std::chrono::steady_clock::time_point finished_at() const;

  // Waits on the caller's executor until an event after `after` exists, the
  // run finishes, or `timeout` passes; false on timeout. The caller's
  // executor must be a strand or single-threaded.
  boost::asio::awaitable<bool> wait(std::uint64_t after, std::chrono::milliseconds timeout);

 private:
  void wake(std::unique_lock<std::mutex>& lock);

  const std::string id_;
  const std::string conversation_id_;
  const std::string message_id_;
  const std::size_t max_events_;
  CancelSource cancel_;
  mutable std::mutex mutex_;
  std::deque<RunEvent> events_;
  std::uint64_t last_seq_ = 0;
  bool done_ = false;
  std::optional<RunOutcome> outcome_;
  std::chrono::steady_clock::time_point finished_at_{};
  std::vector<std::function<void()>> waiters_;
};

struct RunOptions {
  std::size_t max_events = 10'000;                   // per run, for resume
  std::chrono::milliseconds keep_finished{300'000};  // finished runs stay this long
  std::size_t max_runs = 10'000;                     // finished runs beyond this are dropped, oldest first
};

class RunRegistry {
 public:
  explicit RunRegistry(RunOptions options = {}) : options_(options) {}
  // A new run with a fresh id; forgets expired finished runs.
  std::shared_ptr<Run> create(std::string conversation_id, std::string message_id);
  // nullptr when unknown or expired.
  std::shared_ptr<Run> find(const std::string& id) const;

 private:
  void prune();

  RunOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Run>> runs_;
  std::chrono::steady_clock::time_point last_prune_{};
};

// A random 32-hex-digit id.
std::string new_id();

}  // namespace devagent::server
