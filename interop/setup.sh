#!/usr/bin/env bash
# Installs what the interop harnesses need, and nothing when that is already done:
#   - a Python venv at ${HOOKSEAL_INTEROP_DIR:-target/interop}/venv (relative to
#     the repo root unless absolute) with interop/requirements.txt installed;
#   - a second venv, contract-venv, with schemathesis (interop/requirements-contract.txt);
#   - interop/node_modules from interop/package-lock.json (npm ci).
# A stamp file next to the venv records the hashes each part was built from;
# a part is redone only when its hash changed or its install is missing.
# Environment: HOOKSEAL_INTEROP_DIR, PYTHON (default python3).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."    # the repo root
root=$PWD
dir=${HOOKSEAL_INTEROP_DIR:-target/interop}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
venv=$dir/venv
stamp=$dir/setup.stamp
python=${PYTHON:-python3}

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "setup.sh: '$1' not found on PATH ($2)" >&2; exit 2; }
}
need "$python" "needed to create the venv; set PYTHON to choose another interpreter"
need node "Node.js 20 or newer runs interop.mjs"
need npm "installs interop/node_modules"

hash_of() { sha256sum "$1" | cut -d' ' -f1; }
# What each part is built from: the pinned list plus the interpreter / lock file.
py_key="python $(hash_of interop/requirements.txt) $("$python" -c 'import sys; print(sys.version.split()[0])')"
contract_key="contract $(hash_of interop/requirements-contract.txt) $("$python" -c 'import sys; print(sys.version.split()[0])')"
node_key="node $(hash_of interop/package-lock.json) $(node --version)"

old_py='' old_node='' old_contract=''
if [[ -f $stamp ]]; then
    old_py=$(grep '^python ' "$stamp" || true)
    old_node=$(grep '^node ' "$stamp" || true)
    old_contract=$(grep '^contract ' "$stamp" || true)
fi
record() { printf '%s\n%s\n%s\n' "$old_py" "$old_node" "$old_contract" > "$stamp"; }
mkdir -p "$dir"

if [[ $old_py == "$py_key" ]] && "$venv/bin/python" -c '' 2>/dev/null; then
    echo "setup.sh: venv up to date ($venv)"
else
    echo "setup.sh: creating venv $venv"
    "$python" -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt
    old_py=$py_key
fi
# Record progress now, so a failing step does not redo this one next time.
record

contract=$dir/contract-venv
if [[ $old_contract == "$contract_key" ]] && "$contract/bin/schemathesis" --version >/dev/null 2>&1; then
    echo "setup.sh: contract venv up to date ($contract)"
else
    echo "setup.sh: creating contract venv $contract"
    "$python" -m venv --clear "$contract"
    "$contract/bin/python" -m pip install --quiet --disable-pip-version-check -r interop/requirements-contract.txt
    old_contract=$contract_key
fi
record

if [[ $old_node == "$node_key" && -f interop/node_modules/.package-lock.json ]]; then
    echo "setup.sh: node_modules up to date"
else
    echo "setup.sh: npm ci in interop/"
    (cd interop && npm ci --no-audit --no-fund --loglevel=error)
    old_node=$node_key
fi
record
