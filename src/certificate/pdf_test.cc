// Checks the certificate PDF the way a reader and a phone see it: poppler (pdfinfo, pdftotext,
// pdffonts, pdftoppm) reads the file, zbarimg scans the QR code off the rendered page.
#include "certificate/pdf.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "certificate/pdf_file.h"

namespace dipr::certificate {
namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code;
  std::string out;
};

Output Sh(const std::string& cmd) {
  Output r{-1, ""};
  // stderr is left to the test's log: zbarimg and ImageMagick print harmless noise there.
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string NoSpace(std::string s) {
  std::erase_if(s, [](unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\f'; });
  return s;
}

CertificateView Sample() {
  CertificateView v;
  v.registration_number = "202633010000012X";
  v.certificate_number = "20261233010000007";
  v.data_name = "杭州城市交通出行数据集（2026 年第三季度）";
  v.holders = {{"浙江某数据有限公司", "enterprise", "91330100MA2XXXXX1Q", "CN", 2},
               {"Example Data GmbH", "enterprise", "HRB 123456", "DE", 1}};
  v.industry = "I 信息传输、软件和信息技术服务业";
  v.registered_on = "2026-12-21";
  v.valid_from = "2026-12-21";
  v.valid_until = "2029-12-20";
  v.registrar = "浙江省知识产权局 / Zhejiang IP Office";
  v.registrar_code = "3301";
  v.public_url = "https://ip.example.cn/dipr/r/202633010000012X";
  v.log_origin = "ip.example.cn/dipr";
  v.log_index = 48213;
  v.key_id = "ip.example.cn/dipr+6f1a2b3c";
  return v;
}

// The registry's limits: a 200-character Chinese name, 20 holders (here with long names and
// identifiers), and a long public URL.
CertificateView Crowded(size_t holders) {
  CertificateView v = Sample();
  const std::string chunk = "城市交通出行轨迹与公共交通刷卡记录融合数据集";  // 22 characters
  v.data_name.clear();
  for (int i = 0; i < 9; ++i) v.data_name += chunk;  // 198
  v.data_name += "完整";                             // 200
  v.holders.clear();
  for (size_t i = 0; i < holders; ++i) {
    if (i % 2 == 0) {
      v.holders.push_back({"浙江省杭州市某某数据科技股份有限公司第" + std::to_string(i) + "分公司",
                           "enterprise", "91330100MA2XXXX" + std::to_string(100 + i), "CN", i + 1});
    } else {
      v.holders.push_back(
          {"Very Long International Data Holding Company Number " + std::to_string(i) + " Limited",
           "institution", "GB-CHARITY-" + std::to_string(9000000 + i), "GB", 1});
    }
  }
  v.public_url =
      "https://registry.data-ip.zhejiang.example.gov.cn/dipr/public/registrations/"
      "202633010000012X/certificates/20261233010000007?lang=zh-CN&view=full&format=html";
  return v;
}

class CertificatePdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Output r = Sh("command -v pdfinfo pdftotext pdffonts pdftoppm zbarimg");
    // A missing tool fails, as a missing PostgreSQL does: a skip would pass unread in CI.
    if (r.exit_code != 0) {
      FAIL() << "needs poppler-utils and zbar-tools: run scripts/bootstrap.sh --test";
    }
    std::string tmpl = ::testing::TempDir() + "/certificate_pdf_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string Write(const std::string& pdf, const std::string& name) {
    std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path, std::ios::binary) << pdf;
    return path;
  }

  // The QR code as zbar reads it off a 150 dpi rendering of the page.
  std::string ScanQr(const std::string& pdf_path) {
    const std::string stem = pdf_path + "-page";
    Output r = Sh("pdftoppm -r 150 -png -singlefile '" + pdf_path + "' '" + stem + "'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = Sh("zbarimg --raw -q '" + stem + ".png'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }

  void ExpectOneA4Page(const std::string& path) {
    Output info = Sh("pdfinfo '" + path + "'");
    ASSERT_EQ(info.exit_code, 0) << info.out;
    EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(\nPages:\s+1\n)"))) << info.out;
    EXPECT_TRUE(
        std::regex_search(info.out, std::regex(R"(\nPage size:\s+595\.2\d* x 841\.89 pts \(A4\))")))
        << info.out;
  }

  // Every word lies inside the inner border (27 pt from each edge): nothing ran off the page.
  void ExpectTextInsideFrame(const std::string& path) {
    Output r = Sh("pdftotext -bbox '" + path + "' -");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    std::regex word(R"re(xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)")re");
    int words = 0;
    for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), word);
         it != std::sregex_iterator(); ++it, ++words) {
      const double x0 = std::stod((*it)[1]), y0 = std::stod((*it)[2]);
      const double x1 = std::stod((*it)[3]), y1 = std::stod((*it)[4]);
      EXPECT_GE(x0, 27);
      EXPECT_GE(y0, 27);
      EXPECT_LE(x1, 595.28 - 27);
      EXPECT_LE(y1, 841.89 - 27) << (*it)[0];
    }
    EXPECT_GT(words, 20);
  }

  std::string dir_;
};

