/// Scripted window sequences for judging Dynamic-k settings: how much expert time each k
/// spends on a cascade whose windows are strongly dependent or independent.
///
/// Window w is described by f_w, the lowest cascade position that classifies it (nested
/// outcomes: positions ≥ f_w classify, positions < f_w say IDK; nil: nobody classifies).
/// Used by `cascadia-bench executor` and the Dynamic-k tests; deterministic per seed.
public enum DynamicKWorkload {
    /// Strongly dependent windows: f holds for runs of 20–80 windows, the run's f drawn from
    /// `levels` (uniformly, repeats allowed to weight them).
    public static func dependent(windows: Int, levels: [Int], seed: UInt64) -> [Int?] {
        var random = SplitMix64(seed: seed)
        var fs: [Int?] = []
        while fs.count < windows {
            let f = levels[Int(random.next() % UInt64(levels.count))]
            fs += Array(repeating: f, count: 20 + Int(random.next() % 61))
        }
        return Array(fs.prefix(windows))
    }

    /// Independent windows: f drawn afresh each window with P(f = j) = `probabilities[j]`.
    public static func independent(windows: Int, probabilities: [Double], seed: UInt64) -> [Int?] {
        var random = SplitMix64(seed: seed)
        return (0..<windows).map { _ in
            var u = random.nextUnit()
            for (j, p) in probabilities.enumerated() {
                if u < p { return j }
                u -= p
            }
            return nil
        }
    }

    /// A scripted trace for `fs` over `order`: position-f experts and later classify as
    /// `classIndex`, earlier ones say IDK; each expert takes `durations[e]` nanoseconds.
    public static func trace(_ fs: [Int?], order: [Int], durations: [UInt64], classIndex: Int32 = 1) -> [[ScriptedAnswer]] {
        let idk = RunnerAnswer(topClass: 0, topProbability: 0.1, hazardProbability: 0)
        let classified = RunnerAnswer(topClass: classIndex, topProbability: 0.9, hazardProbability: 0)
        return fs.map { f in
            var row = durations.map { ScriptedAnswer(answer: idk, durationNanoseconds: $0) }
            for (position, expert) in order.enumerated() where f.map({ position >= $0 }) ?? false {
                row[expert].answer = classified
            }
            return row
        }
    }

    /// Mean expert time per window (nanoseconds) when `schedule` (an IDK cascade) runs the
    /// trace of `fs` under `skipBack`, timed by a manual clock at the scripted durations.
    public static func meanCost(_ fs: [Int?], schedule: CascadeSchedule, skipBack: SkipBack) throws(ExecutorError) -> Double {
        guard case .idk(let order, _) = schedule.mode else {
            throw .invalidSchedule(field: "mode", problem: "Dynamic-k workloads need an IDK cascade")
        }
        guard !fs.isEmpty else { return 0 }
        let count = schedule.tcetNanoseconds.count
        let answers = trace(fs, order: order, durations: schedule.tcetNanoseconds).map { $0.map(\.answer) }
        let study = try SkipBackStudy(
            schedule: schedule, answers: answers, labels: Array(repeating: -1, count: fs.count),
            thresholds: ExpertThresholds(count: count, idk: 0.5, hazard: 0.5))
        return try study.run(skipBack, name: "").pricedNanoseconds
    }
}
