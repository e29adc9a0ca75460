#pragma once
// Documents Guichet issues (booking confirmations, and later receipts, decisions, attestations)
// are described as a list of blocks and laid out into an A4 PDF by cairo and pango: real text
// shaping (Vietnamese stacked diacritics), line breaking in the document's language, fonts
// embedded (subsets), page breaks, tables and a QR code. The caller translates every text; this
// module only lays out what it is given.
#include <string>
#include <variant>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"

namespace guichet::documents {

struct Heading {
  std::string text;
};
struct Paragraph {
  std::string text;
};
// Label and value pairs, laid out as a two-column list ("Reference  K7P-2QX").
struct Fact {
  std::string label;
  std::string value;
};
struct Facts {
  std::vector<Fact> facts;
};
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as many cells as the header
};
struct Bullets {
  std::vector<std::string> items;
};
// A QR code with a caption beside it (what it holds, for people without a scanner).
struct QrCode {
  std::string content;
  std::string caption;
};
using Block = std::variant<Heading, Paragraph, Facts, Table, Bullets, QrCode>;

struct DocumentSpec {
  std::string lang;     // BCP 47: hyphenation and line breaking
  std::string issuer;   // the letterhead: who issues the document
  std::string title;    // the first heading and the PDF's Title
  std::string subject;  // the PDF's Subject
  std::vector<Block> blocks;
  std::string footer;  // on every page, with "page/pages"
  Instant created;     // the PDF's CreationDate, so a document is the same bytes when rendered again
};

struct RenderOptions {
  // A folder of TrueType fonts made available to the layout (the build copies Public Sans, the
  // site's font, there). Families missing from it come from the system's fontconfig fallback.
  std::string fonts_dir;
  std::string family = "Public Sans";
};

// The PDF's bytes. Runs on the caller's thread: CPU work, so handlers call it through the
// ComputePool. Each thread keeps its own font map (pango's are not shared between threads).
Result<std::string> render_pdf(const DocumentSpec& spec, const RenderOptions& options);

}  // namespace guichet::documents
