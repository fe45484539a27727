"""RFC 9421 HTTP Message Signatures: an independent implementation (PyPI
`http-message-signatures`, pyauth) against the hookseal CLI, both ways, for
hmac-sha256 and ed25519, with RFC 9530 Content-Digest binding the body.

Prints `PASS name` per check; exits non-zero on the first failure.
HOOKSEAL_BIN: the hookseal binary.
"""
import base64
import datetime
import os
import subprocess
import sys
import tempfile
import time

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import (HTTPMessageSigner, HTTPMessageVerifier,
                                     HTTPSignatureKeyResolver, algorithms)

BIN = os.environ.get("HOOKSEAL_BIN", "")
if not (BIN and os.access(BIN, os.X_OK)):
    sys.exit("rfc9421.py: HOOKSEAL_BIN must point at the hookseal binary")

URL = "https://hooks.example.com/in/acme?x=1"
BODY = b'{"type":"invoice.paid","data":{"id":"inv_1","amount":1200}}'
SHARED = os.urandom(32)
SHARED_B64 = base64.b64encode(SHARED).decode()
ED = Ed25519PrivateKey.generate()
ED_PRIV_PEM = ED.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
ED_PUB_PEM = ED.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
TMP = tempfile.mkdtemp(prefix="hookseal-rfc9421-")


def fail(msg):
    print(f"FAIL {msg}")
    sys.exit(1)


class Keys(HTTPSignatureKeyResolver):
    def resolve_public_key(self, key_id):
        return {"shared-1": SHARED, "ed-1": ED_PUB_PEM}[key_id]

    def resolve_private_key(self, key_id):
        return {"shared-1": SHARED, "ed-1": ED_PRIV_PEM}[key_id]


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def hookseal(args, body):
    p = subprocess.run([BIN, *args, "--body-file", write("body", body)], capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def key_args(alg):
    if alg == "hmac-sha256":
        return ["--algorithm", alg], ["--secret", SHARED_B64], ["--secret", SHARED_B64]
    return (["--algorithm", alg], ["--secret-file", write("ed.key", ED_PRIV_PEM)],
            ["--secret-file", write("ed.pub", ED_PUB_PEM)])


def python_signed(alg, keyid, body):
    req = requests.Request("POST", URL, data=body, headers={"Content-Type": "application/json"}).prepare()
    algo = algorithms.HMAC_SHA256 if alg == "hmac-sha256" else algorithms.ED25519
    HTTPMessageSigner(signature_algorithm=algo, key_resolver=Keys()).sign(
        req, key_id=keyid, created=datetime.datetime.now(datetime.timezone.utc), nonce="msg_py_1",
        covered_component_ids=("@method", "@target-uri", "content-type"), body=body)
    return req


for alg, keyid in [("hmac-sha256", "shared-1"), ("ed25519", "ed-1")]:
    shape, _, verify_key = key_args(alg)
    req = python_signed(alg, keyid, BODY)
    if "content-digest" not in req.headers.get("Signature-Input", ""):
        fail(f"{alg}: the library did not cover content-digest: {req.headers}")
    hdrs = []
    for name in ("Content-Type", "Content-Digest", "Signature-Input", "Signature"):
        hdrs += ["--header", f"{name}: {req.headers[name]}"]
    base = ["verify", "--provider", "http-signature", *shape, *verify_key, "--url", URL,
            "--keyid", keyid, *hdrs]
    code, out, err = hookseal(base, BODY)
    if code != 0:
        fail(f"{alg}: hookseal refused the library's signature: {code} {out} {err}")
    print(f"PASS python signs {alg}, hookseal verifies ({out.strip()})")
    code, out, err = hookseal(base, BODY.replace(b"1200", b"9999"))
    if code == 0 or "body_hash_mismatch" not in out + err:
        fail(f"{alg}: tampered body not refused as body_hash_mismatch: {code} {out} {err}")
    print(f"PASS {alg}: a changed body is refused (body_hash_mismatch)")
    code, out, err = hookseal(["verify", "--provider", "http-signature", *shape, *verify_key,
                               "--url", URL.replace("acme", "other"), "--keyid", keyid, *hdrs], BODY)
    if code == 0:
        fail(f"{alg}: another URL accepted")
    print(f"PASS {alg}: another target URI is refused")

for alg, keyid in [("hmac-sha256", "shared-1"), ("ed25519", "ed-1")]:
    shape, sign_key, _ = key_args(alg)
    code, out, err = hookseal(["sign", "--provider", "http-signature", *shape, *sign_key, "--url", URL,
                               "--keyid", keyid, "--id", "msg_hs_1", "--timestamp", str(int(time.time()))],
                              BODY)
    if code != 0:
        fail(f"{alg}: hookseal sign failed: {code} {out} {err}")
    headers = dict(line.split(": ", 1) for line in out.splitlines() if line.strip())
    req = requests.Request("POST", URL, data=BODY, headers={"Content-Type": "application/json", **headers}).prepare()
    algo = algorithms.HMAC_SHA256 if alg == "hmac-sha256" else algorithms.ED25519
    res = HTTPMessageVerifier(signature_algorithm=algo, key_resolver=Keys()).verify(
        req, max_age=datetime.timedelta(minutes=5),
        require_components=("@method", "@target-uri", "content-digest"), body=BODY)
    if not res or res[0].parameters.get("keyid") != keyid:
        fail(f"{alg}: library verification gave {res}")
    print(f"PASS hookseal signs {alg}, the library verifies ({headers['Signature-Input']})")
    try:
        HTTPMessageVerifier(signature_algorithm=algo, key_resolver=Keys()).verify(
            req, max_age=datetime.timedelta(minutes=5), body=BODY + b" ")
        fail(f"{alg}: the library accepted a changed body")
    except Exception as e:  # the library raises its own error types
        if "FAIL" in str(e):
            raise
    print(f"PASS {alg}: the library refuses a changed body under hookseal's Content-Digest")
print("rfc9421.py: all checks passed")
