/// Process exit codes shared by every `cascadia` subcommand (BSD sysexits).
///
/// The CLI maps each domain error to one of these; scripts and systemd rely on them.
public enum ExitCode: Int32, Sendable {
    /// Success.
    case ok = 0
    /// Anything not covered below.
    case failure = 1
    /// Bad command line (EX_USAGE).
    case usage = 64
    /// Bad input data: malformed profile, corrupt model, truncated recording (EX_DATAERR).
    case data = 65
    /// A device or service is unavailable: missing ALSA card, no gpiochip (EX_UNAVAILABLE).
    case unavailable = 69
    /// Bad configuration: board file, unit settings (EX_CONFIG).
    case config = 78
}

/// An error the CLI can report as one line and map to an exit code.
public protocol CascadiaError: Error, CustomStringConvertible {
    /// The exit code the CLI uses for this error.
    var exitCode: ExitCode { get }
}
