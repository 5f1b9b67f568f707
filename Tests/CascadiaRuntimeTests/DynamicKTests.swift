import Testing
@testable import CascadiaRuntime

@Suite struct DynamicKTests {
    // Costs 1, 2, 4, 8 (prefix 0, 1, 3, 7, 15).
    static let prefix: [UInt64] = [0, 1, 3, 7, 15]

    struct Case: Sendable, CustomStringConvertible {
        var k: Int
        var f: Int?
        var cost: UInt64
        var description: String { "k=\(k) f=\(f.map(String.init) ?? "none") cost=\(cost)" }
    }

    /// cost_k by hand: b = 2 (start C_2 = 4).
    static let cases: [Case] = [
        Case(k: 0, f: 3, cost: 4 + 8),  // s = 2 < f: run 2, 3
        Case(k: 0, f: 2, cost: 4 + 2),  // s = f: run 2, probe 1 (IDK)
        Case(k: 0, f: 0, cost: 4 + 2 + 1),  // s > f = 0: run 2, probe 1, 0 (no IDK left)
        Case(k: 1, f: 0, cost: 2 + 1),  // s = 1: run 1, probe 0
        Case(k: 2, f: 0, cost: 1),  // s = 0 = f: nothing to probe
        Case(k: 2, f: 3, cost: 15),
        Case(k: 1, f: nil, cost: 2 + 4 + 8),  // nobody classifies: run to the end
    ]

    @Test(arguments: cases)
    func counterfactualCostByHand(_ c: Case) {
        #expect(DynamicK.counterfactualCost(b: 2, k: c.k, f: c.f, prefix: Self.prefix) == c.cost)
    }

    @Test func fixedKStartsAtBMinusK() {
        let dk = DynamicK(capacity: 4, mode: .fixed(1))
        dk.reset(prefixTcetNanoseconds: Self.prefix, mode: .fixed(1))
        #expect(dk.beginWindow() == 0)
        dk.endWindow(classifiedAt: 3, lowestClassifier: 3)
        #expect(dk.b == 3 && dk.beginWindow() == 2)
        #expect(!dk.shouldProbe(classifiedAt: 2))  // i = s ≠ b
        #expect(dk.shouldProbe(classifiedAt: 3))  // i = b (the probe meets K_2's IDK at once)
        dk.endWindow(classifiedAt: nil, lowestClassifier: -1)
        #expect(dk.b == 3)
    }

    @Test func learnerPicksTheCheapestCandidate() {
        let dk = DynamicK(capacity: 4, mode: .learned(maxK: 3), forgetting: 0.5)
        dk.reset(prefixTcetNanoseconds: Self.prefix, mode: .learned(maxK: 3))
        // Always f = 3 from b = 3: k = 0 costs 8 + 4 (probe), k = 3 costs 15.
        _ = dk.beginWindow()
        dk.endWindow(classifiedAt: 3, lowestClassifier: 3)
        for _ in 0..<5 {
            _ = dk.beginWindow()
            dk.endWindow(classifiedAt: 3, lowestClassifier: 3)
        }
        #expect(dk.beginWindow() == 3 - dk.currentK)
        #expect(dk.currentK <= 1)  // k = 0 and k = 1 both cost 12
        #expect(dk.estimatedCostNanoseconds(k: 0) < dk.estimatedCostNanoseconds(k: 3))
        // Then always f = 0: starting at 0 (k = 3) costs 1; k = 0 costs 8 + 7 of probing.
        for _ in 0..<10 {
            _ = dk.beginWindow()
            dk.endWindow(classifiedAt: 0, lowestClassifier: 0)
        }
        // b is 0 now, so every candidate starts at 0.
        #expect(dk.beginWindow() == 0)
    }

    // MARK: Learned k against fixed k on scripted window sequences (cost = Σ TCET run)

    static let order = [Fixture.e, Fixture.d, Fixture.c, Fixture.a]
    static let schedule = CascadeSchedule(
        name: "EDCA", mode: .idk(order: order, skipBack: .fixed(0)), budgetNanoseconds: nil,
        wcetNanoseconds: Fixture.wcet, tcetNanoseconds: Fixture.tcet)
    static let candidates: [SkipBack] = [.fixed(0), .fixed(1), .fixed(2), .fixed(3), .learned(maxK: 3)]

