#!/usr/bin/env python3
"""Sender interop: `hookseal serve` signs deliveries the way the seed providers
do, and receivers written here from each provider's documentation (not from
hookseal's code) verify them.

- Orange Logic: `x-ol-signature`, base64 HMAC-SHA256 of the raw body, `v1,`
  entries in a space-separated list. Verified before, during and after a
  secret rotation: during the grace period both the old and the new secret
  verify; after it, only the new one.
- Joy Loyalty: `X-Joy-Loyalty-Hmac-Sha256`, base64 HMAC-SHA256 of the raw body,
  with a secret the shop chose. Its header carries one signature, so during a
  rotation the old secret keeps signing and the new one takes over after the
  grace period (and the rotate answer says so).
- Jodo: `X-Jodo-Signature`, hex HMAC-SHA256 of the raw body, plus the shared
  custom header the merchant configured.
- Standard Webhooks with a secret the provider chose, verified by the
  official `standardwebhooks` SDK; and every HMAC delivery carries the
  message id and time in `webhook-id` / `webhook-timestamp`.
- `hookseal sign --provider orange-logic` writes the header the server sends.

Prints `PASS name` / `FAIL name: detail` and `sender interop: N passed, M failed`.
"""

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from standardwebhooks.webhooks import Webhook as StdWebhook

