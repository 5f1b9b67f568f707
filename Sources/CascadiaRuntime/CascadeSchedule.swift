/// The skip-back factor k of Dynamic-k (SPEC §4.3).
public enum SkipBack: Sendable, Equatable {
    /// Start every window at max(b − k, 0). `fixed(0)` is algorithm Dynamic.
    case fixed(Int)
    /// Choose k per window by the learning rule of docs/runtime.md, among 0...maxK.
    case learned(maxK: Int)
}

/// One OR-fused batch on the adaptive path of a hazard plan.
public struct HazardStage: Sendable, Equatable {
    /// Experts this stage adds to the node (Q − P), run in this order.
    public var experts: [Int]
    /// ESCAP(Q): experts to run if the plan is abandoned after this stage completes.
    public var escape: [Int]

    public init(experts: [Int], escape: [Int]) {
        self.experts = experts
        self.escape = escape
    }
}

/// What the executor runs: the runtime's validated view of a plan file.
///
/// Expert numbers index the runner's expert table. Times are per expert; a set's time is the
/// sum of its members' (experts run one after another on one core, SPEC §4).
public struct CascadeSchedule: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// OR-fused batches along an adaptive path; `initialEscape` is ESCAP(∅).
        case hazard(stages: [HazardStage], initialEscape: [Int])
        /// An IDK cascade K1..Kn run with Dynamic-k across windows.
        case idk(order: [Int], skipBack: SkipBack)
    }

    /// Name shown in output (the plan file's name or id).
    public var name: String
    public var mode: Mode
    /// Latency budget L from window completion; nil means no deadline (IDK plans only).
    public var budgetNanoseconds: UInt64?
    /// Worst-case execution time per expert (indexed like the runner's experts).
    public var wcetNanoseconds: [UInt64]
    /// Typical-case execution time per expert; Dynamic-k's learning rule prices experts by it.
    public var tcetNanoseconds: [UInt64]
    /// The planner's predicted expected duration per window, for the summary.
    public var predictedExpectedNanoseconds: UInt64?
    /// Hazard plans: ESCAP(S) for any set S of finished experts (bit masks), when the plan
    /// lists them; the monitor then falls back to the escape set of exactly what finished.
    /// Sets absent here fall back to the escape of the last completed node, minus what ran.
    public var subsetEscapes: [UInt64: UInt64] = [:]

    public init(
        name: String, mode: Mode, budgetNanoseconds: UInt64?, wcetNanoseconds: [UInt64],
        tcetNanoseconds: [UInt64], predictedExpectedNanoseconds: UInt64? = nil
    ) {
        self.name = name
        self.mode = mode
        self.budgetNanoseconds = budgetNanoseconds
        self.wcetNanoseconds = wcetNanoseconds
        self.tcetNanoseconds = tcetNanoseconds
        self.predictedExpectedNanoseconds = predictedExpectedNanoseconds
    }

    /// Largest number of experts a schedule may address (one bit each in a 64-bit mask).
    public static let maxExperts = 64

    /// Checks every index, duplicate and time against `expertCount` experts.
    public func validate(expertCount: Int) throws(ExecutorError) {
        guard expertCount > 0 && expertCount <= Self.maxExperts else {
            throw .invalidSchedule(field: "experts", problem: "\(expertCount) experts; 1...\(Self.maxExperts) supported")
        }
        guard wcetNanoseconds.count == expertCount else {
            throw .invalidSchedule(field: "wcet", problem: "\(wcetNanoseconds.count) entries for \(expertCount) experts")
        }
        guard tcetNanoseconds.count == expertCount else {
            throw .invalidSchedule(field: "tcet", problem: "\(tcetNanoseconds.count) entries for \(expertCount) experts")
        }
        for e in 0..<expertCount where tcetNanoseconds[e] > wcetNanoseconds[e] {
            throw .invalidSchedule(field: "tcet[\(e)]", problem: "TCET \(tcetNanoseconds[e]) ns exceeds WCET \(wcetNanoseconds[e]) ns")
        }
        func check(_ list: [Int], _ field: String) throws(ExecutorError) {
            var seen: UInt64 = 0
            for e in list {
                guard e >= 0 && e < expertCount else {
                    throw .invalidSchedule(field: field, problem: "expert \(e) out of range 0..<\(expertCount)")
                }
                guard seen & (1 << UInt64(e)) == 0 else {
                    throw .invalidSchedule(field: field, problem: "expert \(e) listed twice")
                }
                seen |= 1 << UInt64(e)
            }
        }
        switch mode {
        case .hazard(let stages, let initialEscape):
            guard budgetNanoseconds != nil else {
                throw .invalidSchedule(field: "budget", problem: "a hazard plan needs a budget")
            }
            guard !stages.isEmpty else { throw .invalidSchedule(field: "stages", problem: "empty") }
            try check(initialEscape, "escape[initial]")
            try check(stages.flatMap(\.experts), "stages")
            let all: UInt64 = expertCount == 64 ? .max : (1 << UInt64(expertCount)) - 1
            for (finished, escape) in subsetEscapes where finished & ~all != 0 || escape & ~all != 0 {
                throw .invalidSchedule(field: "escape", problem: "subset \(finished) → \(escape) names experts beyond \(expertCount)")
            }
            for (j, stage) in stages.enumerated() {
                guard !stage.experts.isEmpty else {
                    throw .invalidSchedule(field: "stages[\(j)]", problem: "adds no expert")
                }
                try check(stage.escape, "stages[\(j)].escape")
            }
        case .idk(let order, let skipBack):
            guard !order.isEmpty else { throw .invalidSchedule(field: "order", problem: "empty") }
            try check(order, "order")
            switch skipBack {
            case .fixed(let k) where k < 0:
                throw .invalidSchedule(field: "k", problem: "k = \(k) is negative")
            case .learned(let maxK) where maxK < 0:
                throw .invalidSchedule(field: "k", problem: "max k = \(maxK) is negative")
            default: break
            }
        }
    }
}

