/// An IDK cascade chosen by the dynamic program: the set, its run order and its expected time
/// under the Prob-A table the choice was made with.
public struct IDKChoice: Sendable, Equatable {
    /// The chosen experts as a bitmask.
    public var mask: Int
    /// Expert indices in run order.
    public var order: [Int]
    /// Σ C_i·(1 − P̂[{K1..K(i−1)}]) under the table used to choose, milliseconds.
    public var expectedMs: Double
}

/// Exact IDK-cascade synthesis over an `IDKProfile` with arbitrary dependences (SPEC §4.2).
///
/// Prob-A (the probability that at least one expert of S classifies) is derived from Prob-S by a
/// subset-sum transform: P̂[S] = 1 − Σ_{T ∩ S = ∅} ProbS[T] = 1 − Z[¬S], Z[U] = Σ_{T ⊆ U} ProbS[T].
/// The expected time of an order depends on the set before each expert only, so
/// E[S] = min_{i∈S} E[S − i] + C_i·(1 − P̂[S − i]) is the least expected time of running exactly S;
/// the plan is the S of least E[S] with P̂[S] ≥ P and Σ_{i∈S} WCET_i ≤ D.
/// Time O(n·2^n), memory O(2^n) (flat arrays, about 27 bytes per subset).
public struct IDKPlanner: Sendable {
    public let profile: IDKProfile
    /// The true Prob-A of every subset, by mask.
    public let probA: [Double]
    /// Marginal success P_i = P̂[{i}] of each expert.
    public let marginals: [Double]

    /// Tolerance on P̂[S] ≥ P (absorbs rounding in the transform).
    public static let successTolerance = 1e-9

    public init(profile: IDKProfile) {
        self.profile = profile
        probA = Self.probA(fromProbS: profile.probS, experts: profile.count)
        marginals = (0..<profile.count).map { [probA] in probA[1 << $0] }
    }

    /// Prob-A from Prob-S in O(n·2^n).
    public static func probA(fromProbS probS: [Double], experts n: Int) -> [Double] {
        var zeta = probS
        zeta.withUnsafeMutableBufferPointer { z in
            for bit in 0..<n {
                let b = 1 << bit
                for m in 0..<z.count where m & b != 0 { z[m] += z[m ^ b] }
            }
        }
        let full = (1 << n) - 1
        return (0...full).map { min(1, max(0, 1 - zeta[full ^ $0])) }
    }

    /// The Prob-A table an assumption predicts from the marginals.
    public func estimatedProbA(_ assume: IDKAssumption) -> [Double] {
        let size = profile.codec.subsetCount
        switch assume {
        case .arbitrary:
            return probA
        case .independent:
            var none = [Double](repeating: 1, count: size)  // Π (1 − P_i)
            for m in 1..<size { none[m] = none[m & (m - 1)] * (1 - marginals[m.trailingZeroBitCount]) }
            return none.map { 1 - $0 }
        case .fullyDependent:
            var best = [Double](repeating: 0, count: size)
            for m in 1..<size { best[m] = max(best[m & (m - 1)], marginals[m.trailingZeroBitCount]) }
            return best
        }
    }

    /// Σ C_i·(1 − A[{K1..K(i−1)}]) for an order of expert indices.
    public func expectedMs(order: [Int], probA table: [Double]) -> Double {
        var done = 0, total = 0.0
        for i in order {
            total += profile.experts[i].timeMs * (1 - table[done])
            done |= 1 << i
        }
        return total
    }

    /// The dynamic program: the cheapest set meeting P̂ ≥ `minSuccess` and ΣWCET ≤ `deadlineMs`
    /// under `table`, or nil when none does. Ties go to the smaller mask.
    public func solve(probA table: [Double], minSuccess: Double, deadlineMs: Double?) -> IDKChoice? {
        let size = profile.codec.subsetCount
        let cost = profile.experts.map(\.timeMs)
        let wcet = profile.experts.map { Nanoseconds.from(milliseconds: $0.wcetMs) }
        let deadline = deadlineMs.map { Nanoseconds.from(milliseconds: $0) } ?? .max
        var expected = [Double](repeating: 0, count: size)
        var last = [UInt8](repeating: 0, count: size)
        var worst = [Int64](repeating: 0, count: size)
        var chosen = -1
        let need = minSuccess - Self.successTolerance
        table.withUnsafeBufferPointer { a in
            expected.withUnsafeMutableBufferPointer { e in
                last.withUnsafeMutableBufferPointer { l in
                    worst.withUnsafeMutableBufferPointer { w in
                        if a[0] >= need { chosen = 0 }
                        for s in 1..<size {
                            w[s] = w[s & (s - 1)] + wcet[s.trailingZeroBitCount]
                            var best = Double.infinity, arg = 0
                            var bits = s
                            while bits != 0 {
                                let i = bits.trailingZeroBitCount
                                bits &= bits - 1
                                let before = s ^ (1 << i)
                                let value = e[before] + cost[i] * (1 - a[before])
                                if value < best { best = value; arg = i }
                            }
                            e[s] = best
                            l[s] = UInt8(arg)
                            if a[s] >= need && w[s] <= deadline && (chosen < 0 || best < e[chosen]) { chosen = s }
                        }
                    }
                }
            }
        }
        guard chosen >= 0 else { return nil }
        var order: [Int] = []
        var s = chosen
        while s != 0 {
            let i = Int(last[s])
            order.append(i)
            s ^= 1 << i
        }
        return IDKChoice(mask: chosen, order: order.reversed(), expectedMs: expected[chosen])
    }

