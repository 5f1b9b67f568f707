import Foundation

/// What a plan is for: an OR-fused hazard batch or an IDK cascade.
public enum PlanKind: String, Codable, Sendable {
    case hazard
    case idk
}

/// How a hazard plan bounds its latency.
public enum HazardPolicy: String, Codable, Sendable, CaseIterable {
    /// All chosen experts' WCET < L: no escape needed.
    case `static`
    /// Chosen experts' TCET < L, made safe at run time by escape sets.
    case typical
    /// A path in the DAG of subsets, each edge checked against L with its escape set.
    case adaptive
}

/// Which dependence model an IDK plan was chosen under.
public enum IDKAssumption: String, Codable, Sendable, CaseIterable {
    /// Arbitrary dependences: the profile's Prob-S table (the truth).
    case arbitrary
    /// Experts classify independently: P̂[S] = 1 − Π(1 − P_i).
    case independent
    /// Fully dependent experts: P̂[S] = max P_i.
    case fullyDependent = "fully-dependent"
}

/// An expert of the profile as the plan names it, with the times the plan was computed from.
public struct PlanExpert: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var wcetMs: Double
    /// TCET (hazard) or average time (IDK), milliseconds.
    public var typicalMs: Double

    public init(id: String, name: String, wcetMs: Double, typicalMs: Double) {
        self.id = id
        self.name = name
        self.wcetMs = wcetMs
        self.typicalMs = typicalMs
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case wcetMs = "wcet_ms"
        case typicalMs = "typical_ms"
    }
}

/// An edge P → Q of an adaptive hazard schedule with its slack L − (TCET(P) + WCET(Q−P) + WCET(ESCAP(Q))).
public struct PlanEdge: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var slackMs: Double

    public init(from: String, to: String, slackMs: Double) {
        self.from = from
        self.to = to
        self.slackMs = slackMs
    }

    enum CodingKeys: String, CodingKey {
        case from, to
        case slackMs = "slack_ms"
    }
}

/// One step of a latency CDF: P(duration ≤ ms) = p.
public struct CDFPoint: Codable, Sendable, Equatable {
    public var ms: Double
    public var p: Double

    public init(ms: Double, p: Double) {
        self.ms = ms
        self.p = p
    }
}

/// A plan file: what `cascadia plan` writes and the runtime executes.
///
/// Subsets are written as keys (`"A+C"`, or `"AC"` when every id is one character; `""` is the
/// empty set). The runtime runs `stages` in order; before each stage it checks
/// elapsed + WCET(stage) + WCET(escape[done ∪ stage]) ≤ budget and otherwise runs
/// `escape[done]`. Hazard plans stop at the first "hazard"; IDK plans at the first non-IDK answer.
/// Optional fields are absent (not null) when they do not apply. Schema: docs/planner.md.
public struct Plan: Codable, Sendable, Equatable {
    /// The plan-file format tag, `"cascadia-plan/1"`.
    public static let currentFormat = "cascadia-plan/1"

    public var format: String = Plan.currentFormat
    public var kind: PlanKind
    /// Hazard plans only.
    public var policy: HazardPolicy?
    /// IDK plans only.
    public var assume: IDKAssumption?
    /// Every expert of the profile, in profile (bit) order.
    public var catalog: [PlanExpert]
    /// Hazard: the chosen final set (ids in profile order). IDK: the chosen experts in run order.
    public var experts: [String]
    /// Expert ids grouped into the stages the runtime runs, in order.
    public var stages: [[String]]
    /// IDK: the run order (ids).
    public var order: [String]?
    /// Hazard: every subset key → its escape set's key (for `max_fn`).
    public var escape: [String: String]?
    /// Adaptive hazard: subset keys from `""` to the leaf.
    public var path: [String]?
    /// Adaptive hazard: the path's edges with their slack.
    public var edges: [PlanEdge]?
    /// IDK: a fixed Dynamic-k skip-back factor for the runtime (SPEC §4.3); absent: the runtime
    /// learns k online. The command line and `cascadia ctl set k` override it.
    public var k: Int?

    // Constraints the plan was made for.
    public var budgetMs: Double?
    public var maxFN: Double?
    public var minSuccess: Double?
    public var deadlineMs: Double?

    // Predictions.
    public var fp: Double?
    public var fn: Double?
    public var wcetMs: Double?
    public var tcetMs: Double?
    /// Predicted expected duration (IDK: under the profile's Prob-S, i.e. the truth).
    public var expectedMs: Double?
    /// IDK: what the assumption predicts for its own choice.
    public var estimatedMs: Double?
    /// Predicted typical duration.
    public var typicalMs: Double?
    /// Predicted worst-case duration (the bound the plan guarantees).
    public var worstMs: Double?
    /// IDK: Prob-A of the chosen set under the profile (the truth).
    public var success: Double?
    /// IDK: Prob-A of the chosen set as the assumption estimates it.
    public var estimatedSuccess: Double?
    /// IDK: CDF of the duration with experts taking their typical times.
    public var cdf: [CDFPoint]?
    /// Why this plan: one sentence per line.
    public var explanation: [String]

    public init(
        kind: PlanKind, policy: HazardPolicy? = nil, assume: IDKAssumption? = nil,
        catalog: [PlanExpert], experts: [String], stages: [[String]], explanation: [String] = []
    ) {
        self.kind = kind
        self.policy = policy
        self.assume = assume
        self.catalog = catalog
        self.experts = experts
        self.stages = stages
        self.explanation = explanation
    }

    enum CodingKeys: String, CodingKey {
        case format, kind, policy, assume, catalog, experts, stages, order, escape, path, edges, k
        case budgetMs = "budget_ms"
        case maxFN = "max_fn"
        case minSuccess = "min_success"
        case deadlineMs = "deadline_ms"
        case fp, fn
        case wcetMs = "wcet_ms"
        case tcetMs = "tcet_ms"
        case expectedMs = "expected_ms"
        case estimatedMs = "estimated_ms"
        case typicalMs = "typical_ms"
        case worstMs = "worst_ms"
        case success
        case estimatedSuccess = "estimated_success"
        case cdf, explanation
    }

    /// The plan as pretty-printed JSON with sorted keys (deterministic bytes).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a plan file; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(PlanError) -> Plan {
        let plan: Plan
        do {
            plan = try JSONDecoder().decode(Plan.self, from: data)
        } catch let error as DecodingError {
            var field = ""
            var context: DecodingError.Context?
            switch error {
            case .keyNotFound(let key, let c): field = key.stringValue; context = c
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
            @unknown default: break
            }
            let path = (context?.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue } ?? []) + (field.isEmpty ? [] : [field])
            throw .malformedPlan(file: file, path.isEmpty ? "malformed plan JSON" : "field \(path.joined(separator: ".")): missing or invalid")
        } catch {
            throw .malformedPlan(file: file, "malformed plan JSON")
        }
        guard plan.format == currentFormat else {
            throw .malformedPlan(file: file, "format '\(plan.format)' is not '\(currentFormat)'")
        }
        let ids = Set(plan.catalog.map(\.id))
        for id in plan.experts + plan.stages.flatMap({ $0 }) + (plan.order ?? []) where !ids.contains(id) {
            throw .malformedPlan(file: file, "expert '\(id)' is not in the catalog")
        }
        if let k = plan.k {
            guard plan.kind == .idk else { throw .malformedPlan(file: file, "field k: only IDK plans have a skip-back factor") }
            guard k >= 0 else { throw .malformedPlan(file: file, "field k: \(k) is negative") }
        }
        return plan
    }
}
