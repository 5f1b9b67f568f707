import Foundation
import Testing
@testable import CascadiaCore

/// Independent brute-force reference over a profile's arrays: all subsets, all edges.
struct HazardBruteForce {
    let p: HazardProfile
    let h: Double
    var size: Int { p.codec.subsetCount }

    func escape(_ s: Int) -> Int {
        if p.fn[s] < h { return 0 }
        var best: (Int64, Int, Double, Int)? = nil
        for x in 0..<size where x & s == 0 && p.fn[s | x] < h {
            let key = (p.wcetNanoseconds[x], x.nonzeroBitCount, p.fn[s | x], x)
            if best == nil || key < best! { best = key }
        }
        return best?.3 ?? -1
    }

    func best(where ok: (Int) -> Bool) -> Int? {
        var best: (Double, Int64, Double, Int)? = nil
        for s in 0..<size where p.fn[s] < h && ok(s) {
            let key = (p.fp[s], p.wcetNanoseconds[s], p.fn[s], s)
            if best == nil || key < best! { best = key }
        }
        return best?.3
    }

    func edgeCost(_ a: Int, _ b: Int, _ esc: [Int]) -> Int64? {
        guard esc[b] >= 0 else { return nil }
        return p.tcetNanoseconds[a] + p.wcetNanoseconds[b & ~a] + p.wcetNanoseconds[esc[b]]
    }

    /// Reachable set by explicit graph search.
    func reachable(_ budget: Int64, _ esc: [Int]) -> Set<Int> {
        var seen: Set<Int> = [0], stack = [0]
        while let a = stack.popLast() {
            if p.fn[a] < h { continue }
            for b in 0..<size where b & a == a && b != a && !seen.contains(b) {
                if let c = edgeCost(a, b, esc), c <= budget { seen.insert(b); stack.append(b) }
            }
        }
        return seen
    }
}

@Suite struct HazardPlannerTests {
    static let shared = try! HazardProfile(table: SharedTable.text, file: "shared.tsv")

    // MARK: The published table

    @Test func publishedEscapeColumnIsReproducedRowByRow() throws {
        let planner = try HazardPlanner(profile: Self.shared, maxFN: 0.086)
        let rows = SharedTable.rows
        #expect(rows.count == 32)
        for row in rows {
            let mask = try #require(Self.shared.codec.mask(row.key))
            let escape = planner.escape[mask]
            #expect(escape >= 0)
            #expect(Self.shared.codec.key(escape) == row.publishedEscape, "escape of '\(row.key)'")
        }
    }

    @Test func escapeOfEmptySetByHand() throws {
        // FN < 0.086 alone: CD (0.085, 33.734 ms) is the cheapest; ABC (0.085) costs 66.529 ms.
        let planner = try HazardPlanner(profile: Self.shared, maxFN: 0.086)
        #expect(Self.shared.codec.key(planner.escape[0]) == "CD")
        // With H = 0.085 CD no longer qualifies; cheapest with FN < 0.085: CDE (0.0667, 39.033).
        let tighter = try HazardPlanner(profile: Self.shared, maxFN: 0.085)
        #expect(Self.shared.codec.key(tighter.escape[0]) == "CDE")
    }

    @Test func staticOptimaByHand() throws {
        let planner = try HazardPlanner(profile: Self.shared, maxFN: 0.086)
        // L = 60: FN < 0.086 and WCET < 60 → CD, ACD, BCD, ABE, ACE, ADE, BDE, CDE; ABE has FP 0.0308.
        #expect(try planner.staticPlan(budgetMs: 60).experts == ["A", "B", "E"])
        // L = 50: ABE (54.274) drops out; ACE (47.975, FP 0.0458) is best.
        #expect(try planner.staticPlan(budgetMs: 50).experts == ["A", "C", "E"])
        // L = 34: only CD (33.734) fits.
        #expect(try planner.staticPlan(budgetMs: 34).experts == ["C", "D"])
        // L = 33.734: WCET < L is strict, nothing fits.
        #expect(throws: PlanError.self) { try planner.staticPlan(budgetMs: 33.734) }
    }

