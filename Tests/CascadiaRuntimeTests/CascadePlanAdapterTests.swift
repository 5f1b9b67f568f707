import Foundation
import Testing
@testable import CascadiaRuntime

/// Plans made by the real planners from the profiles shipped in profiles/, run by the executor.
@Suite struct CascadePlanAdapterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func hazardPlanner() throws -> HazardPlanner {
        let url = root.appendingPathComponent("profiles/multimodal-hazard-profile.tsv")
        let profile = try HazardProfile(table: String(contentsOf: url, encoding: .utf8), file: url.path)
        return try HazardPlanner(profile: profile, maxFN: 0.086)
    }

    /// A run of `plan` on windows where every expert says "clear" at its TCET, with an
    /// optional injected overrun; returns (misses, escapes) over `windows`.
    static func run(_ plan: Plan, windows: Int, faults: [String], escape: Bool = true) throws -> (misses: Int, escapes: Int, schedule: CascadeSchedule) {
        let schedule = try CascadeSchedule(plan: plan, file: "plan.json")
        let clock = ManualDeadlineClock()
        let count = plan.catalog.count
        let row = (0..<count).map { ScriptedAnswer(answer: Fixture.clear, durationNanoseconds: schedule.tcetNanoseconds[$0]) }
        let script = try ScriptedExpertRunner(expertCount: count, trace: [row], clock: clock)
        let names = plan.catalog.map(\.id)
        let runner = try FaultInjectingRunner(base: script, clock: clock, faults: try faults.map { (f) throws(ExecutorError) in try FaultInjection.parse(f, expertNames: names) }, seed: 3)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: ExpertThresholds(count: count, idk: 0.6, hazard: 0.5), escapeEnabled: escape)
        var misses = 0
        var escapes = 0
        for w in 0..<windows {
            let record = executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds()))
            misses += record.deadlineMet ? 0 : 1
            escapes += record.escapeUsed ? 1 : 0
            clock.advance(byNanoseconds: 1_000_000_000)
        }
        return (misses, escapes, schedule)
    }

    @Test func adaptivePlanBecomesStagesWithPublishedEscapes() throws {
        let plan = try Self.hazardPlanner().adaptivePlan(budgetMs: 60)
        let schedule = try CascadeSchedule(plan: plan, file: "plan.json")
        guard case .hazard(let stages, let initialEscape) = schedule.mode else {
            Issue.record("not a hazard schedule")
            return
        }
        let ids = plan.catalog.map(\.id)
        // ESCAP(∅) = CD in the published_escape column.
        #expect(initialEscape.map { ids[$0] } == ["C", "D"])
        #expect(stages.map { $0.experts.map { ids[$0] } } == plan.stages)
        #expect(schedule.budgetNanoseconds == 60_000_000)
        #expect(schedule.wcetNanoseconds[0] == 25_121_000 && schedule.tcetNanoseconds[0] == 18_166_000)
        // The last node is a leaf (FN < H): no escape after it.
        #expect(stages.last?.escape == [])
    }

    /// The adaptive plan for L = 60 ms is C → A → B. A overruns by 40 ms on 30 % of windows
    /// (A is in no escape set of the path): the monitor cuts A where ESCAP(C) = D still fits and
    /// keeps every deadline; without it those windows miss.
    @Test func adaptivePlanHoldsItsBudgetUnderInjectedOverruns() throws {
        let plan = try Self.hazardPlanner().adaptivePlan(budgetMs: 60)
        #expect(plan.stages == [["C"], ["A"], ["B"]])
        let guarded = try Self.run(plan, windows: 500, faults: ["A:40:0.3"])
        #expect(guarded.misses == 0)
        #expect(guarded.escapes > 100 && guarded.escapes < 200)
        let unguarded = try Self.run(plan, windows: 500, faults: ["A:40:0.3"], escape: false)
        #expect(unguarded.misses == guarded.escapes)
    }

    /// C, first on the path, overruns by 40 ms on 30 % of windows. C is also in ESCAP(∅) = CD,
    /// so when it is cut the escape re-runs it, and when that run overruns too (≈ 9 % of
    /// windows) the window misses: the guarantee rests on escape experts keeping their WCET.
    @Test func overrunsOfAnEscapeExpertCanStillMiss() throws {
        let plan = try Self.hazardPlanner().adaptivePlan(budgetMs: 60)
        let result = try Self.run(plan, windows: 1000, faults: ["C:40:0.3"])
        #expect(result.misses > 50 && result.misses < 130)
        #expect(result.escapes > 250 && result.escapes < 350)
    }

    @Test func typicalAndStaticPlansRun() throws {
        let planner = try Self.hazardPlanner()
        let typical = try Self.run(planner.typicalPlan(budgetMs: 60), windows: 10, faults: [])
        #expect(typical.misses == 0)
        let staticPlan = try planner.staticPlan(budgetMs: 60)
        let result = try Self.run(staticPlan, windows: 10, faults: [])
        #expect(result.misses == 0 && result.escapes == 0)
    }

    @Test func idkPlanBecomesAnOrderWithLearnedK() throws {
        let url = Self.root.appendingPathComponent("profiles/illustrative-idk-profile.json")
        let profile = try IDKProfile(json: Data(contentsOf: url), file: url.path)
        let plan = try IDKPlanner(profile: profile).plan(minSuccess: 0.75)
        let schedule = try CascadeSchedule(plan: plan, file: "idk.json")
        let order = try #require(plan.order)
        guard case .idk(let indices, let skipBack) = schedule.mode else {
            Issue.record("not an IDK schedule")
            return
        }
        #expect(indices.map { plan.catalog[$0].id } == order)
        #expect(skipBack == .learned(maxK: order.count - 1))
        #expect(schedule.predictedExpectedNanoseconds == UInt64((plan.expectedMs! * 1e6).rounded()))
        #expect(schedule.budgetNanoseconds == nil)
        let fixed = try CascadeSchedule(plan: plan, file: "idk.json", skipBack: .fixed(1))
        #expect(fixed.mode == .idk(order: indices, skipBack: .fixed(1)))
        // A plan's own k applies unless the command line gives one.
        var withK = plan
        withK.k = 2
        #expect(try CascadeSchedule(plan: withK, file: "idk.json").mode == .idk(order: indices, skipBack: .fixed(2)))
        let overridden = try CascadeSchedule(plan: withK, file: "idk.json", skipBack: .learned(maxK: 1))
        #expect(overridden.mode == .idk(order: indices, skipBack: .learned(maxK: 1)))
    }

    @Test func brokenPlansAreRejectedWithTheFileAndField() throws {
        var plan = try Self.hazardPlanner().adaptivePlan(budgetMs: 60)
        plan.escape?[""] = nil
        #expect(throws: ExecutorError.self) { try CascadeSchedule(plan: plan, file: "p.json") }
        do {
            _ = try CascadeSchedule(plan: plan, file: "p.json")
        } catch {
            #expect(error.description.contains("p.json: escape[\"\"]"))
            #expect(error.exitCode == .config)
        }
        var noBudget = try Self.hazardPlanner().adaptivePlan(budgetMs: 60)
        noBudget.budgetMs = nil
        #expect(throws: ExecutorError.self) { try CascadeSchedule(plan: noBudget, file: "p.json") }
        var badTime = try Self.hazardPlanner().adaptivePlan(budgetMs: 60)
        badTime.catalog[0].wcetMs = -.infinity
        #expect(throws: ExecutorError.self) { try CascadeSchedule(plan: badTime, file: "p.json") }
    }
}
