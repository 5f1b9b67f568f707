import Synchronization

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
    private let stopFlag = Atomic<Bool>(false)
    /// Set by `requestStop()` from any thread.
    var stopRequested: Bool { stopFlag.load(ordering: .acquiring) }
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
                reason:
                    "data-ready never went low within \(timeoutMilliseconds) ms after \(step) (check its wiring and the ADC's power)"
            )
        }
        return count
    }

    /// Edges stamped before this time do not count as the first conversion (set by `commandSent()`).
    private var notBeforeNanoseconds: Int64 = .min

    /// Notes that a command whose completion DRDY signals (SELFCAL, a config write) was just sent:
    /// `first` ignores edges older than now, e.g. a conversion that ended while it was sent.
    func commandSent() { notBeforeNanoseconds = now() }

    /// Waits for the first conversion after set-up and reads it with `read`; returns the sample and
    /// its CLOCK_MONOTONIC time (the stream's frame 0). Edges older than `commandSent()` are skipped
    /// (at most 4 waits).
    func first(
        timeoutMilliseconds: Int32, after step: String, read: () throws(DeviceError) -> Int32
    ) throws(DeviceError) -> (sample: Int32, monotonicNanoseconds: Int64) {
        var count = 0
        for _ in 0..<4 {
            let got = try waitForDataReady(timeoutMilliseconds: timeoutMilliseconds, after: step)
            var kept = 0
            for index in 0..<got where events[index].timestampNanoseconds >= notBeforeNanoseconds {
                events[kept] = events[index]
                kept += 1
            }
            count = kept
            if count > 0 { break }
        }
        if count == 0 {
            throw DeviceError(
                device: line.name, reason: "only stale data-ready edges after \(step) (check the ADC's clock)")
        }
        let clockNow = now()
        if abs(clockNow - events[count - 1].timestampNanoseconds) > 10_000_000_000 {
            throw DeviceError(
                device: line.name,
                reason:
                    "edge timestamps are not CLOCK_MONOTONIC (Linux older than 5.7 stamps GPIO events with CLOCK_REALTIME)"
            )
        }
        tracker = DataReadyTracker(nominalPeriodNanoseconds: periodNanoseconds)
        let decision = tracker.account(UnsafeBufferPointer(rebasing: events[..<count]), nowNanoseconds: clockNow)
        let sample = try read()
        firstSampleMonotonicNanoseconds = decision.conversionNanoseconds
        framePosition = 1
        return (sample, decision.conversionNanoseconds)
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
                frames: decision.lostConversions, monotonicNanoseconds: decision.conversionNanoseconds, cause: .upstream
            )
            framePosition += decision.lostConversions
        }
        Self.write(sample, at: decision.conversionNanoseconds, to: ring)
        framePosition += 1
        return true
    }

    func requestStop() {
        stopFlag.store(true, ordering: .releasing)
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

/// Live counters of an ADC source with a data-ready line, readable from any thread.
public struct DataReadyCounters: Sendable, Equatable {
    /// Falling edges delivered by the kernel.
    public var edges: UInt64 = 0
    /// Edges implied by timestamps but never delivered (the kernel's 16-event queue overflowed).
    public var lostEdges: UInt64 = 0
    /// Conversions never read (each is inside a reported gap).
    public var lostConversions: UInt64 = 0
    /// Batches that filled the kernel queue.
    public var queueOverflows: UInt64 = 0
    /// Waits of 10 periods (≥ 100 ms) without an edge.
    public var stalls: UInt64 = 0
    /// The tracked conversion period in nanoseconds (the ADC's real clock).
    public var periodNanoseconds: Int64 = 0
}

/// A source fed by an ADC with a data-ready GPIO (ADS1256, ADS1115).
public protocol DataReadyCounting: DeviceSource {
    /// Edge and conversion accounting, updated by the reading thread after every wait.
    var dataReadyCounters: DataReadyCounters { get }
}

/// An ADC whose conversions are announced on a data-ready GPIO (ADS1256 DRDY, ADS1115 ALERT/RDY).
protocol DataReadyADC: AnyObject, Sendable {
    /// Conversion period in nanoseconds.
    var periodNanoseconds: Int64 { get }
    /// Resets, configures, verifies and calibrates; ends just before the first conversion is awaited.
    func configure(_ loop: DataReadyLoop) throws(DeviceError)
    /// How long the first conversion may take after `configure`.
    var firstConversionTimeoutMilliseconds: Int32 { get }
    /// The set-up step the first conversion follows, for the timeout message.
    var firstConversionStep: String { get }
    /// Reads the first conversion (may send a command first, e.g. RDATAC).
    func readFirstConversion() throws(DeviceError) -> Int32
    /// Reads the next conversion. - Note: Real-time safe.
    func readConversion() throws(DeviceError) -> Int32
    /// Stops conversions or continuous mode.
    func shutDown(_ loop: DataReadyLoop) throws(DeviceError)
}

/// A `Source` over a data-ready ADC: `open()` opens the bus and line and configures the chip,
/// `start()` runs the reading thread (first conversion → timebase → one `step` per edge), `stop()`
/// interrupts the wait, joins, shuts the chip down and finishes the ring. A device error while
/// running ends the stream (the ring is finished) and is kept in `runError`.
final class DataReadySource<ADC: DataReadyADC>: DataReadyCounting, @unchecked Sendable {
    let name: String
    let stream: SampleStream
    private let openDevices: () throws(DeviceError) -> (ADC, any GPIOEdgeLine)
    private let clock: @Sendable () -> Int64
    private(set) var adc: ADC?
    private(set) var loop: DataReadyLoop?
    private var thread: ReaderThread?
    private let failure = Mutex<DeviceError?>(nil)
    private let edgeCount = Atomic<UInt64>(0)
    private let lostEdgeCount = Atomic<UInt64>(0)
    private let lostConversionCount = Atomic<UInt64>(0)
    private let overflowCount = Atomic<UInt64>(0)
    private let stallCount = Atomic<UInt64>(0)
    private let trackedPeriod = Atomic<Int64>(0)

    var dataReadyCounters: DataReadyCounters {
        DataReadyCounters(
            edges: edgeCount.load(ordering: .relaxed), lostEdges: lostEdgeCount.load(ordering: .relaxed),
            lostConversions: lostConversionCount.load(ordering: .relaxed),
            queueOverflows: overflowCount.load(ordering: .relaxed), stalls: stallCount.load(ordering: .relaxed),
            periodNanoseconds: trackedPeriod.load(ordering: .relaxed))
    }

    /// Copies the loop's counters to the atomics. Reading thread. - Note: Real-time safe.
    private func publishCounters(_ loop: DataReadyLoop) {
        let t = loop.tracker
        edgeCount.store(t.edges, ordering: .relaxed)
        lostEdgeCount.store(t.lostEdges, ordering: .relaxed)
        lostConversionCount.store(t.lostConversions, ordering: .relaxed)
        overflowCount.store(t.queueOverflows, ordering: .relaxed)
        stallCount.store(loop.stalls, ordering: .relaxed)
        trackedPeriod.store(t.periodNanoseconds, ordering: .relaxed)
    }

    /// `openDevices` opens the bus and line (real or fake); `description` must match the ADC's.
    init(
        name: String, description: StreamDescription, clock: @escaping @Sendable () -> Int64,
        openDevices: @escaping () throws(DeviceError) -> (ADC, any GPIOEdgeLine)
    ) {
        self.name = name
        self.stream = SampleStream(description: description)
        self.clock = clock
        self.openDevices = openDevices
    }

    /// The error that ended the reading thread, if any.
    var runError: DeviceError? { failure.withLock { $0 } }

    func open() throws {
        let (adc, line) = try openDevices()
        let loop = DataReadyLoop(line: line, periodNanoseconds: adc.periodNanoseconds, clock: clock)
        try adc.configure(loop)
        self.adc = adc
        self.loop = loop
    }

    func start() throws {
        guard let adc, let loop, thread == nil else {
            throw IOError.system(name, "start() before a successful open()")
        }
        let stream = stream
        thread = try ReaderThread(name: name) { [self] in
            do throws(DeviceError) {
                let first = try loop.first(
                    timeoutMilliseconds: adc.firstConversionTimeoutMilliseconds, after: adc.firstConversionStep,
                    read: adc.readFirstConversion)
                let anchor = SystemClock.anchor()
                stream.publishTimebase(
                    StreamTimebase(
                        firstSampleMonotonicNanoseconds: first.monotonicNanoseconds,
                        firstSampleRealtimeNanoseconds: anchor.realtimeNanoseconds
                            + (first.monotonicNanoseconds - anchor.monotonicNanoseconds)))
                DataReadyLoop.write(first.sample, at: first.monotonicNanoseconds, to: stream.ring)
                while !loop.stopRequested {
                    _ = try loop.step(into: stream.ring, read: adc.readConversion)
                    publishCounters(loop)
                }
                try adc.shutDown(loop)
            } catch {
                failure.withLock { $0 = error }
            }
            stream.ring.finish()
        }
    }

    func stop() {
        guard let thread else { return }
        loop?.requestStop()
        thread.join()
        self.thread = nil
    }
}
