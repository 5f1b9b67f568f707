/// Errors of the executor's set-up: a schedule that does not fit the loaded experts, a bad
/// fault-injection argument, a bad live change.
public enum ExecutorError: CascadiaError, Equatable {
    /// A schedule field is inconsistent (names the field and the problem).
    case invalidSchedule(field: String, problem: String)
    /// A command-line option value is malformed (names the option).
    case invalidOption(option: String, value: String, problem: String)
    /// A live change (k, thresholds, plan) was rejected.
    case invalidChange(String)

    public var exitCode: ExitCode {
        switch self {
        case .invalidSchedule: .config
        case .invalidOption: .usage
        case .invalidChange: .usage
        }
    }

    public var description: String {
        switch self {
        case .invalidSchedule(let field, let problem): "plan: \(field): \(problem)"
        case .invalidOption(let option, let value, let problem): "\(option) '\(value)': \(problem)"
        case .invalidChange(let message): "live change rejected: \(message)"
        }
    }
}
