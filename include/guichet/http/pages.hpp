#pragma once
// Server-rendered pages: mustache templates (HTML-escaped by default) inside one layout that
// carries the header, the language switcher, the skip link and the footer. Templates see the
// messages of the request's language as `t_<key>`, the page's own values as `page.*`.
#include <filesystem>
#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/request.hpp"
#include "guichet/http/static_assets.hpp"

namespace guichet::http {

using PageData = kainjow::mustache::data;

// Every *.mustache file of a directory, parsed at start-up (a syntax error stops start-up).
class Templates {
 public:
  static Result<Templates> load(const std::filesystem::path& directory);
  bool has(std::string_view name) const { return sources_.find(name) != sources_.end(); }
  // True when the template names `variable` in any tag ({{x}}, {{{x}}}, {{#x}}, {{^x}}, {{&x}}).
  bool references(std::string_view name, std::string_view variable) const;
  std::uint64_t id() const { return id_; }
  // Thread-safe: each thread renders with its own parsed copy.
  std::string render(std::string_view name, const PageData& data) const;
  // Renders against a stack of data frames, so shared frames are read in place, not copied.
  std::string render(std::string_view name, kainjow::mustache::basic_context<std::string>& context) const;

 private:
  std::map<std::string, std::string, std::less<>> sources_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> variables_;
  std::uint64_t id_ = 0;  // tells thread-local caches of different Templates apart
};

class PageRenderer {
 public:
  PageRenderer(const Templates& templates, const Catalog& catalog, const StaticAssets& assets);
  // Checks that the layout and the assets it needs exist.
  Result<void> validate() const;

  // Renders templates/<page>.mustache inside the layout. `page_data` gets `t` (messages in the
  // request's language), `lang` and `csrf_token` added. `title_key` names the page title message,
  // unless the page data has a `document_title` text of its own.
  Response render(const Request& request, std::string_view page, std::string_view title_key, const PageData& page_data,
                  int status = 200) const;
  // The localised error page: 404, 403, 500 with its request id...
  Response render_error(const Request& request, const Error& error) const;

 private:
  // The per-request frame: language links, token, request id; the shared per-language frame
  // (messages, asset URLs) sits below it in the context.
  PageData request_frame(const Request& request) const;
  // A page rendered without page data, whose templates use no per-request value (CSRF token,
  // request id), depends only on its name, title, language and return path: such pages are
  // memoised per thread, in a bounded cache, and served without copying.
  bool memoisable(const Request& request, std::string_view page, const PageData& page_data) const;
  Response render_fresh(const Request& request, std::string_view page, std::string_view title_key,
                        const PageData& page_data, int status) const;
  const PageData& language_frame(const std::string& lang) const;

  const Templates& templates_;
  const Catalog& catalog_;
  const StaticAssets& assets_;
  std::map<std::string, PageData, std::less<>> frame_by_lang_;
  std::string css_url_;
  std::string js_url_;
};

// The GOV.UK error pattern for a form re-shown with its mistakes: a summary at the top linking to
// each field (focused on load, `autofocus`, so it works without JavaScript), the message next to
// its field (with aria-invalid and aria-describedby in the template), and "Error:" before the
// page's title so a screen reader hears it first.
class FormErrors {
 public:
  // `name`: the page data key's suffix (`error_<name>`, letters and underscores); `anchor`: the id
  // of the field the summary links to; `message`: already in the page's language.
  void add(std::string name, std::string anchor, std::string message);
  // The same for a field whose id is "<form>-<name>" ("grant-email", "org-number"): the summary
  // links to the id, the page data gets `error_<name>`.
  void add_at(const std::string& field_id, std::string message);
  bool empty() const { return errors_.empty(); }
  bool has(std::string_view name) const;
  // Sets `errors` ([{anchor, message}]), `has_errors`, each `error_<name>`, and `document_title`
  // ("<prefix> <title>" when there are errors, `title` otherwise).
  void show(PageData& page, const std::string& error_prefix, const std::string& title) const;

 private:
  struct FieldError {
    std::string name;
    std::string anchor;
    std::string message;
  };
  std::vector<FieldError> errors_;
};

// A local path to come back to, or "/" when `target` could lead off-site.
std::string safe_return_path(std::string_view target);

// A translated text's placeholders, "{link}" and the like, filled through the template engine
// (mustache with { } as delimiters, nothing escaped: the texts are mail bodies and page strings
// that the page template escapes once). A placeholder without a value is left empty.
std::string fill_text(std::string_view text, const std::vector<std::pair<std::string, std::string>>& values);

// The one HTML escape (the five characters kainjow's mustache escapes): every page goes through it,
// and so does any markup built outside a template (the QR code's SVG title).
std::string escape_html(const std::string& text);

}  // namespace guichet::http
