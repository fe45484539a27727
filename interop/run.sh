#!/usr/bin/env bash
# Runs the interop harnesses (Python SDKs against the CLI, Python SDKs through
# the `hookseal serve` gateway, the Svix SDKs against its Svix API, then npm
# SDKs) against a hookseal binary, after
# interop/setup.sh. Fails if either harness fails.
# HOOKSEAL_BIN: the binary; default target/debug/hookseal under the repo root
# (a relative HOOKSEAL_BIN is taken relative to the current directory).
# HOOKSEAL_INTEROP_DIR: where setup.sh keeps the venv (default target/interop).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

bin=${HOOKSEAL_BIN:-$root/target/debug/hookseal}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
if [[ ! -f $bin || ! -x $bin ]]; then
    echo "run.sh: no executable hookseal at $bin (build it first, or set HOOKSEAL_BIN)" >&2
    exit 2
fi

bash "$here/setup.sh" || { echo "run.sh: setup.sh failed" >&2; exit 2; }

dir=${HOOKSEAL_INTEROP_DIR:-target/interop}
case $dir in /*) ;; *) dir=$root/$dir ;; esac

export HOOKSEAL_BIN=$bin
status=0
"$dir/venv/bin/python" "$here/interop.py" || status=1
"$dir/venv/bin/python" "$here/gateway.py" || status=1
"$dir/venv/bin/python" "$here/sender.py" || status=1
"$dir/venv/bin/python" "$here/svix_sdk.py" || status=1
"$dir/venv/bin/python" "$here/rfc9421.py" || status=1
bash "$here/contract.sh" || status=1
node "$here/interop.mjs" || status=1
node "$here/svix_sdk.mjs" || status=1
if [[ $status -ne 0 ]]; then
    echo "run.sh: interop failed" >&2
fi
exit $status
