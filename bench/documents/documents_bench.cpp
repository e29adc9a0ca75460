// Documents, measured against their own floor in the same run: laying out a one-page booking
// confirmation, sealing it, signing a PDF of about 1 MB (PAdES B-B, and B-T with Guichet's own
// time-stamping authority in process) and verifying both, beside the
// cryptography no signer can skip (SHA-256 of the same megabyte and one ECDSA P-256 signature).
// Latency percentiles over many runs, on one thread. Results go to docs/PERFORMANCE.md.
//
//   build/bench/documents_bench [runs]
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "guichet/core/secrets.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/timestamp.hpp"
#include "guichet/documents/verify.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::documents {
namespace {

using Clock = std::chrono::steady_clock;

struct Percentiles {
  double p50 = 0, p95 = 0, max = 0;
};

Percentiles measure(int runs, const std::function<void()>& work) {
  work();  // warm: fonts, caches
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    work();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  return {at(0.50), at(0.95), ms.back()};
}

void row(const char* name, const Percentiles& p) {
  std::printf("| %-46s | %8.2f | %8.2f | %8.2f |\n", name, p.p50, p.p95, p.max);
}

DocumentSpec confirmation(Instant now) {
  DocumentSpec spec;
  spec.lang = "pt";
  spec.issuer = "Instituto dos Registos e do Notariado";
  spec.title = "Confirmação de marcação";
  spec.subject = "K7P-2QX";
  spec.created = now;
  spec.footer = "Instituto dos Registos e do Notariado · Referência K7P-2QX";
  spec.blocks = {Facts{{{"Referência", "K7P-2QX"},
                        {"Estado", "Confirmada"},
                        {"Quando", "2026-12-07 09:15–09:50 (Europe/Lisbon)"},
                        {"Onde", "Loja do Cidadão Laranjeiras\nRua Abranches Ferrão 10, Lisboa"}}},
                 Heading{"Serviços"},
                 Table{{"Hora", "Serviço", "Balcão"},
                       {{"09:15–09:35", "Renovação do cartão de cidadão", "g01"},
                        {"09:35–09:50", "Certificado de registo criminal", "g03"}}},
                 Heading{"Documentos a levar"},
                 Bullets{{"Documento de identificação", "Número de contribuinte"}},
                 QrCode{"https://guichet.example/bookings/K7P-2QX", "Mostre este código na receção."},
                 Paragraph{"Selado eletronicamente pelo Instituto dos Registos e do Notariado."}};
  return spec;
}

int run(int runs) {
  const auto dir = std::filesystem::temp_directory_path() / ("guichet-documents-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto db = storage::open_database("sqlite:" + (dir / "bench.db").string()).value();
  (void)storage::apply_migrations(*db, storage::builtin_migrations(), clock);
  CertificateAuthority authority(*db, clock, SecretKey::from_base64(SecretKey::generate_base64()).value());
  (void)authority.initialise("Guichet Bench");
  const SigningIdentity seal = authority.seal_of("irn", "Instituto dos Registos e do Notariado").value();
  const TrustSettings trust = authority.trust_settings().value();
  const RenderOptions fonts{GUICHET_BENCH_FONTS};
  const SignatureDetails details{"IRN", "Confirmação", "Lisboa", clock.now()};

  const DocumentSpec one_page = confirmation(clock.now());
  // About 1 MB: the confirmation followed by a long table, as a procedure's file would be.
  DocumentSpec large = confirmation(clock.now());
  Table table{{"#", "Serviço", "Observações"}, {}};
  for (int i = 0; i < 10500; ++i) {
    table.rows.push_back({std::to_string(i), "Renovação do cartão de cidadão " + std::to_string(i * 7919 % 100003),
                          "Pedido n.º " + std::to_string(i * 104729 % 1000003) + " — Lisboa, Porto, Hà Nội"});
  }
  large.blocks.push_back(table);
  const std::string large_pdf = render_pdf(large, fonts).value();
  const std::string sealed_one = sign_pdf(render_pdf(one_page, fonts).value(), seal, details).value();
  const std::string sealed_large = sign_pdf(large_pdf, seal, details).value();

  // The floor: SHA-256 over the same bytes and one ECDSA P-256 signature with the seal's key.
  BIO* bio = BIO_new_mem_buf(seal.private_key_pem.data(), static_cast<int>(seal.private_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  auto floor = [&] {
    unsigned char digest[32];
    unsigned int length = 0;
    EVP_Digest(large_pdf.data(), large_pdf.size(), digest, &length, EVP_sha256(), nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned char signature[128];
    std::size_t signature_length = sizeof signature;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, signature, &signature_length, digest, length);
    EVP_MD_CTX_free(ctx);
  };

  std::printf("documents_bench: %d runs each, one thread; the large PDF is %.2f MB (%zu bytes)\n\n", runs,
              static_cast<double>(large_pdf.size()) / 1e6, large_pdf.size());
  std::printf("| %-46s | %8s | %8s | %8s |\n", "step (ms)", "p50", "p95", "max");
  std::printf("| %-46s | %8s | %8s | %8s |\n", "---", "---:", "---:", "---:");
  const Percentiles render = measure(runs, [&] { (void)render_pdf(one_page, fonts); });
  row("lay out the one-page confirmation", render);
  const Percentiles seal_one = measure(runs, [&] {
    auto pdf = render_pdf(one_page, fonts);
    (void)sign_pdf(*pdf, seal, details);
  });
  row("lay out and seal it (B-B)", seal_one);
  const Percentiles sign_large = measure(runs, [&] { (void)sign_pdf(large_pdf, seal, details); });
  row("sign the ~1 MB PDF (B-B)", sign_large);
  TimeStampAuthority tsa(authority, clock);
  const TimeStamper stamper = tsa.stamper();
  const Percentiles sign_large_bt = measure(runs, [&] { (void)sign_pdf(large_pdf, seal, details, {}, stamper); });
  row("sign the ~1 MB PDF (B-T, Guichet's own TSA)", sign_large_bt);
  const Percentiles reference = measure(runs, floor);
  row("reference: SHA-256 of 1 MB + one ECDSA signature", reference);
  const Percentiles verify_one = measure(runs, [&] { (void)verify_pdf(sealed_one, trust); });
  row("verify the sealed confirmation", verify_one);
  const Percentiles verify_large = measure(runs, [&] { (void)verify_pdf(sealed_large, trust); });
  row("verify the signed ~1 MB PDF", verify_large);
  std::printf("\nsigning 1 MB / its cryptographic floor (p50): %.1fx\n", sign_large.p50 / reference.p50);
  std::printf("verifications per second on one core (confirmation, p50): %.0f\n", 1000.0 / verify_one.p50);
  EVP_PKEY_free(key);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace guichet::documents

int main(int argc, char** argv) { return guichet::documents::run(argc > 1 ? std::atoi(argv[1]) : 100); }
