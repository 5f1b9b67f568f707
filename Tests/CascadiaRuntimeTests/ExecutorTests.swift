import Testing
@testable import CascadiaRuntime

@Suite struct ExecutorTests {
    typealias Clock = ManualDeadlineClock

    func executor(_ trace: [[ScriptedAnswer]], schedule: CascadeSchedule = Fixture.hazardSchedule(), escape: Bool = true, faults: [FaultInjection] = [], skipBack: SkipBack? = nil)
        throws -> (Executor<Clock, FaultInjectingRunner<ScriptedExpertRunner<Clock>, Clock>>, Clock)
    {
        let clock = ManualDeadlineClock(startNanoseconds: 1_000_000_000_000)
        let script = try ScriptedExpertRunner(expertCount: 5, trace: trace, clock: clock)
        let runner = try FaultInjectingRunner(base: script, clock: clock, faults: faults, seed: 7)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: Fixture.thresholds, escapeEnabled: escape, skipBack: skipBack)
        return (executor, clock)
    }

    func experts(_ record: DetectionRecord) -> [String] {
        record.runs.map { "\(Fixture.names[Int($0.expert)])\($0.phase == .escape ? "!" : $0.phase == .probe ? "?" : "")\($0.kind == .cancelled ? "x" : "")" }
    }

    @Test func clearWindowRunsThePathAtTypicalCost() throws {
        let (executor, clock) = try executor([Fixture.row()])
        let record = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(experts(record) == ["A", "D", "E"])
        #expect(record.decision == .clear)
        #expect(record.latencyNanoseconds == Fixture.ms(18.166 + 11.878 + 4.112))
        #expect(record.deadlineMet && !record.escapeUsed)
        #expect(record.stages.map(\.nanoseconds) == [Fixture.ms(18.166), Fixture.ms(11.878 + 4.112)])
        #expect(abs(record.confidence - 0.9) < 1e-6)
    }

    @Test func firstHazardEndsTheBatch() throws {
        let (executor, clock) = try executor([Fixture.row(Fixture.clear, [Fixture.d: Fixture.hazard])])
        let record = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(experts(record) == ["A", "D"])
        #expect(record.decision == .hazard && record.classIndex == 1)
    }

    /// A overruns by 30 ms: it is cut at L − WCET(CD) = 26.266 ms and ESCAP(∅) = CD runs:
    /// 26.266 + 12.263 + 11.878 = 50.407 ms ≤ 60.
    @Test func overrunInFirstStageRunsInitialEscape() throws {
        let (executor, clock) = try executor([Fixture.row()], faults: [FaultInjection(expert: Fixture.a, delayNanoseconds: Fixture.ms(30))])
        let t0 = clock.nowNanoseconds()
        let record = executor.process(Fixture.window(0, completionNanoseconds: t0))
        #expect(experts(record) == ["Ax", "C!", "D!"])
        #expect(record.runs[0].elapsedNanoseconds == Fixture.ms(60 - 33.734))
        #expect(record.latencyNanoseconds == Fixture.ms(60 - 33.734 + 12.263 + 11.878))
        #expect(record.escapeUsed && record.deadlineMet)
        #expect(record.stages.map(\.phase) == [.stage, .escape])
        #expect(executor.metrics.escapeActivations == 1 && executor.metrics.cancellations == 1)
    }

    /// The same overrun without the monitor: A takes 48.166 ms, then D, E → 64.156 ms > 60.
    @Test func withoutEscapeTheOverrunMissesTheDeadline() throws {
        let (executor, clock) = try executor([Fixture.row()], escape: false, faults: [FaultInjection(expert: Fixture.a, delayNanoseconds: Fixture.ms(30))])
        let record = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(experts(record) == ["A", "D", "E"])
        #expect(record.latencyNanoseconds == Fixture.ms(48.166 + 11.878 + 4.112))
        #expect(!record.deadlineMet && !record.escapeUsed)
        #expect(executor.metrics.deadlineMisses == 1)
    }

    /// D overruns in stage 2 (scripted 30 ms, beyond its 16.18 ms WCET): cut at
    /// L − WCET(ESCAP(A) = DE) = 38.521 ms. ESCAP(A) re-runs D, which overruns again and is
    /// cut at L: the escape's guarantee rests on escape experts keeping their WCET, so this
    /// window is recorded as missed.
    @Test func overrunInSecondStageFallsBackToEscapeOfFirstNode() throws {
        let slowD = Fixture.row(durations: [Fixture.d: 30])
        let (executor, clock) = try executor([slowD])
        let record = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(experts(record) == ["A", "Dx", "D!x"])
        #expect(record.runs[1].elapsedNanoseconds == Fixture.ms(60) - Fixture.wcet[Fixture.d] - Fixture.wcet[Fixture.e] - Fixture.tcet[Fixture.a])
        #expect(record.escapeUsed && !record.deadlineMet)
        #expect(record.latencyNanoseconds == Fixture.ms(60))
    }

    /// Lateness before processing (DSP, queueing) counts against the budget.
    @Test func lateWindowsStartWithTheEscapeWhenThePathNoLongerFits() throws {
        let (executor, clock) = try executor([Fixture.row()])
        // 1 ms late: A (TCET) ends at 19.166 before its cut point L − WCET(CD) = 26.266; then
        // 19.166 + 21.479 ≤ 60: the path runs.
        let t0 = clock.nowNanoseconds()
        clock.advance(byNanoseconds: Fixture.ms(1))
        let record = executor.process(Fixture.window(0, completionNanoseconds: t0))
        #expect(experts(record) == ["A", "D", "E"])
        #expect(record.deadlineMet)
        // 10 ms late: the stage check passes (10 + 25.121 + 21.479 ≤ 60) but A would end at
        // 28.166, past its cut point: cut at 26.266, CD runs, 50.407 ms.
        let tA = clock.nowNanoseconds()
        clock.advance(byNanoseconds: Fixture.ms(10))
        let cut = executor.process(Fixture.window(3, completionNanoseconds: tA))
        #expect(experts(cut) == ["Ax", "C!", "D!"])
        #expect(cut.deadlineMet && cut.latencyNanoseconds == Fixture.ms(60) - Fixture.wcet[Fixture.c] - Fixture.wcet[Fixture.d] + Fixture.tcet[Fixture.c] + Fixture.tcet[Fixture.d])
        // 20 ms late: 20 + 25.121 + 21.479 > 60 → ESCAP(∅) = CD at once, 44.141 ms.
        let t1 = clock.nowNanoseconds()
        clock.advance(byNanoseconds: Fixture.ms(20))
        let late = executor.process(Fixture.window(1, completionNanoseconds: t1))
        #expect(experts(late) == ["C!", "D!"])
        #expect(late.escapeUsed && late.deadlineMet)
        #expect(late.latencyNanoseconds == Fixture.ms(20) + Fixture.tcet[Fixture.c] + Fixture.tcet[Fixture.d])
        // 40 ms late: even CD cannot fit; D is cut at L and the window is missed.
        let t2 = clock.nowNanoseconds()
        clock.advance(byNanoseconds: Fixture.ms(40))
        let hopeless = executor.process(Fixture.window(2, completionNanoseconds: t2))
        #expect(experts(hopeless) == ["C!", "D!x"])
        #expect(!hopeless.deadlineMet && hopeless.latencyNanoseconds == Fixture.ms(60))
    }

    @Test func escapeStopsAtTheFirstHazard() throws {
        let row = Fixture.row(Fixture.clear, [Fixture.c: Fixture.hazard])
        let (executor, clock) = try executor([row], faults: [FaultInjection(expert: Fixture.a, delayNanoseconds: Fixture.ms(30))])
        let record = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(experts(record) == ["Ax", "C!"])
        #expect(record.decision == .hazard)
    }

    /// `--inject-delay A:30:0.3` on 2000 windows whose D and E vary between TCET and WCET:
    /// with the monitor no window misses, without it the overrun windows do
    /// (48.166 + up to 21.479 > 60).
    @Test(arguments: [true, false]) func injectedOverrunsKeepDeadlinesOnlyWithEscape(escape: Bool) throws {
        let faults = [try FaultInjection.parse("A:30:0.3", expertNames: Fixture.names)]
        let trace = [
            Fixture.row(),
            Fixture.row(durations: [Fixture.d: 16.18, Fixture.e: 5.3]),
            Fixture.row(durations: [Fixture.d: 14, Fixture.c: 17.554]),
        ]
        let (executor, clock) = try executor(trace, escape: escape, faults: faults)
        var misses = 0
        var escapes = 0
        for w in 0..<2000 {
            let record = executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds()))
            if !record.deadlineMet { misses += 1 }
            if record.escapeUsed { escapes += 1 }
            clock.advance(byNanoseconds: Fixture.ms(100))
        }
        if escape {
            #expect(misses == 0)
            #expect(escapes > 450 && escapes < 750)
        } else {
            #expect(misses > 450 && misses < 750)
            #expect(escapes == 0)
        }
        #expect(executor.metrics.deadlineMisses == UInt64(misses))
        #expect(executor.metrics.windows == 2000)
        #expect(executor.runner.injected[Fixture.a] > 400)
    }

    // MARK: IDK cascades

    static let order = [Fixture.e, Fixture.d, Fixture.c, Fixture.a]
    static func idkSchedule(_ skipBack: SkipBack, budget: Double? = nil) -> CascadeSchedule {
        CascadeSchedule(
            name: "EDCA", mode: .idk(order: order, skipBack: skipBack), budgetNanoseconds: budget.map(Fixture.ms),
            wcetNanoseconds: Fixture.wcet, tcetNanoseconds: Fixture.tcet)
    }

    func cascadeRuns(_ fs: [Int?], _ skipBack: SkipBack) throws -> [[String]] {
        let trace = fs.map { Fixture.nestedRow(f: $0, order: Self.order, costs: Fixture.tcet) }
        let (executor, clock) = try executor(trace, schedule: Self.idkSchedule(skipBack))
        return fs.indices.map { w in
            let record = executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds()))
            return experts(record) + ["b=\(record.nextB)"]
        }
    }

    /// SPEC §4.3 by hand, order E D C A (positions 0–3), Dynamic (k = 0).
    @Test func dynamicFollowsTheSpec() throws {
        let runs = try cascadeRuns([2, 2, 0, 3, nil], .fixed(0))
        #expect(runs[0] == ["E", "D", "C", "b=2"])  // b = 0: E, D say IDK, C classifies; i ≠ b → b = 2
        #expect(runs[1] == ["C", "D?", "b=2"])  // i = b: probe D says IDK → b = 2
        #expect(runs[2] == ["C", "D?", "E?", "b=0"])  // probe D, E classify → b = 0
        #expect(runs[3] == ["E", "D", "C", "A", "b=3"])
        #expect(runs[4] == ["A", "b=3"])  // nobody classifies: IDK, b stays
    }

    @Test func dynamicKStartsKEarlier() throws {
        let runs = try cascadeRuns([3, 3, 1, 0], .fixed(1))
        #expect(runs[0] == ["E", "D", "C", "A", "b=3"])
        #expect(runs[1] == ["C", "A", "b=3"])  // s = 2: C IDK, A classifies at i = b; K_2 ran → no probe
        #expect(runs[2] == ["C", "b=2"])  // s = 2 classifies, i ≠ b → b = 2 (no probe)
        #expect(runs[3] == ["D", "b=1"])
    }

    @Test func learnedKProbesWhenTheStartClassifies() throws {
        let runs = try cascadeRuns([3, 3, 1], .learned(maxK: 3))
        #expect(runs[0] == ["E", "D", "C", "A", "b=3"])
        // Window 1 is the guard's first plain-cascade window (the plain arm has no measurement yet).
        #expect(runs[1] == ["E", "D", "C", "A", "b=3"])
        // Learner: window 0 from b = 0 makes every k cost the same; window 1 from b = 3 with f = 3
        // makes k = 0 (A + probe C) and k = 1 (C + A) cheapest → k = 0, s = 3: A classifies at the
        // start → probe: f = 1 here, so C, D classify and E says IDK.
        #expect(runs[2] == ["A", "C?", "D?", "E?", "b=1"])
    }

    @Test func idkBudgetStopsTheCascade() throws {
        let trace = [Fixture.nestedRow(f: 3, order: Self.order, costs: Fixture.tcet)]
        let (executor, clock) = try executor(trace, schedule: Self.idkSchedule(.fixed(0), budget: 40))
        let record = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        // E 4.112 + D 11.878 + C 12.263 = 28.253; A's WCET 25.121 no longer fits in 40.
        #expect(experts(record) == ["E", "D", "C"])
        #expect(record.decision == .idk && record.deadlineMet)
    }

    // MARK: Live changes

    @Test func liveChangesApplyAtTheNextWindow() throws {
        let trace = [Fixture.nestedRow(f: 2, order: Self.order, costs: Fixture.tcet)]
        let (executor, clock) = try executor(trace, schedule: Self.idkSchedule(.fixed(0)))
        _ = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        try executor.control.setSkipBack(.fixed(2))
        #expect(executor.control.hasPendingChange)
        let second = executor.process(Fixture.window(1, completionNanoseconds: clock.nowNanoseconds()))
        #expect(!executor.control.hasPendingChange)
        #expect(second.k == 2 && second.startPosition == 0)
        // Raising C's IDK threshold above its 0.9 makes C say IDK: A classifies instead.
        var thresholds = Fixture.thresholds
        thresholds.idk[Fixture.c] = 0.95
        try executor.control.setThresholds(thresholds)
        let third = executor.process(Fixture.window(2, completionNanoseconds: clock.nowNanoseconds()))
        #expect(experts(third) == ["E", "D", "C", "A", "b=3"].dropLast())
        try executor.control.swapSchedule(Fixture.hazardSchedule())
        executor.control.collectRetired()
        let fourth = executor.process(Fixture.window(3, completionNanoseconds: clock.nowNanoseconds()))
        #expect(fourth.decision == .clear && experts(fourth) == ["A", "D", "E"])
        #expect(executor.currentSchedule.name == "A-then-DE")
    }

    @Test func invalidChangesAreRejected() throws {
        let (executor, _) = try executor([Fixture.row()])
        #expect(throws: ExecutorError.self) { try executor.control.setSkipBack(.fixed(-1)) }
        #expect(throws: ExecutorError.self) { try executor.control.setThresholds(ExpertThresholds(count: 3, idk: 0.5, hazard: 0.5)) }
        #expect(throws: ExecutorError.self) { try executor.control.setThresholds(ExpertThresholds(count: 5, idk: 1.5, hazard: 0.5)) }
        var bad = Fixture.hazardSchedule()
        bad.mode = .hazard(stages: [HazardStage(experts: [7], escape: [])], initialEscape: [])
        #expect(throws: ExecutorError.self) { try executor.control.swapSchedule(bad) }
        #expect(!executor.control.hasPendingChange)
    }
}

extension ExecutorTests {
    @Test func idkStepsAreTheWalkAndTheProbe() throws {
        let trace = [Fixture.nestedRow(f: 2, order: Self.order, costs: Fixture.tcet), Fixture.nestedRow(f: 2, order: Self.order, costs: Fixture.tcet)]
        let (executor, clock) = try executor(trace, schedule: Self.idkSchedule(.fixed(0)))
        let first = executor.process(Fixture.window(0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(first.stages.map(\.phase) == [.stage])
        #expect(first.stages[0].nanoseconds == Fixture.tcet[Fixture.e] + Fixture.tcet[Fixture.d] + Fixture.tcet[Fixture.c])
        let second = executor.process(Fixture.window(1, completionNanoseconds: clock.nowNanoseconds()))
        #expect(second.stages.map(\.phase) == [.stage, .probe])
        #expect(second.stages.map(\.nanoseconds) == [Fixture.tcet[Fixture.c], Fixture.tcet[Fixture.d]])
    }
}
