/// One point of the Pareto front of FP against latency budget: for every budget L > `budgetMs`
/// (up to the next point) the best achievable FP is `fp`, with subset `experts`.
public struct ParetoPoint: Codable, Sendable, Equatable {
    public var budgetMs: Double
    public var experts: [String]
    public var fp: Double
    public var fn: Double
    public var wcetMs: Double
    public var tcetMs: Double

    enum CodingKeys: String, CodingKey {
        case budgetMs = "budget_ms"
        case experts, fp, fn
        case wcetMs = "wcet_ms"
        case tcetMs = "tcet_ms"
    }
}

/// Exact hazard-batch planners over a `HazardProfile` for an FN bound H (SPEC §4.1).
///
/// Built once per (profile, H): the constructor computes the escape set of every subset.
/// Complexity: escape sets and the adaptive DAG take O(n·2^n) time when the profile's times are
/// additive (`HazardProfile.timesAreAdditive`) and O(3^n) otherwise; static and typical plans
/// and the Pareto front take O(2^n) (plus a sort). Memory O(2^n).
public struct HazardPlanner: Sendable {
    public let profile: HazardProfile
    /// The FN bound H: a subset is acceptable when FN < H.
    public let maxFN: Double
    /// The escape set of every subset S (by mask): the subset X of the experts not in S with
    /// minimum WCET such that FN(S ∪ X) < H; 0 when FN(S) < H; -1 when no such X exists.
    /// Ties go to fewer experts, then lower FN(S ∪ X), then the smaller mask.
    public let escape: [Int]

    public init(profile: HazardProfile, maxFN: Double) throws(PlanError) {
        guard maxFN > 0 && maxFN <= 1 else {
            throw .invalidParameter(name: "max-fn", "\(maxFN) is not in (0, 1]")
        }
        self.profile = profile
        self.maxFN = maxFN
        escape = profile.timesAreAdditive
            ? Self.additiveEscapes(profile, maxFN) : Self.enumeratedEscapes(profile, maxFN)
    }

    /// True when FN(mask) < H (a leaf of the DAG).
    @inline(__always) func meetsFN(_ mask: Int) -> Bool { profile.fn[mask] < maxFN }

    // MARK: Escape sets

    /// Is candidate `a` better than `b` (both escape sets X for the same S, -1 = none)?
    @inline(__always)
    static func betterEscape(_ p: HazardProfile, s: Int, _ a: Int, _ b: Int) -> Bool {
        if a < 0 { return false }
        if b < 0 { return true }
        let wa = p.wcetNanoseconds[a], wb = p.wcetNanoseconds[b]
        if wa != wb { return wa < wb }
        let ca = a.nonzeroBitCount, cb = b.nonzeroBitCount
        if ca != cb { return ca < cb }
        let fa = p.fn[s | a], fb = p.fn[s | b]
        if fa != fb { return fa < fb }
        return a < b
    }

    /// O(3^n): for each S, every subset X of its complement.
    static func enumeratedEscapes(_ p: HazardProfile, _ h: Double) -> [Int] {
        let full = p.codec.fullMask
        var result = [Int](repeating: -1, count: p.codec.subsetCount)
        for s in 0...full {
            if p.fn[s] < h { result[s] = 0; continue }
            let complement = full ^ s
            var x = complement
            var best = -1
            while x != 0 {
                if p.fn[s | x] < h && betterEscape(p, s: s, x, best) { best = x }
                x = (x - 1) & complement
            }
            result[s] = best
        }
        return result
    }

    /// O(n·2^n) for additive times: WCET(X) = WCET(S ∪ X) − WCET(S), so the best X for S comes
    /// from the best superset T ⊇ S with FN(T) < H under the order (WCET(T), |T|, FN(T), T), which
    /// equals the escape order on X = T − S. A superset-minimum transform finds it for every S.
    static func additiveEscapes(_ p: HazardProfile, _ h: Double) -> [Int] {
        let size = p.codec.subsetCount
        var best = [Int](repeating: -1, count: size)
        for t in 0..<size where p.fn[t] < h { best[t] = t }
        for bit in 0..<p.count {
            let b = 1 << bit
            for m in 0..<size where m & b == 0 {
                let candidate = best[m | b]
                // Compare supersets by their own order: (WCET, size, FN, mask) with s = 0.
                if betterEscape(p, s: 0, candidate, best[m]) { best[m] = candidate }
            }
        }
        return (0..<size).map { best[$0] < 0 ? -1 : best[$0] ^ $0 }
    }

