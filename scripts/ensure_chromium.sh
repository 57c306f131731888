#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser test (Playwright drives it; it never
# downloads a browser of its own). Installs the package when running as root with apt-get
# (as CI does); otherwise stops with a message naming the package.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "Chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found at $CHROMIUM: installing Debian's package 'chromium' with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  if [ -x "$CHROMIUM" ]; then exit 0; fi
fi
echo "error: the browser test needs Chromium at $CHROMIUM. Install Debian's package" \
  "'chromium' (sudo apt-get install chromium), set CHROMIUM=/path/to/chromium, or run" \
  "'make test BROWSER=0' to skip the browser test." >&2
exit 1
