#include "certificate/qr.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace dipr::certificate {

namespace {

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

Result<QrMatrix> QrMatrix::Encode(std::string_view text) {
  if (text.empty()) return InvalidArgument("QR text is empty");
  // encodeData rather than encodeString: the text need not be NUL-terminated, and byte mode is
  // exactly what a URL is to a scanner.
  errno = 0;
  std::unique_ptr<QRcode, QrFree> q(QRcode_encodeData(
      static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()),
      /*version=*/0, QR_ECLEVEL_M));
  if (!q) {
    if (errno == ERANGE) return InvalidArgument("QR text too long for a QR code");
    if (errno == ENOMEM) return Internal("QR encoding: out of memory");
    return InvalidArgument("QR encoding failed");
  }
  const int n = q->width;
  std::vector<bool> modules(static_cast<size_t>(n) * n);
  // libqrencode puts the module colour in bit 0; the other bits say what the module is for.
  for (size_t i = 0; i < modules.size(); ++i) modules[i] = q->data[i] & 1;
  return QrMatrix(n, std::move(modules));
}

void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double side) {
  const int n = qr.size();
  const double m = side / (n + 2 * kQrQuietZone);
  cairo_save(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x, y, side, side);
  cairo_fill(cr);

  const double ox = x + kQrQuietZone * m;
  const double oy = y + kQrQuietZone * m;
  cairo_new_path(cr);
  for (int row = 0; row < n; ++row) {
    int col = 0;
    while (col < n) {
      if (!qr.dark(col, row)) {
        ++col;
        continue;
      }
      int end = col;
      while (end < n && qr.dark(end, row)) ++end;
      cairo_rectangle(cr, ox + col * m, oy + row * m, (end - col) * m, m);
      col = end;
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  // Adjacent rows' rectangles share edges; nonzero winding with same-direction rectangles fills
  // them as one shape.
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
  cairo_fill(cr);
  cairo_restore(cr);
}

}  // namespace dipr::certificate
