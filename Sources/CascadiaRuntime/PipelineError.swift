/// Errors of setting up the window pipeline: experts missing for the plan, recordings or
/// sources that do not feed what the experts read, labels with unknown classes.
public struct PipelineError: CascadiaError, Equatable {
    /// What the error is about (a file, a directory, a field).
    public let subject: String
    /// What is wrong.
    public let reason: String
    public let exitCode: ExitCode

    public init(_ subject: String, _ reason: String, exitCode: ExitCode) {
        self.subject = subject
        self.reason = reason
        self.exitCode = exitCode
    }

    public var description: String { "\(subject): \(reason)" }
}
