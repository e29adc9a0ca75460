import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGuichet, launchChromium, startSmtpSink, axeViolations } from "./support.mjs";

let guichet;
let browser;
let smtp;

before(async () => {
  smtp = await startSmtpSink();
  guichet = await startGuichet({
    extraArgs: ["--smtp-url", smtp.url, "--smtp-from", "Guichet <no-reply@guichet.test>", "--job-poll-ms", "100",
      "--public-url", "http://guichet.test"],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
  await smtp?.close();
});


test("register, confirm the address from the e-mail, sign in", async () => {
  const context = await browser.newContext({ locale: "fr-FR" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.click('a[href="/account/register"]');
  assert.equal((await page.textContent("h1")).trim(), "Créer un compte");
  assert.deepEqual(await axeViolations(page), []);

  await page.fill("#email", "camille@example.fr");
  await page.fill("#password", "bonjourlemonde");
  await page.click('button[type="submit"]');
  assert.match(await page.textContent(".usa-alert"), /mots ou de prénoms courants/);
  assert.deepEqual(await axeViolations(page), []);

  await page.fill("#password", "trois mots faciles à retenir");
  await page.click('button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account/register/sent");
  assert.deepEqual(await axeViolations(page), []);

  const mail = await smtp.nextText();
  assert.match(mail, /Bonjour/, "the e-mail is in the language of the registration");
  const link = mail.match(/http:\/\/guichet\.test(\/account\/verify\?token=[A-Za-z0-9_-]+)/);
  assert.ok(link, mail);
  await page.goto(guichet.url + link[1]);
  assert.equal((await page.textContent("h1")).trim(), "Confirmez votre adresse e-mail");
  assert.deepEqual(await axeViolations(page), []);
  await page.click('main button[type="submit"]');
  assert.equal((await page.textContent("h1")).trim(), "Votre adresse est confirmée");
  assert.deepEqual(await axeViolations(page), []);

  await page.click('main a[href="/account/sign-in"]');
  await page.fill("#email", "camille@example.fr");
  await page.fill("#password", "trois mots faciles à retenir");
  await page.click('button[type="submit"]');
  assert.equal((await page.textContent("h1")).trim(), "Mon compte");
  await context.close();
});

test("forgotten password: the e-mailed link sets a new one", async () => {
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.click('a[href="/account/forgot"]');
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#email", "camille@example.fr");
  await page.click('button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account/forgot/sent");

  const mail = await smtp.nextText();
  const link = mail.match(/http:\/\/guichet\.test(\/account\/reset\?token=[A-Za-z0-9_-]+)/);
  assert.ok(link, mail);
  await page.goto(guichet.url + link[1]);
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#password", "a completely new passphrase");
  await page.click('button[type="submit"]');
  assert.equal((await page.textContent("h1")).trim(), "Your password has been changed");
  assert.match(await smtp.nextText(), /has just been changed/);

  await page.click('main a[href="/account/sign-in"]');
  await page.fill("#email", "camille@example.fr");
  await page.fill("#password", "a completely new passphrase");
  await page.click('button[type="submit"]');
  assert.equal((await page.textContent("h1")).trim(), "My account");
  await context.close();
});

// Issue 14, problem 8: the sign-in and registration forms' mistakes in the GOV.UK pattern, in the
// page's language, never the browser's own bubbles (novalidate).
for (const width of [320, 390, 1280]) test(`sign-in and registration errors sit next to their fields, in the page's language (${width} px)`, async () => {
  const context = await browser.newContext({ locale: "fr-FR", viewport: { width, height: 800 } });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.click('main form button[type="submit"]');
  assert.match(await page.title(), /^Erreur : /);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains("guichet-error-summary")), true);
  assert.match(await page.textContent("#email-error"), /Indiquez votre adresse électronique/);
  assert.match(await page.textContent("#password-error"), /Indiquez votre mot de passe/);
  assert.equal(await page.getAttribute("#password", "aria-invalid"), "true");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "password", "the second link leads to the password");
  assert.deepEqual(await axeViolations(page), []);

  await page.goto(guichet.url + "/account/register");
  await page.fill("#email", "someone@example.org");
  await page.fill("#password", "short");
  await page.click('main form button[type="submit"]');
  assert.match(await page.title(), /^Erreur : /);
  assert.ok((await page.textContent("#password-error")).length > 10);
  assert.equal(await page.getAttribute("#password", "aria-invalid"), "true");
  assert.equal(await page.getAttribute("#email", "aria-invalid"), null, "the address was right");
  assert.equal(await page.inputValue("#email"), "someone@example.org");
  assert.deepEqual(await axeViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await context.close();
});
