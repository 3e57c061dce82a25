#!/usr/bin/env bash
# Regenerates the code made from proto/herald/v1/*.proto:
#   Sources/HeraldProto     the messages (protoc-gen-swift)
#   Sources/HeraldAdminRPC  each `service`: method names, server protocol and
#                           routing table, typed client (protoc-gen-herald-rpc,
#                           this package's own generator)
#
# protoc comes from Debian (protobuf-compiler); protoc-gen-swift is built from
# the swift-protobuf package this project already depends on, so the generator
# and the runtime library always have the same version.
#
#   scripts/generate-proto.sh          regenerate in place
#   scripts/generate-proto.sh --check  regenerate into a temporary folder and
#                                      fail if the committed code differs
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null; then
    echo "generate-proto: installing protobuf-compiler" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
fi

swift build --product protoc-gen-swift >&2
swift build --product protoc-gen-herald-rpc >&2
bin="$(swift build --show-bin-path)"

messages=Sources/HeraldProto
services=Sources/HeraldAdminRPC
if [ "${1:-}" = "--check" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    messages="$tmp/messages"
    services="$tmp/services"
    mkdir -p "$messages" "$services"
fi

find "$messages" -name '*.pb.swift' -delete
find "$services" -name '*.rpc.swift' -delete
protoc \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --swift_out="$messages" \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=PathToUnderscores \
    --plugin=protoc-gen-herald-rpc="$bin/protoc-gen-herald-rpc" \
    --herald-rpc_out="$services" \
    --herald-rpc_opt=Module=HeraldProto \
    -I proto \
    proto/herald/v1/*.proto

if [ "${1:-}" = "--check" ]; then
    stale=0
    diff -ru Sources/HeraldProto "$messages" >&2 || stale=1
    for generated in "$services"/*.rpc.swift Sources/HeraldAdminRPC/*.rpc.swift; do
        name="$(basename "$generated")"
        diff -u "Sources/HeraldAdminRPC/$name" "$services/$name" >&2 || stale=1
    done
    if [ "$stale" -ne 0 ]; then
        echo "generate-proto: generated code is out of date with proto/; run scripts/generate-proto.sh and commit" >&2
        exit 1
    fi
    echo "generate-proto: Sources/HeraldProto and Sources/HeraldAdminRPC match proto/" >&2
fi
