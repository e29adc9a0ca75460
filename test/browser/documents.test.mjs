// Sealed documents in a real browser: a person downloads the sealed and time-stamped (PAdES B-T)
// confirmation of a booking
// from its page, then anyone checks that file on /verify (with and without JavaScript, at 320 px
// and on a desktop), and a changed copy is shown as invalid; a person signs that PDF themselves
// with a code from their authenticator app and checks their signature the same way. Every page
// checked with axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { startGuichet, launchChromium, axeViolations, totp, freePort } from "./support.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, process.env.BUILD ?? "build", "guichet");
const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const rui = { email: "rui@example.org", password: "another long unguessable passphrase" };
const work = mkdtempSync(join(tmpdir(), "guichet-documents-"));
const keyFile = join(work, "secrets.key");
let guichet;
let browser;
let reference;
let nss; // an NSS database trusting Guichet's root, for pdfsig

before(async () => {
  writeFileSync(keyFile, execFileSync(binary, ["admin", "keys", "new-kek"]));
  // A fixed port, so the certificates name the OCSP responder pdfsig will ask.
  guichet = await startGuichet({
    port: await freePort(),
    users: [ana, rui],
    admin: [
      ["demo-data"],
      ["admin", "pki", "init", "--organisation", "Guichet Test", "--secrets-key-file", keyFile],
      ["admin", "tokens", "issue", "--user", ana.email, "--scope", "appointments"],
    ],
    extraArgs: ["--secrets-key-file", keyFile, "--tsa-url", "local"],
  });
  // A booking made through the API, as a relying party's site would.
  const token = guichet.adminOutput[2].trim();
  const headers = { Authorization: `Bearer ${token}` };
  const from = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const free = await (await fetch(`${guichet.url}/api/v1/availability?services=1&shop=1&from=${from}`, { headers })).json();
  const visit = free.visits[0];
  const booked = await fetch(`${guichet.url}/api/v1/bookings`, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ shop: visit.shop, start: visit.start, services: [1] }),
  });
  assert.equal(booked.status, 201);
  reference = (await booked.json()).reference;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});

test("download the sealed confirmation, then check it on /verify", async () => {
  const context = await browser.newContext({ locale: "pt-PT", acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('main button[type="submit"]');
  await page.goto(`${guichet.url}/bookings/${reference}`);
  const link = page.locator(`a[href="/bookings/${reference}/confirmation.pdf"]`);
  assert.match(await link.textContent(), /PDF selado/);
  assert.deepEqual(await axeViolations(page), []);
  const response = await page.request.get(`${guichet.url}/bookings/${reference}/confirmation.pdf`);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()["content-type"], "application/pdf");
  const pdf = await response.body();
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
  const file = join(work, `${reference}.pdf`);
  writeFileSync(file, pdf);
  // poppler's pdfsig, trusting Guichet's root, checks the seal's status online with the OCSP
  // responder the certificate names.
  nss = mkdtempSync(join(tmpdir(), "guichet-nss-"));
  writeFileSync(join(nss, "root.pem"), await (await fetch(`${guichet.url}/pki/root.pem`)).text());
  execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${nss}`]);
  execFileSync("certutil", ["-A", "-n", "guichet-root", "-t", "C,C,C", "-d", `sql:${nss}`, "-i", join(nss, "root.pem")]);
  const checked = execFileSync("pdfsig", ["-nssdir", `sql:${nss}`, file]).toString();
  assert.match(checked, /Signature is Valid/);
  assert.match(checked, /Certificate is Trusted/, checked);

  await page.goto(guichet.url + "/verify");
  assert.deepEqual(await axeViolations(page), []);
  await page.setInputFiles("#document", file);
  await page.click('main form[action="/verify"] button[type="submit"]');
  const main = await page.textContent("main");
  assert.match(main, /Assinatura válida/);
  assert.match(main, /TOTAL_PASSED/);
  // Sealed at level B-T: the time-stamp of Guichet's own authority is shown as the proven time.
  assert.match(main, /Carimbo temporal \(prova da hora\)\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2} UTC/);
  assert.match(main, new RegExp(`${reference}\\.pdf`));
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(work, "verify-pt-desktop.png"), fullPage: true });

  // A copy with one byte changed is shown as changed after signing.
  const changed = Buffer.from(pdf);
  changed[changed.indexOf("/Title") + 8] ^= 1;
  const changedFile = join(work, "changed.pdf");
  writeFileSync(changedFile, changed);
  await page.setInputFiles("#document", changedFile);
  await page.click('main form[action="/verify"] button[type="submit"]');
  assert.match(await page.textContent("main"), /Assinatura inválida/);
  assert.match(await page.textContent("main"), /HASH_FAILURE/);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test("/verify works without JavaScript, and its error is next to the field", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/verify");
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  await page.setInputFiles("#document", join(work, `${reference}.pdf`));
  await page.click('main form[action="/verify"] button[type="submit"]');
  assert.match(await page.textContent("main"), /Chữ ký hợp lệ/);
  const notPdf = join(work, "note.pdf");
  writeFileSync(notPdf, "just some text, not a PDF");
  await page.setInputFiles("#document", notPdf);
  await page.click('main form[action="/verify"] button[type="submit"]');
  assert.equal(await page.getAttribute("#document", "aria-invalid"), "true");
  assert.match(await page.textContent("#document-error"), /Tệp không phải là PDF/);
  await context.close();
});

test("the report fits a 320 px screen, error and all", async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 700 }, locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/verify");
  await page.setInputFiles("#document", join(work, `${reference}.pdf`));
  await page.click('main form[action="/verify"] button[type="submit"]');
  assert.match(await page.textContent("main"), /Chữ ký hợp lệ/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the report scrolls sideways by ${overflow}px`);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(work, "verify-vi-320.png"), fullPage: true });
  writeFileSync(join(work, "note.pdf"), "just some text, not a PDF");
  await page.setInputFiles("#document", join(work, "note.pdf"));
  await page.click('main form[action="/verify"] button[type="submit"]');
  assert.match(await page.textContent("#document-error"), /Tệp không phải là PDF/);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(work, "verify-vi-320-error.png"), fullPage: true });
  await context.close();
  if (process.env.GUICHET_SCREENSHOTS) {
    for (const name of ["verify-pt-desktop.png", "verify-vi-320.png", "verify-vi-320-error.png"]) {
      writeFileSync(join(process.env.GUICHET_SCREENSHOTS, name), readFileSync(join(work, name)));
    }
  }
});

