#include "certificate/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certificate/pdf_file.h"
#include "certificate/qr.h"
#include "common/time.h"
#include "common/utf8.h"

namespace dipr::certificate {

namespace {

// Page geometry in PDF points (1/72 inch); A4 is 210 x 297 mm.
constexpr double kPageW = 595.276;
constexpr double kPageH = 841.89;
constexpr double kOuterFrame = 22;  // insets of the double border
constexpr double kInnerFrame = 27;
constexpr double kLeft = 60;  // the text column
constexpr double kRight = kPageW - 60;
constexpr double kTop = 58;
constexpr double kBottom = kPageH - 46;
constexpr double kLabelW = 118;
constexpr double kGutter = 14;
constexpr double kValueX = kLeft + kLabelW + kGutter;
constexpr double kValueW = kRight - kValueX;
// At full size; rows shrink as a whole (labels, padding, values) when the page is crowded.
constexpr double kRowPad = 6;        // above and below a row's text
constexpr double kParagraphGap = 3;  // between the holders of one row
constexpr double kLabelSize = 10.5;
constexpr double kLabelEnSize = 8;
constexpr double kQrColumnW = 160;
constexpr double kQrSide = 118;  // quiet zone included

// Values are set in the largest of these sizes (pt) at which all rows fit between the title and
// the QR block; 6 pt is still legible on paper. Everything else in the rows scales along.
constexpr double kValueSizeMax = 11;
constexpr double kValueSizeMin = 6;
constexpr double kValueSizeStep = 0.5;

constexpr char kSans[] = "Noto Sans CJK SC";
constexpr char kSerif[] = "Noto Serif CJK SC";
constexpr char kRed[] = "#8c1c13";  // the seal red of Chinese official documents
constexpr char kGrey[] = "#5a5a5a";
constexpr double kInk = 0.1;  // near-black, for text

struct GObjectUnref {
  void operator()(void* p) const { g_object_unref(p); }
};
struct SurfaceDestroy {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDestroy {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectUnref>;
using ContextPtr = std::unique_ptr<PangoContext, GObjectUnref>;
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDestroy>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDestroy>;

// Everything from the view goes through Pango markup, so it must be escaped: a data name like
// "A<b>B" is text, not formatting.
std::string Esc(std::string_view s) {
  gchar* e = g_markup_escape_text(s.data(), static_cast<gssize>(s.size()));
  std::string out(e);
  g_free(e);
  return out;
}

std::string Span(std::string_view attrs, std::string_view text_markup) {
  return "<span " + std::string(attrs) + ">" + std::string(text_markup) + "</span>";
}

// Pango markup sizes are in 1024ths of a point.
std::string SizeAttr(double pt) {
  return "size='" + std::to_string(static_cast<int>(pt * PANGO_SCALE)) + "'";
}

// Keeps a short phrase ("份额 Share 2/3") on one line; a break inside it would misread.
std::string Keep(std::string_view markup) {
  return "<span allow_breaks='false'>" + std::string(markup) + "</span>";
}

LayoutPtr MakeText(PangoContext* ctx, const std::string& markup, const char* family, double size,
                   double width, PangoAlignment align = PANGO_ALIGN_LEFT) {
  LayoutPtr l(pango_layout_new(ctx));
  PangoFontDescription* fd = pango_font_description_new();
  pango_font_description_set_family(fd, family);
  pango_font_description_set_size(fd, static_cast<int>(size * PANGO_SCALE));
  pango_layout_set_font_description(l.get(), fd);
  pango_font_description_free(fd);
  pango_layout_set_width(l.get(), pango_units_from_double(width));
  // WORD_CHAR: Chinese breaks between any characters anyway, and a long Latin token (an
  // identifier, a URL) breaks inside rather than running off the page.
  pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(l.get(), align);
  pango_layout_set_markup(l.get(), markup.c_str(), -1);
  return l;
}

double Height(PangoLayout* l) {
  int w = 0, h = 0;
  pango_layout_get_size(l, &w, &h);
  return pango_units_to_double(h);
}

// Text without a foreground in its markup takes the current source colour, so set it each time.
void Draw(cairo_t* cr, PangoLayout* l, double x, double y) {
  cairo_set_source_rgb(cr, kInk, kInk, kInk);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, l);
}

void HLine(cairo_t* cr, double x0, double x1, double y, double width, double grey) {
  cairo_set_source_rgb(cr, grey, grey, grey);
  cairo_set_line_width(cr, width);
  cairo_move_to(cr, x0, y);
  cairo_line_to(cr, x1, y);
  cairo_stroke(cr);
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct StatusLabel {
  std::string_view status, zh, en;
};
// What a certificate says of its registration's status; the stamp is the upper-case English.
constexpr StatusLabel kStatusLabels[] = {{"registered", "已登记", "Registered"},
                                         {"expired", "已过期", "EXPIRED"},
                                         {"cancelled", "已注销", "CANCELLED"},
                                         {"revoked", "已撤销", "REVOKED"}};

const StatusLabel* LabelOf(std::string_view status) {
  for (const StatusLabel& l : kStatusLabels) {
    if (l.status == status) return &l;
  }
  return nullptr;
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string_view HolderTypeLabel(std::string_view type) {
  if (type == "enterprise") return "企业 Enterprise";
  if (type == "institution") return "机构 Institution";
  if (type == "individual") return "自然人 Individual";
  return {};
}

// Empty, invalid UTF-8 (Pango would print replacement garbage) or with a control character (NUL
// would cut the text short; most others make the markup invalid, and Pango then draws nothing).
Status CheckText(const std::string& field, std::string_view text) {
  if (text.empty()) return InvalidArgument(field + " is empty");
  if (!IsValidUtf8(text)) return InvalidArgument(field + " is not valid UTF-8");
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return InvalidArgument(field + " contains a control character");
  }
  return Status::Ok();
}

Status Validate(const CertificateView& v) {
  const std::pair<const char*, const std::string*> texts[] = {
      {"registration_number", &v.registration_number},
      {"certificate_number", &v.certificate_number},
      {"data_name", &v.data_name},
      {"industry", &v.industry},
      {"registered_on", &v.registered_on},
      {"valid_from", &v.valid_from},
      {"valid_until", &v.valid_until},
      {"registrar", &v.registrar},
      {"registrar_code", &v.registrar_code},
      {"public_url", &v.public_url},
      {"log_origin", &v.log_origin},
      {"key_id", &v.key_id}};
  for (const auto& [field, text] : texts) RETURN_IF_ERROR(CheckText(field, *text));
  if (v.registration_number.size() != 16 ||
      !std::all_of(v.registration_number.begin(), v.registration_number.end(),
                   [](char c) { return (c >= '0' && c <= '9') || c == 'X'; })) {
    return InvalidArgument("registration_number must be 16 characters 0-9 or X");
  }
  if (v.certificate_number.size() != 17 || !AllDigits(v.certificate_number)) {
    return InvalidArgument("certificate_number must be 17 digits");
  }
  if (v.registrar_code.size() != 4 || !AllDigits(v.registrar_code)) {
    return InvalidArgument("registrar_code must be 4 digits");
  }
  if (!IsIsoDate(v.registered_on)) return InvalidArgument("registered_on must be YYYY-MM-DD");
  if (!IsIsoDate(v.valid_from)) return InvalidArgument("valid_from must be YYYY-MM-DD");
  if (!IsIsoDate(v.valid_until)) return InvalidArgument("valid_until must be YYYY-MM-DD");
  if (LabelOf(v.status) == nullptr) {
    return InvalidArgument("status must be registered, expired, cancelled or revoked");
  }
  if (v.status != "registered" && !IsIsoDate(v.status_on)) {
    return InvalidArgument("status_on must be YYYY-MM-DD for a status other than registered");
  }
  for (size_t i = 0; i < v.deposits.size(); ++i) {
    const std::string& d = v.deposits[i].digest;
    if (d.size() != 64 || !std::all_of(d.begin(), d.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
      return InvalidArgument("deposits[" + std::to_string(i) + "].digest must be 64 hex digits");
    }
  }
  if (!v.document.empty() && v.document.size() > kMaxEmbeddedFileBytes) {
    return InvalidArgument("document is larger than " + std::to_string(kMaxEmbeddedFileBytes) +
                           " bytes");
  }
  if (Utf8Length(v.data_name) > kMaxDataNameChars) {
    return InvalidArgument("data_name is longer than " + std::to_string(kMaxDataNameChars) +
                           " characters");
  }
  if (v.public_url.size() > kMaxPublicUrlBytes) {
    return InvalidArgument("public_url is longer than " + std::to_string(kMaxPublicUrlBytes) +
                           " bytes");
  }
  if (v.holders.empty()) return InvalidArgument("holders is empty");
  uint64_t total = 0;
  for (size_t i = 0; i < v.holders.size(); ++i) {
    const Holder& h = v.holders[i];
    const std::string at = "holders[" + std::to_string(i) + "]";
    RETURN_IF_ERROR(CheckText(at + ".name", h.name));
    RETURN_IF_ERROR(CheckText(at + ".id", h.id));
    RETURN_IF_ERROR(CheckText(at + ".country", h.country));
    if (HolderTypeLabel(h.type).empty()) return InvalidArgument(at + ".type is unknown");
    if (h.share == 0) return InvalidArgument(at + ".share is 0");
    if (total + h.share < total) return InvalidArgument("holders' shares overflow");
    total += h.share;
  }
  return Status::Ok();
}

// A labelled row: the Chinese label over the English one on the left, values stacked on the right.
struct Row {
  LayoutPtr label;
  std::vector<LayoutPtr> values;
  double pad = kRowPad;
  double gap = kParagraphGap;

  double height() const {
    double v = 0;
    for (const auto& l : values) v += Height(l.get());
    v += gap * (values.size() - 1);
    return std::max(Height(label.get()), v) + 2 * pad;
  }
};

// legend: small print under the label that names the parts of the values.
Row MakeRow(PangoContext* ctx, std::string_view zh, std::string_view en,
            std::vector<std::string> value_markups, double value_size,
            std::string_view legend = {}) {
  const double scale = value_size / kValueSizeMax;
  const std::string grey = std::string(" foreground='") + kGrey + "'";
  Row row;
  row.pad = kRowPad * scale;
  row.gap = kParagraphGap * scale;
  // Labels shrink less than values: they are few and must stay readable in a crowded page.
  const double en_size = std::max(5.5, kLabelEnSize * scale);
  std::string label = "<b>" + Esc(zh) + "</b>\n" + Span(SizeAttr(en_size) + grey, Esc(en));
  if (!legend.empty()) {
    label += "\n" + Span(SizeAttr(std::max(5.0, 0.85 * en_size)) + grey, Esc(legend));
  }
  row.label = MakeText(ctx, label, kSans, std::max(7.0, kLabelSize * scale), kLabelW);
  for (const std::string& m : value_markups) {
    row.values.push_back(MakeText(ctx, m, kSans, value_size, kValueW));
  }
  return row;
}

// compact: a holder's details follow the name on the same line instead of a line of their own,
// which roughly halves the holders' height when there are many.
std::vector<Row> MakeRows(PangoContext* ctx, const CertificateView& v, double size, bool compact) {
  // Secondary text (English glosses, holder details) one step smaller than the value it belongs to.
  const std::string small = SizeAttr(size * 0.82) + " foreground='" + std::string(kGrey) + "'";
  std::vector<Row> rows;
  rows.push_back(MakeRow(ctx, "登记号", "Registration No.", {Esc(v.registration_number)}, size));
  rows.push_back(MakeRow(ctx, "证书编号", "Certificate No.", {Esc(v.certificate_number)}, size));
  rows.push_back(MakeRow(ctx, "数据名称", "Data name", {"<b>" + Esc(v.data_name) + "</b>"}, size));

  uint64_t total = 0;
  for (const Holder& h : v.holders) total += h.share;
  std::vector<std::string> holders;
  for (size_t i = 0; i < v.holders.size(); ++i) {
    const Holder& h = v.holders[i];
    const uint64_t g = std::gcd(h.share, total);
    std::string share = std::to_string(h.share / g) + "/" + std::to_string(total / g);
    std::string number = v.holders.size() > 1 ? std::to_string(i + 1) + ". " : "";
    // The parts are named once, in the row's legend, to keep a holder to one or two lines.
    holders.push_back("<b>" + number + Esc(h.name) + "</b>" + (compact ? "  " : "\n") +
                      Span(small, Keep(Esc(HolderTypeLabel(h.type))) + " · " + Esc(h.id) + " · " +
                                      Esc(h.country) + " · " + Keep("份额 Share " + share)));
  }
  rows.push_back(MakeRow(ctx, "持有人", v.holders.size() > 1 ? "Holders" : "Holder",
                         std::move(holders), size,
                         "类型 · 证件号码 · 国家或地区 · 份额\ntype · ID · country · share"));

  rows.push_back(MakeRow(ctx, "行业", "Industry", {Esc(v.industry)}, size));
  rows.push_back(MakeRow(ctx, "登记日期", "Registered on", {Esc(v.registered_on)}, size));
  rows.push_back(MakeRow(ctx, "有效期", "Valid from … until",
                         {Span(small, "自 from") + " " + Esc(v.valid_from) + " " +
                          Span(small, "至 until") + " " + Esc(v.valid_until)},
                         size));
  if (!v.deposits.empty()) {
    std::vector<std::string> deposits;
    const size_t shown = std::min(v.deposits.size(), kPrintedDeposits);
    for (size_t i = 0; i < shown; ++i) {
      const Deposit& d = v.deposits[i];
      deposits.push_back(Keep("条目 Entry " + std::to_string(d.index)) + " · " +
                         Keep(Thousands(d.size) + " 字节 bytes") + "\n" +
                         Span(small, Esc(d.digest)));
    }
    if (v.deposits.size() > shown) {
      deposits.push_back(Span(small, "另有 " + std::to_string(v.deposits.size() - shown) +
                                         " 份，见内嵌的证书文档 and " +
                                         std::to_string(v.deposits.size() - shown) +
                                         " more in the embedded certificate document"));
    }
    rows.push_back(MakeRow(ctx, "存证", "Deposits", std::move(deposits), size,
                           "条目 · 大小 · 摘要\nentry · size · digest"));
  }
  rows.push_back(MakeRow(
      ctx, "登记机构", "Registrar",
      {Esc(v.registrar) + " " + Span(small, "(代码 Code " + Esc(v.registrar_code) + ")")}, size));
  return rows;
}

double RowsHeight(const std::vector<Row>& rows) {
  double h = 0;
  for (const Row& r : rows) h += r.height();
  return h;
}

// The rows in the largest value size that fits in height; empty if even the smallest does not.
// Height falls with the size, so a bisection needs ~5 layouts where trying every size needs 11;
// the common case (it fits at full size) takes one.
std::vector<Row> FitRows(PangoContext* ctx, const CertificateView& v, bool compact, double height) {
  const int steps = static_cast<int>((kValueSizeMax - kValueSizeMin) / kValueSizeStep + 0.5);
  auto size_at = [&](int i) { return kValueSizeMin + i * kValueSizeStep; };
  std::vector<Row> rows = MakeRows(ctx, v, size_at(steps), compact);
  if (RowsHeight(rows) <= height) return rows;
  std::vector<Row> fitting = MakeRows(ctx, v, size_at(0), compact);
  if (RowsHeight(fitting) > height) return {};
  int lo = 0, hi = steps;  // size_at(lo) fits, size_at(hi) does not
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    rows = MakeRows(ctx, v, size_at(mid), compact);
    if (RowsHeight(rows) <= height) {
      lo = mid;
      fitting = std::move(rows);
    } else {
      hi = mid;
    }
  }
  return fitting;
}

// Checked once per process: without the CJK font, fontconfig would substitute another (or none)
// and the certificate would print boxes or a different typeface. Listing the families of the
// calling thread's font map is enough, as every thread's map reads the same fontconfig setup.
Status CheckFonts() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] {
    PangoFontFamily** families = nullptr;
    int n = 0;
    pango_font_map_list_families(pango_cairo_font_map_get_default(), &families, &n);
    bool sans = false, serif = false;
    for (int i = 0; i < n; ++i) {
      const char* name = pango_font_family_get_name(families[i]);
      sans = sans || std::strcmp(name, kSans) == 0;
      serif = serif || std::strcmp(name, kSerif) == 0;
    }
    g_free(families);
    if (!sans || !serif) {
      status = Unavailable(std::string("fonts \"") + kSans + "\" and \"" + kSerif +
                           "\" are not installed (Debian: fonts-noto-cjk)");
    }
  });
  return status;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  } catch (const std::bad_alloc&) {
    return CAIRO_STATUS_NO_MEMORY;  // must not unwind through Cairo's C frames
  }
  return CAIRO_STATUS_SUCCESS;
}

