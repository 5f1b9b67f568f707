import CascadiaCore
import CascadiaIO
import CascadiaModels
import Foundation

/// What and how the profiler measures.
public struct ProfilerOptions: Sendable, Equatable {
    /// Timed rounds; in each round every expert runs once (on window `round mod windows`).
    public var runs = 200
    /// Untimed rounds before the timed ones (caches, branch predictors, page faults).
    public var warmupRuns = 10
    /// Pin the measuring thread to this CPU.
    public var cpu: Int?
    /// Load the other cores with busy threads while timing.
    public var stress = false
    /// WCET = (maximum observed time) × this margin.
    public var wcetMargin = 1.2
    /// Classes whose windows count as hazards; nil: the union of the experts' hazard classes.
    public var hazardClasses: [String]?

    public init() {}
}

/// One expert's measured times.
public struct ProfilerTiming: Sendable, Equatable {
    public var samplesMs: [Double]
    public var minMs: Double
    /// TCET: the median.
    public var medianMs: Double
    /// The mean, used as an IDK cascade's cost C_i (expected durations add up means).
    public var meanMs: Double
    public var p99Ms: Double
    public var p999Ms: Double
    public var maxMs: Double
    /// WCET: `maxMs × margin`.
    public var wcetMs: Double

    public init(samplesMs: [Double], margin: Double) {
        let sorted = samplesMs.sorted()
        self.samplesMs = samplesMs
        minMs = sorted.first ?? 0
        medianMs = ProfilerStatistics.quantile(sorted: sorted, 0.5) ?? 0
        meanMs = ProfilerStatistics.mean(samplesMs) ?? 0
        p99Ms = ProfilerStatistics.quantile(sorted: sorted, 0.99) ?? 0
        p999Ms = ProfilerStatistics.quantile(sorted: sorted, 0.999) ?? 0
        maxMs = sorted.last ?? 0
        wcetMs = maxMs * margin
    }
}

/// Per-window decisions of every expert on the labelled windows, and what follows from them.
public struct ProfilerBehaviour: Sendable, Equatable {
    /// Classes counted as hazards.
    public var hazardClasses: [String]
    /// Labelled windows used; of them, hazard windows (positives) and the rest (negatives).
    public var windows: Int
    public var positives: Int
    public var negatives: Int
    /// Per window: bit i set when expert i said "hazard".
    public var hazardMasks: [Int]
    /// Per window: bit i set when expert i classified it correctly without IDK.
    public var successMasks: [Int]
    /// Per window: true when its label is a hazard class.
    public var truth: [Bool]
    /// Per subset (bitmask): FP and FN rates under OR-fusion.
    public var fp: [Double]
    public var fn: [Double]
    /// Per subset S: windows on which exactly the experts of S classified correctly (Prob-S counts).
    public var probSCounts: [Double]

    /// Derives the subset tables from the per-window masks of `n` experts.
    ///
    /// FP(S) = #{negative windows where some expert of S says hazard} / #negatives, FN(S) =
    /// #{positive windows where no expert of S does} / #positives (FP(∅) = 0, FN(∅) = 1). The
    /// counts of windows whose hazard mask misses S are a subset-sum (zeta) transform, O(n·2^n).
    public init(n: Int, hazardClasses: [String], hazardMasks: [Int], successMasks: [Int], truth: [Bool]) {
        self.hazardClasses = hazardClasses
        self.hazardMasks = hazardMasks
        self.successMasks = successMasks
        self.truth = truth
        windows = truth.count
        positives = truth.filter { $0 }.count
        negatives = windows - positives
        let size = 1 << n
        var pos = [Double](repeating: 0, count: size), neg = pos, counts = pos
        for w in 0..<windows {
            if truth[w] { pos[hazardMasks[w]] += 1 } else { neg[hazardMasks[w]] += 1 }
            counts[successMasks[w]] += 1
        }
        // zeta: Z[U] = Σ_{T ⊆ U} h[T]; windows where no expert of S says hazard = Z[¬S].
        for bit in 0..<n {
            for mask in 0..<size where mask & (1 << bit) != 0 {
                pos[mask] += pos[mask ^ (1 << bit)]
                neg[mask] += neg[mask ^ (1 << bit)]
            }
        }
        let full = size - 1, p = Double(positives), q = Double(negatives)
        fp = (0..<size).map { s in q == 0 ? 0 : (q - neg[full & ~s]) / q }
        fn = (0..<size).map { s in p == 0 ? 1 : pos[full & ~s] / p }
        probSCounts = counts
    }

    /// Per expert, per window: 1 when it said hazard, else 0.
    public func hazardSeries(_ expert: Int) -> [Double] { hazardMasks.map { $0 >> expert & 1 == 1 ? 1 : 0 } }
    /// Per expert, per window: 1 when it classified correctly without IDK, else 0.
    public func successSeries(_ expert: Int) -> [Double] { successMasks.map { $0 >> expert & 1 == 1 ? 1 : 0 } }
}

/// Measures experts on real windows: execution times (many warm runs) and behaviour on labelled
/// windows. Features come from `ProfilerWindowSet`, computed once per window and shared by all
/// experts; each measured expert time covers quantizing its inputs (`setFeatures`) and running all
/// its layers — what the executor pays per expert once the window's features exist.
public final class Profiler {
    public let experts: [Expert]
    public let windows: ProfilerWindowSet
    private let keyIndices: [[Int]]

