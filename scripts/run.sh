#!/usr/bin/env bash
# Runs Plankammer on its embedded defaults with demo data: SQLite database, documents in a
# local folder, mail written as .eml files, server and workers in one process.
# Data lives in ./data (override with DATA_DIR). Stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "Baue Plankammer (release) …"
cargo build --release --quiet
exec ./target/release/plankammer demo
