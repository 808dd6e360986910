#!/usr/bin/env bash
# The load measurement of the scaled-out topology (issue 16): installs the load generator
# oha (MIT, crates.io) into .tools/oha where it is missing, builds Plankammer and its bench
# (release), and runs `plankammer-bench last` with the arguments given, e.g.
#
#   scripts/last.sh                                  # 100,000 cases, 200 req/s, 50 uploads of 20–200 MB
#   scripts/last.sh --faelle 10000 --uploads 10      # smaller
#
# It starts scripts/cluster.sh itself (ports 8280–8284, 8225; state target/cluster-last/)
# and stops it at the end. Needs about 12 GB of free disk for the upload files and their
# copies, and memory for moto, which keeps every stored object in memory.
set -euo pipefail
cd "$(dirname "$0")/.."

OHA_VERSION=1.16.0
if [ ! -x .tools/oha/bin/oha ] || ! .tools/oha/bin/oha --version | grep -q "$OHA_VERSION"; then
  echo "Installiere oha $OHA_VERSION nach .tools/oha …"
  cargo install --quiet --locked --root .tools/oha "oha@$OHA_VERSION"
fi
cargo build --release --quiet -p plankammer -p plankammer-bench
exec target/release/plankammer-bench --plankammer target/release/plankammer last --oha .tools/oha/bin/oha "$@"
