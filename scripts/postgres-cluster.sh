#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for the tests of the PostgreSQL
# store: scripts/test.sh starts one in a fresh temporary directory before the
# tests and stops it (removing the directory) afterwards. Private, so that
# tests never meet another cluster's data, port or settings, and so that two
# test runs on one machine do not meet each other either.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/postgres-cluster.sh start DIR
       scripts/postgres-cluster.sh stop DIR
       scripts/postgres-cluster.sh halt DIR
       scripts/postgres-cluster.sh resume DIR

start DIR  Creates a new cluster in DIR/data (DIR is created) and starts it,
           listening on a free port of 127.0.0.1 only, with its unix socket in
           DIR and its log in DIR/postgres.log. It has a login role `herald`
           (random password, CREATEDB) owning a database `herald`. Prints one
           line on stdout, the URL to connect with, and writes it to DIR/url:
             postgres://herald:PASSWORD@127.0.0.1:PORT/herald
           Settings are for tests only: fsync, synchronous_commit and
           full_page_writes are off, so a crash can lose or corrupt data.
stop DIR   Stops the cluster in DIR and removes DIR; succeeds quietly when
           DIR is already gone.
halt DIR   Stops the server (fast shutdown: clients are disconnected) and
           keeps everything, for tests of a database that goes away.
resume DIR Starts a halted server again, on the same port.

PostgreSQL refuses to run as root: run as root, the cluster belongs to and
runs as the `postgres` user (scripts/install-postgres.sh installs PostgreSQL
and creates it), and DIR must be reachable by that user (a directory of
mktemp -d is). Otherwise it runs as the user who runs this script.
EOF
}

die() {
    echo "postgres-cluster: $*" >&2
    exit 1
}

# Connection settings from the caller's environment must not redirect the
# psql and pg_ctl calls below, which name the socket, port and user they mean.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGDATA

# The server programs: those of the cluster's own major version when it has
# one (DIR/data/PG_VERSION), else the newest installed. Debian keeps them in
# /usr/lib/postgresql/N/bin, off PATH; elsewhere initdb is on PATH.
bindir() {
    local data=$1 version latest
    if [ -r "$data/PG_VERSION" ]; then
        version=$(cat "$data/PG_VERSION")
        [ -x "/usr/lib/postgresql/$version/bin/pg_ctl" ] && { echo "/usr/lib/postgresql/$version/bin"; return; }
    fi
    latest=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)
    if [ -n "$latest" ]; then
        dirname "$latest"
    elif command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v initdb)")"
    else
        die "no PostgreSQL server programs found; run scripts/install-postgres.sh"
    fi
}

# Runs a command as USER: directly when that is who we are, else (as root)
# through runuser. From inside the cluster's directory, since the caller's
# working directory may be closed to that user. Without descriptor 3, start's
# stdout: a server that inherited it would hold the caller's $(...) open for
# as long as it runs.
as_user() {
    local user=$1
    shift
    if [ "$user" = "$(id -un)" ]; then
        (cd "$dir" && "$@") 3>&-
    else
        (cd "$dir" && runuser -u "$user" -- "$@") 3>&-
    fi
}

log_tail() {
    if [ -s "$dir/postgres.log" ]; then
        echo "postgres-cluster: the last lines of $dir/postgres.log:" >&2
        tail -n 30 "$dir/postgres.log" | sed 's/^/    /' >&2
    fi
}

