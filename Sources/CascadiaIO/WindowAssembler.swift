/// Window geometry: length, hop and intervals (SPEC §2: 2 s, hop 1 s, 10 intervals of 0.2 s).
public struct WindowConfiguration: Sendable, Equatable {
    public var windowSeconds: Double = 2
    public var hopSeconds: Double = 1
    public var intervalCount: Int = 10
    /// Skip windows that overlap a gap (default) instead of delivering them flagged.
    public var skipWindowsWithGaps = true

    public init() {}
}

/// One assembled window: for every stream, `frames(stream)` contiguous interleaved samples covering
/// the same span of CLOCK_MONOTONIC time.
///
/// It is a view into the assembler's buffers, valid until the next call to the assembler.
public struct Window {
    /// k: window k starts `k × hop` after the alignment origin.
    public let index: Int
    /// CLOCK_MONOTONIC time of the window's first sample (the origin plus k × hop).
    public let startMonotonicNanoseconds: Int64
    /// True if any stream lost frames inside the window; those frames read as 0 and must not be
    /// treated as signal. Only delivered when `skipWindowsWithGaps` is false.
    public let overlapsGap: Bool
    /// Per stream: lost frames inside the window.
    public let gapFrames: UnsafeBufferPointer<Int>
    /// Per stream: the stream frame at which the window starts.
    public let startFrames: UnsafeBufferPointer<UInt64>
    fileprivate let buffers: UnsafeBufferPointer<UnsafeMutableBufferPointer<Int32>>

    /// The samples of stream `stream` (frames × channels, interleaved).
    public func samples(_ stream: Int) -> UnsafeBufferPointer<Int32> { UnsafeBufferPointer(buffers[stream]) }
}

/// Counters of a window assembler.
public struct WindowAssemblerCounters: Sendable, Equatable {
    /// Windows returned.
    public var delivered = 0
    /// Windows skipped because they overlapped a gap.
    public var skippedForGaps = 0
    /// Windows delivered with `overlapsGap` set.
    public var deliveredWithGaps = 0
}

/// Assembles aligned windows from streams of different rates, by timestamp.
///
/// Alignment: frame n of stream s was taken at `t_s + n/r_s` (its timebase and nominal rate). The
/// origin T₀ is the latest first-sample time of all streams; window k spans
/// `[T₀ + k·hop, T₀ + k·hop + W)` and takes from stream s the `W·r_s` frames starting at
/// `round((T₀ + k·hop − t_s) · r_s)`. `W·r_s`, `hop·r_s` and `W·r_s / intervals` must be integers.
///
/// Gaps: frames a stream lost (ring overruns, xruns, holes in a recording) are remembered as frame
/// ranges; a window that overlaps one is skipped (default) or delivered with `overlapsGap`, never
/// silently zero-filled.
///
/// Memory: every buffer is allocated in `init`; `push`, `pushGap`, `nextWindow` and
/// `nextWindow(from:)` allocate nothing. Single-threaded: call from the consumer thread.
public final class WindowAssembler {
    public let configuration: WindowConfiguration
    public let streams: [StreamDescription]
    /// Frames of each stream in a window, a hop, an interval.
    public let windowFrames: [Int]
    public let hopFrames: [Int]
    public let intervalFrames: [Int]
    public private(set) var counters = WindowAssemblerCounters()

    private let historyCapacity: [Int]
    private let history: UnsafeMutableBufferPointer<UnsafeMutableBufferPointer<Int32>>
    private let output: UnsafeMutableBufferPointer<UnsafeMutableBufferPointer<Int32>>
    private let gapCounts: UnsafeMutableBufferPointer<Int>
    private let startFrameScratch: UnsafeMutableBufferPointer<UInt64>
    /// Per stream: the next stream frame expected (frames pushed plus gaps).
    private var position: [UInt64]
    private var firstMonotonic: [Int64?]
    /// Per stream: remembered gap ranges [start, end) in stream frames, at most `gapSlots`.
    private var gapStart: [[UInt64]]
    private var gapEnd: [[UInt64]]
    private var gapUsed: [Int]
    private let gapSlots = 32
    private var nextIndex = 0
    private var origin: Int64?

