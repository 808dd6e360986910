#!/usr/bin/env bash
# Installs what Plankammer needs on a Debian machine, only what is missing. Idempotent.
#   scripts/setup.sh          what running the product needs (build tools, web assets)
#   scripts/setup.sh --test   and what the tests need (Chromium + ChromeDriver, PostgreSQL, Caddy,
#                             an S3 test server in .tools/venv)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

# OCR: tesseract-rs links the system libtesseract (never downloads at build time) and only
# asks pkg-config. clang/libclang stay: the libxml binding (XBau schema checks) generates its
# declarations with bindgen at build time.
packages=(build-essential pkg-config ca-certificates nodejs npm python3 python3-venv
          libtesseract-dev libleptonica-dev tesseract-ocr-deu clang libclang-dev libxml2-dev)
if $want_test; then
  # default-jre-headless and libsaxonhe-java (MPL-2.0): the XBau schematron rules (XSLT 2).
  # caddy (Apache-2.0): the load balancer of the cluster's fault tests (cluster_fehler).
  packages+=(chromium chromium-driver postgresql qpdf poppler-utils fonts-dejavu-core
             default-jre-headless libsaxonhe-java caddy)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may bring its own node/npm (not from Debian): then those packages are not needed.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installiere Debian-Pakete: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust (cargo) fehlt. Installieren Sie Rust ≥ 1.92, z. B. mit rustup, und starten Sie erneut." >&2
  exit 1
fi

# Web assets (KERN UX, htmx, pdf.js) from npm, exactly as locked; served by Plankammer itself.
# A changed lockfile (e.g. after a pull) is newer than the installed tree: npm ci runs again.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "Installiere Web-Assets (npm ci) …"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

if $want_test; then
  if [ ! -x .tools/venv/bin/moto_server ]; then
    echo "Installiere den S3-Testserver (moto) nach .tools/venv …"
    python3 -m venv .tools/venv
    .tools/venv/bin/pip install -q --disable-pip-version-check "moto[server]==5.2.5"
  fi
  # The OpenID provider the sign-in tests run against (oidc-provider from npm, MIT).
  if [ ! -f tests/oidc-provider/node_modules/.package-lock.json ] || [ tests/oidc-provider/package-lock.json -nt tests/oidc-provider/node_modules/.package-lock.json ]; then
    echo "Installiere den OpenID-Testanbieter (npm ci) nach tests/oidc-provider …"
    (cd tests/oidc-provider && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
