// A tacit approval, reached by the clock: Ana submits her change of address (10 days, silence
// means approval) through the API, nobody at the registry decides, and the node restarted eleven
// days later (`serve --clock-offset-days 11`, the fake clock of a rehearsal) lets its job worker
// apply the deadline. Ana then reads on her case, in French on a phone without JavaScript, that
// it was accepted by silence, and downloads the decision sealed by the administration (pdfsig);
// the size of her household, a fact given with the case, waits among her documents.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startGuichet, launchChromium, axeViolations, signIn as signInAs, pdfsigReport } from "./support.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, process.env.BUILD ?? "build", "guichet");
const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const work = mkdtempSync(join(tmpdir(), "guichet-deadline-"));
const keyFile = join(work, "secrets.key");
let guichet;
let browser;
let firstDir;

before(async () => {
  writeFileSync(keyFile, execFileSync(binary, ["admin", "keys", "new-kek"]));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
  if (firstDir) rmSync(firstDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function signIn(page) {
  await signInAs(page, guichet.url, ana);
}

async function api(method, path, token, body) {
  const response = await fetch(guichet.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

test("silence at the deadline is an approval the person reads and downloads, sealed", async () => {
  guichet = await startGuichet({
    users: [ana],
    admin: [
      ["demo-data"],
      ["admin", "pki", "init", "--organisation", "Guichet Test", "--secrets-key-file", keyFile],
      ["admin", "tokens", "issue", "--user", ana.email, "--scope", "procedures"],
    ],
    extraArgs: ["--secrets-key-file", keyFile],
  });
  const token = guichet.adminOutput[2].trim();
  const created = await api("POST", "/api/v1/cases", token, { service: "address-change" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const reference = created.body.reference;
  const answered = await api("PATCH", `/api/v1/cases/${reference}`, token, {
    answers: {
      given_name: "Ana", family_name: "Silva", birthdate: "1990-03-07", nif: "123456789",
      address: { street: "Rua Abílio Mendes 1", postcode: "1500-458", city: "Lisboa" },
      moved_on: "2026-11-01", household: 2, new_card: false, email: ana.email,
    },
  });
  assert.equal(answered.status, 200, JSON.stringify(answered.body));
  const submitted = await api("POST", `/api/v1/cases/${reference}/submit`, token);
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  assert.equal(submitted.body.status, "submitted");

  // Eleven days later, on the same database: the worker finds the deadline due.
  const db = guichet.db;
  firstDir = guichet.dir;
  await guichet.stop({ keep: true });
  guichet = await startGuichet({ db, extraArgs: ["--secrets-key-file", keyFile, "--clock-offset-days", "11"] });

  const context = await browser.newContext({ locale: "fr-FR", javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await signIn(page);
  let decided = false;
  for (let i = 0; i < 60 && !decided; i++) {
    await page.goto(`${guichet.url}/cases/${reference}`);
    decided = (await page.locator("#decision-link").count()) > 0;
    if (!decided) await page.waitForTimeout(250);
  }
  assert.ok(decided, "the tacit decision is sealed and offered");
  const main = await page.textContent("main");
  assert.match(await page.textContent("#case-status"), /Accepté/, main);
  assert.match(main, /le silence vaut acceptation/, main);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
  await page.screenshot({ path: join(process.env.GUICHET_SCREENSHOTS ?? work, "case-fr-tacit-320.png"), fullPage: true });
  // The household's size she gave is kept among her documents, for the next form that asks.
  await page.goto(`${guichet.url}/account/documents`);
  const facts = await page.textContent("main");
  assert.match(facts, /Ce que vous nous avez déjà dit/);
  assert.match(facts, /Personnes dans votre foyer/);
  assert.match(facts, new RegExp(reference));
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the documents page scrolls sideways by ${wide} px`);
  await page.screenshot({ path: join(process.env.GUICHET_SCREENSHOTS ?? work, "documents-fr-facts-320.png"), fullPage: true });
  await context.close();

  // The same page with JavaScript, checked with axe; the decision downloaded from there.
  const desktop = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page2 = await desktop.newPage();
  await signIn(page2);
  await page2.goto(`${guichet.url}/account/documents`);
  assert.deepEqual(await axeViolations(page2), []);
  await page2.goto(`${guichet.url}/cases/${reference}`);
  assert.deepEqual(await axeViolations(page2), []);
  const href = await page2.getAttribute("#decision-link", "href");
  const response = await page2.request.get(guichet.url + href);
  assert.equal(response.status(), 200);
  const file = join(work, "decision.pdf");
  writeFileSync(file, await response.body());
  const checked = await pdfsigReport(file, guichet.url);
  assert.match(checked, /Signature is Valid/, checked);
  const text = execFileSync("pdftotext", [file, "-"]).toString();
  assert.match(text, new RegExp(reference));
  await desktop.close();
});
