// Booking two services in one visit in a real browser, on the demonstration catalogue: search,
// pick two services, a shop and a time, sign in, confirm, see the booking and its e-mail, download
// the .ics, move it, cancel it. Every page checked with axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startGuichet, launchChromium, axeViolations, startSmtpSink, totp } from "./support.mjs";

const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const rita = { email: "rita@example.org", password: "counter seven opens at nine" };
let guichet;
let browser;
let smtp;

before(async () => {
  smtp = await startSmtpSink();
  guichet = await startGuichet({
    users: [ana, rita],
    admin: [
      ["demo-data"],
      ["admin", "users", "grant", "--email", rita.email, "--role", "agent", "--administration", "irn"],
      ["admin", "users", "assign", "--email", rita.email, "--shop", "lisboa-laranjeiras"],
    ],
    extraArgs: [
      "--smtp-url", smtp.url, "--job-poll-ms", "100",
      "--jitsi-url", "https://meet.example.org", "--jitsi-app-id", "guichet",
      "--jitsi-secret", "a shared secret of thirty-two bytes or more",
    ],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
  await smtp?.close();
});

test("book two services in one visit, see, download, move and cancel it", async () => {
  const context = await browser.newContext({ locale: "en-GB", acceptDownloads: true });
  const page = await context.newPage();

  await page.goto(guichet.url + "/services?q=passport");
  await page.click('a[href="/services/passport"]');
  await page.click('a[href^="/book?services="]');
  assert.equal(new URL(page.url()).pathname, "/book");
  assert.match(await page.textContent("main"), /Passport application/);
  assert.deepEqual(await axeViolations(page), []);

  // Add a second service through the search on the booking page.
  await page.fill("#book-q", "citizen card");
  await page.click('form[role="search"] button[type="submit"]');
  await page.click('a[href*="/book?services="]:has-text("Add")');
  const chosen = await page.locator("main ul.usa-list").first().textContent();
  assert.match(chosen, /Passport application/);
  assert.match(chosen, /Citizen card renewal/);
  assert.deepEqual(await axeViolations(page), []);

  // A shop and the first free time.
  const shop = await page.locator("#book-shop option", { hasText: "Laranjeiras" }).first().getAttribute("value");
  await page.selectOption("#book-shop", shop);
  await page.click('form[action="/book/times"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/book/times");
  assert.deepEqual(await axeViolations(page), []);
  // Continuing without a time: the summary leads to the times, which say what is missing.
  await page.click('form[action="/book/confirm"] button[type="submit"]');
  assert.match(await page.title(), /^Error:/);
  assert.match(await page.textContent("#start-error"), /Choose one of the times below/);
  await page.click(".guichet-error-summary a");
  assert.equal(await page.evaluate(() => document.activeElement.name), "start");
  assert.deepEqual(await axeViolations(page), []);
  const firstTime = page.locator(".usa-radio").first();
  const label = (await firstTime.locator("label").textContent()).trim();
  await firstTime.locator("label").click();
  await page.click('form[action="/book/confirm"] button[type="submit"]');

  // Not signed in yet: sign in, then back to the confirmation.
  assert.equal(new URL(page.url()).pathname, "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('main button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/book/confirm");
  assert.match(await page.textContent("main"), new RegExp(label.split("–")[0]));
  assert.match(await page.textContent("main"), /Documents to bring/);
  // Both services ask for an identity document: it is listed once for the visit.
  assert.equal(await page.locator("main li", { hasText: /^Identity document$/ }).count(), 1);
  assert.deepEqual(await axeViolations(page), []);
  await page.click('form[action="/book/confirm"] button[type="submit"]');

  assert.match(new URL(page.url()).pathname, /^\/bookings\/[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  const reference = new URL(page.url()).pathname.split("/")[2];
  assert.match(await page.textContent('[role="status"]'), /Your visit is booked/);
  const main = await page.textContent("main");
  assert.match(main, /Passport application/);
  assert.match(main, /Citizen card renewal/);
  assert.match(main, /Loja do Cidadão Laranjeiras/);
  assert.deepEqual(await axeViolations(page), []);

  // The confirmation e-mail names the reference and links to the booking.
  const mail = await smtp.nextText();
  assert.match(mail, new RegExp(reference));
  assert.match(mail, new RegExp(`/bookings/${reference}`));

  // The .ics download.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('a[href$="/calendar.ics"]')]);
  const ics = readFileSync(await download.path(), "utf8");
  assert.match(ics, /BEGIN:VCALENDAR/);
  assert.match(ics, new RegExp(`UID:${reference}@`));

  // The account lists it.
  await page.goto(guichet.url + "/account/bookings");
  assert.match(await page.textContent("main"), new RegExp(reference));
  assert.deepEqual(await axeViolations(page), []);

  // Move it to the next free time, then cancel it.
  await page.click(`a[href="/bookings/${reference}"]`);
  await page.click('a[href*="reschedule="]');
  // Another day of the week (the visit's own day may have no other time left, late on a Saturday).
  await page.locator(".guichet-days__day:not(.guichet-days__day--empty):not(.guichet-days__day--current)").last().click();
  await page.locator(".usa-radio").first().locator("label").click();
  await page.click('form[action="/book/confirm"] button[type="submit"]');
  assert.match(await page.textContent("h1"), /Move your visit/);
  await page.click(`form[action="/bookings/${reference}/reschedule"] button[type="submit"]`);
  assert.match(await page.textContent('[role="status"]'), /moved/);
  // At the shop, a QR code checks the visit in (the kiosk reads the booking's address from it).
  const qr = page.locator(".guichet-check-in__qr svg");
  assert.match(await qr.locator("title").textContent(), new RegExp(`QR code of booking ${reference}`));
  assert.match(await page.textContent(".guichet-check-in"), new RegExp(`type your reference ${reference}`));
  // Then to another shop: the same services, the same reference, the old time kept until then.
  await page.click('a[href*="reschedule="]');
  await page.click('a:has-text("Choose another shop")');
  assert.equal(new URL(page.url()).pathname, "/book");
  assert.match(await page.textContent(".usa-intro"), new RegExp(`Moving visit ${reference}`));
  assert.equal(await page.locator("#book-q").count(), 0, "no services added to a visit being moved");
  assert.deepEqual(await axeViolations(page), []);
  const saldanha = await page.locator("#book-shop option", { hasText: "Saldanha" }).first().getAttribute("value");
  await page.selectOption("#book-shop", saldanha);
  await page.click('form[action="/book/times"] button[type="submit"]');
  assert.match(await page.textContent(".guichet-facts"), /Saldanha/);
  await page.locator(".usa-radio").first().locator("label").click();
  await page.click('form[action="/book/confirm"] button[type="submit"]');
  assert.match(await page.textContent("h1"), /Move your visit/);
  await page.click(`form[action="/bookings/${reference}/reschedule"] button[type="submit"]`);
  assert.equal(new URL(page.url()).pathname, `/bookings/${reference}`);
  assert.match(await page.textContent('[role="status"]'), /moved/);
  assert.match(await page.textContent(".guichet-facts"), /Loja do Cidadão Saldanha/);
  assert.deepEqual(await axeViolations(page), []);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/booking-moved-1280.png`, fullPage: true });
  // Cancelling is a step of its own: a link, then a page saying what goes, with a way to keep it.
  await page.click(`a[href="/bookings/${reference}/cancel"]`);
  assert.match(await page.textContent("h1"), /Cancel your visit\?/);
  assert.deepEqual(await axeViolations(page), []);
  await page.click(`a[href="/bookings/${reference}"]`);
  assert.match(await page.textContent("main"), /Confirmed/);
  await page.click(`a[href="/bookings/${reference}/cancel"]`);
  await page.click(`form[action="/bookings/${reference}/cancel"] button[type="submit"]`);
  assert.match(await page.textContent('[role="status"]'), /cancelled/);
  assert.match(await page.textContent("main"), /Cancelled/);
  assert.equal(await page.locator(`a[href="/bookings/${reference}/cancel"]`).count(), 0);
  assert.deepEqual(await axeViolations(page), []);
  // Book again: the same two services at the same shop, ready to choose a time.
  const again = await page.getAttribute('a[href^="/book?services="]:has-text("Book these services again")', "href");
  assert.match(again, /&shop=\d+$/);

  // My bookings: the cancelled visit says so in its own tag, and the table fits the screen — its
  // status column inside a desktop window, nothing sideways on a phone (WCAG 1.4.10).
  await page.goto(guichet.url + "/account/bookings");
  const status = page.locator("td .guichet-status--cancelled").first();
  assert.equal((await status.textContent()).trim(), "Cancelled");
  const box = await status.boundingBox();
  assert.ok(box.x + box.width <= page.viewportSize().width, "the status is on the screen");
  for (const path of ["/account/bookings", "/account"]) {
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto(guichet.url + path);
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, `${path}: no sideways scroll at 320 px`);
    const clipped = await page.evaluate(() =>
      [...document.querySelectorAll("main td, main th")].filter((cell) => cell.scrollWidth > cell.clientWidth + 1).length);
    assert.equal(clipped, 0, `${path}: no clipped cell`);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/booking${path.replaceAll("/", "-")}-320.png`, fullPage: true });
  }
  await context.close();
});

test("someone else's booking is not found, and pages work in Vietnamese", async () => {
  const context = await browser.newContext({ locale: "vi-VN" });
  const page = await context.newPage();
  const response = await page.goto(guichet.url + "/book?services=1");
  assert.equal(response.status(), 200);
  assert.equal((await page.textContent("h1")).trim(), "Đặt lịch hẹn");
  assert.deepEqual(await axeViolations(page), []);
  const anonymous = await page.goto(guichet.url + "/bookings/ABCD-EFGH");
  assert.equal(new URL(page.url()).pathname, "/account/sign-in", "sign in first");
  assert.ok(anonymous.ok());
  await context.close();
});

// Issue 14, problem 9: the people most likely to phone have no e-mail address. The agent books by
// name and phone number in the caller's language, reads the confirmation out, and finds the visit
// again by the reference the caller reads back. The caller step's mistakes follow the GOV.UK
// pattern: a focused summary whose links lead, by keyboard, to the fields.
test("an agent books for a caller with no e-mail address, at 320, 390 and 1280 px", async () => {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(guichet.url + "/agent/agenda");
  assert.equal(new URL(page.url()).pathname, "/account/sign-in");
  await page.fill("#email", rita.email);
  await page.fill("#password", rita.password);
  await page.click('main button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account/second-factor", "agents need a second factor");
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", totp(secret));
  await page.click('form[action="/account/second-factor/confirm"] button[type="submit"]');
  // Staff pages in the header's own row, on every page.
  await page.goto(guichet.url + "/services");
  await page.click('nav.guichet-staff-nav a[href="/agent/agenda"]');
  assert.match(await page.textContent("h1"), /Loja do Cidadão Laranjeiras/, "her one shop, straight away");
  assert.equal(await page.getAttribute('nav.guichet-staff-nav a[href="/agent/agenda"]', "aria-current"), "page");
  assert.deepEqual(await axeViolations(page), []);

  await page.click('a[href^="/agent/book?"]');
  assert.equal(new URL(page.url()).pathname, "/agent/book");
  assert.equal(await page.locator(".guichet-error-summary").count(), 0, "no error before anything was sent");

  // Nothing filled in: the summary has the focus, the title says Error, each field its message.
  await page.click('form[action="/agent/book"][method="get"] button[type="submit"]');
  assert.match(await page.title(), /^Error: /);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains("guichet-error-summary")), true);
  const summary = await page.locator(".guichet-error-summary a").allTextContents();
  assert.ok(summary.some((t) => /name/.test(t)) && summary.some((t) => /phone number or an e-mail/.test(t)), summary.join(" | "));
  assert.equal(await page.getAttribute("#caller-name", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#caller-phone", "aria-describedby"), /caller-phone-error/);
  assert.deepEqual(await axeViolations(page), []);
  for (const width of [320, 390]) {
    await page.setViewportSize({ width, height: 800 });
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-book-errors-${width}.png`, fullPage: true });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  // By keyboard: the first link of the summary, then Enter, lands in the name field.
  await page.keyboard.press("Tab");
  assert.match(await page.evaluate(() => document.activeElement.getAttribute("href")), /#caller-name/);
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "caller-name");

  // A number that is no number is refused next to its field; the rest is kept.
  await page.fill("#caller-name", "Maria Alves");
  await page.fill("#caller-phone", "12");
  await page.click('form[action="/agent/book"][method="get"] button[type="submit"]');
  assert.match(await page.textContent("#caller-phone-error"), /phone number that exists/);
  assert.equal(await page.inputValue("#caller-name"), "Maria Alves");

  // A day a week or more ahead on which the shop has free times.
  let found = false;
  let day;
  for (let ahead = 7; ahead < 14 && !found; ahead++) {
    day = new Date(Date.now() + ahead * 86_400_000).toISOString().slice(0, 10);
    await page.fill("#caller-phone", "912 345 678");
    await page.selectOption("#caller-lang", "pt");
    await page.click('label[for="channel-phone"]');
    const passport = page.locator('.usa-checkbox:has-text("Passport application") input');
    if (!(await passport.isChecked())) await page.locator('.usa-checkbox:has-text("Passport application") label').click();
    await page.fill("#caller-day", day);
    await page.click('form[action="/agent/book"][method="get"] button[type="submit"]');
    found = (await page.locator('form[action="/agent/book"][method="post"] .usa-radio').count()) > 0;
  }
  assert.ok(found, "free times within two weeks");
  assert.doesNotMatch(await page.title(), /Error/);
  assert.deepEqual(await axeViolations(page), []);
  await page.locator('form[method="post"] .usa-radio label').last().click();  // the day's last time
  await page.click('form[action="/agent/book"][method="post"] button[type="submit"]');

  // The booking's page: the reference, the caller, and what to tell them in Portuguese.
  assert.match(new URL(page.url()).pathname, /^\/bookings\/[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  const reference = new URL(page.url()).pathname.split("/")[2];
  assert.match(await page.textContent('[role="status"]'), /Read its details to the caller/);
  assert.match(await page.textContent(".guichet-facts"), /Maria Alves, \+351 912 345 678 \(Português\)/);
  const script = page.locator(".guichet-read-aloud p");
  assert.equal(await script.getAttribute("lang"), "pt");
  assert.match(await script.textContent(), /A sua marcação ficou feita para .+ A sua referência é ([2-9A-Z] ){4}- ([2-9A-Z] ){3}[2-9A-Z]\./);
  assert.deepEqual(await axeViolations(page), []);
  for (const width of [320, 390]) {
    await page.setViewportSize({ width, height: 800 });
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-booked-${width}.png`, fullPage: true });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // The day's agenda names her, with her number to call back.
  await page.goto(guichet.url + "/agent/agenda?shop=" + (await shopIdFromAgenda(page)) + "&day=" + day);
  const row = page.locator("tr", { hasText: reference });
  assert.match(await row.textContent(), /Maria Alves/);
  assert.equal(await row.locator('a[href^="tel:"]').getAttribute("href"), "tel:+351912345678");
  assert.match(await row.textContent(), /Phone/);
  assert.deepEqual(await axeViolations(page), []);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-agenda-1280.png`, fullPage: true });

  // The day's list on paper for reception: her line, with a box to tick; printed without the header.
  await page.click('a:has-text("Printable day list")');
  const line = page.locator("tbody tr", { hasText: reference });
  assert.match(await line.textContent(), /Maria Alves/);
  assert.match(await line.textContent(), /\+351 912 345 678/);
  assert.match(await line.textContent(), /Counter G0\d/);
  assert.deepEqual(await axeViolations(page), []);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("header").first().isVisible(), false, "no site header on paper");
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-day-list-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });
  await page.click('a:has-text("Back to the agenda")');
  // Blocking a counter with the end before the start: said at the start time, linked from the summary.
  await page.fill("#block-from", "12:00");
  await page.fill("#block-until", "11:00");
  await page.click('form[action="/agent/absences"] button[type="submit"]');
  assert.match(await page.title(), /^Error:/);
  assert.ok((await page.textContent("#block-from-error")).trim().length > 10);
  await page.click('.guichet-error-summary a[href="#block-from"]');
  assert.equal(await page.evaluate(() => document.activeElement.id), "block-from");
  assert.deepEqual(await axeViolations(page), []);

  // She calls back and reads her reference: found however it is typed.
  await page.fill("#agenda-reference", reference.replace("-", " ").toLowerCase());
  await page.click('form[action="/agent/bookings"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/bookings/" + reference);
  await page.goto(guichet.url + "/agent/bookings?reference=ZZZZ-ZZZZ&shop=" + (await shopIdFromAgenda(page)));
  assert.match(await page.textContent('[role="alert"]'), /No visit with this reference/);
  // A reference with a character too many is another reference, not this one cut short.
  await page.goto(guichet.url + "/agent/bookings?reference=" + reference + "X");
  assert.match(await page.textContent('[role="alert"]'), /No visit with this reference/);

  // A caller with an e-mail address is booked too; the e-mail goes out in their language.
  await page.goto(guichet.url + "/agent/book?shop=" + (await shopIdFromAgenda(page)) + "&day=" + day);
  await page.fill("#caller-name", "Carla Dias");
  await page.fill("#caller-email", "carla@example.org");
  await page.selectOption("#caller-lang", "fr");
  await page.locator('.usa-checkbox:has-text("Passport application") label').click();
  await page.click('form[action="/agent/book"][method="get"] button[type="submit"]');
  await page.locator('form[method="post"] .usa-radio label').first().click();
  await page.click('form[action="/agent/book"][method="post"] button[type="submit"]');
  const second = new URL(page.url()).pathname.split("/")[2];
  const mail = await smtp.textMatching(new RegExp(second));
  assert.match(mail, /Votre rendez-vous|rendez-vous/i, "in the caller's language, not the agent's");
  assert.match(mail, /\/account\/forgot/, "how to choose a password for an account made for her");
  await context.close();
});

// The agent's one shop, as the agenda's links carry it.
async function shopIdFromAgenda(page) {
  const current = page.url();
  await page.goto(guichet.url + "/agent/agenda");
  const href = await page.getAttribute('a[href^="/agent/book?"]', "href");
  await page.goto(current);
  return new URL(href, guichet.url).searchParams.get("shop");
}

test("a video appointment: the booking page links to its own Jitsi room", async () => {
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('main button[type="submit"]');
  await page.goto(guichet.url + "/services/tax-number");
  await page.click('a[href^="/book?services="]');
  const shop = await page.locator("#book-shop option", { hasText: "Laranjeiras" }).first().getAttribute("value");
  await page.selectOption("#book-shop", shop);
  await page.click('form[action="/book/times"] button[type="submit"]');
  await page.click('label[for="mode-video"]');
  assert.deepEqual(await axeViolations(page), []);
  await page.locator(".guichet-day .usa-radio label").first().click();
  await page.click('form[action="/book/confirm"] button[type="submit"]');
  assert.match(await page.textContent("main"), /By video call/);
  await page.click('form[action="/book/confirm"] button[type="submit"]');
  const join = page.locator('a:has-text("Join the video call")');
  assert.match(await join.getAttribute("href"), /^https:\/\/meet\.example\.org\/guichet-[0-9a-f]{32}\?jwt=[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

// The journey of someone who has never used Guichet, on a phone: an after-work time, found in the
// day's evening group; an account created on the way; the confirmation page comes back with the
// chosen time once the address is confirmed and they sign in.
for (const width of [320, 390, 1280]) test(`a first-time visitor books an evening time, registers on the way and lands back on the confirmation (${width} px)`, async () => {
  const context = await browser.newContext({ locale: "pt-PT", viewport: { width, height: 844 } });
  const page = await context.newPage();
  await page.goto(guichet.url + "/services/passport");
  await page.click('a[href^="/book?services="]');
  const shop = await page.locator("#book-shop option", { hasText: "Laranjeiras" }).first().getAttribute("value");
  await page.selectOption("#book-shop", shop);
  await page.click('form[action="/book/times"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/book/times");
  assert.match(await page.textContent("main"), /até 90 dias de antecedência/);
  // The first weekday of the week with free times shows its evening (Laranjeiras closes at 19:30).
  const days = page.locator(".guichet-days__day:not(.guichet-days__day--empty)");
  const count = await days.count();
  for (let i = 0; i < count && (await page.locator("#part-evening").count()) === 0; ++i) {
    await page.locator(".guichet-days__day:not(.guichet-days__day--empty)").nth(i).click();
  }
  assert.match(await page.textContent("#part-evening legend"), /^Noite \(\d+\)$/);
  assert.equal(await page.getAttribute('.guichet-days__day[aria-current="date"]', "aria-current"), "date");
  assert.deepEqual(await axeViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll");
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/booking-times-pt-${width}.png`, fullPage: true });
  const evening = page.locator("#part-evening .usa-radio").last();
  const label = (await evening.locator("label").textContent()).trim();
  assert.ok(label >= "18:00", `an evening time: ${label}`);
  await evening.locator("label").click();
  await page.click('form[action="/book/confirm"] button[type="submit"]');

  // Not signed in, no account: "create an account" keeps the way back.
  assert.equal(new URL(page.url()).pathname, "/account/sign-in");
  await page.click('a[href^="/account/register?return="]');
  assert.equal(new URL(page.url()).pathname, "/account/register");
  const newcomer = { email: `newcomer-${width}@example.org`, password: "an evening visit after work" };
  await page.fill("#email", newcomer.email);
  await page.fill("#password", newcomer.password);
  await page.click('form[action="/account/register"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account/register/sent");

  // The confirmation link, from the e-mail.
  let link;
  for (let tries = 0; tries < 10 && !link; ++tries) {
    const mail = await smtp.nextText();
    link = mail.match(/https?:\/\/\S+\/account\/verify\?token=\S+/)?.[0];
  }
  assert.ok(link, "a confirmation link arrived");
  const verify = new URL(link);
  assert.equal(verify.searchParams.get("return").split("?")[0], "/book/confirm");
  await page.goto(guichet.url + verify.pathname + verify.search);
  await page.click('form[action="/account/verify"] button[type="submit"]');
  assert.match(await page.textContent("main"), /as suas escolhas foram guardadas/);
  await page.click('main a[href^="/account/sign-in?return="]');
  await page.fill("#email", newcomer.email);
  await page.fill("#password", newcomer.password);
  await page.click('main button[type="submit"]');

  // Back on the confirmation, with the evening time chosen before.
  assert.equal(new URL(page.url()).pathname, "/book/confirm");
  assert.match(await page.textContent("main"), new RegExp(label.split("–")[0]));
  await page.click('form[action="/book/confirm"] button[type="submit"]');
  assert.match(new URL(page.url()).pathname, /^\/bookings\/[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  assert.deepEqual(await axeViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll");
  await context.close();
});
