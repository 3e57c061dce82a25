import Foundation
import HeraldViews
import Hummingbird

enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One decoder for every request body (decoding does not change it), rather than one per request.
    static let decoder = JSONDecoder()
}

/// Any JSON value, decoded strictly (a number is never a boolean).
enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        // Each failed `try?` below builds and throws a DecodingError, which costs more than
        // the whole field, so the kinds a request body is mostly made of come first: strings
        // (almost every field), then objects (the body itself). Only a JSON string decodes as
        // a String, so the order changes nothing else; Bool stays before Double.
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    var uint32: UInt32? {
        if case .number(let number) = self { return UInt32(exactly: number) }
        return nil
    }
}

/// A request's JSON object, read field by field so that a wrong type names its field.
struct JSONBody {
    let object: [String: JSONValue]

    static let maxSize = 1 << 20

    private init(object: [String: JSONValue]) {
        self.object = object
    }

    init(_ data: Data) throws(Problem) {
        guard !data.isEmpty else { throw .badRequest("the request needs a JSON object body") }
        guard let value = try? JSONCoding.decoder.decode(JSONValue.self, from: data) else {
            throw .badRequest("the body is not valid JSON")
        }
        guard case .object(let object) = value else { throw .badRequest("the body must be a JSON object") }
        self.object = object
    }

    /// The object with a field sent under a name the CLI's `--json` used to print
    /// (``FormerFieldNames``) moved to its published name, where the endpoint takes
    /// that field, so a script that feeds old output back keeps working. Sending
    /// both names is refused.
    func acceptingFormerNames(of fields: Set<String>) throws(Problem) -> JSONBody {
        var object = object
        for (former, published) in FormerFieldNames.published.sorted(by: { $0.key < $1.key }) where fields.contains(published) {
            guard let value = object.removeValue(forKey: former) else { continue }
            guard object[published] == nil else {
                throw .badRequest(field: former, "\(former): the former name of \(published); send only one of them")
            }
            object[published] = value
        }
        return JSONBody(object: object)
    }

    /// The object re-encoded with sorted keys: equal for equal JSON, whatever the
    /// order or spacing it was sent with.
    var canonical: Data {
        (try? JSONCoding.encoder.encode(JSONValue.object(object))) ?? Data()
    }

    /// A field's value; `null` counts as present (and then as the wrong type),
    /// except where an endpoint gives `null` a meaning and checks for it first.
    private func value(_ field: String) -> JSONValue? {
        object[field]
    }

    func has(_ field: String) -> Bool { value(field) != nil }

    func string(_ field: String) throws(Problem) -> String? {
        guard let value = value(field) else { return nil }
        guard case .string(let text) = value else { throw .badRequest(field: field, "\(field): must be a string") }
        return text
    }

    /// A string field that `null` clears: "" for `null`, the text for a string, nil
    /// when the body does not name the field.
    func stringOrNull(_ field: String) throws(Problem) -> String? {
        if case .null? = value(field) { return "" }
        return try string(field)
    }

    func bool(_ field: String) throws(Problem) -> Bool? {
        guard let value = value(field) else { return nil }
        guard case .bool(let flag) = value else { throw .badRequest(field: field, "\(field): must be true or false") }
        return flag
    }

    func uint32(_ field: String) throws(Problem) -> UInt32? {
        guard let value = value(field) else { return nil }
        guard let number = value.uint32 else { throw .badRequest(field: field, "\(field): must be a whole number, 0 or more") }
        return number
    }

    func uint32List(_ field: String) throws(Problem) -> [UInt32]? {
        guard let value = value(field) else { return nil }
        guard case .array(let items) = value else { throw .badRequest(field: field, "\(field): must be a list of numbers") }
        let numbers = items.compactMap(\.uint32)
        guard numbers.count == items.count else {
            throw .badRequest(field: field, "\(field): must be a list of whole numbers, 0 or more")
        }
        return numbers
    }

    func stringList(_ field: String) throws(Problem) -> [String]? {
        guard let value = value(field) else { return nil }
        guard case .array(let items) = value else { throw .badRequest(field: field, "\(field): must be a list of strings") }
        let strings = items.compactMap { item -> String? in
            if case .string(let text) = item { return text }
            return nil
        }
        guard strings.count == items.count else { throw .badRequest(field: field, "\(field): must be a list of strings") }
        return strings
    }

    /// A PATCH must change something.
    func requireAny(of fields: Set<String>) throws(Problem) {
        guard object.keys.contains(where: fields.contains) else {
            throw .badRequest("send at least one of \(fields.sorted().joined(separator: ", "))")
        }
    }

    /// Fields the endpoint does not know are refused, so a typo is not silently ignored.
    func allowOnly(_ fields: Set<String>) throws(Problem) {
        for key in object.keys.sorted() where !fields.contains(key) {
            throw .badRequest(field: key, "\(key): unknown field (expected one of \(fields.sorted().joined(separator: ", ")))")
        }
    }
}
