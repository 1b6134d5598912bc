#!/usr/bin/env python3
"""Issue 10, tried again from outside: each of its ten points against a running NlAnalytics, as an attacker would.

Python 3 standard library only. It talks HTTP (and a raw WebSocket handshake) to the app, and psql/pg_ctl to the
embedded cluster for what an operator sees (pg_stat_activity, stopping the app database). Every check prints
PASS or FAIL with what it saw; the exit code is the number of failed points.

    # the app on its embedded defaults (own cluster under .data/, demo warehouse, offline analyst):
    EmbeddedPostgres__Port=54340 dotnet NlAnalytics.Web/bin/Debug/net10.0/NlAnalytics.Web.dll --urls http://localhost:5140 &
    python3 benchmarks/attacks/retry-hardening.py --url http://localhost:5140 --points 1,2,3,6,7,8,10
    # points 5 and 9 kill -9 / stop the cluster and restart: give the command that starts the app and its pid file
    python3 benchmarks/attacks/retry-hardening.py --points 5,9 --start "..." --pid-file /tmp/app.pid
    # point 4 needs the app started with Llm__Endpoint=http://127.0.0.1:18140/v1 (benchmarks/attacks/scripted_llm.py)

State (accounts, passwords) is kept in --state (JSON) so points can run one at a time against the same instance.
"""
import argparse
import base64
import concurrent.futures
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html import unescape

ARGS = None
STATE = {}
FAILED = []


# ---------------------------------------------------------------- HTTP as a browser and as a script

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name):
        return self.headers.get(name)


class Session:
    """Keeps cookies, follows no redirect; api() sends JSON (which is what the API's CSRF guard asks for)."""

    def __init__(self, base=None):
        self.base = base or ARGS.url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, method, path, body=None, headers=None, timeout=120):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def api(self, method, path, obj=None, headers=None, timeout=120):
        h = {"X-Requested-With": "retry-hardening", **(headers or {})}
        data = None
        if obj is not None:
            data = json.dumps(obj).encode()
            h["Content-Type"] = "application/json"
        return self.request(method, path, data, h, timeout)

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def signed_in(self):
        return any(c.name == "NlAnalytics.Auth" for c in self.jar)

    def form(self, path, fields):
        page = self.request("GET", path).text
        data = hidden_fields(page)
        data.update(fields)
        return self.request("POST", path, urllib.parse.urlencode(data).encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def register(self, email, password, invite_link=None):
        return self.form(invite_link or "/account/register",
                         {"Input.Email": email, "Input.Password": password, "Input.ConfirmPassword": password})

    def sign_in(self, email, password):
        return self.form("/account/login", {"Input.Email": email, "Input.Password": password})

    def sign_out(self):
        page = self.request("GET", "/")
        if page.status == 302 and page.header("Location"):  # "/" opens the analyst's latest thread
            page = self.request("GET", urllib.parse.urlsplit(page.header("Location")).path)
        data = hidden_fields(page.text)
        data.pop("_handler", None)
        return self.request("POST", "/account/logout", urllib.parse.urlencode(data).encode(), {"Content-Type": "application/x-www-form-urlencoded"})


def hidden_fields(html):
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r"name=\"([^\"]+)\"", tag)
        value = re.search(r"value=\"([^\"]*)\"", tag)
        if name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return fields


def form_errors(html):
    parts = re.findall(r"class=\"account-alert account-alert-error\"[^>]*>(.*?)</div>\s*</div>", html, re.S)
    parts += re.findall(r"class=\"validation-message\"[^>]*>(.*?)</div>", html, re.S)
    return unescape(re.sub(r"<[^>]+>|\s{2,}", " ", " ".join(parts))).strip()


# ---------------------------------------------------------------- reporting

def check(point, ok, what):
    print(f"  {'PASS' if ok else 'FAIL'} [{point}] {what}", flush=True)
    if not ok:
        FAILED.append(f"{point}: {what}")
    return ok


def header(point, title):
    print(f"\n== point {point}: {title}", flush=True)


# ---------------------------------------------------------------- the embedded cluster, as its operator

def pg_root():
    return os.path.abspath(ARGS.pg_root)


def psql(sql, database="postgres"):
    root = pg_root()
    port = open(os.path.join(root, "port")).read().strip()
    env = dict(os.environ, PGPASSWORD=open(os.path.join(root, "superuser.password")).read().strip())
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", database, "-AtX", "-c", sql],
                         capture_output=True, text=True, env=env, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out.stdout.strip()


