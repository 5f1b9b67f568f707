import CascadiaCore
import CascadiaRuntime
import Foundation

/// `cascadia plan hazard|idk|pareto …`: synthesizes a plan from a profile and prints or writes it.
enum PlanCommand: Command {
    static let name = "plan"
    static let summary = "synthesize a cascade plan from a profile (hazard, idk, pareto)"

    static let usage = """
        usage: cascadia plan hazard --profile FILE --max-fn H --budget-ms L [--policy static|typical|adaptive] [--format text|json] [--out FILE]
               cascadia plan idk    --profile FILE --min-success P [--deadline-ms D] [--assume arbitrary|independent|fully-dependent] [--k N] [--format text|json] [--out FILE]
               cascadia plan pareto --profile FILE --max-fn H [--policy static|typical|adaptive] [--format text|json|svg] [--out FILE]

        Run 'cascadia plan <kind> --help' for details. Exit codes: 0 ok, 64 usage, 65 bad profile or no feasible plan.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        guard let kind = arguments.first else {
            writeStderr(usage + "\n")
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        switch kind {
        case "--help", "-h", "help":
            print(usage)
            return .ok
        case "hazard": return try PlanHazard.run(rest)
        case "idk": return try PlanIDK.run(rest)
        case "pareto": return try PlanPareto.run(rest)
        default: throw UsageError("unknown plan kind '\(kind)' (hazard, idk or pareto)\n" + usage)
        }
    }
}

/// Output format of the plan subcommands.
enum PlanFormat: String {
    case text, json
    /// A picture (SVG); only `plan pareto` draws one.
    case svg
}

/// `--name value` / `--name=value` options with a fixed set of allowed names.
struct PlanOptions {
    private var values: [String: String] = [:]
    let help: Bool

    init(_ arguments: [String], allowed: [String]) throws {
        var help = false
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if argument == "--help" || argument == "-h" { help = true; continue }
            guard argument.hasPrefix("--") else { throw UsageError("unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2)), value: String
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            } else {
                guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                value = arguments[i]
                i += 1
            }
            guard allowed.contains(name) else { throw UsageError("unknown option --\(name)") }
            guard values[name] == nil else { throw UsageError("--\(name) given twice") }
            values[name] = value
        }
        self.help = help
    }

    func string(_ name: String) -> String? { values[name] }

    func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw UsageError("missing --\(name)") }
        return value
    }

    func number(_ name: String) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite else { throw UsageError("--\(name): '\(text)' is not a number") }
        return value
    }

    func requiredNumber(_ name: String) throws -> Double {
        _ = try required(name)
        return try number(name)!
    }

    func choice<T: RawRepresentable>(_ name: String, default value: T) throws -> T where T.RawValue == String {
        guard let text = values[name] else { return value }
        guard let parsed = T(rawValue: text) else { throw UsageError("--\(name): '\(text)' is not a valid choice") }
        return parsed
    }

    var format: PlanFormat { get throws { try choice("format", default: PlanFormat.text) } }

    /// `format`, refusing `svg` for the subcommands that have no picture.
    var textOrJSON: PlanFormat {
        get throws {
            let format = try format
            guard format != .svg else { throw UsageError("--format svg is only available for 'cascadia plan pareto'") }
            return format
        }
    }

    /// Reads the `--profile` file's bytes.
    func profileData() throws -> (Data, String) {
        let path = try required("profile")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProfileError(file: path, field: "", "cannot read the file")
        }
        return (data, path)
    }

    /// Prints `json` or `text` per `--format` (`svg` prints `text`) and writes `json` to `--out` when
    /// given (`plan pareto --format svg` passes the SVG as both).
    func emit(json: Data, text: () -> String) throws {
        if let out = values["out"] {
            do { try json.write(to: URL(fileURLWithPath: out)) } catch {
                throw PlanOutputError(path: out)
            }
        }
        switch try format {
        case .json: print(String(decoding: json, as: UTF8.self))
        case .text, .svg: print(text(), terminator: "")
        }
    }
}

/// The `--out` file could not be written (exit 1, names the file).
struct PlanOutputError: CascadiaError {
    let path: String
    var description: String { "\(path): cannot write the plan file" }
    var exitCode: ExitCode { .failure }
}

enum PlanHazard {
    static let help = """
        usage: cascadia plan hazard --profile FILE --max-fn H --budget-ms L [--policy static|typical|adaptive] [--format text|json] [--out FILE]

        Chooses the OR-fused set of experts with the lowest false-positive rate such that FN < H and
          static    WCET(S) < L (one batch, no escape needed; default)
          typical   TCET(S) < L, made safe at run time by escape sets (needs WCET(escape[∅]) ≤ L)
          adaptive  a path ∅ → … → S in the DAG of subsets; an edge P → Q exists when
                    TCET(P) + WCET(Q−P) + WCET(escape[Q]) ≤ L; S is the reachable leaf (FN < H) of least FP
        The escape set of S is the subset X of the other experts of least WCET with FN(S ∪ X) < H.

        --profile FILE   hazard profile: JSON or a TSV/CSV table (docs/planner.md)
        --max-fn H       FN bound, 0 < H ≤ 1 (strict: FN < H)
        --budget-ms L    latency budget in milliseconds
        --format F       text (default) or json (the plan file)
        --out FILE       also write the plan file (JSON) to FILE
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let options = try PlanOptions(arguments, allowed: ["profile", "max-fn", "budget-ms", "policy", "format", "out"])
        if options.help { print(help); return .ok }
        let maxFN = try options.requiredNumber("max-fn")
        let budget = try options.requiredNumber("budget-ms")
        let policy = try options.choice("policy", default: HazardPolicy.static)
        _ = try options.textOrJSON
        let (data, file) = try options.profileData()
        let profile = try HazardProfile(data: data, file: file)
        let planner = try HazardPlanner(profile: profile, maxFN: maxFN)
        let plan: Plan
        switch policy {
        case .static: plan = try planner.staticPlan(budgetMs: budget)
        case .typical: plan = try planner.typicalPlan(budgetMs: budget)
        case .adaptive: plan = try planner.adaptivePlan(budgetMs: budget)
        }
        try options.emit(json: plan.jsonData()) { PlanText.hazard(plan, planner: planner, file: file) }
        return .ok
    }
}

