#!/usr/bin/env bash
# The API contract: schemathesis runs every check (interop/schemathesis.toml)
# against the OpenAPI document a fresh `hookseal serve` serves — examples,
# coverage, fuzzing and the stateful phase, which follows the document's
# links to create objects and use their ids. Then it runs again on the
# Svix-compatible routes with the Svix server's own document
# (interop/schemathesis-svix.toml). Fails on any failure or error.
# Environment: HOOKSEAL_BIN (the binary), HOOKSEAL_INTEROP_DIR (setup.sh's dir),
# CONTRACT_EXAMPLES (test cases per operation, default 60), CONTRACT_SEED,
# SVIX_OPENAPI (Svix's document; default ../shared/svix/openapi.json beside
# the repository; the run fails if it cannot be found).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
bin=${HOOKSEAL_BIN:?set HOOKSEAL_BIN}
dir=${HOOKSEAL_INTEROP_DIR:-target/interop}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
st=$dir/contract-venv/bin/schemathesis
[[ -x $st ]] || { echo "contract.sh: run interop/setup.sh first" >&2; exit 2; }

work=$(mktemp -d)
server=''
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Starts a fresh server on its own data directory; sets addr and token.
start() {
    [[ -n $server ]] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
    local d=$work/$1
    mkdir -p "$d"
    HOOKSEAL_SERVER__DATA_DIR=$d/data HOOKSEAL_SERVER__LISTEN=127.0.0.1:0 HOOKSEAL_LOG__FILTER=error \
        "$bin" serve > "$d/out" 2> "$d/err" &
    server=$!
    addr=''
    for _ in $(seq 100); do
        addr=$(sed -n 's|^hookseal listening on http://||p' "$d/out")
        [[ -n $addr ]] && break
        sleep 0.1
    done
    [[ -n $addr ]] || { echo "contract.sh: hookseal serve did not start" >&2; cat "$d/err" >&2; exit 2; }
    token=$(sed -n 's/^admin token (shown once, keep it): //p' "$d/out")
}

start own
# schemathesis keeps its files (.hypothesis) where it runs.
cd "$work"
seed_args=()
[[ -n ${CONTRACT_SEED:-} ]] && seed_args=(--seed "$CONTRACT_SEED")
"$st" --config-file "$here/schemathesis.toml" run "http://$addr/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --max-examples "${CONTRACT_EXAMPLES:-60}" --workers 1 --no-color --output-truncate true \
    "${seed_args[@]}"
status=$?
if [[ $status -ne 0 ]]; then
    echo "contract.sh: schemathesis reported failures against hookseal's document (exit $status)" >&2
fi

svix_doc=${SVIX_OPENAPI:-$root/../shared/svix/openapi.json}
if [[ ! -f $svix_doc ]]; then
    echo "contract.sh: Svix's OpenAPI document not found at $svix_doc (set SVIX_OPENAPI)" >&2
    exit 1
fi
# A fresh server: only what the Svix API made (objects made through the
# native API may hold what Svix's models cannot, e.g. wildcard filters).
start svix
"$st" --config-file "$here/schemathesis-svix.toml" run "$svix_doc" --url "http://$addr" \
    -H "Authorization: Bearer $token" \
    --max-examples "${CONTRACT_EXAMPLES:-60}" --workers 1 --no-color --output-truncate true \
    "${seed_args[@]}"
svix_status=$?
if [[ $svix_status -ne 0 ]]; then
    echo "contract.sh: schemathesis reported failures against Svix's document (exit $svix_status)" >&2
    status=1
fi
exit $status