test("a person signs a PDF with their second factor, downloads it and verifies it", async () => {
  const context = await browser.newContext({ locale: "fr-FR", viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", rui.email);
  await page.fill("#password", rui.password);
  await page.click('main button[type="submit"]');
  await page.goto(guichet.url + "/account/sign");
  assert.match(await page.textContent("main"), /Un second facteur est nécessaire pour signer/);
  assert.equal(await page.locator("#document").count(), 0, "no upload without a second factor");
  assert.deepEqual(await axeViolations(page), []);
  await page.click('main a[href="/account/second-factor"]');
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", totp(secret));
  await page.click('form[action="/account/second-factor/confirm"] button[type="submit"]');

  await page.goto(guichet.url + "/account/sign");
  assert.match(await page.textContent("main"), /20\.0 MiB/);
  assert.deepEqual(await axeViolations(page), []);
  const original = join(work, `${reference}.pdf`);
  await page.setInputFiles("#document", original);
  await page.click('main form[action="/account/sign"] button[type="submit"]');
  const sha256 = createHash("sha256").update(readFileSync(original)).digest("hex");
  assert.equal((await page.textContent("#document-sha256")).trim(), sha256, "the person sees what they sign");
  assert.deepEqual(await axeViolations(page), []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the confirmation scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(work, "sign-fr-320.png"), fullPage: true });

  await page.fill("#code", "000000");
  await page.click('main form[action^="/account/sign/"] button[type="submit"]');
  assert.equal(await page.getAttribute("#code", "aria-invalid"), "true");
  assert.ok((await page.textContent("#code-error")).length > 0);
  assert.deepEqual(await axeViolations(page), []);
  // The next step's code: the enrolment spent this one.
  await page.fill("#code", totp(secret, Date.now() + 30_000));
  await page.click('main form[action^="/account/sign/"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account/signatures");
  assert.match(await page.textContent("main"), /Le document est signé/);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(work, "signatures-fr-320.png"), fullPage: true });
  const href = await page.getAttribute('.usa-alert a[href$="/signed.pdf"]', "href");
  const response = await page.request.get(guichet.url + href);
  assert.equal(response.status(), 200);
  const signed = await response.body();
  assert.ok(signed.subarray(0, readFileSync(original).length).equals(readFileSync(original)), "the seal stays intact");
  const signedFile = join(work, "signed-by-rui.pdf");
  writeFileSync(signedFile, signed);

  await page.goto(guichet.url + "/verify");
  await page.setInputFiles("#document", signedFile);
  await page.click('main form[action="/verify"] button[type="submit"]');
  const report = await page.textContent("main");
  assert.equal((report.match(/Signature valide/g) ?? []).length, 2, "the administration's seal and the person's signature");
  assert.match(report, /GU-[0-9A-F]{20}/, "signed under the person's pseudonym");
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
  if (process.env.GUICHET_SCREENSHOTS) {
    for (const name of ["sign-fr-320.png", "signatures-fr-320.png"]) {
      writeFileSync(join(process.env.GUICHET_SCREENSHOTS, name), readFileSync(join(work, name)));
    }
  }
});

// Last, since it revokes the seal the other tests use.
test("pdfsig learns from Guichet's OCSP responder that a revoked seal is revoked", async () => {
  const seal = execFileSync(binary, ["admin", "pki", "list", "--db", guichet.db])
    .toString()
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .find((c) => c.role === "seal" && !c.revoked_at);
  execFileSync(binary, ["admin", "pki", "revoke", "--serial", seal.serial, "--reason", "keyCompromise", "--db", guichet.db]);
  let checked = "";
  try {
    checked = execFileSync("pdfsig", ["-nssdir", `sql:${nss}`, join(work, `${reference}.pdf`)]).toString();
  } catch (failed) {
    checked = failed.stdout.toString();
  }
  assert.match(checked, /Signature is Valid/);
  assert.match(checked, /Certificate has been Revoked/, checked);
});
