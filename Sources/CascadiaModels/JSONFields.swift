/// Typed, strict access to one JSON object of the model header.
///
/// Every accessor names the field by its path in errors (`layers[3].stride`), rejects values of the
/// wrong kind, and `requireKeys` rejects unknown and missing keys, so nothing defaults silently.
struct JSONFields {
    let path: String
    let members: [(key: String, value: JSONValue)]

    init(_ value: JSONValue, path: String) throws(FormatProblem) {
        guard case .object(let members) = value else {
            throw FormatProblem("\(path) must be an object, found \(value.kind)")
        }
        self.path = path
        self.members = members
    }

    /// Requires exactly these keys: every one present, no other.
    func requireKeys(_ keys: [String]) throws(FormatProblem) {
        for member in members where !keys.contains(member.key) {
            throw FormatProblem("\(path) has unknown field '\(member.key)'")
        }
        for key in keys where !members.contains(where: { $0.key == key }) {
            throw FormatProblem("\(path) is missing field '\(key)'")
        }
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) throws(FormatProblem) -> JSONValue {
        guard let member = members.first(where: { $0.key == key }) else {
            throw FormatProblem("\(path) is missing field '\(key)'")
        }
        return member.value
    }

    func object(_ key: String) throws(FormatProblem) -> JSONFields {
        try JSONFields(try value(key), path: name(key))
    }

    func string(_ key: String) throws(FormatProblem) -> String {
        try JSONFields.string(try value(key), path: name(key))
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws(FormatProblem) -> Int {
        try JSONFields.int(try value(key), path: name(key), range)
    }

    func double(_ key: String) throws(FormatProblem) -> Double {
        try JSONFields.double(try value(key), path: name(key))
    }

    func array(_ key: String, count: ClosedRange<Int>) throws(FormatProblem) -> [JSONValue] {
        try JSONFields.array(try value(key), path: name(key), count: count)
    }

    func strings(_ key: String, count: ClosedRange<Int>) throws(FormatProblem) -> [String] {
        let items = try array(key, count: count)
        var out: [String] = []
        for (i, item) in items.enumerated() { out.append(try JSONFields.string(item, path: "\(name(key))[\(i)]")) }
        return out
    }

    func ints(_ key: String, count: ClosedRange<Int>, _ range: ClosedRange<Int>) throws(FormatProblem) -> [Int] {
        let items = try array(key, count: count)
        var out: [Int] = []
        for (i, item) in items.enumerated() { out.append(try JSONFields.int(item, path: "\(name(key))[\(i)]", range)) }
        return out
    }

    /// An array of finite numbers strictly greater than zero (scales).
    func scales(_ key: String, count: Int) throws(FormatProblem) -> [Double] {
        let items = try array(key, count: count...count)
        var out: [Double] = []
        out.reserveCapacity(count)
        for (i, item) in items.enumerated() { out.append(try JSONFields.scale(item, path: "\(name(key))[\(i)]")) }
        return out
    }

    static func string(_ value: JSONValue, path: String) throws(FormatProblem) -> String {
        guard case .string(let s) = value else { throw FormatProblem("\(path) must be a string, found \(value.kind)") }
        return s
    }

    static func array(_ value: JSONValue, path: String, count: ClosedRange<Int>) throws(FormatProblem) -> [JSONValue] {
        guard case .array(let items) = value else { throw FormatProblem("\(path) must be an array, found \(value.kind)") }
        guard count.contains(items.count) else {
            throw FormatProblem("\(path) has \(items.count) elements, expected \(count.lowerBound)…\(count.upperBound)")
        }
        return items
    }

    static func int(_ value: JSONValue, path: String, _ range: ClosedRange<Int>) throws(FormatProblem) -> Int {
        guard case .number(let text) = value else { throw FormatProblem("\(path) must be an integer, found \(value.kind)") }
        guard let n = Int(text) else { throw FormatProblem("\(path) must be an integer, found \(text)") }
        guard range.contains(n) else {
            throw FormatProblem("\(path) = \(n) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return n
    }

    static func double(_ value: JSONValue, path: String) throws(FormatProblem) -> Double {
        guard case .number(let text) = value, let d = Double(text) else {
            throw FormatProblem("\(path) must be a number, found \(value.kind)")
        }
        guard d.isFinite else { throw FormatProblem("\(path) = \(text) is not finite") }
        return d
    }

    static func scale(_ value: JSONValue, path: String) throws(FormatProblem) -> Double {
        let d = try double(value, path: path)
        guard d > 0, d.isNormal else { throw FormatProblem("\(path) = \(d) must be a normal number > 0") }
        return d
    }
}
