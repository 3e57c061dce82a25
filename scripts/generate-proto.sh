#!/usr/bin/env bash
# Regenerates Sources/HeraldProto from proto/herald/v1/*.proto.
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
plugin="$(swift build --show-bin-path)/protoc-gen-swift"

out=Sources/HeraldProto
if [ "${1:-}" = "--check" ]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

find "$out" -name '*.pb.swift' -delete
protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --swift_out="$out" \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=PathToUnderscores \
    -I proto \
    proto/herald/v1/*.proto

if [ "${1:-}" = "--check" ]; then
    if ! diff -ru Sources/HeraldProto "$out" >&2; then
        echo "generate-proto: Sources/HeraldProto is out of date with proto/; run scripts/generate-proto.sh and commit" >&2
        exit 1
    fi
    echo "generate-proto: Sources/HeraldProto matches proto/" >&2
fi
