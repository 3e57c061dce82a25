#!/usr/bin/env bash
# Runs every test: installs what is missing, checks that the generated
# protobuf code matches proto/, checks compose.yaml and the Dockerfile
# (scripts/check-compose.py, with broken copies that must fail), builds, and
# runs the Swift Testing suites (unit tests and end-to-end tests that start
# the real heraldd and herald).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/install-test-peers.sh
scripts/generate-proto.sh --check
"${PYTHON:-python3}" scripts/check-compose.py --self-test
swift build --build-tests
swift test --skip-build "$@"
