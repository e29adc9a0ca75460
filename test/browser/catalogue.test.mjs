// The public catalogue in a real browser, on the demonstration catalogue: search with filters,
// a service's page, the shops; each page checked with axe, in two languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGuichet, launchChromium, axeViolations } from "./support.mjs";

let guichet;
let browser;

before(async () => {
  guichet = await startGuichet({ admin: [["demo-data"]] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});

test("search the catalogue without accents, filter, open a service; accessible", async () => {
  const context = await browser.newContext({ locale: "pt-PT" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/");
  await page.click('header a[href="/services"]');
  assert.equal((await page.textContent("h1")).trim(), "Encontrar um serviço público");
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#services-q", "cartao cidadao");
  await page.selectOption("#services-audience", "citizens");
  await page.click('form[role="search"] button[type="submit"]');
  const results = await page.locator(".usa-collection__heading a").allTextContents();
  assert.ok(results.includes("Renovação do Cartão de Cidadão"), results.join(" | "));
  assert.ok(results.length < 10, "only services with both words");
  assert.deepEqual(await axeViolations(page), []);
  await page.click('a[href="/services/citizen-card-renewal"]');
  assert.equal(new URL(page.url()).pathname, "/services/citizen-card-renewal");
  assert.match(await page.textContent("main"), /18,00 €/);
  assert.match(await page.textContent("main"), /Documento de identificação/);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test("business services in Vietnamese, twenty a page, and the shops", async () => {
  const context = await browser.newContext({ locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/services?audience=businesses");
  assert.equal(await page.locator(".usa-collection__item").count(), 20);
  await page.click('a.usa-button--outline[href*="cursor="]');
  assert.equal(await page.locator(".usa-collection__item").count(), 20, "the next page");
  await page.goto(guichet.url + "/services?q=dang+ky+thue");
  assert.ok((await page.locator(".usa-collection__item").count()) >= 1, "Vietnamese without its accents");
  await page.goto(guichet.url + "/shops");
  assert.equal(await page.locator(".usa-collection__item").count(), 30);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});
