import Foundation

/// `cascadia ctl tune k` for a running executor: an online experiment on live windows.
///
/// Each candidate k runs as a fixed k on `windowsPerCandidate` consecutive windows, in the
/// order given. A window counts for a candidate when its JSON line (the one the pipeline
/// publishes) carries `"k"` equal to that candidate, so the windows already in flight when k
/// changed are not mixed in. After the last candidate the best one is applied as a fixed k
/// (auto-k ends up off) and the table is reported. Rule (docs/runtime.md, "Live k experiment"):
///
/// * quality q_k = accuracy against the windows' labels when every candidate saw labelled
///   windows, else the fraction of windows the cascade classified (not IDK);
/// * eligible = { k : q_k ≥ max q − tolerance };
/// * chosen = the eligible k with the lowest mean expert time per window (Σ expert ms, the part k
///   changes), ties to fewer deadline misses, then to the smaller k.
///
/// An explicit `set k`, `auto-k` or `plan load` during the experiment ends it with an error reply
/// (the explicit change stays in force).
extension ExecutorControlTarget: ControlTuningTarget {
    public func tuneSkipBack(
        candidates: [Int], windowsPerCandidate: Int, accuracyTolerance: Double,
        completion: @escaping @Sendable (Result<ControlTuneReport, any Error>) -> Void
    ) throws {
        guard !candidates.isEmpty, windowsPerCandidate > 0 else {
            throw ExecutorError.invalidChange("tune k needs at least one candidate and one window per candidate")
        }
        try state.withLock { (state) throws(ExecutorError) in
            guard !state.isHazardPlan else {
                throw .invalidChange("the plan in force is a hazard plan; k applies to IDK cascades only")
            }
            guard state.experiment == nil else { throw .invalidChange("a k experiment is already running") }
            let largest = state.cascadePositions - 1
            if let bad = candidates.first(where: { $0 < 0 || $0 > largest }) {
                throw .invalidChange("candidate k = \(bad) is not in 0…\(largest) (the cascade has \(state.cascadePositions) experts)")
            }
            try control.setSkipBack(.fixed(candidates[0]))
            state.skipBack = .fixed(candidates[0])
            state.skipBackOverridden = true
            state.experiment = SkipBackExperiment(
                candidates: candidates, windowsPerCandidate: windowsPerCandidate, tolerance: accuracyTolerance,
                completion: completion)
        }
    }

    /// Feeds one published window line to the experiment in progress (output thread).
    func observeForExperiment(line: String) {
        guard let window = SkipBackExperiment.WindowLine.parse(line) else { return }
        let finished = state.withLock { state -> (SkipBackExperiment, Result<ControlTuneReport, any Error>)? in
            guard var experiment = state.experiment else { return nil }
            let candidateDone = experiment.add(window)
            state.experiment = experiment
            guard candidateDone else { return nil }  // not this candidate's window, or more to go
            if let next = experiment.currentCandidate {
                do {
                    try control.setSkipBack(.fixed(next))
                    state.skipBack = .fixed(next)
                    state.skipBackOverridden = true
                    state.experiment = experiment
                    return nil
                } catch {
                    state.experiment = nil
                    return (experiment, .failure(error))
                }
            }
            state.experiment = nil
            let report = experiment.report()
            do {
                try control.setSkipBack(.fixed(report.chosenK))
                state.skipBack = .fixed(report.chosenK)
                state.skipBackOverridden = true
                return (experiment, .success(report))
            } catch {
                return (experiment, .failure(error))
            }
        }
        if let (experiment, result) = finished { experiment.completion(result) }
    }

    /// True while a `tune k` experiment runs.
    public var isTuning: Bool { state.withLock { $0.experiment != nil } }
}

/// The state of one `tune k` experiment (kept in `ExecutorControlTarget`'s state).
struct SkipBackExperiment: Sendable {
    /// The fields of a window's JSON line the experiment reads.
    struct WindowLine: Decodable, Equatable {
        /// A `class` or `label` value: a name, an index or null.
        enum Scalar: Decodable, Equatable {
            case name(String)
            case index(Int)
            init(from decoder: Decoder) throws {
                let value = try decoder.singleValueContainer()
                if let name = try? value.decode(String.self) { self = .name(name) } else { self = .index(try value.decode(Int.self)) }
            }
        }
        var k: Int?
        var decision: String
        var expertMilliseconds: Double
        var totalMilliseconds: Double
        var deadlineMet: Bool
        var decidedClass: Scalar?
        var label: Scalar?

