#!/usr/bin/env bash
# A read replica of the local PostgreSQL primary, on this machine, by streaming replication.
#
#   scripts/replica.sh [up]    create (once) and start the replica, then check it (idempotent)
#   scripts/replica.sh check   is it in recovery, streaming, and does a row written on the primary arrive?
#   scripts/replica.sh down    stop and drop the replica cluster and its replication slot
#
# Debian's postgresql-common tools: the replica is a second cluster "replica" of the same major
# version as the primary, on REPLICA_PORT (5433), filled by `pg_basebackup -R` from the primary and
# then fed by WAL streaming through a physical replication slot. The app reads from it with
# DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<name> (povertyprog/dbrouter.py).
#
# What it changes on the primary (each only when missing): a role REPL_USER with REPLICATION
# LOGIN and a random password, kept for the replica in the postgres user's ~/.pgpass (never on a
# command line nor in the replica's postgresql.auto.conf); one `host replication` line in its
# pg_hba.conf (scram-sha-256, loopback only) followed by a reload; the replication slot SLOT; and
# max_slot_wal_keep_size (ALTER SYSTEM + reload) so that a replica left stopped cannot fill the
# primary's disk with retained WAL. It never restarts the primary. Run as root.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
CLUSTER=${REPLICA_CLUSTER:-replica}
REPL_USER=${REPL_USER:-replicator}
SLOT=${REPLICA_SLOT:-replica_${REPLICA_PORT}}
MAX_SLOT_WAL=${MAX_SLOT_WAL_KEEP_SIZE:-4GB}
PGPASS=~postgres/.pgpass

log() { printf '[replica] %s\n' "$*"; }
die() { printf '[replica] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it uses pg_createcluster and su postgres)"

# The primary: the cluster listening on PRIMARY_PORT (pg_lsclusters: version, name, port, status…).
read -r VERSION PRIMARY_CLUSTER < <(pg_lsclusters -h | awk -v p="$PRIMARY_PORT" '$3 == p {print $1, $2; exit}') ||
    die "no PostgreSQL cluster on port $PRIMARY_PORT (pg_lsclusters)"
PRIMARY_CONF=/etc/postgresql/$VERSION/$PRIMARY_CLUSTER
REPLICA_CONF=/etc/postgresql/$VERSION/$CLUSTER
REPLICA_DATA=/var/lib/postgresql/$VERSION/$CLUSTER

as_postgres() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
# psql as the superuser over the local socket; -X: no ~/.psqlrc, -A -t: bare values; NOTICEs
# ("already exists, skipping") are not news.
psql_quiet() { as_postgres env PGOPTIONS='-c client_min_messages=warning' psql -X -A -t -v ON_ERROR_STOP=1 "$@"; }
primary_sql() { psql_quiet -p "$PRIMARY_PORT" -d "${2:-postgres}" -c "$1"; }
replica_sql() { psql_quiet -p "$REPLICA_PORT" -d "${2:-postgres}" -c "$1"; }

replica_exists() { [ -f "$REPLICA_CONF/postgresql.conf" ]; }
replica_online() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}' | grep -q online; }

