#include "guichet/http/pages.hpp"

#include <algorithm>
#include <atomic>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "guichet/core/utf8.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/errors.hpp"

namespace guichet::http {
namespace fs = std::filesystem;
using kainjow::mustache::mustache;

Result<Templates> Templates::load(const fs::path& directory) {
  static std::atomic<std::uint64_t> next_id{1};
  Templates templates;
  templates.id_ = next_id++;
  if (!fs::is_directory(directory)) {
    return make_error(Errc::missing_templates, "the template directory does not exist: " + directory.string());
  }
  std::map<std::string, std::string, std::less<>> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".mustache") continue;
    std::ifstream in(entry.path());
    std::stringstream buffer;
    buffer << in.rdbuf();
    files[entry.path().stem().string()] = buffer.str();
  }
  for (auto& [name, source] : files) {
    if (name.starts_with("_")) continue;  // a partial: part of the pages that name it
    // `{{> name}}` takes the text of `_name.mustache` in its place, once, when loading: the page's
    // own checks (syntax, the variables it names) then cover what it includes.
    std::string text;
    std::size_t from = 0;
    for (std::size_t open = source.find("{{>"); open != std::string::npos; open = source.find("{{>", from)) {
      const std::size_t close = source.find("}}", open);
      if (close == std::string::npos) break;
      std::string partial = source.substr(open + 3, close - open - 3);
      partial.erase(0, partial.find_first_not_of(' '));
      partial.erase(partial.find_last_not_of(' ') + 1);
      auto included = files.find("_" + partial);
      if (included == files.end()) {
        return make_error(Errc::bad_template, name + ".mustache includes an unknown partial " + partial);
      }
      text += source.substr(from, open - from) + included->second;
      from = close + 2;
    }
    text += source.substr(from);
    mustache parsed(text);
    if (!parsed.is_valid()) {
      return make_error(Errc::bad_template,
                        (directory / (name + ".mustache")).string() + ": " + parsed.error_message());
    }
    auto& variables = templates.variables_[name];
    for (std::size_t open = text.find("{{"); open != std::string::npos; open = text.find("{{", open + 2)) {
      std::size_t start = open + 2;
      while (start < text.size() && std::string_view("{#^&/ ").find(text[start]) != std::string_view::npos) ++start;
      std::size_t end = text.find_first_of("} ", start);
      if (end == std::string::npos) break;
      std::string variable = text.substr(start, end - start);
      variables.insert(variable.substr(0, variable.find('.')));
    }
    templates.sources_[name] = std::move(text);
  }
  return templates;
}

