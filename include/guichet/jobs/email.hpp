#pragma once
// E-mail is always sent through the outbox: a module enqueues an "email.send" job in its own
// transaction, and a worker delivers it over SMTP with retries.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/jobs/outbox.hpp"

namespace guichet::jobs {

inline constexpr const char* kEmailJobKind = "email.send";

struct Attachment {
  std::string filename;
  std::string content_type;  // "text/calendar; method=REQUEST"
  std::string content;
};

struct EmailMessage {
  std::string to;
  std::string subject;
  std::string text;
  std::vector<Attachment> attachments;
};

// Checks addresses and refuses CR/LF in header values (header injection).
Result<void> validate(const EmailMessage& message);
std::string to_json(const EmailMessage& message);
Result<EmailMessage> email_from_json(std::string_view json);

Result<std::int64_t> enqueue_email(storage::Connection& transaction, const EmailMessage& message, const Clock& clock,
                                   std::optional<std::string> dedupe_key = std::nullopt,
                                   JobPriority priority = JobPriority::normal);

// RFC 5322 / MIME: UTF-8 text in base64, attachments as multipart/mixed, non-ASCII subjects as
// RFC 2047 encoded words.
std::string build_mime(const EmailMessage& message, const std::string& from, Instant date,
                       const std::string& message_id);

struct SmtpConfig {
  std::string url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
  std::string username;
  std::string password;
  std::string from = "Guichet <no-reply@localhost>";
  bool require_tls = false;
  std::chrono::seconds timeout{30};
};

class SmtpSender {
 public:
  SmtpSender(SmtpConfig config, const Clock& clock);
  // `message_key` names the message for its Message-ID, so every attempt to deliver one message
  // carries the same one and receivers can drop a copy a retry sent twice; random when empty.
  Result<void> send(const EmailMessage& message, std::string_view message_key = {}) const;
  // A JobHandler for kEmailJobKind.
  Result<void> run_job(const Job& job) const;

 private:
  SmtpConfig config_;
  const Clock& clock_;
};

// The address part of "Name <address>" (or the whole text).
std::string address_of(const std::string& mailbox);

}  // namespace guichet::jobs