/// Per-expert decision thresholds the executor applies to `RunnerAnswer`s; live-changeable.
public struct ExpertThresholds: Sendable, Equatable {
    /// Top probability below this is IDK (per expert).
    public var idk: [Float]
    /// Hazard probability at or above this is "hazard" (per expert).
    public var hazard: [Float]

    public init(idk: [Float], hazard: [Float]) {
        self.idk = idk
        self.hazard = hazard
    }

    /// Same thresholds for `count` experts.
    public init(count: Int, idk: Float, hazard: Float) {
        self.idk = Array(repeating: idk, count: count)
        self.hazard = Array(repeating: hazard, count: count)
    }
}

/// A schedule with everything the per-window path needs precomputed (bit masks, WCET sums).
final class PreparedSchedule: @unchecked Sendable {
    let schedule: CascadeSchedule
    let isHazard: Bool
    let budgetNanoseconds: UInt64
    let wcet: [UInt64]
    let tcet: [UInt64]
    // Hazard plans.
    let stages: [[Int]]
    let stageEscapeMask: [UInt64]
    /// Σ WCET of each stage's experts, and of each stage's escape set.
    let stageWcet: [UInt64]
    let stageEscapeWcet: [UInt64]
    /// ESCAP by finished-set mask (2^n entries, `noEscape` where unknown); empty when the plan
    /// has no subset table or more than `maxTableExperts` experts.
    let escapeTable: [UInt64]
    static let noEscape = UInt64.max
    static let maxTableExperts = 16
    let initialEscapeMask: UInt64
    // IDK plans.
    let order: [Int]
    let skipBack: SkipBack
    /// prefixTcet[j] = Σ_{i<j} TCET(order[i]).
    let prefixTcet: [UInt64]

    init(_ schedule: CascadeSchedule, expertCount: Int) throws(ExecutorError) {
        try schedule.validate(expertCount: expertCount)
        self.schedule = schedule
        budgetNanoseconds = schedule.budgetNanoseconds ?? .max
        wcet = schedule.wcetNanoseconds
        tcet = schedule.tcetNanoseconds
        func mask(_ list: [Int]) -> UInt64 { list.reduce(0) { $0 | (1 << UInt64($1)) } }
        if !schedule.subsetEscapes.isEmpty && expertCount <= Self.maxTableExperts {
            var table = [UInt64](repeating: Self.noEscape, count: 1 << expertCount)
            for (finished, escape) in schedule.subsetEscapes where finished < UInt64(table.count) {
                table[Int(finished)] = escape & ~finished
            }
            escapeTable = table
        } else {
            escapeTable = []
        }
        switch schedule.mode {
        case .hazard(let stages, let initialEscape):
            isHazard = true
            self.stages = stages.map(\.experts)
            stageEscapeMask = stages.map { mask($0.escape) }
            initialEscapeMask = mask(initialEscape)
            let wcet = schedule.wcetNanoseconds
            stageWcet = stages.map { $0.experts.reduce(0) { $0 + wcet[$1] } }
            stageEscapeWcet = stages.map { $0.escape.reduce(0) { $0 + wcet[$1] } }
            order = []
            skipBack = .fixed(0)
            prefixTcet = [0]
        case .idk(let order, let skipBack):
            isHazard = false
            self.stages = []
            stageEscapeMask = []
            stageWcet = []
            stageEscapeWcet = []
            initialEscapeMask = 0
            self.order = order
            self.skipBack = skipBack
            var sums: [UInt64] = [0]
            for e in order { sums.append(sums.last! + schedule.tcetNanoseconds[e]) }
            prefixTcet = sums
        }
    }

    /// The escape set to run if the plan is abandoned with `finished` experts done, when
    /// `nodeEscape` is ESCAP of the last completed node.
    /// - Note: Real-time safe.
    @inline(__always)
    func fallback(finished: UInt64, nodeEscape: UInt64) -> UInt64 {
        if !escapeTable.isEmpty {
            let entry = escapeTable[Int(finished)]
            if entry != Self.noEscape { return entry }
        }
        return nodeEscape & ~finished
    }

    /// Σ WCET over the experts in `mask`.
    /// - Note: Real-time safe.
    @inline(__always)
    func wcet(of mask: UInt64) -> UInt64 {
        var rest = mask
        var sum: UInt64 = 0
        while rest != 0 {
            let e = rest.trailingZeroBitCount
            sum &+= wcet[e]
            rest &= rest &- 1
        }
        return sum
    }
}