    static func costs(_ fs: [Int?]) throws -> [Double] {
        try candidates.map { try DynamicKWorkload.meanCost(fs, schedule: schedule, skipBack: $0) }
    }

    @Test func workloadTraceIsNested() {
        let trace = DynamicKWorkload.trace([2, nil], order: Self.order, durations: Fixture.tcet)
        #expect(trace[0].map { $0.answer.topProbability } == [0.9, 0.1, 0.9, 0.1, 0.1])  // A, C classify; D, E (positions 0, 1) do not
        #expect(trace[1].allSatisfy { $0.answer.topProbability == 0.1 })
        #expect(DynamicKWorkload.independent(windows: 1000, probabilities: [0.5], seed: 1).filter { $0 == nil }.count > 400)
    }

    /// Runs of 20–80 equal windows, f ∈ {1, 2, 2, 3, 3, 3}: order E D C A at TCET.
    @Test func learnedKBeatsTheCascadeOnDependentWindows() throws {
        let costs = try Self.costs(DynamicKWorkload.dependent(windows: 2000, levels: [1, 2, 2, 3, 3, 3], seed: 11))
        let learned = costs[4]
        #expect(learned < 0.8 * costs[3])  // k = 3 = n − 1: the plain cascade from K_1
        // The guard runs every 8th window the other way: on these sequences that is ≈ 1/8 of the
        // difference to the plain cascade (docs/runtime.md).
        #expect(learned < 1.06 * costs[0..<4].min()!)
        #expect(learned < costs[2])
    }

    /// f drawn afresh with P = 0.4, 0.3, 0.2, 0.1.
    @Test func learnedKCostsLittleOnIndependentWindows() throws {
        let costs = try Self.costs(DynamicKWorkload.independent(windows: 2000, probabilities: [0.4, 0.3, 0.2, 0.1], seed: 12))
        let learned = costs[4]
        #expect(learned < 1.05 * costs[0..<4].min()!)
        #expect(learned < 0.8 * costs[0])  // Dynamic (k = 0) pays for starting late
    }
}

extension DynamicKTests {
    /// Outcomes that break the nesting assumption: each expert classifies independently with
    /// P = 0.3, 0.5, 0.6, 0.9 (positions 0–3), so a weak expert may classify what a strong one
    /// does not. The learner's counterfactual costs are then estimates; it must stay close to
    /// the best fixed k.
    static func nonNestedTrace(windows: Int, dependent: Bool) -> [[ScriptedAnswer]] {
        var random = SplitMix64(seed: dependent ? 21 : 22)
        let probabilities = [0.3, 0.5, 0.6, 0.9]
        var outcome = [Bool](repeating: false, count: 4)
        var rows: [[ScriptedAnswer]] = []
        for w in 0..<windows {
            // Dependent: redraw every 40 windows; independent: every window.
            if !dependent || w % 40 == 0 {
                outcome = probabilities.map { random.nextUnit() < $0 }
            }
            var row = Fixture.tcet.map { ScriptedAnswer(answer: Fixture.idk, durationNanoseconds: $0) }
            for (position, expert) in order.enumerated() where outcome[position] {
                row[expert].answer = Fixture.classified(1)
            }
            rows.append(row)
        }
        return rows
    }

    @Test(arguments: [true, false])
    func learnedKStaysCloseToTheBestFixedKWithoutNesting(dependent: Bool) throws {
        let trace = Self.nonNestedTrace(windows: 2000, dependent: dependent)
        let costs = try Self.candidates.map { try Self.meanExpertMilliseconds(trace, skipBack: $0) }
        #expect(costs[4] < 1.10 * costs[0..<4].min()!)
    }
}

