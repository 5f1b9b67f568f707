/// The executor's command-line options, shared by `cascadia replay` and `cascadia run`:
///
///     --k N | --k learned[:MAX]     skip-back factor for IDK plans (default: the plan's / learned)
///     --no-escape                   deadline monitor off (no checks, cuts or escape sets)
///     --inject-delay EXPERT:MS[:PROB]   repeatable; see `FaultInjection`
///     --seed N                      PRNG seed of the fault injector (default 1)
///     --summary text|json           end-of-run summary format (default text)
///
/// `parse` consumes these and returns every other argument untouched, in order.
public struct ExecutorOptions: Sendable, Equatable {
    public enum SummaryFormat: String, Sendable, Equatable {
        case text, json
    }

    public var skipBack: SkipBack?
    public var escapeEnabled = true
    /// `--inject-delay` values as written; resolved against expert names by `faults(expertNames:)`.
    public var injectDelays: [String] = []
    public var seed: UInt64 = 1
    public var summary: SummaryFormat = .text

    public init() {}

    /// Splits `arguments` into executor options and the rest.
    public static func parse(_ arguments: [String]) throws(ExecutorError) -> (options: ExecutorOptions, rest: [String]) {
        var options = ExecutorOptions()
        var rest: [String] = []
        var index = 0
        func value(_ option: String) throws(ExecutorError) -> String {
            index += 1
            guard index < arguments.count else {
                throw .invalidOption(option: option, value: "", problem: "needs a value")
            }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--k":
                options.skipBack = try parseSkipBack(try value(argument))
            case "--no-escape":
                options.escapeEnabled = false
            case "--inject-delay":
                options.injectDelays.append(try value(argument))
            case "--seed":
                let text = try value(argument)
                guard let seed = UInt64(text) else {
                    throw .invalidOption(option: argument, value: text, problem: "must be an unsigned integer")
                }
                options.seed = seed
            case "--summary":
                let text = try value(argument)
                guard let format = SummaryFormat(rawValue: text) else {
                    throw .invalidOption(option: argument, value: text, problem: "must be text or json")
                }
                options.summary = format
            default:
                rest.append(argument)
            }
            index += 1
        }
        return (options, rest)
    }

    /// `N` (fixed k ≥ 0), `learned` (0…n−1, capped by the cascade) or `learned:MAX`.
    public static func parseSkipBack(_ text: String) throws(ExecutorError) -> SkipBack {
        if let k = Int(text), k >= 0, k <= 64 { return .fixed(k) }
        if text == "learned" { return .learned(maxK: 64) }
        if text.hasPrefix("learned:"), let maxK = Int(text.dropFirst("learned:".count)), maxK >= 0, maxK <= 64 {
            return .learned(maxK: maxK)
        }
        throw .invalidOption(option: "--k", value: text, problem: "must be 0…64, 'learned' or 'learned:MAX'")
    }

    /// The `--inject-delay` faults resolved against the loaded experts' names.
    public func faults(expertNames: [String]) throws(ExecutorError) -> [FaultInjection] {
        var faults: [FaultInjection] = []
        for spec in injectDelays { faults.append(try FaultInjection.parse(spec, expertNames: expertNames)) }
        return faults
    }
}
