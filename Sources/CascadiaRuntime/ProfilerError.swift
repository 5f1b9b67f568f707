import CascadiaCore

/// Why `cascadia profile` cannot measure or write a profile; one line naming the file or option.
public struct ProfilerError: CascadiaError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Recordings, labels or models that do not fit together (exit 65).
        case data
        /// Behaviour was requested from recordings without labels (exit 65).
        case unlabeled
        /// The CPU to pin to cannot be used (exit 69).
        case unavailable
        /// An output file cannot be written (exit 1).
        case output
    }

    public let kind: Kind
    /// The file, directory or option concerned.
    public let subject: String
    public let reason: String

    public init(_ kind: Kind, _ subject: String, _ reason: String) {
        self.kind = kind
        self.subject = subject
        self.reason = reason
    }

    public var description: String { "\(subject): \(reason)" }

    public var exitCode: ExitCode {
        switch kind {
        case .data, .unlabeled: .data
        case .unavailable: .unavailable
        case .output: .failure
        }
    }
}
