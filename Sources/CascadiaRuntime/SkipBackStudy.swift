import CascadiaModels

/// What Dynamic-k can save on a recording: every skip-back setting replayed on one answer trace,
/// and two bounds no setting can beat (docs/runtime.md "How much Dynamic-k can save").
///
/// Input: an IDK schedule and, for every window of one recording (a time series: windows in
/// order), every expert's answer, computed once. Each setting runs the real `Executor` over a
/// `ScriptedExpertRunner` whose experts take exactly their profile TCET on a
/// `ManualDeadlineClock`, so a window's cost is Σ TCET of the experts it ran: deterministic and
/// independent of the machine's load. The bounds:
///
/// * **best start policy** — the cheapest of every map b ↦ s(b) ∈ 0…b (start position as a
///   function of the current b), run with SPEC §4.3's probe and update rules on this trace.
///   Fixed k is the map s(b) = max(b − k, 0); learned k moves between such maps, so no setting
///   of the Dynamic family that keeps SPEC's probe can do better on this trace (hindsight:
///   the map is chosen knowing the whole trace).
/// * **oracle** — per window, the cheapest expert that classifies it (the last expert when
///   none does: a cascade must run it to answer IDK): what knowing every answer before running
///   anything would cost. No policy does better.
public struct SkipBackStudy: Sendable {
    /// One setting's result.
    public struct Outcome: Sendable, Equatable {
        public var name: String
        /// Mean Σ TCET of the experts run per window (ns).
        public var pricedNanoseconds: Double
        /// Mean expert runs per window, and probe runs among them.
        public var runsPerWindow: Double
        public var probesPerWindow: Double
        /// Fraction of labelled windows decided correctly; nil without labels.
        public var accuracy: Double?
    }

    public let schedule: CascadeSchedule
    /// The cascade order (expert indices).
    public let order: [Int]
    /// `answers[w][e]`: expert e's answer on window w.
    public let answers: [[RunnerAnswer]]
    /// Ground-truth class per window, −1 when unlabelled.
    public let labels: [Int32]
    public let thresholds: ExpertThresholds
    /// `classifies[w][p]`: the expert at cascade position p is not IDK on window w.
    public let classifies: [[Bool]]

    /// Throws `ExecutorError.invalidSchedule` for a hazard schedule, `.invalidOption` when the
    /// trace does not fit.
    public init(schedule: CascadeSchedule, answers: [[RunnerAnswer]], labels: [Int32], thresholds: ExpertThresholds)
        throws(ExecutorError)
    {
        guard case .idk(let order, _) = schedule.mode else {
            throw .invalidSchedule(field: schedule.name, problem: "Dynamic-k applies to IDK plans only")
        }
        guard !order.isEmpty else { throw .invalidSchedule(field: schedule.name, problem: "an empty cascade") }
        guard !answers.isEmpty, labels.count == answers.count else {
            throw .invalidOption(
                option: "trace", value: "\(answers.count) windows, \(labels.count) labels",
                problem: "needs at least one window and one label entry per window")
        }
        let experts = schedule.tcetNanoseconds.count
        for (w, row) in answers.enumerated() where row.count != experts {
            throw .invalidOption(option: "trace", value: "window \(w)", problem: "\(row.count) answers for \(experts) experts")
        }
        guard thresholds.idk.count == experts else {
            throw .invalidOption(option: "thresholds", value: "\(thresholds.idk.count)", problem: "need one per expert (\(experts))")
        }
        self.schedule = schedule
        self.order = order
        self.answers = answers
        self.labels = labels
        self.thresholds = thresholds
        classifies = answers.map { row in order.map { e in row[e].topProbability >= thresholds.idk[e] } }
    }

    private var positionCosts: [UInt64] { order.map { schedule.tcetNanoseconds[$0] } }

