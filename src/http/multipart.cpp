// multipart/form-data (RFC 7578 over RFC 2046). The whole body is already in memory, bounded by
// the route's body limit, so the parser works on one string_view and never copies more than the
// parts it returns.
#include "guichet/core/utf8.hpp"
#include "guichet/http/errors.hpp"
#include "guichet/http/parsing.hpp"

namespace guichet::http {
namespace {

Error malformed(std::string message) { return make_error(Errc::bad_multipart, std::move(message)); }

bool valid_boundary(std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ') return false;
  for (char c : boundary) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

struct PartHeaders {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type = "text/plain";
};

Result<PartHeaders> parse_part_headers(std::string_view block) {
  PartHeaders headers;
  bool has_disposition = false;
  while (!block.empty()) {
    auto end = block.find("\r\n");
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return malformed("a part header line has no name");
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (iequals(name, "Content-Disposition")) {
      // Reuse the media-type parameter grammar: "form-data; name=...; filename=..."
      auto parsed = parse_media_type(std::string("x/") + std::string(value));
      if (!parsed || parsed->type != "x/form-data") return malformed("a part's Content-Disposition is not form-data");
      auto field = parsed->parameters.get("name");
      if (!field || field->empty()) return malformed("a part has no field name");
      headers.name = std::string(*field);
      if (auto filename = parsed->parameters.get("filename")) headers.filename = std::string(*filename);
      has_disposition = true;
    } else if (iequals(name, "Content-Type")) {
      auto parsed = parse_media_type(value);
      if (!parsed) return malformed("a part's Content-Type is malformed");
      headers.content_type = parsed->type;
    }
  }
  if (!has_disposition) return malformed("a part has no Content-Disposition");
  if (!is_valid_utf8(headers.name) || (headers.filename && !is_valid_utf8(*headers.filename))) {
    return make_error(Errc::invalid_utf8, "a part's name or filename is not valid UTF-8");
  }
  return headers;
}

}  // namespace

Result<void> parse_multipart(std::string_view body, std::string_view boundary, Params& fields,
                             std::vector<UploadedFile>& files, const MultipartLimits& limits) {
  if (!valid_boundary(boundary)) return malformed("the multipart boundary is missing or invalid");
  const std::string delimiter = "--" + std::string(boundary);
  const std::string inner_delimiter = "\r\n" + delimiter;

  // The first delimiter may follow a preamble, which is ignored.
  std::size_t position;
  if (body.starts_with(delimiter)) {
    position = delimiter.size();
  } else {
    auto found = body.find(inner_delimiter);
    if (found == std::string_view::npos) return malformed("the multipart body has no boundary");
    position = found + inner_delimiter.size();
  }

  std::size_t parts = 0;
  for (;;) {
    std::string_view rest = body.substr(position);
    if (rest.starts_with("--")) return {};  // close delimiter; an epilogue may follow
    // Transport padding (spaces or tabs) may come before the line break.
    std::size_t skip = 0;
    while (skip < rest.size() && (rest[skip] == ' ' || rest[skip] == '\t')) ++skip;
    if (rest.substr(skip, 2) != "\r\n")
      return malformed("the multipart body is truncated or malformed after a boundary");
    position += skip + 2;
    if (++parts > limits.max_parts) return malformed("the form has too many parts");

    auto headers_end = body.find("\r\n\r\n", position);
    std::size_t blank_line_only = body.substr(position).starts_with("\r\n") ? position : std::string_view::npos;
    std::string_view header_block;
    std::size_t content_start;
    if (blank_line_only != std::string_view::npos) {
      header_block = {};
      content_start = position + 2;
    } else {
      if (headers_end == std::string_view::npos)
        return malformed("the multipart body is truncated inside part headers");
      header_block = body.substr(position, headers_end - position);
      content_start = headers_end + 4;
    }
    if (header_block.size() > limits.max_part_header_bytes) return malformed("a part's headers are too long");
    auto headers = parse_part_headers(header_block);
    if (!headers) return std::move(headers).error();

    auto content_end = body.find(inner_delimiter, content_start);
    if (content_end == std::string_view::npos) return malformed("the multipart body is truncated: no closing boundary");
    std::string_view content = body.substr(content_start, content_end - content_start);
    if (headers->filename) {
      files.push_back(UploadedFile{headers->name, *headers->filename, headers->content_type, std::string(content)});
    } else {
      if (!is_valid_utf8(content)) {
        return make_error(Errc::invalid_utf8, "the form field '" + headers->name + "' is not valid UTF-8");
      }
      fields.add(headers->name, std::string(content));
    }
    position = content_end + inner_delimiter.size();
  }
}

}  // namespace guichet::http
