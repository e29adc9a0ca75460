#include "guichet/documents/pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <lcms2.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <qrencode.h>

#include <algorithm>
#include <map>
#include <memory>

#include <fmt/chrono.h>

#include "guichet/documents/errors.hpp"
#include "pdf_objects.hpp"

namespace guichet::documents {
namespace {

// A4 in PostScript points, with 20 mm margins.
constexpr double kPageWidth = 595.28;
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 56.7;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kFooterHeight = 28;
constexpr double kCellPadding = 4;

struct GObjectDeleter {
  void operator()(gpointer object) const { g_object_unref(object); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;

// One font map per thread and fonts folder: pango's font maps are not meant to be shared between
// threads, and building one scans the fonts, so it is kept for the thread's life.
PangoFontMap* font_map_for(const std::string& fonts_dir) {
  thread_local std::map<std::string, std::unique_ptr<PangoFontMap, GObjectDeleter>> maps;
  auto found = maps.find(fonts_dir);
  if (found != maps.end()) return found->second.get();
  FcConfig* config = FcInitLoadConfigAndFonts();
  if (!fonts_dir.empty()) FcConfigAppFontAddDir(config, reinterpret_cast<const FcChar8*>(fonts_dir.c_str()));
  PangoFontMap* map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
  pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(map), config);
  FcConfigDestroy(config);
  return maps.emplace(fonts_dir, map).first->second.get();
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Lays the blocks out page by page. Run twice: once to count the pages (for "page n of m"), once
// to draw them.
class Typesetter {
 public:
  Typesetter(cairo_t* cr, PangoContext* context, const DocumentSpec& spec, const RenderOptions& options,
             int total_pages)
      : cr_(cr), context_(context), spec_(spec), options_(options), total_pages_(total_pages) {}

  int run() {
    y_ = kMargin;
    letterhead();
    text_block(spec_.title, 20, true, 0, kContentWidth);
    y_ += 6;
    for (const Block& block : spec_.blocks) {
      std::visit([this](const auto& b) { draw(b); }, block);
    }
    finish_page();
    return page_;
  }

 private:
  LayoutPtr layout(const std::string& text, double size, bool bold, double width) const {
    LayoutPtr l(pango_layout_new(context_));
    PangoFontDescription* font = pango_font_description_new();
    pango_font_description_set_family(font, options_.family.c_str());
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l.get(), font);
    pango_font_description_free(font);
    pango_layout_set_width(l.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(l.get(), text.data(), static_cast<int>(text.size()));
    return l;
  }

  static double height_of(PangoLayout* l) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(l, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  static double width_of(PangoLayout* l) {
    int w = 0;
    int h = 0;
    pango_layout_get_size(l, &w, &h);
    return static_cast<double>(w) / PANGO_SCALE;
  }

  void show(PangoLayout* l, double x, double y) {
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, l);
  }

  // Starts a new page when `height` does not fit on this one.
  void need(double height) {
    if (y_ + height <= kPageHeight - kMargin - kFooterHeight) return;
    finish_page();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMargin;
  }

  void finish_page() {
    const std::string text = spec_.footer + (spec_.footer.empty() ? "" : "  ·  ") + std::to_string(page_) + " / " +
                             std::to_string(std::max(total_pages_, page_));
    auto l = layout(text, 8, false, kContentWidth);
    cairo_set_source_rgb(cr_, 0.33, 0.33, 0.33);
    show(l.get(), kMargin, kPageHeight - kMargin - height_of(l.get()) + 8);
    cairo_set_source_rgb(cr_, 0, 0, 0);
  }

  void rule(double x, double y, double width, double thickness) {
    cairo_set_line_width(cr_, thickness);
    cairo_move_to(cr_, x, y);
    cairo_line_to(cr_, x + width, y);
    cairo_stroke(cr_);
  }

  void letterhead() {
    auto l = layout(spec_.issuer, 11, true, kContentWidth);
    show(l.get(), kMargin, y_);
    y_ += height_of(l.get()) + 4;
    rule(kMargin, y_, kContentWidth, 1.2);
    y_ += 14;
  }

  void text_block(const std::string& text, double size, bool bold, double indent, double width) {
    auto l = layout(text, size, bold, width);
    const double h = height_of(l.get());
    need(h);
    show(l.get(), kMargin + indent, y_);
    y_ += h + size * 0.5;
  }

  void draw(const Heading& h) {
    y_ += 6;
    auto l = layout(h.text, 13, true, kContentWidth);
    need(height_of(l.get()) + 30);  // never a heading alone at the foot of a page
    text_block(h.text, 13, true, 0, kContentWidth);
  }

  void draw(const Paragraph& p) { text_block(p.text, 10.5, false, 0, kContentWidth); }

  void draw(const Bullets& b) {
    for (const auto& item : b.items) {
      auto l = layout(item, 10.5, false, kContentWidth - 14);
      const double h = height_of(l.get());
      need(h);
      auto bullet = layout("•", 10.5, false, 10);
      show(bullet.get(), kMargin + 2, y_);
      show(l.get(), kMargin + 14, y_);
      y_ += h + 3;
    }
    y_ += 4;
  }

  void draw(const Facts& f) {
    double label_width = 0;
    for (const auto& fact : f.facts) {
      auto l = layout(fact.label, 10.5, true, -1);
      label_width = std::max(label_width, width_of(l.get()));
    }
    label_width = std::min(label_width + 12, kContentWidth * 0.4);
    for (const auto& fact : f.facts) {
      auto label = layout(fact.label, 10.5, true, label_width - 12);
      auto value = layout(fact.value, 10.5, false, kContentWidth - label_width);
      const double h = std::max(height_of(label.get()), height_of(value.get()));
      need(h);
      show(label.get(), kMargin, y_);
      show(value.get(), kMargin + label_width, y_);
      y_ += h + 4;
    }
    y_ += 6;
  }

  std::vector<double> column_widths(const Table& t) {
    const std::size_t columns = t.header.size();
    std::vector<double> natural(columns, 0);
    auto widen = [&](const std::vector<std::string>& row, bool bold) {
      for (std::size_t c = 0; c < columns && c < row.size(); ++c) {
        auto l = layout(row[c], 10, bold, -1);
        natural[c] = std::max(natural[c], width_of(l.get()) + 2 * kCellPadding);
      }
    };
    widen(t.header, true);
    for (const auto& row : t.rows) widen(row, false);
    double total = 0;
    for (double w : natural) total += w;
    std::vector<double> widths(columns);
    for (std::size_t c = 0; c < columns; ++c) {
      // Wider than the page: share it in proportion, with a floor so no column is crushed.
      widths[c] = total <= kContentWidth ? natural[c] : std::max(kContentWidth * natural[c] / total, 40.0);
    }
    double used = 0;
    for (double w : widths) used += w;
    if (used < kContentWidth && columns > 0) widths.back() += kContentWidth - used;
    if (used > kContentWidth) {
      for (double& w : widths) w *= kContentWidth / used;
    }
    return widths;
  }

  double row(const std::vector<std::string>& cells, const std::vector<double>& widths, bool header, bool measure_only) {
    std::vector<LayoutPtr> layouts;
    double h = 0;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      layouts.push_back(layout(c < cells.size() ? cells[c] : "", 10, header, widths[c] - 2 * kCellPadding));
      h = std::max(h, height_of(layouts.back().get()));
    }
    h += 2 * kCellPadding;
    if (measure_only) return h;
    double x = kMargin;
    if (header) {
      cairo_set_source_rgb(cr_, 0.94, 0.94, 0.94);
      cairo_rectangle(cr_, kMargin, y_, kContentWidth, h);
      cairo_fill(cr_);
      cairo_set_source_rgb(cr_, 0, 0, 0);
    }
    for (std::size_t c = 0; c < widths.size(); ++c) {
      show(layouts[c].get(), x + kCellPadding, y_ + kCellPadding);
      x += widths[c];
    }
    y_ += h;
    rule(kMargin, y_, kContentWidth, header ? 0.9 : 0.4);
    return h;
  }

  void draw(const Table& t) {
    const auto widths = column_widths(t);
    const double header_height = row(t.header, widths, true, true);
    auto header = [&] {
      rule(kMargin, y_, kContentWidth, 0.9);
      row(t.header, widths, true, false);
    };
    need(header_height + (t.rows.empty() ? 0 : row(t.rows.front(), widths, false, true)));
    header();
    for (const auto& r : t.rows) {
      const double h = row(r, widths, false, true);
      if (y_ + h > kPageHeight - kMargin - kFooterHeight) {
        need(kPageHeight);  // the rest of the table on the next page, under its header again
        header();
      }
      row(r, widths, false, false);
    }
    y_ += 10;
  }

  void draw(const QrCode& q) {
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString(q.content.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
    if (!code) return;
    constexpr int kQuiet = 4;
    const double module = 100.0 / (code->width + 2 * kQuiet);
    const double side = module * (code->width + 2 * kQuiet);
    need(side);
    for (int r = 0; r < code->width; ++r) {
      for (int c = 0; c < code->width; ++c) {
        if ((code->data[r * code->width + c] & 1) == 0) continue;
        cairo_rectangle(cr_, kMargin + (c + kQuiet) * module, y_ + (r + kQuiet) * module, module, module);
      }
    }
    cairo_fill(cr_);
    auto caption = layout(q.caption, 9.5, false, kContentWidth - side - 12);
    show(caption.get(), kMargin + side + 12, y_ + kQuiet * module);
    y_ += std::max(side, height_of(caption.get())) + 8;
  }

  cairo_t* cr_;
  PangoContext* context_;
  const DocumentSpec& spec_;
  const RenderOptions& options_;
  int total_pages_;
  int page_ = 1;
  double y_ = 0;
};

int typeset(cairo_surface_t* surface, PangoFontMap* fonts, const DocumentSpec& spec, const RenderOptions& options,
            int total_pages) {
  cairo_t* cr = cairo_create(surface);
  std::unique_ptr<PangoContext, GObjectDeleter> context(pango_font_map_create_context(fonts));
  pango_cairo_update_context(cr, context.get());
  PangoLanguage* language = pango_language_from_string(spec.lang.c_str());
  pango_context_set_language(context.get(), language);
  const int pages = Typesetter(cr, context.get(), spec, options, total_pages).run();
  cairo_show_page(cr);
  cairo_destroy(cr);
  return pages;
}

// sRGB IEC 61966-2.1, the output intent of every document (its colours are device RGB), made by
// Little CMS once.
const std::string& srgb_profile() {
  static const std::string profile = [] {
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsUInt32Number size = 0;
    cmsSaveProfileToMem(srgb, nullptr, &size);
    std::string bytes(size, '\0');
    cmsSaveProfileToMem(srgb, bytes.data(), &size);
    cmsCloseProfile(srgb);
    return bytes;
  }();
  return profile;
}

}  // namespace

Result<std::string> render_pdf(const DocumentSpec& spec, const RenderOptions& options) {
  PangoFontMap* fonts = font_map_for(options.fonts_dir);
  // Counting pass: the same layout on a recording surface, for the footer's page count.
  cairo_surface_t* counting = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr);
  const int pages = typeset(counting, fonts, spec, options, 0);
  cairo_surface_destroy(counting);

  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(append_to_string, &out, kPageWidth, kPageHeight);
  cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, spec.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, spec.issuer.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, spec.subject.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Guichet");
  const std::string created =
      fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(spec.created));
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, created.c_str());
  typeset(surface, fonts, spec, options, pages);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return make_error(Errc::render_failed, std::string("cairo: ") + cairo_status_to_string(status));
  }
  return with_archival_metadata(out, {spec.title, spec.issuer, spec.subject, spec.lang, created, srgb_profile()});
}

}  // namespace guichet::documents
