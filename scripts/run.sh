#!/usr/bin/env bash
# Builds Herald in release mode and runs the core on its embedded SQLite
# default (./herald.db), admin endpoint tcp://127.0.0.1:7402. Extra arguments
# go to heraldd (see scripts/run.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release --product heraldd >&2
swift build -c release --product herald >&2
echo "run: the CLI is $(swift build -c release --show-bin-path)/herald" >&2
exec "$(swift build -c release --show-bin-path)/heraldd" "$@"
