/// A profile that cannot be used: malformed file, missing or out-of-range field (exit 65).
///
/// `file` is the name the caller gave when loading (a path or `<stdin>`); `field` names the
/// offending entry in JSON-path style, e.g. `subsets["AB"].fn` or `experts[2].id`.
public struct ProfileError: CascadiaError, Equatable {
    public let file: String
    public let field: String
    public let message: String

    public init(file: String, field: String, _ message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var exitCode: ExitCode { .data }

    public var description: String {
        field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)"
    }
}

/// A planning request that cannot be satisfied or is malformed.
public enum PlanError: CascadiaError, Equatable {
    /// No plan meets the constraints; the message names the constraint that cannot be met (exit 65).
    case infeasible(String)
    /// A planner parameter out of range, e.g. a negative budget (exit 64).
    case invalidParameter(name: String, String)
    /// A plan file that cannot be read back (exit 65).
    case malformedPlan(file: String, String)

    public var exitCode: ExitCode {
        switch self {
        case .infeasible, .malformedPlan: .data
        case .invalidParameter: .usage
        }
    }

    public var description: String {
        switch self {
        case .infeasible(let reason): "no feasible plan: \(reason)"
        case .invalidParameter(let name, let reason): "\(name): \(reason)"
        case .malformedPlan(let file, let reason): "\(file): \(reason)"
        }
    }
}