    /// Runs the executor with `skipBack` over every window (experts at TCET, manual clock).
    public func run(_ skipBack: SkipBack, name: String) throws(ExecutorError) -> Outcome {
        let clock = ManualDeadlineClock()
        let trace = answers.map { row in
            row.enumerated().map { e, answer in ScriptedAnswer(answer: answer, durationNanoseconds: schedule.tcetNanoseconds[e]) }
        }
        let runner = try ScriptedExpertRunner(expertCount: schedule.tcetNanoseconds.count, trace: trace, clock: clock)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: thresholds, skipBack: skipBack)
        var priced: UInt64 = 0
        var runs = 0
        var probes = 0
        var labelled = 0
        var correct = 0
        for w in answers.indices {
            let window = WindowInfo(
                index: Int64(w), startNanoseconds: clock.nowNanoseconds(), completionNanoseconds: clock.nowNanoseconds(),
                label: labels[w])
            let record = executor.process(window)
            priced += record.expertNanoseconds
            runs += record.runs.count
            probes += record.runs.reduce(0) { $0 + ($1.phase == .probe ? 1 : 0) }
            if labels[w] >= 0 {
                labelled += 1
                if record.decision == .classified && record.classIndex == labels[w] { correct += 1 }
            }
        }
        let count = Double(answers.count)
        return Outcome(
            name: name, pricedNanoseconds: Double(priced) / count, runsPerWindow: Double(runs) / count,
            probesPerWindow: Double(probes) / count, accuracy: labelled == 0 ? nil : Double(correct) / Double(labelled))
    }

    /// The plain cascade, every fixed k and learned k.
    public func runAll() throws(ExecutorError) -> [Outcome] {
        let n = order.count
        var outcomes: [Outcome] = []
        for k in 0..<n {
            outcomes.append(try run(.fixed(k), name: k == n - 1 ? "k=\(k) (plain)" : k == 0 ? "k=0 (Dynamic)" : "k=\(k)"))
        }
        outcomes.append(try run(.learned(maxK: n - 1), name: "learned"))
        return outcomes
    }

    /// Mean cost per window of start map `starts` (s(b) = starts[b]) under SPEC's rules: walk
    /// from s until one classifies (i); if i = b > 0, probe the positions below s down to the
    /// first IDK; b = the lowest classifier found; nothing classifies → b unchanged.
    public func cost(startMap starts: [Int]) -> Double {
        let c = positionCosts
        let n = order.count
        var b = 0
        var total: UInt64 = 0
        for row in classifies {
            let s = starts[b]
            var i = -1
            for p in s..<n {
                total += c[p]
                if row[p] { i = p; break }
            }
            guard i >= 0 else { continue }
            var low = i
            if i == b && i > 0 {
                var j = i - 1
                while j >= 0 && j < s {
                    total += c[j]
                    guard row[j] else { break }
                    low = j
                    j -= 1
                }
            }
            b = low
        }
        return Double(total) / Double(classifies.count)
    }

    /// Longest cascade `bestStartPolicy` searches (n! maps).
    public static let maxSearchedPositions = 8

    /// The cheapest start map over all n! maps (ties: the first in lexicographic order); nil for
    /// cascades longer than `maxSearchedPositions`.
    public func bestStartPolicy() -> (starts: [Int], nanoseconds: Double)? {
        let n = order.count
        guard n <= Self.maxSearchedPositions else { return nil }
        var starts = [Int](repeating: 0, count: n)
        var best = (starts: starts, nanoseconds: cost(startMap: starts))
        while true {
            // Next map in lexicographic order with starts[b] ≤ b.
            var b = n - 1
            while b >= 0 && starts[b] == b {
                starts[b] = 0
                b -= 1
            }
            if b < 0 { break }
            starts[b] += 1
            let value = cost(startMap: starts)
            if value < best.nanoseconds { best = (starts, value) }
        }
        return best
    }

    /// Mean over windows of the cheapest classifying expert's TCET (the last position's when
    /// none classifies): knowing every answer before running anything.
    public func oracleNanoseconds() -> Double {
        let c = positionCosts
        var total: UInt64 = 0
        for row in classifies {
            var cheapest = c[c.count - 1]
            for p in row.indices where row[p] { cheapest = min(cheapest, c[p]) }
            total += cheapest
        }
        return Double(total) / Double(classifies.count)
    }

    /// Every expert's answer on every window of `windows` (one run each), and the windows'
    /// labels as class indices of the experts' class list (−1: unlabelled or not a class).
    /// `experts` are in the schedule's expert-index order (`PipelineExperts.load`).
    public static func trace(experts: [Expert], windows: ProfilerWindowSet) throws -> (answers: [[RunnerAnswer]], labels: [Int32]) {
        guard let first = experts.first else { throw ProfilerError(.data, "experts", "no experts") }
        let profiler = try Profiler(experts: experts, windows: windows)
        var answers: [[RunnerAnswer]] = []
        answers.reserveCapacity(windows.count)
        for w in 0..<windows.count {
            answers.append(
                try experts.indices.map { e in
                    guard let a = profiler.run(e, window: w).0 else {
                        throw ProfilerError(.data, experts[e].model.path, "the expert failed on window \(w)")
                    }
                    return RunnerAnswer(
                        topClass: Int32(a.topClass), topProbability: Float(a.topProbability),
                        hazardProbability: Float(a.hazardProbability))
                })
        }
        let classNames = first.model.description.labels
        let labels = windows.labels.map { label in label.flatMap { classNames.firstIndex(of: $0) }.map(Int32.init) ?? -1 }
        return (answers, labels)
    }

    /// The same windows in a random order (seeded): what the trace looks like without any
    /// dependence between consecutive windows (the control for a dependent recording).
    public func shuffled(seed: UInt64) throws(ExecutorError) -> SkipBackStudy {
        var random = SplitMix64(seed: seed)
        var permutation = Array(answers.indices)
        for i in stride(from: permutation.count - 1, to: 0, by: -1) {
            permutation.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return try SkipBackStudy(
            schedule: schedule, answers: permutation.map { answers[$0] }, labels: permutation.map { labels[$0] },
            thresholds: thresholds)
    }
}