TEST_F(CertificatePdfTest, OneA4PageWithTextFontsMetadataAndQr) {
  const CertificateView v = Sample();
  Result<std::string> pdf = RenderPdf(v);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ASSERT_EQ(pdf->substr(0, 5), "%PDF-");
  // About 1 MB with Cairo 1.16: it embeds all CFF subroutines of Noto Sans CJK when its
  // subroutine subsetter gives up (it does for this text). A guard against worse, not a goal.
  EXPECT_LT(pdf->size(), 1536u * 1024);
  const std::string path = Write(*pdf, "sample.pdf");

  ExpectOneA4Page(path);
  Output info = Sh("pdfinfo '" + path + "'");
  EXPECT_TRUE(std::regex_search(
      info.out, std::regex("(^|\n)Title:\\s+数据知识产权登记证书 20261233010000007\n")))
      << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(\nCreator:\s+dipr\n)"))) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(\nCreationDate:.* 2026 )"))) << info.out;

  Output text = Sh("pdftotext -layout '" + path + "' -");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  for (const std::string& want :
       {std::string("数据知识产权登记证书"),
        std::string("Data Intellectual Property Registration Certificate"),
        std::string("登记号"),
        std::string("Registration No."),
        std::string("证书编号"),
        std::string("Certificate No."),
        std::string("数据名称"),
        std::string("持有人"),
        std::string("Holders"),
        std::string("有效期"),
        std::string("Valid from"),
        std::string("登记机构"),
        v.registration_number,
        v.certificate_number,
        v.data_name,
        v.holders[0].name,
        v.holders[1].name,
        v.holders[0].id,
        std::string("Share 2/3"),
        std::string("Share 1/3"),
        v.industry,
        v.registered_on,
        v.valid_until,
        v.registrar,
        v.registrar_code,
        v.public_url,
        v.log_origin,
        std::string("48213"),
        v.key_id,
        std::string("dipr verify-certificate")}) {
    EXPECT_NE(text.out.find(want), std::string::npos) << "missing \"" << want << "\" in\n"
                                                      << text.out;
  }

  // The CJK font is embedded (a subset), so the page looks the same on a machine without it.
  Output fonts = Sh("pdffonts '" + path + "'");
  ASSERT_EQ(fonts.exit_code, 0) << fonts.out;
  EXPECT_TRUE(std::regex_search(fonts.out, std::regex(R"(NotoSansCJK\S*\s.*\byes\s+yes\b)")))
      << fonts.out;
  EXPECT_EQ(fonts.out.find(" no  "), std::string::npos) << "a font is not embedded:\n" << fonts.out;

  ExpectTextInsideFrame(path);
  EXPECT_EQ(ScanQr(path), v.public_url);
}

TEST_F(CertificatePdfTest, LongNameAndManyHoldersStayOnOnePage) {
  for (size_t holders : {10, 20}) {
    SCOPED_TRACE(std::to_string(holders) + " holders");
    const CertificateView v = Crowded(holders);
    Result<std::string> pdf = RenderPdf(v);
    ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
    const std::string path = Write(*pdf, "crowded" + std::to_string(holders) + ".pdf");
    ExpectOneA4Page(path);
    ExpectTextInsideFrame(path);

    // Wrapped lines split the name and holders' names; compare without the line breaks.
    Output text = Sh("pdftotext '" + path + "' -");
    ASSERT_EQ(text.exit_code, 0) << text.out;
    const std::string flat = NoSpace(text.out);
    EXPECT_NE(flat.find(NoSpace(v.data_name)), std::string::npos) << text.out;
    for (const Holder& h : v.holders) {
      EXPECT_NE(flat.find(NoSpace(h.name)), std::string::npos) << h.name << "\n" << text.out;
    }
    EXPECT_NE(flat.find(v.certificate_number), std::string::npos);
    EXPECT_NE(flat.find(v.valid_until), std::string::npos);
    EXPECT_EQ(ScanQr(path), v.public_url);
  }
}

