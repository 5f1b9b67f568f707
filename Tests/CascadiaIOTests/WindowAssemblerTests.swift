import Foundation
import Testing
@testable import CascadiaIO

private func description(_ name: String, _ rate: Double, channels: Int = 1) -> StreamDescription {
    StreamDescription(name: name, modality: .acoustic, sampleRateHz: rate, channelCount: channels, sampleFormat: .s16)
}

/// Pushes frames `range` of stream `s`, each frame's samples = offset + frame index (+ channel·0.5k).
private func feed(_ a: WindowAssembler, _ s: Int, _ range: Range<Int>, offset: Int32, channels: Int = 1) {
    var values: [Int32] = []
    for f in range { for c in 0..<channels { values.append(offset + Int32(f) + Int32(c * 500)) } }
    values.withUnsafeBufferPointer { a.push(stream: s, startFrame: UInt64(range.lowerBound), samples: $0) }
}

private func frames(_ r: Range<Int>, offset: Int32) -> [Int32] { r.map { offset + Int32($0) } }

@Suite struct WindowAssemblerTests {
    /// A at 10 Hz, B at 5 Hz, both starting at t = 0: window k takes A[10k, 10k+20) and B[5k, 5k+10).
    @Test func windowsFromTwoRatesAreAlignedByTime() throws {
        let a = try WindowAssembler(streams: [description("a", 10), description("b", 5)])
        #expect(a.windowFrames == [20, 10] && a.hopFrames == [10, 5] && a.intervalFrames == [2, 1])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 0)
        a.setTimebase(stream: 1, firstSampleMonotonicNanoseconds: 0)
        feed(a, 0, 0..<20, offset: 0)
        #expect(a.nextWindow() == nil)  // B has nothing yet
        feed(a, 1, 0..<9, offset: 1000)
        #expect(a.nextWindow() == nil)  // B one frame short
        feed(a, 1, 9..<20, offset: 1000)
        let w0 = try #require(a.nextWindow())
        #expect(w0.index == 0 && w0.startMonotonicNanoseconds == 0 && !w0.overlapsGap)
        #expect(Array(w0.samples(0)) == frames(0..<20, offset: 0))
        #expect(Array(w0.samples(1)) == frames(0..<10, offset: 1000))
        #expect(a.nextWindow() == nil)  // A needs frames up to 30 for window 1
        feed(a, 0, 20..<30, offset: 0)
        let w1 = try #require(a.nextWindow())
        #expect(w1.index == 1 && w1.startMonotonicNanoseconds == 1_000_000_000)
        #expect(Array(w1.samples(0)) == frames(10..<30, offset: 0))
        #expect(Array(w1.samples(1)) == frames(5..<15, offset: 1000))
        #expect(Array(w1.startFrames) == [10, 5])
    }