    // MARK: Static and typical

    /// Lowest FP, then WCET, then FN, then mask.
    @inline(__always) func betterChoice(_ a: Int, _ b: Int) -> Bool {
        if b < 0 { return true }
        let p = profile
        if p.fp[a] != p.fp[b] { return p.fp[a] < p.fp[b] }
        if p.wcetNanoseconds[a] != p.wcetNanoseconds[b] { return p.wcetNanoseconds[a] < p.wcetNanoseconds[b] }
        if p.fn[a] != p.fn[b] { return p.fn[a] < p.fn[b] }
        return a < b
    }

    /// The static optimum: minimum FP such that FN < H and WCET < L.
    public func staticPlan(budgetMs: Double) throws(PlanError) -> Plan {
        let budget = try Self.budget(budgetMs)
        var best = -1, feasible = 0
        for s in 0..<profile.codec.subsetCount where meetsFN(s) && profile.wcetNanoseconds[s] < budget {
            feasible += 1
            if betterChoice(s, best) { best = s }
        }
        guard best >= 0 else {
            try requireSomeSubsetMeetsFN()
            let fastest = fastestMeetingFN(profile.wcetNanoseconds)
            throw .infeasible(
                "budget \(fmt(budgetMs)) ms cannot be met: the fastest subset with FN < \(maxFN) is \(name(fastest)) with WCET \(fmt(profile.wcetMs(fastest))) ms (static needs WCET < L)")
        }
        var plan = basePlan(.static, chosen: best, budgetMs: budgetMs)
        plan.stages = [profile.codec.members(best)]
        plan.worstMs = profile.wcetMs(best)
        plan.explanation = [
            "\(feasible) of \(profile.codec.subsetCount) subsets have FN < \(maxFN) and WCET < \(fmt(budgetMs)) ms; \(name(best)) has the lowest FP (\(fmt(profile.fp[best]))).",
            "It runs as one batch: WCET \(fmt(profile.wcetMs(best))) ms < L, so no escape set is needed (escape[\(name(best))] = \(name(escape[best]))).",
        ] + unconstrainedNote(best)
        return plan
    }

    /// The typical-case optimum: minimum FP such that FN < H and TCET < L, made safe by escape
    /// sets; requires WCET(ESCAP(∅)) ≤ L so that the runtime always has an escape that fits.
    public func typicalPlan(budgetMs: Double) throws(PlanError) -> Plan {
        let budget = try Self.budget(budgetMs)
        try requireSomeSubsetMeetsFN()
        try requireRootEscapeFits(budget, budgetMs)
        var best = -1, feasible = 0
        for s in 0..<profile.codec.subsetCount where meetsFN(s) && profile.tcetNanoseconds[s] < budget {
            feasible += 1
            if betterChoice(s, best) { best = s }
        }
        guard best >= 0 else {
            let fastest = fastestMeetingFN(profile.tcetNanoseconds)
            throw .infeasible(
                "budget \(fmt(budgetMs)) ms cannot be met: the subset with FN < \(maxFN) of lowest TCET is \(name(fastest)) with TCET \(fmt(profile.tcetMs(fastest))) ms (typical needs TCET < L)")
        }
        var plan = basePlan(.typical, chosen: best, budgetMs: budgetMs)
        let (order, bottleneck) = stageOrder(best)
        plan.stages = order.map { [profile.experts[$0].id] }
        plan.worstMs = min(profile.wcetMs(best), budgetMs)
        let fits = bottleneck <= budget
        plan.explanation = [
            "\(feasible) of \(profile.codec.subsetCount) subsets have FN < \(maxFN) and TCET < \(fmt(budgetMs)) ms; \(name(best)) has the lowest FP (\(fmt(profile.fp[best]))).",
            "Its WCET is \(fmt(profile.wcetMs(best))) ms; the runtime runs it one expert per stage and, if an overrun threatens L, runs the escape set of what has finished (escape[\"\"] = \(name(escape[0])), WCET \(fmt(profile.wcetMs(escape[0]))) ms ≤ L).",
            "Stage order \(plan.stages.map { $0[0] }.joined(separator: " → ")) minimizes the largest pre-stage check TCET(done) + WCET(next) + WCET(escape): \(fmt(Nanoseconds.milliseconds(bottleneck))) ms"
                + (fits ? " ≤ L, so a run at typical speed completes without escaping." : " > L, so even at typical speed the deadline monitor escapes before the last stage."),
        ] + unconstrainedNote(best)
        return plan
    }

