#!/usr/bin/env bash
# The casefile.fleet collection against five endpoints on this machine (tests/inventory.yml):
# installs a pinned ansible-core (and ansible-lint) into a cached virtual environment, checks the
# collection with ansible-lint (production profile) and ansible-galaxy collection build, runs the
# playbook, and checks summary.json and the merged bundle (tests/verify.py).
#
#   integrations/ansible/tests/run.sh [CASEFILE_BIN]    (default: the debug build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$repo/target}/debug/casefile}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[ -x "$bin" ] || { echo "fleet test: $bin is not built (cargo build -p casefile-cli)" >&2; exit 2; }

ANSIBLE_CORE=2.19.14
ANSIBLE_LINT=26.10.1
# ansible.windows (for the Windows tasks) comes from the community package's wheel.
ANSIBLE_BUNDLE=12.3.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/casefile-test/ansible-$ANSIBLE_CORE"
if [ ! -x "$cache/venv/bin/ansible-lint" ]; then
  rm -rf "$cache"
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install -q --disable-pip-version-check \
    "ansible-core==$ANSIBLE_CORE" "ansible-lint==$ANSIBLE_LINT"
  "$cache/venv/bin/pip" download -q --disable-pip-version-check --no-deps \
    "ansible==$ANSIBLE_BUNDLE" -d "$cache/wheel"
  mkdir -p "$cache/collections"
  python3 - "$cache/wheel"/ansible-*.whl "$cache/collections" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith("ansible_collections/ansible/windows/")])
PY
fi
export PATH="$cache/venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$repo/integrations/ansible:$cache/collections"
export ANSIBLE_HOME="$cache/home" ANSIBLE_LOCAL_TEMP="$cache/tmp" ANSIBLE_NOCOLOR=1
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False

collection="$repo/integrations/ansible/ansible_collections/casefile/fleet"
echo "fleet test: ansible-lint (production profile)" >&2
(cd "$collection" && ansible-lint --offline --profile production -q)
echo "fleet test: ansible-galaxy collection build" >&2
build="$(mktemp -d)"
ansible-galaxy collection build "$collection" --output-path "$build" >/dev/null
ls "$build"/casefile-fleet-*.tar.gz >/dev/null
rm -rf "$build"

fixtures="$(mktemp -d)"
trap 'rm -rf "$fixtures"' EXIT
python3 "$here/fixtures.py" "$bin" "$fixtures"
echo "fleet test: ansible-playbook casefile.fleet.collect against 5 endpoints" >&2
status=0
ansible-playbook -i "$here/inventory.yml" casefile.fleet.collect \
  -e "fixtures=$fixtures" -e "casefile_test_bin=$bin" >"$fixtures/playbook.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  cat "$fixtures/playbook.log" >&2
  echo "fleet test: ansible-playbook exited $status" >&2
  exit 1
fi
python3 "$here/verify.py" "$bin" "$fixtures"
