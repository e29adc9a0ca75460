// The documents of a case, each sealed by the administration that runs the procedure, registered
// for /verify with its own code and kept with the case: the receipt (what was submitted, when and
// by whom, every answer along the person's path; the procedures.receipt job) and the decision
// (the outcome and its reasons; the procedures.decision job). Rendered after the transaction that
// caused them, on the compute pool. The procedures.notice job tells the person by e-mail that
// their case has news, without saying what.
#include <boost/json.hpp>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/log.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/documents/issued.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/sealing.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/exports.hpp"
#include "guichet/procedures/payments.hpp"
#include "guichet/procedures/processing.hpp"
#include "guichet/procedures/web.hpp"
#include "presentation.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

struct ReceiptFacts {
  std::string title;              // the procedure's, in the case's language
  std::string issuer_name;        // the administration, in the case's language
  std::string issuer_legal_name;  // in the site's default language, as its seal names it
  std::string submitted_by;       // the account's address
};

Result<ReceiptFacts> gather(const ProceduresContext& ctx, const Case& c, const PublishedProcedure& p) {
  return ctx.procedures.db().read([&](storage::Connection& connection) -> Result<ReceiptFacts> {
    ReceiptFacts facts;
    if (!p.definition->title.empty()) {
      facts.title = text_in(p.definition->title, c.lang);
    } else {
      auto services = catalogue::service_records(connection, {p.service_id}, std::string_view(c.lang));
      if (!services) return std::move(services).error();
      facts.title = services->empty() ? p.service_code : services->begin()->second.name;
    }
    auto name = catalogue::administration_name(connection, p.administration, c.lang);
    if (!name) return std::move(name).error();
    facts.issuer_name = name->value_or(p.administration);
    auto legal = catalogue::administration_name(connection, p.administration, ctx.catalog.default_language());
    if (!legal) return std::move(legal).error();
    facts.issuer_legal_name = legal->value_or(p.administration);
    if (c.user_id != 0) {
      auto email = identity::email_of(connection, c.user_id);
      if (!email) return std::move(email).error();
      facts.submitted_by = email->value_or("");
    }
    return facts;
  });
}

documents::DocumentSpec receipt_spec(const ProceduresContext& ctx, const Case& c, const PublishedProcedure& p,
                                     const ReceiptFacts& facts, const std::optional<Payment>& payment,
                                     const std::string& code) {
  const std::string& lang = c.lang;
  auto t = [&](std::string_view key) -> const std::string& { return ctx.catalog.text(lang, key); };
  documents::DocumentSpec spec;
  spec.lang = lang;
  spec.issuer = facts.issuer_name;
  spec.title = t("receipt_title");
  spec.subject = t("receipt_title") + " " + c.reference;
  spec.created = *c.submitted_at;
  spec.footer = facts.issuer_name + " · " + t("case_reference") + " " + c.reference;
  documents::Facts summary;
  summary.facts.push_back({t("case_reference"), c.reference});
  summary.facts.push_back({t("receipt_procedure"), facts.title});
  summary.facts.push_back({t("receipt_submitted_at"), spoken_instant(lang, ctx.time_zone, *c.submitted_at)});
  if (!facts.submitted_by.empty()) summary.facts.push_back({t("receipt_submitted_by"), facts.submitted_by});
  if (p.definition->processing_days > 0) {
    const auto due =
        std::chrono::floor<std::chrono::days>(*c.submitted_at) + std::chrono::days(p.definition->processing_days);
    summary.facts.push_back(
        {t("receipt_due"), http::fill_text(t("case_due_" + std::string(to_string(p.definition->tacit))),
                                           {{"date", spoken_day(lang, format_iso_day(due))}})});
  }
  if (payment) {
    summary.facts.push_back(
        {t("receipt_fee_paid"), spoken_euros(lang, payment->amount_cents) + " · " + payment->provider_reference});
  }
  spec.blocks.emplace_back(std::move(summary));
  const json::object effective = submitted_answers(*p.definition, c.answers);
  for (const Page* page : path(*p.definition, c.answers)) {
    documents::Table answers{{t("receipt_question"), t("receipt_answer")}, {}};
    for (const Field& field : page->fields) {
      if (field.type == FieldType::section || !visible(field, effective)) continue;
      const json::value* v = c.answers.if_contains(field.id);
      std::string answer = v != nullptr ? display_answer(field, *v, lang, ctx.catalog) : t("procedure_not_answered");
      if (v != nullptr && c.prefilled.contains(field.id)) {
        answer += "\n(" + prefilled_text(c, field.id, lang, ctx.catalog) + ")";
      }
      answers.rows.push_back({text_in(field.label, lang), answer});
    }
    if (answers.rows.empty()) continue;
    spec.blocks.emplace_back(documents::Heading{text_in(page->title, lang)});
    spec.blocks.emplace_back(std::move(answers));
  }
  const std::string verify_url = ctx.public_url + "/verify/" + code;
  spec.blocks.emplace_back(
      documents::QrCode{verify_url, http::fill_text(t("confirmation_verify"), {{"url", verify_url}, {"code", code}})});
  spec.blocks.emplace_back(documents::Paragraph{http::fill_text(
      t("receipt_sealed"),
      {{"issuer", facts.issuer_name}, {"date", spoken_instant(lang, ctx.time_zone, *c.submitted_at)}})});
  return spec;
}

