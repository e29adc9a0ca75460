#pragma once
// A procedure's fee, paid online before submission through a payment provider: Guichet records an
// attempt (pending), sends the person to the provider's page, and on their return asks the
// provider how it ended (paid, failed, abandoned) rather than trusting the return address. A paid
// attempt lets the case be submitted; its receipt states the fee and the payment's reference.
//
// `TestPaymentProvider` is Guichet's own stand-in, for the demo and the tests: its page
// (/pay/test/{reference}) lets the person succeed, fail or give up, and no money moves. A real
// provider implements the same interface with its API.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::procedures {

enum class PaymentStatus { pending, paid, failed, abandoned };
std::string_view to_string(PaymentStatus status);
std::optional<PaymentStatus> parse_payment_status(std::string_view text);

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual std::string name() const = 0;
  // Opens a payment of `amount_cents` for `description`; the person is sent to the returned
  // address and comes back to `return_url`. Returns {provider reference, address}.
  virtual Result<std::pair<std::string, std::string>> open(std::int64_t amount_cents, const std::string& description,
                                                           const std::string& return_url) = 0;
  // How the payment stands now, as the provider knows it.
  virtual Result<PaymentStatus> status(const std::string& provider_reference) = 0;
};

// Guichet's test provider: its state is the attempt's own row of procedures_payments (found by
// provider reference), settled by the person on /pay/test/{reference}.
class TestPaymentProvider : public PaymentProvider {
 public:
  TestPaymentProvider(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  std::string name() const override { return "test"; }
  Result<std::pair<std::string, std::string>> open(std::int64_t amount_cents, const std::string& description,
                                                   const std::string& return_url) override;
  Result<PaymentStatus> status(const std::string& provider_reference) override;
  // What the test page does: the person pays, fails or gives up. Only a pending payment changes.
  Result<void> settle(const std::string& provider_reference, PaymentStatus outcome);
  // For its page: the amount, and the case and attempt to send the person back to.
  struct Pending {
    std::int64_t amount_cents = 0;
    std::string case_reference;
    std::string token;
    PaymentStatus status = PaymentStatus::pending;
  };
  Result<Pending> find(const std::string& provider_reference);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

struct Payment {
  std::string token;  // Guichet's reference for the attempt (in the return address)
  std::string provider_reference;
  std::int64_t amount_cents = 0;
  PaymentStatus status = PaymentStatus::pending;
  Instant created_at;
  std::optional<Instant> completed_at;
};

// The case's paid attempt, if any.
Result<std::optional<Payment>> paid_payment(storage::Database& db, std::int64_t case_id);

class Payments {
 public:
  Payments(Procedures& procedures, PaymentProvider& provider) : procedures_(procedures), provider_(provider) {}
  // Opens an attempt for the draft's fee and returns the provider's address to send the person
  // to. Errc::not_a_draft; Errc::bad_request_body when the procedure has no fee; Errc::incomplete
  // (with `problems`) when required answers are missing, so nobody pays for a case they cannot
  // submit.
  Result<std::string> open(const Actor& actor, std::string_view reference, const std::string& public_url,
                           std::vector<FieldProblem>* problems = nullptr);
  // The person is back: asks the provider how the attempt ended, records it, and when it is paid
  // submits the case. Returns the attempt as it now stands.
  Result<Payment> complete(const Actor& actor, std::string_view reference, std::string_view token,
                           std::string_view lang);
  // The draft's fee is paid (by an attempt of the case).
  Result<std::optional<Payment>> paid(std::int64_t case_id) const;

 private:
  Procedures& procedures_;
  PaymentProvider& provider_;
};

}  // namespace guichet::procedures