def pg_ctl(action):
    root = pg_root()
    port = open(os.path.join(root, "port")).read().strip()
    data = os.path.join(root, "pgdata")
    cmd = ["pg_ctl", "-D", data, "-w", "-m", "fast", action] if action == "stop" else \
        ["pg_ctl", "-D", data, "-l", os.path.join(root, "postgres.log"), "-w",
         "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {root}", "start"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return out.returncode, (out.stdout + out.stderr).strip()


# ---------------------------------------------------------------- accounts and the app

PASSWORD = "a long analyst passphrase 10"


def wait_ready(timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            r = Session().request("GET", "/account/login", timeout=5)
            if r.status == 200:
                s = STATE.get("admin") and login(STATE["admin"])
                if not s:
                    return True
                sources = s.api("GET", "/api/data-sources").json() or []
                if any(d["name"] == "demo" and d["status"] == "ready" for d in sources):
                    return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(1)
    raise TimeoutError("the app did not become ready")


def login(email):
    s = Session()
    r = s.sign_in(email, PASSWORD)
    if not s.signed_in():
        raise RuntimeError(f"sign-in of {email} failed: {r.status} {form_errors(r.text)}")
    return s


def invite(admin, role="Analyst"):
    r = admin.api("POST", "/api/invitations", {"role": role, "validDays": 1, "note": "retry-hardening"})
    if r.status != 201:
        raise RuntimeError(f"POST /api/invitations: {r.status} {r.text[:200]}")
    return r.json()


def ensure_accounts():
    """The admin (first account), and two analysts A and B invited through the API."""
    if STATE.get("admin"):
        return
    run = uuid.uuid4().hex[:6]
    admin_email = f"admin-{run}@attack.test"
    s = Session()
    r = s.register(admin_email, PASSWORD)
    if r.status != 302:
        raise RuntimeError(f"registering the first account: {r.status} {form_errors(r.text)} (is the installation empty?)")
    STATE["admin"] = admin_email
    admin = login(admin_email)
    for name in ("a", "b"):
        link = invite(admin)["link"]
        email = f"analyst-{name}-{run}@attack.test"
        r = Session().register(email, PASSWORD, link)
        if r.status != 302:
            raise RuntimeError(f"registering {email} with an invitation: {r.status} {form_errors(r.text)}")
        STATE[f"analyst_{name}"] = email
    save_state()


def save_state():
    with open(ARGS.state, "w") as f:
        json.dump(STATE, f, indent=1)


def new_thread(s, title="retry-hardening"):
    r = s.api("POST", "/api/threads", {"dataSource": "demo", "title": title})
    assert r.status == 201, (r.status, r.text)
    return r.json()["id"]


def patiently(send):
    """Sends again after Retry-After while the per-user rate limit says 429 (the burst of point 3 does not use this)."""
    for _ in range(30):
        r = send()
        if r.status != 429:
            return r
        time.sleep(float(r.header("Retry-After") or 1))
    return r


def ask(s, thread, question, wait=True, mode=None, patient=True):
    body = {"question": question, "clientRequestId": str(uuid.uuid4())}
    if mode:
        body["mode"] = mode
    send = lambda: s.api("POST", f"/api/threads/{thread}/messages" + ("?wait=true" if wait else ""), body)
    return patiently(send) if patient else send()


def wait_message(s, message_id, timeout=120, done=("Succeeded", "Failed", "Cancelled", "Interrupted", "Declined")):
    deadline = time.time() + timeout
    while True:
        m = s.api("GET", f"/api/messages/{message_id}").json()
        if m and m.get("status") in done or time.time() > deadline:
            return m
        time.sleep(0.3)


def run_sql(s, message_id, sql, wait=True):
    body = {"sql": sql, "clientRequestId": str(uuid.uuid4())}
    return patiently(lambda: s.api("POST", f"/api/messages/{message_id}/sql" + ("?wait=true" if wait else ""), body))


def start_app():
    if not ARGS.start:
        raise RuntimeError("this point restarts the app: pass --start and --pid-file")
    log = open(ARGS.app_log, "a")
    p = subprocess.Popen("exec " + ARGS.start, shell=True, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with open(ARGS.pid_file, "w") as f:
        f.write(str(p.pid))
    time.sleep(3)
    wait_ready()
    if p.poll() is not None:
        raise RuntimeError(f"the app started by --start exited with {p.returncode} (is another instance on the port?)")


def app_pid():
    return int(open(ARGS.pid_file).read().strip())


def kill9_app():
    pid = app_pid()
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try:
            os.kill(pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            break


# ---------------------------------------------------------------- point 1: the Blazor circuit from another origin

def raw_http(method, path, headers, body=b"", read_body=True):
    """One request on a fresh socket; returns (status, headers, body). For what urllib will not do (Upgrade, Expect)."""
    u = urllib.parse.urlparse(ARGS.url)
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=30)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {u.netloc}"] + [f"{k}: {v}" for k, v in headers.items()]
    if body and "Content-Length" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ")[1]) if " " in status_line else 0
    hdrs = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if read_body and status != 101 and "content-length" in hdrs:
        need = int(hdrs["content-length"])
        while len(rest) < need:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    sock.close()
    return status, hdrs, rest


def circuit(origin, cookie, token=None):
    """The negotiate and the WebSocket upgrade of /_blazor from a page on <origin>, carrying the victim's cookie."""
    h = {"Cookie": cookie, "Content-Length": "0", "X-Requested-With": "XMLHttpRequest"}
    if origin:
        h["Origin"] = origin
    n_status, _, n_body = raw_http("POST", "/_blazor/negotiate?negotiateVersion=1", h)
    if token is None and n_status == 200:
        token = json.loads(n_body)["connectionToken"]
    ws = {"Cookie": cookie, "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if origin:
        ws["Origin"] = origin
    u_status, _, _ = raw_http("GET", f"/_blazor?id={urllib.parse.quote(token or 'x')}", ws)
    return n_status, u_status, token


def point1():
    header(1, "WebSocket to /_blazor with a foreign Origin")
    victim = login(STATE["analyst_a"])
    cookie = victim.cookie_header()
    u = urllib.parse.urlparse(ARGS.url)
    own = f"{u.scheme}://{u.netloc}"
    n, up, token = circuit(own, cookie)
    check(1, n == 200 and up == 101, f"same origin {own}: negotiate {n}, upgrade {up} (want 200, 101)")
    for foreign in (f"{u.scheme}://{u.hostname}:{(u.port or 80) + 1}", f"{u.scheme}://127.0.0.1:{(u.port or 80) + 1}",
                    f"{u.scheme}://evil.{u.hostname}:{u.port or 80}", f"https://{u.netloc}", "null"):
        n, up, _ = circuit(foreign, cookie)
        # the upgrade with a token a same-origin negotiate handed out, so the upgrade's own check is tried too
        _, up2, _ = circuit(foreign, cookie, token=circuit(own, cookie)[2])
        check(1, n == 403 and up == 403 and up2 == 403,
              f"Origin {foreign}: negotiate {n}, upgrade {up}, upgrade with a valid token {up2} (want 403, 403, 403)")


# ---------------------------------------------------------------- point 2: verified-memory poisoning, IDOR on entries

COMMON = "How many orders are there?"


def point2():
    header(2, "verified-memory poisoning and someone else's entry")
    a, b, admin = login(STATE["analyst_a"]), login(STATE["analyst_b"]), login(STATE["admin"])
    question = f"{COMMON}"
    # B asks the common question, replaces the SQL with SELECT 0, and marks that answer correct.
    tb = new_thread(b, "poison")
    first = ask(b, tb, question).json()
    poisoned = run_sql(b, first["id"], "SELECT 0 AS orders_count").json()
    r = b.api("PUT", f"/api/messages/{poisoned['id']}/verified", {"verified": True})
    check(2, r.status == 200 and r.json().get("isVerified"), f"B marks SELECT 0 correct: {r.status}, isVerified={r.json() and r.json().get('isVerified')}")
    entries = [e for e in b.api("GET", "/api/verified?source=demo").json() if e["isMine"] and e["sql"].strip().upper() == "SELECT 0 AS ORDERS_COUNT"]
    check(2, len(entries) == 1 and entries[0]["approvedAt"] is None, f"B's entry is stored unapproved: {[(e['id'], e['question'], e['approvedAt']) for e in entries]}")
    entry = entries[0]["id"] if entries else -1
    # B itself gets it at once; A does not, in a thread of its own.
    again = ask(b, new_thread(b), question).json()
    check(2, again["path"] == "Verified" and "SELECT 0" in again["sql"], f"B's own next ask: path {again['path']}, sql {again['sql']!r}")
    got = ask(a, new_thread(a), question).json()
    check(2, got["path"] != "Verified" and "SELECT 0" not in (got["sql"] or ""),
          f"A before approval: path {got['path']}, sql {got['sql']!r}, status {got['status']}")
    # A tries to see, approve, withdraw and re-mark B's entry and B's message.
    seen = [e["id"] for e in a.api("GET", "/api/verified?source=demo").json()]
    check(2, entry not in seen, f"A's list of entries does not show B's unapproved one ({entry} in {seen}: {entry in seen})")
    r1 = a.api("POST", f"/api/verified/{entry}/approval")
    r2 = a.api("DELETE", f"/api/verified/{entry}")
    r3 = a.api("PUT", f"/api/messages/{poisoned['id']}/verified", {"verified": False})
    check(2, (r1.status, r2.status, r3.status) == (404, 404, 404),
          f"A approves / deletes / unmarks B's unapproved entry: {r1.status}, {r2.status}, {r3.status} (want 404, 404, 404)")
    # The Admin approves; A now gets it, attributed, and still cannot withdraw or overwrite it.
    r = admin.api("POST", f"/api/verified/{entry}/approval")
    check(2, r.status == 200 and r.json().get("approvedBy"), f"the Admin approves: {r.status} approvedBy={r.json() and r.json().get('approvedBy')}")
    got = ask(a, new_thread(a), question).json()
    said = " ".join(t["content"] for t in got["transcript"] if "verif" in t["content"].lower())[:200]
    check(2, got["path"] == "Verified", f"A after approval: path {got['path']} ({said!r})")
    r2 = a.api("DELETE", f"/api/verified/{entry}")
    r3 = a.api("PUT", f"/api/messages/{poisoned['id']}/verified", {"verified": False})
    r4 = a.api("PUT", f"/api/messages/{got['id']}/verified", {"verified": True})
    after = [e for e in admin.api("GET", "/api/verified?source=demo").json() if e["id"] == entry]
    check(2, r2.status == 403 and r3.status == 404 and after and after[0]["verifiedBy"] == STATE["analyst_b"],
          f"A deletes / unmarks the approved entry: {r2.status}, {r3.status} (want 403, 404); A marking its own copy: {r4.status}; "
          f"the entry still B's: {after and after[0]['verifiedBy']}")
    # Clean up so later points are not answered from memory.
    r = b.api("DELETE", f"/api/verified/{entry}")
    check(2, r.status == 204, f"B (its owner) withdraws it: {r.status}")
    for e in a.api("GET", "/api/verified?source=demo").json():
        if e["isMine"]:
            a.api("DELETE", f"/api/verified/{e['id']}")


# ---------------------------------------------------------------- point 3: a burst of 200 asks

def connections():
    rows = psql("SELECT coalesce(datname,'-') || ':' || coalesce(usename,'-'), count(*) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1")
    return {line.split("|")[0]: int(line.split("|")[1]) for line in rows.splitlines() if line}


def point3():
    header(3, "a burst of 200 asks from one user")
    # A fresh analyst for each burst, so the burst meets a full rate-limit bucket as a first attack would.
    admin, b = login(STATE["admin"]), login(STATE["analyst_b"])

    def fresh_analyst():
        email = f"burst-{uuid.uuid4().hex[:6]}@attack.test"
        r = Session().register(email, PASSWORD, invite(admin)["link"])
        assert r.status == 302, (r.status, form_errors(r.text))
        return login(email)
    max_connections = int(psql("SHOW max_connections"))
    peaks = {"total": 0, "by": {}}
    stop = [False]

    def sample():
        while not stop[0]:
            try:
                c = connections()
                if sum(c.values()) > peaks["total"]:
                    peaks["total"], peaks["by"] = sum(c.values()), c
            except RuntimeError:
                pass
            time.sleep(0.2)

    questions = ["How many orders are there?", "How many customers are there?", "Revenue by month", "Top 10 products by revenue",
                 "How many students were enrolled in 2020?", "Number of songs by genre", "Average order value by store"]
    for shape in ("one thread", "200 threads"):
        a = fresh_analyst()
        one = new_thread(a, "burst") if shape == "one thread" else None
        targets = [one or new_thread(a, f"burst {i}") for i in range(200)]
        sampler = concurrent.futures.ThreadPoolExecutor(1)
        stop[0] = False
        sampled = sampler.submit(sample)
        other = concurrent.futures.ThreadPoolExecutor(1).submit(lambda: (time.sleep(1), ask(b, new_thread(b), "How many customers are there?"))[1])
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda i: ask(a, targets[i], questions[i % len(questions)], wait=False, patient=False), range(200)))
        spent = time.time() - started
        codes = {}
        for r in answers:
            codes[r.status] = codes.get(r.status, 0) + 1
        retry_after = all(r.header("Retry-After") for r in answers if r.status == 429)
        problem = all((r.header("Content-Type") or "").startswith("application/problem+json") for r in answers if r.status >= 400)
        check(3, all(s in (202, 409, 429) for s in codes) and retry_after and problem,
              f"{shape}: 200 asks in {spent:.1f} s answered {codes}; every 429 has Retry-After: {retry_after}; errors are problem details: {problem}")
        accepted = [r.json()["messageId"] for r in answers if r.status == 202]
        outcomes = {}
        for mid in accepted:
            m = wait_message(a, mid, timeout=300)
            outcomes[m["status"]] = outcomes.get(m["status"], 0) + 1
        check(3, set(outcomes) <= {"Succeeded", "Declined"}, f"{shape}: the {len(accepted)} accepted answers ended {outcomes}")
        o = other.result()
        om = o.json() or {}
        check(3, o.status == 200 and om.get("status") == "Succeeded",
              f"{shape}: B's question meanwhile: HTTP {o.status}, {om.get('status')} ({om.get('narrative')!r})")
        stop[0] = True
        sampled.result()
        sampler.shutdown()
        check(3, 0 < peaks["total"] <= 30 + 10 * 4 + 10 and peaks["total"] < max_connections,
              f"{shape}: peak client connections {peaks['total']} of max_connections {max_connections}: {peaks['by']}")


# ---------------------------------------------------------------- point 6: 5,000 rows of 64 KB

def point6():
    header(6, "a result of 5,000 rows x 64 KB")
    a = login(STATE["analyst_a"])
    t = new_thread(a, "big")
    first = ask(a, t, COMMON).json()
    started = time.time()
    r = run_sql(a, first["id"], "SELECT g AS n, repeat(md5(g::text), 2048) AS t FROM generate_series(1, 5000) AS g")
    m = r.json()
    res = m.get("result") or {}
    size = len(json.dumps(res.get("rows") or []))
    check(6, m["status"] == "Succeeded" and res.get("truncated") and res.get("cutForSize") and size <= 2_200_000,
          f"HTTP {r.status} in {time.time() - started:.1f} s, {m['status']}: rows kept {len(res.get('rows') or [])}, rowsRead {res.get('rowsRead')}, "
          f"truncated {res.get('truncated')}, cutForSize {res.get('cutForSize')}, rows as JSON {size:,} bytes")
    stored = psql(f"SELECT octet_length(\"ResultJson\"::text) FROM messages WHERE \"Id\" = '{m['id']}'", database=ARGS.app_database)
    check(6, stored and int(stored) <= 2_300_000, f"stored result of the message in the app database: {int(stored or 0):,} bytes of JSON")
    for i in range(3):
        ask(a, t, f"How many customers are there? ({i})")
    started = time.time()
    page = a.api("GET", f"/api/threads/{t}/messages?limit=2")
    elapsed = time.time() - started
    link = page.header("Link") or ""
    items = page.json()
    items = items.get("messages", items) if isinstance(items, dict) else items
    nxt = re.search(r"<([^>]+)>;\s*rel=\"?next", link)
    older = a.request("GET", urllib.parse.urlparse(nxt.group(1)).path + "?" + urllib.parse.urlparse(nxt.group(1)).query,
                      headers={"X-Requested-With": "x"}) if nxt else None
    older_items = older.json() if older else []
    older_items = older_items.get("messages", older_items) if isinstance(older_items, dict) else older_items
    check(6, page.status == 200 and len(items) == 2 and nxt and older.status == 200 and older_items
          and max(x["sequence"] for x in older_items) < min(x["sequence"] for x in items),
          f"messages API pages: limit=2 gave {len(items)} in {elapsed:.2f} s, Link: {link[:120]!r}, next page {older and older.status} "
          f"with sequences {[x['sequence'] for x in older_items]} before {[x['sequence'] for x in items]}")
    started = time.time()
    whole = a.api("GET", f"/api/threads/{t}/messages")
    check(6, whole.status == 200 and time.time() - started < 5,
          f"opening the thread with the big answer (its latest 50 messages): {whole.status}, {len(whole.body):,} bytes in {time.time() - started:.2f} s")


# ---------------------------------------------------------------- point 7: registration, enumeration, sessions, passwords

def point7():
    header(7, "registration modes, invitations, enumeration, sessions, common passwords")
    admin = login(STATE["admin"])
    run = uuid.uuid4().hex[:6]
    users_before = len(admin.api("GET", "/api/users").json())
    # InviteOnly (the default once an Admin exists): no form for a stranger, a forged post creates nothing.
    stranger = Session()
    page = stranger.request("GET", "/account/register").text
    token = hidden_fields(stranger.request("GET", "/account/login").text).get("__RequestVerificationToken", "")
    r = stranger.request("POST", "/account/register", urllib.parse.urlencode({
        "_handler": "register", "__RequestVerificationToken": token, "Input.Email": f"stranger-{run}@attack.test",
        "Input.Password": PASSWORD, "Input.ConfirmPassword": PASSWORD}).encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    probe = Session()
    probe.sign_in(f"stranger-{run}@attack.test", PASSWORD)
    users_after = len(admin.api("GET", "/api/users").json())
    check(7, "Create account</button>" not in page and not probe.signed_in() and users_after == users_before,
          f"InviteOnly: register form shown to a stranger: {'Create account</button>' in page}; forged post HTTP {r.status}; "
          f"stranger can sign in: {probe.signed_in()}; accounts {users_before} -> {users_after}")
    # An invitation works once.
    inv = invite(admin)
    r1 = Session().register(f"invited-{run}@attack.test", PASSWORD, inv["link"])
    r2 = Session().register(f"invited-twice-{run}@attack.test", PASSWORD, inv["link"])
    p2 = Session()
    p2.sign_in(f"invited-twice-{run}@attack.test", PASSWORD)
    made_up = Session().request("GET", "/account/register?invite=made-up-token").text
    check(7, r1.status == 302 and login(f"invited-{run}@attack.test").signed_in() and not p2.signed_in() and "cannot be used" in made_up,
          f"invitation: first use HTTP {r1.status} signs in; second use HTTP {r2.status}, that account signs in: {p2.signed_in()}; "
          f"made-up token refused: {'cannot be used' in made_up}")
    # Enumeration: registering a taken and a free address (both with an invitation) answer alike; so does sign-in.
    answers = []
    for email in (STATE["analyst_a"], f"free-{run}@attack.test"):
        s = Session()
        r = s.register(email, PASSWORD + " other", invite(admin)["link"])
        answers.append((r.status, (r.header("Location") or "").split("?")[0], sorted(c.name for c in s.jar if c.name != ".AspNetCore.Antiforgery")))
    check(7, answers[0] == answers[1], f"register taken vs free address: {answers[0]} vs {answers[1]}")
    a_still = Session()
    a_still.sign_in(STATE["analyst_a"], PASSWORD)
    check(7, a_still.signed_in(), "the taken address's owner still signs in with their own password")
    replies = []
    for email in (STATE["analyst_b"], f"nobody-{run}@attack.test"):
        s = Session()
        r = s.sign_in(email, "wrong password entirely")
        replies.append((r.status, form_errors(r.text)))
    check(7, replies[0] == replies[1] and replies[0][1], f"sign-in with a wrong password, known vs unknown address: {replies[0]} vs {replies[1]}")
    # The session ends at sign-out: the cookie captured before is refused afterwards.
    victim = login(STATE["analyst_b"])
    captured = victim.cookie_header()
    before = Session().request("GET", "/api/threads", headers={"Cookie": captured}).status
    out = victim.sign_out().status
    after_api = Session().request("GET", "/api/threads", headers={"Cookie": captured}).status
    after_page = Session().request("GET", "/", headers={"Cookie": captured})
    check(7, before == 200 and out == 302 and after_api == 401 and after_page.status == 302 and "/account/login" in (after_page.header("Location") or ""),
          f"cookie before sign-out {before}; sign-out {out}; the captured cookie afterwards: API {after_api}, page {after_page.status} -> {after_page.header('Location')}")
    # Common passwords are refused.
    refused = []
    for weak in ("12345678", "Password1", "trustno1", "iloveyou", f"common-{run}@attack.test"):
        s = Session()
        r = s.register(f"common-{run}@attack.test", weak, invite(admin)["link"])
        p = Session()
        p.sign_in(f"common-{run}@attack.test", weak)
        refused.append((weak, r.status != 302 and not p.signed_in(), form_errors(r.text)[:80]))
    check(7, all(ok for _, ok, _ in refused), f"common passwords refused at registration: {refused}")
    if ARGS.start:
        restart(extra_env={"Auth__Registration": "Closed"})
        admin = login(STATE["admin"])
        link = invite(admin)["link"]
        page = Session().request("GET", link).text
        r = Session().register(f"closed-{run}@attack.test", PASSWORD, link)
        p = Session()
        p.sign_in(f"closed-{run}@attack.test", PASSWORD)
        check(7, "cannot be used" in page and not p.signed_in(), f"Closed: an invitation link is refused ({'cannot be used' in page}), its post HTTP {r.status}, account made: {p.signed_in()}")
        restart()


def restart(extra_env=None):
    kill9_app() if ARGS.graceful is False else os.kill(app_pid(), signal.SIGTERM)
    time.sleep(1)
    env_before = dict(os.environ)
    os.environ.update(extra_env or {})
    try:
        start_app()
    finally:
        os.environ.clear()
        os.environ.update(env_before)


# ---------------------------------------------------------------- point 8: headers, bodies, problem details

def point8():
    header(8, "headers, oversized bodies, problem details")
    a = login(STATE["analyst_a"])
    page = a.request("GET", "/")
    csp = page.header("Content-Security-Policy") or ""
    check(8, "script-src 'self'" in csp and "unsafe-eval" not in csp and page.header("X-Content-Type-Options") == "nosniff"
          and page.header("Referrer-Policy") and page.header("X-Frame-Options") == "DENY",
          f"page /: CSP {csp!r}; nosniff {page.header('X-Content-Type-Options')}; Referrer-Policy {page.header('Referrer-Policy')}; X-Frame-Options {page.header('X-Frame-Options')}")
    t = new_thread(a, "headers")
    m = ask(a, t, COMMON).json()
    api = a.api("GET", f"/api/messages/{m['id']}")
    csv = a.api("GET", f"/api/messages/{m['id']}/result.csv")
    check(8, api.header("Cache-Control") == "no-store" and csv.header("Cache-Control") == "no-store" and csv.status == 200,
          f"Cache-Control: API {api.header('Cache-Control')}, CSV ({csv.status}, {csv.header('Content-Type')}) {csv.header('Cache-Control')}")
    https = Session().request("GET", "/account/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "nla.example.test"})
    cookies = [v for k, v in https.headers.items() if k.lower() == "set-cookie"]
    check(8, (https.header("Strict-Transport-Security") or "").startswith("max-age=") and cookies and all("secure" in c.lower() for c in cookies),
          f"behind a TLS proxy (X-Forwarded-Proto: https, X-Forwarded-Host from loopback; HSTS is never sent to localhost): HSTS {https.header('Strict-Transport-Security')!r}, cookies Secure: {[c.split('=')[0] + (' secure' if 'secure' in c.lower() else ' NOT secure') for c in cookies]}")
    status, hdrs, body = raw_http("POST", f"/api/threads/{t}/messages", {
        "Cookie": a.cookie_header(), "Content-Type": "application/json", "Content-Length": str(40 * 1024 * 1024), "Expect": "100-continue"})
    check(8, status == 413 and hdrs.get("content-type", "").startswith("application/problem+json") and b"status" in body,
          f"a 40 MB body: HTTP {status}, {hdrs.get('content-type')}, {body[:160]!r}")
    bad = {
        "malformed JSON": a.request("POST", "/api/threads", b"{", {"Content-Type": "application/json"}),
        "wrong JSON type": a.request("POST", f"/api/threads/{t}/messages", b'{"question": 5}', {"Content-Type": "application/json"}),
        "bad limit": a.api("GET", f"/api/threads/{t}/messages?limit=abc"),
        "unknown message": a.api("GET", f"/api/messages/{uuid.uuid4()}"),
        "wrong method": a.api("PATCH", "/api/verified/1", {}),
        "no CSRF header": a.request("POST", f"/api/threads/{t}/messages", b"question=x", {"Content-Type": "application/x-www-form-urlencoded"}),
        "huge limit": a.api("GET", f"/api/threads/{t}/messages?limit=100000000000"),
        "before negative": a.api("GET", f"/api/threads/{t}/messages?before=-5"),
    }
    seen = {k: (r.status, (r.header("Content-Type") or "").split(";")[0], len(r.body)) for k, r in bad.items()}
    check(8, all(s < 500 and ct == "application/problem+json" and n > 0 for s, ct, n in seen.values()),
          f"bad requests get problem details, never an empty 500: {seen}")


# ---------------------------------------------------------------- point 10: the SQL gate

GATE = [
    "SELECT pg_show_all_settings()", "SELECT * FROM pg_show_all_settings()", "SELECT txid_current()", "SELECT pg_current_xact_id()",
    "SELECT pg_read_file('/etc/passwd')", "SELECT pg_ls_dir('.')", "SELECT pg_stat_file('/etc/passwd')",
    "SELECT set_config('default_transaction_read_only','off',false)", "SELECT current_setting('data_directory')",
    "SELECT pg_sleep(600)", "SELECT pg_advisory_lock(1)", "SELECT lo_import('/etc/passwd')", "SELECT lo_from_bytea(0,'x')",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "SELECT query FROM pg_stat_activity",
    "SELECT * FROM pg_catalog.pg_authid", "SELECT pg_reload_conf()", "SELECT pg_backend_pid()",
    "SELECT \"pg_show_all_settings\"()", "SELECT PG_SHOW_ALL_SETTINGS()", "SELECT pg_catalog.txid_current()",
    "WITH s AS (SELECT pg_show_all_settings() AS x) SELECT * FROM s", "SELECT (SELECT txid_current())",
    "SELECT 1 /* ; */; DROP TABLE sales.orders", "SELECT dblink_exec('x','y')", "SELECT pg_notify('x','y')",
    "SELECT query_to_xml('SELECT pg_show_all_settings()', true, true, '')", "SELECT query_to_xml('SELECT txid_current()', true, true, '')",
]


def point10():
    header(10, "SQL gate through run-sql")
    a = login(STATE["analyst_a"])
    t = new_thread(a, "gate")
    base = ask(a, t, COMMON).json()
    passed = []
    for sql in GATE:
        r = run_sql(a, base["id"], sql)
        m = r.json() or {}
        ok = r.status in (200, 400) and (m.get("status") != "Succeeded")
        print(f"    {sql!r}: HTTP {r.status} {m.get('status', m.get('title'))}: {(m.get('error') or m.get('detail') or json.dumps(m.get('errors')))!s:.110}")
        if not ok:
            passed.append((sql, (m.get("result") or {}).get("rows")))
    check(10, not passed, f"{len(GATE)} attacks through run-sql: every one refused or failed" if not passed else f"ran: {passed}")
    ok = run_sql(a, base["id"], "SELECT count(*) AS n FROM sales.orders").json()
    check(10, ok["status"] == "Succeeded", f"an ordinary SELECT still runs: {ok['status']}")


# ---------------------------------------------------------------- point 9: the app database stops under the running app

def point9():
    header(9, "the app database stopped under the running app")
    a = login(STATE["analyst_a"])
    t = new_thread(a, "outage")
    code, out = pg_ctl("stop")
    check(9, code == 0, f"pg_ctl stop: exit {code} ({out.splitlines()[-1] if out else ''})")
    try:
        r = ask(a, t, COMMON)
        body = r.json() if r.body else None
        check(9, r.status == 503 and (r.header("Content-Type") or "").startswith("application/problem+json") and body and "cannot be reached" in (body.get("detail") or ""),
              f"ask while it is down: HTTP {r.status} {r.header('Content-Type')} {body and body.get('detail')!r}")
        others = {p: a.api("GET", p).status for p in ("/api/threads", f"/api/threads/{t}/messages", "/api/costs/me")}
        check(9, all(s == 503 for s in others.values()), f"other API reads while it is down: {others}")
        page = a.request("GET", "/")
        check(9, page.status == 503 and "cannot be reached" in page.text,
              f"a page loaded while it is down: HTTP {page.status}, {len(page.body)} bytes {re.sub(r'<[^>]+>', ' ', page.text)[:120]!r}")
    finally:
        code, out = pg_ctl("start")
        check(9, code == 0, f"pg_ctl start: exit {code}")
    r = ask(a, t, COMMON)
    m = r.json() or {}
    check(9, r.status == 200 and m.get("status") == "Succeeded",
          f"the same ask right after the restart: HTTP {r.status}, {m.get('status')} {m.get('narrative') or m.get('error') or m.get('detail')!r}")
    msgs = a.api("GET", f"/api/threads/{t}/messages").json()
    msgs = msgs.get("messages", msgs) if isinstance(msgs, dict) else msgs
    check(9, [x["status"] for x in msgs] == ["Succeeded"], f"nothing half-saved by the outage, the thread holds the answered question: {[x['status'] for x in msgs]}")
    fresh = run_sql(a, m.get("id") or "", f"SELECT count(*) + {int(time.time())} AS n FROM sales.customers").json() or {}
    check(9, fresh.get("status") == "Succeeded", f"a query that is not cached (the source's pool after the restart): {fresh.get('status')} {fresh.get('error')!r}")


# ---------------------------------------------------------------- point 5: kill -9 mid-answer, restart

SLOW_SQL = "SELECT count(*) AS pairs FROM sales.order_lines AS a CROSS JOIN sales.order_lines AS b WHERE a.quantity > b.quantity"


def point5():
    header(5, "kill -9 mid-answer, then restart")
    a = login(STATE["analyst_a"])
    t = new_thread(a, "crash")
    base = ask(a, t, COMMON).json()
    r = run_sql(a, base["id"], SLOW_SQL, wait=False)
    mid = r.json()["messageId"]
    deadline = time.time() + 20
    while (a.api("GET", f"/api/messages/{mid}").json() or {}).get("status") != "Running" and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(2)
    running = a.api("GET", f"/api/messages/{mid}").json()["status"]
    kill9_app()
    check(5, running == "Running", f"the hand-edited SQL was running when the app got SIGKILL: {running}")
    start_app()
    a = login(STATE["analyst_a"])
    m = a.api("GET", f"/api/messages/{mid}").json()
    check(5, m["status"] == "Interrupted" and m["sql"] == SLOW_SQL, f"after the restart the API says {m['status']}, error {m.get('error')!r}, its SQL kept: {m['sql'] == SLOW_SQL}")
    r = patiently(lambda: a.api("POST", f"/api/messages/{mid}/retry?wait=true", {"clientRequestId": str(uuid.uuid4())}, timeout=120))
    rm = r.json() or {}
    agents = sorted({x["agent"] for x in rm.get("transcript", [])})
    check(5, r.status in (200, 202) and rm.get("sql") == SLOW_SQL and rm.get("path") == "Manual" and "offline-writer" not in agents,
          f"Retry: HTTP {r.status}, path {rm.get('path')}, ran the edited SQL: {rm.get('sql') == SLOW_SQL}, status {rm.get('status')} "
          f"({(rm.get('error') or '')[:80]!r}), agents {agents}")
    q = a.api("GET", f"/api/messages/{base['id']}").json()
    check(5, q["status"] == "Succeeded", f"the question answered before the crash is untouched: {q['status']}")


# ---------------------------------------------------------------- point 4: spend of the calls before a Stop (and a crash)

def point4():
    header(4, "spend recorded for model calls completed before Stop and before a crash")
    llm_log = open(ARGS.llm_log, "w")
    llm = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripted_llm.py"),
                            "--port", str(ARGS.llm_port), "--slow", "5"], stdout=llm_log, stderr=subprocess.STDOUT)
    try:
        time.sleep(1)
        restart(extra_env={"Llm__Endpoint": f"http://127.0.0.1:{ARGS.llm_port}/v1", "Llm__ApiKey": "sk-scripted-outside",
                           "Llm__Provider": "OpenAI", "Analyst__Mode": "Llm", "Llm__TimeoutSeconds": "120"})
        a = login(STATE["analyst_a"])
        before = a.api("GET", "/api/costs/me").json()
        for how in ("stop", "kill -9"):
            t = new_thread(a, f"spend {how}")
            mark = len(open(ARGS.llm_log).read().splitlines())
            r = ask(a, t, "How many orders are there in total?", wait=False, mode="llm")
            mid = r.json()["messageId"]
            deadline = time.time() + 60
            while time.time() < deadline:
                lines = [json.loads(x) for x in open(ARGS.llm_log).read().splitlines()[mark:] if x.startswith("{")]
                if any("SQL writer" in (x.get("agent") or "") for x in lines) and any("SQL writer" not in (x.get("agent") or "") and "agent" in x for x in lines):
                    break
                time.sleep(0.2)
            time.sleep(1)
            calls_seen = [x.get("agent", "")[:30] for x in lines if "agent" in x]
            if how == "stop":
                s = a.api("POST", f"/api/messages/{mid}/stop")
                m = wait_message(a, mid, timeout=30)
                extra = f"stop HTTP {s.status}"
            else:
                kill9_app()
                restart_env = {"Llm__Endpoint": f"http://127.0.0.1:{ARGS.llm_port}/v1", "Llm__ApiKey": "sk-scripted-outside",
                               "Llm__Provider": "OpenAI", "Analyst__Mode": "Llm"}
                os.environ.update(restart_env)
                start_app()
                for k in restart_env:
                    os.environ.pop(k)
                a = login(STATE["analyst_a"])
                m = a.api("GET", f"/api/messages/{mid}").json()
                extra = "after restart"
            totals = a.api("GET", f"/api/threads/{t}/totals").json()
            priced = [c for c in m.get("calls", []) if (c.get("costUsd") or 0) > 0]
            check(4, m["status"] in ("Cancelled", "Interrupted") and priced and totals["costUsd"] > 0 and totals["inputTokens"] >= 2000,
                  f"{how} ({extra}) while the model was at call {len(calls_seen)} ({calls_seen}): message {m['status']}, calls stored "
                  f"{[(c.get('model'), c.get('inputTokens'), c.get('outputTokens'), c.get('costUsd')) for c in m.get('calls', [])]}; "
                  f"thread totals {totals['calls']} calls, {totals['inputTokens']} in / {totals['outputTokens']} out, ${totals['costUsd']}")
        after = a.api("GET", "/api/costs/me").json()
        print(f"    /api/costs/me before {json.dumps(before)[:200]} after {json.dumps(after)[:200]}")
    finally:
        llm.terminate()
        llm_log.close()
        restart()


POINTS = {1: point1, 2: point2, 3: point3, 4: point4, 5: point5, 6: point6, 7: point7, 8: point8, 9: point9, 10: point10}


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:5140")
    parser.add_argument("--points", default="1,2,3,6,7,8,10", help="comma-separated, of 1-10")
    parser.add_argument("--pg-root", default=".data/postgres", help="the embedded cluster's directory (port, superuser.password, pgdata)")
    parser.add_argument("--app-database", default="nlanalytics")
    parser.add_argument("--state", default=".data/retry-hardening.json")
    parser.add_argument("--start", help="shell command that starts the app (points 4, 5 and 7's Closed mode restart it)")
    parser.add_argument("--pid-file", default=".data/retry-hardening.pid", help="the app's process id (written by --start restarts)")
    parser.add_argument("--app-log", default=".data/retry-hardening-app.log")
    parser.add_argument("--llm-port", type=int, default=18140)
    parser.add_argument("--llm-log", default=".data/retry-hardening-llm.log")
    parser.add_argument("--graceful", action="store_true", help="restart with SIGTERM instead of SIGKILL between modes")
    ARGS = parser.parse_args()
    if os.path.exists(ARGS.state):
        STATE.update(json.load(open(ARGS.state)))
    wait_ready()
    ensure_accounts()
    for p in [int(x) for x in ARGS.points.split(",") if x]:
        try:
            POINTS[p]()
        except Exception as e:  # a point that cannot even be tried is a failure of that point
            check(p, False, f"could not be tried: {type(e).__name__}: {e}")
    print(f"\n{len(FAILED)} failed check(s)" + "".join(f"\n  {f}" for f in FAILED))
    sys.exit(min(len(FAILED), 100))


if __name__ == "__main__":
    main()