    /// Throws `ProfilerError.data` when an expert needs a framing `windows` was not built for.
    public init(experts: [Expert], windows: ProfilerWindowSet) throws {
        self.experts = experts
        self.windows = windows
        keyIndices = try experts.map { try windows.keyIndices(for: $0.model) }
    }

    /// Feeds window `w`'s features to expert `e` and runs it; returns the answer and the time in
    /// nanoseconds (CLOCK_MONOTONIC around both).
    func run(_ e: Int, window w: Int) -> (ExpertAnswer?, UInt64) {
        let expert = experts[e]
        let start = Expert.monotonicNanoseconds()
        for (m, k) in keyIndices[e].enumerated() {
            windows.features[w][k].withUnsafeBufferPointer { expert.setFeatures(modality: m, $0) }
        }
        let outcome = expert.run()
        let elapsed = Expert.monotonicNanoseconds() &- start
        if case .answered(let answer) = outcome { return (answer, elapsed) }
        return (nil, elapsed)
    }

    /// Timed rounds: `warmupRuns` untimed, then `runs` timed; in round r every expert runs on
    /// window r mod count, starting with expert r mod n (the order rotates so no expert always
    /// follows the same one). Returns milliseconds per expert per round. Pins the calling thread
    /// with `cpu` (restored afterwards) and runs `ProfilerStress` with `stress`.
    public func measureTimes(_ options: ProfilerOptions, progress: (Int, Int) -> Void = { _, _ in }) throws
        -> [[Double]]
    {
        let n = experts.count
        var times = [[Double]](repeating: [], count: n)
        for e in 0..<n { times[e].reserveCapacity(options.runs) }
        let previous = try options.cpu.map { try ProfilerCPU.pinCallingThread(to: $0) }
        defer { if let previous { ProfilerCPU.restore(previous) } }
        let stress = options.stress ? ProfilerStress(excludingCPU: options.cpu) : nil
        stress?.start()
        defer { stress?.stop() }
        let total = options.warmupRuns + options.runs
        let step = max(1, total / 100)
        for round in 0..<total {
            let w = round % windows.count
            for j in 0..<n {
                let e = (round + j) % n
                let (_, ns) = run(e, window: w)
                if round >= options.warmupRuns { times[e].append(Double(ns) / 1e6) }
            }
            if round % step == step - 1 || round == total - 1 { progress(round + 1, total) }
        }
        return times
    }

    /// Runs every expert once on every labelled window and records its decisions.
    public func measureBehaviour(hazardClasses: [String]? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws
        -> ProfilerBehaviour
    {
        let descriptions = experts.map(\.model.description)
        let hazards =
            hazardClasses
            ?? descriptions.reduce(into: [String]()) { all, d in
                for i in d.hazardClasses where !all.contains(d.labels[i]) { all.append(d.labels[i]) }
            }
        let labelled = windows.labels.indices.filter { windows.labels[$0] != nil }
        guard !labelled.isEmpty else {
            throw ProfilerError(
                .unlabeled, windows.recordings.map(\.path).joined(separator: ","), "no window is labelled")
        }
        let known = Set(descriptions.flatMap(\.labels))
        if let stray = labelled.lazy.compactMap({ self.windows.labels[$0] }).first(where: { !known.contains($0) }) {
            throw ProfilerError(
                .data, windows.recordings.map { $0.labelsPath ?? $0.path }.joined(separator: ","),
                "label class '\(stray)' is not a class of any expert (\(descriptions[0].labels.joined(separator: ", ")))"
            )
        }
        var hazardMasks: [Int] = [], successMasks: [Int] = [], truth: [Bool] = []
        let step = max(1, labelled.count / 100)
        for (i, w) in labelled.enumerated() {
            guard let label = windows.labels[w] else { continue }  // `labelled` holds only labelled windows
            var hm = 0, sm = 0
            for e in experts.indices {
                let (answer, _) = run(e, window: w)
                guard let answer else {
                    throw ProfilerError(.data, experts[e].model.path, "the expert failed on window \(w)")
                }
                if answer.isHazard { hm |= 1 << e }
                if !answer.isIDK && descriptions[e].labels[answer.topClass] == label { sm |= 1 << e }
            }
            hazardMasks.append(hm)
            successMasks.append(sm)
            truth.append(hazards.contains(label))
            if i % step == step - 1 || i == labelled.count - 1 { progress(i + 1, labelled.count) }
        }
        let behaviour = ProfilerBehaviour(
            n: experts.count, hazardClasses: hazards, hazardMasks: hazardMasks, successMasks: successMasks,
            truth: truth)
        guard behaviour.positives > 0, behaviour.negatives > 0 else {
            throw ProfilerError(
                .data, windows.recordings.map(\.path).joined(separator: ","),
                "the labelled windows hold \(behaviour.positives) hazard and \(behaviour.negatives) other windows; FP and FN need both (hazard classes: \(hazards.joined(separator: ", ")))"
            )
        }
        return behaviour
    }
}
