// The events a run emits, in order: plan, then task_started /
// task_progress / task_finished for each task, token for each piece of the
// answer, and finally answer_done or error. notice reports something the
// user should know that is not an error (a fallback to another model).
// [streaming-ui] carries them to clients as they are; the data shapes are in
// docs/agents.md ("Events").
//
// A sink is called on the run's executor, one event at a time; it must not
// block (queue the event and return).
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <string_view>

namespace devagent::agent {

enum class EventKind { plan, task_started, task_progress, task_finished, token, notice, answer_done, error };
std::string_view to_string(EventKind kind);

struct Event {
  EventKind kind = EventKind::notice;
  boost::json::object data;
};
using EventSink = std::function<void(const Event&)>;

}  // namespace devagent::agent
