#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages docintel needs, only those that are missing,
# so a second `make run` costs nothing and needs no root.
set -euo pipefail

packages=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-eng tesseract-ocr-osd
  poppler-utils
  fonts-noto-cjk fonts-arphic-ukai
  # The browser tests of the clerk pages drive Debian's Chromium (no browser download at test time).
  chromium
)
# python3 -m venv needs python3-venv on Debian unless Python came from elsewhere (pyenv).
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
