// The walk-in queue in real browsers, on the demonstration catalogue and a shop open around the
// clock (so the journey runs at any hour): a visitor takes a ticket on a phone (with and without
// JavaScript), the agent opens a counter and calls, the display board and the visitor's page show
// the call as it happens (Server-Sent Events), and a booked visitor checks in at the kiosk with the
// link of their confirmation's QR code. Every page checked with axe; no horizontal scroll at 320 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startGuichet, launchChromium, axeViolations, totp } from "./support.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, process.env.BUILD ?? "build", "guichet");
const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const rita = { email: "rita@example.org", password: "counter seven opens at nine" };
const work = mkdtempSync(join(tmpdir(), "guichet-queue-"));
const shots = process.env.SCREENSHOTS;
const allDay = [["00:00", "24:00"]];
// The kiosk journey books the first free visit (at least two hours ahead) and checks in on the
// shop's same local day: the shop keeps a time zone where it is between 02:00 and 21:00 whenever
// the suite runs (in Lisbon from 22:00 UTC the first free visit is tomorrow, and check-in is
// rightly refused).
const utcHour = new Date().getUTCHours();
const shop = {
  code: "balcao-24h", name: "Balcão 24 horas", address: "Rua do Teste 1, Lisboa", latitude: 38.7, longitude: -9.1,
  time_zone: utcHour >= 2 && utcHour < 19 ? "Europe/Lisbon" : "Asia/Tokyo",
  opening_hours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
  counters: [
    { code: "b01", services: ["passport", "citizen-card-renewal"] },
    { code: "b02", services: ["passport", "tax-number"] },
  ],
};
let guichet;
let browser;
let ritaSecret;

before(async () => {
  const catalogue = join(work, "shop.json");
  writeFileSync(catalogue, JSON.stringify({ shops: [shop] }));
  guichet = await startGuichet({
    users: [ana, rita],
    admin: [
      ["demo-data"],
      ["admin", "catalogue", "import", catalogue],
      ["admin", "users", "grant", "--email", rita.email, "--role", "agent", "--administration", "irn"],
      ["admin", "users", "assign", "--email", rita.email, "--shop", shop.code],
    ],
    // A booking is at least two hours ahead: let its holder check in that early.
    extraArgs: ["--queue-check-in-minutes", "720"],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

async function shoot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `queue-${name}.png`), fullPage: true });
}

async function signInAgent(page) {
  await page.goto(guichet.url + "/agent/counter");
  assert.equal(new URL(page.url()).pathname, "/account/sign-in");
  await page.fill("#email", rita.email);
  await page.fill("#password", rita.password);
  await page.click('main button[type="submit"]');
  if (!ritaSecret) {
    assert.equal(new URL(page.url()).pathname, "/account/second-factor", "agents need a second factor");
    ritaSecret = (await page.textContent("#totp-secret")).trim();
    await page.fill("#code", totp(ritaSecret));
    await page.click('form[action="/account/second-factor/confirm"] button[type="submit"]');
    await page.goto(guichet.url + "/agent/counter");
  } else {
    await page.fill("#code", totp(ritaSecret, Date.now() + 30_000));
    await page.click('main button[type="submit"]');
  }
  assert.equal(new URL(page.url()).pathname, "/agent/counter");
}