TEST_F(CertificatePdfTest, LongestUrlStillScans) {
  CertificateView v = Sample();
  v.public_url = "https://ip.example.cn/dipr/r/202633010000012X?";
  while (v.public_url.size() < kMaxPublicUrlBytes) v.public_url += "p=x";
  v.public_url.resize(kMaxPublicUrlBytes);
  Result<std::string> pdf = RenderPdf(v);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string path = Write(*pdf, "longurl.pdf");
  ExpectOneA4Page(path);
  ExpectTextInsideFrame(path);
  EXPECT_EQ(ScanQr(path), v.public_url);
}

TEST_F(CertificatePdfTest, MarkupInFieldsIsText) {
  CertificateView v = Sample();
  v.data_name = "A<b>B</b> & <span size='99999'>C";
  Result<std::string> pdf = RenderPdf(v);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  Output text = Sh("pdftotext '" + Write(*pdf, "markup.pdf") + "' -");
  EXPECT_NE(text.out.find(v.data_name), std::string::npos) << text.out;
}

TEST_F(CertificatePdfTest, ConcurrentRendersAreValidAndIdentical) {
  constexpr int kThreads = 4, kPerThread = 3;
  std::vector<CertificateView> views;
  for (int t = 0; t < kThreads; ++t) {
    CertificateView v = t % 2 ? Crowded(10) : Sample();
    v.certificate_number = "2026123301000000" + std::to_string(t);
    v.public_url += "/" + std::to_string(t);
    views.push_back(v);
  }
  std::vector<std::vector<Result<std::string>>> out(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) out[t].push_back(RenderPdf(views[t]));
    });
  }
  for (auto& th : threads) th.join();

  for (int t = 0; t < kThreads; ++t) {
    SCOPED_TRACE("thread " + std::to_string(t));
    // Rendering is deterministic, so a race that corrupted a page shows as a byte difference.
    Result<std::string> alone = RenderPdf(views[t]);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    for (const Result<std::string>& pdf : out[t]) {
      ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
      EXPECT_TRUE(*pdf == *alone);
    }
    const std::string path = Write(*out[t][0], "thread" + std::to_string(t) + ".pdf");
    ExpectOneA4Page(path);
    Output text = Sh("pdftotext '" + path + "' -");
    EXPECT_NE(text.out.find(views[t].certificate_number), std::string::npos) << text.out;
    EXPECT_EQ(ScanQr(path), views[t].public_url);
  }
}

