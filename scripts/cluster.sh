#!/usr/bin/env bash
# Runs the scaled-out topology of compose.yaml natively on loopback, from Debian and PyPI
# packages instead of images: PostgreSQL 15 (scripts/postgres.sh), an S3 server (moto, the
# test suite's), an SMTP catcher (aiosmtpd, mails as .eml files), `plankammer migrate` once,
# two `plankammer serve` and two `plankammer worker`, and Caddy as the load balancer in
# front of the two servers. Every Plankammer process is configured only through the
# README's variables, with the same names compose.yaml sets (tests/e2e/binary.rs compares
# them: keep the `starte`/`einmal` lines and the *_ENV arrays below plainly parseable).
#
#   scripts/cluster.sh           start, print where everything is, run until Ctrl+C / SIGTERM
#   scripts/cluster.sh --demo    the same, with the demo data loaded (plankammer demo --nur-daten)
#
# Ports and places (environment; defaults do not clash with scripts/run.sh on 8080):
#   CLUSTER_PORT=8180               the load balancer, i.e. PUBLIC_URL
#   CLUSTER_SERVE1_PORT=8181, CLUSTER_SERVE2_PORT=8182   the two servers
#   CLUSTER_S3_PORT=8183, CLUSTER_SMTP_PORT=8125, CLUSTER_CADDY_ADMIN_PORT=8184
#   CLUSTER_DB=plankammer_cluster   database on the machine's PostgreSQL (127.0.0.1:5432)
#   CLUSTER_DIR=target/cluster      state: logs/, mail/, pids/, caddy/, plankammer.env
#   PLANKAMMER_BIN=target/release/plankammer (built with `cargo build --release` if missing)
#   RUST_LOG (default info) is passed to the Plankammer processes.
#
# The S3 server keeps documents in memory only, so every start begins with an empty
# database (dropped and created again) and an empty mail folder: both stores stay in step.
# On exit the children are stopped in reverse order (load balancer, servers, workers, SMTP,
# S3); PostgreSQL only if this script started it. A second Ctrl+C kills what is left.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

demo=false
for arg in "$@"; do
  case "$arg" in
    --demo) demo=true ;;
    -h | --help)
      cat <<'EOF'
scripts/cluster.sh [--demo]
Startet Plankammer verteilt wie compose.yaml, alles auf 127.0.0.1: PostgreSQL, S3 (moto),
SMTP (aiosmtpd), zwei Server hinter Caddy, zwei Worker. --demo lädt die Demo-Daten.
Ports: CLUSTER_PORT (8180, Lastverteiler), CLUSTER_SERVE1_PORT (8181), CLUSTER_SERVE2_PORT
(8182), CLUSTER_S3_PORT (8183), CLUSTER_SMTP_PORT (8125), CLUSTER_CADDY_ADMIN_PORT (8184).
Datenbank: CLUSTER_DB (plankammer_cluster); Zustand, Logs, E-Mails: CLUSTER_DIR
(target/cluster). Jeder Start beginnt leer. Beenden mit Strg+C.
EOF
      exit 0
      ;;
    *)
      echo "Unbekannte Option: $arg (erlaubt: --demo, --help)" >&2
      exit 2
      ;;
  esac
done

LB_PORT=${CLUSTER_PORT:-8180}
SERVE1_PORT=${CLUSTER_SERVE1_PORT:-8181}
SERVE2_PORT=${CLUSTER_SERVE2_PORT:-8182}
S3_PORT=${CLUSTER_S3_PORT:-8183}
SMTP_PORT=${CLUSTER_SMTP_PORT:-8125}
CADDY_ADMIN_PORT=${CLUSTER_CADDY_ADMIN_PORT:-8184}
PG_PORT=5432 # scripts/postgres.sh runs the machine's main cluster there
DB_NAME=${CLUSTER_DB:-plankammer_cluster}
STATE=${CLUSTER_DIR:-$ROOT/target/cluster}
BIN=${PLANKAMMER_BIN:-$ROOT/target/release/plankammer}
VENV=$ROOT/.tools/venv
LOGS=$STATE/logs
MAIL_DIR=$STATE/mail
PIDS=$STATE/pids