    /// The plan an assumption chooses, with its own estimates and the truth under Prob-S.
    public func plan(minSuccess: Double, deadlineMs: Double? = nil, assume: IDKAssumption = .arbitrary) throws(PlanError) -> Plan {
        guard minSuccess > 0 && minSuccess <= 1 else {
            throw .invalidParameter(name: "min-success", "\(minSuccess) is not in (0, 1]")
        }
        if let d = deadlineMs, !(d > 0 && d.isFinite && d < 1e9) {
            throw .invalidParameter(name: "deadline-ms", "\(d) is not a positive number of milliseconds")
        }
        let table = estimatedProbA(assume)
        guard let choice = solve(probA: table, minSuccess: minSuccess, deadlineMs: deadlineMs) else {
            throw .infeasible(infeasibleReason(table, minSuccess, deadlineMs, assume))
        }
        let p = profile
        let ids = choice.order.map { p.experts[$0].id }
        let catalog = p.experts.map { PlanExpert(id: $0.id, name: $0.name, wcetMs: $0.wcetMs, typicalMs: $0.timeMs) }
        var plan = Plan(kind: .idk, assume: assume, catalog: catalog, experts: ids, stages: ids.map { [$0] })
        plan.order = ids
        plan.minSuccess = minSuccess
        plan.deadlineMs = deadlineMs
        let truth = expectedMs(order: choice.order, probA: probA)
        plan.expectedMs = truth
        plan.estimatedMs = choice.expectedMs
        plan.worstMs = choice.order.reduce(0) { $0 + p.experts[$1].wcetMs }
        plan.success = probA[choice.mask]
        plan.estimatedSuccess = table[choice.mask]
        let cdf = latencyCDF(order: choice.order)
        plan.cdf = cdf
        plan.typicalMs = cdf.first { $0.p >= 0.5 }?.ms ?? 0
        let orderText = ids.isEmpty ? "(no expert)" : ids.joined(separator: " → ")
        var lines = [
            "Under the \(assume.rawValue) model, \(orderText) has the least expected time (\(fmt(choice.expectedMs)) ms) among sets with P̂ ≥ \(minSuccess)"
                + (deadlineMs.map { " and ΣWCET ≤ \(fmt($0)) ms" } ?? "") + "; its P̂ is \(fmt(table[choice.mask]))."
        ]
        if assume != .arbitrary {
            let error = choice.expectedMs - truth
            lines.append(
                "Under the profile's Prob-S the same order takes \(fmt(truth)) ms on average (the estimate is off by \(fmt(error)) ms, \(fmt(truth > 0 ? 100 * error / truth : 0))%) and succeeds with probability \(fmt(probA[choice.mask]))"
                    + (probA[choice.mask] + Self.successTolerance < minSuccess ? ", BELOW the required \(minSuccess)." : "."))
        }
        lines.append("Worst case (every chosen expert runs to its WCET): \(fmt(plan.worstMs!)) ms.")
        plan.explanation = lines
        return plan
    }

    /// CDF of the cascade's duration with experts taking `time_ms`: it stops after K_k with
    /// probability P̂[K1..Kk] − P̂[K1..K(k−1)], and after the last expert in every other case.
    public func latencyCDF(order: [Int]) -> [CDFPoint] {
        var points: [CDFPoint] = []
        var done = 0, elapsed = 0.0
        for (k, i) in order.enumerated() {
            elapsed += profile.experts[i].timeMs
            done |= 1 << i
            let p = k == order.count - 1 ? 1 : probA[done]
            if let lastPoint = points.last, lastPoint.ms == elapsed { points[points.count - 1].p = p } else {
                points.append(CDFPoint(ms: elapsed, p: p))
            }
        }
        return points
    }

    func infeasibleReason(_ table: [Double], _ minSuccess: Double, _ deadlineMs: Double?, _ assume: IDKAssumption) -> String {
        let model = assume == .arbitrary ? "" : " under the \(assume.rawValue) assumption"
        guard let deadlineMs else {
            return "min success \(minSuccess) cannot be met\(model): the best P̂ (all experts) is \(fmt(table[profile.codec.fullMask]))"
        }
        let deadline = Nanoseconds.from(milliseconds: deadlineMs)
        var best = 0
        var worst = [Int64](repeating: 0, count: profile.codec.subsetCount)
        for s in 1..<profile.codec.subsetCount {
            worst[s] = worst[s & (s - 1)] + Nanoseconds.from(milliseconds: profile.experts[s.trailingZeroBitCount].wcetMs)
            if worst[s] <= deadline && table[s] > table[best] { best = s }
        }
        return "min success \(minSuccess) cannot be met within deadline \(fmt(deadlineMs)) ms\(model): the best P̂ of a set with ΣWCET ≤ D is \(fmt(table[best])) (\(best == 0 ? "∅" : profile.codec.key(best)))"
    }
}
