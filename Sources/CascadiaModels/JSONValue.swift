/// A parsed JSON value, kept exactly as written (numbers as their text).
///
/// The model header is untrusted input, so the loader parses it with this strict RFC 8259 parser
/// instead of Foundation: duplicate keys are errors, nesting is bounded, booleans are never
/// numbers, and integers are read from their digits, not through a Double.
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, validated against the JSON grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in file order; keys are unique.
    case object([(key: String, value: JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short name of the value's kind for error messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Strict JSON parser over a byte buffer.
struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    static let maxDepth = 32

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one JSON value filling `bytes`, allowing trailing spaces (safetensors padding)
    /// and JSON whitespace.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(FormatProblem) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count {
            throw FormatProblem("unexpected byte after the JSON value at offset \(parser.index)")
        }
        return value
    }

    /// Parses a JSON text held in a Swift string.
    static func parse(_ text: String) throws(FormatProblem) -> JSONValue {
        let bytes = Array(text.utf8)
        var result: Result<JSONValue, FormatProblem> = .failure(FormatProblem("empty"))
        bytes.withUnsafeBytes { buffer in
            do throws(FormatProblem) {
                result = .success(try parse(buffer))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private func fail(_ what: String) -> FormatProblem {
        FormatProblem("invalid JSON at offset \(index): \(what)")
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(FormatProblem) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("truncated literal") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] { throw fail("bad literal") }
        index += count
    }

    private mutating func parseValue(depth: Int) throws(FormatProblem) -> JSONValue {
        guard let b = peek else { throw fail("unexpected end") }
        switch b {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected byte 0x\(String(b, radix: 16))")
        }
    }

    private mutating func parseObject(depth: Int) throws(FormatProblem) -> JSONValue {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try parseString()
            guard seen.insert(key).inserted else { throw fail("duplicate key '\(key)'") }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            guard let b = peek else { throw fail("unterminated object") }
            index += 1
            if b == UInt8(ascii: "}") { return .object(members) }
            guard b == UInt8(ascii: ",") else { throw fail("expected ',' or '}'") }
        }
    }

    private mutating func parseArray(depth: Int) throws(FormatProblem) -> JSONValue {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard let b = peek else { throw fail("unterminated array") }
            index += 1
            if b == UInt8(ascii: "]") { return .array(elements) }
            guard b == UInt8(ascii: ",") else { throw fail("expected ',' or ']'") }
        }
    }

    private mutating func hexDigit() throws(FormatProblem) -> UInt32 {
        guard let b = peek else { throw fail("truncated \\u escape") }
        index += 1
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: throw fail("bad hex digit in \\u escape")
        }
    }

    private mutating func hex4() throws(FormatProblem) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 { v = v << 4 | (try hexDigit()) }
        return v
    }

    private mutating func parseString() throws(FormatProblem) -> String {
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard let b = peek else { throw fail("unterminated string") }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: utf8, as: UTF8.self) else { throw fail("string is not UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw fail("unterminated escape") }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard peek == UInt8(ascii: "\\") else { throw fail("lone high surrogate") }
                        index += 1
                        guard peek == UInt8(ascii: "u") else { throw fail("lone high surrogate") }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("bad low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("lone low surrogate")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("bad \\u escape") }
                    utf8.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("bad escape")
                }
            case 0x00..<0x20: throw fail("control character in string")
            default: utf8.append(b)
            }
        }
    }

    private mutating func digits() -> Int {
        var n = 0
        while let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { index += 1; n += 1 }
        return n
    }

    private mutating func parseNumber() throws(FormatProblem) -> String {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("bad number")
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("bad fraction") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("bad exponent") }
        }
        guard index - start <= 64 else { throw fail("number longer than 64 characters") }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }
}