free_port() {
    "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A value for postgresql.conf: single-quoted, quotes doubled.
conf_quote() {
    printf "'%s'" "${1//\'/\'\'}"
}

start_failed() {
    local status=$?
    [ "$status" -eq 0 ] && return
    echo "postgres-cluster: start failed in $dir" >&2
    [ -s "$dir/initdb.log" ] && sed 's/^/    /' "$dir/initdb.log" >&2
    log_tail
    # A server that did start must not outlive the failure; the directory
    # stays for a look (stop DIR removes it).
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_user "$owner" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 -s stop >&2 || true
    fi
}

start() {
    dir=$1
    [ -e "$dir/data" ] && die "$dir/data already exists; start creates a new cluster"
    mkdir -p "$dir"
    # Socket connections are trusted (below), so the socket in DIR must be
    # out of other users' reach.
    chmod 700 "$dir"
    dir=$(cd "$dir" && pwd -P)
    # The server puts its socket in DIR; a unix socket's path has at most 107
    # bytes, and unix_socket_directories separates directories with commas.
    [ $((${#dir} + 15)) -le 107 ] || die "$dir is too long for a unix socket path; pick a shorter DIR"
    case $dir in *,*) die "DIR must not contain a comma: $dir" ;; esac

    # From here on stdout is the URL alone; everything else goes to stderr.
    exec 3>&1 1>&2
    owner=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        owner=postgres
        id postgres >/dev/null 2>&1 || die "no postgres user to run the cluster as (PostgreSQL refuses to run as root); run scripts/install-postgres.sh"
        chown postgres: "$dir"
        runuser -u postgres -- test -w "$dir" -a -x "$dir" ||
            die "the postgres user cannot reach $dir; its parent directories must be searchable by it"
    fi
    bin=$(bindir "$dir/data")
    trap start_failed EXIT

    # C.UTF-8 where the C library has it: byte-order collation like C, but
    # upper(), lower() and the like know letters beyond ASCII.
    local locale_args=(--no-locale)
    locale -a 2>/dev/null | grep -qixE 'c\.utf-?8' && locale_args=(--locale=C.UTF-8)
    # Local (socket) connections are trusted: only the owner and root reach
    # the socket in DIR, and this script needs them to create the role. TCP
    # connections, the tests' own, need the role's password.
    as_user "$owner" "$bin/initdb" -D "$dir/data" -U postgres --encoding=UTF8 "${locale_args[@]}" \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1
    rm -f "$dir/initdb.log"
    as_user "$owner" tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# scripts/postgres-cluster.sh: a private cluster for tests, thrown away after.
listen_addresses = '127.0.0.1'
include = 'port.conf'
unix_socket_directories = $(conf_quote "$dir")
password_encryption = 'scram-sha-256'
max_connections = 400
shared_buffers = 128MB
# Nothing here must survive a crash: no waiting for the disk.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    # A free port is free only until someone binds it: when another process
    # (another test run's cluster, say) took it between the check and the
    # server's start, the server cannot bind and another port is tried.
    local attempt port offset
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        echo "port = $port" | as_user "$owner" tee "$dir/data/port.conf" >/dev/null
        offset=$(stat -c %s "$dir/postgres.log" 2>/dev/null || echo 0)
        if as_user "$owner" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s start; then
            break
        fi
        if [ "$attempt" -lt 5 ] && [ ! -f "$dir/data/postmaster.pid" ] &&
            tail -c +$((offset + 1)) "$dir/postgres.log" | grep -q 'could not bind\|could not create any TCP/IP sockets'; then
            echo "postgres-cluster: port $port was taken meanwhile; trying another" >&2
            continue
        fi
        die "the server did not start"
    done

    local password url
    password=$("${PYTHON:-python3}" -c 'import secrets; print(secrets.token_hex(16))')
    # The password goes in on stdin, not in psql's arguments, which every
    # user of the machine can read (ps).
    as_user "$owner" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres <<EOF
CREATE ROLE herald LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE herald OWNER herald;
EOF
    url="postgres://herald:$password@127.0.0.1:$port/herald"
    (umask 077 && echo "$url" >"$dir/url")
    trap - EXIT
    echo "postgres-cluster: started PostgreSQL $(cat "$dir/data/PG_VERSION") in $dir, port $port" >&2
    echo "$url" >&3
}

# Whether the server of DIR/data runs: pg_ctl status (its postmaster.pid
# names a live process), and that process is no zombie. A server that died
# stays a zombie until its parent, init, reaps it, which some container inits
# do late; pg_ctl would wait for it to stop in vain.
server_running() {
    local pid state
    as_user "$owner" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || return 1
    pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null) || return 1
    state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

stop() {
    dir=$1
    [ -e "$dir" ] || return 0
    dir=$(cd "$dir" && pwd -P)
    if [ -f "$dir/data/postmaster.pid" ]; then
        local owner bin
        owner=$(stat -c %U "$dir/data")
        bin=$(bindir "$dir/data")
        if server_running && ! as_user "$owner" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >&2 &&
            server_running; then
            echo "postgres-cluster: fast shutdown of the cluster in $dir failed; shutting down immediately" >&2
            log_tail
            if ! as_user "$owner" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 -s stop >&2 && server_running; then
                die "could not stop the cluster in $dir; it is left as it is"
            fi
        fi
    fi
    rm -rf "$dir"
}

# The owner and programs of an existing cluster, for halt and resume.
existing() {
    dir=$(cd "$1" && pwd -P)
    [ -d "$dir/data" ] || die "no cluster in $dir"
    owner=$(stat -c %U "$dir/data")
    bin=$(bindir "$dir/data")
}

halt() {
    local owner bin
    existing "$1"
    server_running || return 0
    as_user "$owner" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >&2 || { log_tail; die "could not halt the server in $dir"; }
}

resume() {
    local owner bin
    existing "$1"
    server_running && return 0
    as_user "$owner" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s start >&2 || { log_tail; die "could not resume the server in $dir"; }
}

case ${1:-} in
    start | stop | halt | resume)
        if [ $# -ne 2 ] || [ -z "$2" ]; then
            usage >&2
            exit 64
        fi
        "$1" "$2"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage >&2
        exit 64
        ;;
esac
