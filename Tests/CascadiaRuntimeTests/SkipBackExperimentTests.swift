import CascadiaCore
import Foundation
import Synchronization
import Testing
@testable import CascadiaRuntime

/// `cascadia ctl tune k` on a real executor: the experiment cycles candidates on the published
/// window lines, reports the table and applies the best k.
@Suite struct SkipBackExperimentTests {
    typealias Row = ControlTuneReport.Row

    static func row(_ k: Int, classified: Double, expertMs: Double, misses: Int = 0, accuracy: Double? = nil) -> Row {
        Row(
            k: k, windows: 10, meanLatencyMilliseconds: expertMs + 1, p99LatencyMilliseconds: expertMs + 2,
            classifiedFraction: classified, deadlineMisses: misses, meanExpertMilliseconds: expertMs, accuracy: accuracy)
    }

    @Test func choiceIsTheCheapestAmongCandidatesOfEqualQuality() {
        let rows = [Self.row(0, classified: 0.90, expertMs: 20), Self.row(1, classified: 0.95, expertMs: 25), Self.row(2, classified: 0.95, expertMs: 30)]
        #expect(SkipBackExperiment.choose(rows, tolerance: 0.01) == 1)  // k = 0 answers less often
        #expect(SkipBackExperiment.choose(rows, tolerance: 0.05) == 0)  // within tolerance: cheapest
        #expect(SkipBackExperiment.choose(rows, tolerance: 0) == 1)
        // Ties on time go to fewer misses, then to the smaller k.
        let tied = [Self.row(3, classified: 1, expertMs: 10, misses: 2), Self.row(2, classified: 1, expertMs: 10), Self.row(1, classified: 1, expertMs: 10)]
        #expect(SkipBackExperiment.choose(tied, tolerance: 0) == 1)
        // With labels on every candidate, accuracy (not the classified fraction) is the quality.
        let labelled = [
            Self.row(0, classified: 1, expertMs: 12, accuracy: 0.70), Self.row(1, classified: 0.9, expertMs: 15, accuracy: 0.80),
        ]
        #expect(SkipBackExperiment.choose(labelled, tolerance: 0.05) == 1)
        #expect(SkipBackExperiment.choose(labelled, tolerance: 0.2) == 0)
    }

    /// An IDK cascade planned from the illustrative profile, fed scripted nested outcomes.
    struct Rig {
        let executor: Executor<ManualDeadlineClock, ScriptedExpertRunner<ManualDeadlineClock>>
        let clock: ManualDeadlineClock
        let target: ExecutorControlTarget
        let writer: DetectionJSONWriter
        let positions: Int

        /// Processes one window and publishes its line, as the pipeline's output thread does.
        func step() -> DetectionRecord {
            let record = executor.process(Fixture.window(Int64(executor.metrics.windows), completionNanoseconds: clock.nowNanoseconds()))
            let bytes = writer.format(record)
            let line = String(decoding: bytes.dropLast(), as: UTF8.self)
            target.publish(line: line)
            clock.advance(byNanoseconds: 1_000_000_000)
            return record
        }
    }