documents::DocumentSpec decision_spec(const ProceduresContext& ctx, const Case& c, const ReceiptFacts& facts,
                                      const std::string& reasons, Instant decided_at, const std::string& code) {
  const std::string& lang = c.lang;
  auto t = [&](std::string_view key) -> const std::string& { return ctx.catalog.text(lang, key); };
  documents::DocumentSpec spec;
  spec.lang = lang;
  spec.issuer = facts.issuer_name;
  spec.title = t("decision_title");
  spec.subject = t("decision_title") + " " + c.reference;
  spec.created = decided_at;
  spec.footer = facts.issuer_name + " · " + t("case_reference") + " " + c.reference;
  documents::Facts summary;
  summary.facts.push_back({t("case_reference"), c.reference});
  summary.facts.push_back({t("receipt_procedure"), facts.title});
  if (c.submitted_at) {
    summary.facts.push_back({t("receipt_submitted_at"), spoken_instant(lang, ctx.time_zone, *c.submitted_at)});
  }
  summary.facts.push_back({t("decision_decided_at"), spoken_instant(lang, ctx.time_zone, decided_at)});
  summary.facts.push_back({t("decision_outcome"), t("decision_" + std::string(to_string(c.status)))});
  spec.blocks.emplace_back(std::move(summary));
  if (!reasons.empty()) {
    spec.blocks.emplace_back(documents::Heading{t("decision_reasons")});
    spec.blocks.emplace_back(documents::Paragraph{reasons});
  }
  const std::string verify_url = ctx.public_url + "/verify/" + code;
  spec.blocks.emplace_back(
      documents::QrCode{verify_url, http::fill_text(t("confirmation_verify"), {{"url", verify_url}, {"code", code}})});
  spec.blocks.emplace_back(documents::Paragraph{
      http::fill_text(t("receipt_sealed"),
                      {{"issuer", facts.issuer_name}, {"date", spoken_instant(lang, ctx.time_zone, decided_at)}})});
  return spec;
}

// Seals `spec` with the administration's seal, registers it and keeps it with the case.
Result<void> seal_and_keep(const ProceduresContext& ctx, const Case& c, const PublishedProcedure& p,
                           const ReceiptFacts& facts, const documents::DocumentSpec& spec, const std::string& code,
                           std::string_view kind) {
  auto pdf = documents::issue_sealed(ctx.procedures.db(), *ctx.authority, spec,
                                     documents::SealedIssue{p.administration, facts.issuer_legal_name,
                                                            "procedure_" + std::string(kind), c.reference, code, ""},
                                     ctx.pdf, ctx.time_stamper, ctx.procedures.clock());
  if (!pdf) return std::move(pdf).error();
  return store_document(ctx.procedures.db(), c.id, kind, *pdf, code, ctx.procedures.clock());
}

Result<void> make_decision(const ProceduresContext& ctx, std::int64_t case_id) {
  auto c = ctx.procedures.case_by_id(case_id);
  if (!c) {
    if (c.error().code == Errc::no_such_case) return {};
    return std::move(c).error();
  }
  const bool decided =
      c->status == CaseStatus::accepted || c->status == CaseStatus::refused || c->status == CaseStatus::closed;
  if (c->decision_ready || !decided) return {};
  if (ctx.authority == nullptr) {
    return make_error(documents::Errc::pki_not_initialised, "documents are not set up on this node");
  }
  auto p = ctx.procedures.version(c->procedure_id);
  if (!p) return std::move(p).error();
  auto facts = gather(ctx, *c, *p);
  if (!facts) return std::move(facts).error();
  // The reasons and the time are the decision event's.
  auto history = ctx.procedures.history(*c);
  if (!history) return std::move(history).error();
  std::string reasons;
  Instant decided_at = c->updated_at;
  for (const CaseEvent& e : *history) {
    if (e.to == c->status) {
      // A tacit decision is the law's, at the deadline; its reasons say so.
      reasons = e.actor == "system" && e.note == "tacit"
                    ? ctx.catalog.text(c->lang, "decision_tacit_" + std::string(to_string(c->status)))
                    : e.note;
      decided_at = e.at;
    }
  }
  const std::string code = documents::new_verification_code();
  return seal_and_keep(ctx, *c, *p, *facts, decision_spec(ctx, *c, *facts, reasons, decided_at, code), code,
                       "decision");
}

