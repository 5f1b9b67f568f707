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

    /// Total expert time over the sequence for one k setting.
    static func totalCost(_ fs: [Int?], _ skipBack: SkipBack) throws -> UInt64 {
        let clock = ManualDeadlineClock()
        let trace = fs.map { Fixture.nestedRow(f: $0, order: order, costs: Fixture.tcet) }
        let runner = try ScriptedExpertRunner(expertCount: 5, trace: trace, clock: clock)
        let schedule = CascadeSchedule(
            name: "EDCA", mode: .idk(order: order, skipBack: skipBack), budgetNanoseconds: nil,
            wcetNanoseconds: Fixture.wcet, tcetNanoseconds: Fixture.tcet)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: Fixture.thresholds)
        var total: UInt64 = 0
        for w in fs.indices {
            total += executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds())).expertNanoseconds
        }
        return total
    }

    /// Strongly dependent: f holds for runs of 20–80 windows (seeded), mostly on the strong experts.
    static func dependentSequence() -> [Int?] {
        var random = SplitMix64(seed: 11)
        var fs: [Int?] = []
        while fs.count < 2000 {
            let f = [1, 2, 2, 3, 3, 3][Int(random.next() % 6)]
            fs += Array(repeating: f, count: 20 + Int(random.next() % 61))
        }
        return Array(fs.prefix(2000))
    }

    /// Independent: f drawn afresh every window, P(f = 0, 1, 2, 3) = 0.4, 0.3, 0.2, 0.1.
    static func independentSequence() -> [Int?] {
        var random = SplitMix64(seed: 12)
        return (0..<2000).map { _ in
            let u = random.nextUnit()
            return u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3
        }
    }

    static let candidates: [SkipBack] = [.fixed(0), .fixed(1), .fixed(2), .fixed(3), .learned(maxK: 3)]

    @Test func learnedKBeatsTheCascadeOnDependentWindows() throws {
        let fs = Self.dependentSequence()
        let costs = try Self.candidates.map { try Self.totalCost(fs, $0) }
        let learned = Double(costs[4])
        let bestFixed = Double(costs[0..<4].min()!)
        let plainCascade = Double(costs[3])  // k ≥ n − 1: always from K_1
        #expect(learned < 0.8 * plainCascade)
        #expect(learned < 1.03 * bestFixed)
        #expect(learned < Double(costs[2]))
    }

    @Test func learnedKCostsLittleOnIndependentWindows() throws {
        let fs = Self.independentSequence()
        let costs = try Self.candidates.map { try Self.totalCost(fs, $0) }
        let learned = Double(costs[4])
        let bestFixed = Double(costs[0..<4].min()!)
        #expect(learned < 1.05 * bestFixed)
        #expect(learned < 0.8 * Double(costs[0]))  // Dynamic (k = 0) pays for starting late
    }
}
