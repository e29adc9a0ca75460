// A repeated group in a real browser: a company's beneficial owners declared on a phone without
// JavaScript, in French — one owner, "save and add another", a second owner with a wrong date
// shown next to its field with the owner's name, one removed — and the page checked with axe with
// JavaScript; nothing scrolls sideways at 320 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startGuichet, launchChromium, axeViolations, signIn as signInAs } from "./support.mjs";

const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
let guichet;
let browser;

before(async () => {
  guichet = await startGuichet({ users: [ana], admin: [["demo-data"]] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});

async function signIn(page) {
  await signInAs(page, guichet.url, ana);
}

async function fitsTheScreen(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
}

// Fills one owner; ids are the item field's path ("owners.0.given_name"), so they are escaped.
async function fillOwner(page, index, owner) {
  const id = (name) => `[id="owners.${index}.${name}"]`;
  await page.fill(id("given_name"), owner.given);
  await page.fill(id("family_name"), owner.family);
  await page.fill(id("birthdate-day"), owner.day);
  await page.fill(id("birthdate-month"), owner.month);
  await page.fill(id("birthdate-year"), owner.year);
  await page.fill(id("nif"), "123456789");
  await page.click(`label[for="owners.${index}.control-${owner.control}"]`);
}

test("beneficial owners added and removed one by one without JavaScript", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "fr-FR", viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(guichet.url + "/procedures/beneficial-owner-declaration");
  await page.click('main form[action="/procedures/beneficial-owner-declaration/start"] button');
  const reference = new URL(page.url()).pathname.split("/")[2];
  await page.fill("#company_name", "Padaria Central, Lda");
  await page.fill("#company_number", "501234560");
  await page.click('.guichet-actions button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${reference}/pages/owner`);
  assert.match(await page.textContent("main"), /Bénéficiaire 1/);
  await fitsTheScreen(page);

  await fillOwner(page, 0, { given: "Ana", family: "Silva", day: "7", month: "3", year: "1990", control: "shares" });
  await page.click('button[value="add:owners"]');
  assert.equal(new URL(page.url()).hash, "#owners-item-1");
  assert.match(await page.textContent("main"), /Bénéficiaire 2/);
  assert.equal(await page.locator('button[value="remove:owners.0"]').count(), 1);

  // A second owner born in the future: the error names the owner, next to the date.
  await fillOwner(page, 1, { given: "Rui", family: "Costa", day: "1", month: "1", year: "2090", control: "votes" });
  await page.click('.guichet-actions button[value="continue"]');
  const summary = await page.textContent(".usa-alert--error");
  assert.match(summary, /Bénéficiaire 2 – « Date de naissance »/, summary);
  assert.equal(await page.inputValue('[id="owners.1.given_name"]'), "Rui");
  await page.screenshot({ path: join(process.env.GUICHET_SCREENSHOTS ?? "/tmp", "procedure-fr-group-error-320.png"), fullPage: true });
  await fitsTheScreen(page);
  await page.fill('[id="owners.1.birthdate-year"]', "1980");
  await page.click('button[value="add:owners"]');
  assert.equal(await page.locator('button[value="remove:owners.1"]').count(), 1);

  // Ana is not an owner after all: removed, Rui stays as owner 1.
  await page.click('button[value="remove:owners.0"]');
  assert.equal(await page.inputValue('[id="owners.0.given_name"]'), "Rui");
  assert.equal(await page.locator('button[value="remove:owners.1"]').count(), 0);
  await page.click('.guichet-actions button[value="continue"]');
  assert.equal(new URL(page.url()).pathname, `/cases/${reference}/pages/contact`);
  await page.click('.guichet-actions button[value="continue"]');
  const check = await page.textContent("main");
  assert.match(check, /Bénéficiaire 1/);
  assert.match(check, /Prénoms : Rui/);
  assert.doesNotMatch(check, /Ana\b.*Silva/);
  await fitsTheScreen(page);
  await context.close();

  // The group's page with JavaScript: axe finds nothing, with an error shown too.
  const desktop = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page2 = await desktop.newPage();
  await signIn(page2);
  await page2.goto(`${guichet.url}/cases/${reference}/pages/owner`);
  assert.deepEqual(await axeViolations(page2), []);
  await page2.fill('[id="owners.1.nif"]', "123");
  await page2.click('.guichet-actions button[value="continue"]');
  assert.match(await page2.textContent(".usa-alert--error"), /Owner 2/);
  assert.deepEqual(await axeViolations(page2), []);
  await page2.screenshot({ path: join(process.env.GUICHET_SCREENSHOTS ?? "/tmp", "procedure-en-group-desktop.png"), fullPage: true });
  await desktop.close();
});