prepare_primary() {
    local wal_level
    wal_level=$(primary_sql "SHOW wal_level")
    [ "$wal_level" != minimal ] || die "wal_level = minimal on the primary: set it to replica and restart it first"

    # The replication role. Its password is made once and kept in ~postgres/.pgpass (mode 600),
    # where pg_basebackup and the replica's WAL receiver (both run as postgres) find it; the SQL
    # that sets it goes through stdin, not a command line other users could read in ps.
    local pgpass_key="127.0.0.1:$PRIMARY_PORT:replication:$REPL_USER:" password
    password=$(grep -F "$pgpass_key" "$PGPASS" 2>/dev/null | head -n 1 | cut -d: -f5 || true)
    if [ -z "$password" ]; then
        password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
        (umask 077 && printf '%s%s\n' "$pgpass_key" "$password" >>"$PGPASS")
        chown postgres:postgres "$PGPASS"
    fi
    if [ "$(primary_sql "SELECT count(*) FROM pg_roles WHERE rolname = '$REPL_USER'")" = 0 ]; then
        log "creating role $REPL_USER (REPLICATION LOGIN) on the primary"
        primary_sql "CREATE ROLE $REPL_USER WITH REPLICATION LOGIN" >/dev/null
    fi
    printf "ALTER ROLE %s WITH REPLICATION LOGIN PASSWORD '%s';\n" "$REPL_USER" "$password" |
        as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PRIMARY_PORT" -d postgres -f - >/dev/null

    # pg_hba.conf: replication connections from loopback for that role only, by password. The
    # keyword "all" in the other lines does not match replication connections, so the order of
    # lines does not matter; the line is added once.
    local hba_line="host    replication     $REPL_USER      127.0.0.1/32            scram-sha-256"
    if ! grep -Eq "^[[:space:]]*host[[:space:]]+replication[[:space:]]+$REPL_USER[[:space:]]+127\.0\.0\.1/32" \
        "$PRIMARY_CONF/pg_hba.conf"; then
        log "adding a replication line for $REPL_USER to $PRIMARY_CONF/pg_hba.conf"
        printf '# read replica (scripts/replica.sh)\n%s\n' "$hba_line" >>"$PRIMARY_CONF/pg_hba.conf"
        primary_sql "SELECT pg_reload_conf()" >/dev/null
    fi

    # A slot keeps the WAL the replica has not received yet; the cap bounds it if the replica stays down.
    if [ "$(primary_sql "SHOW max_slot_wal_keep_size")" = "-1" ]; then
        log "capping the WAL kept for slots: max_slot_wal_keep_size = $MAX_SLOT_WAL"
        primary_sql "ALTER SYSTEM SET max_slot_wal_keep_size = '$MAX_SLOT_WAL'" >/dev/null
        primary_sql "SELECT pg_reload_conf()" >/dev/null
    fi
    if [ "$(primary_sql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = 0 ]; then
        log "creating the physical replication slot $SLOT"
        primary_sql "SELECT pg_create_physical_replication_slot('$SLOT')" >/dev/null
    fi
}

create_replica() {
    if replica_exists; then
        [ -f "$REPLICA_DATA/standby.signal" ] ||
            die "cluster $VERSION/$CLUSTER exists but is not a standby: '$0 down' first"
        log "cluster $VERSION/$CLUSTER already exists (a standby): not copied again"
        return
    fi
    log "creating cluster $VERSION/$CLUSTER on port $REPLICA_PORT"
    pg_createcluster "$VERSION" "$CLUSTER" --port "$REPLICA_PORT" >/dev/null
    # Same access rules as the primary (the app connects the same way to both).
    install -o postgres -g postgres -m 640 "$PRIMARY_CONF/pg_hba.conf" "$REPLICA_CONF/pg_hba.conf"
    # A standby must not have fewer of these than the primary: take the primary's values.
    local setting
    for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
        max_locks_per_transaction; do
        printf '%s = %s\n' "$setting" "$(primary_sql "SHOW $setting")" >>"$REPLICA_CONF/conf.d/replica.conf"
    done
    printf 'hot_standby = on\nhot_standby_feedback = on\n' >>"$REPLICA_CONF/conf.d/replica.conf"
    chown postgres:postgres "$REPLICA_CONF/conf.d/replica.conf"

    # Replace the empty data directory initdb made with a copy of the primary. -R writes
    # standby.signal, and primary_conninfo + primary_slot_name into postgresql.auto.conf;
    # -X stream copies the WAL made during the copy; -c fast: checkpoint now, not at leisure.
    log "copying the primary with pg_basebackup (slot $SLOT)"
    find "$REPLICA_DATA" -mindepth 1 -delete
    as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$REPL_USER" -w \
        -D "$REPLICA_DATA" -R -X stream -S "$SLOT" -c fast
}

start_replica() {
    if replica_online; then
        log "cluster $VERSION/$CLUSTER is running"
    else
        log "starting cluster $VERSION/$CLUSTER"
        pg_ctlcluster "$VERSION" "$CLUSTER" start
    fi
}

check_replica() {
    replica_online || die "cluster $VERSION/$CLUSTER is not running"
    local recovery status tries=0
    recovery=$(replica_sql "SELECT pg_is_in_recovery()")
    [ "$recovery" = t ] || die "the replica is not in recovery (pg_is_in_recovery() = $recovery)"
    log "pg_is_in_recovery() = t on port $REPLICA_PORT"
    until status=$(replica_sql "SELECT status FROM pg_stat_wal_receiver") && [ "$status" = streaming ]; do
        tries=$((tries + 1))
        [ "$tries" -lt 30 ] || die "the replica's WAL receiver is not streaming (status: '${status:-none}')"
        sleep 1
    done
    log "WAL receiver: $(replica_sql "SELECT status || ', slot ' || slot_name || ', received up to ' ||
        flushed_lsn FROM pg_stat_wal_receiver")"
    log "primary sees: $(primary_sql "SELECT application_name || ' ' || state || ', sent ' || sent_lsn ||
        ', replayed ' || replay_lsn || ', replay lag ' || coalesce(replay_lag::text, '0')
        FROM pg_stat_replication WHERE usename = '$REPL_USER'")"

    # A row written on the primary must appear on the replica (a one-row table in the maintenance
    # database "postgres": the probe never grows).
    local token
    token="probe-$(date +%s%N)"
    primary_sql "CREATE TABLE IF NOT EXISTS replica_probe (id int PRIMARY KEY, token text, written_at timestamptz);
        INSERT INTO replica_probe VALUES (1, '$token', now())
        ON CONFLICT (id) DO UPDATE SET token = excluded.token, written_at = excluded.written_at" >/dev/null
    tries=0
    until [ "$(replica_sql "SELECT token FROM replica_probe WHERE id = 1" 2>/dev/null)" = "$token" ]; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || die "the row written on the primary did not reach the replica in 10 s"
        sleep 0.1
    done
    log "row '$token' written on the primary read back from the replica after ~$((tries * 100)) ms"
    if replica_sql "INSERT INTO replica_probe VALUES (2, 'x', now())" >/dev/null 2>&1; then
        die "the replica accepted a write"
    fi
    log "the replica refuses writes (read-only transaction): OK"
}

down() {
    if replica_exists; then
        log "stopping and dropping cluster $VERSION/$CLUSTER"
        pg_dropcluster --stop "$VERSION" "$CLUSTER"
    fi
    if [ "$(primary_sql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'")" != 0 ]; then
        log "dropping the replication slot $SLOT on the primary"
        primary_sql "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
    fi
    primary_sql "DROP TABLE IF EXISTS replica_probe" >/dev/null
    log "down (the role $REPL_USER and its pg_hba.conf line stay, for the next 'up')"
}

case "${1:-up}" in
up)
    prepare_primary
    create_replica
    start_replica
    check_replica
    ;;
check) check_replica ;;
down) down ;;
*) die "usage: $0 [up|check|down]" ;;
esac
