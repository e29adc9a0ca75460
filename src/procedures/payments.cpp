#include "guichet/procedures/payments.hpp"

#include "case_rows.hpp"
#include "guichet/core/random.hpp"
#include "guichet/procedures/errors.hpp"

namespace guichet::procedures {

std::string_view to_string(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::paid:
      return "paid";
    case PaymentStatus::failed:
      return "failed";
    case PaymentStatus::abandoned:
      return "abandoned";
    case PaymentStatus::pending:
      break;
  }
  return "pending";
}

std::optional<PaymentStatus> parse_payment_status(std::string_view text) {
  for (PaymentStatus s :
       {PaymentStatus::pending, PaymentStatus::paid, PaymentStatus::failed, PaymentStatus::abandoned}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

Result<std::pair<std::string, std::string>> TestPaymentProvider::open(std::int64_t /*amount_cents*/,
                                                                      const std::string& /*description*/,
                                                                      const std::string& /*return_url*/) {
  std::string reference = "TEST-" + random_token(12);
  return std::make_pair(reference, "/pay/test/" + reference);
}

Result<TestPaymentProvider::Pending> TestPaymentProvider::find(const std::string& provider_reference) {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query(
        "SELECT p.amount_cents, c.reference, p.token, p.status FROM procedures_payments p "
        "JOIN procedures_cases c ON c.id = p.case_id WHERE p.provider = 'test' AND p.provider_reference = ?",
        {provider_reference});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_case, "no such payment");
  const storage::Row& row = rows->rows.front();
  return Pending{row.integer(0), row.text(1), row.text(2),
                 parse_payment_status(row.text(3)).value_or(PaymentStatus::pending)};
}

Result<PaymentStatus> TestPaymentProvider::status(const std::string& provider_reference) {
  auto found = find(provider_reference);
  if (!found) return std::move(found).error();
  return found->status;
}

Result<void> TestPaymentProvider::settle(const std::string& provider_reference, PaymentStatus outcome) {
  auto changed = db_.transaction([&](storage::Connection& c) {
    return c.execute(
        "UPDATE procedures_payments SET status = ?, completed_at = ? "
        "WHERE provider = 'test' AND provider_reference = ? AND status = 'pending'",
        {std::string(to_string(outcome)), to_unix_micros(clock_.now()), provider_reference});
  });
  if (!changed) return std::move(changed).error();
  if (*changed == 0) return make_error(Errc::wrong_status, "this payment is no longer pending");
  return {};
}

Result<std::string> Payments::open(const Actor& actor, std::string_view reference, const std::string& public_url,
                                   std::vector<FieldProblem>* problems) {
  auto found = procedures_.find(actor, reference);
  if (!found) return std::move(found).error();
  if (found->status != CaseStatus::draft) return make_error(Errc::not_a_draft, "this case was submitted");
  auto procedure = procedures_.version(found->procedure_id);
  if (!procedure) return std::move(procedure).error();
  const Definition& definition = *procedure->definition;
  if (definition.fee_cents == 0) return make_error(Errc::bad_request_body, "this procedure has no fee");
  std::vector<FieldProblem> gaps = missing(definition, found->answers);
  if (!gaps.empty()) {
    if (problems != nullptr) *problems = gaps;
    return make_error(Errc::incomplete, "answer every required question before paying");
  }
  const std::string token = random_token(12);
  const std::string return_url = public_url + "/cases/" + found->reference + "/payment?token=" + token;
  auto opened = provider_.open(definition.fee_cents, found->reference, return_url);
  if (!opened) return std::move(opened).error();
  auto stored = procedures_.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto inserted = c.execute(
        "INSERT INTO procedures_payments (case_id, token, provider, provider_reference, amount_cents, status, "
        "created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
        {found->id, token, provider_.name(), opened->first, definition.fee_cents,
         to_unix_micros(procedures_.clock().now())});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
  if (!stored) return std::move(stored).error();
  return opened->second;
}

Result<Payment> Payments::complete(const Actor& actor, std::string_view reference, std::string_view token,
                                   std::string_view lang) {
  auto found = procedures_.find(actor, reference);
  if (!found) return std::move(found).error();
  auto rows = procedures_.db().read([&](storage::Connection& c) {
    return c.query(
        "SELECT token, provider_reference, amount_cents, status, created_at, completed_at FROM procedures_payments "
        "WHERE case_id = ? AND token = ? AND provider = ?",
        {found->id, std::string(token), provider_.name()});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_case, "no such payment");
  const storage::Row& row = rows->rows.front();
  Payment payment{row.text(0),
                  row.text(1),
                  row.integer(2),
                  parse_payment_status(row.text(3)).value_or(PaymentStatus::pending),
                  from_unix_micros(row.integer(4)),
                  std::nullopt};
  // The provider says how it ended; the return address alone proves nothing.
  auto status = provider_.status(payment.provider_reference);
  if (!status) return std::move(status).error();
  payment.status = *status;
  const Instant now = procedures_.clock().now();
  auto recorded = procedures_.db().transaction([&](storage::Connection& c) -> Result<void> {
    auto updated =
        c.execute("UPDATE procedures_payments SET status = ?, completed_at = COALESCE(completed_at, ?) WHERE token = ?",
                  {std::string(to_string(payment.status)), to_unix_micros(now), payment.token});
    if (!updated) return std::move(updated).error();
    return {};
  });
  if (!recorded) return std::move(recorded).error();
  if (payment.status == PaymentStatus::paid && found->status == CaseStatus::draft) {
    auto submitted = procedures_.submit(actor, reference, lang);
    if (!submitted) return std::move(submitted).error();
  }
  return payment;
}

Result<std::optional<Payment>> paid_payment(storage::Database& db, std::int64_t case_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(
        "SELECT token, provider_reference, amount_cents, status, created_at, completed_at FROM procedures_payments "
        "WHERE case_id = ? AND status = 'paid' ORDER BY id LIMIT 1",
        {case_id});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Payment>();
  const storage::Row& row = rows->rows.front();
  Payment p{row.text(0), row.text(1), row.integer(2), PaymentStatus::paid, from_unix_micros(row.integer(4)),
            std::nullopt};
  if (auto at = row.optional_integer(5)) p.completed_at = from_unix_micros(*at);
  return std::optional<Payment>(std::move(p));
}

Result<std::optional<Payment>> Payments::paid(std::int64_t case_id) const {
  return paid_payment(procedures_.db(), case_id);
}

}  // namespace guichet::procedures
