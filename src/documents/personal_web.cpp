// A person's own signature on the web: /account/sign (upload a PDF, see what will be signed,
// confirm with a code from the authenticator app), /account/signatures (what they signed, the
// signed copies while kept, their certificate and revoking it). Usable without JavaScript: each
// step is a form and a redirect.
#include <algorithm>
#include <cstdio>

#include "guichet/documents/errors.hpp"
#include "guichet/documents/personal.hpp"
#include "guichet/documents/web.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/errors.hpp"

namespace guichet::documents {
using http::PageData;
using http::Request;
using http::Response;

namespace {

std::string when(Instant instant) {
  std::string text = format_rfc3339(instant);
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

// Sizes as people read them: bytes up to a kibibyte, then one decimal.
std::string size_text(std::int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const double kib = static_cast<double>(bytes) / 1024.0;
  char buffer[32];
  if (kib < 1024.0) {
    std::snprintf(buffer, sizeof buffer, "%.1f KiB", kib);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", kib / 1024.0);
  }
  return buffer;
}

// The CN of an RFC 2253 subject line (what people read as the name), or the whole line.
std::string common_name_of(const std::string& subject) {
  std::size_t at = subject.starts_with("CN=") ? 0 : subject.find(",CN=");
  if (at == std::string::npos) return subject;
  at += subject[at] == ',' ? 4 : 3;
  std::string name;
  for (std::size_t i = at; i < subject.size() && subject[i] != ','; ++i) {
    if (subject[i] == '\\' && i + 1 < subject.size()) ++i;  // an escaped character
    name += subject[i];
  }
  return name;
}

Response to_sign_in(const Request& request) {
  return Response::redirect("/account/sign-in?return=" + http::url_encode(http::safe_return_path(request.target)), 303);
}

// Signing asks for a session that proved a second factor (substantial or high).
bool strong_enough(const http::Principal& who) { return who.acr == "substantial" || who.acr == "high"; }

Response no_store(Response response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response sign_page(const DocumentsWebContext& ctx, const Request& request, PageData page, int status = 200) {
  page.set("max_size", size_text(static_cast<std::int64_t>(kMaxVerifiedPdf)));
  if (!strong_enough(*request.principal)) page.set("needs_second_factor", true);
  return no_store(ctx.pages.render(request, "sign", "sign_title", page, status));
}

Response upload_form(const DocumentsWebContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request);
  PageData page;
  page.set("upload", true);
  return sign_page(ctx, request, page);
}

Response upload(const DocumentsWebContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request);
  if (!strong_enough(*request.principal)) {
    PageData page;
    page.set("upload", true);
    return sign_page(ctx, request, page, 403);
  }
  auto refuse = [&](std::string_view key, int status) {
    PageData page;
    page.set("upload", true);
    page.set("error", ctx.catalog.text(request.lang, key));
    return sign_page(ctx, request, page, status);
  };
  auto file = std::find_if(request.files.begin(), request.files.end(),
                           [](const http::UploadedFile& f) { return f.field == "document"; });
  if (file == request.files.end() || file->content.empty()) return refuse("check_no_file", 400);
  auto uploaded = ctx.signing->upload(request.principal->user_id, file->filename, file->content);
  if (!uploaded) {
    const Error& error = uploaded.error();
    if (error.kind == ErrorKind::invalid_input || error.kind == ErrorKind::payload_too_large ||
        error.kind == ErrorKind::rate_limited) {
      return refuse(error.code.message_key(), http::http_status(error.kind));
    }
    return ctx.pages.render_error(request, error);
  }
  return Response::redirect("/account/sign/" + uploaded->token, 303);
}

Response confirm_page(const DocumentsWebContext& ctx, const Request& request, const PersonalSignature& s,
                      std::string_view error_key, int status) {
  PageData page;
  page.set("confirm", true);
  page.set("token", s.token);
  page.set("file_name", s.file_name);
  page.set("size", size_text(s.size));
  page.set("sha256", s.sha256);
  page.set("expires", when(s.expires_at));
  if (!error_key.empty()) page.set("code_error", ctx.catalog.text(request.lang, error_key));
  return sign_page(ctx, request, page, status);
}

Response confirm_form(const DocumentsWebContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request);
  auto found = ctx.signing->find(request.principal->user_id, request.path_params.get("token").value_or(""));
  if (!found) return ctx.pages.render_error(request, found.error());
  if (found->status == "signed") return Response::redirect("/account/signatures?signed=" + found->token, 303);
  return confirm_page(ctx, request, *found, "", 200);
}

Response confirm(const DocumentsWebContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request);
  const std::string token(request.path_params.get("token").value_or(""));
  auto found = ctx.signing->find(request.principal->user_id, token);
  if (!found) return ctx.pages.render_error(request, found.error());
  if (!strong_enough(*request.principal)) return confirm_page(ctx, request, *found, "", 403);
  const std::string code(request.form.get("code").value_or(""));
  if (code.empty()) return confirm_page(ctx, request, *found, "sign_error_no_code", 400);
  SignatureDetails details;
  details.reason = ctx.catalog.text(request.lang, "sign_reason");
  details.location = ctx.signing_location;
  auto signed_ = ctx.signing->confirm(request.principal->user_id, token, request.form.get("sha256").value_or(""), code,
                                      request.remote_address, details);
  if (!signed_) {
    const Error& error = signed_.error();
    if (error.code == identity::Errc::wrong_code || error.code == identity::Errc::sign_in_throttled ||
        error.code == identity::Errc::no_second_factor || error.code == Errc::hash_mismatch ||
        error.code == Errc::signature_limit) {
      const std::string key(error.code == identity::Errc::no_second_factor ? "sign_error_no_second_factor"
                                                                           : error.code.message_key());
      return confirm_page(ctx, request, *found, key, http::http_status(error.kind));
    }
    if (error.code == Errc::already_signed) {
      return Response::redirect("/account/signatures?signed=" + token, 303);
    }
    return ctx.pages.render_error(request, error);
  }
  return Response::redirect("/account/signatures?signed=" + token, 303);
}