test("a phone ticket is called at a counter and the board and the ticket page show it at once", async () => {
  // The board, as a screen in the shop shows it.
  const board = await browser.newContext({ locale: "pt-PT", viewport: { width: 1280, height: 800 } });
  const display = await board.newPage();
  await display.goto(`${guichet.url}/shops/${shop.code}/display`);
  assert.match(await display.textContent("h1"), /Balcão 24 horas/);
  assert.ok(await display.isVisible("#display-sound"), "the sound button appears with the script");
  assert.deepEqual(await axeViolations(display), []);

  // A visitor on a phone: nothing chosen is refused next to the list, then a passport ticket.
  const phone = await browser.newContext({ locale: "en-GB", viewport: { width: 320, height: 640 } });
  const page = await phone.newPage();
  await page.goto(`${guichet.url}/shops/${shop.code}/ticket`);
  assert.ok(await noHorizontalScroll(page));
  assert.deepEqual(await axeViolations(page), []);
  const refused = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click('form.guichet-queue-form button[type="submit"]'),
  ]);
  assert.equal(refused[0].status(), 400);
  assert.match(await page.textContent("#services-error"), /Choose one to four services/);
  assert.deepEqual(await axeViolations(page), []);
  await page.click('summary:has-text("Registries and Notary Institute")');
  await page.locator('.usa-checkbox:has-text("Passport application") label').click();
  await page.click('form.guichet-queue-form button[type="submit"]');
  assert.match(new URL(page.url()).pathname, /^\/tickets\/[A-Za-z0-9_-]{22}$/);
  assert.equal((await page.textContent(".guichet-ticket__number")).trim(), "A001");
  assert.match(await page.textContent("#ticket-live"), /0 people before you/);
  assert.ok(await noHorizontalScroll(page));
  assert.deepEqual(await axeViolations(page), []);
  await shoot(page, "ticket-320");

  // Another visitor, without JavaScript, aged over 65.
  const plain = await browser.newContext({ locale: "fr-FR", javaScriptEnabled: false });
  const second = await plain.newPage();
  await second.goto(`${guichet.url}/shops/${shop.code}/ticket`);
  await second.click('summary:has-text("Institut des registres")');
  await second.locator('.usa-checkbox:has-text("Demande de passeport") label').click();
  await second.locator('label[for="priority-elderly"]').click();
  await second.click('form.guichet-queue-form button[type="submit"]');
  assert.equal((await second.textContent(".guichet-ticket__number")).trim(), "A002");

  // The agent opens counter b01 and calls: the priority ticket first.
  const desk = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const agent = await desk.newPage();
  await signInAgent(agent);
  assert.deepEqual(await axeViolations(agent), []);
  await agent.click('form[action="/agent/counter/open"]:has(input[value]) button:has-text("b01")');
  assert.match(await agent.textContent("h1"), /b01/);
  assert.match(await agent.textContent(".guichet-counter__next"), /A002/, "an idle counter is offered the next ticket");
  await agent.click('form[action="/agent/counter/call-next"] button');
  assert.match(await agent.textContent(".guichet-counter__current"), /A002/);
  assert.deepEqual(await axeViolations(agent), []);
  await shoot(agent, "counter");
  await display.waitForSelector('.guichet-display__latest:has-text("A002")', { timeout: 5000 });
  assert.match(await display.textContent(".guichet-display__latest"), /b01/);

  // Served, next: A001's page (with its script) turns to "go to counter b01" by itself.
  await agent.click('form[action="/agent/counter/call-next"] button');
  assert.match(await agent.textContent(".guichet-counter__current"), /A001/);
  await page.waitForSelector(".guichet-ticket__called", { timeout: 5000 });
  assert.match(await page.textContent(".guichet-ticket__called"), /counter b01/);
  await display.waitForSelector('.guichet-display__latest:has-text("A001")', { timeout: 5000 });
  assert.deepEqual(await axeViolations(display), []);
  await shoot(display, "display");

  // Absent only after the calls; then nobody waits.
  await agent.click('form[action="/agent/counter/recall"] button');
  await agent.click('form[action="/agent/counter/finish"] button[value="absent"]');
  assert.match(await agent.textContent("main"), /Marked absent/);
  await page.reload();
  assert.match(await page.textContent("#ticket-live"), /did not come/);

  // The day's figures for the shop's staff.
  await agent.click('a[href="/agent/queue/measures"]');
  assert.match(await agent.textContent("main"), /Passport application/);
  assert.deepEqual(await axeViolations(agent), []);
  await shoot(agent, "measures");

  // On a phone, in French, the agent chooses how the counter calls: "one service first" needs
  // one of the counter's services; the page says which order it calls by.
  await agent.setViewportSize({ width: 320, height: 800 });
  await agent.goto(guichet.url + "/language?lang=fr&return=/agent/counter");
  assert.match(await agent.textContent("main"), /Appelle par : Ordre d'appel/);
  await agent.locator('label[for="profile-service_first"]').click();
  await agent.selectOption("#preferred-service", { label: "Renouvellement de la carte d'identité" });
  await agent.click('form[action="/agent/counter/profile"] button[type="submit"]');
  assert.match(await agent.textContent("main"), /Le guichet appelle désormais dans cet ordre/);
  assert.match(await agent.textContent("main"), /Appelle par : Un service d'abord/);
  assert.equal(await agent.isChecked("#profile-service_first"), true);
  assert.deepEqual(await axeViolations(agent), []);
  assert.ok(await noHorizontalScroll(agent), "no horizontal scroll at 320 px");
  await shoot(agent, "counter-profile-fr-320");
  await agent.goto(guichet.url + "/language?lang=vi&return=/agent/queue/measures");
  assert.deepEqual(await axeViolations(agent), []);
  assert.ok(await noHorizontalScroll(agent), "the figures reflow at 320 px");
  await shoot(agent, "measures-vi-320");
  await agent.goto(guichet.url + "/language?lang=en&return=/agent/counter");
  await agent.locator('label[for="profile-calling_order"]').click();
  await agent.click('form[action="/agent/counter/profile"] button[type="submit"]');
  assert.match(await agent.textContent("main"), /Calls by: Calling order/);
  await Promise.all([board.close(), phone.close(), plain.close(), desk.close()]);
});

