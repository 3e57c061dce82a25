import Foundation
import SwiftProtobuf

/// One method of a protobuf `service`, as the bus names it: `"/herald.v1.Admin/CreateBooking"`.
///
/// Generated code declares one per `rpc` (`Herald_V1_Admin.Method.createBooking`), so no
/// caller or server spells a method name by hand.
public struct RPCMethod: Sendable, Hashable, CustomStringConvertible {
    /// The fully qualified service, e.g. "herald.v1.Admin".
    public let service: String
    /// The method as the `.proto` spells it, e.g. `CreateBooking`.
    public let name: String

    public init(service: String, name: String) {
        self.service = service
        self.name = name
    }

    /// What travels in `RpcRequest.method`: "/herald.v1.Admin/CreateBooking".
    public var path: String { "/\(service)/\(name)" }

    public var description: String { "\(service)/\(name)" }
}

/// Per-call settings a generated client passes through to its ``RPCCaller``.
public struct RPCCallOptions: Sendable {
    /// The call's whole budget; `nil` takes the caller's default.
    public var timeout: Duration?
    /// Added to the caller's own metadata; a key given here wins.
    public var metadata: [String: String]

    public init(timeout: Duration? = nil, metadata: [String: String] = [:]) {
        self.timeout = timeout
        self.metadata = metadata
    }

    public static let defaults = RPCCallOptions()
}

/// Anything that can make one request/response call: the transport under a
/// generated client. ``RPCClient`` is one; the CLI and the gateway wrap it to
/// add their own timeout and metadata.
public protocol RPCCaller: Sendable {
    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: RPCMethod, _ request: Request, as response: Response.Type, options: RPCCallOptions
    ) async throws -> Response
}

extension RPCClient: RPCCaller {
    /// Calls with the options' timeout (10 s when none) and metadata.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: RPCMethod, _ request: Request, as response: Response.Type, options: RPCCallOptions
    ) async throws -> Response {
        try await call(
            method.path, request, as: response, timeout: options.timeout ?? .seconds(10), metadata: options.metadata)
    }
}

/// An error a handler throws that knows its RPC status; ``RPCServer`` answers
/// with ``rpcError`` instead of a generic `INTERNAL`. It lets a service keep its
/// own error type and stay free of the transport.
public protocol RPCStatusConvertible: Error {
    var rpcError: RPCError { get }
}

/// A caller whose calls take a program's own timeout and metadata unless a
/// call's options say otherwise (the CLI's `--timeout`, the gateway's `client` tag).
public struct RPCCallerWithDefaults: RPCCaller {
    public let base: any RPCCaller
    public let defaults: RPCCallOptions

    public init(_ base: any RPCCaller, defaults: RPCCallOptions) {
        self.base = base
        self.defaults = defaults
    }

    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: RPCMethod, _ request: Request, as response: Response.Type, options: RPCCallOptions
    ) async throws -> Response {
        let merged = RPCCallOptions(
            timeout: options.timeout ?? defaults.timeout,
            metadata: options.metadata.isEmpty
                ? defaults.metadata : defaults.metadata.merging(options.metadata) { _, call in call })
        return try await base.call(method, request, as: response, options: merged)
    }
}
