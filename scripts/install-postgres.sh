#!/usr/bin/env bash
# Installs PostgreSQL's server programs (Debian's `postgresql` package) when
# they are missing, for the tests of the PostgreSQL store. The tests never use
# the distribution's own cluster: scripts/postgres-cluster.sh starts a private
# one per test run, on a free port, and removes it afterwards. So this script
# keeps the package from creating and starting its `main` cluster, which would
# otherwise sit on port 5432 and hold memory for as long as the machine runs.
set -euo pipefail

# Debian installs each major version's programs in /usr/lib/postgresql/N/bin,
# off PATH; initdb is there only when a server package is installed (the
# client packages alone do not have it).
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    exit 0
fi

echo "install-postgres: installing postgresql" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

# postgresql-common reads createcluster.conf, which includes every file in
# createcluster.d, before it creates a version's `main` cluster on first
# install; create_main_cluster = false makes it skip that. The file stays, so
# a later major version pulled in by an upgrade does not create one either.
$sudo mkdir -p /etc/postgresql-common/createcluster.d
printf '%s\n' \
    '# Written by Herald'"'"'s scripts/install-postgres.sh: the tests start private' \
    '# clusters of their own (scripts/postgres-cluster.sh) and need no main cluster.' \
    'create_main_cluster = false' |
    $sudo tee /etc/postgresql-common/createcluster.d/herald-no-main-cluster.conf >/dev/null

# Clusters that exist before the install are someone else's; only the ones
# the install adds are stopped below.
clusters_before=""
command -v pg_lsclusters >/dev/null && clusters_before=$(pg_lsclusters -h 2>/dev/null | awk '{print $1 "/" $2}')

# The package lists may be missing (fresh containers) or stale (a version the
# mirror no longer has): update them then, and only then.
apt_install() {
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}
if ! apt-cache show postgresql >/dev/null 2>&1 || ! apt_install; then
    $sudo apt-get update -qq
    apt_install
fi

# Should the package have created a cluster anyway (a postgresql-common too old
# to read createcluster.d), stop it and set it to start only by hand, so
# neither this boot nor the next runs it. pg_ctlcluster goes through systemd
# when systemd runs the machine and signals the server itself otherwise.
if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters -h 2>/dev/null | while read -r version cluster _ status _; do
        grep -qxF "$version/$cluster" <<<"$clusters_before" && continue
        echo "install-postgres: setting the package's cluster $version/$cluster to manual start" >&2
        $sudo sed -i 's/^auto$/manual/' "/etc/postgresql/$version/$cluster/start.conf"
        if [ "$status" = online ]; then
            $sudo pg_ctlcluster "$version" "$cluster" stop || true
        fi
    done
fi
# Under systemd the package also enables postgresql.service, the unit that
# starts every `auto` cluster at boot; with no cluster of its own it has
# nothing to do, so it is disabled. Without systemd (containers) there is no
# unit to disable.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    $sudo systemctl daemon-reload || true
    $sudo systemctl disable --now --quiet postgresql.service 2>/dev/null || true
fi

compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || {
    echo "install-postgres: postgresql is installed but no /usr/lib/postgresql/*/bin/initdb was found" >&2
    exit 1
}