    /// The order of S's experts, one per stage, minimizing the largest check cost
    /// TCET(P) + WCET({e}) + WCET(ESCAP(P ∪ {e})) over the chain ∅ ⊂ P1 ⊂ … ⊂ S (a bottleneck
    /// dynamic program over the subsets of S, O(|S|·2^|S|)). Returns the order and that cost.
    func stageOrder(_ s: Int) -> (order: [Int], bottleneck: Int64) {
        let members = (0..<profile.count).filter { s & (1 << $0) != 0 }
        let k = members.count
        var cost = [Int64](repeating: .max, count: 1 << k)
        var last = [Int](repeating: -1, count: 1 << k)
        cost[0] = 0
        var global = [Int](repeating: 0, count: 1 << k)  // local mask over members → profile mask
        for local in 1..<(1 << k) { global[local] = global[local & (local - 1)] | (1 << members[local.trailingZeroBitCount]) }
        for local in 1..<(1 << k) {
            let after = global[local]
            for j in 0..<k where local & (1 << j) != 0 {
                let before = local ^ (1 << j)
                let e = escape[after]
                let step = e < 0 ? Int64.max
                    : profile.tcetNanoseconds[global[before]] + profile.wcetNanoseconds[1 << members[j]] + profile.wcetNanoseconds[e]
                let value = max(cost[before], step)
                if value < cost[local] || last[local] < 0 { cost[local] = value; last[local] = j }
            }
        }
        var order: [Int] = []
        var local = (1 << k) - 1
        while local != 0 {
            let j = last[local]
            order.append(members[j])
            local ^= 1 << j
        }
        return (order.reversed(), cost[(1 << k) - 1])
    }

    // MARK: Adaptive DAG

    /// The cost TCET(P) + WCET(Q − P) + WCET(ESCAP(Q)) of the edge P → Q, or nil when Q has no
    /// escape set.
    @inline(__always) func edgeCost(_ p: Int, _ q: Int) -> Int64? {
        let e = escape[q]
        if e < 0 { return nil }
        return profile.tcetNanoseconds[p] + profile.wcetNanoseconds[q & ~p] + profile.wcetNanoseconds[e]
    }

    /// Which subsets are reachable from ∅ in the DAG for budget L (nanoseconds).
    func reachable(budget: Int64) -> [Bool] {
        let size = profile.codec.subsetCount
        var reach = [Bool](repeating: false, count: size)
        reach[0] = true
        let wcet = profile.wcetNanoseconds, tcet = profile.tcetNanoseconds
        if profile.timesAreAdditive {
            // Edge P → Q ⇔ WCET(Q) + WCET(ESCAP(Q)) ≤ L − TCET(P) + WCET(P) =: h(P). best[Q] is
            // the largest h(P) over reachable non-leaf proper subsets P of Q, built from Q − {i}.
            var best = [Int64](repeating: .min, count: size)
            for q in 1..<size {
                var value = Int64.min
                var bits = q
                while bits != 0 {
                    let b = bits & -bits
                    bits ^= b
                    let p = q ^ b
                    value = max(value, best[p])
                    if reach[p] && !meetsFN(p) { value = max(value, budget - tcet[p] + wcet[p]) }
                }
                best[q] = value
                let e = escape[q]
                if e >= 0 && value != .min && wcet[q] + wcet[e] <= value { reach[q] = true }
            }
        } else {
            let full = profile.codec.fullMask
            for p in 0..<size where reach[p] && !meetsFN(p) {
                let complement = full ^ p
                var x = complement
                while x != 0 {
                    let q = p | x
                    if !reach[q], let cost = edgeCost(p, q), cost <= budget { reach[q] = true }
                    x = (x - 1) & complement
                }
            }
        }
        return reach
    }

    /// For the target leaf T: which subsets X ⊆ T can reach T along DAG edges inside T.
    func leadsTo(_ target: Int, budget: Int64, reach: [Bool]) -> [Bool] {
        let size = profile.codec.subsetCount
        var can = [Bool](repeating: false, count: size)
        can[target] = true
        let wcet = profile.wcetNanoseconds, tcet = profile.tcetNanoseconds
        var lowest = [Int64](repeating: .max, count: size)  // additive: min g(Y) over Y ⊋ X, Y ⊆ T, can[Y]
        var x = target
        while x != 0 {
            x = (x - 1) & target
            let open = reach[x] && !meetsFN(x)
            if profile.timesAreAdditive {
                var value = Int64.max
                var bits = target ^ x
                while bits != 0 {
                    let b = bits & -bits
                    bits ^= b
                    let y = x | b
                    value = min(value, lowest[y])
                    if can[y], escape[y] >= 0 { value = min(value, wcet[y] + wcet[escape[y]]) }
                }
                lowest[x] = value
                can[x] = open && value != .max && value <= budget - tcet[x] + wcet[x]
            } else if open {
                let rest = target ^ x
                var z = rest
                while z != 0 {
                    if can[x | z], let cost = edgeCost(x, x | z), cost <= budget { can[x] = true; break }
                    z = (z - 1) & rest
                }
            }
        }
        return can
    }

