// Verification for anyone: /verify (a form that takes a PDF and shows a report in the reader's
// language, usable without JavaScript), POST /api/v1/verify (a PDF in, the report as JSON out)
// and /pki/root.pem (what verifiers trust). Nothing uploaded is kept.
#include <boost/json.hpp>

#include <algorithm>
#include <memory>

#include "guichet/core/compute.hpp"
#include "guichet/documents/content_type.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/documents/issued.hpp"
#include "guichet/documents/verify.hpp"
#include "guichet/documents/web.hpp"
#include "guichet/http/application.hpp"

namespace guichet::documents {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

// Reads the trust settings on this worker, then verifies on the compute pool.
Result<VerificationReport> check(const DocumentsWebContext& ctx, std::string_view pdf) {
  if (pdf.size() > kMaxVerifiedPdf) return make_error(Errc::pdf_too_large, "the PDF is over 20 MiB");
  if (content_type_of(pdf) != "application/pdf") return make_error(Errc::not_a_pdf, "the file is not a PDF");
  auto trust = ctx.authority.trust_settings();
  if (!trust) return std::move(trust).error();
  auto verified = ComputePool::shared().run([&] { return verify_pdf(pdf, *trust); });
  if (!verified) return std::move(verified).error();
  return std::move(*verified);
}

PageData report_page_data(const DocumentsWebContext& ctx, const Request& request, const VerificationReport& report,
                          const std::string& file_name) {
  auto t = [&](std::string_view key) -> const std::string& { return ctx.catalog.text(request.lang, key); };
  PageData data;
  data.set("checked", true);
  data.set("file_name", file_name);
  data.set("size", std::to_string(report.size));
  data.set("sha256", report.sha256);
  PageData signatures{PageData::type::list};
  int number = 0;
  for (const auto& s : report.signatures) {
    ++number;
    PageData item;
    item.set("number", std::to_string(number));
    item.set("title", http::fill_text(t("check_signature"), {{"n", std::to_string(number)}}));
    const std::string indication(to_string(s.indication));
    item.set("result", t("check_result_" + indication));
    item.set("alert", s.indication == Indication::total_passed   ? "success"
                      : s.indication == Indication::total_failed ? "error"
                                                                 : "warning");
    if (!s.sub_indication.empty()) item.set("explanation", t("check_sub_" + s.sub_indication));
    item.set("indication", indication);
    if (!s.sub_indication.empty()) item.set("sub_indication", s.sub_indication);
    if (!s.signer_name.empty()) item.set("signer", s.signer_name);
    if (s.claimed_time) item.set("time", format_rfc3339(*s.claimed_time).substr(0, 19) + " UTC");
    if (s.time_stamp) {
      item.set("time_stamp", format_rfc3339(*s.time_stamp).substr(0, 19) + " UTC");
    } else {
      item.set("time_stamp", t(s.time_stamp_status == "none" ? "check_time_stamp_none" : "check_time_stamp_invalid"));
    }
    item.set("whole", t(s.covers_whole_document ? "check_whole_yes" : "check_whole_no"));
    if (!s.revocation.empty()) item.set("revocation", t("check_revocation_" + s.revocation));
    PageData steps{PageData::type::list};
    for (const auto& step : s.steps) {
      PageData st;
      st.set("name", t("check_step_" + step.name));
      st.set("status", t("check_status_" + std::string(to_string(step.status))));
      if (!step.detail.empty()) st.set("detail", step.detail);
      steps.push_back(st);
    }
    item.set("steps", steps);
    signatures.push_back(item);
  }
  data.set("signatures", signatures);
  return data;
}

PageData issued_data(const IssuedDocument& d) {
  PageData data;
  data.set("code", d.code);
  data.set("title", d.title);
  data.set("issuer", d.issuer);
  data.set("reference", d.reference);
  data.set("issued_at", format_rfc3339(d.issued_at).substr(0, 19) + " UTC");
  data.set("sha256", d.sha256);
  data.set("size", std::to_string(d.size));
  return data;
}

Response verify_form(const DocumentsWebContext& ctx, Request& request) {
  return ctx.pages.render(request, "verify", "check_title", PageData{});
}

// Where a document's QR code leads: what Guichet issued under this code, and the form to check a
// copy against it.
Response issued_page(const DocumentsWebContext& ctx, Request& request) {
  auto found = find_issued(*ctx.db, request.path_params.get("code").value_or(""));
  if (!found) return ctx.pages.render_error(request, found.error());
  if (!*found) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_issued_document, "no document has this code"));
  }
  PageData data;
  data.set("issued", issued_data(**found));
  Response response = ctx.pages.render(request, "verify", "check_title", data);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response verify_upload(const DocumentsWebContext& ctx, Request& request) {
  auto file = std::find_if(request.files.begin(), request.files.end(),
                           [](const http::UploadedFile& f) { return f.field == "document"; });
  auto refuse = [&](const Error& error) {
    PageData data;
    data.set("error", ctx.catalog.text(request.lang, error.code.message_key()));
    return ctx.pages.render(request, "verify", "check_title", data, http::http_status(error.kind));
  };
  if (file == request.files.end() || file->content.empty()) {
    PageData data;
    data.set("error", ctx.catalog.text(request.lang, "check_no_file"));
    return ctx.pages.render(request, "verify", "check_title", data, 400);
  }
  auto report = check(ctx, file->content);
  if (!report) {
    if (report.error().kind == ErrorKind::invalid_input || report.error().kind == ErrorKind::payload_too_large) {
      return refuse(report.error());
    }
    return ctx.pages.render_error(request, report.error());
  }
  PageData data = report_page_data(ctx, request, *report, file->filename);
  // The register of issued documents: this exact file, or the one a code names.
  auto exact = ctx.db != nullptr ? find_issued_by_hash(*ctx.db, report->sha256)
                                 : Result<std::optional<IssuedDocument>>(std::nullopt);
  if (!exact) return ctx.pages.render_error(request, exact.error());
  if (*exact) {
    data.set("issued", issued_data(**exact));
    data.set("issued_match", true);
  } else if (auto code = request.form.get("code"); ctx.db != nullptr && code && !code->empty()) {
    auto named = find_issued(*ctx.db, *code);
    if (!named) return ctx.pages.render_error(request, named.error());
    if (*named) {
      data.set("issued", issued_data(**named));
      data.set("issued_differs", true);
    }
  }
  Response response = ctx.pages.render(request, "verify", "check_title", data);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response verify_api(const DocumentsWebContext& ctx, Request& request) {
  const std::string type(request.headers.get("Content-Type").value_or(""));
  if (!type.starts_with("application/pdf")) {
    return http::json_error(request,
                            make_error(Errc::pdf_expected, "send the PDF itself, as Content-Type: application/pdf"));
  }
  auto report = check(ctx, request.body);
  if (!report) return http::json_error(request, report.error());
  json::object body = report_json(*report);
  auto issued = ctx.db != nullptr ? find_issued_by_hash(*ctx.db, report->sha256)
                                  : Result<std::optional<IssuedDocument>>(std::nullopt);
  if (!issued) return http::json_error(request, issued.error());
  if (*issued) {
    const IssuedDocument& d = **issued;
    body["issued"] = {{"code", d.code},   {"kind", d.kind},           {"issuer", d.issuer},
                      {"title", d.title}, {"reference", d.reference}, {"issued_at", format_rfc3339(d.issued_at)}};
  } else {
    body["issued"] = nullptr;
  }
  Response response = Response::json(json::serialize(body));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response root_certificate(const DocumentsWebContext& ctx, Request& request) {
  auto root = ctx.authority.root();
  if (!root) return ctx.pages.render_error(request, root.error());
  Response response = Response::text(root->certificate_pem);
  response.headers.set("Content-Type", "application/x-pem-file");
  response.headers.set("Content-Disposition", "attachment; filename=\"guichet-root.pem\"");
  response.headers.set("Cache-Control", "public, max-age=3600");
  return response;
}

// The issuing CA's revocation list, for verifiers that check revocation themselves.
Response revocation_list(const DocumentsWebContext& ctx, Request& request) {
  if (!ctx.authority.can_sign()) {
    return http::json_error(request,
                            make_error(Errc::no_secrets_key, "the revocation list is not served by this node"));
  }
  auto crl = ctx.authority.revocation_list();
  if (!crl) return http::json_error(request, crl.error());
  Response response = Response::text(std::move(*crl));
  response.headers.set("Content-Type", "application/pkix-crl");
  // A verifier may keep it a few minutes; a revocation shows everywhere within that.
  response.headers.set("Cache-Control", "public, max-age=300");
  return response;
}

// OCSP over HTTP (RFC 6960 A.1, POST): an OCSPRequest in, an OCSPResponse out. Signed on the
// compute pool; a request that does not parse still gets an OCSP answer (malformedRequest).
Response ocsp(const DocumentsWebContext& ctx, Request& request) {
  if (!ctx.authority.can_sign()) {
    return http::json_error(request, make_error(Errc::no_secrets_key, "OCSP is not served by this node"));
  }
  const std::string type(request.headers.get("Content-Type").value_or(""));
  if (!type.starts_with("application/ocsp-request")) {
    return http::json_error(request,
                            make_error(Errc::ocsp_request_expected, "send an OCSPRequest as application/ocsp-request"));
  }
  auto answer = ComputePool::shared().run([&] { return ctx.authority.ocsp_response(request.body); });
  if (!answer) return http::json_error(request, answer.error());
  if (!*answer) return http::json_error(request, answer->error());
  Response response = Response::text(std::move(**answer));
  response.headers.set("Content-Type", "application/ocsp-response");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response issuing_certificate(const DocumentsWebContext& ctx, Request& request) {
  auto pem = ctx.authority.issuing_certificate();
  if (!pem) return ctx.pages.render_error(request, pem.error());
  Response response = Response::text(std::move(*pem));
  response.headers.set("Content-Type", "application/x-pem-file");
  response.headers.set("Cache-Control", "public, max-age=3600");
  return response;
}

// RFC 3161 over HTTP: a TimeStampReq in, a TimeStampResp out.
Response time_stamp(const DocumentsWebContext& ctx, Request& request) {
  const std::string type(request.headers.get("Content-Type").value_or(""));
  if (ctx.tsa == nullptr) {
    return http::json_error(request, make_error(Errc::no_secrets_key, "time-stamping is not set up on this node"));
  }
  if (!type.starts_with("application/timestamp-query")) {
    return http::json_error(
        request, make_error(Errc::time_stamp_query_expected, "send a TimeStampReq as application/timestamp-query"));
  }
  auto answer = ComputePool::shared().run([&] { return ctx.tsa->respond(request.body); });
  if (!answer) return http::json_error(request, answer.error());
  if (!*answer) return http::json_error(request, answer->error());
  Response response = Response::text(std::move(**answer));
  response.headers.set("Content-Type", "application/timestamp-reply");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace

void register_verify_routes(http::Router& router, const DocumentsWebContext& context) {
  const DocumentsWebContext* ctx = &context;
  // The multipart envelope around the file adds a little to the PDF's own limit.
  constexpr std::size_t kFormLimit = kMaxVerifiedPdf + 64 * 1024;
  router.get("/verify", [ctx](Request& request) { return verify_form(*ctx, request); });
  if (ctx->db != nullptr) {
    router.get("/verify/{code}", [ctx](Request& request) { return issued_page(*ctx, request); });
  }
  router.post(
      "/verify", [ctx](Request& request) { return verify_upload(*ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
  router.post(
      "/api/v1/verify", [ctx](Request& request) { return verify_api(*ctx, request); },
      http::RouteOptions{http::RouteKind::api, kMaxVerifiedPdf, false});
  router.get("/pki/root.pem", [ctx](Request& request) { return root_certificate(*ctx, request); });
  router.get("/pki/issuing.crl", [ctx](Request& request) { return revocation_list(*ctx, request); });
  router.get("/pki/issuing.pem", [ctx](Request& request) { return issuing_certificate(*ctx, request); });
  router.post(
      "/pki/ocsp", [ctx](Request& request) { return ocsp(*ctx, request); },
      http::RouteOptions{http::RouteKind::api, 16 * 1024, false});
  router.post(
      "/tsa", [ctx](Request& request) { return time_stamp(*ctx, request); },
      http::RouteOptions{http::RouteKind::api, 16 * 1024, false});
}

}  // namespace guichet::documents
