import Foundation

/// A hazard-detection profile: for every subset S of n experts (OR-fused), its false-positive and
/// false-negative rates and its worst-case and typical-case execution times.
///
/// Tables are flat arrays indexed by subset bitmask (expert `i` is bit `i`), 2^n long, n ≤ 20.
/// Times are held as integer nanoseconds so sums are exact. When the source gives a subset's time
/// it is used as is; otherwise it is the sum of its members' times (experts run one after another
/// on one core). A value type; parsing reads only the `Data`/`String` it is given.
public struct HazardProfile: Sendable, Equatable {
    public let experts: [ExpertName]
    public let codec: SubsetCodec
    /// FP rate of each subset under OR-fusion.
    public let fp: [Double]
    /// FN rate of each subset under OR-fusion.
    public let fn: [Double]
    /// Worst-case execution time of each subset, nanoseconds.
    public let wcetNanoseconds: [Int64]
    /// Typical-case execution time of each subset, nanoseconds.
    public let tcetNanoseconds: [Int64]
    /// True when every subset's WCET and TCET equal the sums of its members' (enables the
    /// O(n·2^n) planners; otherwise escape sets and the DAG take O(3^n)).
    public let timesAreAdditive: Bool
    /// The escape set published with the profile for each subset, when it carries one.
    public let publishedEscape: [Int]?
    /// Free-text provenance.
    public let source: String?

    public var count: Int { experts.count }

    /// Builds and validates a profile. `wcetMs`/`tcetMs` hold a time per subset or nil where the
    /// time is to be summed from the experts' own times (`expertWcetMs`/`expertTcetMs`, or the
    /// singleton subsets' times when those are nil).
    public init(
        experts: [ExpertName], fp: [Double], fn: [Double],
        wcetMs: [Double?], tcetMs: [Double?],
        expertWcetMs: [Double]? = nil, expertTcetMs: [Double]? = nil,
        publishedEscape: [Int]? = nil, source: String? = nil, file: String = "<profile>"
    ) throws(ProfileError) {
        try Self.checkExperts(experts.map(\.id), file: file)
        let codec = SubsetCodec(ids: experts.map(\.id))
        let size = codec.subsetCount
        for (name, array) in [("fp", fp.count), ("fn", fn.count), ("wcet_ms", wcetMs.count), ("tcet_ms", tcetMs.count)]
        where array != size {
            throw ProfileError(file: file, field: name, "\(array) subsets given, \(size) expected (every subset of \(experts.count) experts)")
        }
        for mask in 0..<size {
            let key = "subsets[\"\(codec.key(mask))\"]"
            for (name, value) in [("fp", fp[mask]), ("fn", fn[mask])] where !(value >= 0 && value <= 1) {
                throw ProfileError(file: file, field: "\(key).\(name)", "\(value) is not a probability in [0, 1]")
            }
        }
        func resolve(_ perSubset: [Double?], _ perExpert: [Double]?, _ name: String) throws(ProfileError) -> [Int64] {
            var own: [Int64] = []
            for i in 0..<experts.count {
                let value = perExpert?[i] ?? perSubset[1 << i]
                guard let value else {
                    throw ProfileError(file: file, field: "experts[\(i)].\(name)", "missing: neither expert '\(experts[i].id)' nor its singleton subset gives it")
                }
                guard value >= 0 && value.isFinite else {
                    throw ProfileError(file: file, field: "experts[\(i)].\(name)", "\(value) is not a non-negative time")
                }
                own.append(Nanoseconds.from(milliseconds: value))
            }
            var result = [Int64](repeating: 0, count: size)
            for mask in 1..<size {
                if let value = perSubset[mask] {
                    guard value >= 0 && value.isFinite else {
                        throw ProfileError(file: file, field: "subsets[\"\(codec.key(mask))\"].\(name)", "\(value) is not a non-negative time")
                    }
                    result[mask] = Nanoseconds.from(milliseconds: value)
                } else {
                    let low = mask.trailingZeroBitCount
                    result[mask] = result[mask & (mask - 1)] + own[low]
                }
            }
            if let empty = perSubset[0], empty != 0 {
                throw ProfileError(file: file, field: "subsets[\"\"].\(name)", "the empty set must take 0 ms, not \(empty)")
            }
            return result
        }
        let wcet = try resolve(wcetMs, expertWcetMs, "wcet_ms")
        let tcet = try resolve(tcetMs, expertTcetMs, "tcet_ms")
        if let publishedEscape, publishedEscape.count != size {
            throw ProfileError(file: file, field: "published_escape", "\(publishedEscape.count) entries, \(size) expected")
        }
        self.experts = experts
        self.codec = codec
        self.fp = fp
        self.fn = fn
        self.wcetNanoseconds = wcet
        self.tcetNanoseconds = tcet
        self.timesAreAdditive = Self.isAdditive(wcet) && Self.isAdditive(tcet)
        self.publishedEscape = publishedEscape
        self.source = source
    }