// The same five characters as kainjow's html_escape, but text without any of them (most text)
// is copied whole instead of byte by byte.
std::string escape_html(const std::string& text) {
  constexpr std::string_view kSpecial = "&<>\"'";
  std::size_t next = text.find_first_of(kSpecial);
  if (next == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t from = 0;
  while (next != std::string::npos) {
    out.append(text, from, next - from);
    switch (text[next]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += "&apos;";
        break;
    }
    from = next + 1;
    next = text.find_first_of(kSpecial, from);
  }
  out.append(text, from);
  return out;
}

std::string fill_text(std::string_view text, const std::vector<std::pair<std::string, std::string>>& values) {
  if (text.find('{') == std::string_view::npos) return std::string(text);
  mustache tmpl("{{={ }=}}" + std::string(text));
  if (!tmpl.is_valid()) return std::string(text);  // a stray brace: the text as written, never a half
  tmpl.set_custom_escape([](const std::string& value) { return value; });
  kainjow::mustache::data data;
  for (const auto& [name, value] : values) data.set(name, value);
  return tmpl.render(data);
}

namespace {

mustache& parsed_template(std::uint64_t id, const std::map<std::string, std::string, std::less<>>& sources,
                          std::string_view name) {
  // kainjow's renderer keeps state while rendering, so threads must not share one instance.
  thread_local std::unordered_map<std::uint64_t, std::map<std::string, mustache, std::less<>>> cache;
  auto& mine = cache[id];
  auto it = mine.find(name);
  if (it == mine.end()) {
    auto source = sources.find(name);
    if (source == sources.end()) throw std::runtime_error("no template named " + std::string(name));
    it = mine.emplace(std::string(name), mustache(source->second)).first;
    it->second.set_custom_escape(escape_html);
  }
  return it->second;
}
}  // namespace

bool Templates::references(std::string_view name, std::string_view variable) const {
  auto found = variables_.find(name);
  return found != variables_.end() && found->second.contains(variable);
}

std::string Templates::render(std::string_view name, const PageData& data) const {
  return parsed_template(id_, sources_, name).render(data);
}

namespace {
// kainjow writes through `stream << text`; appending to a string skips ostringstream's overhead.
struct StringSink {
  std::string out;
  StringSink& operator<<(const std::string& text) {
    out += text;
    return *this;
  }
};
}  // namespace

std::string Templates::render(std::string_view name, kainjow::mustache::basic_context<std::string>& context) const {
  StringSink sink;
  sink.out.reserve(8192);
  parsed_template(id_, sources_, name).render(context, sink);
  return std::move(sink.out);
}

PageRenderer::PageRenderer(const Templates& templates, const Catalog& catalog, const StaticAssets& assets)
    : templates_(templates), catalog_(catalog), assets_(assets) {
  if (auto css = assets_.url_for("theme/css/guichet.css")) css_url_ = *css;
  if (auto js = assets_.url_for("theme/js/uswds.min.js")) js_url_ = *js;
  // Progressive enhancements (suggestions as one types, "use my location"); pages work without.
  auto enhance = assets_.url_for("enhance.js");
  const std::string enhance_url = enhance ? *enhance : std::string();
  // The tab's icon; a page renders without it where the file is missing.
  auto icon = assets_.url_for("favicon.svg");
  const std::string icon_url = icon ? *icon : std::string();
  for (const auto& lang : catalog_.languages()) {
    // Messages are flat `t_<key>` names: kainjow splits dotted names into new strings on every
    // lookup, which showed up in profiles of page rendering.
    PageData frame;
    for (const auto& [key, value] : catalog_.messages(lang)) frame.set("t_" + key, value);
    frame.set("css_url", css_url_);
    frame.set("js_url", js_url_);
    if (!icon_url.empty()) frame.set("icon_url", icon_url);
    if (!enhance_url.empty()) frame.set("enhance_js_url", enhance_url);
    frame_by_lang_.emplace(lang, std::move(frame));
  }
}

Result<void> PageRenderer::validate() const {
  for (const char* name : {"layout", "error"}) {
    if (!templates_.has(name)) {
      return make_error(Errc::missing_template, std::string("no template named ") + name);
    }
  }
  if (css_url_.empty() || js_url_.empty()) {
    return make_error(
        Errc::missing_design_system,
        "the design-system assets (theme/css/guichet.css, theme/js/uswds.min.js) are missing; run `make build`");
  }
  return {};
}

std::string safe_return_path(std::string_view target) {
  // Only a path on this site: one leading slash, no scheme-relative "//", no backslash tricks.
  if (target.empty() || target.front() != '/' || target.starts_with("//") || target.starts_with("/\\")) return "/";
  for (char c : target) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "/";
  }
  if (!is_valid_utf8(target)) return "/";
  return std::string(target);
}

const PageData& PageRenderer::language_frame(const std::string& lang) const {
  auto frame = frame_by_lang_.find(lang);
  if (frame == frame_by_lang_.end()) frame = frame_by_lang_.find(catalog_.default_language());
  return frame->second;
}

PageData PageRenderer::request_frame(const Request& request) const {
  PageData data;
  data.set("lang", request.lang);
  data.set("csrf_token", request.csrf_token);
  data.set("request_id", request.request_id);
  data.set("signed_in", request.principal.has_value());
  if (request.principal && !request.principal->staff_links.empty()) {
    PageData links{PageData::type::list};
    const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
    for (const auto& [href, title] : request.principal->staff_links) {
      PageData link;
      link.set("href", href);
      link.set("text", catalog_.text(request.lang, title));
      link.set("current", path == href);
      links.push_back(link);
    }
    data.set("staff_nav", links);
    data.set("has_staff_nav", true);
  }
  if (request.principal && !request.principal->organisation_name.empty()) {
    data.set("acting_for", request.principal->organisation_name);
  }
  std::string back = boost::urls::encode(safe_return_path(request.target), boost::urls::unreserved_chars);
  PageData languages{PageData::type::list};
  for (const auto& lang : catalog_.languages()) {
    PageData item;
    item.set("code", lang);
    item.set("name", catalog_.text(lang, "language_name"));
    item.set("url", "/language?lang=" + lang + "&return=" + back);
    item.set("current", lang == request.lang);
    languages.push_back(item);
  }
  data.set("languages", languages);
  return data;
}

bool PageRenderer::memoisable(const Request& request, std::string_view page, const PageData& page_data) const {
  if (request.principal || !page_data.is_empty_object()) return false;
  for (std::string_view name : {page, std::string_view("layout")}) {
    if (templates_.references(name, "csrf_token") || templates_.references(name, "request_id")) return false;
  }
  return true;
}