    /// - Throws: `IOError.config` when the geometry does not give whole frames for every stream.
    public init(configuration: WindowConfiguration = WindowConfiguration(), streams: [StreamDescription]) throws {
        guard !streams.isEmpty else { throw IOError.config("window", "no streams to assemble") }
        guard configuration.windowSeconds > 0, configuration.hopSeconds > 0, configuration.intervalCount > 0 else {
            throw IOError.config("window", "window, hop and interval count must be positive")
        }
        guard configuration.windowSeconds <= 600, configuration.hopSeconds <= 600, streams.count <= 64,
            streams.allSatisfy({ $0.sampleRateHz <= 768_000 && $0.channelCount >= 1 && $0.channelCount <= 64 })
        else {
            throw IOError.config("window", "window and hop ≤ 600 s, ≤ 64 streams of ≤ 768 kHz and 1…64 channels")
        }
        func whole(_ x: Double) -> Int? {
            let r = x.rounded()
            return abs(x - r) < 1e-6 && r >= 1 ? Int(r) : nil
        }
        var windowFrames: [Int] = []
        var hopFrames: [Int] = []
        var intervalFrames: [Int] = []
        for s in streams {
            let r = s.sampleRateHz
            guard let w = whole(configuration.windowSeconds * r), let h = whole(configuration.hopSeconds * r),
                w % configuration.intervalCount == 0
            else {
                throw IOError.config(
                    "window",
                    "\(s.name) at \(r) Hz: window \(configuration.windowSeconds) s, hop \(configuration.hopSeconds) s and \(configuration.intervalCount) intervals do not give whole frames"
                )
            }
            windowFrames.append(w)
            hopFrames.append(h)
            intervalFrames.append(w / configuration.intervalCount)
        }
        self.configuration = configuration
        self.streams = streams
        self.windowFrames = windowFrames
        self.hopFrames = hopFrames
        self.intervalFrames = intervalFrames
        historyCapacity = zip(windowFrames, hopFrames).map { w, h in
            var c = 1
            while c < w + 2 * h { c <<= 1 }
            return c
        }
        history = .allocate(capacity: streams.count)
        output = .allocate(capacity: streams.count)
        for (i, s) in streams.enumerated() {
            let h = UnsafeMutableBufferPointer<Int32>.allocate(capacity: historyCapacity[i] * s.channelCount)
            h.initialize(repeating: 0)
            history[i] = h
            let o = UnsafeMutableBufferPointer<Int32>.allocate(capacity: windowFrames[i] * s.channelCount)
            o.initialize(repeating: 0)
            output[i] = o
        }
        gapCounts = .allocate(capacity: streams.count)
        gapCounts.initialize(repeating: 0)
        startFrameScratch = .allocate(capacity: streams.count)
        startFrameScratch.initialize(repeating: 0)
        position = Array(repeating: 0, count: streams.count)
        firstMonotonic = Array(repeating: nil, count: streams.count)
        gapStart = Array(repeating: Array(repeating: 0, count: gapSlots), count: streams.count)
        gapEnd = gapStart
        gapUsed = Array(repeating: 0, count: streams.count)
    }

    deinit {
        for i in 0..<streams.count {
            history[i].deallocate()
            output[i].deallocate()
        }
        history.deallocate()
        output.deallocate()
        gapCounts.deallocate()
        startFrameScratch.deallocate()
    }

    /// Sets stream `stream`'s first-sample CLOCK_MONOTONIC time. Required before its windows.
    public func setTimebase(stream: Int, firstSampleMonotonicNanoseconds: Int64) {
        firstMonotonic[stream] = firstSampleMonotonicNanoseconds
        if firstMonotonic.allSatisfy({ $0 != nil }) {
            origin = firstMonotonic.map { $0! }.max()
        }
    }

    /// CLOCK_MONOTONIC time where window 0 starts, once every stream has a timebase.
    public var originMonotonicNanoseconds: Int64? { origin }

