#pragma once
// How answers are shown (check your answers, the case page, the receipt) and read back from an
// HTML form: shared by the pages, the API and the receipt job.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "guichet/http/i18n.hpp"
#include "guichet/http/request.hpp"
#include "guichet/procedures/answers.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/procedures/definition.hpp"
#include "guichet/procedures/processing.hpp"
#include "guichet/procedures/web.hpp"

namespace guichet::procedures {

// An answer as people read it in `lang`: an option's label, "Yes", "18,50 €", "2 décembre 2026",
// an address on two lines, an IBAN in groups of four.
std::string display_answer(const Field& field, const boost::json::value& value, const std::string& lang,
                           const http::Catalog& catalog);

// A file's size as people read it: "120 KB", "1,5 Mo".
std::string file_size_text(std::int64_t bytes, const std::string& lang, const http::Catalog& catalog);

// The raw answers of one page's fields, as the page's form sent them: a date's day, month and
// year as YYYY-MM-DD, an address's three parts, the boxes ticked of a multiple choice, a group's
// items as many as the form says it showed ("children.items"). Fields not
// shown on the page (hidden by a condition, or kept as their source gave them) are left out.
boost::json::object answers_from_form(const Page& page, const http::Params& form,
                                      const boost::json::object& effective_answers,
                                      const boost::json::object& prefilled);

// The procedure's title in `lang`: its own, else its service's name; and its administration's
// name in `lang`.
std::string title_of(const Procedures& procedures, const PublishedProcedure& p, const std::string& lang);
std::string administration_of(const Procedures& procedures, const PublishedProcedure& p, const std::string& lang);

// Where a file answer is downloaded: an attachment under `case_base` ("/cases/PRC-.../"), a
// draft's vault document under /account/documents (when `person` is the reader); "" otherwise.
std::string file_link(const Field& field, const boost::json::value& value, std::string_view case_base, bool person);

// A file the person or an agent sent, as a download: its name (ASCII and UTF-8 forms), the type
// libmagic found, never sniffed, never shown inline from this origin, never cached.
http::Response file_response(std::string_view name, std::string_view content_type, std::string bytes);

// The file sent in the form part `field` with a message, checked (check_file's errors); none when
// the part is absent or empty.
Result<std::optional<MessageFile>> message_file(const http::Request& request, std::string_view field);

// The attachment named by the path's {id} of the case `case_id` (the caller has checked who may
// read the case), as a download; 404 for any other.
http::Response attachment_download(const ProceduresContext& ctx, const http::Request& request, std::int64_t case_id);

// What a pre-filled answer came from, as people read it: "From your account", or "From your
// documents" for a fact given with an earlier case; "" when the answer was not pre-filled.
std::string prefilled_text(const Case& c, std::string_view field_id, const std::string& lang,
                           const http::Catalog& catalog);

// Pages with personal data are never cached.
http::Response no_store(http::Response response);
// To the sign-in page, coming back to `back` (a local path) afterwards.
http::Response to_sign_in(std::string_view back);

// JSON indented by two spaces, one member or item per line, for people to edit.
std::string pretty_json(const boost::json::value& value);

// The text of a problem in `lang`, naming the field: "Enter your postcode", in effect.
std::string problem_text(const Field* field, Problem problem, const std::string& lang, const http::Catalog& catalog);
// The same for a problem named by its path, a group's item field's naming the item first:
// "Child 2: Enter the date of birth".
std::string problem_text_at(const Definition& definition, const FieldProblem& problem, const std::string& lang,
                            const http::Catalog& catalog);

// What a group's item `index` (from 0) is called in `lang`: "Child 2", or "Item 2".
std::string item_name(const Field& group, std::size_t index, const std::string& lang, const http::Catalog& catalog);

// The action of a form button that removes a group's item: "remove:children.1"; the group's id
// and the item's index, when `action` is one.
std::optional<std::pair<std::string, std::size_t>> removed_item(std::string_view action);

}  // namespace guichet::procedures
