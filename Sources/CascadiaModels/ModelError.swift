import CascadiaCore

/// A model file that cannot be used: unreadable, malformed, truncated, oversized or inconsistent.
///
/// The description is one line naming the file and the problem; the CLI exits with 65 (data error).
public struct ModelError: CascadiaError, Equatable {
    /// The path of the model file as the caller gave it.
    public let file: String
    /// What is wrong, naming the tensor, layer or field concerned.
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
    public var exitCode: ExitCode { .data }
}

/// A problem found while decoding, before the file name is attached.
struct FormatProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
