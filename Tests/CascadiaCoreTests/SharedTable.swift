import Foundation

/// The shipped multimodal hazard table, read with the test's own minimal parser (not the code
/// under test) so expected values are computed independently.
struct SharedTableRow {
    var key: String  // "" for the empty set
    var fp: Double
    var fn: Double
    var wcet: Double
    var tcet: Double
    var publishedEscape: String
}

enum SharedTable {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("profiles/multimodal-hazard-profile.tsv")

    static var text: String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    static var rows: [SharedTableRow] {
        text.split(separator: "\n").dropFirst().map { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let key = c[0] == "-" ? "" : c[0]
            let escape = c[5] == "-" ? "" : c[5]
            return SharedTableRow(key: key, fp: Double(c[1])!, fn: Double(c[2])!, wcet: Double(c[3])!, tcet: Double(c[4])!, publishedEscape: escape)
        }
    }

    /// Row lookup by set of letters (order-insensitive).
    static func row(_ letters: Set<Character>, in rows: [SharedTableRow]) -> SharedTableRow {
        rows.first { Set($0.key) == letters }!
    }
}
