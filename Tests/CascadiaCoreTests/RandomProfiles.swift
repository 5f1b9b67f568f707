@testable import CascadiaCore

/// Test helpers on the shared PRNG, so property tests are reproducible everywhere.
extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { nextUnit() }
    /// Uniform in [a, b), rounded to a multiple of 0.001 (profile tables have µs resolution).
    mutating func ms(_ a: Double, _ b: Double) -> Double { ((a + (b - a) * unit()) * 1000).rounded() / 1000 }
}

/// Random profiles shaped like measured ones (more experts → fewer misses, more false alarms).
enum RandomProfiles {
    static func ids(_ n: Int) -> [ExpertName] {
        (0..<n).map { ExpertName(id: String(UnicodeScalar(UInt8(65 + $0))), name: "expert\($0)") }
    }

    /// A hazard profile; with `additive` false every subset's times get a per-subset jitter and
    /// coarse rounding so that ties and non-additive tables are exercised.
    static func hazard(experts n: Int, additive: Bool, seed: UInt64) throws -> HazardProfile {
        var rng = SplitMix64(seed: seed)
        let size = 1 << n
        let miss = (0..<n).map { _ in 0.05 + 0.5 * rng.unit() }
        let alarm = (0..<n).map { _ in 0.05 * rng.unit() }
        let wcet = (0..<n).map { _ in rng.ms(1, 30) }
        let tcet = wcet.map { $0 * (0.5 + 0.4 * rng.unit()) }.map { ($0 * 1000).rounded() / 1000 }
        var fp = [Double](repeating: 0, count: size), fn = fp
        var w = [Double?](repeating: nil, count: size), t = w
        for s in 0..<size {
            var pm = 1.0, pa = 1.0
            for i in 0..<n where s & (1 << i) != 0 { pm *= miss[i]; pa *= 1 - alarm[i] }
            // Dependence: misses are correlated, so the product is only a lower bound.
            fn[s] = s == 0 ? 1 : min(1, ((pm + 0.1 * rng.unit() * (1 - pm)) * 100).rounded() / 100)
            fp[s] = ((1 - pa) * 100).rounded() / 100  // coarse: many ties
            if !additive {
                var ws = 0.0, ts = 0.0
                for i in 0..<n where s & (1 << i) != 0 { ws += wcet[i]; ts += tcet[i] }
                if s != 0 {
                    w[s] = (ws * (0.9 + 0.2 * rng.unit())).rounded()
                    t[s] = (ts * (0.9 + 0.2 * rng.unit())).rounded()
                }
            }
        }
        return try HazardProfile(
            experts: ids(n), fp: fp, fn: fn, wcetMs: w, tcetMs: t,
            expertWcetMs: additive ? wcet : nil, expertTcetMs: additive ? tcet : nil)
    }

    /// An IDK profile whose Prob-S comes from a latent "difficulty" model, so experts depend on
    /// each other; some subsets get probability zero.
    static func idk(experts n: Int, seed: UInt64) throws -> IDKProfile {
        var rng = SplitMix64(seed: seed)
        let size = 1 << n
        let skill = (0..<n).map { _ in 0.2 + 0.7 * rng.unit() }
        var counts = [Double](repeating: 0, count: size)
        for _ in 0..<400 {
            let difficulty = rng.unit()
            var s = 0
            for i in 0..<n where rng.unit() < skill[i] * (1.2 - difficulty) { s |= 1 << i }
            counts[s] += 1
        }
        let experts = (0..<n).map { i in
            let time = rng.ms(1, 20)
            return IDKExpert(id: String(UnicodeScalar(UInt8(65 + i))), name: "expert\(i)", timeMs: time, wcetMs: time + rng.ms(0, 10))
        }
        return try IDKProfile(experts: experts, counts: counts)
    }
}
