#!/usr/bin/env python3
"""Gateway interop: the official Python SDKs sign webhooks, `hookseal serve`
receives them at /in/{source}, and the official Standard Webhooks SDK verifies
what hookseal forwards.

Starts the hookseal binary ($HOOKSEAL_BIN) with one source per SDK (Standard
Webhooks, Svix, Stripe, Slack, Twilio) forwarding to a receiver in this
process. For each: the SDK-signed request is accepted (200) and forwarded,
re-signed, with the provider's id as webhook-id where it has one; the same
request again is answered 200 as a duplicate and not forwarded again (Twilio,
which signs no id or timestamp, stores it as a new event); a tampered body is
refused (401).
Prints `PASS name` / `FAIL name: detail` and `gateway interop: N passed, M failed`.
"""

import base64
import hashlib
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
from datetime import datetime, timezone
from urllib.parse import urlencode

import stripe
from slack_sdk.signature import SignatureVerifier
from standardwebhooks.webhooks import Webhook as StdWebhook
from svix.webhooks import Webhook as SvixWebhook
from twilio.request_validator import RequestValidator

BIN = os.environ.get("HOOKSEAL_BIN", "")
if not (BIN and os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
    print("gateway.py: set HOOKSEAL_BIN to the hookseal binary", file=sys.stderr)
    sys.exit(2)


def sw_secret(label: str) -> str:
    return "whsec_" + base64.b64encode(hashlib.sha256(label.encode()).digest()).decode()


SW, SVIX, FWD = sw_secret("gw-sw"), sw_secret("gw-svix"), sw_secret("gw-forward")
STRIPE = "whsec_gatewayInteropStripe0123456789"
SLACK = "8f742231b10e8888abcd99yyyzzz85a5"
TWILIO = "0123456789abcdef0123456789abcdef"
ORIGIN = "https://hooks.example.com"

received = []
received_lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with received_lock:
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def start_receiver():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def config(port: int) -> str:
    fwd = f'forward = [{{ url = "http://127.0.0.1:{port}/hook", secret = "{FWD}" }}]'
    src = [("sw", "standard-webhooks", SW, ""), ("svix", "svix", SVIX, ""),
           ("stripe", "stripe", STRIPE, ""), ("slack", "slack", SLACK, ""),
           ("twilio", "twilio", TWILIO, f'public_url = "{ORIGIN}"')]
    out = []
    for name, provider, secret, extra in src:
        out.append(f'[[sources]]\nname = "{name}"\nprovider = "{provider}"\n'
                   f'secrets = ["{secret}"]\n{extra}\n{fwd}\n')
    return "\n".join(out)


def start_server(tmp: str, port: int):
    cfg = os.path.join(tmp, "config.toml")
    with open(cfg, "w") as f:
        f.write(config(port))
    env = dict(os.environ, HOOKSEAL_SERVER__DATA_DIR=os.path.join(tmp, "data"),
               HOOKSEAL_SERVER__LISTEN="127.0.0.1:0", HOOKSEAL_LOG__FILTER="warn")
    proc = subprocess.Popen([BIN, "serve", "--config", cfg], env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("hookseal listening on http://"):
            return proc, line.strip().split("http://", 1)[1]
    proc.kill()
    print("gateway.py: hookseal serve did not start", file=sys.stderr)
    sys.exit(2)


def post(addr: str, path: str, headers: dict, body: bytes):
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    text = r.read().decode(errors="replace")
    c.close()
    return r.status, text


def sign_sw(cls, secret, prefix, msg_id, body):
    now = datetime.now(tz=timezone.utc)
    sig = cls(secret).sign(msg_id, now, body.decode())
    return {f"{prefix}-id": msg_id, f"{prefix}-timestamp": str(int(now.timestamp())),
            f"{prefix}-signature": sig, "Content-Type": "application/json"}


def cases():
    """(name, path, headers, body, expected webhook-id or None)."""
    body = json.dumps({"type": "invoice.paid", "n": 1}).encode()
    now = int(time.time())
    form = {"CallSid": "CA1234", "From": "+14158675310", "Body": "caf\u00e9 ok"}
    form_body = urlencode(form).encode()
    return [
        ("standard-webhooks", "/in/sw", sign_sw(StdWebhook, SW, "webhook", "msg_gw_sw_1", body), body, "msg_gw_sw_1"),
        ("svix", "/in/svix", sign_sw(SvixWebhook, SVIX, "svix", "msg_gw_svix_1", body), body, "msg_gw_svix_1"),
        ("stripe", "/in/stripe",
         {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body.decode(), STRIPE, timestamp=now),
          "Content-Type": "application/json"}, body, None),
        ("slack", "/in/slack",
         {"X-Slack-Request-Timestamp": str(now),
          "X-Slack-Signature": SignatureVerifier(SLACK).generate_signature(timestamp=str(now), body=body),
          "Content-Type": "application/json"}, body, None),
        ("twilio", "/in/twilio",
         {"X-Twilio-Signature": RequestValidator(TWILIO).compute_signature(f"{ORIGIN}/in/twilio", form),
          "Content-Type": "application/x-www-form-urlencoded"}, form_body, None),
    ]


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

    recv = start_receiver()
    tmp = tempfile.mkdtemp(prefix="hookseal-gw-interop-")
    proc, addr = start_server(tmp, recv.server_address[1])
    try:
        for name, path, headers, body, webhook_id in cases():
            before = len(received)
            status, text = post(addr, path, headers, body)
            check(f"gateway/{name}/sdk-signed-accepted", status == 200, f"{status} {text}")
            deadline = time.time() + 10
            while len(received) <= before and time.time() < deadline:
                time.sleep(0.05)
            with received_lock:
                got = received[before] if len(received) > before else None
            if got is None:
                check(f"gateway/{name}/forwarded", False, "nothing arrived")
            else:
                h, b = got
                try:
                    StdWebhook(FWD).verify(b, h, json_parse=False)
                    ok, why = True, ""
                except Exception as e:  # the SDK's verdict, whatever its exception
                    ok, why = False, repr(e)
                check(f"gateway/{name}/forward-verified-by-standardwebhooks-sdk", ok, why)
                check(f"gateway/{name}/forward-body-unchanged", b == body, f"{b!r}")
                if webhook_id:
                    check(f"gateway/{name}/provider-id-kept", h.get("webhook-id") == webhook_id,
                          h.get("webhook-id"))
            # The same request again: for a scheme that signs an id or a
            # timestamp, a provider's retry of an accepted event — answered
            # 200 as a duplicate, stored and forwarded once. Twilio signs
            # neither: without dedup_secs on the source it is a new event.
            before = len(received)
            status, text = post(addr, path, headers, body)
            if name == "twilio":
                check(f"gateway/{name}/repeat-accepted-as-new", (status, text) == (200, "accepted"),
                      f"{status} {text}")
            else:
                check(f"gateway/{name}/retry-answered-as-duplicate",
                      (status, text) == (200, "accepted (duplicate)"), f"{status} {text}")
                time.sleep(0.3)
                check(f"gateway/{name}/duplicate-not-forwarded", len(received) == before,
                      f"{len(received) - before} forwarded")
            tampered = body.replace(b"1", b"2") if b"1" in body else body + b" "
            status, _ = post(addr, path, headers, tampered)
            check(f"gateway/{name}/tampered-refused", status == 401, str(status))
    finally:
        proc.kill()
        proc.wait()
        recv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"gateway interop: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
