#pragma once
// What the documents module reads and writes of a PDF's object structure (qpdf), behind a small
// interface, so that only pdf_objects.cpp includes qpdf's headers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"

namespace guichet::documents {

// A PDF text string (PDFDocEncoding where it fits, else UTF-16 with a byte-order mark), written
// as a PDF literal.
std::string pdf_text_string(const std::string& utf8);

// The text to append to `pdf` for a new signature: an incremental update holding
// `signature_dictionary` (written as given, so its placeholders keep their place) as a new object,
// an invisible signature field on the first page pointing at it, the page's and the AcroForm's
// new versions (/SigFlags 3), and a cross-reference section of the same kind as the file's last
// one (a table, or a stream). Errc::not_a_pdf or pdf_encrypted when qpdf cannot use the file.
Result<std::string> signature_update(std::string_view pdf, std::string_view signature_dictionary);

// What PDF/A-2b asks of a document's identity (ISO 19005-2, 6.6 and 6.2.3): the same title,
// author, subject, tool and dates in the Info dictionary and in an XMP metadata stream that
// declares the conformance (pdfaid:part 2, conformance B), an sRGB output intent for the
// device-RGB colours, the document's language and a file identifier.
struct ArchivalMetadata {
  std::string title;
  std::string author;
  std::string subject;
  std::string language;     // BCP 47, e.g. "pt"
  std::string created;      // 2026-12-02T09:00:00Z
  std::string icc_profile;  // the output intent's ICC profile (sRGB)
};

// The PDF rewritten whole with that metadata; Errc::render_failed if qpdf cannot read it. The
// same input gives the same bytes (the identifier is derived from the content).
Result<std::string> with_archival_metadata(std::string_view pdf, const ArchivalMetadata& metadata);

// A signature field's value as found, nothing checked yet.
struct SignatureDictionary {
  std::string field;                                 // the field's full name
  std::string sub_filter;                            // without the slash; empty when absent
  std::optional<std::string> claimed_time;           // /M, as written
  std::optional<std::vector<long long>> byte_range;  // absent unless an array of integers
  std::optional<std::string> contents;               // /Contents, decoded
};

// Every signature field with a value, in the AcroForm's order (kids included). Errc::not_a_pdf
// or pdf_encrypted when qpdf cannot read the file.
Result<std::vector<SignatureDictionary>> signature_dictionaries(std::string_view pdf);

}  // namespace guichet::documents
