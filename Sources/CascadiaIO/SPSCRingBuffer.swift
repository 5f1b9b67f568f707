import Synchronization

/// Why a stream has a hole.
public enum GapCause: String, Sendable, Equatable {
    /// The ring buffer was full: the producer dropped frames rather than block.
    case overrun
    /// The capture device lost frames (ALSA -EPIPE overrun or -ESTRPIPE suspend).
    case xrun
    /// The source itself reported missing data (lost DRDY edges, a hole in a recording).
    case upstream
}

/// A run of frames that never reached the consumer.
///
/// Positions are **stream frames**: frame `n` is the n-th frame the source produced or lost since it
/// started, so `startFrame` is where the hole begins and the next delivered frame is
/// `startFrame + lengthFrames`. `lengthFrames` may be 0 when the loss could not be measured; the
/// event still marks a discontinuity.
public struct GapEvent: Sendable, Equatable {
    public var startFrame: UInt64
    public var lengthFrames: UInt64
    /// CLOCK_MONOTONIC time at which the producer noticed the loss.
    public var monotonicNanoseconds: Int64
    public var cause: GapCause

    public init(startFrame: UInt64, lengthFrames: UInt64, monotonicNanoseconds: Int64, cause: GapCause) {
        self.startFrame = startFrame
        self.lengthFrames = lengthFrames
        self.monotonicNanoseconds = monotonicNanoseconds
        self.cause = cause
    }

    /// One past the last lost frame.
    public var endFrame: UInt64 { startFrame + lengthFrames }
}

/// Writable ring storage for `count` frames, split in two where it wraps.
public struct RingWriteRegion<Element: BitwiseCopyable> {
    /// The part before the wrap (interleaved samples).
    public let first: UnsafeMutableBufferPointer<Element>
    /// The part after the wrap (empty when the region does not wrap).
    public let second: UnsafeMutableBufferPointer<Element>
    /// Frames in the region.
    public let frames: Int
}

/// Readable frames in the ring, split in two where it wraps.
public struct SampleBlock<Element: BitwiseCopyable> {
    /// Stream frame of the first frame in `first`.
    public let startFrame: UInt64
    /// Frames in the block.
    public let frames: Int
    public let first: UnsafeBufferPointer<Element>
    public let second: UnsafeBufferPointer<Element>

    /// Sample `index` (0 ..< frames · channels) of the block.
    /// - Note: Real-time safe.
    @inline(__always)
    public subscript(index: Int) -> Element {
        index < first.count ? first[index] : second[index - first.count]
    }
}

/// What a consumer finds in the ring.
public enum RingRead<Element: BitwiseCopyable> {
    /// Frames, contiguous in stream time. Release them with `commitRead(frames:)`.
    case samples(SampleBlock<Element>)
    /// A hole that lies before any frame still unread; already consumed.
    case gap(GapEvent)
    /// Nothing yet.
    case empty
    /// The producer called `finish()` and everything has been read.
    case finished
}

/// A snapshot of a ring buffer's counters.
public struct RingCounters: Sendable, Equatable {
    /// Times the producer found the ring full and dropped a block.
    public var overruns: UInt64 = 0
    /// Frames dropped by overruns.
    public var overrunFrames: UInt64 = 0
    /// Gap events published to the consumer (a run of consecutive losses is one event).
    public var gaps: UInt64 = 0
    /// Frames covered by published gaps (overruns plus upstream losses).
    public var gapFrames: UInt64 = 0
    /// CLOCK_MONOTONIC time of the most recent loss (0 if none).
    public var lastGapMonotonicNanoseconds: Int64 = 0
    /// Frames committed by the producer.
    public var framesWritten: UInt64 = 0
    /// Most frames ever waiting in the ring.
    public var highWaterFrames: Int = 0

    public init() {}
}