    func rig(fs: [Int?]) throws -> Rig {
        let url = CascadePlanAdapterTests.root.appendingPathComponent("profiles/illustrative-idk-profile.json")
        let plan = try IDKPlanner(profile: IDKProfile(json: Data(contentsOf: url), file: url.path)).plan(minSuccess: 0.75)
        let schedule = try CascadeSchedule(plan: plan, file: "idk.json")
        guard case .idk(let order, _) = schedule.mode else { throw ExecutorError.invalidChange("not an IDK plan") }
        let clock = ManualDeadlineClock()
        let count = plan.catalog.count
        let trace = DynamicKWorkload.trace(fs, order: order, durations: schedule.tcetNanoseconds)
        let runner = try ScriptedExpertRunner(expertCount: count, trace: trace, clock: clock)
        let thresholds = ExpertThresholds(count: count, idk: 0.5, hazard: 0.5)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: thresholds, skipBack: .learned(maxK: order.count - 1))
        let target = ExecutorControlTarget(
            control: executor.control, metrics: executor.metrics, plan: plan, planPath: "idk.json",
            skipBack: .learned(maxK: order.count - 1), thresholds: thresholds)
        let writer = DetectionJSONWriter(expertNames: plan.catalog.map(\.id), classNames: [])
        return Rig(executor: executor, clock: clock, target: target, writer: writer, positions: order.count)
    }

    @Test func experimentMeasuresEveryCandidateAndAppliesTheCheapest() throws {
        let fs = DynamicKWorkload.dependent(windows: 4000, levels: [1, 2, 2, 3], seed: 7)
        let rig = try rig(fs: fs)
        #expect(rig.positions >= 3)
        let candidates = Array(0..<rig.positions)
        let result = Mutex<Result<ControlTuneReport, any Error>?>(nil)
        try rig.target.tuneSkipBack(candidates: candidates, windowsPerCandidate: 200, accuracyTolerance: 0.01) { outcome in
            result.withLock { $0 = outcome }
        }
        #expect(rig.target.isTuning)
        #expect(throws: (any Error).self) {
            try rig.target.tuneSkipBack(candidates: [0], windowsPerCandidate: 5, accuracyTolerance: 0) { _ in }
        }
        var windows = 0
        var kSeen: [Int32] = []
        while result.withLock({ $0 == nil }) && windows < 2000 {
            let record = rig.step()
            if kSeen.last != record.k { kSeen.append(record.k) }
            windows += 1
        }
        let report = try #require(try result.withLock { $0 }?.get())
        // Each candidate ran as a fixed k for its windows, in order (the first window still learned).
        #expect(Array(kSeen.suffix(candidates.count)) == candidates.map(Int32.init))
        #expect(report.rows.map(\.k) == candidates)
        #expect(report.rows.allSatisfy { $0.windows == 200 && $0.deadlineMisses == 0 && $0.classifiedFraction == 1 })
        // Every candidate classified every window, so the cheapest one wins.
        let cheapest = try #require(report.rows.min { $0.meanExpertMilliseconds < $1.meanExpertMilliseconds })
        #expect(report.chosenK == cheapest.k)
        // On dependent windows starting near b beats the plain cascade (start at position 0).
        let plain = try #require(report.rows.last)
        #expect(cheapest.meanExpertMilliseconds < 0.9 * plain.meanExpertMilliseconds)
        // Latency ends at the decision; the backward probe runs after it, so it can be below expert time.
        #expect(report.rows.allSatisfy { $0.meanLatencyMilliseconds > 0 && $0.p99LatencyMilliseconds >= $0.meanLatencyMilliseconds * 0.5 })
        // Applied from the next window on, as a fixed k.
        #expect(!rig.target.isTuning)
        #expect(rig.step().k == Int32(report.chosenK))
        #expect(rig.target.controlSettings().k == report.chosenK && !rig.target.controlSettings().autoK)
    }

    @Test func explicitChangeInterruptsTheExperiment() throws {
        let rig = try rig(fs: [1, 1, 2])
        let result = Mutex<Result<ControlTuneReport, any Error>?>(nil)
        try rig.target.tuneSkipBack(candidates: [0, 1], windowsPerCandidate: 50, accuracyTolerance: 0.01) { outcome in
            result.withLock { $0 = outcome }
        }
        for _ in 0..<10 { _ = rig.step() }
        try rig.target.setSkipBack(2)
        let outcome = try #require(result.withLock { $0 })
        #expect(throws: ExecutorError.self) { try outcome.get() }
        #expect(!rig.target.isTuning)
        _ = rig.step()
        #expect(rig.step().k == 2)
    }

    @Test func impossibleExperimentsAreRefused() throws {
        let rig = try rig(fs: [1])
        #expect(throws: ExecutorError.self) {
            try rig.target.tuneSkipBack(candidates: [0, rig.positions], windowsPerCandidate: 5, accuracyTolerance: 0) { _ in }
        }
        #expect(!rig.target.isTuning)
        let hazard = try ExecutorControlTargetTests().rig()
        #expect(throws: ExecutorError.self) {
            try hazard.target.tuneSkipBack(candidates: [0, 1], windowsPerCandidate: 5, accuracyTolerance: 0) { _ in }
        }
    }

    @Test func windowLinesAreReadFromTheWriterSchema() throws {
        let line = #"{"window":3,"start_ns":1,"decision":"class","class":"truck","confidence":0.9,"experts":[],"escape":false,"stages":[],"expert_ms":4.112,"total_ms":5.5,"budget_ms":null,"deadline_met":true,"k":1,"start":0,"b":0,"label":"truck"}"#
        let parsed = try #require(SkipBackExperiment.WindowLine.parse(line))
        #expect(parsed.k == 1 && parsed.expertMilliseconds == 4.112 && parsed.totalMilliseconds == 5.5)
        #expect(parsed.decidedClass == .name("truck") && parsed.label == .name("truck") && parsed.deadlineMet)
        #expect(SkipBackExperiment.WindowLine.parse("{not json") == nil)
    }
}
