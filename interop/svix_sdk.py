#!/usr/bin/env python3
"""Svix SDK interop: the official Python `svix` SDK (2.9.1, used as published,
only `server_url` pointing at hookseal) drives `hookseal serve` through the
Svix API, and receivers here verify every delivery with the official
`standardwebhooks` package.

Every object the server returns is read through the SDK's typed (pydantic)
models, so a missing or mistyped field fails the step that read it.

Scenario: health; applications (create, get_or_create, get by id and uid,
paginated list, upsert, patch); event types (create, list, get, upsert, patch,
archive, an archived type refused as an endpoint filter); endpoints per app
with event-type and channel filters, secrets and custom headers; messages to
both apps, each receiver getting only its own application's messages (and
the channel rule); eventId conflicts and idempotency keys; message and
attempt reads; secret rotation (old and new secret during the grace period,
only the new after); resend (manual attempt); recover after a failure and
endpoint stats; an app-portal token confined to its application; deletes.

Prints `PASS name` / `FAIL name: detail` and `svix sdk interop: N passed, M failed`.
Environment: HOOKSEAL_BIN (the hookseal binary).
"""

import base64
import http.client
import http.server
import json
import os
import secrets as pysecrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime, timedelta, timezone

from standardwebhooks.webhooks import Webhook as StdWebhook
from svix.api import (
    ApplicationIn,
    ApplicationListOptions,
    ApplicationPatch,
    AppPortalAccessIn,
    EmptyResponse,
    EndpointHeadersIn,
    EndpointHeadersPatchIn,
    EndpointIn,
    EndpointGetStatsOptions,
    EndpointPatch,
    EndpointSecretRotateIn,
    EventTypeIn,
    EventTypeListOptions,
    EventTypePatch,
    EventTypeUpsertIn,
    MessageAttemptListByEndpointOptions,
    MessageAttemptListByMsgOptions,
    MessageAttemptTriggerType,
    MessageCreateOptions,
    MessageGetOptions,
    MessageIn,
    MessageListOptions,
    MessageStatus,
    MessageStatusText,
    RecoverIn,
    Svix,
    SvixOptions,
)
from svix.api.errors.http_error import HttpError
from svix.api.errors.http_validation_error import HTTPValidationError
from svix.models import BackgroundTaskStatus, BackgroundTaskType

