#!/usr/bin/env bash
# Writes crates/hookseal-cli/tests/fixtures/data-v0.1/: a data directory as the
# release before applications (commit 7603979, schema version 2) left it, for
# the upgrade test (tests/upgrade.rs). Run it with that release's binary:
#
#   git worktree add /tmp/hookseal-v0.1 7603979
#   (cd /tmp/hookseal-v0.1 && cargo build -p hookseal-cli)
#   HOOKSEAL_BIN=/tmp/hookseal-v0.1/target/debug/hookseal scripts/make-upgrade-fixture.sh
#
# What it holds (all times from the day it was made):
#   - ep A (rate_limit 1) with 20 messages queued: a few attempted and failed
#     (connection refused, retry in an hour), the rest never attempted, some of
#     them still leased by the killed server;
#   - ep B disabled by a 410, its deliveries failed;
#   - ep C that succeeded once (a receiver that answered 200);
#   - a config-declared source "jodo" forwarding to 127.0.0.1:9 with one event.
# The server is killed with SIGKILL (no clean shutdown), then the WAL is
# folded into the database file so the fixture is one file plus its key.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${HOOKSEAL_BIN:?set HOOKSEAL_BIN to the old release binary}
out=crates/hookseal-cli/tests/fixtures/data-v0.1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Receivers: 200 on :18081, 410 on :18082 (stopped before the server).
python3 - <<'PY' &
import http.server, threading
def serve(port, code):
    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(code); self.end_headers()
        def log_message(self, *a): pass
    http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
threading.Thread(target=serve, args=(18082, 410), daemon=True).start()
serve(18081, 200)
PY
sleep 0.5

cat > "$work/config.toml" <<'TOML'
[[sources]]
name = "jodo"
provider = "jodo"
secrets = ["jodo-fixture-secret"]
allow_ips = ["127.0.0.1/32"]
forward = [{ url = "http://127.0.0.1:9/jodo", secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" }]
TOML

export HOOKSEAL_SERVER__DATA_DIR=$work/data HOOKSEAL_SERVER__LISTEN=127.0.0.1:18080
export HOOKSEAL_DELIVERY__ALLOW_HTTP=true HOOKSEAL_DELIVERY__ALLOW_CIDRS='["127.0.0.1/32"]'
export HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS='[0, 3600, 3600]' HOOKSEAL_LOG__FILTER=warn
"$bin" serve --config "$work/config.toml" > "$work/out" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
token=$(sed -n 's/^admin token (shown once, keep it): //p' "$work/out")
api() { curl -sf -X "$1" "localhost:18080$2" -H "Authorization: Bearer $token" -H 'content-type: application/json' ${3:+-d "$3"}; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

c=$(api POST /api/v1/endpoints '{"url":"http://127.0.0.1:18081/hook","description":"C","event_types":["c.*"]}' | id)
b=$(api POST /api/v1/endpoints '{"url":"http://127.0.0.1:18082/hook","description":"B","event_types":["b.*"]}' | id)
a=$(api POST /api/v1/endpoints '{"url":"http://127.0.0.1:9/hook","description":"A","event_types":["a.*"],"rate_limit":1,"headers":{"X-Shared":"fixture"}}' | id)
api POST /api/v1/messages '{"id":"msg_c1","event_type":"c.ok","payload":{"n":1}}' >/dev/null
api POST /api/v1/messages '{"id":"msg_b1","event_type":"b.gone","payload":{"n":1}}' >/dev/null
sleep 1
for i in $(seq 1 20); do
    api POST /api/v1/messages "{\"id\":\"msg_a$i\",\"event_type\":\"a.queued\",\"payload\":{\"n\":$i}}" >/dev/null
done
printf '{"event":"payment.success","id":"p_fixture"}' > "$work/jodo.json"
sig=$("$bin" sign --provider jodo --secret jodo-fixture-secret --body-file "$work/jodo.json" | sed 's/^[^:]*: //')
curl -sf localhost:18080/in/jodo -H "X-Jodo-Signature: $sig" --data-binary @"$work/jodo.json" >/dev/null
sleep 2.5
kill -9 "$server"
wait "$server" 2>/dev/null || true
echo "endpoints: A=$a B=$b C=$c"
sqlite3 "$work/data/hookseal.sqlite3" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
sqlite3 "$work/data/hookseal.sqlite3" \
    "SELECT e.description, d.status, count(*), sum(d.attempts), sum(d.lease_until IS NOT NULL) FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id GROUP BY 1, 2"
rm -rf "$out"
mkdir -p "$out"
cp "$work/data/hookseal.sqlite3" "$work/data/data.key" "$work/data/admin-token.sha256" "$out/"
echo "$token" > "$out/admin-token.txt"
echo "wrote $out"