    /// First stream frame of window `k` in stream `s`.
    @inline(__always)
    private func startFrame(_ s: Int, window k: Int) -> Int64 {
        let t = Double(origin! - firstMonotonic[s]!) + Double(k) * configuration.hopSeconds * 1e9
        return Int64((t * streams[s].sampleRateHz / 1e9).rounded())
    }

    /// Frames stream `stream` may push now without overwriting what the next window still needs.
    /// - Note: Real-time safe.
    public func room(stream s: Int) -> Int {
        // Until every stream has a timebase, no frame is known to be unneeded: fill, never overwrite.
        guard origin != nil else { return historyCapacity[s] - Int(min(position[s], UInt64(historyCapacity[s]))) }
        let start = startFrame(s, window: nextIndex)
        let held = Int64(position[s]) - start
        return historyCapacity[s] - Int(max(0, held))
    }

    /// Appends `frames` frames (interleaved) to stream `s`, starting at stream frame `startFrame`.
    /// A `startFrame` beyond the expected position counts the difference as a gap. `frames` must not
    /// exceed `room(stream:)`.
    /// - Note: Real-time safe.
    public func push(stream s: Int, startFrame: UInt64, samples: UnsafeBufferPointer<Int32>) {
        if startFrame > position[s] {
            addGap(stream: s, from: position[s], to: startFrame)
            position[s] = startFrame
        }
        let channels = streams[s].channelCount
        let frames = samples.count / channels
        precondition(frames <= room(stream: s), "WindowAssembler.push beyond room()")
        let capacity = historyCapacity[s]
        let h = history[s]
        var frame = Int(position[s] % UInt64(capacity))
        var i = 0
        while i < frames {
            let run = min(frames - i, capacity - frame)
            (h.baseAddress! + frame * channels).update(from: samples.baseAddress! + i * channels, count: run * channels)
            i += run
            frame = (frame + run) % capacity
        }
        position[s] += UInt64(frames)
    }

    /// Records lost frames of stream `s`; the frames read as 0 and windows over them are flagged.
    /// - Note: Real-time safe.
    public func pushGap(stream s: Int, _ gap: GapEvent) {
        guard gap.endFrame > position[s] else { return }
        let from = max(gap.startFrame, position[s])
        addGap(stream: s, from: from, to: gap.endFrame)
        // Zero what the gap covers in the history, so nothing stale is ever read as signal.
        let channels = streams[s].channelCount
        let capacity = historyCapacity[s]
        let count = Int(min(gap.endFrame - from, UInt64(capacity)))
        var frame = Int((gap.endFrame - UInt64(count)) % UInt64(capacity))
        for _ in 0..<count {
            (history[s].baseAddress! + frame * channels).update(repeating: 0, count: channels)
            frame = (frame + 1) % capacity
        }
        position[s] = gap.endFrame
    }

    private func addGap(stream s: Int, from: UInt64, to: UInt64) {
        // Forget gaps that end before the earliest frame any future window needs.
        if origin != nil {
            let oldest = UInt64(max(0, startFrame(s, window: nextIndex)))
            var kept = 0
            for g in 0..<gapUsed[s] where gapEnd[s][g] > oldest {
                gapStart[s][kept] = gapStart[s][g]
                gapEnd[s][kept] = gapEnd[s][g]
                kept += 1
            }
            gapUsed[s] = kept
        }
        if gapUsed[s] > 0 && gapEnd[s][gapUsed[s] - 1] == from {
            gapEnd[s][gapUsed[s] - 1] = to
            return
        }
        if gapUsed[s] == gapSlots {
            // Out of slots: merge the two oldest (over-flags rather than forgets).
            gapEnd[s][0] = gapEnd[s][1]
            for g in 1..<(gapSlots - 1) {
                gapStart[s][g] = gapStart[s][g + 1]
                gapEnd[s][g] = gapEnd[s][g + 1]
            }
            gapUsed[s] -= 1
        }
        gapStart[s][gapUsed[s]] = from
        gapEnd[s][gapUsed[s]] = to
        gapUsed[s] += 1
    }