// A status other than registered, stamped across the page in red under 30 degrees: no one
// mistakes the page for a certificate in force, even on a copy of a copy. It is drawn over the
// text, translucent, so the text stays legible under it.
void DrawStamp(cairo_t* cr, PangoContext* ctx, const StatusLabel& label) {
  LayoutPtr stamp = MakeText(ctx, "<b>" + Esc(label.zh) + " " + Esc(label.en) + "</b>", kSerif, 50,
                             kPageW, PANGO_ALIGN_CENTER);
  int w = 0, h = 0;
  pango_layout_get_pixel_size(stamp.get(), &w, &h);
  cairo_save(cr);
  cairo_translate(cr, kPageW / 2, kPageH / 2);
  cairo_rotate(cr, -30 * G_PI / 180);
  cairo_set_source_rgba(cr, 0x8c / 255.0, 0x1c / 255.0, 0x13 / 255.0, 0.35);
  cairo_move_to(cr, -kPageW / 2, -h / 2.0);
  pango_cairo_show_layout(cr, stamp.get());
  cairo_restore(cr);
}

void DrawFrame(cairo_t* cr) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0x8c / 255.0, 0x1c / 255.0, 0x13 / 255.0);
  cairo_set_line_width(cr, 1.8);
  cairo_rectangle(cr, kOuterFrame, kOuterFrame, kPageW - 2 * kOuterFrame, kPageH - 2 * kOuterFrame);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 0.6);
  cairo_rectangle(cr, kInnerFrame, kInnerFrame, kPageW - 2 * kInnerFrame, kPageH - 2 * kInnerFrame);
  cairo_stroke(cr);
  cairo_restore(cr);
}

}  // namespace

