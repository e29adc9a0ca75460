#pragma once
// What the queue module's own files share about tickets' rows.
#include <string>
#include <vector>

#include "guichet/queue/queue.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue::detail {

// The columns ticket_from reads, in order.
extern const char* const kTicketColumns;
Ticket ticket_from(const storage::Row& row);
// The shop's local day ("YYYY-MM-DD") of an instant.
std::string local_day_of(const std::string& time_zone, Instant at);
// The tickets of the shop's day waiting for one of `services` (steps not loaded), unordered.
Result<std::vector<Ticket>> waiting_on(storage::Connection& c, std::int64_t shop_id, const std::string& day,
                                       const std::vector<std::int64_t>& services);

}  // namespace guichet::queue::detail