enum PlanIDK {
    static let help = """
        usage: cascadia plan idk --profile FILE --min-success P [--deadline-ms D] [--assume arbitrary|independent|fully-dependent] [--k N] [--format text|json] [--out FILE]

        Chooses and orders experts to minimize the expected time to a successful (non-IDK) answer,
        Σ C_i·(1 − P̂[{K1..K(i−1)}]), subject to P̂[chosen] ≥ P and, with --deadline-ms, Σ WCET ≤ D.
        P̂ (Prob-A) comes from the profile's Prob-S table (arbitrary dependences, default) or from
        the experts' marginal successes under the independent (1 − Π(1 − P_i)) or fully-dependent
        (max P_i) assumption; expected_ms is always the truth under Prob-S, estimated_ms the model's.

        --profile FILE     IDK profile: JSON or a TSV/CSV table (docs/planner.md)
        --min-success P    minimum probability that some chosen expert classifies, 0 < P ≤ 1
        --deadline-ms D    hard deadline on the worst case (sum of the chosen experts' WCET)
        --assume A         arbitrary (default), independent or fully-dependent
        --k N              write a fixed Dynamic-k skip-back factor N ≥ 0 into the plan (default:
                           none, the runtime learns k; docs/runtime.md "Choosing k")
        --format F         text (default) or json (the plan file)
        --out FILE         also write the plan file (JSON) to FILE
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        let options = try PlanOptions(arguments, allowed: ["profile", "min-success", "deadline-ms", "assume", "k", "format", "out"])
        if options.help { print(help); return .ok }
        let minSuccess = try options.requiredNumber("min-success")
        var k: Int?
        if let text = options.string("k") {
            guard let value = Int(text), value >= 0 else { throw UsageError("--k: '\(text)' is not a whole number ≥ 0") }
            k = value
        }
        let deadline = try options.number("deadline-ms")
        let assume = try options.choice("assume", default: IDKAssumption.arbitrary)
        _ = try options.textOrJSON
        let (data, file) = try options.profileData()
        let profile = try IDKProfile(data: data, file: file)
        let planner = IDKPlanner(profile: profile)
        var plan = try planner.plan(minSuccess: minSuccess, deadlineMs: deadline, assume: assume)
        plan.k = k
        let others = IDKAssumption.allCases.map { a in (a, Result { try planner.plan(minSuccess: minSuccess, deadlineMs: deadline, assume: a) }) }
        try options.emit(json: plan.jsonData()) { PlanText.idk(plan, comparison: others, file: file) }
        return .ok
    }
}

enum PlanPareto {
    static let help = """
        usage: cascadia plan pareto --profile FILE --max-fn H [--policy static|typical|adaptive] [--format text|json] [--out FILE]

        Prints the Pareto front of false-positive rate against latency budget L for FN < H: each row
        is the best subset for every L above its budget_ms (static: WCET(S); typical:
        max(TCET(S), WCET(escape[∅]))) or, for adaptive, at or above it (the least L at which the
        DAG reaches that leaf), up to the next row.

        --profile FILE   hazard profile: JSON or a TSV/CSV table (docs/planner.md)
        --max-fn H       FN bound, 0 < H ≤ 1
        --policy P       static (default), typical or adaptive
        --format F       text (default), json, or svg (a step plot of FP against L, each step
                         labelled with its expert set)
        --out FILE       also write the front to FILE (JSON; the SVG with --format svg)
        """

    struct Output: Encodable {
        var policy: HazardPolicy
        var maxFN: Double
        var front: [ParetoPoint]
        enum CodingKeys: String, CodingKey {
            case policy, front
            case maxFN = "max_fn"
        }
    }

    static func run(_ arguments: [String]) throws -> ExitCode {
        let options = try PlanOptions(arguments, allowed: ["profile", "max-fn", "policy", "format", "out"])
        if options.help { print(help); return .ok }
        let maxFN = try options.requiredNumber("max-fn")
        let policy = try options.choice("policy", default: HazardPolicy.static)
        _ = try options.format
        let (data, file) = try options.profileData()
        let profile = try HazardProfile(data: data, file: file)
        let planner = try HazardPlanner(profile: profile, maxFN: maxFN)
        let front = try planner.paretoFront(policy: policy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(Output(policy: policy, maxFN: maxFN, front: front))
        if try options.format == .svg {
            let separator = profile.codec.singleCharacterIDs ? "" : "+"
            let svg = ProfilerPlot.paretoFront(
                budgetsMs: front.map(\.budgetMs), fp: front.map(\.fp),
                labels: front.map { $0.experts.isEmpty ? "∅" : $0.experts.joined(separator: separator) },
                title: "Pareto front: FP against budget (\(policy.rawValue), FN < \(PlanText.num(maxFN)))")
            try options.emit(json: Data(svg.utf8)) { svg }  // --out gets the picture too
            return .ok
        }
        try options.emit(json: json) { PlanText.pareto(front, policy: policy, maxFN: maxFN, profile: profile, file: file) }
        return .ok
    }
}