BIN = os.environ.get("HOOKSEAL_BIN", "")
if not (BIN and os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
    print("sender.py: set HOOKSEAL_BIN to the hookseal binary", file=sys.stderr)
    sys.exit(2)

received = {}  # path -> [(headers, body)]
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            received.setdefault(self.path, []).append(
                ({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


# --- receivers' verification, from each provider's documentation ---

def b64_hmac_sha256(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def orange_logic_verifies(secret: str, headers: dict, body: bytes) -> bool:
    """x-ol-signature: one or more `v1,<base64>` entries separated by spaces."""
    want = b64_hmac_sha256(secret, body)
    for entry in headers.get("x-ol-signature", "").split(" "):
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig, want):
            return True
    return False


def joy_loyalty_verifies(secret: str, headers: dict, body: bytes) -> bool:
    """X-Joy-Loyalty-Hmac-Sha256: base64 HMAC-SHA256 of the raw body."""
    return hmac.compare_digest(headers.get("x-joy-loyalty-hmac-sha256", ""), b64_hmac_sha256(secret, body))


def jodo_verifies(secret: str, headers: dict, body: bytes) -> bool:
    """X-Jodo-Signature: hex HMAC-SHA256 of the raw body."""
    want = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("x-jodo-signature", ""), want)


# --- the server ---

def start_server(tmp: str):
    env = dict(os.environ, HOOKSEAL_SERVER__DATA_DIR=os.path.join(tmp, "data"),
               HOOKSEAL_SERVER__LISTEN="127.0.0.1:0", HOOKSEAL_LOG__FILTER="warn",
               HOOKSEAL_DELIVERY__ALLOW_HTTP="true",
               HOOKSEAL_DELIVERY__ALLOW_CIDRS='["127.0.0.1/32"]')
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    token = addr = None
    deadline = time.time() + 30
    while time.time() < deadline and addr is None:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("admin token (shown once, keep it): "):
            token = line.split(": ", 1)[1].strip()
        if line.startswith("hookseal listening on http://"):
            addr = line.strip().split("http://", 1)[1]
    if not (token and addr):
        proc.kill()
        print("sender.py: hookseal serve did not start", file=sys.stderr)
        sys.exit(2)
    return proc, addr, token


class Api:
    def __init__(self, addr, token):
        self.host, self.port = addr.rsplit(":", 1)
        self.token = token

    def call(self, method, path, body=None):
        c = http.client.HTTPConnection(self.host, int(self.port), timeout=20)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        return r.status, (json.loads(text) if text else None)


def wait_for(path: str, n: int, secs: float = 10.0):
    deadline = time.time() + secs
    while time.time() < deadline:
        with lock:
            got = list(received.get(path, []))
        if len(got) >= n:
            return got
        time.sleep(0.05)
    return got


def main() -> int:
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"PASS {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {detail}")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    tmp = tempfile.mkdtemp(prefix="hookseal-sender-interop-")
    proc, addr, token = start_server(tmp)
    api = Api(addr, token)
    try:
        endpoints = {
            "orange": {"url": f"{base}/orange", "event_types": ["asset.*"],
                       "scheme": {"type": "hmac", "header": "x-ol-signature", "encoding": "base64", "prefix": "v1,"}},
            "joy": {"url": f"{base}/joy", "event_types": ["points.*"], "secret": "joy-shop-secret-0123",
                    "scheme": {"type": "hmac", "header": "X-Joy-Loyalty-Hmac-Sha256", "encoding": "base64"}},
            "jodo": {"url": f"{base}/jodo", "event_types": ["payment.*"], "secret": "jodo-merchant-secret",
                     "headers": {"X-Erp-Token": "erp-shared-value"},
                     "scheme": {"type": "hmac", "header": "X-Jodo-Signature"}},
            "sw": {"url": f"{base}/sw", "event_types": ["invoice.*"],
                   "secret": "whsec_" + base64.b64encode(b"chosen by the provider, 32 byte").decode()},
        }
        ids, secrets = {}, {}
        for name, spec in endpoints.items():
            status, ep = api.call("POST", "/api/v1/endpoints", spec)
            check(f"sender/{name}/created", status == 201, f"{status} {ep}")
            ids[name], secrets[name] = ep["id"], ep["secret"]
        check("sender/chosen-secret-kept", secrets["joy"] == "joy-shop-secret-0123", secrets["joy"])

        def publish(event_type, n):
            status, m = api.call("POST", "/api/v1/messages",
                                 {"event_type": event_type, "payload": {"n": n, "note": "caf\u00e9"}})
            return status, m

        # Before any rotation.
        for name, etype, path in [("orange", "asset.updated", "/orange"), ("joy", "points.earned", "/joy"),
                                  ("jodo", "payment.success", "/jodo"), ("sw", "invoice.paid", "/sw")]:
            status, m = publish(etype, 1)
            check(f"sender/{name}/published", status == 202, f"{status} {m}")
            got = wait_for(path, 1)
            if not got:
                check(f"sender/{name}/delivered", False, "nothing arrived")
                continue
            h, body = got[0]
            check(f"sender/{name}/id-header", h.get("webhook-id") == m["id"], h.get("webhook-id"))
            ts = h.get("webhook-timestamp", "")
            check(f"sender/{name}/timestamp-header", ts.isdigit() and abs(int(ts) - time.time()) < 60, ts)
        h, b = wait_for("/orange", 1)[0]
        check("sender/orange/verified-by-docs-receiver", orange_logic_verifies(secrets["orange"], h, b),
              h.get("x-ol-signature"))
        h, b = wait_for("/joy", 1)[0]
        check("sender/joy/verified-by-docs-receiver", joy_loyalty_verifies("joy-shop-secret-0123", h, b),
              h.get("x-joy-loyalty-hmac-sha256"))
        h, b = wait_for("/jodo", 1)[0]
        check("sender/jodo/verified-by-docs-receiver", jodo_verifies("jodo-merchant-secret", h, b),
              h.get("x-jodo-signature"))
        check("sender/jodo/shared-custom-header", h.get("x-erp-token") == "erp-shared-value", h.get("x-erp-token"))
        h, b = wait_for("/sw", 1)[0]
        try:
            StdWebhook(secrets["sw"]).verify(b, h)
            ok, why = True, ""
        except Exception as e:  # the SDK's verdict
            ok, why = False, repr(e)
        check("sender/sw/chosen-secret-verified-by-standardwebhooks-sdk", ok, why)

        # The CLI writes the header the server sends (same body, same secret).
        h, b = wait_for("/orange", 1)[0]
        body_file = os.path.join(tmp, "orange-body.json")
        with open(body_file, "wb") as f:
            f.write(b)
        out = subprocess.run([BIN, "sign", "--provider", "orange-logic", "--secret", secrets["orange"],
                              "--body-file", body_file], capture_output=True, text=True)
        cli = dict(line.split(": ", 1) for line in out.stdout.strip().splitlines() if ": " in line)
        check("sender/orange/cli-and-server-agree",
              cli.get("x-ol-signature") == h.get("x-ol-signature"), f"{cli} vs {h.get('x-ol-signature')}")

        # Rotation, Orange Logic: both signatures during the grace period.
        old = secrets["orange"]
        status, r = api.call("POST", f"/api/v1/endpoints/{ids['orange']}/secret/rotate",
                             {"secret": "orange-rotated-secret-0123", "grace_secs": 4})
        check("sender/orange/rotated", status == 200 and r["both_sign_during_grace"] is True, f"{status} {r}")
        publish("asset.updated", 2)
        got = wait_for("/orange", 2)
        h, b = got[-1]
        check("sender/orange/during-grace-old-secret-verifies", orange_logic_verifies(old, h, b),
              h.get("x-ol-signature"))
        check("sender/orange/during-grace-new-secret-verifies",
              orange_logic_verifies("orange-rotated-secret-0123", h, b), h.get("x-ol-signature"))
        # Rotation, Joy Loyalty: one signature, the old one until the grace ends.
        status, r = api.call("POST", f"/api/v1/endpoints/{ids['joy']}/secret/rotate",
                             {"secret": "joy-rotated-secret-0123", "grace_secs": 4})
        check("sender/joy/rotate-says-one-signature",
              status == 200 and r["both_sign_during_grace"] is False
              and r["new_secret_signs_from"] == r["previous_expires_at"], f"{status} {r}")
        publish("points.earned", 2)
        h, b = wait_for("/joy", 2)[-1]
        check("sender/joy/during-grace-old-secret-signs", joy_loyalty_verifies("joy-shop-secret-0123", h, b), "")

        time.sleep(5)
        publish("asset.updated", 3)
        h, b = wait_for("/orange", 3)[-1]
        check("sender/orange/after-grace-new-secret-verifies",
              orange_logic_verifies("orange-rotated-secret-0123", h, b), h.get("x-ol-signature"))
        check("sender/orange/after-grace-old-secret-refused", not orange_logic_verifies(old, h, b),
              h.get("x-ol-signature"))
        publish("points.earned", 3)
        h, b = wait_for("/joy", 3)[-1]
        check("sender/joy/after-grace-new-secret-signs", joy_loyalty_verifies("joy-rotated-secret-0123", h, b), "")
        check("sender/joy/after-grace-old-secret-refused",
              not joy_loyalty_verifies("joy-shop-secret-0123", h, b), "")
        status, s = api.call("GET", f"/api/v1/endpoints/{ids['joy']}/secret")
        check("sender/joy/secret-route-shows-the-chosen-secret",
              status == 200 and s["data"][0]["secret"] == "joy-rotated-secret-0123", f"{s}")
    finally:
        proc.kill()
        proc.wait()
        srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"sender interop: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
