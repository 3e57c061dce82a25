#!/usr/bin/env bash
# Runs Herald: installs what is missing, builds every program in release mode,
# then `herald up`: the core on .herald/herald.db and every channel program,
# in this terminal. Arguments go to `herald up` (e.g. scripts/run.sh --demo;
# scripts/run.sh --help lists them). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release >&2
bin="$(swift build -c release --show-bin-path)"
echo "run: the CLI is $bin/herald" >&2
exec "$bin/herald" up "$@"
