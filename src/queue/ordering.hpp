#pragma once
// The calling order, one definition for calling, positions and the counter page:
//   1. booked visitors whose time has come (checked in on time), by their booked time: their time
//      was reserved on a counter, so they are the shop's promise;
//   2. tickets that have waited the fairness bound, in arrival order: no priority keeps anyone
//      waiting past it;
//   3. the others by arrival less their priority's head start (a booked visitor early for their
//      time waits as a walk-in until it comes).
// Ties by ticket id, so every node computes the same order.
#include <algorithm>
#include <tuple>
#include <vector>

#include "guichet/queue/queue.hpp"

namespace guichet::queue {

inline std::tuple<int, Instant, std::int64_t> calling_key(const Ticket& t, Instant now, const QueuePolicy& policy) {
  if (t.priority == Priority::booked && t.ready_at <= now) return {0, t.ready_at, t.id};
  if (t.issued_at + policy.fairness_bound <= now) return {1, t.issued_at, t.id};
  Instant key = t.issued_at;
  if (t.priority != Priority::booked) {
    if (auto found = policy.head_start.find(t.priority); found != policy.head_start.end()) key -= found->second;
  }
  return {2, key, t.id};
}

inline void sort_for_calling(std::vector<Ticket>& tickets, Instant now, const QueuePolicy& policy) {
  std::sort(tickets.begin(), tickets.end(), [&](const Ticket& a, const Ticket& b) {
    return calling_key(a, now, policy) < calling_key(b, now, policy);
  });
}

}  // namespace guichet::queue
