// What bookings cause besides their rows, enqueued in the booking's own transaction: the jobs that
// will render and send the e-mails with an iCalendar file, the reminder, webhooks, and the offer of
// a freed visit to the first on the waitlist.
#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "guichet/http/pages.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/webhooks.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/scheduling/icalendar.hpp"
#include "guichet/scheduling/web.hpp"
#include "presentation.hpp"

namespace guichet::scheduling {
namespace json = boost::json;

namespace {

enum class Change { confirmed, rescheduled, cancelled, reminder };

const char* key_of(Change change) {
  switch (change) {
    case Change::confirmed:
      return "booking_email_confirmed";
    case Change::rescheduled:
      return "booking_email_rescheduled";
    case Change::cancelled:
      return "booking_email_cancelled";
    case Change::reminder:
      return "booking_email_reminder";
  }
  return "booking_email_confirmed";
}

Result<std::optional<std::string>> email_of(storage::Connection& c, const std::optional<std::int64_t>& user_id) {
  if (!user_id) return std::optional<std::string>();
  return identity::email_of(c, *user_id);
}

// The e-mail for one change of a booking, in the booking's language.
Result<std::optional<jobs::EmailMessage>> booking_email(const SchedulingContext& ctx, storage::Connection& c,
                                                        const Booking& booking, Change change) {
  auto to = email_of(c, booking.user_id);
  if (!to) return std::move(to).error();
  if (!*to) return std::optional<jobs::EmailMessage>();
  auto view = describe_booking(c, booking, booking.lang);
  if (!view) return std::move(view).error();
  const std::string& lang = booking.lang;
  auto t = [&](std::string_view key) { return ctx.catalog.text(lang, key); };
  const std::string base = key_of(change);
  const std::string link = ctx.public_url + "/bookings/" + booking.reference;

  jobs::EmailMessage message;
  message.to = **to;
  message.subject = http::fill_text(t(base + "_subject"), {{"reference", booking.reference}});
  std::string text = t(base + "_text") + "\n\n";
  text += t("booking_reference") + ": " + booking.reference + "\n";
  text += t("booking_when") + ": " + view->when + "\n";
  // A video call happens nowhere the person goes: no address to mislead them.
  text += t("booking_where") + ": " +
          (booking.video_room ? t("book_mode_video") + " — " + view->shop_name
                              : view->shop_name + ", " + view->shop_address) +
          "\n\n";
  text += t("booking_services") + ":\n";
  for (const auto& item : view->items) text += "- " + item.time + " " + item.service_name + "\n";
  if (change != Change::cancelled) {
    std::set<std::string> listed;  // each document once, however many services ask for it
    for (const auto& item : view->items) {
      for (const auto& document : item.documents) {
        if (listed.empty()) {
          text += "\n" + t(booking.video_room ? "booking_documents_ready" : "booking_documents") + ":\n";
        }
        if (listed.insert(document).second) text += "- " + document + "\n";
      }
    }
    if (booking.video_room && ctx.video.enabled()) {
      text += "\n" + t("booking_video_join") + ": " +
              video_link(ctx.video, *booking.video_room, {"", **to, false}, booking.start, booking.end) + "\n";
    }
    text += "\n" + http::fill_text(t("booking_email_manage"), {{"link", link}}) + "\n";
    // Booked by an agent for someone who may never have chosen a password: how to get one.
    if (booking.booked_by) {
      text +=
          http::fill_text(t("booking_email_choose_password"), {{"link", ctx.public_url + "/account/forgot"}}) + "\n";
    }
  }
  message.text = text;
  CalendarEvent event = calendar_event(ctx, *view, booking);
  event.stamp = ctx.clock.now();
  message.attachments.push_back({booking.reference + ".ics",
                                 change == Change::cancelled ? "text/calendar; method=CANCEL; charset=UTF-8"
                                                             : "text/calendar; method=PUBLISH; charset=UTF-8",
                                 calendar_file(event)});
  return std::optional<jobs::EmailMessage>(std::move(message));
}

std::optional<Change> change_named(std::string_view name) {
  for (Change change : {Change::confirmed, Change::rescheduled, Change::cancelled, Change::reminder}) {
    if (name == key_of(change)) return change;
  }
  return std::nullopt;
}

// In the booking's transaction: only the booking's id, version and what changed. The e-mail is
// rendered by the job, outside this transaction (on SQLite, outside the only write lock).
Result<void> queue_booking_email(const SchedulingContext& ctx, storage::Connection& c, const Booking& booking,
                                 Change change) {
  jobs::NewJob job;
  job.kind = kBookingEmailJobKind;
  job.payload = json::serialize(
      json::object{{"booking", booking.id}, {"sequence", booking.sequence}, {"change", key_of(change)}});
  // One e-mail per booking, change and version, however often the caller retries.
  job.dedupe_key =
      std::string(key_of(change)) + ":" + std::to_string(booking.id) + ":" + std::to_string(booking.sequence);
  auto queued = jobs::enqueue(c, job, ctx.clock);
  if (!queued) return std::move(queued).error();
  return {};
}

// Run by the booking.email and booking.reminder jobs: the booking as it is now, if it is still the
// version the job was queued for (a later move or a cancellation has its own e-mail, so a
// superseded one is not sent), rendered from a read connection, then handed to the outbox in a
// short transaction of its own.
Result<void> send_booking_email(const SchedulingContext& ctx, std::int64_t booking_id, int sequence, Change change) {
  std::optional<jobs::EmailMessage> message;
  {
    auto c = ctx.db.acquire();
    if (!c) return std::move(c).error();
    auto row = (*c)->query("SELECT reference, status, sequence FROM bookings WHERE id = ?", {booking_id});
    if (!row) return std::move(row).error();
    if (row->empty() || row->rows[0].integer(2) != sequence) return {};
    const bool cancelled = row->rows[0].text(1) == "cancelled";
    const bool wanted = change == Change::cancelled ? cancelled : row->rows[0].text(1) == "confirmed";
    if (!wanted) return {};
    auto booking = find_booking(**c, row->rows[0].text(0));
    if (!booking) return std::move(booking).error();
    if (!*booking) return {};
    auto rendered = booking_email(ctx, **c, **booking, change);
    if (!rendered) return std::move(rendered).error();
    message = std::move(*rendered);
  }
  if (!message) return {};  // a booking made for someone without an e-mail address
  const std::string key =
      std::string("email:") + key_of(change) + ":" + std::to_string(booking_id) + ":" + std::to_string(sequence);
  return ctx.db.transaction([&](storage::Connection& c) -> Result<void> {
    auto sent = jobs::enqueue_email(c, *message, ctx.clock, key);
    if (!sent) return std::move(sent).error();
    return {};
  });
}

Result<std::pair<std::int64_t, int>> booking_version_of(const jobs::Job& job) {
  boost::system::error_code ec;
  json::value payload = json::parse(job.payload, ec);
  if (ec || !payload.is_object() || !payload.as_object().contains("booking") ||
      !payload.as_object().contains("sequence")) {
    return make_error(Errc::bad_payload, "a booking job names its booking and version");
  }
  return std::pair{payload.at("booking").to_number<std::int64_t>(),
                   static_cast<int>(payload.at("sequence").to_number<std::int64_t>())};
}

Result<void> queue_reminder(const SchedulingContext& ctx, storage::Connection& c, const Booking& booking) {
  const Instant due = booking.start - ctx.policy.reminder_before;
  if (due <= ctx.clock.now()) return {};  // booked less than that ahead: the confirmation will do
  jobs::NewJob job;
  job.kind = kReminderJobKind;
  job.payload = json::serialize(json::object{{"booking", booking.id}, {"sequence", booking.sequence}});
  job.run_at = due;
  job.dedupe_key = "booking.reminder:" + std::to_string(booking.id) + ":" + std::to_string(booking.sequence);
  job.priority = jobs::JobPriority::background;
  auto queued = jobs::enqueue(c, job, ctx.clock);
  if (!queued) return std::move(queued).error();
  return {};
}

// The first person waiting for each of the cancelled booking's services at its shop is told of
// the freed time; their place in the queue is then used up.
// `still_held`: after a move, the booking's new items; a freed time they take again is not freed.
Result<void> offer_to_waitlist(const SchedulingContext& ctx, storage::Connection& c, const Booking& booking,
                               const Booking* still_held = nullptr) {
  for (const auto& item : booking.items) {
    if (still_held != nullptr &&
        std::any_of(still_held->items.begin(), still_held->items.end(), [&](const BookingItem& held) {
          return held.counter == item.counter && held.start < item.end && item.start < held.end;
        })) {
      continue;
    }
    auto first = c.query(
        "SELECT id, user_id FROM waitlist_entries WHERE shop_id = ? AND service_id = ? AND offered_at IS NULL AND "
        "user_id <> ? ORDER BY created_at, id LIMIT 1",
        {booking.shop, item.service, booking.user_id.value_or(0)});
    if (!first) return std::move(first).error();
    if (first->empty()) continue;
    const std::int64_t entry = first->rows[0].integer(0);
    auto address = identity::email_of(c, first->rows[0].integer(1));
    if (!address) return std::move(address).error();
    if (!*address) continue;  // entries go with their account (ON DELETE CASCADE)
    auto taken = c.execute("UPDATE waitlist_entries SET offered_at = ? WHERE id = ? AND offered_at IS NULL",
                           {to_unix_micros(ctx.clock.now()), entry});
    if (!taken) return std::move(taken).error();
    if (*taken == 0) continue;
    auto view = describe_booking(c, booking, booking.lang);
    if (!view) return std::move(view).error();
    std::string service_name;
    std::string time;
    for (const auto& described : view->items) {
      if (described.service == item.service) {
        service_name = described.service_name;
        time = described.day + " " + described.time;
      }
    }
    const std::string link = ctx.public_url + "/book/times?services=" + std::to_string(item.service) +
                             "&shop=" + std::to_string(booking.shop) + "&from=" + view->day_iso;
    auto t = [&](std::string_view key) { return ctx.catalog.text(booking.lang, key); };
    jobs::EmailMessage message;
    message.to = **address;
    message.subject = t("waitlist_email_subject");
    std::string text = t("waitlist_email_text");
    text =
        http::fill_text(text, {{"service", service_name}, {"shop", view->shop_name}, {"when", time}, {"link", link}});
    message.text = text;
    auto sent = jobs::enqueue_email(c, message, ctx.clock, "waitlist.offer:" + std::to_string(entry),
                                    jobs::JobPriority::background);
    if (!sent) return std::move(sent).error();
  }
  return {};
}

// Tells the webhooks subscribed to this event for one of the booking's administrations.
Result<void> publish(const SchedulingContext& ctx, storage::Connection& c, const std::string& event,
                     const Booking& booking) {
  auto administrations = administrations_of(c, booking.id);
  if (!administrations) return std::move(administrations).error();
  return jobs::publish_event(c, event, *administrations, booking_json(booking),
                             event + ":" + booking.reference + ":" + std::to_string(booking.sequence), ctx.clock);
}

}  // namespace

BookingHooks booking_hooks(const SchedulingContext& context) {
  const SchedulingContext* ctx = &context;
  BookingHooks hooks;
  hooks.created = [ctx](storage::Connection& c, const Booking& booking) -> Result<void> {
    if (auto sent = queue_booking_email(*ctx, c, booking, Change::confirmed); !sent) return sent;
    if (auto published = publish(*ctx, c, "booking.created", booking); !published) return published;
    return queue_reminder(*ctx, c, booking);
  };
  hooks.rescheduled = [ctx](storage::Connection& c, const Booking& before, const Booking& after) -> Result<void> {
    if (auto sent = queue_booking_email(*ctx, c, after, Change::rescheduled); !sent) return sent;
    if (auto queued = queue_reminder(*ctx, c, after); !queued) return queued;
    if (auto published = publish(*ctx, c, "booking.rescheduled", after); !published) return published;
    // The time given up may be what someone on the waitlist was waiting for.
    return offer_to_waitlist(*ctx, c, before, &after);
  };
  hooks.cancelled = [ctx](storage::Connection& c, const Booking& booking) -> Result<void> {
    if (auto sent = queue_booking_email(*ctx, c, booking, Change::cancelled); !sent) return sent;
    if (auto published = publish(*ctx, c, "booking.cancelled", booking); !published) return published;
    return offer_to_waitlist(*ctx, c, booking);
  };
  hooks.marked = [ctx](storage::Connection& c, const Booking& booking) -> Result<void> {
    return publish(*ctx, c, "booking." + std::string(to_string(booking.status)), booking);
  };
  return hooks;
}

void register_jobs(jobs::Worker& worker, const SchedulingContext& context) {
  const SchedulingContext* ctx = &context;
  worker.handle(kBookingEmailJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    auto version = booking_version_of(job);
    if (!version) return std::move(version).error();
    boost::system::error_code ec;
    json::value payload = json::parse(job.payload, ec);
    const json::value* name = payload.as_object().if_contains("change");
    auto change = name && name->is_string() ? change_named(name->as_string()) : std::nullopt;
    if (!change) return make_error(Errc::bad_payload, "a booking e-mail names its change");
    return send_booking_email(*ctx, version->first, version->second, *change);
  });
  // Sent only if the booking is still confirmed at that version: a moved booking has a new
  // reminder, a cancelled one none.
  worker.handle(kReminderJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    auto version = booking_version_of(job);
    if (!version) return std::move(version).error();
    return send_booking_email(*ctx, version->first, version->second, Change::reminder);
  });
}

}  // namespace guichet::scheduling
