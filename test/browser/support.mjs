// Starts `build/guichet serve` on a free port with a throw-away database, and Debian's
// Chromium through playwright-core (no browser download).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

// `users` are created first with `guichet admin users add`, as an operator would.
export async function startGuichet({ extraArgs = [], users = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "guichet-browser-"));
  const binary = join(root, process.env.BUILD ?? "build", "guichet");
  const db = `sqlite:${join(dir, "g.db")}`;
  for (const user of users) {
    execFileSync(binary, ["admin", "users", "add", "--email", user.email, "--password-stdin", "--verified", "--db", db], {
      input: user.password + "\n",
    });
  }
  const child = spawn(binary, ["serve", "--listen", "127.0.0.1:0", "--db", db, "--no-access-log", ...extraArgs], {
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
    async stop() {
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}
