#!/usr/bin/env bash
# Installs what building and testing Casefile needs on Debian or Ubuntu, skipping what is there:
# the system libraries Tauri links against, Xvfb and WebKitWebDriver for the real-window tests,
# Chromium for the UI's browser tests, the Rust components for linting, and the UI's npm packages
# (exactly as package-lock.json says).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # Tauri 2 on Linux: WebKitGTK and friends.
  libwebkit2gtk-4.1-dev build-essential file libssl-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev pkg-config
  # A display and a WebDriver for the real-window tests, and screenshots (xdotool finds the window).
  xvfb xauth webkit2gtk-driver imagemagick xdotool
  # The browser the UI's Playwright tests and screenshots drive (ui/e2e; playwright-core downloads none).
  chromium
  # Stock archive tools the bundle tests read our zips back with.
  zip unzip libarchive-tools
  # The bundle tests and the benchmark read bundles back with Python's zipfile; the help-desk
  # emulators are Python too, and make their TLS certificates with openssl.
  python3 openssl
  # The Ansible collection's test (integrations/ansible/tests/run.sh): a virtual environment for
  # the pinned ansible-core, and ssh for its unreachable endpoint.
  python3-venv openssh-client
  # The MDM script's check (integrations/mdm/test.sh).
  shellcheck
  # The OS keychain on Linux (Secret Service over D-Bus): the library to build against, and a real
  # keyring daemon on a private session bus for the keychain tests.
  libdbus-1-dev dbus-daemon gnome-keyring
  # `make startup`: its baseline is a bare WebKitGTK window from Python (scripts/bench/webkit_window.py).
  python3-gi gir1.2-webkit2-4.1 bc
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust is missing; install it from https://rustup.rs" >&2; exit 2; }
if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
  rustup component add clippy rustfmt
fi
command -v npm >/dev/null || { echo "setup: Node.js 20 or newer with npm is missing; install it (e.g. apt-get install nodejs npm)" >&2; exit 2; }

# Reinstall the UI's packages only when the lock file changed since the last install.
stamp=ui/node_modules/.casefile-lock
if ! cmp -s ui/package-lock.json "$stamp" 2>/dev/null; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  cp ui/package-lock.json "$stamp"
fi
