#!/usr/bin/env bash
# Start-up time of the desktop app, against a bare WebKitGTK window run side by side.
#
#   scripts/startup.sh APP [RUNS]     (run under an X server: `make startup` uses Xvfb)
#
# For each run, alternately, it starts the app (with empty config and data folders) and the
# baseline, scripts/bench/webkit_window.py: a plain GTK window with a WebKitGTK view of the same
# size showing the same built UI (ui/dist, served on loopback; without Tauri its first calls fail
# and it paints its error screen). It measures from exec to
#   - mapped:  the process's first visible window exists (xdotool), and
#   - painted: that window shows more than 200 colours (a rendered page, not a blank frame).
# It prints each run and the medians, and the app's medians as ratios of the baseline's.
# The machine is shared and noisy: compare the ratios, not the absolute seconds.
set -euo pipefail
app=${1:?usage: scripts/startup.sh APP [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
for tool in xdotool import convert bc; do
  command -v "$tool" >/dev/null || { echo "startup.sh: $tool is missing (scripts/setup.sh installs it)" >&2; exit 2; }
done
[ -f "$here/ui/dist/index.html" ] || { echo "startup.sh: build the UI first (make ui)" >&2; exit 2; }
/usr/bin/python3 -c 'import gi; gi.require_version("WebKit2", "4.1")' 2>/dev/null || {
  echo "startup.sh: the baseline needs python3-gi and gir1.2-webkit2-4.1 (scripts/setup.sh installs them)" >&2
  exit 2
}
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$here/ui/dist" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; do sleep 0.05; done
baseline=(/usr/bin/python3 "$here/scripts/bench/webkit_window.py" "http://127.0.0.1:$port/")

now() { date +%s.%N; }

# measure NAME COMMAND...: prints "mapped painted" in seconds.
measure() {
  local work start pid window mapped painted colours
  work=$(mktemp -d)
  mkdir -p "$work/config" "$work/data"
  start=$(now)
  CASEFILE_CONFIG_DIR=$work/config CASEFILE_DATA_DIR=$work/data "$@" >/dev/null 2>&1 &
  pid=$!
  window=""
  until [ -n "$window" ]; do
    window=$(xdotool search --onlyvisible --pid "$pid" 2>/dev/null | head -1 || true)
    [ -n "$window" ] || sleep 0.02
  done
  mapped=$(now)
  local X Y WIDTH HEIGHT SCREEN WINDOW
  eval "$(xdotool getwindowgeometry --shell "$window")"
  while :; do
    if import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "PNG24:$work/shot.png" 2>/dev/null; then
      colours=$(convert "$work/shot.png" -format '%k' info: 2>/dev/null || echo 0)
      [ "$colours" -gt 200 ] && break
    fi
    sleep 0.02
  done
  painted=$(now)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
  echo "$(echo "$mapped - $start" | bc) $(echo "$painted - $start" | bc)"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

app_mapped=(); app_painted=(); base_mapped=(); base_painted=()
for run in $(seq 1 "$runs"); do
  read -r m p < <(measure "$app")
  app_mapped+=("$m"); app_painted+=("$p")
  echo "run $run: casefile-desktop mapped ${m}s, painted ${p}s"
  read -r m p < <(measure "${baseline[@]}")
  base_mapped+=("$m"); base_painted+=("$p")
  echo "run $run: WebKitGTK window mapped ${m}s, painted ${p}s"
done

am=$(printf '%s\n' "${app_mapped[@]}" | median); ap=$(printf '%s\n' "${app_painted[@]}" | median)
echo "median casefile-desktop: mapped ${am}s, first paint ${ap}s"
bm=$(printf '%s\n' "${base_mapped[@]}" | median); bp=$(printf '%s\n' "${base_painted[@]}" | median)
echo "median WebKitGTK window: mapped ${bm}s, first paint ${bp}s"
echo "ratio (casefile / bare WebKitGTK): mapped $(echo "scale=2; $am / $bm" | bc), first paint $(echo "scale=2; $ap / $bp" | bc)"
stripped=$(mktemp)
strip -o "$stripped" "$app"
echo "binary: $(stat -c %s "$app") bytes, $(stat -c %s "$stripped") bytes stripped"
rm -f "$stripped"
