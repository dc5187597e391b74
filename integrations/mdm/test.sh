#!/usr/bin/env bash
# casefile-fleet.sh checked with shellcheck and run for real, as JumpCloud Commands and a Jamf
# policy would run it: a complete draft, a folder channel (a share), the fleet key from the
# environment, a fake disk; the bundle and the e-mail land in the share, the last line of output
# is the receipt, and nothing goes to stderr.
#
#   integrations/mdm/test.sh [CASEFILE_BIN]    (default: the debug build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$repo/target}/debug/casefile}"
[ -x "$bin" ] || { echo "mdm test: $bin is not built" >&2; exit 2; }

shellcheck -s sh "$here/casefile-fleet.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/endpoint/root/var/log" "$work/share" "$work/payload"
printf '%s\n' \
  "2026/11/22 09:55:01 [1618] [INFO] Agent starting on hostname=wks-finance-07" \
  "2026/11/22 09:55:02 [1618] [INFO] connectKey=FAKEconnectKey0a9f3c2e1d0b8a7c6" \
  "2026/11/22 09:55:03 [1618] [ERROR] checkin failed from 10.20.30.41 for user=jdoe-fake" \
  >"$work/endpoint/root/var/log/syslog"
key="$("$bin" --data-dir "$work/keymaker" key export 2>/dev/null)"
cat >"$work/payload/CF-FLEET.toml" <<TOML
schema_version = 1
case_code = "CF-0000-0000"
profile = "generic"
tier = "standard"

[contact]
name = "Ada Example"
email = "ada@example.test"
company = "Example Ltd"

[problem]
subject = "Agents stopped reporting after the update"
description = "Fleet collection: every endpoint's agent log since the update."

[impact]
priority = "2"
TOML
code="$("$bin" --json-line new --profile generic -o "$work/payload/new.toml" 2>/dev/null |
  sed -n 's/.*"caseCode":"\([^"]*\)".*/\1/p')" || true
if [ -n "$code" ]; then sed -i "s/CF-0000-0000/$code/" "$work/payload/CF-FLEET.toml"; fi
cat >"$work/payload/config.toml" <<TOML
schema_version = 1

[channels.share]
kind = "folder"
path = "$work/share"
TOML

run() {
  # As the engine runs it: a clean environment but for what the command sets.
  env -i PATH=/usr/bin:/bin HOME="$work/home" CASEFILE_BIN="$bin" \
    CASEFILE_DATA_DIR="$work/endpoint/data" "$@"
}
echo "mdm test: JumpCloud Commands style (environment)" >&2
set +e
run CASEFILE_DRAFT="$work/payload/CF-FLEET.toml" CASEFILE_CHANNEL=share CASEFILE_KEY="$key" \
  CASEFILE_DEADLINE=2m CASEFILE_ARGS="--root $work/endpoint/root --os linux --no-snapshot" \
  sh "$here/casefile-fleet.sh" >"$work/out" 2>"$work/err"
status=$?
set -e
if [ "$status" -ne 0 ] || [ -s "$work/err" ]; then
  echo "mdm test: exit $status" >&2; cat "$work/out" "$work/err" >&2; exit 1
fi
python3 - "$work" <<'PY'
import json, pathlib, sys, zipfile
work = pathlib.Path(sys.argv[1])
last = (work / "out").read_text().splitlines()[-1]
receipt = json.loads(last)
assert "error" not in receipt, receipt
zips = list((work / "share").rglob("*.zip"))
emls = list((work / "share").rglob("*.eml"))
assert len(zips) == 1 and len(emls) == 1, (zips, emls)
z = zipfile.ZipFile(zips[0])
logs = [n for n in z.namelist() if n.endswith("syslog")]
assert logs, z.namelist()
text = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
for original in ["FAKEconnectKey0a9f3c2e1d0b8a7c6", "10.20.30.41", "jdoe-fake", "wks-finance-07"]:
    assert original not in text, original
print("mdm test: sent", zips[0].name, file=sys.stderr)
PY

echo "mdm test: Jamf style (parameters 4 to 9) and a bad draft" >&2
set +e
run sh "$here/casefile-fleet.sh" / "$(hostname)" root "$work/payload/missing.toml" share "$key" \
  >"$work/out" 2>"$work/err"
status=$?
set -e
[ "$status" -eq 1 ] || { echo "mdm test: a missing draft exited $status, not 1" >&2; exit 1; }
tail -n 1 "$work/out" | python3 -c 'import json,sys; e=json.load(sys.stdin)["error"]; assert "missing.toml" in e["message"], e'
echo "mdm test: ok" >&2
