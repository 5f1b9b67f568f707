import Synchronization

/// One stream between a source's reading thread (producer) and the window assembler or recorder
/// (consumer): its description, its ring buffer of `Int32` samples, and its timebase.
///
/// The producer publishes the timebase (`publishTimebase`) before it commits the first frame, so a
/// consumer that has read any frame can rely on `timebase` being set.
public final class SampleStream: Sendable {
    public let description: StreamDescription
    /// Interleaved `Int32` samples, `description.channelCount` per frame.
    public let ring: SPSCRingBuffer<Int32>

    private let timebaseReady = Atomic<Bool>(false)
    private let firstMonotonic = Atomic<Int64>(0)
    private let firstRealtime = Atomic<Int64>(0)
    private let xrunCount = Atomic<UInt64>(0)

    /// Creates a stream with a ring of at least `minimumCapacityFrames` frames (rounded up to a power
    /// of two). The default holds 8 s, enough for a 2 s window plus generous consumer delay.
    public init(description: StreamDescription, minimumCapacityFrames: Int? = nil) {
        self.description = description
        let wanted = max(minimumCapacityFrames ?? Int(description.sampleRateHz * 8), 2)
        var capacity = 2
        while capacity < wanted { capacity <<= 1 }
        ring = SPSCRingBuffer(capacityFrames: capacity, channelCount: description.channelCount)
    }

    /// Sets when frame 0 was taken. Producer thread, once, before the first `commitWrite`.
    public func publishTimebase(_ timebase: StreamTimebase) {
        firstMonotonic.store(timebase.firstSampleMonotonicNanoseconds, ordering: .relaxed)
        firstRealtime.store(timebase.firstSampleRealtimeNanoseconds, ordering: .relaxed)
        timebaseReady.store(true, ordering: .releasing)
    }

    /// When frame 0 was taken; nil until the producer has published it.
    public var timebase: StreamTimebase? {
        guard timebaseReady.load(ordering: .acquiring) else { return nil }
        return StreamTimebase(
            firstSampleMonotonicNanoseconds: firstMonotonic.load(ordering: .relaxed),
            firstSampleRealtimeNanoseconds: firstRealtime.load(ordering: .relaxed))
    }

    /// Records `count` device xruns that lost `lostFrames` frames in all: counts them and marks one
    /// gap. Producer thread only.
    /// - Note: Real-time safe.
    public func recordXrun(count: UInt64 = 1, lostFrames: UInt64, monotonicNanoseconds: Int64) {
        xrunCount.wrappingAdd(count, ordering: .relaxed)
        ring.markGap(frames: lostFrames, monotonicNanoseconds: monotonicNanoseconds, cause: .xrun)
    }

    /// Counters of the stream: the ring's plus device xruns.
    public var counters: SourceCounters {
        SourceCounters(
            ring: ring.counters, xruns: xrunCount.load(ordering: .relaxed),
            channelCount: description.channelCount)
    }
}

/// Loss and throughput counters of one source, readable from any thread.
public struct SourceCounters: Sendable, Equatable {
    /// Ring-buffer overruns (blocks dropped because the consumer fell behind).
    public var overruns: UInt64
    /// Device xruns recovered (ALSA -EPIPE/-ESTRPIPE).
    public var xruns: UInt64
    /// Samples dropped by overruns (frames × channels).
    public var droppedSamples: UInt64
    /// Gap events published (overruns, xruns and upstream losses).
    public var gaps: UInt64
    /// Frames covered by gaps.
    public var gapFrames: UInt64
    /// CLOCK_MONOTONIC time of the most recent loss, 0 if none.
    public var lastGapMonotonicNanoseconds: Int64
    /// Frames delivered into the ring.
    public var framesWritten: UInt64
    /// Ring-buffer high-water mark in frames.
    public var highWaterFrames: Int

    public init(ring: RingCounters, xruns: UInt64, channelCount: Int) {
        overruns = ring.overruns
        self.xruns = xruns
        droppedSamples = ring.overrunFrames * UInt64(channelCount)
        gaps = ring.gaps
        gapFrames = ring.gapFrames
        lastGapMonotonicNanoseconds = ring.lastGapMonotonicNanoseconds
        framesWritten = ring.framesWritten
        highWaterFrames = ring.highWaterFrames
    }
}