Response PageRenderer::render(const Request& request, std::string_view page, std::string_view title_key,
                              const PageData& page_data, int status) const {
  std::string key;
  if (memoisable(request, page, page_data)) {
    thread_local std::unordered_map<std::string, std::shared_ptr<const std::string>> memo;
    key.reserve(128);
    key.append(std::to_string(templates_.id())).append(1, '\0').append(page).append(1, '\0').append(title_key);
    key.append(1, '\0').append(request.lang).append(1, '\0').append(safe_return_path(request.target));
    key.append(1, '\0').append(std::to_string(status));
    if (auto hit = memo.find(key); hit != memo.end()) {
      Response response = Response::html({}, status);
      response.shared_body = hit->second;
      return response;
    }
    Response fresh = render_fresh(request, page, title_key, page_data, status);
    if (memo.size() >= 512) memo.clear();  // bounded: many distinct return paths cannot grow it
    auto body = std::make_shared<const std::string>(std::move(fresh.body));
    memo.emplace(std::move(key), body);
    fresh.body.clear();
    fresh.shared_body = std::move(body);
    return fresh;
  }
  return render_fresh(request, page, title_key, page_data, status);
}

Response PageRenderer::render_fresh(const Request& request, std::string_view page, std::string_view title_key,
                                    const PageData& page_data, int status) const {
  PageData frame = request_frame(request);
  // The page's own values live under `page`, so they can never shadow `t`, `lang` or the token.
  if (page_data.is_object()) frame.set("page", page_data);
  kainjow::mustache::context<std::string> context(&language_frame(request.lang));
  context.push(&frame);
  frame.set("content", templates_.render(page, context));
  // A page may name its own document title (a form page: "Error: Your address – Change of address").
  const PageData* own = page_data.is_object() ? page_data.get("document_title") : nullptr;
  frame.set("title", own != nullptr && own->is_string() ? own->string_value() : catalog_.text(request.lang, title_key));
  return Response::html(templates_.render("layout", context), status);
}

void FormErrors::add(std::string name, std::string anchor, std::string message) {
  errors_.push_back({std::move(name), std::move(anchor), std::move(message)});
}

void FormErrors::add_at(const std::string& field_id, std::string message) {
  const auto dash = field_id.find('-');
  add(dash == std::string::npos ? field_id : field_id.substr(dash + 1), field_id, std::move(message));
}

bool FormErrors::has(std::string_view name) const {
  return std::any_of(errors_.begin(), errors_.end(), [&](const FieldError& e) { return e.name == name; });
}

void FormErrors::show(PageData& page, const std::string& error_prefix, const std::string& title) const {
  page.set("document_title", errors_.empty() ? title : error_prefix + " " + title);
  if (errors_.empty()) return;
  PageData list{PageData::type::list};
  for (const auto& e : errors_) {
    PageData item;
    item.set("anchor", e.anchor);
    item.set("message", e.message);
    list.push_back(item);
    page.set("error_" + e.name, e.message);
  }
  page.set("errors", list);
  page.set("has_errors", true);
}

Response PageRenderer::render_error(const Request& request, const Error& error) const {
  int status = http_status(error.kind);
  std::string key;
  switch (status) {
    case 400:
      key = "error_400";
      break;
    case 403:
      key = "error_403";
      break;
    case 404:
      key = "error_404";
      break;
    case 405:
      key = "error_405";
      break;
    case 413:
      key = "error_413";
      break;
    case 431:
      key = "error_431";
      break;
    case 503:
      key = "error_503";
      break;
    default:
      key = status >= 500 ? "error_500" : "error_400";
  }
  PageData page;
  page.set("status", std::to_string(status));
  page.set("heading", catalog_.text(request.lang, key + "_title"));
  page.set("explanation", catalog_.text(request.lang, key + "_text"));
  // What went wrong in the page's language: the error code's own message where it has one; the
  // module's message (written in English, for developers and logs) only on English pages, so a
  // French or Vietnamese page never shows English; an internal detail never.
  if (status < 500 && error.kind != ErrorKind::not_found) {
    if (!error.code.message_key().empty()) {
      page.set("detail", catalog_.text(request.lang, error.code.message_key()));
    } else if (request.lang == "en") {
      page.set("detail", public_message(error));
    }
  }
  page.set("show_request_id", status >= 500);
  Response response = render(request, "error", key + "_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  describe_failure(response, error);
  return response;
}

}  // namespace guichet::http