    /// B's first sample comes 0.4 s after A's: the origin is B's start, so window 0 takes A from
    /// frame round(0.4 × 10) = 4.
    @Test func laterStartsSetTheOrigin() throws {
        let a = try WindowAssembler(streams: [description("a", 10), description("b", 5)])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 1_000_000_000)
        a.setTimebase(stream: 1, firstSampleMonotonicNanoseconds: 1_400_000_000)
        #expect(a.originMonotonicNanoseconds == 1_400_000_000)
        feed(a, 0, 0..<24, offset: 0)
        feed(a, 1, 0..<10, offset: 1000)
        let w = try #require(a.nextWindow())
        #expect(w.startMonotonicNanoseconds == 1_400_000_000)
        #expect(Array(w.samples(0)) == frames(4..<24, offset: 0))
        #expect(Array(w.samples(1)) == frames(0..<10, offset: 1000))
    }

    @Test func interleavedChannelsStayTogether() throws {
        let a = try WindowAssembler(streams: [description("st", 5, channels: 2)])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 0)
        feed(a, 0, 0..<10, offset: 0, channels: 2)
        let w = try #require(a.nextWindow())
        let expected: [Int32] = (0..<10).flatMap { (f: Int) -> [Int32] in [Int32(f), Int32(f) + 500] }
        #expect(Array(w.samples(0)) == expected)
    }

    /// A loses frames [25, 27): windows 1 ([10, 30)) and 2 ([20, 40)) overlap the gap.
    /// Before the origin is known nothing may be overwritten: A (10 Hz, history 64) fills and then
    /// waits; once B's timebase arrives, A's window-0 frames are still there.
    @Test func nothingIsOverwrittenBeforeEveryStreamHasATimebase() throws {
        let a = try WindowAssembler(streams: [description("a", 10), description("b", 5)])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 0)
        #expect(a.room(stream: 0) == 64)
        feed(a, 0, 0..<60, offset: 0)
        #expect(a.room(stream: 0) == 4)
        feed(a, 0, 60..<64, offset: 0)
        #expect(a.room(stream: 0) == 0)
        a.setTimebase(stream: 1, firstSampleMonotonicNanoseconds: 500_000_000)  // origin 0.5 s: A from frame 5
        #expect(a.room(stream: 0) == 5)  // frames 0..4 are no longer needed
        feed(a, 1, 0..<10, offset: 1000)
        let w = try #require(a.nextWindow())
        #expect(Array(w.samples(0)) == frames(5..<25, offset: 0))
    }

    @Test(arguments: [true, false])
    func windowsOverlappingAGapAreSkippedOrFlagged(skip: Bool) throws {
        var config = WindowConfiguration()
        config.skipWindowsWithGaps = skip
        let a = try WindowAssembler(configuration: config, streams: [description("a", 10), description("b", 5)])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 0)
        a.setTimebase(stream: 1, firstSampleMonotonicNanoseconds: 0)
        var delivered: [(Int, Bool, [Int], [Int32])] = []
        func collect() {
            while let w = a.nextWindow() {
                delivered.append((w.index, w.overlapsGap, Array(w.gapFrames), Array(w.samples(0))))
            }
        }
        feed(a, 1, 0..<25, offset: 1000)
        feed(a, 0, 0..<25, offset: 0)
        collect()
        a.pushGap(stream: 0, GapEvent(startFrame: 25, lengthFrames: 2, monotonicNanoseconds: 7, cause: .xrun))
        feed(a, 0, 27..<50, offset: 0)
        collect()
        if skip {
            #expect(delivered.map(\.0) == [0, 3])
            #expect(delivered.allSatisfy { !$0.1 })
            #expect(a.counters == WindowAssemblerCounters(delivered: 2, skippedForGaps: 2, deliveredWithGaps: 0))
        } else {
            #expect(delivered.map(\.0) == [0, 1, 2, 3])
            #expect(delivered.map(\.1) == [false, true, true, false])
            #expect(delivered[1].2 == [2, 0] && delivered[2].2 == [2, 0])
            // The lost frames read as 0 in a flagged window; the rest is the signal.
            #expect(delivered[1].3 == frames(10..<25, offset: 0) + [0, 0] + frames(27..<30, offset: 0))
            #expect(a.counters.deliveredWithGaps == 2)
        }
        #expect(delivered.last?.3 == frames(30..<50, offset: 0))
    }

    @Test func aPushThatSkipsAheadIsAGap() throws {
        let a = try WindowAssembler(streams: [description("a", 5)])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 0)
        feed(a, 0, 0..<3, offset: 0)
        feed(a, 0, 4..<25, offset: 0)  // frame 3 missing
        var indices: [Int] = []
        while let w = a.nextWindow() { indices.append(w.index) }
        // 5 Hz: window k is [5k, 5k + 10); only window 0 contains frame 3.
        #expect(indices == [1, 2, 3] && a.counters.skippedForGaps == 1)
    }

    @Test func roomKeepsAFastStreamFromOverwritingWhatASlowOneStillNeeds() throws {
        let a = try WindowAssembler(streams: [description("a", 10), description("b", 5)])
        a.setTimebase(stream: 0, firstSampleMonotonicNanoseconds: 0)
        a.setTimebase(stream: 1, firstSampleMonotonicNanoseconds: 0)
        // History of A: next power of two ≥ 20 + 2·10 = 64 frames.
        #expect(a.room(stream: 0) == 64)
        feed(a, 0, 0..<64, offset: 0)
        #expect(a.room(stream: 0) == 0)  // window 0 still needs A[0, 20)
        feed(a, 1, 0..<10, offset: 1000)
        _ = try #require(a.nextWindow())
        #expect(a.room(stream: 0) == 10)  // window 1 needs A from 10
    }

    @Test(arguments: [
        (2.0, 1.0, 10, 12.5),  // window 25 frames
        (2.0, 0.3, 10, 5.0),  // hop 1.5 frames
        (2.0, 1.0, 3, 10.0),  // 20 frames / 3 intervals
        (1e9, 1.0, 10, 10.0),  // absurd window: refused before allocating
        (2.0, 1.0, 10, 1e9),  // absurd rate
    ])
    func impossibleGeometryIsAConfigError(window: Double, hop: Double, intervals: Int, rate: Double) {
        var config = WindowConfiguration()
        config.windowSeconds = window
        config.hopSeconds = hop
        config.intervalCount = intervals
        #expect(throws: IOError.self) { try WindowAssembler(configuration: config, streams: [description("x", rate)]) }
    }

    @Test func theDefaultGeometryFitsTheSpecRates() throws {
        let a = try WindowAssembler(streams: [
            description("mic", 8000), description("geo", 100), description("shake", 200),
        ])
        #expect(a.windowFrames == [16000, 200, 400] && a.hopFrames == [8000, 100, 200])
        #expect(a.intervalFrames == [1600, 20, 40])
    }

    /// Pulling from real rings: acoustic 40 Hz and seismic 10 Hz streams with an overrun in the
    /// seismic ring; windows come out aligned and the gapped ones are skipped.
    @Test func pullsFromRingsAndHonoursTheirGaps() throws {
        let mic = SampleStream(description: description("mic", 40), minimumCapacityFrames: 512)
        let geo = SampleStream(description: description("geo", 10), minimumCapacityFrames: 16)
        let a = try WindowAssembler(streams: [mic.description, geo.description])
        mic.publishTimebase(
            StreamTimebase(firstSampleMonotonicNanoseconds: 5_000_000_000, firstSampleRealtimeNanoseconds: 0))
        geo.publishTimebase(
            StreamTimebase(firstSampleMonotonicNanoseconds: 5_000_000_000, firstSampleRealtimeNanoseconds: 0))
        let micValues = frames(0..<400, offset: 0)
        micValues.withUnsafeBufferPointer { _ = mic.ring.write($0, monotonicNanoseconds: 0) }
        // Geo: 16 frames fit, then 4 are dropped (overrun), then the consumer drains, then 80 more.
        frames(0..<16, offset: 10_000).withUnsafeBufferPointer { _ = geo.ring.write($0, monotonicNanoseconds: 0) }
        frames(16..<20, offset: 10_000).withUnsafeBufferPointer { _ = geo.ring.write($0, monotonicNanoseconds: 1) }
        var windows: [(Int, [Int32], [Int32])] = []
        while let w = a.nextWindow(from: [mic, geo]) {
            windows.append((w.index, Array(w.samples(0)), Array(w.samples(1))))
        }
        // Geo frames [16, 20) are lost: window 0 ([0, 20)) is skipped; nothing else is complete yet.
        #expect(windows.isEmpty && a.counters.skippedForGaps == 0)
        frames(20..<100, offset: 10_000).withUnsafeBufferPointer { buffer in
            for chunk in stride(from: 0, to: 80, by: 8) {
                _ = geo.ring.write(UnsafeBufferPointer(rebasing: buffer[chunk..<(chunk + 8)]), monotonicNanoseconds: 2)
                while let w = a.nextWindow(from: [mic, geo]) {
                    windows.append((w.index, Array(w.samples(0)), Array(w.samples(1))))
                }
            }
        }
        // Windows k = 0, 1 cover geo frames 16..19 and are skipped; k = 2…8 ([10k, 10k+20) ≤ 100) arrive.
        #expect(a.counters.skippedForGaps == 2)
        #expect(windows.map(\.0) == Array(2...8))
        for (k, micWindow, geoWindow) in windows {
            #expect(micWindow == frames((40 * k)..<(40 * k + 80), offset: 0))
            #expect(geoWindow == frames((10 * k)..<(10 * k + 20), offset: 10_000))
        }
    }
}