/// A lock-free single-producer/single-consumer ring buffer of interleaved frames.
///
/// Contract:
/// - Capacity is a power of two in frames, fixed at creation; storage is allocated once in `init`.
///   No operation after `init` allocates, locks or blocks.
/// - Exactly one thread produces (`acquireWrite`/`commitWrite`/`write`/`dropFrames`/`markGap`/
///   `finish`) and exactly one thread consumes (`acquireRead`/`commitRead`/`read`). The two positions
///   are `Synchronization.Atomic<UInt64>`: each side stores its own with release ordering and loads
///   the other's with acquire ordering, so frame contents written before a commit are visible to the
///   consumer that observes the commit.
/// - The producer never blocks. When the ring lacks room for a block it drops the whole block, counts
///   it (`overruns`, `overrunFrames`) and records a pending gap. Consecutive losses merge into one
///   `GapEvent`, published just before the next frames that do fit, so the consumer meets the gap at
///   exactly the stream position where the frames are missing. A consumer therefore sees every
///   produced frame once, in order, except those inside reported gaps.
/// - Gap events travel in a second fixed queue (`gapCapacity`); if it is full, the producer keeps
///   dropping (and extending the pending gap) until the consumer drains it.
public final class SPSCRingBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Frames the ring holds.
    public let capacityFrames: Int
    /// Samples per frame.
    public let channelCount: Int
    /// Gap events that can wait unread.
    public let gapCapacity: Int

    private let frameMask: UInt64
    private let gapMask: UInt64
    private let storage: UnsafeMutablePointer<Element>
    private let gapStorage: UnsafeMutablePointer<GapSlot>

    /// Frames committed to the ring so far (ring position, excludes losses). Producer-owned.
    private let writeFrame = Atomic<UInt64>(0)
    /// Frames released by the consumer so far. Consumer-owned.
    private let readFrame = Atomic<UInt64>(0)
    private let gapWrite = Atomic<UInt64>(0)
    private let gapRead = Atomic<UInt64>(0)
    private let finishedFlag = Atomic<Bool>(false)

    // Counters: written by the producer (relaxed), read by anyone.
    private let overrunCount = Atomic<UInt64>(0)
    private let overrunFrameCount = Atomic<UInt64>(0)
    private let gapCount = Atomic<UInt64>(0)
    private let gapFrameCount = Atomic<UInt64>(0)
    private let lastGapTime = Atomic<Int64>(0)
    private let highWater = Atomic<Int>(0)
    /// Signalled after each commit and at finish; set before the producer starts.
    private var wakeup: RingWakeup?

    // Producer-private state.
    private var producerCachedRead: UInt64 = 0
    private var producerLocalWrite: UInt64 = 0
    private var pending: GapEvent?
    /// Stream frames produced or lost so far.
    private var producerStreamFrame: UInt64 = 0
    private var producerHighWater = 0

    // Consumer-private state.
    private var consumerLocalRead: UInt64 = 0
    private var consumerStreamFrame: UInt64 = 0
    private var consumerTailDelivered = false

    /// A gap still pending at `finish()` when the gap queue was full; written before `finishedFlag`.
    private var tailGap: GapEvent?

    private struct GapSlot {
        /// Ring position (writeFrame) at which the gap sits.
        var ringFrame: UInt64
        var event: GapEvent
    }

    /// Creates a ring of `capacityFrames` frames (a power of two ≥ 2) of `channelCount` samples.
    ///
    /// Traps on a capacity that is not a power of two or a channel count < 1 (programmer errors).
    public init(capacityFrames: Int, channelCount: Int = 1, gapCapacity: Int = 64) {
        precondition(
            capacityFrames >= 2 && capacityFrames & (capacityFrames - 1) == 0,
            "SPSCRingBuffer capacity must be a power of two ≥ 2, got \(capacityFrames)")
        precondition(
            gapCapacity >= 1 && gapCapacity & (gapCapacity - 1) == 0,
            "SPSCRingBuffer gap capacity must be a power of two, got \(gapCapacity)")
        precondition(channelCount >= 1, "SPSCRingBuffer needs at least one channel")
        self.capacityFrames = capacityFrames
        self.channelCount = channelCount
        self.gapCapacity = gapCapacity
        frameMask = UInt64(capacityFrames - 1)
        gapMask = UInt64(gapCapacity - 1)
        let samples = capacityFrames * channelCount
        storage = .allocate(capacity: samples)
        UnsafeMutableRawPointer(storage).initializeMemory(
            as: UInt8.self, repeating: 0, count: samples * MemoryLayout<Element>.stride)
        gapStorage = .allocate(capacity: gapCapacity)
        gapStorage.initialize(
            repeating: GapSlot(
                ringFrame: 0, event: GapEvent(startFrame: 0, lengthFrames: 0, monotonicNanoseconds: 0, cause: .overrun)),
            count: gapCapacity)
    }

    deinit {
        storage.deallocate()
        gapStorage.deinitialize(count: gapCapacity)
        gapStorage.deallocate()
    }

    // MARK: Producer

    /// Reserves `frames` contiguous-in-time frames for writing, or returns nil when they do not fit
    /// (the caller then calls `dropFrames`). Publishes a pending gap first if there is one.
    /// Producer thread only. `frames` must be ≤ `capacityFrames`.
    /// - Note: Real-time safe.
    public func acquireWrite(frames: Int) -> RingWriteRegion<Element>? {
        precondition(frames >= 0 && frames <= capacityFrames, "acquireWrite: \(frames) frames exceed capacity")
        let n = UInt64(frames)
        if producerLocalWrite &- producerCachedRead + n > UInt64(capacityFrames) {
            producerCachedRead = readFrame.load(ordering: .acquiring)
            if producerLocalWrite &- producerCachedRead + n > UInt64(capacityFrames) { return nil }
        }
        if pending != nil && !publishPendingGap() { return nil }
        let start = Int(producerLocalWrite & frameMask)
        let firstFrames = min(frames, capacityFrames - start)
        let ch = channelCount
        return RingWriteRegion(
            first: UnsafeMutableBufferPointer(start: storage + start * ch, count: firstFrames * ch),
            second: UnsafeMutableBufferPointer(start: storage, count: (frames - firstFrames) * ch),
            frames: frames)
    }

    /// Publishes `frames` frames written into the region from the last `acquireWrite`.
    /// Producer thread only.
    /// - Note: Real-time safe.
    public func commitWrite(frames: Int) {
        producerLocalWrite &+= UInt64(frames)
        producerStreamFrame &+= UInt64(frames)
        writeFrame.store(producerLocalWrite, ordering: .releasing)
        let used = Int(producerLocalWrite &- producerCachedRead)
        if used > producerHighWater {
            producerHighWater = used
            highWater.store(used, ordering: .relaxed)
        }
        wakeup?.signal()
    }

    /// Copies whole frames from `samples` (interleaved, count a multiple of `channelCount`) into the
    /// ring, or drops them all and records an overrun if they do not fit. Returns whether they fit.
    /// Producer thread only. Blocks larger than the ring are written in ring-sized pieces.
    /// - Note: Real-time safe.
    @discardableResult
    public func write(_ samples: UnsafeBufferPointer<Element>, monotonicNanoseconds: Int64) -> Bool {
        let total = samples.count / channelCount
        var done = 0
        var allFit = true
        while done < total {
            let n = min(total - done, capacityFrames)
            let base = done * channelCount
            if let region = acquireWrite(frames: n) {
                let firstCount = region.first.count
                if firstCount > 0 {
                    region.first.baseAddress!.update(from: samples.baseAddress! + base, count: firstCount)
                }
                if region.second.count > 0 {
                    region.second.baseAddress!.update(
                        from: samples.baseAddress! + base + firstCount, count: region.second.count)
                }
                commitWrite(frames: n)
            } else {
                dropFrames(n, monotonicNanoseconds: monotonicNanoseconds)
                allFit = false
            }
            done += n
        }
        return allFit
    }

    /// Records that `frames` frames were dropped because the ring was full (an overrun).
    /// Producer thread only.
    /// - Note: Real-time safe.
    public func dropFrames(_ frames: Int, monotonicNanoseconds: Int64) {
        overrunCount.wrappingAdd(1, ordering: .relaxed)
        overrunFrameCount.wrappingAdd(UInt64(frames), ordering: .relaxed)
        addGap(frames: UInt64(frames), monotonicNanoseconds: monotonicNanoseconds, cause: .overrun)
    }

    /// Records that `frames` frames were lost before reaching the ring (a device xrun, lost DRDY
    /// edges). The consumer meets the gap before the next frames. Producer thread only.
    /// - Note: Real-time safe.
    public func markGap(frames: UInt64, monotonicNanoseconds: Int64, cause: GapCause) {
        addGap(frames: frames, monotonicNanoseconds: monotonicNanoseconds, cause: cause)
    }

    /// Ends the stream: publishes a pending gap if there is room, then lets the consumer see
    /// `.finished` once it has read everything. Producer thread only; call once.
    public func finish() {
        if let gap = pending, !publishPendingGap() {
            tailGap = gap
            gapCount.wrappingAdd(1, ordering: .relaxed)
            gapFrameCount.wrappingAdd(gap.lengthFrames, ordering: .relaxed)
            pending = nil
        }
        finishedFlag.store(true, ordering: .releasing)
        wakeup?.signal()
    }

    /// Stream frames produced or lost so far (producer thread only).
    public var producerPosition: UInt64 { producerStreamFrame }

    private func addGap(frames: UInt64, monotonicNanoseconds: Int64, cause: GapCause) {
        lastGapTime.store(monotonicNanoseconds, ordering: .relaxed)
        if var gap = pending {
            if gap.cause != cause && publishPendingGap() {
                pending = GapEvent(
                    startFrame: producerStreamFrame, lengthFrames: frames,
                    monotonicNanoseconds: monotonicNanoseconds, cause: cause)
            } else {
                gap.lengthFrames &+= frames
                pending = gap
            }
        } else {
            pending = GapEvent(
                startFrame: producerStreamFrame, lengthFrames: frames,
                monotonicNanoseconds: monotonicNanoseconds, cause: cause)
        }
        producerStreamFrame &+= frames
    }

    /// Moves the pending gap into the gap queue; false if the queue is full.
    private func publishPendingGap() -> Bool {
        guard let gap = pending else { return true }
        let w = gapWrite.load(ordering: .relaxed)
        if w &- gapRead.load(ordering: .acquiring) >= UInt64(gapCapacity) { return false }
        gapStorage[Int(w & gapMask)] = GapSlot(ringFrame: producerLocalWrite, event: gap)
        gapWrite.store(w &+ 1, ordering: .releasing)
        gapCount.wrappingAdd(1, ordering: .relaxed)
        gapFrameCount.wrappingAdd(gap.lengthFrames, ordering: .relaxed)
        pending = nil
        return true
    }

    /// Makes every later `commitWrite` and `finish` signal `wakeup`. Call before the producer
    /// thread starts (the consumer's owner does, e.g. the pipeline).
    public func attachWakeup(_ wakeup: RingWakeup) {
        self.wakeup = wakeup
    }

    // MARK: Consumer

    /// Returns up to `maxFrames` readable frames, or the next gap if it lies at the read position.
    /// A `.samples` block never spans a gap. Consumer thread only.
    /// - Note: Real-time safe.
    public func acquireRead(maxFrames: Int) -> RingRead<Element> {
        // Order matters: finished, then write position, then gaps. A gap is published before the
        // frames that follow it, so any frame visible here has its preceding gap visible too.
        let finished = finishedFlag.load(ordering: .acquiring)
        let w = writeFrame.load(ordering: .acquiring)
        let gw = gapWrite.load(ordering: .acquiring)
        let gr = gapRead.load(ordering: .relaxed)
        var limit = w
        if gr != gw {
            let slot = gapStorage[Int(gr & gapMask)]
            if slot.ringFrame == consumerLocalRead {
                gapRead.store(gr &+ 1, ordering: .releasing)
                consumerStreamFrame &+= slot.event.lengthFrames
                return .gap(slot.event)
            }
            limit = min(limit, slot.ringFrame)
        }
        let available = Int(limit &- consumerLocalRead)
        if available == 0 {
            guard finished && gr == gw else { return .empty }
            if let tail = tailGap, !consumerTailDelivered {
                consumerTailDelivered = true
                consumerStreamFrame &+= tail.lengthFrames
                return .gap(tail)
            }
            return .finished
        }
        let n = min(available, maxFrames)
        let start = Int(consumerLocalRead & frameMask)
        let firstFrames = min(n, capacityFrames - start)
        let ch = channelCount
        return .samples(
            SampleBlock(
                startFrame: consumerStreamFrame, frames: n,
                first: UnsafeBufferPointer(start: storage + start * ch, count: firstFrames * ch),
                second: UnsafeBufferPointer(start: storage, count: (n - firstFrames) * ch)))
    }

    /// Releases `frames` frames of the last `.samples` block back to the producer.
    /// Consumer thread only.
    /// - Note: Real-time safe.
    public func commitRead(frames: Int) {
        consumerLocalRead &+= UInt64(frames)
        consumerStreamFrame &+= UInt64(frames)
        readFrame.store(consumerLocalRead, ordering: .releasing)
    }

    /// Stream frame of the next frame the consumer will read (consumer thread only).
    public var consumerPosition: UInt64 { consumerStreamFrame }

    // MARK: Any thread

    /// Frames waiting to be read (approximate when called off the consumer thread).
    public var availableFrames: Int {
        Int(writeFrame.load(ordering: .acquiring) &- readFrame.load(ordering: .acquiring))
    }

    /// A number that changes whenever the producer publishes frames, a gap or the end (the sum of
    /// three monotonic positions). Compare two readings to tell whether anything new arrived.
    /// - Note: Real-time safe.
    public var publicationToken: UInt64 {
        writeFrame.load(ordering: .acquiring) &+ gapWrite.load(ordering: .acquiring)
            &+ (finishedFlag.load(ordering: .acquiring) ? 1 : 0)
    }

    /// A snapshot of the counters; each field is exact, the set is not atomic as a whole.
    public var counters: RingCounters {
        var c = RingCounters()
        c.overruns = overrunCount.load(ordering: .relaxed)
        c.overrunFrames = overrunFrameCount.load(ordering: .relaxed)
        c.gaps = gapCount.load(ordering: .relaxed)
        c.gapFrames = gapFrameCount.load(ordering: .relaxed)
        c.lastGapMonotonicNanoseconds = lastGapTime.load(ordering: .relaxed)
        c.framesWritten = writeFrame.load(ordering: .relaxed)
        c.highWaterFrames = highWater.load(ordering: .relaxed)
        return c
    }
}
