import Foundation
import Synchronization
import Testing
@testable import CascadiaIO

/// The consumer's wake-up: a blocked waiter wakes on a commit or `finish` from another thread and on
/// `wake()` (a stop request); a producer with no waiter leaves nothing behind. No test waits on a
/// clock: the "blocked" cases use a 60 s timeout and must report `.woken`, not `.timedOut`.
@Suite struct RingWakeupTests {
    /// A flag shared with the other thread.
    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// Runs `wait` on this thread while `producer` runs on another, started only after the waiter
    /// has announced itself and checked its rings (so the waiter takes the blocking path, or finds
    /// the byte the producer already wrote).
    private func waitWhile(
        _ wakeup: RingWakeup, ready: @escaping @Sendable () -> Bool, producer: @escaping @Sendable () -> Void
    ) throws -> RingWakeup.Outcome {
        let checked = Flag()
        let thread = try ReaderThread(name: "wakeup-test") {
            while !checked.isSet { sched_yield() }
            producer()
        }
        defer { thread.join() }
        return wakeup.wait(timeoutMilliseconds: 60_000) {
            let answer = ready()
            checked.set()
            return answer
        }
    }

    @Test func aBlockedWaiterWakesOnACommitFromAnotherThread() throws {
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 8)
        let wakeup = RingWakeup()
        ring.attachWakeup(wakeup)
        let before = ring.publicationToken
        let outcome = try waitWhile(wakeup, ready: { ring.publicationToken != before }) {
            let region = ring.acquireWrite(frames: 2)!
            region.first[0] = 7
            region.first[1] = 8
            ring.commitWrite(frames: 2)
        }
        #expect(outcome == .woken)
        #expect(ring.publicationToken == before + 2)
        guard case .samples(let block) = ring.acquireRead(maxFrames: 8) else {
            Issue.record("the committed frames are readable after the wake-up")
            return
        }
        #expect(block.frames == 2 && block[0] == 7 && block[1] == 8)
    }

    @Test func aBlockedWaiterWakesOnTheEndOfTheStream() throws {
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 8)
        let wakeup = RingWakeup()
        ring.attachWakeup(wakeup)
        let before = ring.publicationToken
        let outcome = try waitWhile(wakeup, ready: { ring.publicationToken != before }) { ring.finish() }
        #expect(outcome == .woken)
        #expect(ring.publicationToken == before + 1)
        guard case .finished = ring.acquireRead(maxFrames: 8) else {
            Issue.record("the ring reports its end after the wake-up")
            return
        }
    }

    @Test func aBlockedWaiterWakesOnAStopRequest() throws {
        let wakeup = RingWakeup()
        let stop = Flag()
        let outcome = try waitWhile(wakeup, ready: { stop.isSet }) {
            stop.set()
            wakeup.wake()
        }
        #expect(outcome == .woken)
        #expect(stop.isSet)
    }

    @Test func readyBeforeBlockingDoesNotBlock() {
        let wakeup = RingWakeup()
        #expect(wakeup.wait(timeoutMilliseconds: 60_000) { true } == .ready)
    }

    /// A commit with nobody waiting writes nothing, so a later zero-timeout wait times out; a
    /// consumed wake-up does not linger either.
    @Test func aCommitWithoutAWaiterLeavesNoWakeUpBehind() {
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 8)
        let wakeup = RingWakeup()
        ring.attachWakeup(wakeup)
        let region = ring.acquireWrite(frames: 1)!
        region.first[0] = 1
        ring.commitWrite(frames: 1)
        #expect(wakeup.wait(timeoutMilliseconds: 0) { false } == .timedOut)
        wakeup.wake()
        wakeup.wake()
        #expect(wakeup.wait(timeoutMilliseconds: 0) { false } == .woken)
        #expect(wakeup.wait(timeoutMilliseconds: 0) { false } == .timedOut)
    }
}
