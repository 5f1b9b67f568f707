import CascadiaCore

/// `cascadia-bench planner [--experts 12,16,20] [--repeat N]`: wall time of every planner on
/// seeded random profiles (docs/benchmarks.md). Prints one row per (experts, planner).
/// `--brute-force [MAX]`: the IDK dynamic program against exhaustive search (PlannerBruteForce).
enum PlannerBench {
    /// SplitMix64 (CascadiaCore), so every run plans the same profiles.
    typealias Random = SplitMix64

    static func names(_ n: Int) -> [ExpertName] { (0..<n).map { ExpertName(id: "e\($0)", name: "expert\($0)") } }

    /// Hazard profile: per-expert miss/alarm rates with correlated noise per subset; times either
    /// summed from the experts (additive) or given per subset with jitter (tabled, O(3^n) path).
    static func hazardProfile(_ n: Int, additive: Bool, seed: UInt64) throws -> HazardProfile {
        var rng = Random(seed: seed)
        let size = 1 << n
        let miss = (0..<n).map { _ in 0.3 + 0.5 * rng.nextUnit() }
        let alarm = (0..<n).map { _ in 0.02 * rng.nextUnit() }
        let wcet = (0..<n).map { _ in 1 + 29 * rng.nextUnit() }
        let tcet = wcet.map { $0 * 0.7 }
        var fp = [Double](repeating: 0, count: size), fn = fp
        var w = [Double?](repeating: nil, count: size), t = w
        var pm = [Double](repeating: 1, count: size), pa = pm, ws = [Double](repeating: 0, count: size), ts = ws
        for s in 1..<size {
            let i = s.trailingZeroBitCount, rest = s & (s - 1)
            pm[s] = pm[rest] * miss[i]
            pa[s] = pa[rest] * (1 - alarm[i])
            ws[s] = ws[rest] + wcet[i]
            ts[s] = ts[rest] + tcet[i]
            fn[s] = min(1, pm[s] * (1 + 0.5 * rng.nextUnit()))
            fp[s] = 1 - pa[s]
            if !additive { w[s] = ws[s] * (0.95 + 0.1 * rng.nextUnit()); t[s] = ts[s] * (0.95 + 0.1 * rng.nextUnit()) }
        }
        fn[0] = 1
        return try HazardProfile(
            experts: names(n), fp: fp, fn: fn, wcetMs: w, tcetMs: t,
            expertWcetMs: additive ? wcet : nil, expertTcetMs: additive ? tcet : nil)
    }

    /// IDK profile: Prob-S counts of 200 000 sampled inputs from a latent difficulty model.
    static func idkProfile(_ n: Int, seed: UInt64) throws -> IDKProfile {
        var rng = Random(seed: seed)
        let skill = (0..<n).map { _ in 0.05 + 0.25 * rng.nextUnit() }
        var counts = [Double](repeating: 0, count: 1 << n)
        for _ in 0..<200_000 {
            let ease = rng.nextUnit()
            var s = 0
            for i in 0..<n where rng.nextUnit() < skill[i] * 2 * ease { s |= 1 << i }
            counts[s] += 1
        }
        let experts = (0..<n).map { i in
            let time = 1 + 19 * rng.nextUnit()
            return IDKExpert(id: "e\(i)", name: "expert\(i)", timeMs: time, wcetMs: time * 1.5)
        }
        return try IDKProfile(experts: experts, counts: counts)
    }

    /// Median wall time of `body` over `repeats` runs, milliseconds.
    static func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<repeats {
            let elapsed = try clock.measure(body)
            samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return samples.sorted()[samples.count / 2]
    }

    static func row(_ n: Int, _ what: String, _ ms: Double, _ note: String = "") {
        let padded = what.padding(toLength: 40, withPad: " ", startingAt: 0)
        print("\(String(n).leftPad(7))  \(padded)\(String(format: "%10.2f", ms))  \(note)")
    }

    static func run(_ arguments: [String]) throws {
        var sizes = [12, 16, 20]
        var repeats = 3
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--experts" where i + 1 < arguments.count:
                sizes = arguments[i + 1].split(separator: ",").compactMap { Int($0) }.filter { (1...SubsetCodec.maxExperts).contains($0) }
                i += 2
            case "--brute-force":
                // Optional upper size; otherwise sizes from 4 up while the next one fits ~10 s.
                let upper = i + 1 < arguments.count ? Int(arguments[i + 1]) : nil
                try PlannerBruteForce.run(maxExperts: min(12, max(4, upper ?? 12)), limitSeconds: 10)
                return
            case "--repeat" where i + 1 < arguments.count:
                repeats = max(1, Int(arguments[i + 1]) ?? 3)
                i += 2
            default:
                print("usage: cascadia-bench planner [--experts 12,16,20] [--repeat N] | --brute-force [MAX_EXPERTS]")
                return
            }
        }
        print("experts  planner (median of \(repeats) runs)              ms")
        for n in sizes {
            let hazard = try hazardProfile(n, additive: true, seed: UInt64(n))
            let maxFN = 0.02
            var planner: HazardPlanner? = nil
            row(n, "hazard escape sets (additive, n·2^n)", try time(repeats) { planner = try HazardPlanner(profile: hazard, maxFN: maxFN) })
            let p = planner!
            // Below 12 experts no subset of these profiles meets H within half the total WCET.
            let fraction = n < 12 ? 0.95 : 0.5
            let budget = fraction * hazard.wcetMs(hazard.codec.fullMask)
            row(n, "hazard static plan", try time(repeats) { _ = try p.staticPlan(budgetMs: budget) }, "incl. escape map of 2^n keys")
            row(n, "hazard typical plan", try time(repeats) { _ = try p.typicalPlan(budgetMs: budget) })
            row(n, "hazard adaptive plan (DAG)", try time(repeats) { _ = try p.adaptivePlan(budgetMs: budget) })
            row(n, "hazard Pareto front", try time(repeats) { _ = try p.paretoFront() })
            var points = 0
            row(n, "hazard Pareto front, adaptive", try time(repeats) { points = try p.paretoFront(policy: .adaptive).count }, "\(points) points")
            if n <= 16 {
                let tabled = try hazardProfile(n, additive: false, seed: UInt64(100 + n))
                var tp: HazardPlanner? = nil
                row(n, "hazard escape sets (tabled times, 3^n)", try time(repeats) { tp = try HazardPlanner(profile: tabled, maxFN: maxFN) })
                let tb = fraction * tabled.wcetMs(tabled.codec.fullMask)
                row(n, "hazard adaptive plan (tabled times)", try time(repeats) { _ = try tp!.adaptivePlan(budgetMs: tb) })
            }
            let idk = try idkProfile(n, seed: UInt64(1000 + n))
            var idkPlanner: IDKPlanner? = nil
            row(n, "idk Prob-A transform", time(repeats) { idkPlanner = IDKPlanner(profile: idk) })
            // A bound every model can meet: 95 % of the weakest model's P̂ for all experts.
            let minSuccess = 0.95 * IDKAssumption.allCases.map { idkPlanner!.estimatedProbA($0)[idk.codec.fullMask] }.min()!
            for assume in IDKAssumption.allCases {
                row(n, "idk plan, assume \(assume.rawValue)", try time(repeats) { _ = try idkPlanner!.plan(minSuccess: minSuccess, assume: assume) })
            }
            row(n, "idk total (transform + arbitrary plan)", try time(repeats) {
                _ = try IDKPlanner(profile: idk).plan(minSuccess: minSuccess)
            })
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
