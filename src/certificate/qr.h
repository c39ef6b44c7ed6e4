// QR codes for certificates: libqrencode for the symbol, Cairo rectangles to draw it, so the code
// stays vector (sharp at any print resolution) and needs no image in the PDF.
#pragma once

#include <cairo.h>

#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dipr::certificate {

// A QR symbol's modules, row-major; true is dark. Immutable value.
class QrMatrix {
 public:
  // Error correction M (15% of the symbol may be damaged: a fold, a stamp, a stain), byte mode,
  // the smallest version that holds text. InvalidArgument if text is empty or too long for QR.
  static Result<QrMatrix> Encode(std::string_view text);

  int size() const { return size_; }  // modules per side, without the quiet zone
  bool dark(int x, int y) const { return modules_[static_cast<size_t>(y) * size_ + x]; }

 private:
  QrMatrix(int size, std::vector<bool> modules) : size_(size), modules_(std::move(modules)) {}

  int size_;
  std::vector<bool> modules_;
};

// The quiet zone scanners need around the symbol, in modules (ISO/IEC 18004).
inline constexpr int kQrQuietZone = 4;

// Draws qr in the square (x, y, side x side) of cr's user space, the quiet zone included (painted
// white, so a tinted background cannot eat into it). Dark modules are one path of rectangles, one
// per horizontal run, filled once, so no hairline seams appear between modules.
void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double side);

}  // namespace dipr::certificate
