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
import { startGuichet, launchChromium, axeViolations, signIn as signInAs, pdfsigReport } from "./support.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, process.env.BUILD ?? "build", "guichet");
const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const rui = { email: "rui@example.org", password: "another long unguessable passphrase" };
const ines = { email: "ines@example.org", password: "a third long unguessable passphrase" };
const work = mkdtempSync(join(tmpdir(), "guichet-procedures-"));
const keyFile = join(work, "secrets.key");
let guichet;
let browser;
let reference;

before(async () => {
  writeFileSync(keyFile, execFileSync(binary, ["admin", "keys", "new-kek"]));
  guichet = await startGuichet({
    users: [ana, rui, ines],
    admin: [
      ["demo-data"],
      ["admin", "pki", "init", "--organisation", "Guichet Test", "--secrets-key-file", keyFile],
      ["admin", "users", "grant", "--email", rui.email, "--role", "agent", "--administration", "irn"],
      ["admin", "users", "grant", "--email", ines.email, "--role", "administration_admin", "--administration", "irn"],
    ],
    extraArgs: ["--secrets-key-file", keyFile],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});

async function signIn(page, who = ana) {
  await signInAs(page, guichet.url, who);
}

async function fitsTheScreen(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = overflow <= 0 ? [] : await page.evaluate(() =>
    [...document.querySelectorAll("main *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`));
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px: ${wide.join(", ")}`);
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
  const checked = await pdfsigReport(file, guichet.url);
  assert.match(checked, /Signature is Valid/, checked);
  const text = execFileSync("pdftotext", [file, "-"]).toString();
  assert.match(text, new RegExp(reference));
  assert.match(text, /Rua Abílio Mendes 1/);
  await page.screenshot({ path: join(work, "case-pt-desktop.png"), fullPage: true });
  await context.close();

});

async function reloadUntil(page, selector) {
  for (let i = 0; i < 40; i++) {
    if ((await page.locator(selector).count()) > 0) return true;
    await page.waitForTimeout(250);
    await page.reload();
  }
  return false;
}

test("an agent asks for more, the person answers, the agent accepts and the person gets the sealed decision", async () => {
  const agentContext = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const agent = await agentContext.newPage();
  await signIn(agent, rui);
  await agent.goto(guichet.url + "/agent/cases");
  assert.deepEqual(await axeViolations(agent), []);
  await agent.click(`a[href="/agent/cases/${reference}"]`);
  await agent.click("#take");
  assert.match(await agent.textContent("#agent-case-status"), /Under review/);
  assert.deepEqual(await axeViolations(agent), []);
  await agent.fill("#message", "Please give the exact date you moved in.");
  await agent.click('label[for="reopen-moved_on"]');
  await agent.click("#send-request");
  assert.match(await agent.textContent("#agent-case-status"), /Waiting for you|Waiting/);

  // The person, on a phone, answers the reopened question only.
  const personContext = await browser.newContext({ locale: "pt-PT", viewport: { width: 320, height: 800 } });
  const person = await personContext.newPage();
  await signIn(person);
  await person.goto(`${guichet.url}/cases/${reference}`);
  assert.match(await person.textContent("#case-request"), /precisa de mais informação/);
  assert.match(await person.textContent("main"), /exact date you moved in/);
  assert.deepEqual(await axeViolations(person), []);
  await fitsTheScreen(person);
  await person.click("#case-request a");
  assert.equal(await person.locator("input#household").count(), 0, "questions not reopened are shown as text");
  await person.fill("#moved_on-day", "15");
  await person.click('button[value="continue"]');
  await person.click("#respond");
  assert.match(await person.textContent("#case-status"), /Em análise/);

  await agent.reload();
  await agent.click('label[for="decision-accept"]');
  await agent.fill("#reasons", "The new address is recorded; your card follows by post.");
  await agent.click("#decide");
  assert.match(await agent.textContent("#agent-case-status"), /Accepted/);
  await agent.screenshot({ path: join(work, "agent-case-en-desktop.png"), fullPage: true });

  await person.goto(`${guichet.url}/cases/${reference}`);
  assert.ok(await reloadUntil(person, "#decision-link"), "the sealed decision is ready");
  assert.deepEqual(await axeViolations(person), []);
  await person.screenshot({ path: join(work, "case-pt-320-decided.png"), fullPage: true });
  const response = await person.request.get(`${guichet.url}/cases/${reference}/decision.pdf`);
  assert.equal(response.status(), 200);
  const file = join(work, "decision.pdf");
  writeFileSync(file, await response.body());
  assert.match(execFileSync("pdfsig", ["-nocert", file]).toString(), /Signature is Valid/);
  assert.match(execFileSync("pdftotext", [file, "-"]).toString(), /O seu pedido foi deferido/);
  await agentContext.close();
  await personContext.close();

  if (process.env.GUICHET_SCREENSHOTS) {
    for (const name of ["procedure-fr-320-error.png", "procedure-pt-check.png", "case-pt-desktop.png", "receipt.pdf",
      "agent-case-en-desktop.png", "case-pt-320-decided.png", "decision.pdf"]) {
      writeFileSync(join(process.env.GUICHET_SCREENSHOTS, name), readFileSync(join(work, name)));
    }
  }
});

test("an administrator sees the figures, and a definition that does not pass is shown with its problems", async () => {
  const context = await browser.newContext({ locale: "vi-VN", viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await signIn(page, ines);
  await page.goto(guichet.url + "/admin/procedures");
  assert.deepEqual(await axeViolations(page), []);
  await fitsTheScreen(page);
  assert.match(await page.textContent("main"), /Thay đổi địa chỉ/);
  await page.click('a[href="/admin/procedures/address-change"]');
  const text = await page.inputValue("#definition");
  await page.fill("#definition", text.replace('"processing_days": 10', '"processing_days": -1'));
  await page.click("#publish");
  assert.equal(await page.getAttribute("#definition", "aria-invalid"), "true");
  assert.match(await page.textContent("main"), /processing_days phải từ 0 đến 3650/);
  assert.deepEqual(await axeViolations(page), []);
  await fitsTheScreen(page);
  await page.screenshot({ path: join(work, "admin-procedure-vi-320.png"), fullPage: true });
  // The agents' pages on a phone too.
  await page.goto(guichet.url + "/agent/cases?status=accepted");
  assert.deepEqual(await axeViolations(page), []);
  await fitsTheScreen(page);
  await page.click(`a[href="/agent/cases/${reference}"]`);
  assert.deepEqual(await axeViolations(page), []);
  await fitsTheScreen(page);
  await page.screenshot({ path: join(work, "agent-case-vi-320.png"), fullPage: true });
  if (process.env.GUICHET_SCREENSHOTS) {
    for (const name of ["admin-procedure-vi-320.png", "agent-case-vi-320.png"]) {
      writeFileSync(join(process.env.GUICHET_SCREENSHOTS, name), readFileSync(join(work, name)));
    }
  }
  await context.close();
});

test("a fee is paid with the test provider: a failed payment keeps the answers, a paid one submits", async () => {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(guichet.url + "/procedures/resident-parking");
  assert.match(await page.textContent("main"), /€12\.00/);
  await page.click('main form[action="/procedures/resident-parking/start"] button');
  const parking = new URL(page.url()).pathname.split("/")[2];
  await page.fill("#given_name", "Ana");
  await page.fill("#family_name", "Silva");
  await page.fill("#nif", "123456789");
  await page.fill("#address-street", "Rua Abílio Mendes 1");
  await page.fill("#address-postcode", "1500-458");
  await page.fill("#address-city", "Lisboa");
  await page.click('button[value="continue"]');
  await page.fill("#plate", "AA-00-AA");
  await page.click('label[for="owner-me"]');
  await page.click('button[value="continue"]');
  await page.click('button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${parking}/check`);
  assert.match(await page.textContent("#submit"), /Pay €12\.00 and submit/);
  await page.click("#submit");
  assert.match(new URL(page.url()).pathname, /^\/pay\/test\//);
  assert.match(await page.textContent("#pay-amount"), /€12\.00/);
  assert.deepEqual(await axeViolations(page), []);
  await fitsTheScreen(page);
  await page.click("#pay-fail");
  assert.match(await page.textContent("#payment-problem"), /refused and nothing was charged/);
  assert.deepEqual(await axeViolations(page), []);
  await page.click("#submit");
  await page.click("#pay");
  assert.match(await page.textContent("main"), /Application submitted/);
  assert.ok(await reloadUntil(page, "#receipt-link"), "the receipt is ready");
  const response = await page.request.get(`${guichet.url}/cases/${parking}/receipt.pdf`);
  const file = join(work, "parking-receipt.pdf");
  writeFileSync(file, await response.body());
  assert.match(execFileSync("pdftotext", [file, "-"]).toString(), /Fee paid\s+€12\.00/);
  await context.close();
});

test("a document given once is attached in one click, a wrong file is refused next to its question, and an administrator exports the cases", async () => {
  const pdf = join(work, "atestado.pdf");
  writeFileSync(pdf, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  const text = join(work, "notas.txt");
  writeFileSync(text, "just some notes, not a certificate\n");
  // Without JavaScript, on a phone, in Portuguese: the vault, then the form.
  const phone = await browser.newContext({ javaScriptEnabled: false, locale: "pt-PT", viewport: { width: 320, height: 800 } });
  const page = await phone.newPage();
  await signIn(page);
  await page.goto(guichet.url + "/account");
  await page.click('a[href="/account/documents"]');
  await page.selectOption("#document-kind", "medical_certificate");
  await page.fill("#document-issuer", "Dr.ª Sousa");
  await page.fill("#document-expires", "31/12/2027");
  await page.setInputFiles("#document-file", text);
  await page.click('main form[action="/account/documents"] button[type="submit"]');
  assert.match(await page.textContent("#document-file-error"), /PDF, JPEG ou PNG/);
  assert.equal(await page.inputValue("#document-issuer"), "Dr.ª Sousa", "what was typed is kept");
  await page.setInputFiles("#document-file", pdf);
  await page.click('main form[action="/account/documents"] button[type="submit"]');
  assert.match(await page.textContent("main"), /atestado\.pdf/);
  assert.match(await page.textContent("main"), /Atestado médico/);
  await fitsTheScreen(page);

  await page.goto(guichet.url + "/procedures/driving-licence-renewal");
  await page.click('main form[action="/procedures/driving-licence-renewal/start"] button');
  const renewal = new URL(page.url()).pathname.split("/")[2];
  await page.fill("#given_name", "Ana");
  await page.fill("#family_name", "Silva");
  await page.fill("#birthdate-day", "7");
  await page.fill("#birthdate-month", "3");
  await page.fill("#birthdate-year", "1990");
  await page.fill("#nif", "123456789");
  await page.click('button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${renewal}/pages/licence`);
  await page.fill("#licence_number", "L-1234567 8");
  await page.click('label[for="categories-b"]');
  // A new file the question refuses: the problem next to it, the other answers kept.
  await page.click('label[for="medical_certificate-new"]');
  await page.setInputFiles("#medical_certificate-upload", text);
  await page.click('button[value="continue"]');
  assert.match(await page.textContent("#medical_certificate-error"), /atestado médico/i);
  assert.equal(await page.inputValue("#licence_number"), "L-1234567 8");
  await fitsTheScreen(page);
  // The certificate from the vault, in one click.
  const offered = await page.getAttribute('input[id^="medical_certificate-doc-"]', "id");
  await page.click(`label[for="${offered}"]`);
  await page.click('button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${renewal}/pages/delivery`);
  await page.goto(guichet.url + `/cases/${renewal}/check`);
  assert.match(await page.textContent("main"), /atestado\.pdf/);
  await phone.close();

  // The same pages with JavaScript, checked with axe at 320 px.
  const desktop = await browser.newContext({ locale: "pt-PT", viewport: { width: 320, height: 800 } });
  const checked = await desktop.newPage();
  await signIn(checked);
  for (const path of ["/account/documents", `/cases/${renewal}/pages/licence`]) {
    await checked.goto(guichet.url + path);
    assert.deepEqual(await axeViolations(checked), [], path);
    await fitsTheScreen(checked);
  }
  await checked.screenshot({ path: join(work, "file-question-pt-320.png"), fullPage: true });
  await desktop.close();

  // An administrator of the IRN exports the change-of-address cases as CSV.
  const office = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
  const admin = await office.newPage();
  await signIn(admin, ines);
  await admin.goto(guichet.url + "/admin/procedures/address-change");
  await admin.click('label[for="format-csv"]');
  await admin.click("#export-start");
  assert.ok(await reloadUntil(admin, "#export-download"), "the export is made by the job worker");
  assert.deepEqual(await axeViolations(admin), []);
  const href = await admin.getAttribute("#export-download", "href");
  const csv = await (await admin.request.get(guichet.url + href)).text();
  assert.match(csv, /^\uFEFFreference,status,version,submitted_at/);
  assert.ok(csv.includes(reference), "the submitted case is in the export");
  await office.close();
  if (process.env.GUICHET_SCREENSHOTS) {
    writeFileSync(join(process.env.GUICHET_SCREENSHOTS, "file-question-pt-320.png"), readFileSync(join(work, "file-question-pt-320.png")));
  }
});
