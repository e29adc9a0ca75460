// The newer account pages in a real browser, each checked with axe: organisations and their
// members, connected services, the e-mail change, and the identity verifier's page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGuichet, launchChromium, axeViolations, totp } from "./support.mjs";

let guichet;
let browser;
const ana = { email: "ana@example.org", password: "correct horse battery" };
const joao = { email: "joao@loja.pt", password: "agent passphrase long" };
const chief = { email: "chief@guichet.example", password: "a long passphrase for admin" };

before(async () => {
  guichet = await startGuichet({
    users: [ana, joao, chief],
    admin: [
      ["admin", "users", "grant", "--email", joao.email, "--role", "identity_verifier"],
      ["admin", "users", "grant", "--email", chief.email, "--role", "platform_admin"],
    ],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});

async function signIn(page, who) {
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", who.email);
  await page.fill("#password", who.password);
  await page.click('button[type="submit"]');
}

test("declare an organisation, add a member, act for it; every page accessible", async () => {
  const context = await browser.newContext({ locale: "fr-FR" });
  const page = await context.newPage();
  await signIn(page, ana);
  await page.goto(guichet.url + "/account/organisations");
  assert.deepEqual(await axeViolations(page), []);
  await page.selectOption("#org-country", "FR");
  await page.fill("#org-number", "732 829 321");
  await page.fill("#org-name", "Boulangerie Ana");
  await page.click('form[action="/account/organisations"] button[type="submit"]');
  assert.match(await page.textContent(".usa-alert"), /SIREN valide/);
  assert.equal(await page.inputValue("#org-name"), "Boulangerie Ana", "what was typed is kept");
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#org-number", "732 829 320");
  await page.click('form[action="/account/organisations"] button[type="submit"]');
  assert.match(new URL(page.url()).pathname, /^\/account\/organisations\/\d+$/);
  await page.fill("#member-email", joao.email);
  await page.selectOption("#member-role", "staff");
  await page.click('form[action$="/members"] button[type="submit"]');
  assert.match(await page.textContent("main"), /joao@loja\.pt/);
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(guichet.url + "/account/organisations");
  await page.click('form[action="/account/acting-as"] input[value]:not([value="self"]) ~ button');
  assert.match(await page.textContent("header"), /au nom de/);
  assert.deepEqual(await axeViolations(page), []);

  await page.goto(guichet.url + "/account/connected-services");
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(guichet.url + "/account");
  // A wrong password: the summary links to the field, which says why (GOV.UK pattern).
  await page.fill("#new_email", "ana@nouveau.fr");
  await page.fill("#email_password", "not her password");
  await page.click('form[action="/account/email"] button[type="submit"]');
  assert.match(await page.title(), /^Erreur/);
  await page.click('.guichet-error-summary a[href="#email_password"]');
  assert.equal(await page.evaluate(() => document.activeElement.id), "email_password");
  assert.equal(await page.getAttribute("#email_password", "aria-invalid"), "true");
  assert.ok((await page.textContent("#email_password-error")).trim().length > 10);
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#new_email", "ana@nouveau.fr");
  await page.fill("#email_password", ana.password);
  await page.click('form[action="/account/email"] button[type="submit"]');
  assert.match(await page.textContent("h1"), /nouvelle messagerie/);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test("an identity verifier checks a document and raises the level", async () => {
  const context = await browser.newContext({ locale: "pt-PT" });
  const page = await context.newPage();
  await signIn(page, joao);
  await page.goto(guichet.url + "/agent/identity");
  assert.equal(new URL(page.url()).pathname, "/account/second-factor", "a verifier needs a second factor");
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", totp(secret));
  await page.click('form[action="/account/second-factor/confirm"] button[type="submit"]');
  await page.click('a[href="/agent/identity"]');
  assert.equal(new URL(page.url()).pathname, "/agent/identity", "back where the verifier was going");
  await page.goto(guichet.url + "/agent/identity?email=ana%40example.org");
  assert.deepEqual(await axeViolations(page), []);
  await page.click('label[for="type-card"]');
  await page.fill("#document_country", "pt");
  await page.fill("#document_number", "12345678ZZ4");
  await page.fill("#given_name", "Ana Maria");
  await page.fill("#family_name", "Silva");
  await page.fill("#birthdate", "1990-02-30");
  await page.fill("#birthplace", "Lisboa");
  await page.click('label[for="gender-female"]');
  await page.fill("#place", "Loja do Cidadão Laranjeiras");
  await page.click('label[for="confirm"]');
  await page.click('form[action="/agent/identity"][method="post"] button[type="submit"]');
  assert.match(await page.textContent(".usa-alert"), /AAAA-MM-DD/);
  assert.deepEqual(await axeViolations(page), [], "the form with its error is accessible");
  assert.equal(await page.inputValue("#document_number"), "", "the document number is never echoed back");
  await page.fill("#document_number", "12345678ZZ4");
  await page.fill("#birthdate", "1990-02-28");
  await page.click('label[for="confirm"]');
  await page.click('form[action="/agent/identity"][method="post"] button[type="submit"]');
  assert.match(await page.textContent("h1"), /Identidade verificada/);
  await context.close();
});

test("a platform administrator grants a role on the admin page", async () => {
  const context = await browser.newContext({ locale: "vi-VN" });
  const page = await context.newPage();
  await signIn(page, chief);
  await page.goto(guichet.url + "/admin/roles");
  assert.equal(new URL(page.url()).pathname, "/account/second-factor", "administrators need a second factor");
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", totp(secret));
  await page.click('form[action="/account/second-factor/confirm"] button[type="submit"]');
  await page.click('a[href="/admin/roles"]');
  assert.match(await page.textContent("main"), /joao@loja\.pt/);
  assert.deepEqual(await axeViolations(page), []);
  // Someone without an account: said at the address, linked from the summary.
  await page.fill("#grant-email", "nobody@example.org");
  await page.click('form[action="/admin/roles"] button[type="submit"]');
  assert.equal(await page.getAttribute("#grant-email", "aria-invalid"), "true");
  assert.ok((await page.textContent("#grant-email-error")).trim().length > 5);
  assert.equal(await page.locator('.guichet-error-summary a[href="#grant-email"]').count(), 1);
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#grant-email", ana.email);
  await page.selectOption("#grant-role", "agent");
  await page.fill("#grant-administration", "seguranca-social");
  await page.click('form[action="/admin/roles"] button[type="submit"]');
  assert.match(await page.textContent(".usa-alert"), /Đã cấp vai trò/);
  assert.match(await page.textContent("main"), /seguranca-social/);
  assert.deepEqual(await axeViolations(page), []);

  // The catalogue page: import a file through the browser's file input.
  await page.goto(guichet.url + "/admin/catalogue");
  assert.deepEqual(await axeViolations(page), []);
  const names = { fr: "Câmara", pt: "Câmara", vi: "Câmara", en: "Câmara" };
  await page.setInputFiles("#catalogue-file", {
    name: "catalogue.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify({ administrations: [{ code: "cm-lisboa", names }], services: [], shops: [] })),
  });
  await page.click('form[action="/admin/catalogue/import"] button[type="submit"]');
  assert.match(await page.textContent('[role="status"]'), /1 \/ 0 \/ 0/);
  assert.deepEqual(await axeViolations(page), []);

  // Where agents work: the page linked from the roles page.
  await page.goto(guichet.url + "/admin/roles");
  await page.click('a[href="/admin/agent-shops"]');
  assert.equal(new URL(page.url()).pathname, "/admin/agent-shops");
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});
