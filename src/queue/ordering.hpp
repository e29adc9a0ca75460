#pragma once
// The calling order, one definition for calling, positions, estimates and the counter page:
//   1. booked visitors whose time has come (checked in on time), by their booked time: their time
//      was reserved on a counter, so they are the shop's promise;
//   2. tickets that have waited the fairness bound, in arrival order: no priority keeps anyone
//      waiting past it;
//   3. the others by arrival less their priority's head start (a booked visitor early for their
//      time waits as a walk-in until it comes).
// Ties by ticket id, so every node computes the same order. A counter's work profile chooses
// among the third group only (pick_next).
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
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

// Whom a counter with this profile calls at `at`: the index in `tickets` (in any order) among
// those `eligible(index)` accepts, or nullopt. The shop's promises (groups 1 and 2 at `at`:
// tickets join them as time passes) come first; then the profile chooses among the rest.
template <class Eligible>
std::optional<std::size_t> pick_next(const std::vector<Ticket>& tickets, Instant at, const QueuePolicy& policy,
                                     const CounterProfile& profile, Eligible&& eligible) {
  using Key = std::tuple<int, Instant, std::int64_t>;
  struct Best {
    std::optional<std::size_t> index;
    Key key;
    void offer(std::size_t i, const Key& k) {
      if (!index || k < key) {
        index = i;
        key = k;
      }
    }
  };
  Best promise;
  Best first;
  Best preferred;
  std::map<std::int64_t, std::pair<int, Best>> queues;  // service: (waiting, its first)
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    if (!eligible(i)) continue;
    const Key key = calling_key(tickets[i], at, policy);
    if (std::get<0>(key) <= 1) {
      promise.offer(i, key);
      continue;
    }
    first.offer(i, key);
    if (profile.preferred_service == tickets[i].service_id) preferred.offer(i, key);
    if (profile.kind == WorkProfile::longest_queue) {
      auto& queue = queues[tickets[i].service_id];
      ++queue.first;
      queue.second.offer(i, key);
    }
  }
  if (promise.index) return promise.index;
  switch (profile.kind) {
    case WorkProfile::calling_order:
      return first.index;
    case WorkProfile::service_first:
      return preferred.index ? preferred.index : first.index;
    case WorkProfile::longest_queue: {
      const std::pair<int, Best>* best = nullptr;
      for (const auto& [service, queue] : queues) {
        if (best == nullptr || queue.first > best->first ||
            (queue.first == best->first && queue.second.key < best->second.key)) {
          best = &queue;
        }
      }
      return best == nullptr ? std::nullopt : best->second.index;
    }
  }
  return first.index;
}

}  // namespace guichet::queue