    /// The adaptive optimum: the leaf (FN < H) reachable from ∅ with minimum FP, and the path
    /// to it taking at each node the edge of maximum slack among those that lead on to the leaf.
    public func adaptivePlan(budgetMs: Double) throws(PlanError) -> Plan {
        let budget = try Self.budget(budgetMs)
        try requireSomeSubsetMeetsFN()
        let reach = reachable(budget: budget)
        var target = -1, reachableLeaves = 0
        for s in 0..<profile.codec.subsetCount where reach[s] && meetsFN(s) {
            reachableLeaves += 1
            if betterChoice(s, target) { target = s }
        }
        guard target >= 0 else {
            var cheapest = Int64.max, via = 0
            for q in 1..<profile.codec.subsetCount { if let c = edgeCost(0, q), c < cheapest { cheapest = c; via = q } }
            throw .infeasible(
                "budget \(fmt(budgetMs)) ms cannot be met: no subset with FN < \(maxFN) is reachable; the cheapest first stage is \(name(via)) with WCET(\(name(via))) + WCET(escape) = \(fmt(Nanoseconds.milliseconds(cheapest))) ms")
        }
        let can = leadsTo(target, budget: budget, reach: reach)
        var path = [0], edges: [PlanEdge] = [], worst: Int64 = 0
        var node = 0
        while node != target {
            let rest = target ^ node
            var next = -1, nextCost = Int64.max
            var z = rest
            while z != 0 {
                let y = node | z
                if can[y], let cost = edgeCost(node, y), cost <= budget, cost < nextCost || (cost == nextCost && y < next) {
                    next = y
                    nextCost = cost
                }
                z = (z - 1) & rest
            }
            precondition(next >= 0, "adaptive path reconstruction lost the target")
            edges.append(PlanEdge(from: key(node), to: key(next), slackMs: Nanoseconds.milliseconds(budget - nextCost)))
            worst = max(worst, nextCost)
            path.append(next)
            node = next
        }
        var plan = basePlan(.adaptive, chosen: target, budgetMs: budgetMs)
        plan.path = path.map(key)
        plan.edges = edges
        plan.stages = zip(path, path.dropFirst()).map { profile.codec.members($1 & ~$0) }
        plan.worstMs = Nanoseconds.milliseconds(worst)
        let steps = edges.map { "\($0.from.isEmpty ? "∅" : $0.from) → \($0.to) (slack \(fmt($0.slackMs)) ms)" }
        plan.explanation = [
            "\(reachableLeaves) subsets with FN < \(maxFN) are reachable from ∅ under L = \(fmt(budgetMs)) ms; \(name(target)) has the lowest FP (\(fmt(profile.fp[target]))).",
            "Path: " + steps.joined(separator: ", ") + "; each edge P → Q satisfies TCET(P) + WCET(Q−P) + WCET(escape[Q]) ≤ L.",
            "If a stage overruns its typical time the runtime runs the escape set of what has finished, which fits and meets FN < \(maxFN).",
        ] + unconstrainedNote(target)
        return plan
    }

    // MARK: Pareto front

    /// The Pareto front of FP against budget L for the static policy (threshold WCET(S)) or the
    /// typical policy (threshold max(TCET(S), WCET(ESCAP(∅)))); the front is valid for L above
    /// each point's `budgetMs`. Adaptive is not supported (its breakpoints are DAG edge costs).
    public func paretoFront(policy: HazardPolicy = .static) throws(PlanError) -> [ParetoPoint] {
        try requireSomeSubsetMeetsFN()
        let p = profile
        var candidates: [(threshold: Int64, mask: Int)] = []
        let rootEscape = escape[0] < 0 ? Int64.max : p.wcetNanoseconds[escape[0]]
        for s in 0..<p.codec.subsetCount where meetsFN(s) {
            switch policy {
            case .static: candidates.append((p.wcetNanoseconds[s], s))
            case .typical: candidates.append((max(p.tcetNanoseconds[s], rootEscape), s))
            case .adaptive: throw .invalidParameter(name: "policy", "the Pareto front supports static and typical")
            }
        }
        candidates.sort { a, b in a.threshold != b.threshold ? a.threshold < b.threshold : betterChoice(a.mask, b.mask) }
        var front: [ParetoPoint] = []
        var bestFP = Double.infinity
        for (threshold, s) in candidates where p.fp[s] < bestFP {
            bestFP = p.fp[s]
            front.append(ParetoPoint(
                budgetMs: Nanoseconds.milliseconds(threshold), experts: p.codec.members(s), fp: p.fp[s], fn: p.fn[s],
                wcetMs: p.wcetMs(s), tcetMs: p.tcetMs(s)))
        }
        return front
    }