    /// The next complete window, or nil if some stream has not reached its end yet. Windows that
    /// overlap gaps are skipped (counted) when `skipWindowsWithGaps`.
    /// - Note: Real-time safe.
    public func nextWindow() -> Window? {
        guard let origin else { return nil }
        while true {
            var anyGap = false
            for s in 0..<streams.count {
                let start = startFrame(s, window: nextIndex)
                let end = start + Int64(windowFrames[s])
                guard Int64(position[s]) >= end else { return nil }
                // Frames before the stream's first sample do not exist: treat them as a gap.
                var lost = start < 0 ? Int(min(-start, Int64(windowFrames[s]))) : 0
                for g in 0..<gapUsed[s] {
                    let a = max(Int64(gapStart[s][g]), start)
                    let b = min(Int64(gapEnd[s][g]), end)
                    if b > a { lost += Int(b - a) }
                }
                gapCounts[s] = lost
                startFrameScratch[s] = UInt64(max(0, start))
                if lost > 0 { anyGap = true }
            }
            let k = nextIndex
            nextIndex += 1
            if anyGap && configuration.skipWindowsWithGaps {
                counters.skippedForGaps += 1
                continue
            }
            for s in 0..<streams.count { copyWindow(stream: s, window: k) }
            counters.delivered += 1
            if anyGap { counters.deliveredWithGaps += 1 }
            return Window(
                index: k,
                startMonotonicNanoseconds: origin + Int64((Double(k) * configuration.hopSeconds * 1e9).rounded()),
                overlapsGap: anyGap, gapFrames: UnsafeBufferPointer(gapCounts),
                startFrames: UnsafeBufferPointer(startFrameScratch),
                buffers: UnsafeBufferPointer(output))
        }
    }

    private func copyWindow(stream s: Int, window k: Int) {
        let channels = streams[s].channelCount
        let capacity = historyCapacity[s]
        let start = startFrame(s, window: k)
        let out = output[s]
        var outFrame = 0
        if start < 0 {  // before the first sample: zeros, and the window is flagged
            outFrame = Int(min(-start, Int64(windowFrames[s])))
            out.baseAddress!.update(repeating: 0, count: outFrame * channels)
        }
        var frame = Int(UInt64(max(0, start)) % UInt64(capacity))
        while outFrame < windowFrames[s] {
            let run = min(windowFrames[s] - outFrame, capacity - frame)
            (out.baseAddress! + outFrame * channels).update(
                from: history[s].baseAddress! + frame * channels, count: run * channels)
            outFrame += run
            frame = (frame + run) % capacity
        }
    }

    /// Pulls from the streams' rings as far as each may go, then returns the next window, or nil when
    /// none is complete yet. Sets timebases as they appear. Consumer thread of every ring.
    /// - Note: Real-time safe.
    public func nextWindow(from sources: [SampleStream]) -> Window? {
        precondition(sources.count == streams.count, "one SampleStream per stream")
        if let window = nextWindow() { return window }
        var progressed = true
        while progressed {
            progressed = false
            for (s, source) in sources.enumerated() {
                if firstMonotonic[s] == nil, let timebase = source.timebase {
                    setTimebase(stream: s, firstSampleMonotonicNanoseconds: timebase.firstSampleMonotonicNanoseconds)
                }
                let ring = source.ring
                let room = room(stream: s)
                guard room > 0 else { continue }
                switch ring.acquireRead(maxFrames: room) {
                case .samples(let block):
                    push(stream: s, startFrame: block.startFrame, samples: block.first)
                    if !block.second.isEmpty {
                        push(
                            stream: s,
                            startFrame: block.startFrame + UInt64(block.first.count / streams[s].channelCount),
                            samples: block.second)
                    }
                    ring.commitRead(frames: block.frames)
                    progressed = true
                case .gap(let gap):
                    pushGap(stream: s, gap)
                    progressed = true
                case .empty, .finished:
                    break
                }
            }
            if let window = nextWindow() { return window }
        }
        return nil
    }
}
