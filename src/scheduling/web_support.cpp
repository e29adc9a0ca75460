#include "web_support.hpp"

#include <charconv>

namespace guichet::scheduling {

std::optional<std::int64_t> positive_id(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::string param(const http::Request& request, std::string_view name) {
  auto value = request.method == http::Method::post ? request.form.get(name) : request.query.get(name);
  return std::string(value.value_or(""));
}

http::Response no_store(http::Response response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

http::Response pdf_response(std::string pdf, const std::string& name) {
  http::Response response = http::Response::text(std::move(pdf));
  response.headers.set("Content-Type", "application/pdf");
  response.headers.set("Content-Disposition", "inline; filename=\"" + name + ".pdf\"");
  return response;
}

}  // namespace guichet::scheduling
