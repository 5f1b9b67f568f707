import Foundation
import Testing
@testable import CascadiaRuntime

@Suite struct SummaryReportTests {
    /// IDK cascade over labelled windows: positions ≥ f classify as class 1.
    @Test func idkSummaryCountsAccuracyAndConfusion() throws {
        let order = [Fixture.e, Fixture.d, Fixture.c, Fixture.a]
        let clock = ManualDeadlineClock()
        let fs: [Int?] = [0, 1, nil, 3]
        let trace = fs.map { Fixture.nestedRow(f: $0, order: order, costs: Fixture.tcet) }
        let runner = try ScriptedExpertRunner(expertCount: 5, trace: trace, clock: clock)
        let schedule = CascadeSchedule(
            name: "EDCA", mode: .idk(order: order, skipBack: .fixed(3)), budgetNanoseconds: Fixture.ms(100),
            wcetNanoseconds: Fixture.wcet, tcetNanoseconds: Fixture.tcet, predictedExpectedNanoseconds: Fixture.ms(20))
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: Fixture.thresholds)
        var summary = SummaryReport(
            isHazardPlan: false, classNames: ["quiet", "vehicle"], predictedExpectedNanoseconds: schedule.predictedExpectedNanoseconds,
            tcetNanoseconds: schedule.tcetNanoseconds)
        let labels: [Int32] = [1, 0, 1, 1]
        for w in 0..<4 {
            summary.add(executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds(), label: labels[w])))
        }
        #expect(summary.windows == 4)
        #expect(summary.decisions[Int(Decision.classified.rawValue)] == 3)
        #expect(summary.decisions[Int(Decision.idk.rawValue)] == 1)
        #expect(summary.labelled == 4 && summary.correct == 2)
        #expect(summary.confusion == [[0, 1, 0], [0, 2, 1]])
        // Σ expert time: 4.112 + (4.112 + 11.878) + 46.419 + 46.419 = 112.94 ms over 4 windows.
        let total = Fixture.tcet[4] * 2 + Fixture.tcet[3] + 2 * (Fixture.tcet.reduce(0, +) - Fixture.tcet[1])
        #expect(summary.expertNanosecondsTotal == total)
        #expect(abs(summary.predictionError! - (Double(total) / 4 / 20e6 - 1)) < 1e-12)
        #expect(summary.latencyMicrosecondsMax == 46_419)
        // Runs: E; E D; E D C A; E D C A = 11, no probes (k = 3 is the plain cascade); experts take
        // exactly their TCET here, so the priced cost equals the measured one.
        #expect(summary.expertRuns == 11 && summary.probeRuns == 0)
        #expect(summary.pricedNanosecondsTotal == total)
        let text = summary.text()
        #expect(text.contains("accuracy           50.00 % of 4 labelled"))
        #expect(text.contains("expert runs        2.750 per window  (0 probes)  priced 28.2350 ms"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(summary.json().utf8)) as? [String: Any])
        #expect(json["windows"] as? Int == 4)
        #expect((json["confusion"] as? [String: Any])?["columns"] as? [String] == ["quiet", "vehicle", "idk"])
        #expect(((json["latency_ms"] as? [String: Any])?["max"] as? Double) == 46.419)
        #expect(((json["expert_runs"] as? [String: Any])?["per_window"] as? Double) == 2.75)
        #expect(((json["expert_runs"] as? [String: Any])?["priced_ms"] as? Double) == 28.235)
    }

    @Test func hazardSummaryScoresAgainstHazardClasses() throws {
        let clock = ManualDeadlineClock()
        let trace = [Fixture.row(), Fixture.row(Fixture.clear, [Fixture.a: Fixture.hazard]), Fixture.row()]
        let runner = try ScriptedExpertRunner(expertCount: 5, trace: trace, clock: clock)
        let executor = try Executor(schedule: Fixture.hazardSchedule(), runner: runner, clock: clock, thresholds: Fixture.thresholds)
        var summary = SummaryReport(isHazardPlan: true, classNames: ["quiet", "vehicle"], hazardClasses: [1], predictedExpectedNanoseconds: nil)
        for (w, label) in [Int32(0), 1, 1].enumerated() {
            summary.add(executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds(), label: label)))
        }
        #expect(summary.confusion == [[1, 1], [0, 1]])
        #expect(summary.accuracy == 2.0 / 3.0)
        #expect(summary.predictionError == nil)
        #expect(summary.text().contains("hazard 1  clear 2"))
    }

    @Test func fixedFormatting() {
        #expect(formatFixed(1.23456, decimals: 3) == "1.235")
        #expect(formatFixed(-0.5, decimals: 1) == "-0.5")
        #expect(formatFixed(2, decimals: 0) == "2")
        #expect(formatFixed(0.05, decimals: 2) == "0.05")
    }
}
