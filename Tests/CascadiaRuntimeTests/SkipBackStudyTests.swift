import Testing
@testable import CascadiaRuntime

@Suite struct SkipBackStudyTests {
    static let yes = RunnerAnswer(topClass: 1, topProbability: 0.9, hazardProbability: 0)
    static let no = RunnerAnswer(topClass: 0, topProbability: 0.3, hazardProbability: 0)

    /// Three experts at positions 0, 1, 2 (expert index = position), TCET 1, 2, 4 ms.
    static func study(_ rows: [[Bool]], labels: [Int32]? = nil) throws -> SkipBackStudy {
        let schedule = CascadeSchedule(
            name: "three", mode: .idk(order: [0, 1, 2], skipBack: .fixed(0)), budgetNanoseconds: nil,
            wcetNanoseconds: [2, 4, 8].map { $0 * 1_000_000 }, tcetNanoseconds: [1, 2, 4].map { $0 * 1_000_000 })
        return try SkipBackStudy(
            schedule: schedule, answers: rows.map { $0.map { $0 ? yes : no } },
            labels: labels ?? Array(repeating: -1, count: rows.count), thresholds: ExpertThresholds(count: 3, idk: 0.6, hazard: 0.5))
    }

    /// f = 2, 2, 2, 0 (nested rows). By hand, in ms:
    /// k=0: b=0: 1+2+4 = 7 → b=2; 4 + probe 2 (IDK) = 6; 6; last window f=0: 4 + probe 2, 1 = 7 → 26/4.
    /// plain (k=2): 7 + 7 + 7 + 1 = 22/4. Oracle: 4 + 4 + 4 + 1 = 13/4.
    @Test func costsByHand() throws {
        let s = try Self.study([[false, false, true], [false, false, true], [false, false, true], [true, true, true]])
        #expect(s.cost(startMap: [0, 1, 2]) == 26e6 / 4)
        #expect(s.cost(startMap: [0, 0, 0]) == 22e6 / 4)
        #expect(s.oracleNanoseconds() == 13e6 / 4)
        // k = 1 from b = 2 starts at position 1: 7; 2+4 = 6; 6; 2 (classifies, i = s ≠ b → b = 1) → 21/4.
        #expect(s.cost(startMap: [0, 0, 1]) == 21e6 / 4)
        let best = try #require(s.bestStartPolicy())
        #expect(best.nanoseconds == 21e6 / 4)
    }

    /// The search's SPEC rules are the executor's: every fixed k gives the same cost both ways.
    @Test func startMapsMatchTheExecutorForEveryFixedK() throws {
        var random = SplitMix64(seed: 5)
        var rows: [[Bool]] = []
        var f = 1
        for _ in 0..<500 {
            if random.nextUnit() < 0.2 { f = Int(random.next() % 4) }  // 3 = nobody classifies
            let noise = random.nextUnit() < 0.1
            rows.append((0..<3).map { p in noise ? random.nextUnit() < 0.5 : p >= f })
        }
        let s = try Self.study(rows)
        for k in 0..<3 {
            let executor = try s.run(.fixed(k), name: "k")
            let map = (0..<3).map { max($0 - k, 0) }
            #expect(abs(executor.pricedNanoseconds - s.cost(startMap: map)) < 1e-6, "k = \(k)")
        }
        let best = try #require(s.bestStartPolicy()).nanoseconds
        let outcomes = try s.runAll()
        #expect(outcomes.count == 4 && outcomes.last?.name == "learned")
        for outcome in outcomes.dropLast() { #expect(best <= outcome.pricedNanoseconds + 1e-6) }
        #expect(s.oracleNanoseconds() <= best)
    }

    @Test func accuracyCountsLabelledWindows() throws {
        let s = try Self.study([[true, true, true], [false, false, false]], labels: [1, -1])
        let plain = try s.run(.fixed(2), name: "plain")
        #expect(plain.accuracy == 1 && plain.runsPerWindow == 2 && plain.probesPerWindow == 0)
    }

    @Test func rejectsHazardPlansAndBadTraces() throws {
        #expect(throws: ExecutorError.self) {
            _ = try SkipBackStudy(schedule: Fixture.hazardSchedule(), answers: [Fixture.row().map(\.answer)], labels: [-1], thresholds: Fixture.thresholds)
        }
        #expect(throws: ExecutorError.self) { _ = try Self.study([[true, true]]) }
        #expect(throws: ExecutorError.self) { _ = try Self.study([]) }
    }

    @Test func startPolicySearchStopsAtEightPositions() throws {
        let n = SkipBackStudy.maxSearchedPositions + 1
        let schedule = CascadeSchedule(
            name: "nine", mode: .idk(order: Array(0..<n), skipBack: .fixed(0)), budgetNanoseconds: nil,
            wcetNanoseconds: Array(repeating: 2, count: n), tcetNanoseconds: Array(repeating: 1, count: n))
        let s = try SkipBackStudy(
            schedule: schedule, answers: [Array(repeating: Self.yes, count: n)], labels: [-1],
            thresholds: ExpertThresholds(count: n, idk: 0.6, hazard: 0.5))
        #expect(s.bestStartPolicy() == nil)
        #expect(try s.run(.fixed(0), name: "k=0").pricedNanoseconds == 1)
    }
}
