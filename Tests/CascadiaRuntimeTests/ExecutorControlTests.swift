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
