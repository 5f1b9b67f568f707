import Foundation
import Synchronization
import Testing
@testable import CascadiaRuntime

/// `cascadia ctl` requests against a real executor running a planner-made plan.
@Suite struct ExecutorControlTargetTests {
    struct Rig {
        let executor: Executor<ManualDeadlineClock, ScriptedExpertRunner<ManualDeadlineClock>>
        let clock: ManualDeadlineClock
        let target: ExecutorControlTarget
        let plan: Plan

        func step(_ count: Int = 1) -> DetectionRecord {
            var record: DetectionRecord?
            for _ in 0..<count {
                record = executor.process(Fixture.window(Int64(executor.metrics.windows), completionNanoseconds: clock.nowNanoseconds()))
                clock.advance(byNanoseconds: 1_000_000_000)
            }
            return record!
        }
    }

    /// Adaptive plan C → A → B (L = 60 ms); C answers hazard with probability 0.7.
    func rig() throws -> Rig {
        let plan = try CascadePlanAdapterTests.hazardPlanner().adaptivePlan(budgetMs: 60)
        let schedule = try CascadeSchedule(plan: plan, file: "adaptive.json")
        let clock = ManualDeadlineClock()
        let sevenTenths = RunnerAnswer(topClass: 1, topProbability: 0.7, hazardProbability: 0.7)
        let row = (0..<5).map { e in
            ScriptedAnswer(answer: plan.catalog[e].id == "C" ? sevenTenths : Fixture.clear, durationNanoseconds: schedule.tcetNanoseconds[e])
        }
        let runner = try ScriptedExpertRunner(expertCount: 5, trace: [row], clock: clock)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: Fixture.thresholds)
        let target = ExecutorControlTarget(
            control: executor.control, metrics: executor.metrics, plan: plan, planPath: "adaptive.json",
            skipBack: .fixed(0), thresholds: Fixture.thresholds, pipelineCounters: { (7, ["acoustic": 0.25]) })
        return Rig(executor: executor, clock: clock, target: target, plan: plan)
    }

    @Test func thresholdChangesTheNextWindowsDecision() throws {
        let rig = try rig()
        #expect(rig.step().decision == .hazard)  // C: 0.7 ≥ 0.5
        let name = try #require(rig.plan.catalog.first { $0.id == "C" }?.name)
        try rig.target.setThreshold(expert: name, value: 0.8)  // by model name (the TSV profile names experts by id)
        #expect(rig.target.controlSettings().thresholds["C"] == 0.8)
        #expect(rig.step().decision == .clear)
        #expect(throws: (any Error).self) { try rig.target.setThreshold(expert: "Z", value: 0.5) }
        #expect(throws: (any Error).self) { try rig.target.setThreshold(expert: "C", value: 2) }
    }

    @Test func statsComeFromTheMetricsAndThePipeline() throws {
        let rig = try rig()
        _ = rig.step(4)
        let stats = rig.target.controlStats()
        #expect(stats.windows == 4 && stats.deadlineMisses == 0 && stats.escapes == 0)
        #expect(stats.expertInvocations["C"] == 4 && stats.expertInvocations["A"] == 0)
        #expect(stats.xruns == 7 && stats.ringHighWater == ["acoustic": 0.25])
        #expect(stats.latencyMaxMilliseconds == 12.263)
    }

    @Test func loadPlanSwapsAtTheNextWindowAndRejectsOtherExperts() throws {
        let rig = try rig()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("executor-ctl-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let staticPlan = try CascadePlanAdapterTests.hazardPlanner().staticPlan(budgetMs: 60)
        let path = directory.appendingPathComponent("static.json").path
        try staticPlan.jsonData().write(to: URL(fileURLWithPath: path))
        try rig.target.setThreshold(expert: "C", value: 0.9)
        try rig.target.loadPlan(path: path)
        #expect(rig.target.controlSettings().plan == path)
        let record = rig.step()
        #expect(record.runs.map { rig.plan.catalog[Int($0.expert)].id } == staticPlan.stages[0])
        var other = staticPlan
        other.catalog[0].id = "Q"
        other.experts = []
        other.stages = [["Q"]]
        other.escape = nil
        let otherPath = directory.appendingPathComponent("other.json").path
        try other.jsonData().write(to: URL(fileURLWithPath: otherPath))
        #expect(throws: (any Error).self) { try rig.target.loadPlan(path: otherPath) }
        #expect(throws: (any Error).self) { try rig.target.loadPlan(path: directory.appendingPathComponent("missing.json").path) }
        #expect(rig.target.controlSettings().plan == path)
    }

    @Test func skipBackSettingsAndSubscriptions() throws {
        let rig = try rig()
        try rig.target.setSkipBack(2)
        #expect(rig.target.controlSettings().k == 2 && !rig.target.controlSettings().autoK)
        try rig.target.setAutoSkipBack(true)
        #expect(rig.target.controlSettings().autoK)
        #expect(throws: (any Error).self) { try rig.target.setSkipBack(-1) }
        let received = Mutex<[String]>([])
        let subscription = rig.target.subscribeWindows { line in received.withLock { $0.append(line) } }
        rig.target.publish(line: "{\"window\":0}")
        subscription.cancel()
        rig.target.publish(line: "{\"window\":1}")
        #expect(received.withLock { $0 } == ["{\"window\":0}"])
        #expect(rig.target.subscriberCount == 0)
    }
}

extension ExecutorControlTargetTests {
    /// An IDK plan from the illustrative profile; every expert classifies at its TCET.
    static func idkRig(commandLineK: SkipBack?) throws -> (Rig, Plan) {
        let url = CascadePlanAdapterTests.root.appendingPathComponent("profiles/illustrative-idk-profile.json")
        let profile = try IDKProfile(json: Data(contentsOf: url), file: url.path)
        let plan = try IDKPlanner(profile: profile).plan(minSuccess: 0.75)
        let schedule = try CascadeSchedule(plan: plan, file: "idk.json", skipBack: commandLineK)
        let clock = ManualDeadlineClock()
        let count = plan.catalog.count
        let row = (0..<count).map { ScriptedAnswer(answer: Fixture.classified(1), durationNanoseconds: schedule.tcetNanoseconds[$0]) }
        let runner = try ScriptedExpertRunner(expertCount: count, trace: [row], clock: clock)
        let thresholds = ExpertThresholds(count: count, idk: 0.6, hazard: 0.5)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: thresholds, skipBack: commandLineK)
        guard case .idk(_, let k) = schedule.mode else { throw ExecutorError.invalidChange("not an IDK plan") }
        let target = ExecutorControlTarget(
            control: executor.control, metrics: executor.metrics, plan: plan, planPath: "idk.json", skipBack: k,
            skipBackFromCommandLine: commandLineK != nil, thresholds: thresholds)
        return (Rig(executor: executor, clock: clock, target: target, plan: plan), plan)
    }

    /// `load plan` of a plan with its own k: it applies unless k came from the command line.
    @Test(arguments: [false, true])
    func loadedPlansKAppliesUnlessOverridden(commandLine: Bool) throws {
        let (rig, plan) = try Self.idkRig(commandLineK: commandLine ? .fixed(0) : nil)
        #expect(rig.target.controlSettings().autoK == !commandLine)
        var withK = plan
        withK.k = 1
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-k-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try withK.jsonData().write(to: URL(fileURLWithPath: path))
        try rig.target.loadPlan(path: path)
        let record = rig.step()
        #expect(record.k == (commandLine ? 0 : 1))
        #expect(rig.target.controlSettings().k == (commandLine ? 0 : 1) && !rig.target.controlSettings().autoK)
    }
}
