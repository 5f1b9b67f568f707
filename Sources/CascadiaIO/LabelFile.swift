import Foundation

/// One labelled interval of a recording: `start_s,end_s,class`, seconds from its first sample.
public struct Label: Sendable, Equatable {
    public var startSeconds: Double
    public var endSeconds: Double
    public var className: String

    public init(startSeconds: Double, endSeconds: Double, className: String) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.className = className
    }
}

/// Label files (CSV `start_s,end_s,class`) that sit beside recordings.
public enum LabelFile {
    /// The label file for `recording`, if one exists: `<name>.labels.csv`, `<name>.csv`, or
    /// `labels.csv` in the same directory, in that order (`<name>` is the path without extension).
    public static func path(besides recording: String) -> String? {
        let url = URL(fileURLWithPath: recording)
        let stem = url.deletingPathExtension().path
        let candidates = [
            stem + ".labels.csv", stem + ".csv",
            url.deletingLastPathComponent().appendingPathComponent("labels.csv").path,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Parses a label file. An optional header line (`start_s,end_s,class`), blank lines and lines
    /// starting with `#` are skipped. Throws `IOError.badData` naming `path:line` for anything else
    /// that is not `start,end,class` with 0 ≤ start < end.
    public static func load(_ path: String) throws -> [Label] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw IOError.badData(path, "cannot read label file as UTF-8 text") }
        return try parse(text, path: path)
    }

    /// Parses label CSV text; `path` names the source in errors.
    public static func parse(_ text: String, path: String) throws -> [Label] {
        var labels: [Label] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if index == 0 && fields.first.flatMap({ Double($0) }) == nil { continue }  // header
            let place = "\(path):\(index + 1)"
            guard fields.count == 3 else {
                throw IOError.badData(place, "expected start_s,end_s,class, found \(fields.count) fields")
            }
            guard let start = Double(fields[0]), let end = Double(fields[1]), start.isFinite, end.isFinite else {
                throw IOError.badData(place, "start_s and end_s must be numbers")
            }
            guard start >= 0, end > start else {
                throw IOError.badData(place, "need 0 ≤ start_s < end_s, found \(fields[0]),\(fields[1])")
            }
            guard !fields[2].isEmpty else { throw IOError.badData(place, "empty class") }
            labels.append(Label(startSeconds: start, endSeconds: end, className: fields[2]))
        }
        return labels
    }
}
