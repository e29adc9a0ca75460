// The test payment provider's page: what a bank's card page would be, without a card. The person
// sees the amount and the case and chooses to pay, to fail or to give up; nothing is charged.
// Guichet then asks the provider how the payment ended (procedures/payments.hpp).
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/web.hpp"

namespace guichet::procedures {
using http::PageData;
using http::Request;
using http::Response;

namespace {

Response test_page(const ProceduresContext& ctx, Request& request) {
  const std::string reference(request.path_params.get("reference").value_or(""));
  auto pending = ctx.test_payments->find(reference);
  if (!pending) return ctx.pages.render_error(request, pending.error());
  PageData data;
  data.set("reference", reference);
  data.set("case_reference", pending->case_reference);
  data.set("amount", spoken_euros(request.lang, pending->amount_cents));
  if (pending->status != PaymentStatus::pending) data.set("settled", true);
  data.set("back", "/cases/" + pending->case_reference + "/payment?token=" + pending->token);
  Response response = ctx.pages.render(request, "pay_test", "pay_test_title", data);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response test_settle(const ProceduresContext& ctx, Request& request) {
  const std::string reference(request.path_params.get("reference").value_or(""));
  auto pending = ctx.test_payments->find(reference);
  if (!pending) return ctx.pages.render_error(request, pending.error());
  auto outcome = parse_payment_status(request.form.get("outcome").value_or(""));
  if (!outcome || *outcome == PaymentStatus::pending) {
    return ctx.pages.render_error(request, make_error(Errc::bad_request_body, "choose an outcome"));
  }
  auto settled = ctx.test_payments->settle(reference, *outcome);
  if (!settled && settled.error().code != Errc::wrong_status) return ctx.pages.render_error(request, settled.error());
  return Response::redirect("/cases/" + pending->case_reference + "/payment?token=" + pending->token, 303);
}

}  // namespace

void register_payment_routes(http::Router& router, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  if (ctx->test_payments == nullptr) return;
  router.get("/pay/test/{reference}", [ctx](Request& request) { return test_page(*ctx, request); });
  router.post("/pay/test/{reference}", [ctx](Request& request) { return test_settle(*ctx, request); });
}

}  // namespace guichet::procedures