// A PDF of a revoked (cancelled, expired) registration looked like a good certificate: the
// status was nowhere on the page.
TEST_F(CertificatePdfTest, APdfOfARegistrationNotInForceSaysSoInBothLanguages) {
  const struct {
    const char* status;
    const char* zh;
    const char* en;
  } cases[] = {{"revoked", "已撤销", "REVOKED"},
               {"cancelled", "已注销", "CANCELLED"},
               {"expired", "已过期", "EXPIRED"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    CertificateView v = Sample();
    v.status = c.status;
    v.status_on = "2027-03-04";
    Result<std::string> pdf = RenderPdf(v);
    ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
    const std::string path = Write(*pdf, std::string(c.status) + ".pdf");
    ExpectOneA4Page(path);
    // -raw: pdftotext leaves out diagonal text (the stamp) in its default reading order.
    Output text = Sh("pdftotext -raw '" + path + "' -");
    ASSERT_EQ(text.exit_code, 0);
    // The stamp across the page and the status line: both words, and the date it took effect.
    const std::string flat = NoSpace(text.out);
    size_t zh = 0, en = 0;
    for (size_t at = 0; (at = flat.find(c.zh, at)) != std::string::npos; ++at) ++zh;
    for (size_t at = 0; (at = flat.find(c.en, at)) != std::string::npos; ++at) ++en;
    EXPECT_GE(zh, 2u) << text.out;
    EXPECT_GE(en, 2u) << text.out;
    EXPECT_NE(text.out.find("2027-03-04"), std::string::npos) << text.out;
    EXPECT_NE(flat.find("nolongerinforce"), std::string::npos) << text.out;
  }
  // A registration in force carries no stamp.
  Output text = Sh("pdftotext -raw '" + Write(*RenderPdf(Sample()), "ok.pdf") + "' -");
  for (const char* word : {"REVOKED", "CANCELLED", "EXPIRED", "已撤销", "no longer in force"}) {
    EXPECT_EQ(text.out.find(word), std::string::npos) << word;
  }
  EXPECT_NE(NoSpace(text.out).find("Thecurrentstatusisthepublicrecord's"), std::string::npos)
      << text.out;
}

// The page said "verifiable offline" and carried nothing to verify: now it embeds the signed
// document, and independent tools (poppler's pdfdetach, qpdf) find exactly those bytes in a
// PDF that still checks.
TEST_F(CertificatePdfTest, ThePdfEmbedsTheSignedDocumentForOtherToolsToo) {
  if (Sh("command -v pdfdetach qpdf").exit_code != 0) {
    FAIL() << "needs poppler-utils and qpdf: run scripts/bootstrap.sh --test";
  }
  CertificateView v = Sample();
  v.document = R"({"certificate":{"certificate_number":"20261233010000007"},"status":"revoked"})";
  v.deposits = {{7, std::string(64, 'a'), 65537}, {9, std::string(64, 'b'), 3}};
  v.status = "revoked";
  v.status_on = "2027-03-04";
  Result<std::string> pdf = RenderPdf(v);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  Result<std::string> again = RenderPdf(v);
  EXPECT_TRUE(again.ok() && *again == *pdf);  // still deterministic
  const std::string path = Write(*pdf, "embedded.pdf");
  ExpectOneA4Page(path);
  ExpectTextInsideFrame(path);
  EXPECT_EQ(ScanQr(path), v.public_url);

  auto files = ReadEmbeddedFiles(*pdf);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].name, "certificate-20261233010000007.json");
  EXPECT_EQ((*files)[0].mime, "application/json");
  EXPECT_EQ((*files)[0].data, v.document);
  EXPECT_NE((*files)[0].description.find("签名文档"), std::string::npos);

  Output list = Sh("pdfdetach -list '" + path + "'");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("1 embedded files"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("certificate-20261233010000007.json"), std::string::npos) << list.out;
  const std::string saved = path + ".json";
  ASSERT_EQ(Sh("pdfdetach -save 1 -o '" + saved + "' '" + path + "'").exit_code, 0);
  std::ifstream in(saved, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), v.document);
  Output check = Sh("qpdf --check '" + path + "' 2>&1");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("No syntax or stream encoding errors"), std::string::npos) << check.out;

  Output text = Sh("pdftotext '" + path + "' -");
  EXPECT_NE(text.out.find(std::string(64, 'a')), std::string::npos) << text.out;  // deposits
  EXPECT_NE(text.out.find("65,537"), std::string::npos) << text.out;
  EXPECT_NE(NoSpace(text.out).find("diprverify-certificatethis.pdf"), std::string::npos)
      << text.out;
}