extension DynamicKTests {
    /// Priced by hand with costs 1, 2, 4, 8.
    @Test func paidCostByHand() {
        let p = Self.prefix
        #expect(DynamicK.paidCost(start: 2, classifiedAt: 3, lowestClassifier: 3, probed: false, prefix: p) == 4 + 8)
        #expect(DynamicK.paidCost(start: 2, classifiedAt: 2, lowestClassifier: 2, probed: true, prefix: p) == 4 + 2)  // probe K_1: IDK
        #expect(DynamicK.paidCost(start: 2, classifiedAt: 2, lowestClassifier: 0, probed: true, prefix: p) == 4 + 2 + 1)
        #expect(DynamicK.paidCost(start: 3, classifiedAt: 3, lowestClassifier: 2, probed: true, prefix: p) == 8 + 4 + 2)  // K_2 classifies, K_1 IDK
        #expect(DynamicK.paidCost(start: 1, classifiedAt: nil, lowestClassifier: -1, probed: false, prefix: p) == 2 + 4 + 8)
        #expect(DynamicK.paidCost(start: 0, classifiedAt: 1, lowestClassifier: 1, probed: false, prefix: p) == 1 + 2)
    }

    /// The pattern measured on the shipped recordings with order E D C A: A (last) classifies
    /// every window, C never does, E and D classify during events (runs of 40 windows) and not
    /// in between. Nesting fails (E classifies what C does not), so from b = 3 the probe stops
    /// at C's IDK and never finds that E would answer: Dynamic (k = 0) stays at A + C.
    static func trapTrace(windows: Int) -> [[ScriptedAnswer]] {
        (0..<windows).map { w in
            var row = Fixture.tcet.map { ScriptedAnswer(answer: Fixture.idk, durationNanoseconds: $0) }
            row[Fixture.a] = ScriptedAnswer(answer: Fixture.classified(1), durationNanoseconds: Fixture.tcet[Fixture.a])
            if (w / 40) % 2 == 1 {
                row[Fixture.e] = ScriptedAnswer(answer: Fixture.classified(1), durationNanoseconds: Fixture.tcet[Fixture.e])
                row[Fixture.d] = ScriptedAnswer(answer: Fixture.classified(1), durationNanoseconds: Fixture.tcet[Fixture.d])
            }
            return row
        }
    }

    /// Mean expert ms per window of `trace` (experts at the schedule's TCET, as in the traces).
    static func meanExpertMilliseconds(_ trace: [[ScriptedAnswer]], skipBack: SkipBack) throws -> Double {
        let study = try SkipBackStudy(
            schedule: schedule, answers: trace.map { $0.map(\.answer) }, labels: Array(repeating: -1, count: trace.count),
            thresholds: Fixture.thresholds)
        return try study.run(skipBack, name: "").pricedNanoseconds / 1e6
    }

    @Test func plainCascadeGuardEscapesTheNestingTrap() throws {
        let trace = Self.trapTrace(windows: 2000)
        let costs = try Self.candidates.map { try Self.meanExpertMilliseconds(trace, skipBack: $0) }
        let plain = costs[3]
        #expect(costs[0] > 1.15 * plain)  // the trap is real: Dynamic pays A + C on event windows
        #expect(costs[4] < 1.10 * plain)  // learned k with the guard stays near the plain cascade
    }
}

extension DynamicKTests {
    /// The guard's check windows run the plain cascade but do not change the k in use.
    @Test func guardCheckWindowsLeaveTheKInUse() {
        let dk = DynamicK(capacity: 4, mode: .learned(maxK: 3))
        dk.reset(prefixTcetNanoseconds: Self.prefix, mode: .learned(maxK: 3))
        _ = dk.beginWindow()  // learned arm first
        #expect(!dk.windowIsPlain && dk.inUseK == dk.currentK)
        dk.endWindow(classifiedAt: 3, lowestClassifier: 3)
        #expect(dk.beginWindow() == 0)  // then one plain window to measure that arm
        #expect(dk.windowIsPlain && dk.currentK == 3 && dk.inUseK == 0)
        dk.endWindow(classifiedAt: 3, lowestClassifier: 3)
        #expect(dk.learnedArmCost == 15 && dk.plainArmCost == 15 && !dk.guardPrefersPlain)
        _ = dk.beginWindow()
        #expect(!dk.windowIsPlain && dk.inUseK == dk.currentK)
    }
}