    @Test func adaptiveOptimumByHand() throws {
        let planner = try HazardPlanner(profile: Self.shared, maxFN: 0.086)
        let plan = try planner.adaptivePlan(budgetMs: 60)
        // ABC (FP 0.0275, the lowest of any FN < 0.086 subset) is reachable:
        // ∅ → C costs 17.554 + WCET(D) 16.18 = 33.734; C → AC costs 12.263 + 25.121 + WCET(E) 5.3 = 42.684;
        // AC → ABC costs 30.429 + 23.854 + 0 = 54.283 ≤ 60.
        #expect(plan.experts == ["A", "B", "C"])
        #expect(plan.fp == 0.0275)
        let path = try #require(plan.path)
        #expect(path.first == "" && path.last == "ABC")
        #expect(plan.worstMs! <= 60)
        #expect(plan.stages.flatMap { $0 }.sorted() == ["A", "B", "C"])
    }

    @Test(arguments: [(0.086, 40.0), (0.086, 50.0), (0.086, 60.0), (0.086, 70.0), (0.09, 45.0), (0.1, 30.0), (0.08, 55.0), (0.07, 90.0)])
    func sharedTableOptimaMatchIndependentEnumeration(h: Double, l: Double) throws {
        let rows = SharedTable.rows
        let planner = try HazardPlanner(profile: Self.shared, maxFN: h)
        func best(_ ok: (SharedTableRow) -> Bool) -> SharedTableRow? {
            rows.filter { $0.fn < h && ok($0) }.min { ($0.fp, $0.wcet, $0.fn) < ($1.fp, $1.wcet, $1.fn) }
        }
        func escapeWCET(_ set: Set<Character>) -> Double? {
            // Cheapest X disjoint from set with FN(set ∪ X) < h, from the rows themselves.
            rows.filter { Set($0.key).isDisjoint(with: set) && SharedTable.row(set.union($0.key), in: rows).fn < h }.map(\.wcet).min()
        }
        // Static.
        if let expected = best({ $0.wcet < l }) {
            let plan = try planner.staticPlan(budgetMs: l)
            #expect(plan.experts.joined() == expected.key)
            #expect(plan.fp == expected.fp)
        } else {
            #expect(throws: PlanError.self) { try planner.staticPlan(budgetMs: l) }
        }
        // Typical: TCET < L and the empty set's escape fits.
        let rootEscape = escapeWCET([])
        if let expected = best({ $0.tcet < l }), let rootEscape, rootEscape <= l {
            let plan = try planner.typicalPlan(budgetMs: l)
            #expect(plan.experts.joined() == expected.key)
        } else {
            #expect(throws: PlanError.self) { try planner.typicalPlan(budgetMs: l) }
        }
        // Adaptive: explicit graph over rows.
        var reach: Set<String> = [""], stack = [""]
        while let a = stack.popLast() {
            let ra = SharedTable.row(Set(a), in: rows)
            if ra.fn < h { continue }
            for b in rows where Set(b.key).isStrictSuperset(of: Set(a)) && !reach.contains(b.key) {
                guard let eb = escapeWCET(Set(b.key)) else { continue }
                let added = SharedTable.row(Set(b.key).subtracting(a), in: rows).wcet
                if ra.tcet + added + eb <= l + 1e-9 { reach.insert(b.key); stack.append(b.key) }
            }
        }
        if let expected = best({ reach.contains($0.key) }) {
            let plan = try planner.adaptivePlan(budgetMs: l)
            #expect(plan.experts.joined() == expected.key)
            #expect(plan.fp == expected.fp)
        } else {
            #expect(throws: PlanError.self) { try planner.adaptivePlan(budgetMs: l) }
        }
    }