BIN = os.environ.get("HOOKSEAL_BIN", "")
if not (BIN and os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
    print("svix_sdk.py: set HOOKSEAL_BIN to the hookseal binary", file=sys.stderr)
    sys.exit(2)

# --- receivers ---

received = {}  # path -> [(headers, body)]
lock = threading.Lock()
failing_paths = set()  # paths that answer 500


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            received.setdefault(self.path, []).append(
                ({k.lower(): v for k, v in self.headers.items()}, body))
            fail = self.path in failing_paths
        self.send_response(500 if fail else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no" if fail else b"ok")

    def log_message(self, *args):
        pass


def deliveries(path):
    with lock:
        return list(received.get(path, []))


def wait_for(path, n, secs=10.0):
    deadline = time.time() + secs
    got = deliveries(path)
    while time.time() < deadline and len(got) < n:
        time.sleep(0.05)
        got = deliveries(path)
    return got


def poll(fn, secs=10.0):
    """Calls fn until it returns something truthy (or the time is up); returns the last value."""
    deadline = time.time() + secs
    while True:
        value = fn()
        if value or time.time() >= deadline:
            return value
        time.sleep(0.1)


def verifies(secret, headers, body):
    """The official standardwebhooks verdict on one delivery."""
    try:
        StdWebhook(secret).verify(body, headers)
        return True
    except Exception:
        return False


def ids_of(got):
    return [h.get("webhook-id") for h, _ in got]


# --- the server ---

def start_server(tmp):
    env = dict(os.environ, HOOKSEAL_SERVER__DATA_DIR=os.path.join(tmp, "data"),
               HOOKSEAL_SERVER__LISTEN="127.0.0.1:0", HOOKSEAL_LOG__FILTER="warn",
               HOOKSEAL_DELIVERY__ALLOW_HTTP="true",
               HOOKSEAL_DELIVERY__ALLOW_CIDRS='["127.0.0.1/32"]',
               # One attempt, no retries: a failure stays failed until recover/resend.
               HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS="[0]")
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
        proc.wait()
        print("svix_sdk.py: hookseal serve did not start", file=sys.stderr)
        sys.exit(2)
    # Keep draining stdout so the server never blocks on a full pipe.
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    return proc, addr, token


def raw_get(addr, path):
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


# --- checks ---

class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}")
        return ok

    def call(self, name, fn):
        """Runs one SDK call; PASS if it returns (its typed model parsed), FAIL with the error if not."""
        try:
            value = fn()
        except Exception as e:
            self.check(name, False, describe(e))
            return None
        self.check(name, True)
        return value

    def expect_error(self, name, fn, status, kind=HttpError, code=None):
        """The SDK call must raise `kind` (HttpError / HTTPValidationError) with this HTTP status."""
        try:
            value = fn()
        except (HttpError, HTTPValidationError) as e:
            ok = isinstance(e, kind) and e.status_code == status and (code is None or e.code == code)
            return self.check(name, ok, f"expected {kind.__name__} {status}{' ' + code if code else ''}, "
                                        f"got {describe(e)}")
        except Exception as e:
            return self.check(name, False, f"expected {kind.__name__} {status}, got {describe(e)}")
        return self.check(name, False, f"expected {kind.__name__} {status}, the call succeeded: {value!r}"[:400])


def describe(e):
    if isinstance(e, HttpError):
        return f"HttpError status={e.status_code} code={e.code!r} detail={e.detail!r}"
    if isinstance(e, HTTPValidationError):
        return f"HTTPValidationError status={e.status_code} detail={[d.to_dict() for d in e.detail]!r}"
    return f"{type(e).__name__}: {str(e)[:400]}".replace("\n", " | ")


def aware(dt):
    return isinstance(dt, datetime) and dt.tzinfo is not None and dt.utcoffset() == timedelta(0)


def main():
    t = Checks()
    check = t.check

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    tmp = tempfile.mkdtemp(prefix="hookseal-svix-sdk-")
    proc = None
    S = {}  # what each section leaves for the next ones

    def section(name, fn):
        try:
            fn()
        except Exception as e:  # a step this section needed failed (or a prerequisite is missing)
            check(f"{name}/section-completed", False, describe(e))
            traceback.print_exc(limit=3, file=sys.stderr)

    try:
        proc, addr, token = start_server(tmp)
        server_url = f"http://{addr}"
        svix = Svix(token, SvixOptions(server_url=server_url))
        started = datetime.now(timezone.utc) - timedelta(minutes=1)

        # ---------------------------------------------------------- health
        def health():
            t.call("health/sdk-health-get", lambda: svix.health.get())
            status, body = raw_get(addr, "/api/v1/health")
            check("health/raw-get-no-auth-204", status == 204, f"{status} {body[:200]!r}")
        section("health", health)

        # ---------------------------------------------------------- applications
        def applications():
            # hookseal may hold applications of its own (its native API's default one); the
            # checks below are about the applications this script creates.
            preexisting = [x.id for x in svix.application.list().data]
            a = svix.application.create(ApplicationIn(name="Acme", metadata={"tier": "gold"}))
            check("app/create", a.id.startswith("app_") and a.name == "Acme" and a.metadata == {"tier": "gold"}
                  and a.uid is None, repr(a))
            check("app/create-timestamps-utc", aware(a.created_at) and aware(a.updated_at), repr(a))
            b = svix.application.get_or_create(ApplicationIn(name="Beta", uid="beta-app"))
            check("app/get_or_create-creates", b.uid == "beta-app" and b.name == "Beta", repr(b))
            b2 = svix.application.get_or_create(ApplicationIn(name="Beta renamed?", uid="beta-app"))
            check("app/get_or_create-returns-existing", b2.id == b.id and b2.name == "Beta", repr(b2))
            t.expect_error("app/create-duplicate-uid-409",
                           lambda: svix.application.create(ApplicationIn(name="Dup", uid="beta-app")), 409)
            got = svix.application.get(a.id)
            check("app/get-by-id", got.id == a.id and got.name == "Acme", repr(got))
            got = svix.application.get("beta-app")
            check("app/get-by-uid", got.id == b.id, repr(got))
            t.expect_error("app/get-unknown-404", lambda: svix.application.get("app_doesnotexist0000000000000"), 404)

            page1 = svix.application.list(ApplicationListOptions(limit=1))
            check("app/list-limit-1", len(page1.data) == 1 and page1.done is False and page1.iterator,
                  repr(page1))
            seen = [x.id for x in page1.data]
            it, pages = page1.iterator, 1
            while it and pages < 20:
                page = svix.application.list(ApplicationListOptions(limit=1, iterator=it))
                seen += [x.id for x in page.data]
                pages += 1
                if page.done:
                    break
                it = page.iterator
            want = preexisting + [a.id, b.id]
            check("app/list-iterator-walks-all", sorted(seen) == sorted(want) and len(seen) == len(want),
                  f"seen {seen}, want {want}")
            full = svix.application.list()
            mine = [x.id for x in full.data if x.id not in preexisting]
            check("app/list-default-ascending", mine == [a.id, b.id] and full.done,
                  repr([x.id for x in full.data]))
            t.expect_error("app/list-limit-over-250-422",
                           lambda: svix.application.list(ApplicationListOptions(limit=251)), 422,
                           HTTPValidationError)

            up = svix.application.upsert(a.id, ApplicationIn(name="Acme Corp", metadata={"tier": "platinum"}))
            check("app/upsert-updates", up.id == a.id and up.name == "Acme Corp"
                  and up.metadata == {"tier": "platinum"}, repr(up))
            p = svix.application.patch("beta-app", ApplicationPatch(metadata={"region": "eu"}))
            check("app/patch", p.id == b.id and p.name == "Beta" and p.metadata == {"region": "eu"}
                  and p.uid == "beta-app", repr(p))
            S["A"], S["B"] = a.id, b.id
        section("app", applications)

        # ---------------------------------------------------------- event types
        def event_types():
            schema = {"1": {"type": "object", "properties": {"n": {"type": "integer"}}}}
            made = {}
            for name, desc, schemas in [("invoice.paid", "An invoice was paid", schema),
                                        ("invoice.failed", "An invoice failed", None),
                                        ("user.created", "A user signed up", None),
                                        ("legacy.event", "Old, to be archived", None)]:
                et = svix.event_type.create(EventTypeIn(name=name, description=desc, schemas=schemas))
                made[name] = et
                check(f"event-type/create/{name}", et.name == name and et.description == desc
                      and et.deprecated is False and not et.archived and aware(et.created_at), repr(et))
            t.expect_error("event-type/create-existing-409",
                           lambda: svix.event_type.create(EventTypeIn(name="invoice.paid", description="again")),
                           409)
            lst = svix.event_type.list()
            names = [x.name for x in lst.data]
            check("event-type/list-sorted-by-name", names == sorted(made), repr(names))
            check("event-type/list-without-content-has-no-schemas",
                  all(x.schemas is None for x in lst.data), repr([x.schemas for x in lst.data]))
            lst = svix.event_type.list(EventTypeListOptions(with_content=True))
            paid = [x for x in lst.data if x.name == "invoice.paid"]
            check("event-type/list-with-content-has-schemas", paid and paid[0].schemas == schema, repr(paid))
            got = svix.event_type.get("invoice.paid")
            check("event-type/get", got.name == "invoice.paid" and got.schemas == schema, repr(got))
            up = svix.event_type.upsert("invoice.failed", EventTypeUpsertIn(description="An invoice failed (v2)"))
            check("event-type/upsert-updates", up.name == "invoice.failed"
                  and up.description == "An invoice failed (v2)", repr(up))
            p = svix.event_type.patch("user.created", EventTypePatch(deprecated=True))
            check("event-type/patch", p.deprecated is True and p.description == "A user signed up", repr(p))
            t.call("event-type/archive (delete)", lambda: svix.event_type.delete("legacy.event"))
            got = svix.event_type.get("legacy.event")
            check("event-type/archived-still-readable", got.archived is True, repr(got))
            names = [x.name for x in svix.event_type.list().data]
            check("event-type/list-hides-archived", "legacy.event" not in names, repr(names))
            names = [x.name for x in svix.event_type.list(EventTypeListOptions(include_archived=True)).data]
            check("event-type/list-include-archived", "legacy.event" in names, repr(names))
            t.expect_error("event-type/archived-refused-as-endpoint-filter-422",
                           lambda: svix.endpoint.create(S["A"], EndpointIn(url=f"{base}/never",
                                                                           event_types=["legacy.event"])),
                           422, HTTPValidationError)
            revived = svix.event_type.create(EventTypeIn(name="legacy.event", description="Revived"))
            check("event-type/create-on-archived-name-unarchives",
                  not revived.archived and revived.description == "Revived", repr(revived))
            t.call("event-type/archive-again", lambda: svix.event_type.delete("legacy.event"))
            t.expect_error("event-type/unknown-refused-as-endpoint-filter-422",
                           lambda: svix.endpoint.create(S["A"], EndpointIn(url=f"{base}/never",
                                                                           event_types=["no.such.type"])),
                           422, HTTPValidationError)
        section("event-type", event_types)

        # ---------------------------------------------------------- endpoints
        def endpoints():
            A, B = S["A"], S["B"]
            ea = svix.endpoint.create(A, EndpointIn(url=f"{base}/a", uid="a-main", description="A main",
                                                    event_types=["invoice.paid", "invoice.failed"],
                                                    metadata={"team": "billing"}))
            check("endpoint/create-a", ea.id.startswith("ep_") and ea.url == f"{base}/a" and ea.uid == "a-main"
                  and sorted(ea.event_types or []) == ["invoice.failed", "invoice.paid"]
                  and ea.metadata == {"team": "billing"} and ea.description == "A main"
                  and aware(ea.created_at), repr(ea))
            ech = svix.endpoint.create(A, EndpointIn(url=f"{base}/a-ch", channels=["eu"]))
            check("endpoint/create-a-channels", ech.channels == ["eu"] and ech.description == ""
                  and ech.metadata == {} and not ech.event_types, repr(ech))
            efl = svix.endpoint.create(A, EndpointIn(url=f"{base}/flaky", event_types=["user.created"]))
            check("endpoint/create-a-flaky", efl.event_types == ["user.created"], repr(efl))
            eb = svix.endpoint.create(B, EndpointIn(url=f"{base}/b", uid="b-main", event_types=["invoice.paid"]))
            check("endpoint/create-b", eb.uid == "b-main" and eb.event_types == ["invoice.paid"], repr(eb))
            dis = svix.endpoint.create(A, EndpointIn(url=f"{base}/disabled", disabled=True,
                                                     event_types=["invoice.paid"]))
            check("endpoint/create-disabled", dis.disabled is True, repr(dis))
            t.expect_error("endpoint/create-duplicate-uid-409",
                           lambda: svix.endpoint.create(A, EndpointIn(url=f"{base}/x", uid="a-main")), 409)
            t.expect_error("endpoint/create-empty-event-types-422",
                           lambda: svix.endpoint.create(A, EndpointIn(url=f"{base}/x", event_types=[])),
                           422, HTTPValidationError)

            got = svix.endpoint.get(A, ea.id)
            check("endpoint/get-by-id", got.id == ea.id and got.url == ea.url, repr(got))
            got = svix.endpoint.get("beta-app", "b-main")
            check("endpoint/get-by-app-uid-and-endpoint-uid", got.id == eb.id, repr(got))
            t.expect_error("endpoint/other-apps-endpoint-404", lambda: svix.endpoint.get(A, eb.id), 404)
            lst = svix.endpoint.list(A)
            check("endpoint/list-app-a", sorted(x.id for x in lst.data) == sorted([ea.id, ech.id, efl.id, dis.id])
                  and lst.done, repr([x.id for x in lst.data]))
            check("endpoint/list-default-descending", [x.id for x in lst.data] == [dis.id, efl.id, ech.id, ea.id],
                  repr([x.id for x in lst.data]))
            lst = svix.endpoint.list(B)
            check("endpoint/list-app-b", [x.id for x in lst.data] == [eb.id], repr([x.id for x in lst.data]))
            p = svix.endpoint.patch(A, ea.id, EndpointPatch(description="A main (patched)"))
            check("endpoint/patch", p.description == "A main (patched)" and p.url == ea.url
                  and sorted(p.event_types or []) == ["invoice.failed", "invoice.paid"], repr(p))

            sec = {}
            for label, app, ep in [("a", A, ea.id), ("a-ch", A, ech.id), ("flaky", A, efl.id), ("b", B, eb.id)]:
                s = svix.endpoint.get_secret(app, ep)
                ok = s.key.startswith("whsec_")
                try:
                    StdWebhook(s.key)
                except Exception:
                    ok = False
                check(f"endpoint/get_secret-{label}", ok, repr(s))
                sec[label] = s.key
            check("endpoint/secrets-distinct", len(set(sec.values())) == 4, repr(sec))

            t.call("endpoint/set_headers", lambda: svix.endpoint.set_headers(
                A, ea.id, EndpointHeadersIn(headers={"X-Tenant": "acme", "Authorization": "Bearer s3cr3t"})))
            h = svix.endpoint.get_headers(A, ea.id)
            check("endpoint/get_headers-withholds-sensitive",
                  {k.lower(): v for k, v in h.headers.items()} == {"x-tenant": "acme"}
                  and [x.lower() for x in h.sensitive] == ["authorization"], repr(h))
            t.call("endpoint/patch_headers (add + deleteHeaders)", lambda: svix.endpoint.patch_headers(
                A, ea.id, EndpointHeadersPatchIn(headers={"X-Extra": "1"}, delete_headers=["X-Tenant"])))
            h = svix.endpoint.get_headers(A, ea.id)
            check("endpoint/get_headers-after-patch",
                  {k.lower(): v for k, v in h.headers.items()} == {"x-extra": "1"}
                  and [x.lower() for x in h.sensitive] == ["authorization"], repr(h))
            h = svix.endpoint.get_headers(A, ech.id)
            check("endpoint/get_headers-none", h.headers == {} and h.sensitive == [], repr(h))
            S.update(ea=ea.id, ech=ech.id, efl=efl.id, eb=eb.id, sec=sec)
        section("endpoint", endpoints)

        # ---------------------------------------------------------- messages and deliveries
        def messages():
            A, B, sec = S["A"], S["B"], S["sec"]
            p1 = {"n": 1, "app": "a", "note": "caf\u00e9"}
            p2 = {"n": 2, "app": "a", "list": [1, 2, {"x": None}]}
            p3 = {"n": 3, "app": "a"}
            pb = {"n": 1, "app": "b"}
            m1 = svix.message.create(A, MessageIn(event_type="invoice.paid", event_id="evt-1", payload=p1))
            check("msg/create-a-with-event-id", m1.id.startswith("msg_") and m1.event_id == "evt-1"
                  and m1.event_type == "invoice.paid" and aware(m1.timestamp), repr(m1))
            m2 = svix.message.create(A, MessageIn(event_type="invoice.failed", payload=p2, channels=["eu"]))
            check("msg/create-a-with-channels", m2.channels == ["eu"], repr(m2))
            m3 = svix.message.create(A, MessageIn(event_type="invoice.paid", payload=p3, channels=["us"]))
            # The same eventId in another application is not a conflict (unique per app).
            mb = svix.message.create(B, MessageIn(event_type="invoice.paid", event_id="evt-1", payload=pb))
            check("msg/create-b-same-event-id-other-app", mb.event_id == "evt-1" and mb.id != m1.id, repr(mb))
            t.expect_error("msg/duplicate-event-id-other-payload-409",
                           lambda: svix.message.create(A, MessageIn(event_type="invoice.paid", event_id="evt-1",
                                                                    payload={"again": True})), 409)
            # Svix answers 409 to a used eventId whatever the content (only the idempotency key
            # replays an answer).
            t.expect_error("msg/duplicate-event-id-same-payload-409",
                           lambda: svix.message.create(A, MessageIn(event_type="invoice.paid", event_id="evt-1",
                                                                    payload=p1)), 409)

            want = {"/a": [m1.id, m2.id, m3.id], "/a-ch": [m2.id], "/b": [mb.id]}
            for path, ids in want.items():
                wait_for(path, len(ids))
            time.sleep(0.7)  # anything misrouted has had time to arrive
            for path, ids in want.items():
                got = deliveries(path)
                check(f"deliver{path}/only-its-own-messages", sorted(ids_of(got)) == sorted(ids),
                      f"got {ids_of(got)}, want {ids}")
            check("deliver/disabled-endpoint-got-nothing", deliveries("/disabled") == [],
                  ids_of(deliveries("/disabled")))
            check("deliver/flaky-got-nothing-yet", deliveries("/flaky") == [], ids_of(deliveries("/flaky")))
            payloads = {m1.id: p1, m2.id: p2, m3.id: p3, mb.id: pb}
            keys = {"/a": sec["a"], "/a-ch": sec["a-ch"], "/b": sec["b"]}
            for path in want:
                got = deliveries(path)
                check(f"deliver{path}/standardwebhooks-verifies-all",
                      got and all(verifies(keys[path], h, b) for h, b in got),
                      [h.get("webhook-signature") for h, _ in got])
                check(f"deliver{path}/bodies-are-payloads",
                      all(json.loads(b) == payloads.get(h.get("webhook-id")) for h, b in got),
                      [b[:100] for _, b in got])
            other = [verifies(sec["b"], h, b) for h, b in deliveries("/a")]
            check("deliver/a-not-verified-by-b-secret", not any(other), other)
            h, _ = deliveries("/a")[0]
            check("deliver/a-carries-custom-headers",
                  h.get("x-extra") == "1" and h.get("authorization") == "Bearer s3cr3t" and "x-tenant" not in h,
                  {k: v for k, v in h.items() if k.startswith("x-") or k == "authorization"})

            # A message naming its application creates it when the path's app does not exist.
            auto = t.call("msg/create-with-application-autocreates", lambda: svix.message.create(
                "auto-app", MessageIn(event_type="invoice.paid", payload={"auto": True},
                                      application=ApplicationIn(name="Auto", uid="auto-app"))))
            if auto is not None:
                app = t.call("msg/autocreated-app-readable", lambda: svix.application.get("auto-app"))
                check("msg/autocreated-app-fields", app is not None and app.name == "Auto" and app.uid == "auto-app",
                      repr(app))
            t.expect_error("msg/create-unknown-app-404", lambda: svix.message.create(
                "no-such-app", MessageIn(event_type="invoice.paid", payload={"x": 1})), 404)

            # Idempotency: an SDK retry (same request, same idempotency-key) gets the same 202 answer,
            # even though the eventId is now used; a new key with that eventId is a conflict.
            opts = MessageCreateOptions(idempotency_key="interop-idem-key-1")
            p4 = {"n": 4, "app": "a", "idem": True}
            m4 = MessageIn(event_type="invoice.paid", event_id="evt-idem", payload=p4)
            i1 = t.call("msg/idempotent-create-first", lambda: svix.message.create(A, m4, opts))
            i2 = t.call("msg/idempotent-create-repeat-same-key", lambda: svix.message.create(A, m4, opts))
            t.expect_error("msg/same-event-id-new-key-409", lambda: svix.message.create(A, m4), 409)
            if i1 and i2:
                check("msg/idempotent-same-message", i1.id == i2.id and i2.event_id == "evt-idem"
                      and i1.timestamp == i2.timestamp, f"{i1!r} vs {i2!r}")
                wait_for("/a", 4)
                time.sleep(0.7)
                n = ids_of(deliveries("/a")).count(i1.id)
                check("msg/idempotent-delivered-once", n == 1 and ids_of(deliveries("/a")).count(i2.id) == n,
                      f"{ids_of(deliveries('/a'))}")
            S.update(m1=m1.id, m2=m2.id, m3=m3.id, mb=mb.id, m4=i1.id if i1 else None, p1=p1)

            # Reads.
            g = svix.message.get(A, m1.id)
            check("msg/get-without-content-payload-empty", g.id == m1.id and g.payload == {}
                  and g.event_id == "evt-1", repr(g))
            g = svix.message.get(A, "evt-1")
            check("msg/get-by-event-id", g.id == m1.id, repr(g))
            g = svix.message.get(A, m1.id, MessageGetOptions(with_content=True))
            check("msg/get-with-content", g.payload == p1, repr(g))
            t.expect_error("msg/get-other-apps-message-404", lambda: svix.message.get(A, mb.id), 404)
            lst = svix.message.list(A)
            all_a = [x for x in [m1.id, m2.id, m3.id, S["m4"]] if x]
            check("msg/list-app-a", sorted(x.id for x in lst.data) == sorted(all_a) and lst.done,
                  repr([x.id for x in lst.data]))
            check("msg/list-newest-first", [x.id for x in lst.data] == list(reversed(all_a)),
                  repr([x.id for x in lst.data]))
            check("msg/list-payloads-empty-without-content", all(x.payload == {} for x in lst.data),
                  repr([x.payload for x in lst.data]))
            lst = svix.message.list(A, MessageListOptions(limit=2))
            check("msg/list-limit-2", len(lst.data) == 2 and lst.done is False and lst.iterator, repr(lst))
            if lst.iterator:
                rest = svix.message.list(A, MessageListOptions(limit=10, iterator=lst.iterator))
                check("msg/list-iterator-continues", [x.id for x in lst.data + rest.data]
                      == list(reversed(all_a)) and rest.done, repr([x.id for x in rest.data]))
            lst = svix.message.list(A, MessageListOptions(channel="eu"))
            check("msg/list-by-channel", [x.id for x in lst.data] == [m2.id], repr([x.id for x in lst.data]))
            lst = svix.message.list(A, MessageListOptions(event_types=["invoice.failed"]))
            check("msg/list-by-event-types", [x.id for x in lst.data] == [m2.id], repr([x.id for x in lst.data]))
            # The Python SDK sends a naive datetime without an offset (its isoformat); read as UTC.
            naive = (datetime.now(timezone.utc) - timedelta(minutes=10)).replace(tzinfo=None)
            lst = t.call("msg/list-after-naive-datetime", lambda: svix.message.list(A, MessageListOptions(after=naive)))
            if lst is not None:
                check("msg/list-after-naive-datetime-finds-all", sorted(x.id for x in lst.data) == sorted(all_a),
                      repr([x.id for x in lst.data]))
            lst = svix.message.list(A, MessageListOptions(before=datetime.now(timezone.utc) - timedelta(hours=1)))
            check("msg/list-before-an-hour-ago-empty", lst.data == [] and lst.done and lst.iterator is None,
                  repr(lst))
            lst = svix.message.list(B, MessageListOptions(with_content=True))
            check("msg/list-app-b-with-content", [(x.id, x.payload) for x in lst.data] == [(mb.id, pb)],
                  repr(lst.data))
        section("msg", messages)

        # ---------------------------------------------------------- attempts
        def attempts():
            A, ea, ech = S["A"], S["ea"], S["ech"]
            m1, m2 = S["m1"], S["m2"]
            lst = svix.message_attempt.list_by_msg(A, m1)
            a = lst.data[0] if lst.data else None
            check("attempt/list_by_msg", len(lst.data) == 1 and a.msg_id == m1 and a.endpoint_id == ea
                  and a.id.startswith("atmpt_"), repr(lst))
            if a:
                check("attempt/typed-fields", a.status == MessageStatus.SUCCESS
                      and a.status_text == MessageStatusText.SUCCESS
                      and a.trigger_type == MessageAttemptTriggerType.SCHEDULED
                      and a.response_status_code == 200 and a.url == f"{base}/a"
                      and isinstance(a.response_duration_ms, int) and aware(a.timestamp), repr(a))
                check("attempt/response-without-content-is-{}", a.response == "{}", repr(a.response))
                g = svix.message_attempt.get(A, m1, a.id)
                check("attempt/get", g.id == a.id and g.msg_id == m1, repr(g))
            lst = svix.message_attempt.list_by_endpoint(A, ea)
            want = [x for x in [m1, m2, S["m3"], S["m4"]] if x]
            check("attempt/list_by_endpoint", sorted(x.msg_id for x in lst.data) == sorted(want)
                  and all(x.endpoint_id == ea and x.status == MessageStatus.SUCCESS for x in lst.data),
                  repr([(x.msg_id, x.endpoint_id, x.status) for x in lst.data]))
            full = [x.id for x in lst.data]
            seen, it = [], None
            for _ in range(20):
                page = svix.message_attempt.list_by_endpoint(
                    A, ea, MessageAttemptListByEndpointOptions(limit=1, iterator=it))
                seen += [x.id for x in page.data]
                it = page.iterator
                if page.done or not it:
                    break
            check("attempt/list_by_endpoint-paginates-newest-first", seen == full
                  and [x.timestamp for x in lst.data] == sorted((x.timestamp for x in lst.data), reverse=True),
                  f"pages {seen}, whole {full}")
            lst = svix.message_attempt.list_by_msg(A, m2, MessageAttemptListByMsgOptions(endpoint_id="a-main"))
            check("attempt/list_by_msg-endpoint-filter-by-uid", [x.endpoint_id for x in lst.data] == [ea],
                  repr([x.endpoint_id for x in lst.data]))
            lst = svix.message_attempt.list_by_msg(A, m2)
            check("attempt/list_by_msg-two-endpoints", sorted(x.endpoint_id for x in lst.data) == sorted([ea, ech]),
                  repr([x.endpoint_id for x in lst.data]))
            lst = svix.message_attempt.list_attempted_destinations(A, m2)
            check("attempt/list_attempted_destinations",
                  sorted(x.id for x in lst.data) == sorted([ea, ech])
                  and all(x.status == MessageStatus.SUCCESS and x.status_text == MessageStatusText.SUCCESS
                          for x in lst.data), repr(lst))
            lst = svix.message_attempt.list_attempted_messages(A, ech)
            check("attempt/list_attempted_messages", [x.id for x in lst.data] == [m2]
                  and lst.data[0].payload == {} and lst.data[0].status == MessageStatus.SUCCESS, repr(lst))
            t.expect_error("attempt/list_by_msg-other-apps-message-404",
                           lambda: svix.message_attempt.list_by_msg(A, S["mb"]), 404)
        section("attempt", attempts)

        # ---------------------------------------------------------- secret rotation
        def rotation():
            A, B, ea, eb = S["A"], S["B"], S["ea"], S["eb"]
            old = S["sec"]["a"]
            r = t.call("rotate/a-sdk-call-returns-key",
                       lambda: svix.endpoint.rotate_secret(A, ea, EndpointSecretRotateIn(grace_period_seconds=4)))
            rotated_at = time.time()
            if r is None:
                return
            new = svix.endpoint.get_secret(A, ea).key
            check("rotate/a-new-key-is-get_secret", r.key == new and new != old and new.startswith("whsec_"),
                  f"rotate answered {r.key}, get_secret {new}, old {old}")
            n = len(deliveries("/a"))
            m = svix.message.create(A, MessageIn(event_type="invoice.paid", payload={"n": 5, "rotated": True}))
            got = wait_for("/a", n + 1)
            if check("rotate/a-delivered-during-grace", len(got) > n and got[-1][0].get("webhook-id") == m.id,
                     ids_of(got)):
                h, b = got[-1]
                check("rotate/during-grace-new-secret-verifies", verifies(new, h, b), h.get("webhook-signature"))
                check("rotate/during-grace-old-secret-verifies", verifies(old, h, b), h.get("webhook-signature"))
                check("rotate/during-grace-two-signatures", len(h.get("webhook-signature", "").split(" ")) == 2,
                      h.get("webhook-signature"))
            time.sleep(max(0.0, rotated_at + 5 - time.time()))
            n = len(deliveries("/a"))
            m = svix.message.create(A, MessageIn(event_type="invoice.paid", payload={"n": 6, "after": "grace"}))
            got = wait_for("/a", n + 1)
            if check("rotate/a-delivered-after-grace", len(got) > n and got[-1][0].get("webhook-id") == m.id,
                     ids_of(got)):
                h, b = got[-1]
                check("rotate/after-grace-new-secret-verifies", verifies(new, h, b), h.get("webhook-signature"))
                check("rotate/after-grace-old-secret-refused", not verifies(old, h, b), h.get("webhook-signature"))
            S["sec"]["a"] = new

            chosen = "whsec_" + base64.b64encode(pysecrets.token_bytes(24)).decode()
            r = t.call("rotate/b-chosen-key", lambda: svix.endpoint.rotate_secret(B, eb, EndpointSecretRotateIn(
                key=chosen, grace_period_seconds=0)))
            if r is not None:
                check("rotate/b-answer-is-chosen-key", r.key == chosen, f"{r.key} vs {chosen}")
                check("rotate/b-get_secret-is-chosen-key", svix.endpoint.get_secret(B, eb).key == chosen, "")
                n = len(deliveries("/b"))
                m = svix.message.create(B, MessageIn(event_type="invoice.paid", payload={"n": 2, "app": "b"}))
                got = wait_for("/b", n + 1)
                ok = len(got) > n and got[-1][0].get("webhook-id") == m.id
                check("rotate/b-chosen-key-verifies", ok and verifies(chosen, *got[-1]),
                      got[-1][0].get("webhook-signature") if got else "nothing arrived")
                check("rotate/b-grace-0-old-key-refused", ok and not verifies(S["sec"]["b"], *got[-1]),
                      got[-1][0].get("webhook-signature") if got else "nothing arrived")
        section("rotate", rotation)

        # ---------------------------------------------------------- resend
        def resend():
            A, ea, m1 = S["A"], S["ea"], S["m1"]
            before = ids_of(deliveries("/a")).count(m1)
            r = t.call("resend/sdk-call", lambda: svix.message_attempt.resend(A, m1, ea))
            check("resend/answer-is-EmptyResponse", isinstance(r, EmptyResponse), repr(r))
            got = poll(lambda: ids_of(deliveries("/a")).count(m1) > before and deliveries("/a"))
            again = [(h, b) for h, b in (got or []) if h.get("webhook-id") == m1]
            check("resend/received-again-same-webhook-id", len(again) == before + 1, ids_of(got or []))
            if len(again) > before:
                h, b = again[-1]
                check("resend/verifies-with-current-secret", verifies(S["sec"]["a"], h, b),
                      h.get("webhook-signature"))
                check("resend/same-body", json.loads(b) == S["p1"], b[:200])
            lst = poll(lambda: [x for x in svix.message_attempt.list_by_msg(A, m1).data
                                if x.trigger_type == MessageAttemptTriggerType.MANUAL])
            check("resend/attempt-trigger-type-manual", lst and lst[0].status == MessageStatus.SUCCESS
                  and lst[0].endpoint_id == ea, repr(lst))
            t.expect_error("resend/to-other-apps-endpoint-404",
                           lambda: svix.message_attempt.resend(A, m1, S["eb"]), 404)
        section("resend", resend)

        # ---------------------------------------------------------- recover and stats
        def recover():
            A, efl = S["A"], S["efl"]
            with lock:
                failing_paths.add("/flaky")
            m = svix.message.create(A, MessageIn(event_type="user.created", payload={"user": "u1"}))
            wait_for("/flaky", 1)
            failed = poll(lambda: [x for x in svix.message_attempt.list_by_endpoint(A, efl).data
                                   if x.status == MessageStatus.FAIL])
            check("recover/failed-attempt-recorded", failed and failed[0].response_status_code == 500
                  and failed[0].status_text == MessageStatusText.FAIL and failed[0].msg_id == m.id, repr(failed))
            lst = svix.message_attempt.list_by_endpoint(A, efl, MessageAttemptListByEndpointOptions(
                status=MessageStatus.SUCCESS))
            check("recover/status-filter-success-empty", lst.data == [], repr(lst.data))
            lst = poll(lambda: [x for x in svix.message_attempt.list_attempted_messages(A, efl).data
                                if x.status == MessageStatus.FAIL])
            check("recover/attempted-messages-shows-fail", [x.id for x in lst] == [m.id], repr(lst))
            with lock:
                failing_paths.discard("/flaky")
            r = t.call("recover/sdk-call", lambda: svix.endpoint.recover(
                A, efl, RecoverIn(since=datetime.now(timezone.utc) - timedelta(minutes=5))))
            if r is not None:
                check("recover/answer", r.task == BackgroundTaskType.ENDPOINT_RECOVER
                      and r.status in (BackgroundTaskStatus.RUNNING, BackgroundTaskStatus.FINISHED)
                      and r.id and aware(r.updated_at), repr(r))
            got = wait_for("/flaky", 2)
            check("recover/redelivered", len(got) == 2 and got[1][0].get("webhook-id") == m.id, ids_of(got))
            if len(got) == 2:
                check("recover/verifies", verifies(S["sec"]["flaky"], *got[1]), got[1][0].get("webhook-signature"))
            ok = poll(lambda: [x for x in svix.message_attempt.list_by_endpoint(A, efl).data
                               if x.status == MessageStatus.SUCCESS])
            check("recover/manual-success-attempt", ok and ok[0].trigger_type == MessageAttemptTriggerType.MANUAL,
                  repr(ok))
            st = t.call("stats/get_stats", lambda: svix.endpoint.get_stats(A, efl))
            if st is not None:
                check("stats/counts", st.success == 1 and st.fail == 1 and st.pending == 0
                      and st.sending == 0 and st.canceled == 0, repr(st))
            st = t.call("stats/get_stats-with-since", lambda: svix.endpoint.get_stats(
                A, S["ea"], EndpointGetStatsOptions(since=started)))
            if st is not None:
                check("stats/counts-since", st.success >= 5 and st.fail == 0, repr(st))
        section("recover", recover)

        # ---------------------------------------------------------- app portal token
        def portal():
            A, B = S["A"], S["B"]
            acc = svix.authentication.app_portal_access(A, AppPortalAccessIn())
            check("portal/access-token", isinstance(acc.token, str) and acc.token and isinstance(acc.url, str),
                  repr(acc))
            app_client = Svix(acc.token, SvixOptions(server_url=server_url))
            got = t.call("portal/own-app-get", lambda: app_client.application.get(A))
            check("portal/own-app-is-a", got is not None and got.id == A, repr(got))
            lst = t.call("portal/own-endpoints", lambda: app_client.endpoint.list(A))
            check("portal/own-endpoints-listed", lst is not None and S["ea"] in [x.id for x in lst.data],
                  repr(lst))
            lst = t.call("portal/own-messages", lambda: app_client.message.list(A))
            check("portal/own-messages-listed", lst is not None and S["m1"] in [x.id for x in lst.data],
                  repr(lst))
            t.call("portal/own-attempts", lambda: app_client.message_attempt.list_by_msg(A, S["m1"]))
            t.expect_error("portal/other-app-get-404", lambda: app_client.application.get(B), 404)
            t.expect_error("portal/other-app-by-uid-404", lambda: app_client.application.get("beta-app"), 404)
            t.expect_error("portal/other-app-endpoints-404", lambda: app_client.endpoint.list(B), 404)
            t.expect_error("portal/other-app-endpoint-get-404", lambda: app_client.endpoint.get(B, S["eb"]), 404)
            t.expect_error("portal/other-app-messages-404", lambda: app_client.message.list(B), 404)
            t.expect_error("portal/other-app-message-get-404", lambda: app_client.message.get(B, S["mb"]), 404)
            t.expect_error("portal/other-app-publish-404", lambda: app_client.message.create(
                B, MessageIn(event_type="invoice.paid", payload={"x": 1})), 404)
            t.expect_error("portal/list-apps-403", lambda: app_client.application.list(), 403)
            t.expect_error("portal/create-app-403",
                           lambda: app_client.application.create(ApplicationIn(name="nope")), 403)
            t.expect_error("portal/create-event-type-403", lambda: app_client.event_type.create(
                EventTypeIn(name="portal.nope", description="x")), 403)
            t.expect_error("portal/app-portal-access-403",
                           lambda: app_client.authentication.app_portal_access(A, AppPortalAccessIn()), 403)
        section("portal", portal)

        # ---------------------------------------------------------- unknown (cloud-only) routes
        def unknown():
            t.expect_error("errors/cloud-only-route-json-404",
                           lambda: svix.endpoint.get_attempt_stats(S["A"], S["ea"]), 404)
            bad = Svix("not-a-real-token", SvixOptions(server_url=server_url))
            t.expect_error("errors/bad-token-401", lambda: bad.application.list(), 401)
        section("errors", unknown)

        # ---------------------------------------------------------- deletes
        def deletes():
            A, B, ech = S["A"], S["B"], S["ech"]
            t.call("delete/endpoint", lambda: svix.endpoint.delete(A, ech))
            t.expect_error("delete/endpoint-get-404", lambda: svix.endpoint.get(A, ech), 404)
            ids = [x.id for x in svix.endpoint.list(A).data]
            check("delete/endpoint-not-listed", ech not in ids, ids)
            t.call("delete/app", lambda: svix.application.delete(B))
            t.expect_error("delete/app-get-404", lambda: svix.application.get(B), 404)
            t.expect_error("delete/app-get-by-uid-404", lambda: svix.application.get("beta-app"), 404)
            t.expect_error("delete/app-endpoints-404", lambda: svix.endpoint.list(B), 404)
            t.expect_error("delete/app-messages-404", lambda: svix.message.list(B), 404)
            ids = [x.id for x in svix.application.list().data]
            check("delete/app-not-listed", B not in ids and A in ids, ids)
            again = t.call("delete/app-uid-reusable",
                           lambda: svix.application.create(ApplicationIn(name="Beta again", uid="beta-app")))
            check("delete/app-uid-reused-new-id", again is not None and again.id != B, repr(again))
        section("delete", deletes)
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"svix sdk interop: {t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
