#!/bin/sh
# Collect a redacted Casefile bundle on this endpoint and send it from here, for engines that run
# a script as root and bring back only an exit code and a little output: JumpCloud Commands
# (Linux, macOS) and Jamf policies. The bundle goes through Casefile's outbox: a laptop that is
# offline now sends it on the next run (`casefile outbox drain` runs first).
#
# Settings come from the environment (JumpCloud: set them at the top of the command) or, under
# Jamf, from the policy's parameters 4 to 9, which win:
#   CASEFILE_DRAFT      ($4) the request to send: a complete draft file the engine put on the
#                        endpoint (uploaded with the command, or a package)
#   CASEFILE_CHANNEL    ($5) the channel in CASEFILE_CONFIG to send through
#   CASEFILE_KEY        ($6) the fleet's pseudonym key (`casefile key export`): from the engine's
#                        secret store, never on a command line; it is passed on standard input
#   CASEFILE_SECRET     ($7) the channel's password or token, if it needs one
#   CASEFILE_DEADLINE   ($8) stop gathering after this long (default 10m)
#   CASEFILE_SINCE      ($9) only records since then (e.g. 24h)
#   CASEFILE_CONFIG     the configuration with the channel (default: beside the draft, config.toml)
#   CASEFILE_BIN        the casefile binary (default /usr/local/libexec/casefile/casefile)
#   CASEFILE_DATA_DIR   the data folder (default /var/lib/casefile; macOS
#                        /Library/Application Support/casefile)
#   CASEFILE_ARGS       more arguments for the collection (--root DIR --os linux, --keyword W)
#
# Output: one JSON line, the last on standard output (the receipt, or {"error": ...}); nothing on
# standard error unless it fails. Exit codes: 0 sent, 3 queued in the outbox and not sent yet
# (the next run sends it), 1 something to fix (the message says what), 2 any other failure.
set -eu

# Jamf passes the mount point, computer name and user as $1 to $3, then the policy's parameters.
if [ "$#" -ge 4 ]; then
  [ -n "${4:-}" ] && CASEFILE_DRAFT=$4
  [ -n "${5:-}" ] && CASEFILE_CHANNEL=$5
  [ -n "${6:-}" ] && CASEFILE_KEY=$6
  [ -n "${7:-}" ] && CASEFILE_SECRET=$7
  [ -n "${8:-}" ] && CASEFILE_DEADLINE=$8
  [ -n "${9:-}" ] && CASEFILE_SINCE=$9
fi

fail() {
  # The engine keeps the last line: it is JSON like casefile's own errors.
  printf '{"error":{"code":"%s","message":"%s"}}\n' "$1" "$2"
  printf 'casefile-fleet: %s\n' "$2" >&2
  exit "${3:-1}"
}

bin=${CASEFILE_BIN:-/usr/local/libexec/casefile/casefile}
if [ "$(uname -s)" = Darwin ]; then
  data=${CASEFILE_DATA_DIR:-"/Library/Application Support/casefile"}
else
  data=${CASEFILE_DATA_DIR:-/var/lib/casefile}
fi
draft=${CASEFILE_DRAFT:-}
channel=${CASEFILE_CHANNEL:-}
deadline=${CASEFILE_DEADLINE:-10m}

[ -x "$bin" ] || fail missing_binary "no casefile at $bin; install it there or set CASEFILE_BIN" 2
[ -n "$draft" ] || fail no_draft "set CASEFILE_DRAFT (Jamf: parameter 4) to the draft to send"
[ -f "$draft" ] || fail no_draft "the draft $draft does not exist on this endpoint"
[ -n "$channel" ] || fail no_channel "set CASEFILE_CHANNEL (Jamf: parameter 5) to the channel to send through"
config=${CASEFILE_CONFIG:-"$(dirname "$draft")/config.toml"}
[ -f "$config" ] || fail no_config "the configuration $config does not exist; set CASEFILE_CONFIG"

umask 077
mkdir -p "$data"

if [ -n "${CASEFILE_KEY:-}" ]; then
  printf '%s\n' "$CASEFILE_KEY" |
    "$bin" --json-line --data-dir "$data" --config "$config" key import - >/dev/null ||
    fail key "the fleet key could not be imported (another key is here? see casefile key show)"
fi

# The channel's secret, for this run only: Casefile reads CASEFILE_SECRET_<NAME> of the secret
# the channel names.
if [ -n "${CASEFILE_SECRET:-}" ]; then
  secret_name=$("$bin" --json-line --data-dir "$data" --config "$config" channels show "$channel" |
    sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')
  if [ -n "$secret_name" ]; then
    variable=CASEFILE_SECRET_$(printf '%s' "$secret_name" | tr 'a-z-' 'A-Z_')
    export "$variable=$CASEFILE_SECRET"
  fi
fi

# What an earlier run left in the outbox goes first.
"$bin" --json-line --data-dir "$data" --config "$config" outbox drain >/dev/null 2>&1 || true

set -- --json-line --data-dir "$data" --config "$config" submit --draft "$draft" --via "$channel" \
  --deadline "$deadline"
[ -n "${CASEFILE_SINCE:-}" ] && set -- "$@" --since "$CASEFILE_SINCE"
# CASEFILE_ARGS is split on spaces on purpose: extra flags, never secrets.
# shellcheck disable=SC2086
exec "$bin" "$@" ${CASEFILE_ARGS:-}
