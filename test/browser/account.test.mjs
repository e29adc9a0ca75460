import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGuichet, launchChromium, axeViolations } from "./support.mjs";

let guichet;
let browser;
const ana = { email: "ana@example.org", password: "correct horse battery" };

before(async () => {
  guichet = await startGuichet({ users: [ana] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});


test("sign in from the header, see the account page, sign out; every page accessible", async () => {
  const context = await browser.newContext({ locale: "pt-PT" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/");
  await page.click('a[href="/account/sign-in"]');
  assert.equal((await page.textContent("h1")).trim(), "Entrar no Guichet");
  assert.deepEqual(await axeViolations(page), []);

  await page.fill("#email", ana.email);
  await page.fill("#password", "wrong password here");
  await page.click('button[type="submit"]');
  assert.match(await page.textContent(".usa-alert"), /palavra-passe estão errados/);
  assert.equal(await page.inputValue("#email"), ana.email, "the address is kept");
  assert.deepEqual(await axeViolations(page), [], "the page with its error is accessible too");

  await page.fill("#password", ana.password);
  await page.click('button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account");
  assert.equal((await page.textContent("h1")).trim(), "A minha conta");
  assert.match(await page.textContent("main"), /ana@example\.org/);
  assert.match(await page.textContent("main"), /este dispositivo/);
  assert.deepEqual(await axeViolations(page), []);

  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "guichet_session");
  assert.ok(session, "a session cookie is set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Lax");

  await page.click('form[action="/account/sign-out"] button');
  assert.equal(new URL(page.url()).pathname, "/");
  await page.goto(guichet.url + "/account");
  assert.equal(new URL(page.url()).pathname, "/account/sign-in");
  await context.close();
});

test("signing in works without JavaScript", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "vi" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('button[type="submit"]');
  assert.equal((await page.textContent("h1")).trim(), "Tài khoản của tôi");
  await context.close();
});
