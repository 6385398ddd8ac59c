#!/usr/bin/env bash
# Services the tests need: PostgreSQL on loopback for the proxy's pair store.
#
# Idempotent (safe to run again with the server up); runs as root in CI. Installs the
# Debian `postgresql` package when no server binary is present, starts the newest
# cluster on 127.0.0.1:5432 and makes sure the role and database the tests use exist:
#
#     postgresql+psycopg://kompress:kompress@127.0.0.1:5432/kompress
#
# The role may create databases: the tests make a throw-away database per run. Nothing is
# exported; the tests know the URL above (or read KOMPRESS_TEST_PG_URL when set).
set -euo pipefail

PORT=5432
ROLE=kompress
DB=kompress

have_server() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null && command -v pg_ctlcluster >/dev/null; }

if ! have_server; then
  echo "services: installing PostgreSQL (Debian package)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

VER=$(ls /usr/lib/postgresql | sort -V | tail -1)

# Some images install the package without creating a cluster (or with create_main_cluster off).
if ! pg_lsclusters -h | awk -v v="$VER" '$1 == v && $2 == "main" {found=1} END {exit !found}'; then
  pg_createcluster --port "$PORT" "$VER" main -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi

CLUSTER_PORT=$(pg_lsclusters -h | awk -v v="$VER" '$1 == v && $2 == "main" {print $3}')
if [ "$CLUSTER_PORT" != "$PORT" ]; then
  echo "services: cluster $VER/main listens on port $CLUSTER_PORT, not $PORT; moving it" >&2
  pg_ctlcluster "$VER" main stop >/dev/null 2>&1 || true
  pg_conftool "$VER" main set port "$PORT"
fi
# Loopback only: the tests need nothing else, and nothing else should reach it. A conf.d
# drop-in (included by Debian's postgresql.conf) leaves the packaged file untouched.
CONF_D=/etc/postgresql/$VER/main/conf.d
mkdir -p "$CONF_D"
printf "# written by .ci/services.sh\nlisten_addresses = '127.0.0.1'\n" >"$CONF_D/kompress-ci.conf"

mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
STATUS=$(pg_lsclusters -h | awk -v v="$VER" '$1 == v && $2 == "main" {print $4}')
if [ "$STATUS" != "online" ]; then
  pg_ctlcluster "$VER" main start
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT" >/dev/null || { echo "services: PostgreSQL did not come up" >&2; exit 1; }

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -p $PORT -qtAX $*"; }
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'\"")" != "1" ]; then
  psql_admin "-c \"CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$ROLE'\""
else  # a role left by someone else: make sure it can do what the tests need
  psql_admin "-c \"ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$ROLE'\""
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"")" != "1" ]; then
  psql_admin "-c \"CREATE DATABASE $DB OWNER $ROLE\""
fi
echo "services: PostgreSQL $VER up on 127.0.0.1:$PORT (database $DB, role $ROLE)" >&2