if ! [[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "CLUSTER_DB=$DB_NAME: nur Kleinbuchstaben, Ziffern und _ erlaubt." >&2
  exit 2
fi
for p in "$LB_PORT" "$SERVE1_PORT" "$SERVE2_PORT" "$S3_PORT" "$SMTP_PORT" "$CADDY_ADMIN_PORT"; do
  if ! [[ $p =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
    echo "Ungültiger Port: $p" >&2
    exit 2
  fi
done

# The variables of every Plankammer process: the names of compose.yaml's `x-plankammer`
# environment, the values for loopback. $1 is BIND (workers and migrate listen nowhere; the
# name is set for them as compose.yaml does). WEB_DIR, DATA_DIR and TESSDATA_DIR keep their
# defaults: the processes run in the repository (./web), and every store has its own URL.
plankammer_env() {
  PLANKAMMER_ENV=(
    "DATABASE_URL=postgres://plankammer:plankammer@127.0.0.1:$PG_PORT/$DB_NAME"
    "OBJECT_STORE_URL=s3://plankammer"
    "AWS_ENDPOINT_URL=http://127.0.0.1:$S3_PORT"
    "AWS_ACCESS_KEY_ID=plankammer"
    "AWS_SECRET_ACCESS_KEY=plankammer-geheim"
    "AWS_REGION=eu-central-1"
    "MAIL_URL=smtp://127.0.0.1:$SMTP_PORT"
    "MAIL_FROM=Plankammer <noreply@plankammer.example>"
    "PUBLIC_URL=http://127.0.0.1:$LB_PORT"
    "BIND=$1"
    "LOG_FORMAT=json"
    "TRUST_PROXY=true"
  )
}
# What compose.yaml adds for worker-1 and worker-2.
WORKER_ENV=(
  "WORKER_CONCURRENCY=2"
)

# Nothing of the caller's environment reaches a Plankammer process but these.
BASIS_ENV=("PATH=$PATH" "HOME=${HOME:-/root}" "RUST_LOG=${RUST_LOG:-info}")
[ -n "${RUST_BACKTRACE:-}" ] && BASIS_ENV+=("RUST_BACKTRACE=$RUST_BACKTRACE")
[ -n "${TMPDIR:-}" ] && BASIS_ENV+=("TMPDIR=$TMPDIR")

mkdir -p "$STATE"
# The lock is this script's alone: its children get fd 9 closed (`9>&-`).
exec 9>"$STATE/lock"
if ! flock -n 9; then
  echo "Ein Cluster läuft bereits mit $STATE (beenden Sie ihn zuerst mit Strg+C)." >&2
  exit 1
fi

# --- What the cluster needs, installed where missing --------------------------------------
scripts/setup.sh
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# caddy: the load balancer (the image compose.yaml uses); curl: the readiness checks here.
fehlt=()
for p in caddy curl; do command -v "$p" >/dev/null 2>&1 || fehlt+=("$p"); done
if [ ${#fehlt[@]} -gt 0 ]; then
  echo "Installiere Debian-Pakete: ${fehlt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${fehlt[@]}" >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "Installiere den S3-Server (moto) nach .tools/venv …"
  # The version scripts/setup.sh --test installs for the test suite.
  "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==5.2.5"
fi
if ! "$VENV/bin/python" -c "import aiosmtpd" 2>/dev/null; then
  echo "Installiere den SMTP-Fänger (aiosmtpd, Apache-2.0) nach .tools/venv …"
  "$VENV/bin/pip" install -q --disable-pip-version-check "aiosmtpd==1.4.6"
fi
if [ ! -x "$BIN" ]; then
  echo "Baue Plankammer (release) …"
  cargo build --release --quiet
fi

# A run that was killed (SIGKILL: no clean-up) leaves its children running.
uebrig=()
for f in "$PIDS"/*.pid; do
  [ -f "$f" ] || continue
  p=$(cat "$f")
  [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && uebrig+=("$(basename "$f" .pid) (PID $p)")
done
if [ ${#uebrig[@]} -gt 0 ]; then
  echo "Prozesse eines abgebrochenen Laufs laufen noch: ${uebrig[*]}." >&2
  echo "Beenden Sie sie (kill PID) und starten Sie erneut." >&2
  exit 1
fi

port_belegt() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$LB_PORT" "$SERVE1_PORT" "$SERVE2_PORT" "$S3_PORT" "$SMTP_PORT" "$CADDY_ADMIN_PORT"; do
  if port_belegt "$p"; then
    echo "Port $p ist schon belegt. Wählen Sie andere Ports (CLUSTER_PORT, CLUSTER_SERVE1_PORT, …, siehe scripts/cluster.sh)." >&2
    exit 1
  fi
done

rm -rf "$LOGS" "$MAIL_DIR" "$PIDS" "$STATE/caddy"
mkdir -p "$LOGS" "$MAIL_DIR" "$PIDS" "$STATE/caddy"

# --- Starting and stopping ------------------------------------------------------------------
# Each child runs in its own process group (job control), so a Ctrl+C in the terminal
# reaches only this script, which then stops the children in order.
set -m
NAMEN=()
declare -A PID=()
pg_version=""
pg_von_uns=false
sofort=false

# starte NAME COMMAND…: a long-running process, output in $LOGS/NAME.log.
starte() {
  local name=$1
  shift
  "$@" >"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  PID[$name]=$!
  NAMEN+=("$name")
  echo "${PID[$name]}" >"$PIDS/$name.pid"
}

# einmal NAME COMMAND…: a step that must succeed, output in $LOGS/NAME.log.
einmal() {
  local name=$1
  shift
  if ! "$@" >"$LOGS/$name.log" 2>&1 </dev/null 9>&-; then
    echo "Schritt $name ist fehlgeschlagen, siehe $LOGS/$name.log:" >&2
    tail -n 20 "$LOGS/$name.log" >&2
    exit 1
  fi
}

laeuft() { [ -n "${PID[$1]:-}" ] && kill -0 "${PID[$1]}" 2>/dev/null; }

# warte_bis NAME SEKUNDEN COMMAND…: until COMMAND succeeds, while process NAME lives.
warte_bis() {
  local name=$1 sekunden=$2
  shift 2
  local ende=$((SECONDS + sekunden))
  until "$@" >/dev/null 2>&1; do
    if ! laeuft "$name"; then
      echo "$name ist beim Start beendet worden, siehe $LOGS/$name.log:" >&2
      tail -n 20 "$LOGS/$name.log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $ende ]; then
      echo "$name ist nach $sekunden s nicht bereit, siehe $LOGS/$name.log." >&2
      exit 1
    fi
    sleep 0.3
  done
}

# stoppe SEKUNDEN NAME…: SIGTERM to each (only the process itself: a worker ends its own
# sandbox children), then wait; past the time, or on a second Ctrl+C, SIGKILL to the group.
stoppe() {
  local sekunden=$1
  shift
  local name ende=$((SECONDS + sekunden))
  for name in "$@"; do
    laeuft "$name" && kill -TERM "${PID[$name]}" 2>/dev/null
  done
  for name in "$@"; do
    while laeuft "$name" && ! $sofort && [ $SECONDS -lt $ende ]; do
      sleep 0.2
    done
    if laeuft "$name"; then
      echo "  $name beendet sich nicht: SIGKILL." >&2
      kill -KILL -- "-${PID[$name]}" 2>/dev/null || kill -KILL "${PID[$name]}" 2>/dev/null || true
    fi
    local code=0
    wait "${PID[$name]}" 2>/dev/null || code=$?
    # 143: ended by the SIGTERM (moto, caddy); Plankammer itself ends with 0.
    if [ "$code" -ne 0 ] && [ "$code" -ne 143 ]; then
      echo "  $name endete mit Exit-Code $code, siehe $LOGS/$name.log." >&2
    fi
    rm -f "$PIDS/$name.pid"
  done
}

aufraeumen() {
  local code=$?
  trap '' EXIT
  trap 'sofort=true; echo " Beende sofort …" >&2' INT TERM HUP
  if [ ${#NAMEN[@]} -gt 0 ]; then
    echo
    echo "Beende den Cluster (noch einmal Strg+C: sofort) …"
  fi
  local gruppe name
  # Reverse order of starting: nothing new arrives at a server, no job at a worker, while
  # the stores they write to are still there.
  for gruppe in "loadbalancer" "serve-1 serve-2" "worker-1 worker-2" "smtp" "s3"; do
    local da=()
    for name in $gruppe; do laeuft "$name" && da+=("$name"); done
    [ ${#da[@]} -eq 0 ] && continue
    case "$gruppe" in
      worker-*) echo "  ${da[*]}: laufende Jobs dürfen fertig werden (SHUTDOWN_GRACE_SECS, 120 s) …" ;;
      *) echo "  ${da[*]} …" ;;
    esac
    case "$gruppe" in
      worker-* | serve-*) stoppe 135 "${da[@]}" ;;
      *) stoppe 15 "${da[@]}" ;;
    esac
  done
  rm -f "$PIDS"/*.pid
  if $pg_von_uns && [ -n "$pg_version" ]; then
    echo "  PostgreSQL $pg_version (von diesem Skript gestartet) …"
    pg_ctlcluster "$pg_version" main stop || true
  fi
  [ ${#NAMEN[@]} -gt 0 ] && echo "Cluster beendet. Logs: $LOGS"
  exit "$code"
}
trap aufraeumen EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- The topology ---------------------------------------------------------------------------
echo "Starte PostgreSQL …"
if command -v pg_lsclusters >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  pg_version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" && $4 ~ /online/' | grep -q .; then
    pg_von_uns=true
  fi
else
  pg_von_uns=true
fi
einmal postgres scripts/postgres.sh
pg_version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
psql_plankammer() {
  PGPASSWORD=plankammer psql -h 127.0.0.1 -p "$PG_PORT" -U plankammer -d postgres \
    -v ON_ERROR_STOP=1 -qtAX -c "$1"
}
# Another cluster (another CLUSTER_DIR, same CLUSTER_DB), or processes a killed run left
# behind, still use the database: it is theirs, not ours to drop.
benutzt=$(psql_plankammer "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB_NAME'")
if [ "$benutzt" != "0" ]; then
  echo "Die Datenbank $DB_NAME wird noch benutzt ($benutzt Verbindungen), etwa von einem anderen" \
    "Cluster. Beenden Sie ihn oder wählen Sie eine andere Datenbank (CLUSTER_DB)." >&2
  exit 1
fi
psql_plankammer "DROP DATABASE IF EXISTS $DB_NAME" >>"$LOGS/postgres.log" 2>&1
psql_plankammer "CREATE DATABASE $DB_NAME" >>"$LOGS/postgres.log" 2>&1

echo "Starte S3 (moto) und SMTP (aiosmtpd) …"
starte s3 "$VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT"
warte_bis s3 60 curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/"
einmal s3-bucket curl -fsS -X PUT "http://127.0.0.1:$S3_PORT/plankammer"

# The SMTP catcher: every accepted message becomes one .eml file in $MAIL_DIR (written
# beside and renamed, so a reader never sees half a mail), with the envelope as headers.
cat >"$STATE/smtp_faenger.py" <<'PY'
import asyncio, itertools, os, signal, sys, time
from aiosmtpd.smtp import SMTP

host, port, ordner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
nummer = itertools.count(1)

class Ablage:
    async def handle_DATA(self, server, session, envelope):
        name = "%s-%06d.eml" % (time.strftime("%Y%m%dT%H%M%S"), next(nummer))
        kopf = "Return-Path: <%s>\r\nX-Envelope-To: %s\r\n" % (
            envelope.mail_from, ", ".join(envelope.rcpt_tos))
        tmp = os.path.join(ordner, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(kopf.encode())
            f.write(envelope.original_content or envelope.content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(ordner, name))
        print("E-Mail an %s gespeichert: %s" % (", ".join(envelope.rcpt_tos), name), flush=True)
        return "250 OK"

async def main():
    loop = asyncio.get_running_loop()
    ende = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, ende.set)
    server = await loop.create_server(
        lambda: SMTP(Ablage(), hostname="smtp.plankammer.cluster"), host, port)
    print("SMTP-Fänger auf %s:%d, E-Mails nach %s" % (host, port, ordner), flush=True)
    await ende.wait()
    server.close()
    await server.wait_closed()

asyncio.run(main())
PY
starte smtp "$VENV/bin/python" "$STATE/smtp_faenger.py" 127.0.0.1 "$SMTP_PORT" "$MAIL_DIR"
warte_bis smtp 30 port_belegt "$SMTP_PORT"

echo "Migriere die Datenbank $DB_NAME …"
plankammer_env "127.0.0.1:0"
einmal migrate env -i "${BASIS_ENV[@]}" "${PLANKAMMER_ENV[@]}" "$BIN" migrate
# For the console: `set -a; . target/cluster/plankammer.env; set +a; target/release/plankammer …`
for v in "${PLANKAMMER_ENV[@]}"; do
  [[ $v == BIND=* ]] && continue
  printf '%s=%q\n' "${v%%=*}" "${v#*=}"
done >"$STATE/plankammer.env"

if $demo; then
  echo "Lade die Demo-Daten …"
  if ! env -i "${BASIS_ENV[@]}" "${PLANKAMMER_ENV[@]}" "$BIN" demo --nur-daten 2>&1 9>&- |
    tee "$LOGS/demo.log" | { grep -v '^{' || true; }; then
    echo "Die Demo-Daten ließen sich nicht laden, siehe $LOGS/demo.log." >&2
    exit 1
  fi
fi

echo "Starte zwei Server und zwei Worker …"
plankammer_env "127.0.0.1:$SERVE1_PORT"
starte serve-1 env -i "${BASIS_ENV[@]}" "${PLANKAMMER_ENV[@]}" "$BIN" serve
plankammer_env "127.0.0.1:$SERVE2_PORT"
starte serve-2 env -i "${BASIS_ENV[@]}" "${PLANKAMMER_ENV[@]}" "$BIN" serve
plankammer_env "127.0.0.1:0"
starte worker-1 env -i "${BASIS_ENV[@]}" "${PLANKAMMER_ENV[@]}" "${WORKER_ENV[@]}" "$BIN" worker
starte worker-2 env -i "${BASIS_ENV[@]}" "${PLANKAMMER_ENV[@]}" "${WORKER_ENV[@]}" "$BIN" worker
warte_bis serve-1 60 curl -fsS -o /dev/null "http://127.0.0.1:$SERVE1_PORT/readyz"
warte_bis serve-2 60 curl -fsS -o /dev/null "http://127.0.0.1:$SERVE2_PORT/readyz"

# The load balancer: scripts/cluster.Caddyfile (the fault tests use the same file).
starte loadbalancer env XDG_CONFIG_HOME="$STATE/caddy" XDG_DATA_HOME="$STATE/caddy" \
  CLUSTER_STATE="$STATE" CLUSTER_PORT="$LB_PORT" CLUSTER_CADDY_ADMIN_PORT="$CADDY_ADMIN_PORT" \
  CLUSTER_SERVE1="127.0.0.1:$SERVE1_PORT" CLUSTER_SERVE2="127.0.0.1:$SERVE2_PORT" \
  caddy run --config "$ROOT/scripts/cluster.Caddyfile" --adapter caddyfile
warte_bis loadbalancer 30 curl -fsS -o /dev/null "http://127.0.0.1:$LB_PORT/readyz"

cat <<EOF

Plankammer läuft verteilt (wie compose.yaml), alles auf 127.0.0.1:
  Plankammer (Lastverteiler Caddy):  http://127.0.0.1:$LB_PORT
  Server serve-1, serve-2:           http://127.0.0.1:$SERVE1_PORT, http://127.0.0.1:$SERVE2_PORT
  Worker worker-1, worker-2:         je WORKER_CONCURRENCY=2
  PostgreSQL:                        postgres://plankammer:plankammer@127.0.0.1:$PG_PORT/$DB_NAME
  S3 (moto, nur im Speicher):        http://127.0.0.1:$S3_PORT, Bucket plankammer
  SMTP (aiosmtpd):                   127.0.0.1:$SMTP_PORT, E-Mails als .eml in $MAIL_DIR
  Logs:                              $LOGS/<dienst>.log
  Prozess-IDs:                       $PIDS/<dienst>.pid
  Caddy-Admin:                       http://127.0.0.1:$CADDY_ADMIN_PORT
  Verwaltungsbefehle:                set -a; . $STATE/plankammer.env; set +a; $BIN tenant list
Beenden mit Strg+C.
EOF

# Watch the children: one that ends is reported once (the cluster keeps running, as it does
# in compose without a restart).
declare -A GEMELDET=()
while true; do
  for name in "${NAMEN[@]}"; do
    if [ -z "${GEMELDET[$name]:-}" ] && ! laeuft "$name"; then
      GEMELDET[$name]=1
      code=0
      wait "${PID[$name]}" 2>/dev/null || code=$?
      rm -f "$PIDS/$name.pid"
      echo "Achtung: $name ist beendet (Exit-Code $code), siehe $LOGS/$name.log." >&2
    fi
  done
  sleep 1 &
  wait $! || true
done