Response signatures_page(const DocumentsWebContext& ctx, Request& request, std::string_view notice_key = {},
                         int status = 200) {
  if (!request.principal) return to_sign_in(request);
  const std::int64_t user_id = request.principal->user_id;
  auto list = ctx.signing->signatures(user_id);
  if (!list) return ctx.pages.render_error(request, list.error());
  auto certificate = ctx.authority.personal_certificate(user_id);
  if (!certificate) return ctx.pages.render_error(request, certificate.error());
  const std::string just_signed(request.query.get("signed").value_or(""));
  PageData page;
  PageData items{PageData::type::list};
  for (const auto& s : *list) {
    PageData item;
    item.set("token", s.token);
    item.set("file_name", s.file_name);
    item.set("signed_at", s.signed_at ? when(*s.signed_at) : std::string());
    item.set("sha256", s.sha256);
    item.set("signed_sha256", s.signed_sha256);
    item.set("size", size_text(s.signed_size));
    item.set("certificate", s.certificate_serial);
    if (s.copy_available) {
      item.set("download", true);
      item.set("kept_until", when(s.expires_at));
    }
    if (s.token == just_signed) {
      page.set("just_signed", item);
      item.set("new", true);
    }
    items.push_back(item);
  }
  page.set("signatures", items);
  if (*certificate) {
    PageData c;
    c.set("subject", common_name_of((*certificate)->subject));
    c.set("serial", (*certificate)->serial);
    c.set("not_before", when((*certificate)->not_before));
    c.set("not_after", when((*certificate)->not_after));
    page.set("certificate", c);
  }
  if (!notice_key.empty()) page.set("notice", ctx.catalog.text(request.lang, notice_key));
  return no_store(ctx.pages.render(request, "signatures", "signatures_title", page, status));
}

Response download(const DocumentsWebContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request);
  const std::string token(request.path_params.get("token").value_or(""));
  auto found = ctx.signing->find(request.principal->user_id, token);
  if (!found) return ctx.pages.render_error(request, found.error());
  auto copy = ctx.signing->signed_copy(request.principal->user_id, token);
  if (!copy) return ctx.pages.render_error(request, copy.error());
  std::string name = found->file_name.substr(0, found->file_name.size() - 4) + "-signed.pdf";
  Response response = Response::text(std::move(*copy));
  response.headers.set("Content-Type", "application/pdf");
  // The name as typed (RFC 6266: filename* in UTF-8), and a plain fallback.
  response.headers.set("Content-Disposition",
                       "attachment; filename=\"signed.pdf\"; filename*=UTF-8''" + http::url_encode(name));
  response.headers.set("Cache-Control", "private, no-store");
  return response;
}

Response revoke(const DocumentsWebContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request);
  if (request.form.get("confirm").value_or("") != "yes") {
    return signatures_page(ctx, request, "sign_revoke_unconfirmed", 400);
  }
  auto revoked = ctx.authority.revoke_personal(request.principal->user_id);
  if (!revoked && revoked.error().code != Errc::no_such_certificate) {
    return ctx.pages.render_error(request, revoked.error());
  }
  return Response::redirect("/account/signatures?revoked=1", 303);
}

}  // namespace

void register_signing_routes(http::Router& router, const DocumentsWebContext& context) {
  const DocumentsWebContext* ctx = &context;
  if (ctx->signing == nullptr) return;
  constexpr std::size_t kFormLimit = kMaxVerifiedPdf + 64 * 1024;
  router.get("/account/sign", [ctx](Request& request) { return upload_form(*ctx, request); });
  router.post(
      "/account/sign", [ctx](Request& request) { return upload(*ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
  router.get("/account/sign/{token}", [ctx](Request& request) { return confirm_form(*ctx, request); });
  router.post("/account/sign/{token}", [ctx](Request& request) { return confirm(*ctx, request); });
  router.get("/account/signatures", [ctx](Request& request) {
    return signatures_page(*ctx, request, request.query.get("revoked") ? "sign_revoked" : "");
  });
  router.get("/account/signatures/{token}/signed.pdf", [ctx](Request& request) { return download(*ctx, request); });
  router.post("/account/certificate/revoke", [ctx](Request& request) { return revoke(*ctx, request); });
}

}  // namespace guichet::documents
