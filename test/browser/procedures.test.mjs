// An online procedure in a real browser: a person starts the change of address on a phone
// without JavaScript, in French, meets an error shown next to its field, saves and comes back
// later on a desktop browser with JavaScript, checks the answers and submits; the sealed receipt
// the job makes is valid for pdfsig. Every page checked with axe; nothing scrolls sideways at 320 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startGuichet, launchChromium, axeViolations } from "./support.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, process.env.BUILD ?? "build", "guichet");
const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const work = mkdtempSync(join(tmpdir(), "guichet-procedures-"));
const keyFile = join(work, "secrets.key");
let guichet;
let browser;
let reference;

before(async () => {
  writeFileSync(keyFile, execFileSync(binary, ["admin", "keys", "new-kek"]));
  guichet = await startGuichet({
    users: [ana],
    admin: [["demo-data"], ["admin", "pki", "init", "--organisation", "Guichet Test", "--secrets-key-file", keyFile]],
    extraArgs: ["--secrets-key-file", keyFile],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});

async function signIn(page) {
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('main button[type="submit"]');
}

async function fitsTheScreen(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
}

test("start on a phone without JavaScript, meet an error, save for later", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "fr-FR", viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(guichet.url + "/procedures");
  await page.click('a[href="/procedures/address-change"]');
  assert.match(await page.textContent("main"), /Changement d'adresse/);
  await fitsTheScreen(page);
  await page.click('main form[action="/procedures/address-change/start"] button');
  reference = new URL(page.url()).pathname.split("/")[2];
  assert.match(reference, /^PRC-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

  await page.fill("#given_name", "Ana");
  await page.fill("#family_name", "Silva");
  await page.fill("#birthdate-day", "7");
  await page.fill("#birthdate-month", "3");
  await page.fill("#birthdate-year", "1990");
  await page.fill("#nif", "123456788");
  await page.click('button[value="continue"]');
  // The page comes back with the problem in the summary and next to the field, the answer kept.
  assert.match(await page.title(), /^Erreur :/);
  assert.equal(await page.getAttribute("#nif", "aria-invalid"), "true");
  assert.match(await page.textContent("#nif-error"), /numéro d'identification valide/);
  assert.equal(await page.inputValue("#nif"), "123456788");
  await fitsTheScreen(page);
  await page.screenshot({ path: join(work, "procedure-fr-320-error.png"), fullPage: true });
  await page.fill("#nif", "123 456 789");
  await page.click('button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${reference}/pages/new_address`);
  await page.fill("#address-street", "Rua Abílio Mendes 1");
  await page.fill("#address-postcode", "1500458");
  await page.fill("#address-city", "Lisboa");
  await page.click('button[value="later"]');
  assert.equal(new URL(page.url()).pathname, "/account/cases");
  assert.match(await page.textContent("main"), new RegExp(reference));
  await fitsTheScreen(page);
  await context.close();

  // The same pages, with the same error, checked by axe (which needs JavaScript to run).
  const checked = await browser.newContext({ locale: "fr-FR", viewport: { width: 320, height: 800 } });
  const axePage = await checked.newPage();
  await signIn(axePage);
  for (const path of ["/procedures", "/procedures/address-change", "/account/cases", `/cases/${reference}`]) {
    await axePage.goto(guichet.url + path);
    assert.deepEqual(await axeViolations(axePage), [], path);
    await fitsTheScreen(axePage);
  }
  await axePage.goto(`${guichet.url}/cases/${reference}/pages/you`);
  await axePage.fill("#nif", "123456788");
  await axePage.click('button[value="continue"]');
  assert.equal(await axePage.getAttribute("#nif", "aria-invalid"), "true");
  assert.deepEqual(await axeViolations(axePage), []);
  await axePage.fill("#nif", "123456789");
  await axePage.click('button[value="continue"]');
  await checked.close();
});

test("resume on a desktop browser, check the answers, submit and get the sealed receipt", async () => {
  const context = await browser.newContext({ locale: "pt-PT", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(guichet.url + "/account/cases");
  await page.click(`a[href="/cases/${reference}"]`);
  assert.match(await page.textContent("#case-status"), /Rascunho/);
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(`${guichet.url}/cases/${reference}/pages/new_address`);
  assert.equal(await page.inputValue("#address-postcode"), "1500-458");
  await page.fill("#moved_on-day", "1");
  await page.fill("#moved_on-month", "11");
  await page.fill("#moved_on-year", "2026");
  await page.fill("#household", "2");
  await page.click('button[value="continue"]');
  await page.click(`label[for="new_card-yes"]`);
  await page.click('button[value="continue"]');
  assert.deepEqual(await axeViolations(page), []);
  await page.click(`label[for="delivery-post"]`);
  await page.click('button[value="continue"]');
  // The account's address is filled in already and marked as coming from it.
  assert.equal(await page.inputValue("#email"), ana.email);
  assert.match(await page.textContent("main"), /Da sua conta/);
  await page.click('button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${reference}/check`);
  const check = await page.textContent("main");
  assert.match(check, /7 de março de 1990/);
  assert.match(check, /Por correio, na nova morada/);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(work, "procedure-pt-check.png"), fullPage: true });
  await page.click(`main form[action="/cases/${reference}/submit"] button`);
  assert.match(await page.textContent("main"), /Pedido submetido/);
  assert.deepEqual(await axeViolations(page), []);

  // The worker seals the receipt shortly after.
  let link = 0;
  for (let i = 0; i < 40 && link === 0; i++) {
    await page.waitForTimeout(250);
    await page.reload();
    link = await page.locator("#receipt-link").count();
  }
  assert.equal(link, 1, "the receipt is ready");
  const response = await page.request.get(`${guichet.url}/cases/${reference}/receipt.pdf`);
  assert.equal(response.status(), 200);
  const file = join(work, "receipt.pdf");
  writeFileSync(file, await response.body());
  const nss = mkdtempSync(join(tmpdir(), "guichet-nss-"));
  writeFileSync(join(nss, "root.pem"), await (await fetch(`${guichet.url}/pki/root.pem`)).text());
  execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${nss}`]);
  execFileSync("certutil", ["-A", "-n", "guichet-root", "-t", "C,C,C", "-d", `sql:${nss}`, "-i", join(nss, "root.pem")]);
  const checked = execFileSync("pdfsig", ["-nssdir", `sql:${nss}`, "-nocert", file]).toString();
  assert.match(checked, /Signature is Valid/, checked);
  const text = execFileSync("pdftotext", [file, "-"]).toString();
  assert.match(text, new RegExp(reference));
  assert.match(text, /Rua Abílio Mendes 1/);
  await page.screenshot({ path: join(work, "case-pt-desktop.png"), fullPage: true });
  await context.close();

  if (process.env.GUICHET_SCREENSHOTS) {
    for (const name of ["procedure-fr-320-error.png", "procedure-pt-check.png", "case-pt-desktop.png", "receipt.pdf"]) {
      writeFileSync(join(process.env.GUICHET_SCREENSHOTS, name), readFileSync(join(work, name)));
    }
  }
});
