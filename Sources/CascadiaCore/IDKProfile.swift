import Foundation

/// One expert of an IDK cascade: its typical (average) time and worst-case time, milliseconds.
public struct IDKExpert: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    /// Typical/average execution time; the cost C_i in the expected-time objective.
    public var timeMs: Double
    /// Worst-case execution time; the hard deadline bounds the sum over chosen experts.
    public var wcetMs: Double

    public init(id: String, name: String, timeMs: Double, wcetMs: Double) {
        self.id = id
        self.name = name
        self.timeMs = timeMs
        self.wcetMs = wcetMs
    }
}

/// An IDK-cascade profile: experts and the Prob-S table — for each subset S the probability that
/// exactly the experts in S classify an input and all others answer IDK.
///
/// `probS` is a flat array indexed by bitmask (expert `i` is bit `i`), 2^n long, summing to 1.
public struct IDKProfile: Sendable, Equatable {
    public let experts: [IDKExpert]
    public let codec: SubsetCodec
    public let probS: [Double]
    public let source: String?

    public var count: Int { experts.count }

    /// Tolerance on Σ Prob-S = 1.
    public static let sumTolerance = 1e-6

    /// Builds and validates a profile from probabilities (each in [0, 1], summing to 1 ± 1e-6;
    /// renormalized to sum exactly to 1).
    public init(experts: [IDKExpert], probS: [Double], source: String? = nil, file: String = "<profile>") throws(ProfileError) {
        try Self.checkExperts(experts, file: file)
        let codec = SubsetCodec(ids: experts.map(\.id))
        guard probS.count == codec.subsetCount else {
            throw ProfileError(file: file, field: "prob_s", "\(probS.count) subsets given, \(codec.subsetCount) expected")
        }
        var sum = 0.0
        for (mask, p) in probS.enumerated() {
            guard p >= 0 && p <= 1 else {
                throw ProfileError(file: file, field: "prob_s[\"\(codec.key(mask))\"]", "\(p) is not a probability in [0, 1]")
            }
            sum += p
        }
        guard abs(sum - 1) <= Self.sumTolerance else {
            throw ProfileError(file: file, field: "prob_s", "sums to \(sum), not 1 (tolerance \(Self.sumTolerance))")
        }
        self.experts = experts
        self.codec = codec
        self.probS = probS.map { $0 / sum }
        self.source = source
    }

    /// Builds a profile from raw counts (non-negative, not all zero), normalized to probabilities.
    public init(experts: [IDKExpert], counts: [Double], source: String? = nil, file: String = "<profile>") throws(ProfileError) {
        try Self.checkExperts(experts, file: file)
        let codec = SubsetCodec(ids: experts.map(\.id))
        guard counts.count == codec.subsetCount else {
            throw ProfileError(file: file, field: "counts", "\(counts.count) subsets given, \(codec.subsetCount) expected")
        }
        var total = 0.0
        for (mask, c) in counts.enumerated() {
            guard c >= 0 && c.isFinite else {
                throw ProfileError(file: file, field: "counts[\"\(codec.key(mask))\"]", "\(c) is not a non-negative count")
            }
            total += c
        }
        guard total > 0 else { throw ProfileError(file: file, field: "counts", "all counts are zero") }
        try self.init(experts: experts, probS: counts.map { $0 / total }, source: source, file: file)
    }

    static func checkExperts(_ experts: [IDKExpert], file: String) throws(ProfileError) {
        try HazardProfile.checkExperts(experts.map(\.id), file: file)
        for (i, e) in experts.enumerated() {
            for (name, value) in [("time_ms", e.timeMs), ("wcet_ms", e.wcetMs)] where !(value >= 0 && value.isFinite) {
                throw ProfileError(file: file, field: "experts[\(i)].\(name)", "\(value) is not a non-negative time")
            }
        }
    }
}

// MARK: - Parsing

extension IDKProfile: ProfileFormat {
    private struct JSONFile: Decodable {
        struct Expert: Decodable {
            var id: String
            var name: String?
            var time_ms: Double
            var wcet_ms: Double
        }
        var kind: String?
        var source: String?
        var experts: [Expert]
        var prob_s: [String: Double]?
        var counts: [String: Double]?
    }