test("a booked visitor checks in at the kiosk with their confirmation's QR link and goes first", async () => {
  // Ana books a passport visit through the API.
  const token = execFileSync(binary, ["admin", "tokens", "issue", "--user", ana.email, "--scope", "appointments",
    "--db", guichet.db]).toString().trim();
  const lines = await (await fetch(`${guichet.url}/api/v1/shops/${shop.code}/queue`)).json();
  const passport = lines.lines.find((l) => l.name === "Passport application").service;
  const shops = await (await fetch(`${guichet.url}/api/v1/shops`)).json();
  const shopId = shops.shops.find((s) => s.code === shop.code).id;
  const today = new Date().toISOString().slice(0, 10);
  const free = await (await fetch(
    `${guichet.url}/api/v1/availability?services=${passport}&shop=${shopId}&from=${today}&limit=1`)).json();
  const booked = await fetch(`${guichet.url}/api/v1/bookings`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ shop: shopId, start: free.visits[0].start, services: [passport] }),
  });
  assert.equal(booked.status, 201);
  const { reference } = await booked.json();

  // A walk-in takes a ticket through the API first.
  const walkIn = await fetch(`${guichet.url}/api/v1/shops/${shop.code}/tickets`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ services: [passport] }),
  });
  assert.equal(walkIn.status, 201);

  // The kiosk is a staff session at the shop.
  const kiosk = await browser.newContext({ locale: "pt-PT", viewport: { width: 1080, height: 1920 } });
  const page = await kiosk.newPage();
  await signInAgent(page);
  await page.goto(`${guichet.url}/shops/${shop.code}/kiosk`);
  assert.match(await page.textContent("h1"), /Tire a sua senha/);
  assert.deepEqual(await axeViolations(page), []);
  await page.fill("#reference", "NOPE-0000");
  await page.click('form[action$="/kiosk/check-in"] button');
  assert.match(await page.textContent("#reference-error"), /Nenhum agendamento/);
  assert.equal(await page.getAttribute("#reference", "aria-invalid"), "true");
  assert.deepEqual(await axeViolations(page), []);
  // The scanner types what the QR code holds: the booking's address.
  await page.fill("#reference", `${guichet.url}/bookings/${reference}`);
  await page.click('form[action$="/kiosk/check-in"] button');
  assert.match(new URL(page.url()).search, /kiosk=1/);
  const number = (await page.textContent(".guichet-ticket__number")).trim();
  assert.match(await page.textContent("main"), new RegExp(reference));
  assert.ok(await page.isVisible('a:has-text("Concluído: próximo utente")'));
  assert.deepEqual(await axeViolations(page), []);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.isVisible(".guichet-header"), false, "a printed ticket is the ticket alone");
  await shoot(page, "kiosk-print");
  await page.emulateMedia({ media: "screen" });

  // Checking in twice is refused.
  await page.goto(`${guichet.url}/shops/${shop.code}/kiosk`);
  await page.fill("#reference", reference);
  await page.click('form[action$="/kiosk/check-in"] button');
  assert.match(await page.textContent("main"), /já fez o check-in/);

  // The API lists both; the booked visitor's time has not come, so the walk-in goes first, and
  // the board's queue page says how long a new ticket would wait.
  const queue = await (await fetch(`${guichet.url}/api/v1/shops/${shop.code}/queue`)).json();
  assert.equal(queue.lines.find((l) => l.service === passport).waiting, 2);
  const called = await page.context().request.post(`${guichet.url}/agent/counter/open`, { failOnStatusCode: false });
  assert.equal(called.status(), 403, "a form without its CSRF token is refused");
  assert.match(number, /^A\d{3}$/);
  await kiosk.close();
});