extension WindowAssemblerTests {
    /// A FLAC (8 kHz) that starts 0.5 s after a miniSEED (100 Hz), replayed on one axis: window k
    /// takes mic frames [8000k, 8000k + 16000) and geo frames [50 + 100k, 50 + 100k + 200).
    @Test func replayedRecordingsAlignByTheirRecordedTimes() throws {
        let dir = try TemporaryDirectory()
        let t0: Int64 = 1_700_000_000_000_000_000
        let counts = TestRecordings.seismicCounts(count: 600, seed: 41)
        let pcm = TestRecordings.randomPCM16(frames: 8000 * 5, channels: 1, seed: 42)
        try TestRecordings.writeMseed(
            dir.path + "/geo.mseed", rateHz: 100, startMicroseconds: t0 / 1000, samples: counts)
        try TestRecordings.writeSound(
            dir.path + "/mic.flac", .flac, rateHz: 8000, channels: 1, samples: pcm,
            comment: ReplaySource.timebaseCommentPrefix + String(t0 + 500_000_000))
        let sources = try ReplaySource.sources(inDirectory: dir.path)  // geo, mic
        let assembler = try WindowAssembler(streams: sources.map(\.stream.description))
        for source in sources { try source.start() }
        defer { sources.forEach { $0.stop() } }
        var windows: [Int] = []
        let deadline = SystemClock.monotonicNanoseconds() + 60_000_000_000
        while windows.count < 4 && SystemClock.monotonicNanoseconds() < deadline {
            guard let w = assembler.nextWindow(from: sources.map(\.stream)) else {
                sched_yield()
                continue
            }
            let k = w.index
            #expect(Array(w.startFrames) == [UInt64(50 + 100 * k), UInt64(8000 * k)])
            #expect(Array(w.samples(0)) == Array(counts[(50 + 100 * k)..<(250 + 100 * k)]))
            #expect(Array(w.samples(1)) == pcm[(8000 * k)..<(8000 * k + 16000)].map { Int32($0) })
            windows.append(k)
        }
        #expect(windows == [0, 1, 2, 3])  // 5 s of audio: windows start at 0, 1, 2, 3 s
        #expect(assembler.counters.skippedForGaps == 0)
    }
}