        enum CodingKeys: String, CodingKey {
            case k, decision, label
            case expertMilliseconds = "expert_ms", totalMilliseconds = "total_ms", deadlineMet = "deadline_met"
            case decidedClass = "class"
        }

        static func parse(_ line: String) -> WindowLine? {
            try? JSONDecoder().decode(WindowLine.self, from: Data(line.utf8))
        }
    }

    /// Sums for one candidate.
    struct Tally: Sendable {
        var windows = 0
        var expertMillisecondsSum = 0.0
        var latenciesMilliseconds: [Double] = []
        var classified = 0
        var labelled = 0
        var correct = 0
        var misses = 0
    }

    let candidates: [Int]
    let windowsPerCandidate: Int
    let tolerance: Double
    let completion: @Sendable (Result<ControlTuneReport, any Error>) -> Void
    private(set) var index = 0
    private(set) var tallies: [Tally]

    init(
        candidates: [Int], windowsPerCandidate: Int, tolerance: Double,
        completion: @escaping @Sendable (Result<ControlTuneReport, any Error>) -> Void
    ) {
        self.candidates = candidates
        self.windowsPerCandidate = windowsPerCandidate
        self.tolerance = tolerance
        self.completion = completion
        tallies = Array(repeating: Tally(), count: candidates.count)
    }

    /// The candidate being measured, nil when all are done.
    var currentCandidate: Int? { index < candidates.count ? candidates[index] : nil }

    /// Counts `window` if it ran with the current candidate; returns true when that candidate has
    /// its windows (the caller then switches to the next one or finishes).
    mutating func add(_ window: WindowLine) -> Bool {
        guard let k = currentCandidate, window.k == k else { return false }
        tallies[index].windows += 1
        tallies[index].expertMillisecondsSum += window.expertMilliseconds
        tallies[index].latenciesMilliseconds.append(window.totalMilliseconds)
        if window.decision != "idk" {
            tallies[index].classified += 1
        }
        if let label = window.label {
            tallies[index].labelled += 1
            if window.decision != "idk", window.decidedClass == label { tallies[index].correct += 1 }
        }
        if !window.deadlineMet { tallies[index].misses += 1 }
        guard tallies[index].windows >= windowsPerCandidate else { return false }
        index += 1
        return true
    }

    /// The table and the chosen k (rule in the type's documentation above).
    func report() -> ControlTuneReport {
        let rows = zip(candidates, tallies).map { k, tally in
            let n = Double(max(tally.windows, 1))
            let sorted = tally.latenciesMilliseconds.sorted()
            let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((0.99 * Double(sorted.count)).rounded(.up)) - 1)]
            return ControlTuneReport.Row(
                k: k, windows: tally.windows, meanLatencyMilliseconds: sorted.reduce(0, +) / n,
                p99LatencyMilliseconds: p99, classifiedFraction: Double(tally.classified) / n,
                deadlineMisses: tally.misses, meanExpertMilliseconds: tally.expertMillisecondsSum / n,
                accuracy: tally.labelled > 0 ? Double(tally.correct) / Double(tally.labelled) : nil)
        }
        return ControlTuneReport(rows: rows, chosenK: Self.choose(rows, tolerance: tolerance))
    }

    /// The eligible row with the lowest mean expert time (see the type's documentation).
    static func choose(_ rows: [ControlTuneReport.Row], tolerance: Double) -> Int {
        let labelled = rows.allSatisfy { $0.accuracy != nil }
        let quality = rows.map { labelled ? ($0.accuracy ?? 0) : $0.classifiedFraction }
        let bar = (quality.max() ?? 0) - tolerance - 1e-12
        let eligible = rows.indices.filter { quality[$0] >= bar }
        let best = eligible.min { a, b in
            let (x, y) = (rows[a], rows[b])
            if x.meanExpertMilliseconds != y.meanExpertMilliseconds { return x.meanExpertMilliseconds < y.meanExpertMilliseconds }
            if x.deadlineMisses != y.deadlineMisses { return x.deadlineMisses < y.deadlineMisses }
            return x.k < y.k
        }
        return rows[best ?? 0].k
    }

    /// Ends the experiment early with an error reply.
    func interrupt(because reason: String) {
        completion(.failure(ExecutorError.invalidChange("k experiment interrupted by \(reason); the explicit change stays in force")))
    }
}
