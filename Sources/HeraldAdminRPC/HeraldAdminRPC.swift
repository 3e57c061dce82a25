// HeraldAdminRPC: the admin service's contract in Swift, generated from
// `service Admin` in proto/herald/v1/admin.proto by protoc-gen-herald-rpc
// (Sources/protoc-gen-herald-rpc). The `*.rpc.swift` files beside this one are
// written by scripts/generate-proto.sh and committed; do not edit them.