    @Test func paretoFrontOfSharedTable() throws {
        let front = try HazardPlanner(profile: Self.shared, maxFN: 0.086).paretoFront()
        // Sorted by WCET, FN < 0.086: CD 0.0542 (33.734), CDE 0.075, BDE 0.06, ACE 0.0458 (47.975),
        // ABE 0.0308 (54.274), BCD/ACD worse, ABD 0.0433, ABC 0.0275 (66.529), ...
        #expect(front.map { $0.experts.joined() } == ["CD", "ACE", "ABE", "ABC"])
        #expect(front.map(\.budgetMs) == [33.734, 47.975, 54.274, 66.529])
    }

    // MARK: Errors

    @Test func infeasibleReasonsNameTheConstraint() throws {
        let planner = try HazardPlanner(profile: Self.shared, maxFN: 0.086)
        #expect(throws: PlanError.self) { try planner.typicalPlan(budgetMs: 30) }
        do {
            _ = try planner.typicalPlan(budgetMs: 30)
        } catch {
            #expect(error.description.contains("escape set of ∅"))
            #expect(error.exitCode == .data)
        }
        let impossible = try HazardPlanner(profile: Self.shared, maxFN: 0.05)
        do {
            _ = try impossible.staticPlan(budgetMs: 100)
            Issue.record("expected infeasible")
        } catch {
            #expect(error.description.contains("max FN 0.05 cannot be met"))
        }
        #expect(throws: PlanError.invalidParameter(name: "max-fn", "0.0 is not in (0, 1]")) {
            try HazardPlanner(profile: Self.shared, maxFN: 0)
        }
        #expect(throws: PlanError.self) { try planner.staticPlan(budgetMs: -1) }
    }

    // MARK: Properties against brute force

    @Test(arguments: Array(1...7))
    func plannersMatchBruteForceOnRandomProfiles(n: Int) throws {
        for trial in 0..<6 {
            let additive = trial % 2 == 0
            let profile = try RandomProfiles.hazard(experts: n, additive: additive, seed: UInt64(1000 * n + trial))
            #expect(profile.timesAreAdditive == additive || n == 1)
            var rng = SplitMix64(seed: UInt64(77 * n + trial))
            let h = 0.05 + 0.4 * rng.unit()
            let planner = try HazardPlanner(profile: profile, maxFN: h)
            let brute = HazardBruteForce(p: profile, h: h)
            let escapes = (0..<brute.size).map(brute.escape)
            #expect(planner.escape == escapes, "escape sets n=\(n) trial=\(trial)")
            let total = Nanoseconds.milliseconds(profile.wcetNanoseconds[profile.codec.fullMask])
            for fraction in [0.2, 0.4, 0.6, 0.8, 1.1] {
                let l = (total * fraction * 1000).rounded() / 1000 + 0.0005
                let budget = Nanoseconds.from(milliseconds: l)
                try check(planner.staticPlan, brute.best { profile.wcetNanoseconds[$0] < budget }, l, profile)
                let rootFits = escapes[0] >= 0 && profile.wcetNanoseconds[escapes[0]] <= budget
                try check(planner.typicalPlan, rootFits ? brute.best { profile.tcetNanoseconds[$0] < budget } : nil, l, profile)
                if rootFits, let chosen = brute.best(where: { profile.tcetNanoseconds[$0] < budget }) {
                    try checkStageOrder(planner.typicalPlan(budgetMs: l), chosen, brute, escapes)
                }
                let reach = brute.reachable(budget, escapes)
                let target = brute.best { reach.contains($0) }
                try check(planner.adaptivePlan, target, l, profile)
                if let target { try checkPath(planner.adaptivePlan(budgetMs: l), target, budget, brute, escapes, reach) }
            }
            try checkPareto(planner, brute)
        }
    }

    func check(_ plan: (Double) throws(PlanError) -> Plan, _ expected: Int?, _ l: Double, _ p: HazardProfile) throws {
        if let expected {
            let result = try plan(l)
            #expect(result.experts == p.codec.members(expected))
        } else {
            #expect(throws: PlanError.self) { try plan(l) }
        }
    }

    /// Typical stages: one expert each, in an order whose largest pre-stage check
    /// TCET(done) + WCET(next) + WCET(escape[done + next]) is the least over all orders.
    func checkStageOrder(_ plan: Plan, _ chosen: Int, _ brute: HazardBruteForce, _ esc: [Int]) throws {
        let codec = brute.p.codec
        let members = (0..<codec.count).filter { chosen & (1 << $0) != 0 }
        func bottleneck(_ order: [Int]) -> Int64 {
            var done = 0, worst: Int64 = 0
            for e in order {
                let after = done | (1 << e)
                worst = max(worst, esc[after] < 0 ? .max : brute.p.tcetNanoseconds[done] + brute.p.wcetNanoseconds[1 << e] + brute.p.wcetNanoseconds[esc[after]])
                done = after
            }
            return worst
        }
        let best = IDKBruteForce.permutations(members).map(bottleneck).min()!
        #expect(plan.stages.allSatisfy { $0.count == 1 })
        let order = plan.stages.map { codec.index(of: $0[0])! }
        #expect(Set(order) == Set(members))
        #expect(bottleneck(order) == best)
    }

    @Test func typicalStageOrderOnSharedTableByHand() throws {
        // ABC at L = 50: the last stage costs TCET(other two) + WCET(last): C last 35.954 + 17.554 =
        // 53.508, B last 30.429 + 23.854 = 54.283, A last 30.051 + 25.121 = 55.172; C goes last.
        let plan = try HazardPlanner(profile: Self.shared, maxFN: 0.086).typicalPlan(budgetMs: 50)
        #expect(plan.experts == ["A", "B", "C"])
        #expect(plan.stages.last == ["C"])
        #expect(plan.explanation.contains { $0.contains("53.508 ms > L") })
    }

    /// The path starts at ∅, ends at the target, uses only DAG edges and takes the edge of
    /// maximum slack among those from which the target stays reachable.
    func checkPath(_ plan: Plan, _ target: Int, _ budget: Int64, _ brute: HazardBruteForce, _ esc: [Int], _ reach: Set<Int>) throws {
        let codec = brute.p.codec
        let path = try #require(plan.path).map { codec.mask($0)! }
        #expect(path.first == 0 && path.last == target)
        var memo: [Int: Bool] = [:]
        func leads(_ x: Int) -> Bool {
            if x == target { return true }
            if brute.p.fn[x] < brute.h { return false }
            if let v = memo[x] { return v }
            var ok = false
            for y in 0..<brute.size where y & x == x && y != x && y & target == y {
                if let c = brute.edgeCost(x, y, esc), c <= budget, leads(y) { ok = true; break }
            }
            memo[x] = ok
            return ok
        }
        for (a, b) in zip(path, path.dropFirst()) {
            let cost = try #require(brute.edgeCost(a, b, esc))
            #expect(cost <= budget && b & a == a && b != a)
            var bestCost = Int64.max
            for y in 0..<brute.size where y & a == a && y != a && y & target == y && leads(y) {
                if let c = brute.edgeCost(a, y, esc), c <= budget { bestCost = min(bestCost, c) }
            }
            #expect(cost == bestCost)
        }
    }

    func checkPareto(_ planner: HazardPlanner, _ brute: HazardBruteForce) throws {
        let p = brute.p
        guard let front = try? planner.paretoFront() else {
            #expect(brute.best { _ in true } == nil)
            return
        }
        // For every budget just above a subset's WCET, the front's answer is the static optimum.
        for s in 0..<brute.size {
            let budget = p.wcetNanoseconds[s] + 1
            let expected = brute.best { p.wcetNanoseconds[$0] < budget }
            let point = front.last { Nanoseconds.from(milliseconds: $0.budgetMs) < budget }
            #expect(point?.fp == expected.map { p.fp[$0] })
        }
        #expect(zip(front, front.dropFirst()).allSatisfy { $0.fp > $1.fp && $0.budgetMs < $1.budgetMs })
    }
}
