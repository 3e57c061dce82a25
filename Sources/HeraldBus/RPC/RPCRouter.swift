import Foundation
import SwiftProtobuf

/// Maps method names to typed async handlers.
///
/// Handlers are registered with their protobuf request and response types; the
/// router decodes the payload into the request type (a payload that does not
/// decode is `INVALID_ARGUMENT`, never a crash) and encodes the response.
///
/// ```swift
/// var router = RPCRouter()
/// router.register("/herald.v1.Admin/CreateBooking") { (request: Herald_V1_CreateBookingRequest, context) in
///     try await admin.createBooking(request)
/// }
/// ```
public struct RPCRouter: Sendable {
    /// A handler with its types erased: payload bytes in, payload bytes out.
    public typealias RawHandler = @Sendable (Data, RPCContext) async throws -> Data

    private var handlers: [String: RawHandler] = [:]

    public init() {}

    /// The registered method names, without leading "/".
    public var methods: [String] { handlers.keys.sorted() }

    /// Registers `handler` for `method` ("/herald.v1.Admin/CreateBooking"; the leading "/" is optional).
    /// Registering a method twice replaces the earlier handler.
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String,
        _ handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        handlers[Self.normalize(method)] = { payload, context in
            let request: Request
            do {
                request = try Request(serializedBytes: payload)
            } catch {
                throw RPCError.invalidArgument(
                    "the payload of \(context.method) is not a valid \(Request.protoMessageName)")
            }
            let response = try await handler(request, context)
            return try response.serializedData()
        }
    }

    /// Registers `handler` for a method a generated service declares.
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: RPCMethod,
        _ handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        register(method.path, handler)
    }

    /// The handler for `method`, with or without the leading "/".
    public func handler(for method: String) -> RawHandler? {
        handlers[Self.normalize(method)]
    }

    /// "herald.v1.Admin/CreateBooking" for both spellings the protocol allows.
    public static func normalize(_ method: String) -> String {
        method.hasPrefix("/") ? String(method.dropFirst()) : method
    }
}