// Needs no external tools: the reader of embedded files against what a hostile PDF can hold. Each
// must be an InvalidArgument with one line, in bounded time and memory; none may crash.
TEST(EmbeddedFilesTest, AHostilePdfIsAnErrorNotACrash) {
  CertificateView v = Sample();
  v.document = "{\"certificate\":{}}";
  Result<std::string> good = RenderPdf(v);
  ASSERT_TRUE(good.ok());
  auto expect_error = [](const std::string& pdf, const std::string& what) {
    auto r = ReadEmbeddedFiles(pdf);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << what;
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << r.status().message();
  };
  expect_error("%PDF-1.5\n", "no startxref");
  expect_error("not a pdf", "no header");
  expect_error("%PDF-1.5\nstartxref\n999999\n%%EOF\n", "xref beyond the end");
  expect_error("%PDF-1.5\nxref\n0 99999999\ntrailer\n<<>>\nstartxref\n9\n%%EOF\n", "huge xref");
  expect_error("%PDF-1.5\nxref\n0 0\ntrailer\n<< /Prev 9 >>\nstartxref\n9\n%%EOF\n",
               "a /Prev loop");
  expect_error(
      "%PDF-1.5\n1 0 obj\n<< /Type /XRef >>\nstream\n\nendstream\nendobj\nstartxref\n9\n"
      "%%EOF\n",
      "an xref stream");
  {
    std::string deep = "%PDF-1.5\n1 0 obj\n" + std::string(100000, '[') + "\nendobj\n";
    const size_t xref = deep.size();
    deep += "xref\n1 1\n0000000009 00000 n \ntrailer\n<< /Root 1 0 R >>\nstartxref\n" +
            std::to_string(xref) + "\n%%EOF\n";
    expect_error(deep, "deep nesting");
  }
  // A name tree whose kid is itself; a file whose specification is not there; a stream whose
  // /Length runs past the end; a filtered (compressed) file.
  auto mini = [](const std::vector<std::string>& bodies) {
    std::string pdf = "%PDF-1.5\n";
    std::vector<size_t> at;
    for (size_t i = 0; i < bodies.size(); ++i) {
      at.push_back(pdf.size());
      pdf += std::to_string(i + 1) + " 0 obj\n" + bodies[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(bodies.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t a : at) pdf += fmt::format("{:010d} 00000 n \n", a);
    return pdf + "trailer\n<< /Size " + std::to_string(bodies.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  };
  const std::string catalog = "<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>";
  expect_error(mini({catalog, "<< /Kids [ 2 0 R ] >>"}), "a cycle");
  expect_error(mini({catalog, "<< /Names [ (a) 3 0 R ] >>"}), "a missing object");
  const std::string spec = "<< /Type /Filespec /F (a) /EF << /F 4 0 R >> >>";
  expect_error(mini({catalog, "<< /Names [ (a) 3 0 R ] >>", spec,
                     "<< /Length 999999 >>\nstream\nabc\nendstream"}),
               "a long /Length");
  expect_error(mini({catalog, "<< /Names [ (a) 3 0 R ] >>", spec,
                     "<< /Length 3 /Filter /FlateDecode >>\nstream\nabc\nendstream"}),
               "a filter");
  auto fine = ReadEmbeddedFiles(mini(
      {catalog, "<< /Names [ (a) 3 0 R ] >>", spec, "<< /Length 3 >>\nstream\nabc\nendstream"}));
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  ASSERT_EQ(fine->size(), 1u);
  EXPECT_EQ((*fine)[0].data, "abc");
  EXPECT_EQ((*fine)[0].name, "a");
  // Every truncation and many single-byte changes of a real one: errors or (where the change
  // does not matter) the same file, never a crash. The last 4 kB hold the update and its xref.
  const std::string& pdf = *good;
  for (size_t cut = pdf.size() - 4096; cut < pdf.size(); cut += 7) {
    auto r = ReadEmbeddedFiles(std::string_view(pdf).substr(0, cut));
    if (r.ok()) {
      EXPECT_LE(r->size(), 1u);
    }
  }
  std::mt19937 rng(9);
  for (int i = 0; i < 3000; ++i) {
    std::string bad = pdf;
    const size_t at = bad.size() - 1 - rng() % 4096;
    bad[at] = static_cast<char>(rng());
    auto r = ReadEmbeddedFiles(bad);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    }
  }
}

// Found by fuzz/pdf_file (fuzz/corpus/pdf_file/size-below-objects.pdf): the writer numbered its
// objects from a trailer /Size of 1 in a PDF with objects 1 to 3, so the update redefined the
// catalog as the embedded file and the reader found nothing. It must refuse such a PDF.
TEST(EmbeddedFilesTest, AppendRefusesATrailerSizeBelowItsObjects) {
  auto pdf = [](int size) {
    std::string p = "%PDF-1.7\n";
    std::vector<size_t> at;
    for (const char* body :
         {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}) {
      at.push_back(p.size());
      p += std::to_string(at.size()) + " 0 obj\n" + body + "\nendobj\n";
    }
    const size_t xref = p.size();
    p += "xref\n0 3\n0000000000 65535 f \n";
    for (size_t a : at) p += fmt::format("{:010d} 00000 n \n", a);
    return p + "trailer\n<< /Size " + std::to_string(size) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
  };
  const EmbeddedFile file{"certificate.json", "application/json", "", "{}"};
  for (int size : {1, 2}) {
    auto r = AppendEmbeddedFile(pdf(size), file);
    ASSERT_FALSE(r.ok()) << "/Size " << size;
    EXPECT_EQ(r.status().code(), Code::kInternal);
  }
  auto ok = AppendEmbeddedFile(pdf(3), file);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto back = ReadEmbeddedFiles(*ok);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].data, "{}");
}

