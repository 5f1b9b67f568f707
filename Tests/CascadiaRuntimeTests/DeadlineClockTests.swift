import Testing
@testable import CascadiaRuntime

@Suite struct DeadlineClockTests {
    @Test func manualClockMovesOnlyForward() {
        let clock = ManualDeadlineClock(startNanoseconds: 100)
        clock.advance(byNanoseconds: 50)
        #expect(clock.nowNanoseconds() == 150)
        clock.wait(untilNanoseconds: 120)
        #expect(clock.nowNanoseconds() == 150)
        clock.wait(untilNanoseconds: 400)
        #expect(clock.nowNanoseconds() == 400)
    }

    @Test func monotonicClockDoesNotGoBackAndWaitReturnsAfterTheDeadline() {
        let clock = MonotonicDeadlineClock()
        let a = clock.nowNanoseconds()
        let b = clock.nowNanoseconds()
        #expect(b >= a && a > 0)
        clock.wait(untilNanoseconds: b + 1_000)
        #expect(clock.nowNanoseconds() >= b + 1_000)
        clock.wait(untilNanoseconds: 0)  // in the past: returns at once
    }
}
