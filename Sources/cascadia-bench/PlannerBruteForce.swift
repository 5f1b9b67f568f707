import CascadiaCore

/// `cascadia-bench planner --brute-force`: the IDK dynamic program against an exhaustive search
/// over every subset and every order of it, on the same seeded profiles, Prob-A tables and
/// constraints. Exits non-zero when the two optima differ (docs/benchmarks.md).
enum PlannerBruteForce {
    /// Least Σ C_i·(1 − A[{K1..K(i−1)}]) over every ordered sequence of distinct experts whose set
    /// meets A[S] ≥ need and ΣWCET ≤ deadline (WCET rounded to ns as the planner does), or nil.
    /// A depth-first walk over all e·n! prefixes: each prefix is one order of one subset, its
    /// expected time extended by one term per step (no memo over sets, no pruning).
    static func search(_ profile: IDKProfile, table: [Double], need: Double, deadlineNs: Int64) -> Double? {
        let n = profile.count
        let cost = profile.experts.map(\.timeMs)
        let wcet = profile.experts.map { Int64(($0.wcetMs * 1_000_000).rounded()) }
        var best = Double.infinity
        if table[0] >= need { best = 0 }
        func walk(_ mask: Int, _ total: Double, _ worst: Int64) {
            for i in 0..<n where mask & (1 << i) == 0 {
                let next = mask | (1 << i)
                let value = total + cost[i] * (1 - table[mask])
                let w = worst + wcet[i]
                if table[next] >= need && w <= deadlineNs && value < best { best = value }
                walk(next, value, w)
            }
        }
        walk(0, 0, 0)
        return best.isFinite ? best : nil
    }

    struct Mismatch: CascadiaError {
        var message: String
        var exitCode: ExitCode { .failure }
        var description: String { message }
    }

    static func run(maxExperts: Int, limitSeconds: Double) throws {
        print("experts  orders searched    DP ms   brute ms   brute/DP  optimum ms (arbitrary)  check")
        let clock = ContinuousClock()
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        for n in 4...maxExperts {
            let profile = try PlannerBench.idkProfile(n, seed: UInt64(1000 + n))
            let planner = IDKPlanner(profile: profile)
            let full = profile.codec.fullMask
            let minSuccess = 0.95 * IDKAssumption.allCases.map { planner.estimatedProbA($0)[full] }.min()!
            // A deadline that binds: 60 % of the all-experts WCET.
            let deadlineMs = 0.6 * profile.experts.map(\.wcetMs).reduce(0, +)
            let deadlineNs = Int64((deadlineMs * 1_000_000).rounded())
            let need = minSuccess - IDKPlanner.successTolerance
            var orders = 0.0, perm = 1.0
            for k in 1...n { perm *= Double(n - k + 1); orders += perm }
            var checks: [String] = []
            var dpMs = 0.0, bruteMs = 0.0, optimum = 0.0
            for assume in IDKAssumption.allCases {
                let table = planner.estimatedProbA(assume)
                var dp: IDKChoice? = nil
                let dpTime = clock.measure { dp = planner.solve(probA: table, minSuccess: minSuccess, deadlineMs: deadlineMs) }
                var brute: Double? = nil
                let bruteTime = clock.measure { brute = search(profile, table: table, need: need, deadlineNs: deadlineNs) }
                let same: Bool
                switch (dp, brute) {
                case (nil, nil): same = true
                case let (d?, b?): same = abs(d.expectedMs - b) <= 1e-9 * max(1, b)
                default: same = false
                }
                guard same else {
                    throw Mismatch(message: "planner brute force: n = \(n), assume \(assume.rawValue): DP \(dp.map { "\($0.expectedMs)" } ?? "none") ms, brute force \(brute.map { "\($0)" } ?? "none") ms")
                }
                checks.append("\(assume.rawValue) ok")
                if assume == .arbitrary { dpMs = ms(dpTime); bruteMs = ms(bruteTime); optimum = dp?.expectedMs ?? .nan }
            }
            print(String(n).leftPad(7) + "  " + String(format: "%15.0f %8.3f %10.3f %10.0f× %23.6f", orders, dpMs, bruteMs, bruteMs / max(dpMs, 1e-6), optimum)
                + "  " + checks.joined(separator: ", "))
            if bruteMs * Double(n + 1) / 1000 > limitSeconds { break }  // the next size would take ~ (n+1)× longer
        }
    }
}
