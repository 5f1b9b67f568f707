import Foundation

/// A parsed TSV or CSV table: a header of lower-cased column names and rows of cells.
///
/// The delimiter is a tab when the header line contains one, a comma otherwise. Blank lines and
/// lines starting with `#` are skipped. CSV cells may be double-quoted (`""` is a literal quote).
struct DelimitedTable {
    let columns: [String]
    /// Rows with their 1-based line numbers, each padded to `columns.count` cells.
    let rows: [(line: Int, cells: [String])]

    init(text: String, file: String) throws(ProfileError) {
        var header: [String]? = nil
        var separator: Character = "\t"
        var rows: [(Int, [String])] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.trimmingWhitespace().isEmpty || line.hasPrefix("#") { continue }
            if header == nil {
                separator = line.contains("\t") ? "\t" : ","
                header = Self.split(line, separator).map { $0.trimmingWhitespace().lowercased() }
                continue
            }
            var cells = Self.split(line, separator).map { $0.trimmingWhitespace() }
            guard cells.count <= header!.count else {
                throw ProfileError(
                    file: file, field: "line \(lineNumber)",
                    "\(cells.count) cells but the header has \(header!.count) columns")
            }
            while cells.count < header!.count { cells.append("") }
            rows.append((lineNumber, cells))
        }
        guard let header else { throw ProfileError(file: file, field: "", "empty table") }
        columns = header
        self.rows = rows
    }

    /// The index of the first column called one of `names`.
    func column(_ names: String...) -> Int? {
        for name in names { if let i = columns.firstIndex(of: name) { return i } }
        return nil
    }

    private static func split(_ line: String, _ separator: Character) -> [String] {
        guard separator == "," && line.contains("\"") else {
            return line.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        }
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { cell.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == separator {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(c)
            }
        }
        cells.append(cell)
        return cells
    }

    /// Expert ids named by a column of subset keys (see `SubsetCodec`): ids split on `+` when any
    /// key uses it, otherwise single characters (or the one key, for a one-expert table).
    static func expertIDs(keys: [String]) -> [String] {
        let cleaned = keys.map { $0 == "-" ? "" : $0 }
        var ids: [String] = []
        var seen = Set<String>()
        func add(_ id: String) { if !id.isEmpty && seen.insert(id).inserted { ids.append(id) } }
        if cleaned.contains(where: { $0.contains("+") }) {
            // Singletons first, in row order, so bit order follows the table's expert rows.
            for key in cleaned where !key.contains("+") { add(key) }
            for key in cleaned { for token in key.split(separator: "+") { add(String(token).trimmingWhitespace()) } }
        } else {
            let nonEmpty = Set(cleaned.filter { !$0.isEmpty })
            if nonEmpty.count == 1, let only = nonEmpty.first { return [only] }
            for key in cleaned where key.count == 1 { add(key) }
            for key in cleaned { for c in key { add(String(c)) } }
        }
        return ids
    }
}

/// Parses a number cell; throws naming the file and field.
func parseNumber(_ text: String, file: String, field: String) throws(ProfileError) -> Double {
    guard let value = Double(text.trimmingWhitespace()), value.isFinite else {
        throw ProfileError(file: file, field: field, "'\(text)' is not a finite number")
    }
    return value
}

/// A profile type readable both as JSON and as a TSV/CSV table.
public protocol ProfileFormat {
    init(json data: Data, file: String) throws(ProfileError)
    init(table text: String, file: String) throws(ProfileError)
}

extension ProfileFormat {
    /// Parses JSON (when the text starts with `{`) or a TSV/CSV table; `file` names it in errors.
    public init(data: Data, file: String) throws(ProfileError) {
        let text = String(decoding: data, as: UTF8.self)
        if text.trimmingWhitespace().hasPrefix("{") {
            try self.init(json: data, file: file)
        } else {
            try self.init(table: text, file: file)
        }
    }
}
