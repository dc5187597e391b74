#!/usr/bin/env bash
# Runs a command with a real Request Tracker 5 and Postfix on 127.0.0.1 (tests/helpdesk/up.sh),
# tells the tests where they are (CASEFILE_HELPDESK_ENV) and that they must be there
# (CASEFILE_REQUIRE_HELPDESK=1), and stops them afterwards whatever happened.
#   scripts/with-helpdesk.sh cargo test --workspace
# Ports: RT_PORT (default 18080) and SMTP_PORT (default 12525); state under the cargo target dir.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
export STATE=${STATE:-$target/helpdesk}
export RT_PORT=${RT_PORT:-18080} SMTP_PORT=${SMTP_PORT:-12525}
trap 'tests/helpdesk/down.sh' EXIT
tests/helpdesk/up.sh
export CASEFILE_HELPDESK_ENV="$STATE/env" CASEFILE_REQUIRE_HELPDESK=1
"$@"
