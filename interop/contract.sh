#!/usr/bin/env bash
# The API contract: schemathesis runs every check (interop/schemathesis.toml)
# against the OpenAPI document a fresh `hookseal serve` serves — examples,
# coverage, fuzzing and the stateful phase, which follows the document's
# links to create objects and use their ids. Fails on any failure or error.
# Environment: HOOKSEAL_BIN (the binary), HOOKSEAL_INTEROP_DIR (setup.sh's dir),
# CONTRACT_EXAMPLES (test cases per operation, default 60), CONTRACT_SEED.
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

HOOKSEAL_SERVER__DATA_DIR=$work/data HOOKSEAL_SERVER__LISTEN=127.0.0.1:0 HOOKSEAL_LOG__FILTER=error \
    "$bin" serve > "$work/out" 2> "$work/err" &
server=$!
addr=''
for _ in $(seq 100); do
    addr=$(sed -n 's|^hookseal listening on http://||p' "$work/out")
    [[ -n $addr ]] && break
    sleep 0.1
done
[[ -n $addr ]] || { echo "contract.sh: hookseal serve did not start" >&2; cat "$work/err" >&2; exit 2; }
token=$(sed -n 's/^admin token (shown once, keep it): //p' "$work/out")

seed_args=()
[[ -n ${CONTRACT_SEED:-} ]] && seed_args=(--seed "$CONTRACT_SEED")
cd "$work"
"$st" --config-file "$here/schemathesis.toml" run "http://$addr/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --max-examples "${CONTRACT_EXAMPLES:-60}" --workers 1 --no-color --output-truncate true \
    "${seed_args[@]}"
status=$?
if [[ $status -ne 0 ]]; then
    echo "contract.sh: schemathesis reported failures (exit $status)" >&2
fi
exit $status
