#include <curl/curl.h>

#include <cstring>
#include <memory>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/errors.hpp"

namespace guichet::jobs {
namespace {
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
}  // namespace

SmtpSender::SmtpSender(SmtpConfig config, const Clock& clock) : config_(std::move(config)), clock_(clock) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)global;
}

Result<void> SmtpSender::send(const EmailMessage& message, std::string_view message_key) const {
  if (auto valid = validate(message); !valid) return std::move(valid).error();
  if (config_.url.empty()) {
    return make_error(Errc::smtp_not_configured, "no SMTP server is configured (--smtp-url)");
  }
  std::string from_address = address_of(config_.from);
  std::string domain = from_address.substr(from_address.find('@') + 1);
  std::string local = message_key.empty() ? random_hex(12) : std::string(message_key);
  std::string mime = build_mime(message, config_.from, clock_.now(), local + "@" + domain);

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return make_error(Errc::smtp_error, "libcurl could not start");
  std::unique_ptr<curl_slist, ListDeleter> recipients(curl_slist_append(nullptr, ("<" + message.to + ">").c_str()));
  Upload upload{mime};
  std::string mail_from = "<" + from_address + ">";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   config_.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(config_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!config_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return make_error(Errc::smtp_failed, std::string("SMTP delivery failed: ") + curl_easy_strerror(rc));
  }
  return {};
}

Result<void> SmtpSender::run_job(const Job& job) const {
  auto message = email_from_json(job.payload);
  if (!message) return std::move(message).error();
  // The job is the message: its id is the same at every retry, on every node.
  return send(*message, "job-" + std::to_string(job.id) + "." + sha256_hex(job.payload).substr(0, 12));
}

}  // namespace guichet::jobs
