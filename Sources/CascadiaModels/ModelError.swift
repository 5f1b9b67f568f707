import CascadiaCore

/// A model file that cannot be used: unreadable, malformed, truncated, oversized or inconsistent.
///
/// The description is one line naming the file and the problem; the CLI exits with 65 (data error).
public struct ModelError: CascadiaError, Equatable {
    /// The path of the model file as the caller gave it.
    public let file: String
    /// What is wrong, naming the tensor, layer or field concerned.
    public let problem: String

    /// Control characters in either part (they can come from the file) are escaped so the
    /// description stays one line.
    public init(file: String, problem: String) {
        self.file = Self.oneLine(file)
        self.problem = Self.oneLine(problem)
    }

    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F {
                out += "\\u{\(String(u.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    public var description: String { "\(file): \(problem)" }
    public var exitCode: ExitCode { .data }
}

/// A problem found while decoding, before the file name is attached.
struct FormatProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
