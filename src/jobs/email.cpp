#include <algorithm>
#include <boost/json.hpp>

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

std::string mime_base64(std::string_view data, bool wrap) {
  std::string out = guichet::base64(data);
  if (!wrap) return out;
  std::string wrapped;
  for (std::size_t i = 0; i < out.size(); i += 76) {
    wrapped += out.substr(i, 76);
    wrapped += "\r\n";
  }
  return wrapped;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 2047: non-ASCII header text as "B" encoded-words of at most 75 characters each, split only
// between UTF-8 characters, and folded onto continuation lines. 42 bytes make 56 base64
// characters, 68 with =?UTF-8?B?...?=, so even the first line, "Subject: " and a word, stays
// within RFC 5322's 78.
std::string encode_header_text(const std::string& text) {
  if (is_ascii(text)) return text;
  constexpr std::size_t kBytesPerWord = 42;
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(text.size(), at + kBytesPerWord);
    // Back up to the start of a character: continuation bytes are 10xxxxxx.
    while (end < text.size() && end > at && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + mime_base64(std::string_view(text).substr(at, end - at), false) + "?=";
    at = end;
  }
  return out;
}

// A MIME parameter (RFC 2045, 2231): an ASCII value quoted as it is, any other as
// name*=UTF-8''percent-encoded, which every current mail reader decodes. (An ASCII stand-in beside
// it would be read instead by parsers that take the first parameter of a name.)
std::string mime_parameter(std::string_view name, const std::string& value) {
  if (is_ascii(value)) return std::string(name) + "=\"" + value + "\"";
  std::string encoded;
  constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
                 byte == '.' || byte == '-' || byte == '_';
    if (plain) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return std::string(name) + "*=UTF-8''" + encoded;
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
    attachments.push_back({{"filename", a.filename},
                           {"content_type", a.content_type},
                           {"content_base64", mime_base64(a.content, false)}});
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

std::string build_mime(const EmailMessage& message, const std::string& from, Instant date,
                       const std::string& message_id) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(date));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date_text[64];
  std::strftime(date_text, sizeof date_text, "%a, %d %b %Y %H:%M:%S +0000", &utc);

  std::string out;
  out += "From: " + from + "\r\n";
  out += "To: " + message.to + "\r\n";
  out += "Subject: " + encode_header_text(message.subject) + "\r\n";
  out += std::string("Date: ") + date_text + "\r\n";
  out += "Message-ID: <" + message_id + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  std::string text_part = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                          mime_base64(message.text, true);
  if (message.attachments.empty()) return out + text_part;
  std::string boundary = "=_guichet_" + message_id.substr(0, message_id.find('@'));
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n" + text_part;
  for (const auto& a : message.attachments) {
    out += "--" + boundary + "\r\n";
    out += "Content-Type: " + a.content_type + "; " + mime_parameter("name", a.filename) + "\r\n";
    out += "Content-Disposition: attachment; " + mime_parameter("filename", a.filename) + "\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n" + mime_base64(a.content, true);
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace guichet::jobs
