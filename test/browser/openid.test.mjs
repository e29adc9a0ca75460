// Interoperability: openid-client (a certified relying-party library) signs a person in through
// `guichet serve` in Chromium, at acr_values=substantial with a TOTP second factor, then checks
// the ID token, reads userinfo, refreshes, and logs out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as oidc from "openid-client";
import { startGuichet, launchChromium, axeViolations, freePort, totp } from "./support.mjs";

let guichet;
let browser;
let relyingParty;
let rpUrl;
const ana = { email: "ana@example.org", password: "correct horse battery" };

before(async () => {
  relyingParty = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><title>RP</title><main><h1>${req.url.split("?")[0]}</h1></main></html>`);
  });
  await new Promise((r) => relyingParty.listen(0, "127.0.0.1", r));
  rpUrl = `http://127.0.0.1:${relyingParty.address().port}`;
  const port = await freePort();
  guichet = await startGuichet({
    users: [ana],
    port,
    admin: [["admin", "clients", "add", "--name", "Mairie de test", "--redirect-uri", `${rpUrl}/cb`,
      "--post-logout-uri", `${rpUrl}/bye`]],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await guichet?.stop();
  await new Promise((r) => relyingParty?.close(r));
});

test("openid-client completes discovery, sign-in with TOTP at substantial, tokens, userinfo, refresh, logout", async () => {
  const registered = JSON.parse(guichet.adminOutput[0]);
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();

  // The person turns on a second factor first (enrolment page with its QR code).
  await page.goto(guichet.url + "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('button[type="submit"]');
  await page.goto(guichet.url + "/account/second-factor");
  assert.equal(await page.locator(".guichet-qr svg").count(), 1);
  assert.deepEqual(await axeViolations(page), []);
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", totp(secret));
  await page.click('form[action="/account/second-factor/confirm"] button[type="submit"]');
  assert.equal(await page.locator(".guichet-codes li").count(), 10);
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(guichet.url + "/account");
  await page.click('form[action="/account/sign-out"] button');

  // The relying party, with a certified library.
  const config = await oidc.discovery(new URL(guichet.url), registered.client_id,
    undefined, oidc.ClientSecretBasic(registered.client_secret), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${rpUrl}/cb`,
    scope: "openid email offline_access",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    acr_values: "substantial",
  });

  await page.goto(authorizationUrl.href);
  assert.equal(new URL(page.url()).pathname, "/account/sign-in");
  await page.fill("#email", ana.email);
  await page.fill("#password", ana.password);
  await page.click('button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, "/account/sign-in/code");
  assert.deepEqual(await axeViolations(page), []);
  // The enrolment spent the current step's code; wait for the next step so this one is new.
  await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 200));
  await page.fill("#code", totp(secret));
  await page.click('button[type="submit"]');
  assert.match(await page.textContent("h1"), /Share your information/);
  assert.match(await page.textContent("main"), /Mairie de test/);
  assert.deepEqual(await axeViolations(page), []);
  await Promise.all([page.waitForURL(`${rpUrl}/cb**`), page.click('button[value="allow"]')]);

  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, guichet.url);
  assert.equal(claims.aud, registered.client_id);
  assert.equal(claims.acr, "substantial");
  assert.deepEqual(claims.amr, ["pwd", "otp", "mfa"]);
  assert.ok(claims.auth_time <= Math.floor(Date.now() / 1000));

  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(userinfo.email, ana.email);
  assert.equal(userinfo.email_verified, true);

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "refresh tokens rotate");
  assert.equal(refreshed.claims().sub, claims.sub);
  await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token), (err) => err.error === "invalid_grant",
    "the spent refresh token is refused");
  await assert.rejects(oidc.fetchUserInfo(config, refreshed.access_token, claims.sub), (err) => err.status === 401,
    "and its family is revoked");

  const logout = oidc.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: `${rpUrl}/bye`,
    state: "bye-state",
  });
  await page.goto(logout.href);
  assert.equal(new URL(page.url()).origin + new URL(page.url()).pathname, `${rpUrl}/bye`);
  assert.equal(new URL(page.url()).searchParams.get("state"), "bye-state");
  await page.goto(guichet.url + "/account");
  assert.equal(new URL(page.url()).pathname, "/account/sign-in", "signed out of Guichet too");
  await context.close();
});
