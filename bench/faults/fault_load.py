#!/usr/bin/env python3
"""Issue 17, item 14, end to end: a booking load through the real API while faults are injected,
then the invariants checked against the database.

Run by bench/faults/fault_load.sh, which sets up the database. Faults, on PostgreSQL with two
nodes: the database frozen (SIGSTOP) for 20 s, a node killed with SIGKILL and restarted, a deep
outbox (20,000 due mails) with a password reset asked behind it. On SQLite with one node: an
outside process holding the write lock for 15 s, and the disk filling up (a tmpfs grown again
afterwards). Clients time out after 3 s and retry with the same Idempotency-Key and body, as the
API asks them to.

Checked at the end: every acknowledged booking is stored and confirmed; no key booked twice and
no person twice at one time; no two active items overlap on a counter; every 503 carried
Retry-After; every 5xx's request id is in its node's error log; /healthz never waited on the
database; /readyz answered 503 within a second of the database freezing; the reset mail came
through the backlog ahead of it. Prints one line per check and exits 1 when one fails.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import socketserver
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

CLIENT_TIMEOUT = 3.0
RETRIES = 12
PACE = 0.15  # seconds a client waits after a booking


METRICS_TOKEN = "fault-load-scraper-0123456789abcdef"


class Node:
    def __init__(self, name, build, db, env, log_dir, extra):
        self.name, self.build, self.db, self.env, self.log_dir, self.extra = name, build, db, env, log_dir, extra
        self.proc = None
        self.port = None
        self.start()

    def start(self):
        out = open(os.path.join(self.log_dir, f"{self.name}.out"), "a")
        err = open(os.path.join(self.log_dir, f"{self.name}.err"), "a")
        listen = f"127.0.0.1:{self.port or 0}"
        self.proc = subprocess.Popen(
            [f"{self.build}/guichet", "serve", "--listen", listen, "--db", self.db, "--no-access-log",
             "--trust-forwarded-for", "--threads", "2", "--job-poll-ms", "100"] + self.extra,
            stdout=out, stderr=err, env=self.env)
        path = os.path.join(self.log_dir, f"{self.name}.out")
        for _ in range(300):
            time.sleep(0.1)
            for line in open(path):
                if '"listening"' in line or "listening" in line:
                    url = json.loads(line).get("url", "")
                    if url:
                        self.port = int(url.rsplit(":", 1)[1].strip("/"))
                        return
        raise RuntimeError(f"node {self.name} did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def call(port, method, path, body=None, headers=None, timeout=CLIENT_TIMEOUT):
    """(status, headers dict, body bytes) or (None, {}, error text) when no answer came."""
    started = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data, time.monotonic() - started
    except (OSError, http.client.HTTPException) as e:
        return None, {}, str(e).encode(), time.monotonic() - started


class Record:
    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = {}  # idempotency key -> reference
        self.outcomes = {}
        self.no_retry_after = 0
        self.failures = []  # (node name, request id, status, error code, time)
        self.searches_failed = []  # times of availability searches not answered 200
        self.replays_disagreeing = 0
        self.gave_up = 0

    def count(self, what):
        with self.lock:
            self.outcomes[what] = self.outcomes.get(what, 0) + 1


def booking_client(stop, nodes, tokens, shops, services, record, seed):
    rng = random.Random(seed)
    seen = {}  # (shop, service) -> the visits availability last gave
    while not stop.is_set():
        token = rng.choice(tokens)
        shop = rng.choice(shops)
        service = rng.choice(services[shop])
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400 * rng.randint(1, 40)))
        node = rng.choice([n for n in nodes if n.proc.poll() is None])
        status, _, body, _ = call(node.port, "GET",
                                  f"/api/v1/availability?shop={shop}&services={service}&from={day}&days=3&limit=50")
        if status == 200:
            visits = json.loads(body).get("visits", [])
            seen[(shop, service)] = visits
        else:
            # Book from what an earlier search offered, so that bookings are in flight during a
            # fault too (the answers lost then are what the Idempotency-Key is for).
            record.count(f"availability {status}")
            record.searches_failed.append(time.monotonic())
            visits = seen.get((shop, service), [])
            if not visits:
                time.sleep(0.2)
                continue
        if not visits:
            record.count("availability empty")
            continue
        visit = rng.choice(visits)
        payload = json.dumps({"shop": shop, "start": visit["start"], "services": [service]})
        key = str(uuid.uuid4())
        address = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key,
                   "X-Forwarded-For": address}
        for attempt in range(RETRIES):
            live = [n for n in nodes if n.proc.poll() is None] or nodes
            node = live[(attempt + seed) % len(live)]
            status, h, body, _ = call(node.port, "POST", "/api/v1/bookings", payload, headers)
            if status is not None and status >= 500:
                error = json.loads(body).get("error", "") if body[:1] == b"{" else ""
                with record.lock:
                    record.failures.append((node.name, h.get("x-request-id", ""), status, error, time.monotonic()))
                    if status == 503 and "retry-after" not in h:
                        record.no_retry_after += 1
            if status == 201:
                reference = json.loads(body)["reference"]
                with record.lock:
                    if key in record.acknowledged and record.acknowledged[key] != reference:
                        record.replays_disagreeing += 1
                    record.acknowledged[key] = reference
                record.count("booked" if attempt == 0 else "booked on a retry")
                time.sleep(PACE)  # people, not a flood: the per-person daily limit stays out of the way
                break
            if status is None or status >= 500 or (status == 409 and b"idempotency" in body):
                record.count(f"retried after {status or 'no answer'}")
                time.sleep(min(2.0, 0.25 * (attempt + 1)))
                continue
            record.count(f"refused {status} {json.loads(body).get('error', '') if body[:1] == b'{' else ''}")
            break
        else:
            record.gave_up += 1
            record.count("gave up")


def prober(stop, node, path, samples):
    """One probe of one node at a time, every 100 ms: (start, node, path, status, seconds)."""
    while not stop.is_set():
        if node.proc.poll() is None:
            started = time.monotonic()
            status, _, _, took = call(node.port, "GET", path, timeout=30)
            samples.append((started, node.name, path, status, took))
        time.sleep(0.1)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


class SmtpSink(socketserver.ThreadingTCPServer):
    """Enough SMTP for the mailer: every message's arrival time and subject, by recipient."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.received = []  # (time, recipients, headers text)
        super().__init__(("127.0.0.1", 0), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        recipients = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == b"MAIL":
                recipients = []
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                recipients.append(line.decode(errors="replace").split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go\r\n")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if not data or data == b".\r\n":
                        break
                    lines.append(data)
                self.server.received.append((time.monotonic(), recipients, b"".join(lines[:40]).decode(errors="replace")))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def sql(args, statement):
    """Rows of one statement on the test database (psql or sqlite3), as lists of strings."""
    if args.engine == "postgresql":
        out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-F", "\t", args.pg_url, "-c", statement],
                             check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]
    c = sqlite3.connect(args.sqlite_path, timeout=30)
    rows = [[str(v) for v in row] for row in c.execute(statement)]
    c.close()
    return rows


def forgot_password(port, email):
    """The reset form as a browser submits it (its CSRF token and cookie)."""
    status, h, body, _ = call(port, "GET", "/account/forgot", timeout=30)
    cookie = h.get("set-cookie", "").split(";", 1)[0]
    marker = b'name="csrf_token" value="'
    at = body.find(marker)
    csrf = body[at + len(marker):body.find(b'"', at + len(marker))].decode() if at >= 0 else ""
    form = urllib.parse.urlencode({"csrf_token": csrf, "email": email})
    status, _, _, _ = call(port, "POST", "/account/forgot", form,
                           {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}, timeout=30)
    return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--tokens", required=True, help="a file of access tokens, one per line")
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tmpfs", help="SQLite: the tmpfs the database lives on, for the full-disk fault")
    args = parser.parse_args()
    args.pg_url = args.db if args.engine == "postgresql" else None
    args.sqlite_path = args.db[len("sqlite:"):] if args.engine == "sqlite" else None
    tokens = [t.strip() for t in open(args.tokens) if t.strip()]

    shops = [int(r[0]) for r in sql(args, "SELECT id FROM shops ORDER BY id")]
    services = {}
    for shop, service in sql(args, "SELECT DISTINCT c.shop_id, cs.service_id FROM counters c JOIN counter_services cs "
                                   "ON cs.counter_id = c.id JOIN services s ON s.id = cs.service_id "
                                   "WHERE s.channels % 2 = 1"):
        services.setdefault(int(shop), []).append(int(service))
    shops = [s for s in shops if s in services]

    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    env = dict(os.environ)
    token_file = os.path.join(args.log_dir, "metrics-token")
    with open(token_file, "w") as f:
        f.write(METRICS_TOKEN + "\n")
    extra = ["--smtp-url", f"smtp://127.0.0.1:{sink.server_address[1]}", "--request-timeout-ms", "10000",
             "--metrics-token-file", token_file]
    if args.engine == "sqlite":
        extra += ["--db-busy-timeout-ms", "2000"]
    names = ["a", "b"] if args.engine == "postgresql" else ["a"]
    nodes = [Node(n, args.build, args.db, env, args.log_dir, extra) for n in names]

    record = Record()
    samples = []
    stop = threading.Event()
    threads = [threading.Thread(target=booking_client, args=(stop, nodes, tokens, shops, services, record, i))
               for i in range(args.clients)]
    threads += [threading.Thread(target=prober, args=(stop, node, path, samples))
                for node in nodes for path in ("/healthz", "/readyz")]
    for t in threads:
        t.start()
    phases = []  # (name, start, end)
    checks = []

    def phase(name, seconds, action=None):
        began = time.monotonic()
        if action:
            action()
        time.sleep(max(0.0, seconds - (time.monotonic() - began)))
        phases.append((name, began, time.monotonic()))
        print(f"phase {name}: {time.monotonic() - began:.1f} s; outcomes so far {dict(sorted(record.outcomes.items()))}",
              flush=True)

    phase("baseline", 15)
    if args.engine == "postgresql":
        data_dir = os.path.join(os.path.dirname(os.environ["GUICHET_TEST_PG_LOG"]), "data")
        postmaster = int(open(os.path.join(data_dir, "postmaster.pid")).readline())
        backends = [postmaster] + [int(p) for p in subprocess.run(["pgrep", "-P", str(postmaster)],
                                                                  capture_output=True, text=True).stdout.split()]
        frozen_at = [0.0]

        def freeze():
            frozen_at[0] = time.monotonic()
            for pid in backends:
                os.kill(pid, signal.SIGSTOP)

        phase("database frozen", 20, freeze)
        for pid in backends:
            os.kill(pid, signal.SIGCONT)
        phase("after the thaw", 10)
        # Probes that began during the freeze (the first 100 ms aside, when one may have been
        # answered already), and the first 503 each node gave after the freeze began.
        frozen = [s for s in samples if frozen_at[0] + 0.1 <= s[0] <= frozen_at[0] + 19 and s[2] == "/readyz"]
        firsts = [min((s[0] + s[4] - frozen_at[0] for s in samples if s[1] == n and s[2] == "/readyz"
                       and s[3] == 503 and s[0] + s[4] >= frozen_at[0]), default=None) for n in names]
        checks.append(("each node's /readyz said 503 within 1.5 s of the freeze",
                       all(f is not None and f <= 1.5 for f in firsts), f"{[round(f, 2) if f else f for f in firsts]} s"))
        checks.append(("every /readyz during the freeze answered 503 within 1.2 s",
                       bool(frozen) and all(s[3] == 503 and s[4] <= 1.2 for s in frozen),
                       f"{len(frozen)} probes, statuses {sorted(set(s[3] for s in frozen))}, "
                       f"max {max((s[4] for s in frozen), default=0):.3f} s"))

        def kill_b():
            nodes[1].kill()

        phase("node b killed", 3, kill_b)
        phase("node b restarted", 12, nodes[1].start)

        # A deep outbox: 20,000 due confirmations, then a password reset asked behind them.
        def backlog():
            sql(args, "INSERT INTO jobs (kind, payload, status, run_at, max_attempts, priority, created_at, updated_at) "
                      "SELECT j.kind, j.payload, 'pending', 0, 1, 1, 0, 0 FROM (SELECT kind, payload FROM jobs "
                      "WHERE kind = 'booking.email' ORDER BY id LIMIT 1) AS j, generate_series(1, 20000)")
        asked = [0.0]

        def reset():
            backlog()
            due = sql(args, "SELECT COUNT(*) FROM jobs WHERE status = 'pending'")[0][0]
            print(f"outbox: {due} jobs pending", flush=True)
            asked[0] = time.monotonic()
            status = forgot_password(nodes[0].port, "load0@example.org")
            checks.append(("the reset form was accepted", status == 303, f"status {status}"))

        phase("deep outbox", 20, reset)
        arrived = [t for t, to, text in sink.received if t >= asked[0] and "load0@example.org" in to
                   and "reset" in text.lower()]
        delay = arrived[0] - asked[0] if arrived else None
        status, _, metrics, _ = call(nodes[0].port, "GET", "/metrics", timeout=10,
                                     headers={"Authorization": "Bearer " + METRICS_TOKEN})
        depth = [line for line in metrics.decode().splitlines() if line.startswith("guichet_jobs_due")]
        checks.append(("the reset mail came through the backlog within 5 s", delay is not None and delay < 5,
                       f"{delay if delay is None else round(delay, 2)} s; {'; '.join(depth)}"))
    else:
        def outside_writer():
            def hold():
                c = sqlite3.connect(args.sqlite_path, timeout=30, isolation_level=None)
                c.execute("BEGIN IMMEDIATE")
                c.execute("UPDATE jobs SET updated_at = updated_at WHERE id = (SELECT MIN(id) FROM jobs)")
                time.sleep(15)
                c.execute("COMMIT")
                c.close()
            threading.Thread(target=hold, daemon=True).start()

        held_from = time.monotonic()
        phase("an outside writer holds the lock", 15, outside_writer)
        phase("after the writer", 10)
        held = [s for s in samples if held_from <= s[0] <= held_from + 15 and s[2] == "/healthz"]
        checks.append(("/healthz answered within 0.5 s while another process held the lock",
                       bool(held) and max(s[4] for s in held) < 0.5, f"max {max((s[4] for s in held), default=0):.3f} s"))
        busy = [f for f in record.failures if held_from <= f[4] <= held_from + 16]
        checks.append(("while it held the lock, bookings got 503 database_busy (then were retried)",
                       bool(busy) and all(f[2] == 503 and f[3] == "database_busy" for f in busy),
                       f"{len(busy)}: {sorted(set((f[2], f[3]) for f in busy))}"))
        stalled = [t for t in record.searches_failed if held_from <= t <= held_from + 15]
        checks.append(("while it held the lock, every search was answered", not stalled, f"{len(stalled)} not"))
        if args.tmpfs:
            size = os.statvfs(args.tmpfs)
            used = (size.f_blocks - size.f_bfree) * size.f_frsize

            def fill():
                subprocess.run(["mount", "-o", f"remount,size={used + 512 * 1024}", args.tmpfs], check=True)

            filled_from = time.monotonic()
            phase("the disk is full", 15, fill)
            full = [f for f in record.failures if f[4] >= filled_from]
            status, _, body, _ = call(nodes[0].port, "GET", "/readyz", timeout=5)
            checks.append(("/readyz reports the full disk", status == 503 and b"storage" in body,
                           f"{status} {body[:120]!r}"))
            subprocess.run(["mount", "-o", f"remount,size={used + 256 * 1024 * 1024}", args.tmpfs], check=True)
            phase("space again", 15)
            checks.append(("while the disk was full, bookings got 503 storage_full",
                           bool(full) and all(f[2] == 503 and f[3] == "storage_full" for f in full),
                           f"{len(full)}: {sorted(set((f[2], f[3]) for f in full))}"))

    stop.set()
    for t in threads:
        t.join()

    # Every 5xx's request id is in its node's log with its cause.
    logged = set()
    for n in names:
        for line in open(os.path.join(args.log_dir, f"{n}.err")):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == "request_failed" and entry.get("cause") not in (None, "", "not recorded"):
                logged.add(entry.get("request_id"))
    unlogged = [f for f in record.failures if f[1] and f[1] not in logged]
    no_id = [f for f in record.failures if not f[1]]

    # The database's side of it.
    stored = {}
    for reference, status in sql(args, "SELECT reference, status FROM bookings"):
        stored[reference] = status
    acknowledged = set(record.acknowledged.values())
    missing = [r for r in acknowledged if stored.get(r) != "confirmed"]
    # A duplicate is the same request committed twice: one person, shop, time and service. (One
    # person may hold two different visits at one time, at two shops: the engine allows it.)
    twice = sql(args, "SELECT COUNT(*) FROM (SELECT b.user_id, b.shop_id, b.starts_at, i.service_id FROM bookings b "
                      "JOIN booking_items i ON i.booking_id = b.id WHERE b.status = 'confirmed' "
                      "GROUP BY b.user_id, b.shop_id, b.starts_at, i.service_id HAVING COUNT(*) > 1) AS d")[0][0]
    overlapping = sql(args, "SELECT COUNT(*) FROM booking_items a JOIN booking_items b ON a.counter_id = b.counter_id "
                            "AND a.id < b.id AND a.active = 1 AND b.active = 1 AND a.starts_at < b.blocks_until "
                            "AND b.starts_at < a.blocks_until")[0][0]
    unacknowledged = len([r for r in stored if r not in acknowledged])

    healthz = [s[4] for s in samples if s[2] == "/healthz" and s[3] == 200]
    print()
    for name, began, ended in phases:
        took = [s[4] for s in samples if s[2] == "/healthz" and began <= s[0] <= ended]
        print(f"/healthz during {name:34} n={len(took):4} p50 {1000 * percentile(took, 0.5):7.2f} ms  "
              f"p99 {1000 * percentile(took, 0.99):7.2f} ms  max {1000 * max(took, default=0):7.2f} ms")
    print(f"\nacknowledged bookings: {len(acknowledged)}; stored bookings: {len(stored)} "
          f"({unacknowledged} stored but never acknowledged: their clients gave up, {record.gave_up} gave up)")
    print(f"outcomes: {dict(sorted(record.outcomes.items()))}")
    checks += [
        ("every acknowledged booking is stored and confirmed", not missing, f"{len(missing)} missing"),
        ("a retried key always got the same booking", record.replays_disagreeing == 0,
         f"{record.replays_disagreeing} disagreeing"),
        ("no request was booked twice (person, shop, time, service)", twice == "0", f"{twice}"),
        ("no two active items overlap on a counter", overlapping == "0", f"{overlapping}"),
        ("every 503 carried Retry-After", record.no_retry_after == 0, f"{record.no_retry_after} without"),
        ("every 5xx carried a request id", not no_id, f"{len(no_id)} without"),
        ("every 5xx's request id is in its node's error log with a cause", not unlogged,
         f"{len(unlogged)} of {len(record.failures)} not found"),
        ("/healthz never waited: max under 1 s", bool(healthz) and max(healthz) < 1.0,
         f"max {max(healthz, default=0):.3f} s over {len(healthz)}"),
        ("bookings went on", len(acknowledged) > 100, f"{len(acknowledged)}"),
    ]
    failed = 0
    for name, ok, detail in checks:
        failed += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    for node in nodes:
        node.stop()
    sink.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
