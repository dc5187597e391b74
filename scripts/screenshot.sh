#!/usr/bin/env bash
# Takes a screenshot of the built desktop app's first screen, in its real WebKitGTK window.
# (The screenshots of every screen and step come from the UI in Chromium: ui/e2e/screenshots.mjs.)
#
#   scripts/screenshot.sh [OUT.png]          default: docs/screenshots/app-window.png
#
# Runs the debug build (or $CASEFILE_APP_BIN) on a private Xvfb display with empty
# configuration and data folders, so only the built-in profiles and no drafts show. Waits until the window is mapped
# and its content has stopped changing, saves the window's area of the screen, and stops the
# app. Set GTK_THEME=Adwaita:dark to capture the dark theme.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
app=${CASEFILE_APP_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/casefile-desktop}
out=${1:-$root/docs/screenshots/app-window.png}
timeout_s=${SCREENSHOT_TIMEOUT:-30}

if [[ "${CASEFILE_SCREENSHOT_INSIDE:-}" != 1 ]]; then
  if [[ ! -x "$app" ]]; then
    echo "error: no app at $app" >&2
    echo "hint: (cd ui && npm run build) && cargo build -p casefile-desktop" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$out")"
  out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
  export CASEFILE_SCREENSHOT_INSIDE=1
  exec xvfb-run -a -s '-screen 0 1280x800x24' "$0" "$out"
fi

# From here on we run inside xvfb-run, on its display.
work=$(mktemp -d)
app_pid=
cleanup() {
  if [[ -n "$app_pid" ]] && kill -0 "$app_pid" 2>/dev/null; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/config" "$work/data"
# Without accelerated compositing WebKit paints in one pass, so the same screen gives the same
# pixels on every run (with it, text anti-aliasing differs between tiles from run to run).
CASEFILE_CONFIG_DIR="$work/config" CASEFILE_DATA_DIR="$work/data" WEBKIT_DISABLE_COMPOSITING_MODE=1 "$app" >"$work/app.log" 2>&1 &
app_pid=$!

deadline=$((SECONDS + timeout_s))
window=
until window=$(xdotool search --onlyvisible --name '^Casefile$' 2>/dev/null | head -n 1) && [[ -n "$window" ]]; do
  if ((SECONDS > deadline)) || ! kill -0 "$app_pid" 2>/dev/null; then
    echo "error: the Casefile window did not appear within ${timeout_s}s" >&2
    cat "$work/app.log" >&2
    exit 1
  fi
  sleep 0.2
done
eval "$(xdotool getwindowgeometry --shell "$window")"   # sets X, Y, WIDTH, HEIGHT
crop="${WIDTH}x${HEIGHT}+${X}+${Y}"

# "Painted" means: many colours on screen (text has been drawn, not just a blank surface) and
# two shots in a row that are identical (layout and fonts have settled).
previous=
while :; do
  import -window root -crop "$crop" +repage "PNG24:$work/shot.png"
  colours=$(convert "$work/shot.png" -format '%k' info:)
  digest=$(md5sum <"$work/shot.png")
  if ((colours > 200)) && [[ "$digest" == "$previous" ]]; then
    break
  fi
  previous=$digest
  if ((SECONDS > deadline)); then
    echo "error: the window did not finish painting within ${timeout_s}s ($colours colours)" >&2
    exit 1
  fi
  sleep 0.5
done

# -strip drops the time stamps, so an unchanged screen gives an unchanged file.
convert "$work/shot.png" -strip "PNG24:$out"
echo "saved $out (${WIDTH}x${HEIGHT}, $colours colours)"