    /// WCET of a subset in milliseconds.
    public func wcetMs(_ mask: Int) -> Double { Nanoseconds.milliseconds(wcetNanoseconds[mask]) }
    /// TCET of a subset in milliseconds.
    public func tcetMs(_ mask: Int) -> Double { Nanoseconds.milliseconds(tcetNanoseconds[mask]) }

    static func isAdditive(_ times: [Int64]) -> Bool {
        for mask in 1..<times.count where mask & (mask - 1) != 0 {
            if times[mask] != times[mask & (mask - 1)] + times[mask & -mask] { return false }
        }
        return true
    }

    static func checkExperts(_ ids: [String], file: String) throws(ProfileError) {
        guard !ids.isEmpty else { throw ProfileError(file: file, field: "experts", "no experts") }
        guard ids.count <= SubsetCodec.maxExperts else {
            throw ProfileError(file: file, field: "experts", "\(ids.count) experts; at most \(SubsetCodec.maxExperts) are supported")
        }
        var seen = Set<String>()
        for (i, id) in ids.enumerated() {
            guard !id.isEmpty, id != "-", !id.contains("+") else {
                throw ProfileError(file: file, field: "experts[\(i)].id", "'\(id)' is not a valid id (non-empty, not '-', no '+')")
            }
            guard seen.insert(id).inserted else {
                throw ProfileError(file: file, field: "experts[\(i)].id", "duplicate id '\(id)'")
            }
        }
    }
}

// MARK: - Parsing

extension HazardProfile: ProfileFormat {
    /// Parses a TSV/CSV table with columns `experts`, `fp`, `fn`, `wcet_ms`, `tcet_ms` and optional
    /// `published_escape`; other columns are ignored, `-` is the empty set, an empty time cell is
    /// summed from the members.
    public init(table text: String, file: String) throws(ProfileError) {
        let table = try DelimitedTable(text: text, file: file)
        guard let keyColumn = table.column("experts", "subset", "set") else {
            throw ProfileError(file: file, field: "experts", "missing column (the subset key column)")
        }
        var columns: [String: Int] = [:]
        for name in ["fp", "fn"] {
            guard let c = table.column(name) else { throw ProfileError(file: file, field: name, "missing column") }
            columns[name] = c
        }
        let wcetColumn = table.column("wcet_ms"), tcetColumn = table.column("tcet_ms")
        let escapeColumn = table.column("published_escape")
        let ids = DelimitedTable.expertIDs(keys: table.rows.map { $0.cells[keyColumn] })
        try Self.checkExperts(ids, file: file)
        let codec = SubsetCodec(ids: ids)
        let size = codec.subsetCount
        var fp = [Double](repeating: .nan, count: size), fn = fp
        var wcet = [Double?](repeating: nil, count: size), tcet = wcet
        var escapeKeys = [String?](repeating: nil, count: size)
        var seen = [Int](repeating: 0, count: size)
        for (line, cells) in table.rows {
            let mask = try codec.mask(cells[keyColumn], file: file, field: "line \(line) experts")
            guard seen[mask] == 0 else {
                throw ProfileError(file: file, field: "line \(line) experts", "subset '\(codec.key(mask))' already given on line \(seen[mask])")
            }
            seen[mask] = line
            fp[mask] = try parseNumber(cells[columns["fp"]!], file: file, field: "line \(line) fp")
            fn[mask] = try parseNumber(cells[columns["fn"]!], file: file, field: "line \(line) fn")
            if let c = wcetColumn, !cells[c].isEmpty { wcet[mask] = try parseNumber(cells[c], file: file, field: "line \(line) wcet_ms") }
            if let c = tcetColumn, !cells[c].isEmpty { tcet[mask] = try parseNumber(cells[c], file: file, field: "line \(line) tcet_ms") }
            if let c = escapeColumn { escapeKeys[mask] = cells[c] }
        }
        if let missing = seen.firstIndex(of: 0) {
            throw ProfileError(file: file, field: "subsets", "missing subset '\(missing == 0 ? "-" : codec.key(missing))' (all \(size) subsets of \(ids.joined(separator: ",")) are required)")
        }
        var escapes: [Int]? = nil
        if escapeColumn != nil {
            var masks: [Int] = []
            for mask in 0..<size {
                masks.append(try codec.mask(escapeKeys[mask] ?? "", file: file, field: "line \(seen[mask]) published_escape"))
            }
            escapes = masks
        }
        try self.init(
            experts: ids.map { ExpertName(id: $0, name: $0) }, fp: fp, fn: fn, wcetMs: wcet, tcetMs: tcet,
            publishedEscape: escapes, source: nil, file: file)
    }

