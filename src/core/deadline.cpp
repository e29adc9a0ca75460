#include "guichet/core/deadline.hpp"
#include "guichet/core/errors.hpp"

namespace guichet {
namespace {
thread_local std::optional<SteadyTime> this_thread_deadline;
thread_local bool this_thread_answers_on_network = false;
}  // namespace

std::optional<SteadyTime> current_deadline() { return this_thread_deadline; }

bool deadline_passed() { return this_thread_deadline && std::chrono::steady_clock::now() >= *this_thread_deadline; }

Error deadline_exceeded() {
  return make_error(CoreErrc::deadline_exceeded, "the request took too long and was abandoned; nothing was changed");
}

DeadlineScope::DeadlineScope(std::optional<SteadyTime> deadline) : previous_(this_thread_deadline) {
  this_thread_deadline = deadline;
}

DeadlineScope::DeadlineScope(std::chrono::milliseconds budget) : previous_(this_thread_deadline) {
  SteadyTime limit = std::chrono::steady_clock::now() + budget;
  if (previous_ && *previous_ < limit) limit = *previous_;
  this_thread_deadline = limit;
}

DeadlineScope::~DeadlineScope() { this_thread_deadline = previous_; }

NetworkThreadScope::NetworkThreadScope() : previous_(this_thread_answers_on_network) {
  this_thread_answers_on_network = true;
}

NetworkThreadScope::~NetworkThreadScope() { this_thread_answers_on_network = previous_; }

bool on_network_thread() { return this_thread_answers_on_network; }

}  // namespace guichet
