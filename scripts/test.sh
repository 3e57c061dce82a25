#!/usr/bin/env bash
# Runs every test: installs what is missing, checks that the generated
# protobuf code matches proto/, checks compose.yaml and the Dockerfile
# (scripts/check-compose.py, with broken copies that must fail), builds, and
# runs the Swift Testing suites (unit tests and end-to-end tests that start
# the real heraldd and herald). The PostgreSQL store's tests get a private
# PostgreSQL cluster (scripts/postgres-cluster.sh), started before the tests
# and removed when this script ends, however it ends; set
# HERALD_TEST_POSTGRES_URL to give them an existing database instead.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/install-test-peers.sh
[ -n "${HERALD_TEST_POSTGRES_URL:-}" ] || scripts/install-postgres.sh
scripts/generate-proto.sh --check
"${PYTHON:-python3}" scripts/check-compose.py --self-test
swift build --build-tests
if [ -z "${HERALD_TEST_POSTGRES_URL:-}" ]; then
    postgres_dir=$(mktemp -d "${TMPDIR:-/tmp}/herald-postgres.XXXXXX")
    # An EXIT trap runs on every way out (success, a failed phase under set -e,
    # the exit below, SIGTERM, Ctrl-C) and leaves the exit status as it was.
    trap 'scripts/postgres-cluster.sh stop "$postgres_dir"' EXIT
    HERALD_TEST_POSTGRES_URL=$(scripts/postgres-cluster.sh start "$postgres_dir")
fi
export HERALD_TEST_POSTGRES_URL
if [ $# -gt 0 ]; then
    swift test --skip-build "$@"
    exit
fi
# Two phases. The in-process suites (bus, SDK, core, gateway) time heartbeats, deadlines
# and drains to the second; the end-to-end suites start dozens of processes
# (cores, channels, peers, schemathesis) that starve them on a 2-core machine
# when both run at once.
# HeraldFuzzTests is in-process too: a bounded number of runs (about 10 000,
# a few seconds), new random inputs each time; a failure prints its seed.
in_process='^(HeraldBusTests|HeraldChannelKitTests|HeraldCoreTests|HeraldFuzzTests|HeraldGatewayTests)\.'
swift test --skip-build --filter "$in_process"
swift test --skip-build --skip "$in_process"