// Needs no external tools: these are the view's own checks.
TEST(CertificateViewTest, RejectsMalformedViews) {
  auto rejects = [](auto edit, const std::string& field) {
    CertificateView v = Sample();
    edit(v);
    Result<std::string> pdf = RenderPdf(v);
    ASSERT_FALSE(pdf.ok()) << field;
    EXPECT_EQ(pdf.status().code(), Code::kInvalidArgument) << field;
    EXPECT_NE(pdf.status().message().find(field), std::string::npos) << pdf.status().message();
  };
  rejects([](CertificateView& v) { v.certificate_number = "2026123301000000"; },
          "certificate_number");
  rejects([](CertificateView& v) { v.registration_number = "202633010000012?"; },
          "registration_number");
  rejects([](CertificateView& v) { v.registrar_code = "33a1"; }, "registrar_code");
  rejects([](CertificateView& v) { v.valid_until = "2029/12/20"; }, "valid_until");
  rejects([](CertificateView& v) { v.holders.clear(); }, "holders");
  rejects([](CertificateView& v) { v.holders[1].type = "company"; }, "holders[1].type");
  rejects([](CertificateView& v) { v.holders[0].share = 0; }, "holders[0].share");
  rejects([](CertificateView& v) { v.holders[1].share = ~uint64_t{0}; }, "shares");
  rejects([](CertificateView& v) { v.data_name = "bad \xff utf-8"; }, "data_name");
  rejects([](CertificateView& v) { v.data_name = Crowded(1).data_name + "一"; }, "data_name");
  rejects([](CertificateView& v) { v.data_name = std::string("cut\0off", 7); }, "data_name");
  rejects([](CertificateView& v) { v.holders[1].name = "A\x01B"; }, "holders[1].name");
  rejects([](CertificateView& v) { v.holders[0].country.clear(); }, "holders[0].country");
  rejects([](CertificateView& v) { v.public_url.assign(kMaxPublicUrlBytes + 1, 'a'); },
          "public_url");
  rejects([](CertificateView& v) { v.key_id.clear(); }, "key_id");
  rejects([](CertificateView& v) { v.status = "suspended"; }, "status");
  rejects([](CertificateView& v) { v.status = "revoked"; }, "status_on");
  rejects([](CertificateView& v) { v.deposits = {{1, "ABC", 1}}; }, "deposits[0].digest");
}

TEST(CertificateViewTest, TooManyHoldersForOnePageIsAnError) {
  Result<std::string> pdf = RenderPdf(Crowded(200));
  ASSERT_FALSE(pdf.ok());
  EXPECT_EQ(pdf.status().code(), Code::kInvalidArgument);
  EXPECT_NE(pdf.status().message().find("one page"), std::string::npos);
}

// A server without fonts-noto-cjk must refuse rather than print boxes or a substitute typeface.
// In a fresh process ("threadsafe" re-executes the binary), since fontconfig reads its
// configuration once.
TEST(CertificateFontsDeathTest, MissingCjkFontsAreUnavailable) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string conf = ::testing::TempDir() + "/certificate_pdf_test_no_fonts.conf";
  std::ofstream(conf) << "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n";
  EXPECT_EXIT(
      {
        ::setenv("FONTCONFIG_FILE", conf.c_str(), 1);
        Result<std::string> pdf = RenderPdf(Sample());
        std::fprintf(stderr, "%s\n", pdf.status().ToString().c_str());
        std::exit(pdf.status().code() == Code::kUnavailable ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "unavailable: fonts");
  std::remove(conf.c_str());
}

TEST(CertificateViewTest, Deterministic) {
  Result<std::string> a = RenderPdf(Sample());
  Result<std::string> b = RenderPdf(Sample());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
}

}  // namespace
}  // namespace dipr::certificate