// "There is news about your application": what, the person reads after signing in.
Result<void> send_notice(const ProceduresContext& ctx, std::int64_t case_id) {
  auto c = ctx.procedures.case_by_id(case_id);
  if (!c) {
    if (c.error().code == Errc::no_such_case) return {};
    return std::move(c).error();
  }
  if (c->user_id == 0) return {};
  return ctx.procedures.db().transaction([&](storage::Connection& connection) -> Result<void> {
    auto email = identity::email_of(connection, c->user_id);
    if (!email) return std::move(email).error();
    if (!*email) return {};
    const std::string lang = c->lang.empty() ? ctx.catalog.default_language() : c->lang;
    const std::string url = ctx.public_url + "/cases/" + c->reference;
    jobs::EmailMessage message{
        **email,
        http::fill_text(ctx.catalog.text(lang, "case_notice_subject"), {{"reference", c->reference}}),
        http::fill_text(ctx.catalog.text(lang, "case_notice_text"), {{"reference", c->reference}, {"url", url}}),
        {}};
    auto queued = jobs::enqueue_email(connection, message, ctx.procedures.clock());
    if (!queued) return std::move(queued).error();
    return {};
  });
}

Result<void> make_receipt(const ProceduresContext& ctx, std::int64_t case_id) {
  auto c = ctx.procedures.case_by_id(case_id);
  if (!c) {
    // A case deleted since (its author's account and draft are gone) has nothing to receipt.
    if (c.error().code == Errc::no_such_case) return {};
    return std::move(c).error();
  }
  if (c->receipt_ready || !c->submitted_at) return {};  // already made by an earlier attempt
  if (ctx.authority == nullptr) {
    return make_error(documents::Errc::pki_not_initialised, "documents are not set up on this node");
  }
  auto p = ctx.procedures.version(c->procedure_id);
  if (!p) return std::move(p).error();
  auto facts = gather(ctx, *c, *p);
  if (!facts) return std::move(facts).error();
  const std::string code = documents::new_verification_code();
  auto payment = paid_payment(ctx.procedures.db(), c->id);
  if (!payment) return std::move(payment).error();
  return seal_and_keep(ctx, *c, *p, *facts, receipt_spec(ctx, *c, *p, *facts, *payment, code), code, "receipt");
}

// The case a job's payload names.
Result<std::int64_t> case_of_job(const jobs::Job& job) {
  boost::system::error_code ec;
  json::value payload = json::parse(job.payload, ec);
  const json::value* id = !ec && payload.is_object() ? payload.as_object().if_contains("case_id") : nullptr;
  if (id == nullptr || !id->is_int64()) return make_error(Errc::bad_request_body, "a case job names its case");
  return id->as_int64();
}

}  // namespace

void register_jobs(jobs::Worker& worker, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  worker.handle(kReceiptJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    auto id = case_of_job(job);
    if (!id) return std::move(id).error();
    return make_receipt(*ctx, *id);
  });
  worker.handle(kDecisionJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    auto id = case_of_job(job);
    if (!id) return std::move(id).error();
    return make_decision(*ctx, *id);
  });
  worker.handle(kDeadlineJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    auto id = case_of_job(job);
    if (!id) return std::move(id).error();
    return apply_deadline(ctx->procedures, *id);
  });
  worker.handle(kNoticeJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    auto id = case_of_job(job);
    if (!id) return std::move(id).error();
    return send_notice(*ctx, *id);
  });
  worker.handle(kExportJobKind, [ctx](const jobs::Job& job) -> Result<void> {
    boost::system::error_code ec;
    const json::value payload = json::parse(job.payload, ec);
    const json::value* id = !ec && payload.is_object() ? payload.as_object().if_contains("export_id") : nullptr;
    if (id == nullptr || !id->is_int64()) return make_error(Errc::bad_request_body, "an export job names its export");
    return run_export(ctx->procedures.db(), ctx->procedures.clock(), id->as_int64());
  });
  worker.handle(kPurgeDraftsJobKind, [ctx](const jobs::Job&) -> Result<void> {
    auto purged = ctx->procedures.purge_drafts();
    if (!purged) return std::move(purged).error();
    auto exports = purge_exports(ctx->procedures.db(), ctx->procedures.clock());
    if (!exports) return std::move(exports).error();
    return jobs::schedule_next_hour(ctx->procedures.db(), kPurgeDraftsJobKind, ctx->procedures.clock());
  });
  if (auto scheduled =
          jobs::schedule_next_hour(context.procedures.db(), kPurgeDraftsJobKind, context.procedures.clock());
      !scheduled) {
    log_event(LogLevel::warn, "schedule_failed", {{"job", kPurgeDraftsJobKind}, {"error", scheduled.error().message}});
  }
}

}  // namespace guichet::procedures
