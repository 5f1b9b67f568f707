// CascadiaRuntime: see docs/architecture.md.
@_exported import CascadiaCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Journald-friendly logging to standard error.
///
/// Under systemd (the `JOURNAL_STREAM` variable names standard error's device and inode)
/// every line starts with the syslog priority prefix `<N>` (sd-daemon(3)), which journald
/// strips and stores as the entry's priority; elsewhere lines start with a word
/// (`error: `, `warning: `) so a terminal stays readable. Each line is written with one
/// `write(2)`, so lines from different threads never interleave.
///
/// Threading: every method may be called from any thread. Not real-time safe (it formats
/// and allocates): the per-window path must count events and let a non-real-time thread
/// log them.
public struct Log: Sendable {
    /// Syslog priorities (`<N>` values), most severe first.
    public enum Priority: Int32, Sendable, Comparable, CaseIterable {
        case emergency = 0, alert, critical, error, warning, notice, info, debug

        /// The word used when standard error is not the journal.
        public var word: String {
            switch self {
            case .emergency: "emergency"
            case .alert: "alert"
            case .critical: "critical"
            case .error: "error"
            case .warning: "warning"
            case .notice: "notice"
            case .info: "info"
            case .debug: "debug"
            }
        }

        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The least severe priority written; lines below it are dropped.
    public var threshold: Priority
    /// Whether lines carry `<N>` prefixes (true when standard error is the journal).
    public var journalPrefixes: Bool
    /// The file descriptor lines go to (2, standard error, unless a test redirects it).
    public var fileDescriptor: Int32

    /// A logger writing to `fileDescriptor` at or above `threshold`.
    public init(threshold: Priority = .info, journalPrefixes: Bool, fileDescriptor: Int32 = 2) {
        self.threshold = threshold
        self.journalPrefixes = journalPrefixes
        self.fileDescriptor = fileDescriptor
    }

    /// The process's standard-error logger: prefixes when `JOURNAL_STREAM` is set (systemd
    /// sets it when standard error is connected to journald), threshold from
    /// `CASCADIA_LOG_LEVEL` (`debug`, `info`, `notice`, `warning`, `error`) or `info`.
    public static func standardError() -> Log {
        let journal = getenv("JOURNAL_STREAM") != nil
        var threshold = Priority.info
        if let raw = getenv("CASCADIA_LOG_LEVEL"),
            let level = Priority.allCases.first(where: { $0.word == String(cString: raw) })
        {
            threshold = level
        }
        return Log(threshold: threshold, journalPrefixes: journal)
    }

    /// Formats one line (with its newline): `<N>message` or `word: message`. Embedded
    /// newlines become spaces so one call is one journal entry.
    public func format(_ priority: Priority, _ message: String) -> String {
        let flat = message.contains("\n") ? message.split(separator: "\n").joined(separator: " ") : message
        if journalPrefixes { return "<\(priority.rawValue)>\(flat)\n" }
        return priority <= .warning ? "\(priority.word): \(flat)\n" : "\(flat)\n"
    }

    /// Writes `message` at `priority` if it passes the threshold.
    public func log(_ priority: Priority, _ message: @autoclosure () -> String) {
        guard priority <= threshold else { return }
        let line = format(priority, message())
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func notice(_ message: @autoclosure () -> String) { log(.notice, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
}
