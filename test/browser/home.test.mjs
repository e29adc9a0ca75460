import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGuichet, launchChromium, axeViolations } from "./support.mjs";

let guichet;
let browser;

before(async () => {
  guichet = await startGuichet();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
});


const headings = {
  fr: "Tous les services publics, au même endroit",
  pt: "Todos os serviços públicos, num só lugar",
  vi: "Mọi dịch vụ công, tại một nơi",
  en: "Every public service, one place",
};

for (const [lang, heading] of Object.entries(headings)) {
  test(`home page in ${lang} from Accept-Language, with no accessibility violations`, async () => {
    const context = await browser.newContext({ locale: lang });
    const page = await context.newPage();
    const response = await page.goto(guichet.url + "/");
    assert.equal(response.status(), 200);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    assert.equal((await page.textContent("h1")).trim(), heading);
    assert.deepEqual(await axeViolations(page), []);
    await context.close();
  });
}

test("the language switcher changes the language and a cookie remembers it", async () => {
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/");
  await page.click('a[hreflang="vi"]');
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  assert.equal(new URL(page.url()).pathname, "/");
  assert.equal(await page.getAttribute('a[hreflang="vi"]', "aria-current"), "true");
  await page.goto(guichet.url + "/");
  assert.equal(await page.getAttribute("html", "lang"), "vi", "the choice survives a new visit");
  await context.close();
});

test("keyboard: the skip link comes first and moves focus to the main content", async () => {
  const context = await browser.newContext({ locale: "fr" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/");
  const order = [];
  for (let i = 0; i < 9; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => `${document.activeElement.tagName}:${document.activeElement.textContent.trim()}`));
  }
  assert.deepEqual(order, [
    "A:Aller au contenu principal",
    "A:Guichet",
    "A:Services",
    "A:Démarches en ligne",
    "A:Se connecter",
    "A:Français",
    "A:Português",
    "A:Tiếng Việt",
    "A:English",
  ]);
  await page.goto(guichet.url + "/");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main-content");
  await context.close();
});

test("pages work without JavaScript and on a phone-sized screen", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, locale: "pt-PT" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/");
  assert.equal(await page.getAttribute("html", "lang"), "pt");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await page.click('a[hreflang="fr"]');
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  await context.close();
});

test("the 404 page is localised and accessible", async () => {
  const context = await browser.newContext({ locale: "pt-PT" });
  const page = await context.newPage();
  const response = await page.goto(guichet.url + "/nao/existe");
  assert.equal(response.status(), 404);
  assert.equal((await page.textContent("h1")).trim(), "Página não encontrada");
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test("the stylesheet loads under a content-hashed URL without CSP violations", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") cspErrors.push(message.text());
  });
  const css = [];
  page.on("response", (r) => {
    if (r.url().includes("/static/")) css.push([r.url(), r.status(), r.headers()["cache-control"]]);
  });
  await page.goto(guichet.url + "/");
  await page.waitForLoadState("networkidle");
  assert.ok(css.length >= 2, "stylesheet and script were requested");
  for (const [url, status, cache] of css) {
    assert.equal(status, 200, url);
    assert.match(url, /\/static\/(theme\.[0-9a-f]{10}\/|favicon\.[0-9a-f]{10}\.svg$|enhance\.[0-9a-f]{10}\.js$)/);
    assert.equal(cache, "public, max-age=31536000, immutable");
  }
  assert.deepEqual(cspErrors, []);
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(font, /Public Sans/);
  await context.close();
});

test("the home page starts journeys: a search for a service, booking, shops, procedures, the account", async () => {
  for (const [locale, width, query] of [
    ["vi", 320, "hộ chiếu"],
    ["fr-FR", 1280, "passeport"],
  ]) {
    const context = await browser.newContext({ locale, viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(guichet.url + "/");
    for (const href of ["/services", "/shops", "/procedures", "/account"]) {
      assert.equal(await page.locator(`main .usa-card a[href="${href}"]`).count(), 1, `a way to ${href}`);
    }
    assert.deepEqual(await axeViolations(page), []);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    if (process.env.SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.SCREENSHOTS}/home-${locale}-${width}.png`, fullPage: true });
    }
    // The tab's icon is served; printed, the page keeps its content and drops forms and buttons.
    const icon = await page.getAttribute('link[rel="icon"]', "href");
    const served = await page.request.get(guichet.url + icon);
    assert.equal(served.status(), 200);
    assert.match(served.headers()["content-type"], /^image\/svg\+xml/);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.isVisible(".guichet-home-search"), false);
    assert.equal(await page.isVisible("h1"), true);
    await page.emulateMedia({ media: "screen" });
    await page.fill("#home-q", query);
    await page.press("#home-q", "Enter");
    assert.equal(new URL(page.url()).pathname, "/services");
    assert.equal(await page.inputValue("#services-q"), query, "the search runs on the services page");
    await context.close();
  }
});

// Issue 14: the trust pages, at one address each in every language, linked from every page's
// footer; accessible and readable on a 320 px screen.
test("the trust pages: accessibility, privacy, legal notice, cookies and help, in four languages", async () => {
  const headings = {
    en: ["Help and contact", "Accessibility statement", "Privacy notice", "Cookies", "Legal notice"],
    fr: ["Aide et contact", "Déclaration d’accessibilité", "Données personnelles", "Cookies", "Mentions légales"],
    pt: ["Ajuda e contactos", "Declaração de acessibilidade", "Proteção de dados", "Cookies", "Informação legal"],
    vi: ["Trợ giúp và liên hệ", "Tuyên bố về khả năng tiếp cận", "Thông báo về dữ liệu cá nhân", "Cookie", "Thông tin pháp lý"],
  };
  const paths = ["/help", "/accessibility", "/privacy", "/cookies", "/legal"];
  for (const [lang, titles] of Object.entries(headings)) {
    const context = await browser.newContext({ locale: lang, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(guichet.url + "/");
    for (let i = 0; i < paths.length; i++) {
      await page.click(`footer a[href="${paths[i]}"]`);
      assert.equal(new URL(page.url()).pathname, paths[i]);
      assert.equal((await page.textContent("h1")).trim(), titles[i]);
      assert.deepEqual(await axeViolations(page), [], `${lang} ${paths[i]}`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${lang} ${paths[i]} fits 320 px`);
    }
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/trust-legal-${lang}-320.png`, fullPage: true });
    await context.close();
  }
  // The cookies page names each cookie the site sets.
  const context = await browser.newContext({ locale: "en" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/cookies");
  const table = await page.textContent("main table");
  for (const name of ["guichet_session", "guichet_csrf", "guichet_lang", "guichet_device"]) assert.match(table, new RegExp(name));
  await page.goto(guichet.url + "/account/register");
  assert.equal(await page.getAttribute('main form a[href="/privacy"]', "href"), "/privacy", "the notice at registration");
  await context.close();
});
