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
  assert.match(await page.textContent("main"), /18,00\s€/, "ICU writes a no-break space before the sign");
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

// Issue 14, problem 6: a shop is found by postcode or town, nearest first, and its page says when
// it is open and where it is, and books there. At 320, 390 and 1280 px; the mistake next to its field.
test("find the nearest shop by postcode, read its hours and book there", async () => {
  for (const width of [320, 390, 1280]) {
    const context = await browser.newContext({ locale: "pt-PT", viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(guichet.url + "/shops");
    await page.fill("#shops-place", "4050-123");  // a street of Porto
    await page.click('form[action="/shops"] button[type="submit"]');
    assert.match(await page.textContent("#shops-results"), /Porto \(4000–4369\)/);
    const first = page.locator(".usa-collection__item").first();
    assert.match(await first.textContent(), /Loja do Cidadão Porto/);
    assert.match(await first.textContent(), /\d+,\d km/, "a distance, with Portugal's decimal comma");
    assert.ok((await page.locator(".usa-collection__item").count()) <= 10, "the nearest ten");
    assert.deepEqual(await axeViolations(page), []);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width} px`);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/shops-porto-${width}.png`, fullPage: true });

    // The town's name, typed without its accent, finds it too.
    await page.fill("#shops-place", "evora");
    await page.click('form[action="/shops"] button[type="submit"]');
    assert.match(await page.locator(".usa-collection__item").first().textContent(), /Évora/);

    // Something unknown: the summary, focused, leads to the field.
    await page.fill("#shops-place", "Atlantis");
    await page.click('form[action="/shops"] button[type="submit"]');
    assert.match(await page.title(), /^Erro: /);
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains("guichet-error-summary")), true);
    assert.equal(await page.getAttribute("#shops-place", "aria-invalid"), "true");
    assert.deepEqual(await axeViolations(page), []);

    // The shop's page: hours by weekday in Portuguese, the place on a map, and booking there.
    await page.goto(guichet.url + "/shops?place=4050-123");
    await page.locator(".usa-collection__item h2 a").first().click();
    assert.equal(new URL(page.url()).pathname, "/shops/porto-bolhao");
    assert.match(await page.textContent(".guichet-hours"), /segunda-feira[^]*sábado[^]*domingo/, "every weekday, Monday first");
    assert.match(await page.getAttribute('a[href^="https://www.openstreetmap.org/"]', "href"), /mlat=41\.1498/);
    assert.deepEqual(await axeViolations(page), []);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width} px`);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/shop-porto-${width}.png`, fullPage: true });
    await page.click('main a.usa-button[href^="/book?shop="]');
    assert.equal(new URL(page.url()).pathname, "/book");
    // Add a service: the shop stays chosen.
    await page.fill("#book-q", "passaporte");
    await page.click('form[role="search"] button[type="submit"]');
    await page.locator('a[href*="/book?services="]').first().click();
    const chosen = await page.locator("#book-shop option:checked").textContent();
    assert.match(chosen, /Loja do Cidadão Porto/);
    await context.close();
  }
});

// Issue 14, problem 7: people search with the words they know, in whatever language, with
// abbreviations and typos; the page says how many services it found and pages back and forth.
for (const width of [320, 390, 1280]) test(`search in another language than the page's, by abbreviation, with a typo; counted results (${width} px)`, async () => {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width, height: 844 } });
  const page = await context.newPage();
  const names = async () => page.locator(".usa-collection__heading a").allTextContents();
  const search = async (q) => {
    await page.fill("#services-q", q);
    await page.click('form[role="search"] button[type="submit"]');
  };
  await page.goto(guichet.url + "/services");
  await search("carta de condução");  // Portuguese, on the English page
  assert.ok((await names()).includes("Driving licence renewal"), (await names()).join(" | "));
  assert.match(await page.textContent(".guichet-result-count"), /^\d+ services? found/);
  await search("NIF");
  assert.deepEqual(await names(), ["Tax identification number"]);
  assert.match(await page.textContent(".guichet-result-count"), /^1 service found$/, "one, in the singular");
  await search("pasport");
  assert.ok((await names()).includes("Passport application"), (await names()).join(" | "));
  assert.match(await page.textContent(".usa-alert--info"), /Nothing matches “pasport”\. Showing the services for “passport”/);
  assert.deepEqual(await axeViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll");
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/services-typo-${width}.png`, fullPage: true });

  // In French, "impots" without its accent, and the English "driver license".
  await page.goto(guichet.url + "/language?lang=fr&return=/services");
  await search("impots");
  assert.ok((await names()).includes("Aide à la déclaration de revenus"), (await names()).join(" | "));
  await search("driver license");
  assert.ok((await names()).includes("Renouvellement du permis de conduire"), (await names()).join(" | "));

  // Twenty a page, saying where the page sits, and a way back.
  await page.goto(guichet.url + "/language?lang=en&return=/services%3Faudience%3Dbusinesses");
  assert.match(await page.textContent(".guichet-result-count"), /65 services found · showing 1–20 of 65/);
  await page.click('a.usa-button--outline[href*="cursor="]');
  assert.match(await page.textContent(".guichet-result-count"), /showing 21–40 of 65/);
  await page.click('a[href^="/services?"]:has-text("Back to the first results")');
  assert.match(await page.textContent(".guichet-result-count"), /showing 1–20 of 65/);
  await context.close();
});

// Issue 14: a shop's page says how to get in before one goes.
test("a shop's page describes the building's accessibility", async () => {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await page.goto(guichet.url + "/shops/lisboa-restauradores");
  const main = await page.textContent("main");
  assert.match(main, /Getting in and around/);
  assert.match(main, /The step-free entrance is on Rua dos Condes/);
  assert.match(main, /Not available: /);
  assert.deepEqual(await axeViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/shop-access-320.png`, fullPage: true });
  await page.goto(guichet.url + "/shops/lille");
  assert.match(await page.textContent("main"), /has not described its building yet/);
  await context.close();
});

