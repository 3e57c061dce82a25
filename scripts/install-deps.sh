#!/usr/bin/env bash
# Installs the Debian packages Herald builds against, when they are missing:
# libzmq (the bus), libcurl (channels), SQLite (the store) and protoc (to
# check the generated code), the sqlite3 shell herald-bench fills test
# databases with, and wrk, the HTTP load generator of herald-bench's gateway
# scenario. Swift itself must already be installed.
set -euo pipefail

packages=(libzmq3-dev libcurl4-openssl-dev libsqlite3-dev protobuf-compiler pkg-config sqlite3 wrk)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "install-deps: swift is not on PATH; install Swift 6.2 or newer first" >&2; exit 1; }
