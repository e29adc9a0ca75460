#pragma once
// Helpers shared by the scheduling module's page handlers (pages.cpp, agenda_pages.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "guichet/http/request.hpp"

namespace guichet::scheduling {

// A whole positive decimal number, or nothing.
std::optional<std::int64_t> positive_id(std::string_view text);
// A query parameter on GET, a form field on POST; "" when absent.
std::string param(const http::Request& request, std::string_view name);
// Pages with personal data are never cached.
http::Response no_store(http::Response response);
// A PDF shown in the browser's viewer, saved as <name>.pdf.
http::Response pdf_response(std::string pdf, const std::string& name);

}  // namespace guichet::scheduling
