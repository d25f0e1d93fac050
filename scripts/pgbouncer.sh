#!/usr/bin/env bash
# PgBouncer in front of the local PostgreSQL primary, in transaction pooling mode.
#
#   scripts/pgbouncer.sh [up]    install (Debian package), configure, start or reload, check (idempotent)
#   scripts/pgbouncer.sh check   is it answering, in transaction mode, and passing queries through?
#   scripts/pgbouncer.sh down    stop it (configuration and package stay)
#
# The app then connects to PgBouncer instead of PostgreSQL:
#   DATABASE_URL=postgres://postgres@127.0.0.1:6432/povertyprog DB_POOLER=pgbouncer
# DB_POOLER=pgbouncer turns off what transaction pooling cannot carry (server-side cursors; prepared
# statements, already off by Django's default): povertyprog/settings.py, docs/scaling.md.
#
# This is the loopback setup of one machine: PgBouncer listens on 127.0.0.1 only and trusts the
# users listed in its auth_file (PGBOUNCER_USERS), as the primary trusts loopback connections. On
# a real network use auth_type = scram-sha-256 with auth_query, or an auth_file with the users'
# SCRAM secrets. Run as root.
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
LISTEN_PORT=${PGBOUNCER_PORT:-6432}
USERS=${PGBOUNCER_USERS:-postgres}
# Server connections per database and user: what PostgreSQL really sees. Clients may be many more
# (every gunicorn thread keeps one client connection for CONN_MAX_AGE): max_client_conn.
POOL_SIZE=${PGBOUNCER_POOL_SIZE:-20}
MAX_CLIENTS=${PGBOUNCER_MAX_CLIENTS:-500}
CONF_DIR=/etc/pgbouncer
INI=$CONF_DIR/pgbouncer.ini
USERLIST=$CONF_DIR/userlist.txt
PIDFILE=/var/run/postgresql/pgbouncer.pid

log() { printf '[pgbouncer] %s\n' "$*"; }
die() { printf '[pgbouncer] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (apt-get, /etc/pgbouncer)"

running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
service() {  # start | stop | reload, through systemd where it runs, else Debian's init script
    if [ -d /run/systemd/system ]; then systemctl "$1" pgbouncer; else /etc/init.d/pgbouncer "$1" >/dev/null; fi
}
# psql without ~/.psqlrc, bare values; the admin console is the pseudo-database "pgbouncer".
psql_via() { psql -X -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$LISTEN_PORT" -U postgres "$@"; }

install_package() {
    if ! command -v pgbouncer >/dev/null; then
        log "installing the Debian package"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null
    fi
    # Keep the package's own file once, for reference.
    [ -f "$INI.dpkg-default" ] || cp "$INI" "$INI.dpkg-default"
}

# Writes $2 to $1 if it differs; says whether it did (exit status 0: changed).
write_if_changed() {
    local target=$1 content=$2
    if [ -f "$target" ] && [ "$(cat "$target")" = "$content" ]; then
        return 1
    fi
    printf '%s\n' "$content" >"$target"
    chown postgres:postgres "$target"
    chmod 640 "$target"
}

configure() {
    local ini users="" user changed=1
    ini=$(
        cat <<EOF
; Written by scripts/pgbouncer.sh: edits here are replaced on its next run.
[databases]
; Any database name goes to the database of the same name on the primary.
* = host=$PRIMARY_HOST port=$PRIMARY_PORT

[pgbouncer]
logfile = /var/log/postgresql/pgbouncer.log
pidfile = $PIDFILE
listen_addr = 127.0.0.1
listen_port = $LISTEN_PORT
unix_socket_dir = /var/run/postgresql
; Loopback only, as the primary's pg_hba.conf: the users of auth_file are trusted.
auth_type = trust
auth_file = $USERLIST
admin_users = postgres
stats_users = postgres
; A server connection is a client's for one transaction, then goes back to the pool.
pool_mode = transaction
default_pool_size = $POOL_SIZE
reserve_pool_size = 5
max_client_conn = $MAX_CLIENTS
server_idle_timeout = 600
; Sent by some drivers at connection; harmless to ignore.
ignore_startup_parameters = extra_float_digits
EOF
    )
    for user in $USERS; do
        users+="\"$user\" \"\""$'\n'
    done
    if write_if_changed "$INI" "$ini"; then changed=0; fi
    if write_if_changed "$USERLIST" "${users%$'\n'}"; then changed=0; fi
    return $changed
}

start_or_reload() {
    local changed=$1
    if ! running; then
        log "starting (port $LISTEN_PORT, pool_mode transaction, to $PRIMARY_HOST:$PRIMARY_PORT)"
        service start
    elif [ "$changed" = yes ]; then
        # listen_addr/listen_port need a restart; everything else a reload.
        if [ "$(psql_via -d pgbouncer -c "SHOW CONFIG" | awk -F'|' '$1 == "listen_port" {print $2}')" \
            != "$LISTEN_PORT" ]; then
            log "restarting: the listening port changed"
            service stop
            service start
        else
            log "configuration changed: reloading"
            service reload
        fi
    else
        log "running, configuration unchanged"
    fi
    local tries=0
    until psql_via -d pgbouncer -c "SHOW VERSION" >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 50 ] || die "not answering on port $LISTEN_PORT (see /var/log/postgresql/pgbouncer.log)"
        sleep 0.2
    done
}

check() {
    running || die "not running"
    local mode backend
    mode=$(psql_via -d pgbouncer -c "SHOW CONFIG" | awk -F'|' '$1 == "pool_mode" {print $2}')
    [ "$mode" = transaction ] || die "pool_mode is '$mode', not transaction"
    log "$(psql_via -d pgbouncer -c "SHOW VERSION"), pool_mode = $mode, port $LISTEN_PORT"
    backend=$(psql_via -d postgres -c "SELECT inet_server_port() || ' (PostgreSQL ' || current_setting('server_version') || ')'")
    log "a query through it ran on the primary's port $backend"
    # SHOW POOLS, a few columns picked by name (their order changes between versions).
    log "pools: database user cl_active cl_waiting sv_active sv_idle pool_mode (cl_ clients, sv_ servers)"
    psql -X -A -F ' ' -P footer=off -h 127.0.0.1 -p "$LISTEN_PORT" -U postgres -d pgbouncer -c "SHOW POOLS" |
        awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
             { print "[pgbouncer]  ", $col["database"], $col["user"], $col["cl_active"], $col["cl_waiting"],
                     $col["sv_active"], $col["sv_idle"], $col["pool_mode"] }'
}

case "${1:-up}" in
up)
    install_package
    if configure; then changed=yes; else changed=no; fi
    start_or_reload "$changed"
    check
    ;;
check) check ;;
down)
    if running; then
        log "stopping"
        service stop
    else
        log "not running"
    fi
    ;;
*) die "usage: $0 [up|check|down]" ;;
esac
