#!/usr/bin/env bash
# Starts the machine's PostgreSQL 15 (installing it where missing) and makes sure the role
# and database Plankammer uses exist. Idempotent: safe to run again and again.
#   role plankammer / password plankammer, may create databases (each test run makes its own)
#   database plankammer (for `DATABASE_URL=postgres://plankammer:plankammer@127.0.0.1:5432/plankammer`)
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "PostgreSQL fehlt – installiere postgresql …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="'"$version"'" && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start
fi

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtAX $*"; }
for _ in $(seq 1 30); do psql_admin "-c 'SELECT 1'" >/dev/null 2>&1 && break; sleep 0.5; done

if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'plankammer'\"")" != "1" ]; then
  psql_admin "-c \"CREATE ROLE plankammer LOGIN CREATEDB PASSWORD 'plankammer'\""
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = 'plankammer'\"")" != "1" ]; then
  psql_admin "-c \"CREATE DATABASE plankammer OWNER plankammer\""
fi
echo "PostgreSQL $version läuft auf 127.0.0.1:5432 (Rolle und Datenbank: plankammer)."
