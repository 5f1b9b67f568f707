import Dispatch
import Foundation
import Synchronization

/// Carries each window's JSON line from the processing thread to a non-real-time thread that
/// hands it to `ExecutorControlTarget.publish(line:)` (ctl subscribers, the `tune k`
/// experiment) and keeps the service's `STATUS=` text current.
///
/// The processing thread calls `offer(_:)`: it copies the line into one of `slotCount`
/// preallocated slots of a single-producer/single-consumer ring (two atomic indices) and
/// signals a semaphore — no allocation, no lock. When every slot is taken (the consumer is
/// behind by `slotCount` windows) or a line is longer than a slot, the line is dropped for the
/// subscribers and counted (`dropped`); the JSON output itself is written by the pipeline and
/// never dropped.
///
/// Threading: one producer (the processing thread), one consumer (the publisher's own thread).
public final class WindowLinePublisher: Service, @unchecked Sendable {
    public let name = "window publisher"
    public let slotCount: Int
    public let slotBytes: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<Int>
    /// Next slot the producer fills / the consumer reads (monotonic counters).
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let droppedLines = Atomic<UInt64>(0)
    private let available = DispatchSemaphore(value: 0)
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?
    private let deliver: @Sendable (String) -> Void
    private let tick: @Sendable () -> Void
    private let tickIntervalSeconds: Double

    /// - Parameters:
    ///   - deliver: called on the publisher thread with each line (without its newline).
    ///   - tick: called on the publisher thread about every `tickIntervalSeconds` (status updates).
    public init(
        slotCount: Int = 64, slotBytes: Int = 16 * 1024, tickIntervalSeconds: Double = 5,
        deliver: @escaping @Sendable (String) -> Void, tick: @escaping @Sendable () -> Void = {}
    ) {
        self.slotCount = max(1, slotCount)
        self.slotBytes = max(64, slotBytes)
        storage = .allocate(capacity: self.slotCount * self.slotBytes)
        lengths = .allocate(capacity: self.slotCount)
        lengths.initialize(repeating: 0, count: self.slotCount)
        self.deliver = deliver
        self.tick = tick
        self.tickIntervalSeconds = tickIntervalSeconds
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
    }

    /// Lines not delivered because the ring was full or the line longer than a slot.
    public var dropped: UInt64 { droppedLines.load(ordering: .relaxed) }

    /// Queues one line (a trailing newline is stripped). Processing thread only.
    /// - Note: Real-time safe (a copy, two atomics and a semaphore signal).
    public func offer(_ line: UnsafeBufferPointer<UInt8>) {
        var count = line.count
        if count > 0, line[count - 1] == UInt8(ascii: "\n") { count -= 1 }
        let h = head.load(ordering: .relaxed)
        guard count <= slotBytes, h - tail.load(ordering: .acquiring) < slotCount, let base = line.baseAddress else {
            droppedLines.add(1, ordering: .relaxed)
            return
        }
        let slot = h % slotCount
        (storage + slot * slotBytes).update(from: base, count: count)
        lengths[slot] = count
        head.store(h + 1, ordering: .releasing)
        available.signal()
    }

    public func start() throws {
        stopFlag.store(false, ordering: .relaxed)
        let thread = Thread { [self] in consume() }
        thread.name = "cascadia-publish"
        self.thread = thread
        thread.start()
    }

    /// Delivers what is queued, then ends the thread.
    public func stop() {
        guard thread != nil else { return }
        stopFlag.store(true, ordering: .releasing)
        available.signal()
        finished.wait()
        thread = nil
    }

    private func consume() {
        defer { finished.signal() }
        var nextTick = DispatchTime.now() + tickIntervalSeconds
        while true {
            let woke = available.wait(timeout: nextTick) == .success
            drain()
            if DispatchTime.now() >= nextTick {
                tick()
                nextTick = DispatchTime.now() + tickIntervalSeconds
            }
            if !woke { continue }
            if stopFlag.load(ordering: .acquiring) {
                drain()
                return
            }
        }
    }

    private func drain() {
        while true {
            let t = tail.load(ordering: .relaxed)
            guard t < head.load(ordering: .acquiring) else { return }
            let slot = t % slotCount
            let line = String(decoding: UnsafeBufferPointer(start: storage + slot * slotBytes, count: lengths[slot]), as: UTF8.self)
            tail.store(t + 1, ordering: .releasing)
            deliver(line)
        }
    }
}
