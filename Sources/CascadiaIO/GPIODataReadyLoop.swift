/// The capture loop an ADC with a data-ready GPIO shares: wait for edges, account for them with
/// `DataReadyTracker`, read the conversion, push it (and any gap before it) into the ring.
///
/// Owned by the capture thread; `requestStop()` from any thread.
final class DataReadyLoop: @unchecked Sendable {
    let line: any GPIOEdgeLine
    let periodNanoseconds: Int64
    private(set) var tracker: DataReadyTracker
    /// Waits that saw no edge within `stallTimeoutMilliseconds`.
    private(set) var stalls: UInt64 = 0
    /// Frames produced or lost so far.
    private(set) var framePosition: UInt64 = 0
    /// CLOCK_MONOTONIC time of the first conversion.
    private(set) var firstSampleMonotonicNanoseconds: Int64 = 0
    private(set) var stopRequested = false
    let now: @Sendable () -> Int64
    private let events: UnsafeMutableBufferPointer<GPIOEdgeEvent>

    /// One wait before a stall is counted: 10 periods, at least 100 ms.
    var stallTimeoutMilliseconds: Int32 { Int32(max(100, periodNanoseconds * 10 / 1_000_000)) }

    init(line: any GPIOEdgeLine, periodNanoseconds: Int64, clock: @escaping @Sendable () -> Int64) {
        self.line = line
        self.periodNanoseconds = periodNanoseconds
        self.tracker = DataReadyTracker(nominalPeriodNanoseconds: periodNanoseconds)
        self.now = clock
        self.events = .allocate(capacity: GPIOEdgeEvent.kernelQueueCapacity)
        self.events.initialize(repeating: GPIOEdgeEvent(timestampNanoseconds: 0))
    }

    deinit { events.deallocate() }

    /// Discards queued edge events (those from before a command). Bounded: 8 reads.
    func drain() {
        for _ in 0..<8 {
            guard let count = try? line.waitForEvents(into: events, timeoutMilliseconds: 0), count > 0 else { return }
        }
    }

    /// Waits for at least one edge; throws a DeviceError naming `step` on timeout.
    @discardableResult
    func waitForDataReady(timeoutMilliseconds: Int32, after step: String) throws(DeviceError) -> Int {
        let count = try line.waitForEvents(into: events, timeoutMilliseconds: timeoutMilliseconds)
        if count == 0 {
            throw DeviceError(
                device: line.name,
                reason: "data-ready never went low within \(timeoutMilliseconds) ms after \(step) (check its wiring and the ADC's power)")
        }
        return count
    }

    /// Waits for the first conversion after set-up, reads it with `read` and writes it to `ring`.
    func first(
        timeoutMilliseconds: Int32, after step: String, into ring: SPSCRingBuffer<Int32>?,
        read: () throws(DeviceError) -> Int32
    ) throws(DeviceError) -> Int32 {
        let count = try waitForDataReady(timeoutMilliseconds: timeoutMilliseconds, after: step)
        tracker = DataReadyTracker(nominalPeriodNanoseconds: periodNanoseconds)
        let decision = tracker.account(UnsafeBufferPointer(rebasing: events[..<count]), nowNanoseconds: now())
        let sample = try read()
        firstSampleMonotonicNanoseconds = decision.conversionNanoseconds
        framePosition = 1
        if let ring { Self.write(sample, at: decision.conversionNanoseconds, to: ring) }
        return sample
    }

    /// One wait: if a conversion not read before is ready, marks the conversions lost before it as
    /// an `.upstream` gap, reads it with `read` and writes it. False on timeout or interrupt.
    ///
    /// - Note: Real-time safe (when `read` is).
    func step(into ring: SPSCRingBuffer<Int32>, read: () throws(DeviceError) -> Int32) throws(DeviceError) -> Bool {
        let count = try line.waitForEvents(into: events, timeoutMilliseconds: stallTimeoutMilliseconds)
        if count == 0 {
            if !stopRequested { stalls += 1 }
            return false
        }
        let decision = tracker.account(UnsafeBufferPointer(rebasing: events[..<count]), nowNanoseconds: now())
        guard decision.read else { return true }
        let sample = try read()
        if decision.lostConversions > 0 {
            ring.markGap(
                frames: decision.lostConversions, monotonicNanoseconds: decision.conversionNanoseconds, cause: .upstream)
            framePosition += decision.lostConversions
        }
        Self.write(sample, at: decision.conversionNanoseconds, to: ring)
        framePosition += 1
        return true
    }

    func requestStop() {
        stopRequested = true
        line.interrupt()
    }

    /// - Note: Real-time safe.
    @inline(__always)
    static func write(_ sample: Int32, at nanoseconds: Int64, to ring: SPSCRingBuffer<Int32>) {
        var value = sample
        withUnsafePointer(to: &value) { pointer in
            _ = ring.write(UnsafeBufferPointer(start: pointer, count: 1), monotonicNanoseconds: nanoseconds)
        }
    }
}
