#pragma once
// The documents suites' fixture: a certification authority in a fresh database (both engines), an
// NSS database trusting its root for pdfsig, and a sample document in Vietnamese.
#include <gtest/gtest.h>

#include "guichet/core/errors.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/run_command.hpp"
#include "support/test_database.hpp"

namespace guichet::documents {

using Ran = testing::CommandResult;
inline Ran run(const std::string& command) { return testing::run_command(command); }
using testing::read_file;
using testing::write_file;

inline DocumentSpec sample_document(const Instant now) {
  DocumentSpec spec;
  spec.lang = "vi";
  spec.issuer = "Autoridade Tributária e Aduaneira";
  spec.title = "Xác nhận lịch hẹn";
  spec.subject = "K7P-2QX";
  spec.created = now;
  spec.footer = "Kiểm tra tài liệu này tại http://localhost/verify";
  spec.blocks = {
      Facts{{{"Mã tham chiếu", "K7P-2QX"},
             {"Thời gian", "Thứ tư, 2 tháng 12, 2026, 09:15 (giờ Lisbon)"},
             {"Địa điểm", "Loja do Cidadão Laranjeiras, Rua Abílio Mendes, 1500-458 Lisboa"}}},
      Heading{"Dịch vụ"},
      Table{{"Giờ", "Dịch vụ", "Quầy"},
            {{"09:15–09:35", "Hộ chiếu điện tử — gia hạn", "G01"}, {"09:35–09:50", "Carte d’identité — œuvre", "G02"}}},
      Heading{"Giấy tờ cần mang theo"},
      Bullets{{"Thẻ căn cước công dân", "Ảnh chân dung mới (3×4)"}},
      QrCode{"http://localhost/bookings/K7P-2QX", "Quét mã này tại quầy để làm thủ tục."},
      Paragraph{std::string(40, 'x') + " Lorem ipsum dolor sit amet, consectetur adipiscing elit."},
  };
  return spec;
}

inline RenderOptions fonts() { return RenderOptions{std::string(GUICHET_TEST_WEB_ROOT) + "/fonts"}; }

class DocumentsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(database->db(), storage::builtin_migrations(), clock).ok());
    authority.emplace(database->db(), clock, key);
    auto initialised = authority->initialise("Guichet Test");
    ASSERT_TRUE(initialised) << initialised.error().message;
    auto root = authority->root();
    ASSERT_TRUE(root);
    write_file(dir.path() / "root.pem", root->certificate_pem);
    // An NSS database trusting Guichet's root for signatures, as a relying party would set it up.
    ASSERT_EQ(run("certutil -N --empty-password -d sql:" + dir.path().string()).status, 0);
    auto added = run("certutil -A -n guichet-root -t C,C,C -d sql:" + dir.path().string() + " -i " +
                     (dir.path() / "root.pem").string());
    ASSERT_EQ(added.status, 0) << added.output;
  }

  std::string sealed(std::string_view pdf, const std::string& administration = "at") {
    auto seal = authority->seal_of(administration, "Autoridade Tributária e Aduaneira");
    EXPECT_TRUE(seal) << (seal ? "" : seal.error().message);
    if (!seal) return {};
    auto signed_pdf = sign_pdf(pdf, *seal, {"Autoridade Tributária", "Confirmação", "Lisboa", clock.now()});
    EXPECT_TRUE(signed_pdf) << (signed_pdf ? "" : signed_pdf.error().message);
    return signed_pdf ? *signed_pdf : std::string();
  }

  Ran pdfsig(std::string_view pdf) {
    write_file(dir.path() / "checked.pdf", pdf);
    return run("pdfsig -nssdir sql:" + dir.path().string() + " " + (dir.path() / "checked.pdf").string());
  }

  FakeClock clock{std::chrono::sys_days(std::chrono::year{2026} / 12 / 2) + std::chrono::hours(9)};
  SecretKey key = SecretKey::from_base64(SecretKey::generate_base64()).value();
  std::unique_ptr<testing::TestDatabase> database;
  std::optional<CertificateAuthority> authority;
  testing::TempDir dir;
};

}  // namespace guichet::documents
