#!/usr/bin/env bash
# helpdesk-down.sh: stop what helpdesk-up.sh started (by pid file / postfix's own stop).
set -u
STATE=${STATE:-$PWD/target/helpdesk}
if [ -f "$STATE/rt/server.pid" ]; then
  pid=$(cat "$STATE/rt/server.pid"); kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$STATE/rt/server.pid"
fi
postfix stop >/dev/null 2>&1 || true
