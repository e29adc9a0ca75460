// "Dites-le-nous une fois" across three processes on loopback: the portal and two registry nodes
// (the tax administration, `at`, and social security, `ss`), each on its own database, set up with
// the operators' commands (keys pinned by id, one entitlement). Ana's reference income is fetched
// from the tax administration when she starts her student housing aid (shown with its source, in
// Portuguese, on a phone without JavaScript); her family allowance, for which nothing is granted,
// is refused and she types it; a replayed request, a tampered one and one from a node nobody
// registered are refused by the registry; both journals' chains verify; and Ana reads every
// access on /account/data (axe clean) and downloads it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startGuichet, launchChromium, axeViolations, signIn, freePort, totp } from "./support.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = join(root, process.env.BUILD ?? "build", "guichet");
const ana = { email: "ana@example.org", password: "a long and unguessable passphrase" };
const work = mkdtempSync(join(tmpdir(), "guichet-exchange-"));
const keyFile = join(work, "secrets.key");
const definitions = JSON.parse(readFileSync(join(root, "data", "demo-procedures.json"), "utf8"));
const housingLaw = definitions.find((d) => d.service === "student-housing-aid").legal_basis;
const allowanceLaw = definitions.find((d) => d.service === "family-allowance").legal_basis;
const inAYear = new Date(Date.now() + 365 * 86400e3).toISOString().slice(0, 10);
const registries = {};
let portal;
let browser;

function run(...args) {
  return execFileSync(binary, args).toString();
}

// `guichet registry` as its own process; resolves with its URL and key id once it listens.
function startRegistry(node, files) {
  const child = spawn(binary, ["registry", "--node-id", node, "--db", `sqlite:${join(work, node + ".db")}`,
    "--listen", "127.0.0.1:0", "--secrets-key-file", keyFile, "--no-access-log",
    "--dataset", files.csv, "--describe", files.description], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolveNode, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`registry ${node} did not start`)), 20_000);
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const line = buffered.split("\n").find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        const { url, kid } = JSON.parse(line);
        resolveNode({ url, kid, db: `sqlite:${join(work, node + ".db")}`, child, output: buffered });
      }
    });
    child.on("exit", (code) => reject(new Error(`registry ${node} exited with ${code}`)));
  });
}

function dataset(node, description, rows) {
  const csv = join(work, node + ".csv");
  const json = join(work, node + ".json");
  writeFileSync(json, JSON.stringify(description));
  writeFileSync(csv, rows.join("\n") + "\n");
  return { csv, description: json };
}