Result<std::string> RenderPdf(const CertificateView& view) {
  RETURN_IF_ERROR(Validate(view));
  RETURN_IF_ERROR(CheckFonts());
  ASSIGN_OR_RETURN(QrMatrix qr, QrMatrix::Encode(view.public_url));

  std::string pdf;
  SurfacePtr surface(cairo_pdf_surface_create_for_stream(AppendToString, &pdf, kPageW, kPageH));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Internal(std::string("cairo: ") +
                    cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  const std::string title = "数据知识产权登记证书 " + view.certificate_number;
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT,
                                 "Data Intellectual Property Registration Certificate");
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_AUTHOR, view.registrar.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "dipr");
  // Without a date Cairo writes the current time; the registration date keeps re-renders of one
  // certificate byte-identical (cacheable, comparable in tests).
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE,
                                 view.registered_on.c_str());

  CairoPtr cr(cairo_create(surface.get()));
  // pango_cairo_create_context uses this thread's font map and takes the PDF surface's font
  // options (no hinting, unrounded metrics), which is what vector output wants.
  ContextPtr ctx(pango_cairo_create_context(cr.get()));
  // 72 dpi: a "10 pt" font is then 10 units of the PDF's user space, which is in points.
  pango_cairo_context_set_resolution(ctx.get(), 72);
  pango_context_set_round_glyph_positions(ctx.get(), FALSE);

  DrawFrame(cr.get());

  // Title.
  const double width = kRight - kLeft;
  double y = kTop;
  LayoutPtr title_zh = MakeText(
      ctx.get(), Span(std::string("foreground='") + kRed + "'", "<b>数据知识产权登记证书</b>"),
      kSerif, 25, width, PANGO_ALIGN_CENTER);
  Draw(cr.get(), title_zh.get(), kLeft, y);
  y += Height(title_zh.get()) + 2;
  // Sans, not Serif Regular: each typeface costs ~10 ms per render (Cairo copies the whole CFF
  // table of every face it subsets), so the page uses three: Serif Bold, Sans Regular and Bold.
  LayoutPtr title_en = MakeText(ctx.get(), "Data Intellectual Property Registration Certificate",
                                kSans, 12.5, width, PANGO_ALIGN_CENTER);
  Draw(cr.get(), title_en.get(), kLeft, y);
  y += Height(title_en.get()) + 12;
  HLine(cr.get(), kLeft, kRight, y, 0.8, 0.35);
  const double rows_top = y + 4;

  // The bottom block, laid out first because the rows get whatever height it leaves: on the left
  // how to verify offline, on the right the QR code with its URL printed under it.
  const double note_w = width - kQrColumnW - 16;
  const std::string grey = std::string("foreground='") + kGrey + "'";
  const bool embedded = !view.document.empty();
  const std::string command =
      "<b>" + Keep(embedded ? "dipr verify-certificate 本文件.pdf" : "dipr verify-certificate") +
      "</b>";
  const std::string command_en =
      "<b>" + Keep(embedded ? "dipr verify-certificate this.pdf" : "dipr verify-certificate") +
      "</b>";
  const std::string how_zh = embedded
                                 ? "本 PDF 内嵌经登记机构签名的证书文档（" +
                                       Esc(DocumentFileName(view)) + "）及其日志包含证明，可用 " +
                                       command + " 在不联网的情况下核验；当前状态以公开记录为准。"
                                 : "登记事件已记入登记机构的透明日志，可下载签名的证书文档，用 " +
                                       command + " 在不联网的情况下核验；当前状态以公开记录为准。";
  const std::string how_en =
      embedded ? "This PDF carries the registrar's signed certificate document (" +
                     Esc(DocumentFileName(view)) +
                     ") with its inclusion proof in the transparency log: check it offline with " +
                     command_en + ". The current status is the public record's."
               : "The issuing event is an entry in the registrar's transparency log; download "
                 "the signed certificate document and check it offline with " +
                     command_en + ". The current status is the public record's.";
  // Not a row: the rows of the most crowded certificate fill their space already, and the
  // note's column beside the QR code has room for two lines.
  const StatusLabel& status = *LabelOf(view.status);
  const std::string status_line =
      view.status == "registered"
          ? ""
          : Span(std::string("foreground='") + kRed + "'", "<b>" + Esc(status.zh) + " " +
                                                               Esc(status.en) + "</b> 自 since " +
                                                               Esc(view.status_on)) +
                "\n" +
                Span(std::string("foreground='") + kRed + "' " + SizeAttr(7.5),
                     "本证书已不具效力 This certificate is no longer in force.") +
                "\n";
  const std::string where = "日志 Log  " + Esc(view.log_origin) + "\n条目 Entry  " +
                            std::to_string(view.log_index) + "\n密钥 Key  " + Esc(view.key_id);
  LayoutPtr note = MakeText(
      ctx.get(),
      status_line +
          (embedded
               ? "<b>本证书可离线验证</b>\n" + Span(grey, "This certificate is verifiable offline.")
               : "<b>本证书可核验</b>\n" + Span(grey, "This certificate is verifiable.")) +
          "\n" + Span(SizeAttr(7.5), how_zh + "\n" + Span(grey, how_en)) + "\n\n" +
          Span(SizeAttr(7.5), where),
      kSans, 9, note_w);
  LayoutPtr url =
      MakeText(ctx.get(), Esc(view.public_url), kSans, 6.5, kQrColumnW, PANGO_ALIGN_CENTER);
  LayoutPtr scan =
      MakeText(ctx.get(), "扫码查看公开记录 " + Span(grey, "Scan for the public record"), kSans, 7,
               kQrColumnW, PANGO_ALIGN_CENTER);
  const double qr_block_h = Height(scan.get()) + 2 + kQrSide + 2 + Height(url.get());
  const double block_h = std::max(Height(note.get()), qr_block_h);
  const double block_top = kBottom - block_h;
  const double rows_bottom = block_top - 14;

  // The rows, in the largest type that fits, holders' details on a line of their own if possible.
  std::vector<Row> rows = FitRows(ctx.get(), view, /*compact=*/false, rows_bottom - rows_top);
  if (rows.empty()) rows = FitRows(ctx.get(), view, /*compact=*/true, rows_bottom - rows_top);
  if (rows.empty()) {
    return InvalidArgument("the certificate's text does not fit on one page (" +
                           std::to_string(view.holders.size()) + " holders)");
  }
  y = rows_top;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const double h = row.height();
    Draw(cr.get(), row.label.get(), kLeft, y + row.pad);
    double vy = y + row.pad;
    for (const LayoutPtr& v : row.values) {
      Draw(cr.get(), v.get(), kValueX, vy);
      vy += Height(v.get()) + row.gap;
    }
    y += h;
    if (i + 1 < rows.size()) HLine(cr.get(), kLeft, kRight, y, 0.4, 0.78);
  }
  HLine(cr.get(), kLeft, kRight, block_top - 7, 0.8, 0.35);

  Draw(cr.get(), note.get(), kLeft, block_top);
  const double qr_x = kRight - kQrColumnW;
  double qy = block_top;
  Draw(cr.get(), scan.get(), qr_x, qy);
  qy += Height(scan.get()) + 2;
  DrawQr(cr.get(), qr, qr_x + (kQrColumnW - kQrSide) / 2, qy, kQrSide);
  qy += kQrSide + 2;
  Draw(cr.get(), url.get(), qr_x, qy);
  if (view.status != "registered") DrawStamp(cr.get(), ctx.get(), *LabelOf(view.status));

  cairo_show_page(cr.get());
  const cairo_status_t drawn = cairo_status(cr.get());
  cr.reset();
  cairo_surface_finish(surface.get());
  const cairo_status_t finished = cairo_surface_status(surface.get());
  if (drawn != CAIRO_STATUS_SUCCESS || finished != CAIRO_STATUS_SUCCESS) {
    return Internal(std::string("cairo: ") +
                    cairo_status_to_string(drawn != CAIRO_STATUS_SUCCESS ? drawn : finished));
  }
  if (view.document.empty()) return pdf;
  return AppendEmbeddedFile(pdf, {DocumentFileName(view), "application/json",
                                  "数据知识产权登记证书（签名文档） Signed certificate document " +
                                      view.certificate_number + ": dipr verify-certificate",
                                  view.document});
}

std::string DocumentFileName(const CertificateView& view) {
  return "certificate-" + view.certificate_number + ".json";
}

}  // namespace dipr::certificate
