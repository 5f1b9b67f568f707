import Testing
@testable import CascadiaRuntime

@Suite struct ProfilerBehaviourTests {
    /// Two experts, six windows, counted by hand.
    @Test func handCountedTables() {
        // window:       0     1     2     3     4     5
        // truth:        H     H     H     -     -     -
        // hazard said:  A     AB    ∅     B     ∅     AB
        // success:      A     AB    ∅     B     AB    ∅
        let b = ProfilerBehaviour(
            n: 2, hazardClasses: ["vehicle"], hazardMasks: [1, 3, 0, 2, 0, 3], successMasks: [1, 3, 0, 2, 3, 0],
            truth: [true, true, true, false, false, false])
        #expect(b.positives == 3 && b.negatives == 3 && b.windows == 6)
        // FP: A says hazard on negative 5 → 1/3; B on 3, 5 → 2/3; A∪B on 3, 5 → 2/3; ∅ → 0.
        let third: Double = 1.0 / 3, twoThirds: Double = 2.0 / 3
        let expectedFP: [Double] = [0, third, twoThirds, twoThirds]
        #expect(b.fp == expectedFP)
        // FN: A misses 2 → 1/3; B misses 0, 2 → 2/3; A∪B misses 2 → 1/3; ∅ misses all → 1.
        let expectedFN: [Double] = [1, third, twoThirds, third]
        #expect(b.fn == expectedFN)
        // Prob-S counts: ∅ {2, 5}, A {0}, B {3}, AB {1, 4}.
        let expectedCounts: [Double] = [2, 1, 1, 2]
        #expect(b.probSCounts == expectedCounts)
        #expect(b.hazardSeries(0) == [1, 1, 0, 0, 0, 1])
        #expect(b.successSeries(1) == [0, 1, 0, 1, 1, 0])
    }

    /// The transform equals OR-fusion counted directly, on random masks of 5 experts.
    @Test func zetaTransformMatchesDirectCounting() {
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        let n = 5, windows = 300
        let hazard = (0..<windows).map { _ in next() % 32 }
        let success = (0..<windows).map { _ in next() % 32 }
        let truth = (0..<windows).map { _ in next() % 3 == 0 }
        let b = ProfilerBehaviour(n: n, hazardClasses: ["x"], hazardMasks: hazard, successMasks: success, truth: truth)
        for s in 0..<32 {
            let negatives = truth.indices.filter { !truth[$0] }, positives = truth.indices.filter { truth[$0] }
            let fp = Double(negatives.filter { hazard[$0] & s != 0 }.count) / Double(negatives.count)
            let fn = Double(positives.filter { hazard[$0] & s == 0 }.count) / Double(positives.count)
            #expect(abs(b.fp[s] - fp) < 1e-12 && abs(b.fn[s] - fn) < 1e-12, "subset \(s)")
            #expect(b.probSCounts[s] == Double(success.filter { $0 == s }.count))
        }
    }
}