    private struct JSONFile: Decodable {
        struct Expert: Decodable {
            var id: String
            var name: String?
            var wcet_ms: Double?
            var tcet_ms: Double?
        }
        struct Subset: Decodable {
            var experts: String
            var fp: Double
            var fn: Double
            var wcet_ms: Double?
            var tcet_ms: Double?
            var published_escape: String?
        }
        var kind: String?
        var source: String?
        var experts: [Expert]
        var subsets: [Subset]
    }

    /// Parses the JSON profile format (docs/planner.md, "Hazard profile").
    public init(json data: Data, file: String) throws(ProfileError) {
        try checkKind(data, "hazard", file: file)
        let doc = try decodeJSON(JSONFile.self, from: data, file: file)
        let ids = doc.experts.map(\.id)
        try Self.checkExperts(ids, file: file)
        let codec = SubsetCodec(ids: ids)
        let size = codec.subsetCount
        var fp = [Double](repeating: .nan, count: size), fn = fp
        var wcet = [Double?](repeating: nil, count: size), tcet = wcet
        var escapeKeys = [String?](repeating: nil, count: size)
        var seen = [Int](repeating: -1, count: size)
        for (i, subset) in doc.subsets.enumerated() {
            let field = "subsets[\(i)]"
            let mask = try codec.mask(subset.experts, file: file, field: "\(field).experts")
            guard seen[mask] < 0 else {
                throw ProfileError(file: file, field: "\(field).experts", "subset '\(codec.key(mask))' already given at subsets[\(seen[mask])]")
            }
            seen[mask] = i
            fp[mask] = subset.fp
            fn[mask] = subset.fn
            wcet[mask] = subset.wcet_ms
            tcet[mask] = subset.tcet_ms
            escapeKeys[mask] = subset.published_escape
        }
        if let missing = seen.firstIndex(of: -1) {
            throw ProfileError(file: file, field: "subsets", "missing subset \"\(codec.key(missing))\" (all \(size) subsets are required)")
        }
        var escapes: [Int]? = nil
        if escapeKeys.contains(where: { $0 != nil }) {
            var masks: [Int] = []
            for mask in 0..<size {
                masks.append(try codec.mask(escapeKeys[mask] ?? "", file: file, field: "subsets[\(seen[mask])].published_escape"))
            }
            escapes = masks
        }
        let expertWcet = doc.experts.allSatisfy { $0.wcet_ms != nil } ? doc.experts.map { $0.wcet_ms! } : nil
        let expertTcet = doc.experts.allSatisfy { $0.tcet_ms != nil } ? doc.experts.map { $0.tcet_ms! } : nil
        try self.init(
            experts: doc.experts.map { ExpertName(id: $0.id, name: $0.name ?? $0.id) }, fp: fp, fn: fn,
            wcetMs: wcet, tcetMs: tcet, expertWcetMs: expertWcet, expertTcetMs: expertTcet,
            publishedEscape: escapes, source: doc.source, file: file)
    }
}

/// Rejects a JSON profile whose `kind` names another profile type, before looking at its fields.
func checkKind(_ data: Data, _ expected: String, file: String) throws(ProfileError) {
    struct Kind: Decodable { var kind: String? }
    if let kind = try decodeJSON(Kind.self, from: data, file: file).kind, kind != expected {
        throw ProfileError(file: file, field: "kind", "'\(kind)' where '\(expected)' is expected")
    }
}

/// Decodes JSON, turning a `DecodingError` into a `ProfileError` that names the field.
func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(ProfileError) -> T {
    func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text
    }
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        switch error {
        case .keyNotFound(let key, let context):
            throw ProfileError(file: file, field: path(context.codingPath + [key]), "missing")
        case .typeMismatch(let type, let context):
            throw ProfileError(file: file, field: path(context.codingPath), "expected \(type == Double.self ? "a number" : type == String.self ? "a string" : "\(type)")")
        case .valueNotFound(_, let context):
            throw ProfileError(file: file, field: path(context.codingPath), "null where a value is required")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            throw ProfileError(file: file, field: field, field.isEmpty ? "malformed JSON" : "invalid value")
        @unknown default:
            throw ProfileError(file: file, field: "", "malformed JSON")
        }
    } catch {
        throw ProfileError(file: file, field: "", "malformed JSON")
    }
}
