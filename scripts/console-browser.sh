#!/usr/bin/env bash
# The office console in a real browser: installs what is missing (Debian's chromium and a
# CJK font, playwright and openpyxl from PyPI — never a downloaded browser), builds the
# executables if needed, and runs scripts/console-browser.py. Screenshots go to $1 (default
# .build/console-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/console-screenshots}"
# fonts-wqy-zenhei: without a CJK font the screenshots show Chinese as empty boxes.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
dpkg -s fonts-wqy-zenhei >/dev/null 2>&1 || missing+=(fonts-wqy-zenhei)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -q "${missing[@]}" >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
python3 -c 'import playwright, openpyxl' 2>/dev/null || pip install --quiet playwright openpyxl
bin="$(swift build --show-bin-path)"
if [[ ! -x "$bin/fieldbook" || ! -x "$bin/fieldbook-server" ]]; then
    swift build --product fieldbook-server
    swift build --product fieldbook
fi
python3 scripts/console-browser.py --bin "$bin" --out "$out" --chromium "$(command -v chromium)"
