#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "guichet/jobs/email.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/smtp_sink.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace guichet::jobs {
namespace {

EmailMessage sample() {
  return EmailMessage{
      "ana@example.org",
      "Confirmação da marcação",
      "Olá Ana,\nAté já.",
      {Attachment{"visit.ics", "text/calendar; method=REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}}};
}

TEST(Email, RefusesHeaderInjectionAndBadAddresses) {
  EmailMessage m = sample();
  m.subject = "Hi\r\nBcc: victim@example.org";
  EXPECT_FALSE(validate(m).ok());
  m = sample();
  m.to = "a@b.org\r\nBcc: x@y.org";
  EXPECT_FALSE(validate(m).ok());
  m.to = "not-an-address";
  EXPECT_FALSE(validate(m).ok());
  m.to = "two@@example.org";
  EXPECT_FALSE(validate(m).ok());
  EXPECT_TRUE(validate(sample()).ok());
}

TEST(Email, JsonRoundTripKeepsAttachments) {
  auto back = email_from_json(to_json(sample()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->subject, sample().subject);
  ASSERT_EQ(back->attachments.size(), 1U);
  EXPECT_EQ(back->attachments[0].content, sample().attachments[0].content);
  EXPECT_FALSE(email_from_json("not json").ok());
}

TEST(Email, MimeEncodesSubjectAndParts) {
  std::string mime = build_mime(sample(), "Guichet <no-reply@guichet.test>", from_unix_micros(0), "abc@guichet.test");
  EXPECT_NE(mime.find("Subject: =?"), std::string::npos) << mime;
  EXPECT_NE(mime.find("Date: Thu, 01 Jan 1970 00:00:00 +0000"), std::string::npos) << mime;
  EXPECT_NE(mime.find("Content-Type: multipart/mixed; boundary="), std::string::npos) << mime;
  EXPECT_NE(mime.find("filename=visit.ics"), std::string::npos) << mime;
  EXPECT_NE(mime.find("Message-Id: <abc@guichet.test>"), std::string::npos) << mime;
  EXPECT_EQ(mime.find("\n"), mime.find("\r\n") + 1) << "CRLF line ends, as SMTP wants";
  // The same job gives the same bytes (the worker may send it again after a crash).
  EXPECT_EQ(mime, build_mime(sample(), "Guichet <no-reply@guichet.test>", from_unix_micros(0), "abc@guichet.test"));
}

// Issue 17: the produced message read back by a real MIME parser (Python's email package): a long
// non-ASCII subject split into encoded-words of at most 75 characters and folded, a non-ASCII
// attachment name encoded per RFC 2231, and every header line within 78 characters.
TEST(Email, AMimeParserReadsBackLongSubjectsAndNonAsciiFileNames) {
  EmailMessage m = sample();
  m.subject = "Xác nhận lịch hẹn tại Trung tâm Phục vụ hành chính công: cấp lại căn cước công dân gắn chip";
  m.attachments[0].filename = "lịch hẹn — €.ics";
  testing::TempDir dir;
  const auto file = dir.path() / "message.eml";
  {
    std::ofstream out(file, std::ios::binary);
    out << build_mime(m, "Guichet <no-reply@guichet.test>", from_unix_micros(0), "abc@guichet.test");
  }
  const auto script = dir.path() / "check.py";
  std::ofstream(script) << R"(import sys, email, email.policy
raw = open(sys.argv[1], 'rb').read()
head = raw.split(b'\r\n\r\n', 1)[0]
assert all(len(line) <= 78 for line in head.split(b'\r\n')), 'a header line is longer than 78'
words = [w for w in head.replace(b'\r\n ', b' ').split(b' ') if w.startswith(b'=?')]
assert words and all(len(w) <= 75 for w in words), words
msg = email.message_from_bytes(raw, policy=email.policy.default)
assert str(msg['subject']) == sys.argv[2], repr(str(msg['subject']))
parts = [p for p in msg.iter_attachments()]
assert len(parts) == 1 and parts[0].get_filename() == sys.argv[3], parts[0].get_filename()
assert msg.get_body(('plain',)).get_content().rstrip() == 'Olá Ana,\nAté já.'
print('ok')
)";
  std::string command = "python3 '" + script.string() + "' '" + file.string() + "' '" + m.subject + "' '" +
                        m.attachments[0].filename + "' 2>&1";
  FILE* run = popen(command.c_str(), "r");
  ASSERT_NE(run, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, run) != nullptr) output += buffer;
  EXPECT_EQ(pclose(run), 0) << output;
  EXPECT_EQ(output, "ok\n");
}

// Issue 17: every attempt to deliver one job's message carries the same Message-ID.
TEST(Smtp, ARetriedJobKeepsItsMessageId) {
  testing::SmtpSink sink;
  FakeClock clock(from_unix_micros(1'800'000'000'000'000));
  SmtpSender sender(SmtpConfig{sink.url(), "", "", "Guichet <no-reply@guichet.test>"}, clock);
  Job job;
  job.id = 42;
  job.kind = std::string(kEmailJobKind);
  job.payload = to_json(sample());
  ASSERT_TRUE(sender.run_job(job));
  ASSERT_TRUE(sender.run_job(job));  // as after a node died before it could mark the job done
  job.id = 43;
  ASSERT_TRUE(sender.run_job(job));
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 3U);
  auto message_id = [](const std::string& data) {
    auto at = data.find("Message-Id: ");  // as GMime spells it
    return data.substr(at, data.find("\r\n", at) - at);
  };
  EXPECT_EQ(message_id(messages[0].data), message_id(messages[1].data));
  EXPECT_NE(message_id(messages[0].data), message_id(messages[2].data));
  EXPECT_NE(message_id(messages[0].data).find("job-42."), std::string::npos);
}

TEST(Smtp, DeliversToALocalServer) {
  testing::SmtpSink sink;
  FakeClock clock(from_unix_micros(1'800'000'000'000'000));
  SmtpSender sender(SmtpConfig{sink.url(), "", "", "Guichet <no-reply@guichet.test>"}, clock);
  auto sent = sender.send(sample());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].mail_from, "<no-reply@guichet.test>");
  EXPECT_EQ(messages[0].recipients, (std::vector<std::string>{"<ana@example.org>"}));
  EXPECT_NE(messages[0].data.find("To: ana@example.org"), std::string::npos);
}

TEST(Smtp, UnreachableOrRefusingServerIsUnavailable) {
  FakeClock clock(from_unix_micros(0));
  SmtpSender nowhere(SmtpConfig{"smtp://127.0.0.1:1", "", "", "a@b.test"}, clock);
  auto failed = nowhere.send(sample());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::unavailable);
  testing::SmtpSink sink;
  sink.refuse = true;
  SmtpSender refused(SmtpConfig{sink.url(), "", "", "a@b.test"}, clock);
  EXPECT_FALSE(refused.send(sample()).ok());
}

class EmailOutboxTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EmailOutboxTest, QueuedEmailIsRetriedUntilTheServerAcceptsIt) {
  testing::TestDatabase database(GetParam());
  FakeClock clock(from_unix_micros(1'800'000'000'000'000));
  ASSERT_TRUE(storage::apply_migrations(database.db(), storage::builtin_migrations(), clock).ok());
  testing::SmtpSink sink;
  sink.refuse = true;
  SmtpSender sender(SmtpConfig{sink.url(), "", "", "Guichet <no-reply@guichet.test>"}, clock);
  Worker worker(database.db(), clock);
  worker.handle(kEmailJobKind, [&](const Job& job) { return sender.run_job(job); });
  auto queued = database.db().transaction([&](storage::Connection& c) { return enqueue_email(c, sample(), clock); });
  ASSERT_TRUE(queued.ok()) << queued.error().message;

  EXPECT_EQ(*worker.run_due(), 1);
  auto pending = list_jobs(database.db(), "pending", 10);
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_NE(pending->at(0).last_error->find("SMTP"), std::string::npos);
  EXPECT_TRUE(sink.messages().empty());

  sink.refuse = false;
  clock.advance(std::chrono::minutes(5));
  EXPECT_EQ(*worker.run_due(), 1);
  EXPECT_EQ(sink.messages().size(), 1U);
  EXPECT_EQ(list_jobs(database.db(), "done", 10)->size(), 1U);
}

TEST_P(EmailOutboxTest, InvalidEmailIsRefusedBeforeQueueing) {
  testing::TestDatabase database(GetParam());
  FakeClock clock(from_unix_micros(0));
  ASSERT_TRUE(storage::apply_migrations(database.db(), storage::builtin_migrations(), clock).ok());
  EmailMessage bad = sample();
  bad.to = "nobody";
  auto queued = database.db().transaction([&](storage::Connection& c) { return enqueue_email(c, bad, clock); });
  ASSERT_FALSE(queued.ok());
  EXPECT_EQ(queued.error().kind, ErrorKind::invalid_input);
  EXPECT_TRUE(list_jobs(database.db(), std::nullopt, 10)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailOutboxTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::jobs
