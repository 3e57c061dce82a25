import Foundation
import HeraldBus
import HeraldProto
import Hummingbird

/// An RFC 9457 problem detail (`application/problem+json`), the body of every
/// error answer: what went wrong, the RPC status it came from, and each field at fault.
struct Problem: Error, HTTPResponseError {
    struct FieldError: Encodable {
        /// The request field, as named in the JSON body (snake_case).
        var field: String
        var detail: String
        /// RFC 6901 pointer into the request body, e.g. "#/customer_email".
        var pointer: String
    }

    var status: HTTPResponse.Status
    var title: String
    var detail: String
    /// The core's status name (`INVALID_ARGUMENT`, ...), or the gateway's own.
    var code: String
    var errors: [FieldError] = []
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, code: String, _ detail: String, errors: [FieldError] = []) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.code = code
        self.errors = errors
    }

    /// The request itself is malformed (not JSON, a field of the wrong type).
    static func badRequest(field: String? = nil, _ detail: String) -> Problem {
        Problem(.badRequest, code: "INVALID_ARGUMENT", detail, errors: field.map { [.init(field: $0, detail)] } ?? [])
    }

    /// Well-formed but not acceptable, for one field.
    static func invalid(field: String, _ detail: String) -> Problem {
        Problem(.unprocessableContent, code: "INVALID_ARGUMENT", "\(field): \(detail)", errors: [.init(field: field, detail)])
    }

    static func notFound(_ detail: String, field: String = "id") -> Problem {
        Problem(.notFound, code: "NOT_FOUND", detail, errors: [.init(field: field, detail)])
    }

    static let unauthenticated: Problem = {
        var problem = Problem(.unauthorized, code: "UNAUTHENTICATED", "send a valid API key as \"Authorization: Bearer KEY\"")
        problem.headers[.wwwAuthenticate] = "Bearer"
        return problem
    }()

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, code: "PERMISSION_DENIED", detail)
    }

    /// The core's answer, as HTTP. Field validation is 422 (the JSON was fine, a
    /// value was not); the core's field names are the API's.
    init(_ error: RPCError) {
        let status: HTTPResponse.Status = switch error.code {
        case .invalidArgument, .outOfRange: .unprocessableContent
        case .notFound: .notFound
        case .alreadyExists, .aborted: .conflict
        case .failedPrecondition: .conflict
        case .unauthenticated: .unauthorized
        case .permissionDenied: .forbidden
        case .resourceExhausted: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .deadlineExceeded: .gatewayTimeout
        case .unimplemented: .notImplemented
        default: .internalServerError
        }
        self.init(
            status, code: error.code.name, error.message.isEmpty ? status.reasonPhrase : error.message,
            errors: error.details.map { .init(field: $0.field, $0.description_p) })
    }

    /// The core's field names where the API names them differently
    /// (`reminder_offsets` is `reminder_minutes_before` here).
    func renamingFields(_ names: [String: String]) -> Problem {
        var problem = self
        for index in problem.errors.indices {
            guard let name = names[problem.errors[index].field] else { continue }
            problem.detail = problem.detail.replacingOccurrences(of: problem.errors[index].field + ":", with: name + ":")
            problem.errors[index] = FieldError(field: name, problem.errors[index].detail)
        }
        return problem
    }

    static let apiFieldNames = [
        "reminder_offsets": "reminder_minutes_before", "host_emails": "booking_notification_emails", "page_token": "cursor",
        "search": "q",
    ]

    /// Any error a handler threw, as a problem; internals are not shown.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem: problem
        case let rpc as RPCError: Problem(rpc).renamingFields(apiFieldNames)
        case let http as HTTPError: Problem(http.status, code: "HTTP_\(http.status.code)", http.body ?? http.status.reasonPhrase)
        default: Problem(.internalServerError, code: "INTERNAL", "the gateway failed; see its log")
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    var body: Data {
        struct Body: Encodable {
            var type = "about:blank"
            var title: String
            var status: Int
            var detail: String
            var code: String
            var errors: [FieldError]?
        }
        let value = Body(title: title, status: status.code, detail: detail, code: code, errors: errors.isEmpty ? nil : errors)
        return (try? JSONCoding.encoder.encode(value)) ?? Data()
    }
}

extension Problem.FieldError {
    init(field: String, _ detail: String) {
        self.init(field: field, detail: detail, pointer: "#/" + field.replacingOccurrences(of: ".", with: "/"))
    }
}

/// Turns every error thrown below it into problem+json, so no error answer is plain text.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem.from(error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
