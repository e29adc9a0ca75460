// Starts `build/guichet serve` on a free port with a throw-away database, and Debian's
// Chromium through playwright-core (no browser download).
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

// A port nothing listens on, for a server whose public URL must be known before it starts.
export async function freePort() {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

// `users` are created first with `guichet admin users add`, as an operator would; `admin` runs
// further operator commands (argument lists) before the server starts and returns their output.
// `db` starts on the database an earlier server left (stopped with `keep`), as a node restarted.
export async function startGuichet({ extraArgs = [], users = [], port = 0, admin = [], db: existing } = {}) {
  const dir = existing ? null : mkdtempSync(join(tmpdir(), "guichet-browser-"));
  const binary = join(root, process.env.BUILD ?? "build", "guichet");
  const db = existing ?? `sqlite:${join(dir, "g.db")}`;
  for (const user of users) {
    execFileSync(binary, ["admin", "users", "add", "--email", user.email, "--password-stdin", "--verified", "--db", db], {
      input: user.password + "\n",
    });
  }
  const adminOutput = admin.map((args) => execFileSync(binary, [...args, "--db", db]).toString());
  const listen = ["--listen", `127.0.0.1:${port}`];
  if (port !== 0) listen.push("--public-url", `http://127.0.0.1:${port}`);
  const child = spawn(binary, ["serve", ...listen, "--db", db, "--no-access-log", ...extraArgs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolveUrl, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error("guichet did not start in 10 s")), 10_000);
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const line = buffered.split("\n").find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolveUrl(JSON.parse(line).url);
      }
    });
    child.on("exit", (code) => reject(new Error(`guichet exited with ${code}`)));
  });
  return {
    url,
    db,
    adminOutput,
    // `keep`: the database stays for another server (the caller's `stop` later removes it).
    async stop({ keep = false } = {}) {
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
      if (dir && !keep) rmSync(dir, { recursive: true, force: true });
    },
    dir,
  };
}

// Signs `who` ({email, password}) in through the form at `url`, as a person would.
export async function signIn(page, url, who) {
  await page.goto(url + "/account/sign-in");
  await page.fill("#email", who.email);
  await page.fill("#password", who.password);
  await page.click('main button[type="submit"]');
}

// pdfsig's report on a sealed PDF, with an NSS database trusting only the root Guichet at `url`
// publishes (no revocation check: see documents.test.mjs for OCSP).
export async function pdfsigReport(file, url) {
  const nss = mkdtempSync(join(tmpdir(), "guichet-nss-"));
  try {
    writeFileSync(join(nss, "root.pem"), await (await fetch(`${url}/pki/root.pem`)).text());
    execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${nss}`]);
    execFileSync("certutil", ["-A", "-n", "guichet-root", "-t", "C,C,C", "-d", `sql:${nss}`, "-i", join(nss, "root.pem")]);
    return execFileSync("pdfsig", ["-nssdir", `sql:${nss}`, "-nocert", file]).toString();
  } finally {
    rmSync(nss, { recursive: true, force: true });
  }
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// The text part of a message as the outbox sends it (base64, UTF-8).
function decode(raw) {
  const body = raw.split("Content-Transfer-Encoding: base64\r\n\r\n")[1].split("\r\n--")[0];
  return Buffer.from(body.replace(/\r\n/g, ""), "base64").toString("utf8");
}

// A local SMTP server that keeps what it receives, for journeys that follow an e-mailed link.
export async function startSmtpSink() {
  const { createServer } = await import("node:net");
  const messages = [];
  const server = createServer((socket) => {
    let buffer = "";
    let inData = false;
    let data = "";
    socket.write("220 sink.test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push(data);
            data = "";
            socket.write("250 OK\r\n");
          } else {
            data += (line.startsWith("..") ? line.slice(1) : line) + "\r\n";
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250-sink.test\r\n250 8BITMIME\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 OK\r\n");
      }
    });
  });
  await new Promise((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    // The decoded text of the next message, waiting for the outbox worker to send it.
    async nextText(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length === 0) {
        if (Date.now() > deadline) throw new Error("no e-mail arrived");
        await new Promise((r) => setTimeout(r, 50));
      }
      return decode(messages.shift());
    },
    // The decoded text of the first message, received or to come, whose text matches `pattern`
    // (others stay for nextText): for a journey whose e-mail may follow others'.
    async textMatching(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = messages.findIndex((raw) => pattern.test(decode(raw)));
        if (index >= 0) return decode(messages.splice(index, 1)[0]);
        if (Date.now() > deadline) throw new Error(`no e-mail matching ${pattern} arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise((resolveClose) => server.close(resolveClose)),
  };
}

// WCAG 2.2 A and AA violations on the page (axe-core's rules of 2.0, 2.1 and 2.2: target size
// among them), one line each; the tests expect none.
export async function axeViolations(page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// The current TOTP code (RFC 6238: SHA-1, six digits, 30-second steps) of a base32 secret, as an
// authenticator app would show it.
export function totp(secret, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/\s+/g, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
