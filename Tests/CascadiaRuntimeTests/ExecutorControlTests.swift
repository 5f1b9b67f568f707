import Testing
@testable import CascadiaRuntime

@Suite struct ExecutorControlTests {
    @Test func changesMergeUntilAdoptedAndAreFreedByTheControlSide() throws {
        let control = ExecutorControl(expertCount: 5)
        weak var firstChange: PendingChange?
        try control.setSkipBack(.fixed(2))
        try control.setThresholds(Fixture.thresholds)
        do {
            let (change, bits) = try #require(control.take())
            firstChange = change
            #expect(change.skipBack == .fixed(2) && change.thresholds == Fixture.thresholds)
            #expect(control.take() == nil)
            control.retire(bits)
        }
        #expect(firstChange != nil)  // the retired slot keeps it alive
        // While the last adopted change waits to be freed, a new one waits too.
        try control.setSkipBack(.fixed(1))  // frees the retired one first
        #expect(firstChange == nil)
        let second = try #require(control.take())
        #expect(second.change.skipBack == .fixed(1) && second.change.thresholds == nil)
        control.retire(second.bits)
        try control.swapSchedule(Fixture.hazardSchedule())
        control.collectRetired()
        #expect(control.hasPendingChange)
    }

    @Test func aPendingChangeWaitsWhileTheRetiredSlotIsFull() throws {
        let control = ExecutorControl(expertCount: 5)
        try control.setSkipBack(.fixed(2))
        let first = try #require(control.take())
        control.retire(first.bits)
        // Simulate a publish racing ahead of collection: put a change back by hand.
        let change = PendingChange()
        change.skipBack = .fixed(3)
        control.publishForTesting(change)
        #expect(control.take() == nil)
        control.collectRetired()
        #expect(control.take()?.change.skipBack == .fixed(3))
    }
}

extension ExecutorControlTests {
    /// A control thread publishes 2000 k changes while the processing thread runs windows: no
    /// change is lost for good (the last one is in force at the end), nothing crashes, and
    /// every adopted change is freed on the control side.
    @Test func concurrentChangesWhileProcessing() async throws {
        let clock = ManualDeadlineClock()
        let order = [Fixture.e, Fixture.d, Fixture.c, Fixture.a]
        let runner = try ScriptedExpertRunner(expertCount: 5, trace: [Fixture.nestedRow(f: 2, order: order, costs: Fixture.tcet)], clock: clock)
        let schedule = CascadeSchedule(
            name: "EDCA", mode: .idk(order: order, skipBack: .fixed(0)), budgetNanoseconds: nil,
            wcetNanoseconds: Fixture.wcet, tcetNanoseconds: Fixture.tcet)
        let executor = try Executor(schedule: schedule, runner: runner, clock: clock, thresholds: Fixture.thresholds)
        let control = executor.control
        async let publisher: Void = {
            for i in 0..<2000 { try? control.setSkipBack(.fixed(i % 3)) }
            try? control.setSkipBack(.fixed(3))
        }()
        var seenK = Set<Int32>()
        for w in 0..<20_000 {
            seenK.insert(executor.process(Fixture.window(Int64(w), completionNanoseconds: clock.nowNanoseconds())).k)
        }
        await publisher
        control.collectRetired()
        let last = executor.process(Fixture.window(20_000, completionNanoseconds: clock.nowNanoseconds()))
        #expect(last.k == 3)
        #expect(!control.hasPendingChange)
        #expect(seenK.isSubset(of: [0, 1, 2, 3]))
    }
}