    /// Parses the JSON format: `experts` with `id`, `name`, `time_ms`, `wcet_ms`, and either
    /// `prob_s` or `counts`, objects keyed by subset.
    public init(json data: Data, file: String) throws(ProfileError) {
        try checkKind(data, "idk", file: file)
        let doc = try decodeJSON(JSONFile.self, from: data, file: file)
        let experts = doc.experts.map { IDKExpert(id: $0.id, name: $0.name ?? $0.id, timeMs: $0.time_ms, wcetMs: $0.wcet_ms) }
        try Self.checkExperts(experts, file: file)
        let codec = SubsetCodec(ids: experts.map(\.id))
        let (field, table): (String, [String: Double])
        switch (doc.prob_s, doc.counts) {
        case (let p?, nil): (field, table) = ("prob_s", p)
        case (nil, let c?): (field, table) = ("counts", c)
        case (nil, nil): throw ProfileError(file: file, field: "prob_s", "missing (give prob_s or counts)")
        case (_?, _?): throw ProfileError(file: file, field: "counts", "give either prob_s or counts, not both")
        }
        var values = [Double](repeating: .nan, count: codec.subsetCount)
        var given = [String?](repeating: nil, count: codec.subsetCount)
        for key in table.keys.sorted() {
            let mask = try codec.mask(key, file: file, field: "\(field)[\"\(key)\"]")
            if let other = given[mask] {
                throw ProfileError(file: file, field: "\(field)[\"\(key)\"]", "same subset as \"\(other)\"")
            }
            given[mask] = key
            values[mask] = table[key]!
        }
        if let missing = given.firstIndex(where: { $0 == nil }) {
            throw ProfileError(file: file, field: field, "missing subset \"\(codec.key(missing))\" (all \(codec.subsetCount) subsets are required)")
        }
        if field == "prob_s" {
            try self.init(experts: experts, probS: values, source: doc.source, file: file)
        } else {
            try self.init(experts: experts, counts: values, source: doc.source, file: file)
        }
    }

    /// Parses a TSV/CSV table with columns `experts` and `prob_s` (or `count`/`counts`); the
    /// singleton rows carry the experts' `time_ms`, `wcet_ms` and optional `name`.
    public init(table text: String, file: String) throws(ProfileError) {
        let table = try DelimitedTable(text: text, file: file)
        guard let keyColumn = table.column("experts", "subset", "set") else {
            throw ProfileError(file: file, field: "experts", "missing column (the subset key column)")
        }
        let probColumn = table.column("prob_s"), countColumn = table.column("count", "counts")
        guard let valueColumn = probColumn ?? countColumn else {
            throw ProfileError(file: file, field: "prob_s", "missing column (prob_s or count)")
        }
        let field = probColumn != nil ? "prob_s" : "count"
        guard let timeColumn = table.column("time_ms") else { throw ProfileError(file: file, field: "time_ms", "missing column") }
        guard let wcetColumn = table.column("wcet_ms") else { throw ProfileError(file: file, field: "wcet_ms", "missing column") }
        let nameColumn = table.column("name")
        let ids = DelimitedTable.expertIDs(keys: table.rows.map { $0.cells[keyColumn] })
        try HazardProfile.checkExperts(ids, file: file)
        let codec = SubsetCodec(ids: ids)
        var values = [Double](repeating: .nan, count: codec.subsetCount)
        var seen = [Int](repeating: 0, count: codec.subsetCount)
        var experts = ids.map { IDKExpert(id: $0, name: $0, timeMs: .nan, wcetMs: .nan) }
        for (line, cells) in table.rows {
            let mask = try codec.mask(cells[keyColumn], file: file, field: "line \(line) experts")
            guard seen[mask] == 0 else {
                throw ProfileError(file: file, field: "line \(line) experts", "subset '\(codec.key(mask))' already given on line \(seen[mask])")
            }
            seen[mask] = line
            values[mask] = try parseNumber(cells[valueColumn], file: file, field: "line \(line) \(field)")
            if mask != 0 && mask & (mask - 1) == 0 {
                let i = mask.trailingZeroBitCount
                experts[i].timeMs = try parseNumber(cells[timeColumn], file: file, field: "line \(line) time_ms")
                experts[i].wcetMs = try parseNumber(cells[wcetColumn], file: file, field: "line \(line) wcet_ms")
                if let c = nameColumn, !cells[c].isEmpty { experts[i].name = cells[c] }
            }
        }
        if let missing = seen.firstIndex(of: 0) {
            throw ProfileError(file: file, field: "subsets", "missing subset '\(missing == 0 ? "-" : codec.key(missing))' (all \(codec.subsetCount) subsets are required)")
        }
        if field == "prob_s" {
            try self.init(experts: experts, probS: values, file: file)
        } else {
            try self.init(experts: experts, counts: values, file: file)
        }
    }
}
