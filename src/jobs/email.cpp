#include <gmime/gmime.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>

#include "guichet/core/encoding.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/errors.hpp"

namespace guichet::jobs {
namespace {
bool has_line_break(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

bool plausible_address(const std::string& address) {
  auto at = address.find('@');
  return !address.empty() && address.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < address.size() &&
         address.find('@', at + 1) == std::string::npos && address.find_first_of(" \t\r\n<>,;\"") == std::string::npos;
}

// GMime (on GLib) is initialised once per process; building messages is thread-safe after that.
void ensure_gmime() {
  static const bool initialised = [] {
    g_mime_init();
    return true;
  }();
  (void)initialised;
}

// Owns one reference to a GObject.
struct Unref {
  void operator()(gpointer object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
template <class T>
using Owned = std::unique_ptr<T, Unref>;

// The text as UTF-8 in base64 (the whole message is ASCII, whatever the text's language). Not
// g_mime_text_part_set_text, which would pick the smallest charset that fits (Latin-1 for French
// or Portuguese): one charset for every message is simpler to read back and to test.
Owned<GMimeTextPart> text_part(const std::string& text) {
  Owned<GMimeTextPart> part(g_mime_text_part_new_with_subtype("plain"));
  Owned<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  Owned<GMimeDataWrapper> content(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(GMIME_PART(part.get()), content.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_BASE64);
  return part;
}

// GMime writes a non-ASCII file name as an RFC 2231 parameter (filename*=UTF-8''...).
Owned<GMimePart> attachment_part(const Attachment& attachment) {
  Owned<GMimePart> part(g_mime_part_new());
  Owned<GMimeContentType> type(g_mime_content_type_parse(nullptr, attachment.content_type.c_str()));
  g_mime_object_set_content_type(GMIME_OBJECT(part.get()), type.get());
  g_mime_part_set_filename(part.get(), attachment.filename.c_str());
  Owned<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(reinterpret_cast<const char*>(attachment.content.data()),
                                                              attachment.content.size()));
  Owned<GMimeDataWrapper> content(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
  return part;
}
}  // namespace

std::string address_of(const std::string& mailbox) {
  auto open = mailbox.find('<');
  auto close = mailbox.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return mailbox.substr(open + 1, close - open - 1);
  return mailbox;
}

Result<void> validate(const EmailMessage& message) {
  if (!plausible_address(message.to)) {
    return make_error(Errc::bad_email, "the recipient address is not a valid e-mail address");
  }
  if (has_line_break(message.subject) || !is_valid_utf8(message.subject) || !is_valid_utf8(message.text)) {
    return make_error(Errc::bad_email, "the subject must be one line of UTF-8 text");
  }
  for (const auto& a : message.attachments) {
    if (a.filename.empty() || has_line_break(a.filename) || has_line_break(a.content_type) ||
        a.filename.find('"') != std::string::npos) {
      return make_error(Errc::bad_email, "an attachment has an invalid name or type");
    }
  }
  return {};
}

std::string to_json(const EmailMessage& message) {
  boost::json::array attachments;
  for (const auto& a : message.attachments) {
    attachments.push_back(
        {{"filename", a.filename}, {"content_type", a.content_type}, {"content_base64", guichet::base64(a.content)}});
  }
  boost::json::object o{
      {"to", message.to}, {"subject", message.subject}, {"text", message.text}, {"attachments", attachments}};
  return boost::json::serialize(o);
}

Result<EmailMessage> email_from_json(std::string_view json) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return make_error(Errc::bad_email_job, "the e-mail job payload is not a JSON object");
  const auto& o = value.as_object();
  auto text = [&](const boost::json::object& from, const char* key) -> std::string {
    const auto* v = from.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  EmailMessage message{text(o, "to"), text(o, "subject"), text(o, "text"), {}};
  if (const auto* list = o.if_contains("attachments"); list && list->is_array()) {
    for (const auto& item : list->as_array()) {
      if (!item.is_object()) continue;
      std::string encoded = text(item.as_object(), "content_base64");
      auto decoded = base64_decode(encoded);
      if (!decoded) return make_error(Errc::bad_email_job, "an attachment is not valid base64");
      message.attachments.push_back(
          {text(item.as_object(), "filename"), text(item.as_object(), "content_type"), std::move(decoded).value()});
    }
  }
  if (auto valid = validate(message); !valid) return std::move(valid).error();
  return message;
}

Result<std::int64_t> enqueue_email(storage::Connection& tx, const EmailMessage& message, const Clock& clock,
                                   std::optional<std::string> dedupe_key, JobPriority priority) {
  if (auto valid = validate(message); !valid) return std::move(valid).error();
  return enqueue(tx, NewJob{kEmailJobKind, to_json(message), std::nullopt, 8, std::move(dedupe_key), priority}, clock);
}

// Built with GMime: RFC 2047 encoded-words for non-ASCII subjects (at most 75 characters, folded
// within 78), RFC 2231 parameters for non-ASCII attachment names, CRLF line ends for SMTP.
std::string build_mime(const EmailMessage& message, const std::string& from, Instant date,
                       const std::string& message_id) {
  ensure_gmime();
  Owned<GMimeMessage> mime(g_mime_message_new(TRUE));
  Owned<InternetAddressList> sender(internet_address_list_parse(nullptr, from.c_str()));
  if (sender) internet_address_list_append(g_mime_message_get_from(mime.get()), sender.get());
  g_mime_message_add_mailbox(mime.get(), GMIME_ADDRESS_TYPE_TO, nullptr, message.to.c_str());
  g_mime_message_set_subject(mime.get(), message.subject.c_str(), "utf-8");
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(date.time_since_epoch()).count();
  GDateTime* when = g_date_time_new_from_unix_utc(seconds);
  g_mime_message_set_date(mime.get(), when);
  g_date_time_unref(when);
  g_mime_message_set_message_id(mime.get(), message_id.c_str());

  Owned<GMimeTextPart> text = text_part(message.text);
  if (message.attachments.empty()) {
    g_mime_message_set_mime_part(mime.get(), GMIME_OBJECT(text.get()));
  } else {
    Owned<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
    // The boundary comes from the job, like the Message-ID, so a retried message is the same bytes.
    const std::string boundary = "=_guichet_" + message_id.substr(0, message_id.find('@'));
    g_mime_multipart_set_boundary(mixed.get(), boundary.c_str());
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(text.get()));
    for (const auto& attachment : message.attachments) {
      Owned<GMimePart> part = attachment_part(attachment);
      g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
    }
    g_mime_message_set_mime_part(mime.get(), GMIME_OBJECT(mixed.get()));
  }
  GMimeFormatOptions* options = g_mime_format_options_clone(g_mime_format_options_get_default());
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* written = g_mime_object_to_string(GMIME_OBJECT(mime.get()), options);
  std::string out(written);
  g_free(written);
  g_mime_format_options_free(options);
  return out;
}

}  // namespace guichet::jobs