    // MARK: Helpers

    static func budget(_ ms: Double) throws(PlanError) -> Int64 {
        guard ms > 0 && ms.isFinite && ms < 1e9 else {
            throw .invalidParameter(name: "budget-ms", "\(ms) is not a positive number of milliseconds")
        }
        return Nanoseconds.from(milliseconds: ms)
    }

    func key(_ mask: Int) -> String { profile.codec.key(mask) }
    func name(_ mask: Int) -> String { mask < 0 ? "(none)" : mask == 0 ? "∅" : key(mask) }

    func requireSomeSubsetMeetsFN() throws(PlanError) {
        var best = 0
        for s in 0..<profile.codec.subsetCount where profile.fn[s] < profile.fn[best] { best = s }
        guard profile.fn[best] < maxFN else {
            throw .infeasible("max FN \(maxFN) cannot be met: the lowest FN of any subset is \(fmt(profile.fn[best])) (\(name(best)))")
        }
    }

    func requireRootEscapeFits(_ budget: Int64, _ budgetMs: Double) throws(PlanError) {
        let e = escape[0]
        guard e >= 0, profile.wcetNanoseconds[e] <= budget else {
            throw .infeasible(
                "budget \(fmt(budgetMs)) ms cannot be met: the escape set of ∅, \(name(e)), has WCET \(fmt(profile.wcetMs(max(e, 0)))) ms > L")
        }
    }

    func fastestMeetingFN(_ times: [Int64]) -> Int {
        var best = -1
        for s in 0..<profile.codec.subsetCount where meetsFN(s) {
            if best < 0 || times[s] < times[best] || (times[s] == times[best] && betterChoice(s, best)) { best = s }
        }
        return best
    }

    func unconstrainedNote(_ chosen: Int) -> [String] {
        var best = -1
        for s in 0..<profile.codec.subsetCount where meetsFN(s) && betterChoice(s, best) { best = s }
        guard best >= 0, best != chosen, profile.fp[best] < profile.fp[chosen] else {
            return ["No subset with FN < \(maxFN) has a lower FP at any budget."]
        }
        return ["Without the budget, \(name(best)) would give FP \(fmt(profile.fp[best])) (WCET \(fmt(profile.wcetMs(best))) ms, TCET \(fmt(profile.tcetMs(best))) ms)."]
    }

    func basePlan(_ policy: HazardPolicy, chosen: Int, budgetMs: Double) -> Plan {
        let p = profile
        let catalog = (0..<p.count).map {
            PlanExpert(id: p.experts[$0].id, name: p.experts[$0].name, wcetMs: p.wcetMs(1 << $0), typicalMs: p.tcetMs(1 << $0))
        }
        var plan = Plan(kind: .hazard, policy: policy, catalog: catalog, experts: p.codec.members(chosen), stages: [])
        var map: [String: String] = [:]
        map.reserveCapacity(p.codec.subsetCount)
        for s in 0..<p.codec.subsetCount where escape[s] >= 0 { map[key(s)] = key(escape[s]) }
        plan.escape = map
        plan.budgetMs = budgetMs
        plan.maxFN = maxFN
        plan.fp = p.fp[chosen]
        plan.fn = p.fn[chosen]
        plan.wcetMs = p.wcetMs(chosen)
        plan.tcetMs = p.tcetMs(chosen)
        plan.typicalMs = p.tcetMs(chosen)
        plan.expectedMs = p.tcetMs(chosen)
        return plan
    }
}

/// Formats a number for explanations: up to 4 decimals, no trailing zeros.
func fmt(_ value: Double) -> String {
    if value.isInfinite { return value > 0 ? "∞" : "-∞" }
    var text = String(Double((value * 10_000).rounded()) / 10_000)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
}
