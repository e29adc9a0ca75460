// The only file that reads PDFs' object structure, through qpdf. It is kept apart because clang 14
// (clang-tidy in `make lint`) cannot parse qpdf 11's JSON.hh in C++20 mode with libstdc++ 12 (a
// std::vector of the class being defined, destroyed in a constexpr destructor); scripts/lint.sh
// leaves this one file out of clang-tidy for that reason, and the rest of the module stays in.
#include "pdf_objects.hpp"

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFWriter.hh>

#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include "guichet/documents/errors.hpp"
#include "guichet/http/pages.hpp"  // escape_html, the XML escape too

namespace guichet::documents {
namespace {

// The offset of the last cross-reference section ("startxref" near the end of the file).
std::optional<std::size_t> last_xref_offset(std::string_view pdf) {
  const std::size_t at = pdf.rfind("startxref");
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t p = at + 9;
  while (p < pdf.size() && (pdf[p] == ' ' || pdf[p] == '\r' || pdf[p] == '\n')) ++p;
  std::size_t offset = 0;
  auto [end, ec] = std::from_chars(pdf.data() + p, pdf.data() + pdf.size(), offset);
  if (ec != std::errc() || end == pdf.data() + p || offset >= pdf.size()) return std::nullopt;
  return offset;
}

// The objects an incremental update rewrites or adds, each written whole.
struct Update {
  std::string text;                    // what is appended to the file
  std::map<int, std::size_t> offsets;  // object number -> offset in the new file
  std::size_t base = 0;                // the original file's size
  void object(int number, int generation, std::string_view body) {
    offsets[number] = base + text.size();
    text += fmt::format("{} {} obj\n", number, generation);
    text += body;
    text += "\nendobj\n";
  }
};

// Cross-reference subsections: runs of consecutive object numbers.
std::vector<std::pair<int, int>> subsections(const std::map<int, std::size_t>& offsets) {
  std::vector<std::pair<int, int>> out;
  for (const auto& [number, offset] : offsets) {
    if (!out.empty() && out.back().first + out.back().second == number) {
      ++out.back().second;
    } else {
      out.emplace_back(number, 1);
    }
  }
  return out;
}

// Signature fields, with their kids, as (full name, signature value dictionary).
void collect(QPDFObjectHandle field, const std::string& parent,
             std::vector<std::pair<std::string, QPDFObjectHandle>>& out, std::set<QPDFObjGen>& seen, int depth) {
  if (!field.isDictionary() || depth > 32) return;
  if (field.isIndirect() && !seen.insert(field.getObjGen()).second) return;
  std::string name = parent;
  if (QPDFObjectHandle t = field.getKey("/T"); t.isString()) name += (name.empty() ? "" : ".") + t.getUTF8Value();
  QPDFObjectHandle kids = field.getKey("/Kids");
  if (kids.isArray()) {
    for (int i = 0; i < kids.getArrayNItems(); ++i) collect(kids.getArrayItem(i), name, out, seen, depth + 1);
  }
  QPDFObjectHandle value = field.getKey("/V");
  if (field.getKey("/FT").isNameAndEquals("/Sig") && value.isDictionary()) out.emplace_back(name, value);
}

}  // namespace

std::string pdf_text_string(const std::string& utf8) { return QPDFObjectHandle::newUnicodeString(utf8).unparse(); }

Result<std::string> signature_update(std::string_view pdf, std::string_view signature_dictionary) {
  if (!pdf.starts_with("%PDF-")) return make_error(Errc::not_a_pdf, "the file does not start with %PDF-");
  const auto prev = last_xref_offset(pdf);
  if (!prev) return make_error(Errc::not_a_pdf, "no startxref at the end of the file");
  const bool xref_stream = pdf.compare(*prev, 4, "xref") != 0;

  QPDF q;
  q.setSuppressWarnings(true);
  try {
    q.processMemoryFile("document.pdf", pdf.data(), pdf.size());
  } catch (const std::exception& e) {
    return make_error(Errc::not_a_pdf, std::string("unreadable PDF: ") + e.what());
  }
  if (q.isEncrypted()) return make_error(Errc::pdf_encrypted, "the PDF is encrypted");

  Update update;
  update.base = pdf.size();
  if (!pdf.ends_with("\n") && !pdf.ends_with("\r")) update.text += "\n";
  std::vector<QPDFObjectHandle> changed;
  std::string field_name;
  try {
    QPDFObjectHandle root = q.getRoot();
    std::vector<QPDFObjectHandle> pages = q.getAllPages();
    if (pages.empty()) return make_error(Errc::not_a_pdf, "the PDF has no page");
    QPDFObjectHandle page = pages.front();

    QPDFObjectHandle acroform = root.getKey("/AcroForm");
    if (!acroform.isDictionary()) {
      acroform = QPDFObjectHandle::newDictionary();
      root.replaceKey("/AcroForm", acroform);
      changed.push_back(root);
    } else if (acroform.isIndirect()) {
      changed.push_back(acroform);
    } else {
      changed.push_back(root);
    }
    QPDFObjectHandle fields = acroform.getKey("/Fields");
    if (!fields.isArray()) {
      fields = QPDFObjectHandle::newArray();
      acroform.replaceKey("/Fields", fields);
    } else if (fields.isIndirect()) {
      changed.push_back(fields);
    }
    int signatures = 0;
    for (int i = 0; i < fields.getArrayNItems(); ++i) {
      if (fields.getArrayItem(i).getKey("/FT").isNameAndEquals("/Sig")) ++signatures;
    }
    field_name = "Signature" + std::to_string(signatures + 1);
    acroform.replaceKey("/SigFlags", QPDFObjectHandle::newInteger(3));

    // A placeholder (a null would be dropped from the widget): the dictionary is written by hand below.
    QPDFObjectHandle value = q.makeIndirectObject(QPDFObjectHandle::newDictionary());
    QPDFObjectHandle widget = q.makeIndirectObject(
        QPDFObjectHandle::parse("<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /Rect [0 0 0 0] >>"));
    widget.replaceKey("/T", QPDFObjectHandle::newUnicodeString(field_name));
    widget.replaceKey("/V", value);
    widget.replaceKey("/P", page);
    changed.push_back(widget);
    fields.appendItem(widget);

    QPDFObjectHandle annots = page.getKey("/Annots");
    if (annots.isArray() && annots.isIndirect()) {
      changed.push_back(annots);
    } else {
      if (!annots.isArray()) {
        annots = QPDFObjectHandle::newArray();
        page.replaceKey("/Annots", annots);
      }
      changed.push_back(page);
    }
    annots.appendItem(widget);

    update.object(value.getObjectID(), 0, signature_dictionary);
    std::map<int, bool> written{{value.getObjectID(), true}};
    for (auto& object : changed) {
      if (written[object.getObjectID()]) continue;
      written[object.getObjectID()] = true;
      update.object(object.getObjectID(), object.getGeneration(), object.unparseResolved());
    }

    QPDFObjectHandle trailer = q.getTrailer();
    int size = trailer.getKey("/Size").isInteger() ? trailer.getKey("/Size").getIntValueAsInt() : 0;
    for (const auto& [number, offset] : update.offsets) size = std::max(size, number + 1);
    std::string trailer_keys = fmt::format("/Root {} /Prev {}", root.unparse(), *prev);
    if (trailer.hasKey("/Info")) trailer_keys += " /Info " + trailer.getKey("/Info").unparse();
    if (trailer.hasKey("/ID")) trailer_keys += " /ID " + trailer.getKey("/ID").unparseResolved();

    if (!xref_stream) {
      const std::size_t xref_at = update.base + update.text.size();
      update.text += "xref\n";
      for (const auto& [first, count] : subsections(update.offsets)) {
        update.text += fmt::format("{} {}\n", first, count);
        for (int n = first; n < first + count; ++n) update.text += fmt::format("{:010} 00000 n \n", update.offsets[n]);
      }
      update.text += fmt::format("trailer\n<< /Size {} {} >>\nstartxref\n{}\n%%EOF\n", size, trailer_keys, xref_at);
    } else {
      // The original's last section is a cross-reference stream; so is ours (a table after a
      // stream is not allowed in a PDF 1.5 file that a reader processes as stream-only).
      const int xref_number = size;
      update.offsets[xref_number] = update.base + update.text.size();
      std::string entries;
      std::string index;
      for (const auto& [first, count] : subsections(update.offsets)) {
        index += fmt::format("{} {} ", first, count);
        for (int n = first; n < first + count; ++n) {
          const std::size_t offset = update.offsets[n];
          entries += '\x01';
          for (int shift = 24; shift >= 0; shift -= 8) entries += static_cast<char>((offset >> shift) & 0xff);
          entries += std::string(2, '\0');
        }
      }
      const std::size_t xref_at = update.offsets[xref_number];
      update.text +=
          fmt::format("{} 0 obj\n<< /Type /XRef /Size {} {} /W [1 4 2] /Index [{}] /Length {} >>\nstream\n",
                      xref_number, xref_number + 1, trailer_keys, index.substr(0, index.size() - 1), entries.size());
      update.text += entries;
      update.text += fmt::format("\nendstream\nendobj\nstartxref\n{}\n%%EOF\n", xref_at);
    }
  } catch (const std::exception& e) {
    return make_error(Errc::not_a_pdf, std::string("cannot update the PDF: ") + e.what());
  }

  return std::move(update.text);
}

Result<std::vector<SignatureDictionary>> signature_dictionaries(std::string_view pdf) {
  std::vector<std::pair<std::string, QPDFObjectHandle>> fields;
  std::vector<SignatureDictionary> out;
  QPDF q;
  q.setSuppressWarnings(true);
  try {
    q.processMemoryFile("document.pdf", pdf.data(), pdf.size());
    if (q.isEncrypted()) return make_error(Errc::pdf_encrypted, "the PDF is encrypted");
    QPDFObjectHandle form = q.getRoot().getKey("/AcroForm");
    QPDFObjectHandle top = form.isDictionary() ? form.getKey("/Fields") : QPDFObjectHandle::newNull();
    std::set<QPDFObjGen> seen;
    if (top.isArray()) {
      for (int i = 0; i < top.getArrayNItems(); ++i) collect(top.getArrayItem(i), "", fields, seen, 0);
    }
    for (auto& [name, value] : fields) {
      SignatureDictionary d;
      d.field = name;
      if (QPDFObjectHandle f = value.getKey("/SubFilter"); f.isName()) d.sub_filter = f.getName().substr(1);
      if (QPDFObjectHandle m = value.getKey("/M"); m.isString()) d.claimed_time = m.getUTF8Value();
      if (QPDFObjectHandle range = value.getKey("/ByteRange"); range.isArray()) {
        std::vector<long long> numbers;
        for (int i = 0; i < range.getArrayNItems(); ++i) {
          if (!range.getArrayItem(i).isInteger()) break;
          numbers.push_back(range.getArrayItem(i).getIntValue());
        }
        if (static_cast<int>(numbers.size()) == range.getArrayNItems()) d.byte_range = std::move(numbers);
      }
      if (QPDFObjectHandle c = value.getKey("/Contents"); c.isString()) d.contents = c.getStringValue();
      out.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    return make_error(Errc::not_a_pdf, std::string("unreadable PDF: ") + e.what());
  }
  return out;
}

namespace {
std::string xmp_packet(const ArchivalMetadata& m) {
  const std::string lang = m.language.empty() ? "x-default" : m.language;
  auto alternative = [&](const std::string& value) {
    return "<rdf:Alt><rdf:li xml:lang=\"x-default\">" + http::escape_html(value) + "</rdf:li></rdf:Alt>";
  };
  return "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
         "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
         "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
         "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">"
         "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>\n"
         "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
         "<dc:format>application/pdf</dc:format>"
         "<dc:title>" +
         alternative(m.title) +
         "</dc:title>"
         "<dc:creator><rdf:Seq><rdf:li>" +
         http::escape_html(m.author) +
         "</rdf:li></rdf:Seq></dc:creator>"
         "<dc:description>" +
         alternative(m.subject) +
         "</dc:description>"
         "<dc:language><rdf:Bag><rdf:li>" +
         http::escape_html(lang) +
         "</rdf:li></rdf:Bag></dc:language>"
         "</rdf:Description>\n"
         "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">"
         "<xmp:CreatorTool>Guichet</xmp:CreatorTool>"
         "<xmp:CreateDate>" +
         m.created +
         "</xmp:CreateDate>"
         "<xmp:ModifyDate>" +
         m.created +
         "</xmp:ModifyDate>"
         "<xmp:MetadataDate>" +
         m.created +
         "</xmp:MetadataDate></rdf:Description>\n"
         "<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">"
         "<pdf:Producer>Guichet</pdf:Producer></rdf:Description>\n"
         "</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
}

// 2026-12-02T09:00:00Z as a PDF date: D:20261202090000Z.
std::string pdf_date(const std::string& iso) {
  std::string digits;
  for (char c : iso) {
    if (c >= '0' && c <= '9') digits += c;
  }
  return "D:" + digits.substr(0, 14) + "Z";
}
}  // namespace

Result<std::string> with_archival_metadata(std::string_view pdf, const ArchivalMetadata& metadata) {
  try {
    QPDF document;
    document.setSuppressWarnings(true);
    document.processMemoryFile("document.pdf", pdf.data(), pdf.size());
    QPDFObjectHandle root = document.getRoot();

    QPDFObjectHandle xmp = QPDFObjectHandle::newStream(&document, xmp_packet(metadata));
    xmp.getDict().replaceKey("/Type", QPDFObjectHandle::newName("/Metadata"));
    xmp.getDict().replaceKey("/Subtype", QPDFObjectHandle::newName("/XML"));
    root.replaceKey("/Metadata", xmp);

    QPDFObjectHandle profile = QPDFObjectHandle::newStream(&document, metadata.icc_profile);
    profile.getDict().replaceKey("/N", QPDFObjectHandle::newInteger(3));
    QPDFObjectHandle intent = QPDFObjectHandle::newDictionary();
    intent.replaceKey("/Type", QPDFObjectHandle::newName("/OutputIntent"));
    intent.replaceKey("/S", QPDFObjectHandle::newName("/GTS_PDFA1"));
    intent.replaceKey("/OutputConditionIdentifier", QPDFObjectHandle::newString("sRGB IEC61966-2.1"));
    intent.replaceKey("/Info", QPDFObjectHandle::newString("sRGB IEC61966-2.1"));
    intent.replaceKey("/DestOutputProfile", profile);
    QPDFObjectHandle intents = QPDFObjectHandle::newArray();
    intents.appendItem(intent);
    root.replaceKey("/OutputIntents", intents);
    if (!metadata.language.empty()) {
      root.replaceKey("/Lang", QPDFObjectHandle::newUnicodeString(metadata.language));
    }

    // The Info dictionary says the same as the XMP (ISO 19005-2, 6.6.3).
    QPDFObjectHandle info = QPDFObjectHandle::newDictionary();
    info.replaceKey("/Title", QPDFObjectHandle::newUnicodeString(metadata.title));
    info.replaceKey("/Author", QPDFObjectHandle::newUnicodeString(metadata.author));
    info.replaceKey("/Subject", QPDFObjectHandle::newUnicodeString(metadata.subject));
    info.replaceKey("/Creator", QPDFObjectHandle::newString("Guichet"));
    info.replaceKey("/Producer", QPDFObjectHandle::newString("Guichet"));
    info.replaceKey("/CreationDate", QPDFObjectHandle::newString(pdf_date(metadata.created)));
    info.replaceKey("/ModDate", QPDFObjectHandle::newString(pdf_date(metadata.created)));
    document.getTrailer().replaceKey("/Info", document.makeIndirectObject(info));

    QPDFWriter writer(document);
    writer.setOutputMemory();
    writer.setDeterministicID(true);  // a file identifier, and the same bytes for the same input
    writer.setMinimumPDFVersion("1.7");
    writer.setObjectStreamMode(qpdf_o_disable);
    writer.write();
    std::shared_ptr<Buffer> buffer = writer.getBufferSharedPointer();
    return std::string(reinterpret_cast<const char*>(buffer->getBuffer()), buffer->getSize());
  } catch (const std::exception& e) {
    return make_error(Errc::render_failed, std::string("qpdf: ") + e.what());
  }
}

}  // namespace guichet::documents