before(async () => {
  writeFileSync(keyFile, run("admin", "keys", "new-kek"));
  registries.at = await startRegistry("at", dataset("at", {
    dataset: "at", country: "PT",
    title: { en: "Tax and Customs Authority", pt: "Autoridade Tributária e Aduaneira" },
    attributes: [
      { name: "reference_income", type: "amount", meaning: { en: "Reference taxable income" } },
      { name: "household_parts", type: "decimal", meaning: { en: "Household tax parts" } },
    ],
  }, ["person_id,reference_income,household_parts", "100000010,8421.50,1", "100000002,30000,2.5"]));
  registries.ss = await startRegistry("ss", dataset("ss", {
    dataset: "ss", country: "PT",
    title: { en: "Social Security", pt: "Segurança Social" },
    attributes: [
      { name: "children", type: "integer", meaning: { en: "Dependent children" } },
      { name: "benefits", type: "list", meaning: { en: "Benefits received" } },
    ],
  }, ["person_id,children,benefits", "100000010,2,abono"]));

  // The portal: its database (with the demo account, whose NIF is 123456789), Ana (her identity
  // known by her NIF), its key set for the registries.
  const port = await freePort();
  const portalDb = `sqlite:${join(work, "portal.db")}`;
  run("demo-data", "--db", portalDb, "--secrets-key-file", keyFile);
  execFileSync(binary, ["admin", "users", "add", "--email", ana.email, "--password-stdin", "--verified",
    "--national-id", "PT:100000010", "--db", portalDb], { input: ana.password + "\n" });
  writeFileSync(join(work, "portal.keys"), run("exchange", "keys", "--key-set", "--db", portalDb, "--secrets-key-file", keyFile));
  const portalKid = JSON.parse(run("exchange", "keys", "--db", portalDb, "--secrets-key-file", keyFile).split("\n")[0]).kid;
  for (const [node, name] of [["at", "Autoridade Tributária e Aduaneira"], ["ss", "Segurança Social"]]) {
    const r = registries[node];
    run("exchange", "peers", "add", "--node", node, "--name", name, "--url", r.url, "--kid", r.kid, "--db", portalDb);
    run("exchange", "peers", "add", "--node", "guichet", "--name", "Guichet", "--url", `http://127.0.0.1:${port}`,
      "--kid", portalKid, "--key-set", join(work, "portal.keys"), "--db", r.db);
  }
  // The tax administration lets the portal read the reference income for the housing aid, and
  // social security the number of children for the family allowance, under the laws the
  // procedures name; nothing else is granted.
  run("exchange", "grant", "--consumer", "guichet", "--purpose", "student-housing-aid", "--dataset", "at",
    "--attributes", "reference_income", "--law", housingLaw, "--expires", inAYear, "--db", registries.at.db);
  run("exchange", "grant", "--consumer", "guichet", "--purpose", "family-allowance", "--dataset", "ss",
    "--attributes", "children", "--law", allowanceLaw, "--expires", inAYear, "--db", registries.ss.db);
  portal = await startGuichet({ db: portalDb, port, extraArgs: ["--secrets-key-file", keyFile] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
  for (const r of Object.values(registries)) {
    const exited = new Promise((resolveExit) => r.child.on("exit", resolveExit));
    r.child.kill("SIGTERM");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

async function start(page, service) {
  await page.goto(`${portal.url}/procedures/${service}`);
  await page.click(`main form[action="/procedures/${service}/start"] button`);
  return new URL(page.url()).pathname.split("/")[2];
}

test("the portal asks the registries once, and Ana sees each access", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 }, locale: "pt-PT" });
  const page = await context.newPage();
  await signIn(page, portal.url, ana);
  await page.goto(`${portal.url}/language?lang=pt&return=/`);

  // Before starting, the page says whom Guichet will ask for what, and under which law.
  await page.goto(`${portal.url}/procedures/student-housing-aid`);
  assert.match(await page.textContent("main"), /Autoridade Tributária e Aduaneira: /);
  assert.match(await page.textContent("main"), /Code de la construction/);
  // Entitled: the reference income comes from the tax administration, with its source.
  const housing = await start(page, "student-housing-aid");
  await page.goto(`${portal.url}/cases/${housing}/pages/income`);
  assert.equal((await page.inputValue("#reference_income")).replace(/\D/g, ""), "842150");
  assert.match(await page.textContent("main"), /Transmitido por Autoridade Tributária e Aduaneira/);
  await page.goto(`${portal.url}/cases/${housing}/pages/you`);
  assert.equal(await page.inputValue("#nif"), "100000010", "her NIF comes from her verified identity");
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320);

  // For the family allowance social security gives the number of children; the tax
  // administration, which granted nothing for it, refuses the income: she types it.
  const allowance = await start(page, "family-allowance");
  await page.goto(`${portal.url}/cases/${allowance}/pages/household`);
  assert.equal(await page.inputValue("#children"), "2");
  assert.match(await page.textContent("main"), /Transmitido por Segurança Social/);
  assert.equal(await page.inputValue("#reference_income"), "");

  // Her page lists both, newest first, with the law and the outcome.
  await page.goto(`${portal.url}/account/data`);
  const text = await page.textContent("main");
  assert.match(text, /Quem consultou os meus dados/);
  assert.match(text, /Code de la construction et de l'habitation/);
  assert.match(text, /Transmitido/);
  assert.match(text, /Recusado/);
  assert.match(text, /rendimento de referência/);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320);
  const csv = await (await context.request.get(`${portal.url}/account/data/accesses.csv`)).text();
  assert.equal(csv.trim().split("\r\n").length, 4, csv);
  await context.close();

  const withScript = await browser.newContext({ locale: "pt-PT" });
  const checked = await withScript.newPage();
  await signIn(checked, portal.url, ana);
  await checked.goto(`${portal.url}/account/data`);
  assert.deepEqual(await axeViolations(checked), []);
  await withScript.close();

  // The API gives the same with the account scope.
  const token = run("admin", "tokens", "issue", "--user", ana.email, "--scope", "account", "--db", portal.db).trim();
  const api = await (await fetch(`${portal.url}/api/v1/account/data-access`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.deepEqual(api.accesses.map((a) => [a.provider, a.purpose, a.outcome]), [
    ["ss", "family-allowance", "answered"],
    ["at", "family-allowance", "refused"],
    ["at", "student-housing-aid", "answered"],
  ]);
  assert.deepEqual(api.accesses[2].released, ["reference_income"]);
  assert.equal(api.accesses[1].reason, "not_entitled");
});

test("the registry refuses replayed, tampered and unknown requests, and both journals verify", async () => {
  // The signed request the portal sent, as the registry's auditors see it in the portal's journal.
  const journal = await (await fetch(`${portal.url}/exchange/v1/journal/head`)).text();
  assert.match(journal, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const token = run("admin", "tokens", "issue", "--user", ana.email, "--scope", "account", "--db", portal.db).trim();
  const accesses = await (await fetch(`${portal.url}/api/v1/account/data-access`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.ok(accesses.accesses.length >= 2);
  const sent = run("exchange", "journal", "list", "--limit", "10", "--db", portal.db).trim().split("\n").map((l) => JSON.parse(l));
  const request = sent.find((e) => e.provider === "at" && e.outcome === "answered").request_jws;

  const post = (body) => fetch(`${registries.at.url}/exchange/v1/query`, {
    method: "POST", headers: { "Content-Type": "application/jose" }, body,
  });
  const claim = (compact) => JSON.parse(Buffer.from(compact.split(".")[1], "base64url").toString());

  const replay = await post(request);
  assert.equal(replay.status, 409);
  assert.equal(claim(await replay.text()).reason, "replayed_request");

  const [header, payload, signature] = request.split(".");
  const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url")), person: "PT:100000002" })).toString("base64url");
  const tampered = await post(`${header}.${changed}.${signature}`);
  assert.equal(tampered.status, 401);
  assert.equal(claim(await tampered.text()).reason, "bad_signature");

  const strangerHeader = Buffer.from(JSON.stringify({ alg: "ES256", kid: "nobody" })).toString("base64url");
  const strangerPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url")), iss: "elsewhere" })).toString("base64url");
  const stranger = await post(`${strangerHeader}.${strangerPayload}.${signature}`);
  assert.equal(stranger.status, 403);
  assert.equal(claim(await stranger.text()).reason, "unknown_node");

  const wrongType = await fetch(`${registries.at.url}/exchange/v1/query`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  assert.equal(wrongType.status, 415);

  // Every one of them is in the registry's journal, and both chains hold.
  const refused = run("exchange", "journal", "list", "--limit", "10", "--db", registries.at.db).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(refused.slice(0, 3).map((e) => e.reason), ["unknown_node", "bad_signature", "replayed_request"]);
  for (const db of [portal.db, registries.at.db, registries.ss.db]) {
    assert.match(run("exchange", "journal", "verify", "--db", db), /exchange journal intact/);
  }
});

test("where the legal basis is consent, Ana sees what will be asked and chooses", async () => {
  // The housing aid's next version asks her consent instead of naming a law; the tax
  // administration grants the portal that consent as the legal basis.
  const consent = "Consentement de la personne : revenu fiscal pour l'aide au logement étudiant";
  const definition = { ...definitions.find((d) => d.service === "student-housing-aid"), legal_basis: { consent } };
  writeFileSync(join(work, "consent.json"), JSON.stringify(definition));
  run("admin", "procedures", "publish", "--file", join(work, "consent.json"), "--db", portal.db);
  run("exchange", "grant", "--consumer", "guichet", "--purpose", "student-housing-aid", "--dataset", "at",
    "--attributes", "reference_income", "--consent", consent, "--expires", inAYear, "--db", registries.at.db);
  const before = run("exchange", "journal", "list", "--db", registries.at.db).trim().split("\n").length;

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await signIn(page, portal.url, ana);
  await page.goto(`${portal.url}/language?lang=en&return=/`);
  await page.goto(`${portal.url}/procedures/student-housing-aid`);
  assert.match(await page.textContent("main"), /May we ask for it for you\?/);
  assert.match(await page.textContent("main"), /Autoridade Tributária e Aduaneira: /);
  assert.equal(await page.isChecked("#consent-no"), true, "no is the default");
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320);

  // No: nothing is asked of anyone, and she types it.
  await page.click('main form[action="/procedures/student-housing-aid/start"] button');
  const typed = new URL(page.url()).pathname.split("/")[2];
  await page.goto(`${portal.url}/cases/${typed}/pages/income`);
  assert.equal(await page.inputValue("#reference_income"), "");
  assert.equal(run("exchange", "journal", "list", "--db", registries.at.db).trim().split("\n").length, before);

  // Yes: asked under her consent, and filled in.
  await page.goto(`${portal.url}/procedures/student-housing-aid`);
  await page.click('label[for="consent-yes"]');
  await page.click('main form[action="/procedures/student-housing-aid/start"] button');
  const fetched = new URL(page.url()).pathname.split("/")[2];
  await page.goto(`${portal.url}/cases/${fetched}/pages/income`);
  assert.equal((await page.inputValue("#reference_income")).replace(/\D/g, ""), "842150");
  const latest = JSON.parse(run("exchange", "journal", "list", "--limit", "1", "--db", registries.at.db));
  assert.deepEqual([latest.outcome, latest.legal_basis.kind, latest.legal_basis.reference], ["answered", "consent", consent]);
  await context.close();

  const withScript = await browser.newContext();
  const checked = await withScript.newPage();
  await signIn(checked, portal.url, ana);
  await checked.goto(`${portal.url}/language?lang=en&return=/procedures/student-housing-aid`);
  assert.deepEqual(await axeViolations(checked), []);
  await withScript.close();
});

test("the social tariff is granted to Ana from both registries' data, and she reads why and declines it", async () => {
  // The benefit's administration defines it; the registries entitle the portal for it.
  const tariff = JSON.parse(readFileSync(join(root, "data", "exchange", "social-energy-tariff.json"), "utf8"));
  run("exchange", "grant", "--consumer", "guichet", "--purpose", tariff.code, "--dataset", "at",
    "--attributes", "reference_income,household_parts", "--law", tariff.legal_basis, "--expires", inAYear, "--db", registries.at.db);
  run("exchange", "grant", "--consumer", "guichet", "--purpose", tariff.code, "--dataset", "ss",
    "--attributes", "benefits", "--law", tariff.legal_basis, "--expires", inAYear, "--db", registries.ss.db);
  // Its administrator defines it on /admin/benefits, has the portal's job dry-run it, reads the
  // counts and enables it.
  const chief = { email: "erse-admin@example.org", password: "a long and unguessable passphrase" };
  execFileSync(binary, ["admin", "users", "add", "--email", chief.email, "--password-stdin", "--verified", "--db", portal.db],
    { input: chief.password + "\n" });
  run("admin", "users", "grant", "--email", chief.email, "--role", "administration_admin", "--administration", "erse", "--db", portal.db);
  const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page0 = await admin.newPage();
  await signIn(page0, portal.url, chief);
  await page0.goto(`${portal.url}/admin/benefits`);
  const secret = (await page0.textContent("#totp-secret")).trim();
  await page0.fill("#code", totp(secret));
  await page0.click('form[action="/account/second-factor/confirm"] button[type="submit"]');
  await page0.goto(`${portal.url}/admin/benefits`);
  await page0.fill("#definition", readFileSync(join(root, "data", "exchange", "social-energy-tariff.json"), "utf8"));
  await page0.click("#define-benefit");
  assert.match(await page0.textContent("main"), /The benefit is defined, not enabled/);
  assert.equal(await page0.locator(`#enable-${tariff.code}`).count(), 0, "no enabling before a dry run");
  await page0.click(`#dry-run-${tariff.code}`);
  // Ana qualifies (she receives the abono); the demo account is unknown to these registries.
  const counted = /of 2 people in scope, 1 would be granted, 0 not, and 1 could not be decided/;
  for (let i = 0; i < 60 && !counted.test(await page0.textContent("main")); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await page0.goto(`${portal.url}/admin/benefits`);
  }
  assert.match(await page0.textContent("main"), counted);
  assert.deepEqual(await axeViolations(page0), []);
  if (process.env.SCREENSHOTS) await page0.screenshot({ path: join(process.env.SCREENSHOTS, "admin-benefits-1280.png"), fullPage: true });
  await page0.setViewportSize({ width: 320, height: 640 });
  assert.equal(await page0.evaluate(() => document.documentElement.scrollWidth), 320);
  if (process.env.SCREENSHOTS) await page0.screenshot({ path: join(process.env.SCREENSHOTS, "admin-benefits-320.png"), fullPage: true });
  await page0.click(`#enable-${tariff.code}`);
  assert.match(await page0.textContent("main"), /The benefit is enabled/);
  await admin.close();
  const granted = JSON.parse(run("benefits", "run", "--db", portal.db, "--secrets-key-file", keyFile));
  assert.equal(granted.granted, 1);

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await signIn(page, portal.url, ana);
  await page.goto(`${portal.url}/language?lang=pt&return=/account/benefits`);
  const text = await page.textContent("main");
  assert.match(text, /Tarifa social de energia/);
  assert.match(text, /Atribuído/);
  assert.match(text, /8421,50|8\s421,50/, "her reference income, as money");
  assert.match(text, /abono/);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320);
  await page.click('main form[action="/account/benefits/social-energy-tariff/decline"] button');
  assert.match(await page.textContent("main"), /O apoio foi recusado/);
  assert.match(await page.textContent("main"), /Recusado/);
  await context.close();

  const withScript = await browser.newContext();
  const checked = await withScript.newPage();
  await signIn(checked, portal.url, ana);
  await checked.goto(`${portal.url}/language?lang=pt&return=/account/benefits`);
  assert.deepEqual(await axeViolations(checked), []);
  await withScript.close();
});

test("social security asks the tax registry directly; the registry tells the portal, and Ana sees it", async () => {
  // Social security's own system and the tax administration's registry know each other; the
  // registry entitles it, and tells the portal of the accesses others make.
  const ssKid = JSON.parse(run("exchange", "keys", "--node-id", "ss", "--db", registries.ss.db, "--secrets-key-file", keyFile).split("\n")[0]).kid;
  run("exchange", "peers", "add", "--node", "ss", "--name", "Segurança Social", "--url", registries.ss.url, "--kid", ssKid, "--db", registries.at.db);
  run("exchange", "peers", "add", "--node", "at", "--name", "Autoridade Tributária e Aduaneira", "--url", registries.at.url,
    "--kid", registries.at.kid, "--db", registries.ss.db);
  run("exchange", "grant", "--consumer", "ss", "--purpose", "family-allowance", "--dataset", "at",
    "--attributes", "household_parts", "--law", allowanceLaw, "--expires", inAYear, "--db", registries.at.db);
  run("exchange", "peers", "report", "--node", "guichet", "--db", registries.at.db);
  const asked = JSON.parse(run("exchange", "ask", "--node-id", "ss", "--db", registries.ss.db, "--secrets-key-file", keyFile,
    "--provider", "at", "--dataset", "at", "--attributes", "household_parts", "--purpose", "family-allowance",
    "--person", "PT:100000010", "--law", allowanceLaw));
  assert.deepEqual([asked.outcome, asked.values.household_parts], ["answered", 1]);
  // What the registry's job does each minute, now.
  const told = JSON.parse(run("exchange", "report", "--node-id", "at", "--db", registries.at.db, "--secrets-key-file", keyFile));
  assert.equal(told.sent, 1, "only social security's access: the portal's own it journals itself");

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await signIn(page, portal.url, ana);
  await page.goto(`${portal.url}/language?lang=en&return=/account/data`);
  const first = page.locator("main li.guichet-case").first();
  assert.match(await first.textContent(), /Asked directly/);
  assert.match(await first.textContent(), /asked by Segurança Social/);
  assert.match(await first.textContent(), /household tax parts/i);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: join(process.env.SCREENSHOTS, "data-access-320.png"), fullPage: true });
  await context.close();

  const withScript = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const checked = await withScript.newPage();
  await signIn(checked, portal.url, ana);
  await checked.goto(`${portal.url}/language?lang=vi&return=/account/data`);
  if (process.env.SCREENSHOTS) await checked.screenshot({ path: join(process.env.SCREENSHOTS, "data-access-1280-vi.png") });
  assert.match(await checked.textContent("main li.guichet-case"), /Yêu cầu trực tiếp/);
  assert.deepEqual(await axeViolations(checked), []);
  await withScript.close();
});