// Issue 14: "use my location" — the browser asks, the person allows, the nearest shops come first;
// coordinates that cannot be read are said next to the field.
test("use my location to find the nearest shops", async () => {
  const context = await browser.newContext({
    locale: "en-GB",
    viewport: { width: 390, height: 800 },
    geolocation: { latitude: 41.1496, longitude: -8.611 },  // Porto, Avenida dos Aliados
    permissions: ["geolocation"],
  });
  const page = await context.newPage();
  await page.goto(guichet.url + "/shops");
  await page.click('button[data-locate]');
  await page.waitForURL(/\/shops\?near=/);
  assert.match(await page.textContent("#shops-results"), /Nearest to where you are/);
  const first = page.locator(".usa-collection__item").first();
  assert.match(await first.textContent(), /Loja do Cidadão Porto/);
  assert.match(await first.textContent(), /\d\.\d km/);
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(guichet.url + "/shops?near=somewhere");
  assert.match(await page.textContent("#shops-place-error"), /This location could not be read/);
  assert.equal(await page.getAttribute("#shops-place", "aria-invalid"), "true");
  await context.close();
  // Without JavaScript the button stays hidden: the postcode search is the way.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const without = await plain.newPage();
  await without.goto(guichet.url + "/shops");
  assert.equal(await without.isVisible('button[data-locate]'), false);
  await plain.close();
});

// Issue 14: people who do not know a service's name start from what others ask for most or from
// what is happening in their life; the services page browses by theme and filters by it.
test("popular services and life events lead to services, and the catalogue browses by theme", async () => {
  for (const [locale, width] of [["en-GB", 320], ["pt-PT", 1280]]) {
    const context = await browser.newContext({ locale, viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(guichet.url + "/");
    const popular = page.locator('section[aria-label] .guichet-browse__group').first().locator("a");
    assert.equal(await popular.count(), 6);
    assert.match(await popular.first().getAttribute("href"), /^\/services\/citizen-card-renewal$/, "featured first while nothing is booked");
    assert.deepEqual(await axeViolations(page), []);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/home-more-${locale}-${width}.png`, fullPage: true });
    // Suggestions as one types (with JavaScript): service names in the page's language.
    await page.locator("#home-q").pressSequentially(locale === "en-GB" ? "passp" : "passap", { delay: 30 });
    await page.waitForFunction(() => document.querySelectorAll("#home-q-suggestions option").length > 0);
    const suggested = await page.locator("#home-q-suggestions option").evaluateAll((options) => options.map((o) => o.value));
    assert.ok(suggested.includes(locale === "en-GB" ? "Passport application" : "Pedido de passaporte"), suggested.join(" | "));
    await page.click('nav[aria-labelledby="home-events"] a[href="/services?theme=having-a-baby"]');
    const names = await page.locator(".usa-collection__heading a").allTextContents();
    const expected = locale === "en-GB" ? ["Registering a birth", "Parental allowance", "Family allowance"] : ["Registo de nascimento", "Subsídio parental", "Abono de família"];
    for (const name of expected) assert.ok(names.includes(name), `${name} in ${names.join(" | ")}`);
    assert.equal(await page.inputValue("#services-theme"), "having-a-baby", "the filter says which");
    assert.deepEqual(await axeViolations(page), []);
    // Back to every service: themes and life events listed as links; a theme chosen in the filter.
    await page.click('main a[href="/services"]');
    assert.ok((await page.locator('nav[aria-labelledby="browse-themes"] a').count()) >= 10);
    assert.ok((await page.locator('nav[aria-labelledby="browse-events"] a').count()) >= 10);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    assert.deepEqual(await axeViolations(page), []);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/services-browse-${locale}-${width}.png`, fullPage: true });
    await page.selectOption("#services-theme", "transport");
    await page.click('form[role="search"] button[type="submit"]');
    const transport = await page.locator(".usa-collection__heading a").allTextContents();
    assert.ok(transport.length >= 10 && transport.length <= 20, transport.join(" | "));
    await context.close();
  }
});
