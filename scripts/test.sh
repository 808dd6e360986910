#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, licences, then every test on
# SQLite and again on PostgreSQL, including the end-to-end tests that start the real
# binary, real S3 and SMTP servers on loopback, and headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

# A clean build of the suite takes about 8 GB in target/. CI builds once from a clean clone:
# incremental caches (2 GB) would never be reused there.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
frei_gb=$(df -P -BG . | awk 'NR==2 {gsub("G", "", $4); print $4}')
if [ "${frei_gb:-0}" -lt 12 ]; then
  echo "Warnung: nur ${frei_gb} GB frei auf $(df -P . | awk 'NR==2 {print $6}'); der Testlauf braucht etwa 10 GB." >&2
fi
scripts/postgres.sh
# Every test makes its own database and throws it away: the test cluster needs no
# durability. Without fsync a commit does not wait for the disk, and dropping a database
# takes 0.1 s instead of 0.8 s (measured with psql on an idle machine; the access matrix
# alone copies its world some hundred times). ALTER SYSTEM stays set on this cluster.
su postgres -c "psql -qtAX -c 'ALTER SYSTEM SET fsync = off' -c 'ALTER SYSTEM SET synchronous_commit = off' \
  -c 'ALTER SYSTEM SET full_page_writes = off' -c 'SELECT pg_reload_conf()'" >/dev/null

# Leftover per-test databases of earlier runs.
su postgres -c "psql -qtAX -c \"SELECT datname FROM pg_database WHERE datname LIKE 'plankammer_t_%' OR datname LIKE 'plankammer_k_%'\"" \
  | while read -r db; do [ -n "$db" ] && su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS \"$db\"'"; done

echo "=== cargo fmt --check"
cargo fmt --all -- --check
echo "=== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "=== Lizenzen der Abhängigkeiten"
scripts/check-licences.py

export PLANKAMMER_TEST_PG_URL="postgres://plankammer:plankammer@127.0.0.1:5432/postgres"
for backend in sqlite postgres; do
  echo "=== Testlauf auf ${backend}"
  PLANKAMMER_TEST_DB=$backend cargo test --workspace --no-fail-fast 2>&1 | tee "target/test-${backend}.log" | grep -E "^(test |running|     Running|test result|failures|---- )|panicked" || true
  if grep -qE "^test result: FAILED|error: (test failed|could not compile)|^error\[" "target/test-${backend}.log"; then
    echo "Tests auf ${backend} fehlgeschlagen; Ausgabe: target/test-${backend}.log" >&2
    grep -A 30 -E "^---- |^error" "target/test-${backend}.log" | head -200 >&2
    exit 1
  fi
  passed=$(grep -oE "^test result: ok\. [0-9]+ passed" "target/test-${backend}.log" | awk '{s+=$4} END {print s+0}')
  echo "Backend ${backend}: ${passed} passed, 0 failed"
done
echo "Screenshots der Browsertests: target/test-artifacts/"
