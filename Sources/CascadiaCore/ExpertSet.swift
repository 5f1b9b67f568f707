/// An expert as the profile names it: a short `id` used in subset keys and a model `name`.
public struct ExpertName: Codable, Sendable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// Maps expert sets to bitmasks and to subset keys (`"A+C"`, `"AC"`, `""`).
///
/// Expert `i` of the profile is bit `i` of the mask. Keys are written with ids in profile order,
/// joined by `+`, or concatenated when every id is one character. On input, `"-"` and `""` both
/// mean the empty set, ids may come in any order, and `+` may be omitted for one-character ids.
public struct SubsetCodec: Sendable, Equatable {
    /// The expert ids in bit order.
    public let ids: [String]
    /// True when every id is a single character (keys may omit `+`).
    public let singleCharacterIDs: Bool
    private let indexByID: [String: Int]

    /// The largest number of experts a profile may have (masks are `Int`, tables 2^n long).
    public static let maxExperts = 20

    public init(ids: [String]) {
        self.ids = ids
        singleCharacterIDs = ids.allSatisfy { $0.count == 1 }
        var index: [String: Int] = [:]
        for (i, id) in ids.enumerated() where index[id] == nil { index[id] = i }
        indexByID = index
    }

    /// Number of experts.
    public var count: Int { ids.count }
    /// Number of subsets, 2^n.
    public var subsetCount: Int { 1 << ids.count }
    /// The mask of all experts.
    public var fullMask: Int { (1 << ids.count) - 1 }

    /// The bit index of an id, if it is one.
    public func index(of id: String) -> Int? { indexByID[id] }

    /// The canonical key of a mask.
    public func key(_ mask: Int) -> String {
        var text = ""
        var bits = mask
        while bits != 0 {
            let i = bits.trailingZeroBitCount
            bits &= bits - 1
            if !singleCharacterIDs && !text.isEmpty { text += "+" }
            text += ids[i]
        }
        return text
    }

    /// The ids of a mask, in bit order.
    public func members(_ mask: Int) -> [String] {
        (0..<ids.count).filter { mask & (1 << $0) != 0 }.map { ids[$0] }
    }

    /// Parses a subset key; returns nil when it names an unknown id or an id twice.
    public func mask(_ key: String) -> Int? {
        let text = key.trimmingWhitespace()
        if text.isEmpty || text == "-" { return 0 }
        let tokens: [String]
        if text.contains("+") {
            tokens = text.split(separator: "+", omittingEmptySubsequences: false).map {
                String($0).trimmingWhitespace()
            }
        } else if indexByID[text] != nil {
            tokens = [text]
        } else if singleCharacterIDs {
            tokens = text.map { String($0) }
        } else {
            return nil
        }
        var mask = 0
        for token in tokens {
            guard let i = indexByID[token], mask & (1 << i) == 0 else { return nil }
            mask |= 1 << i
        }
        return mask
    }

    /// Parses a subset key or throws a `ProfileError` naming `file` and `field`.
    public func mask(_ key: String, file: String, field: String) throws(ProfileError) -> Int {
        guard let mask = mask(key) else {
            throw ProfileError(
                file: file, field: field,
                "'\(key)' is not a set of known expert ids (\(ids.joined(separator: ", "))) without repeats")
        }
        return mask
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}

/// Milliseconds ↔ integer nanoseconds. Planners compare times as integers so that sums are exact
/// and ties are decided the same way on every machine.
enum Nanoseconds {
    static func from(milliseconds ms: Double) -> Int64 { Int64((ms * 1_000_000).rounded()) }
    static func milliseconds(_ ns: Int64) -> Double { Double(ns) / 1_000_000 }
}
