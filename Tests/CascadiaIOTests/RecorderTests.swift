import Foundation
import Testing
@testable import CascadiaIO

@Suite struct RecorderTests {
    private static let t0: Int64 = 1_700_000_000_000_000_000

    /// Writes mic.flac (8 kHz, 5 s) and geo.mseed (100 Hz, 5 s), both starting at t0.
    private func inputs(_ dir: String) throws -> (pcm: [Int16], counts: [Int32]) {
        let pcm = TestRecordings.randomPCM16(frames: 40_000, channels: 1, seed: 31)
        let counts = TestRecordings.seismicCounts(count: 500, seed: 32)
        try TestRecordings.writeSound(
            dir + "/mic.flac", .flac, rateHz: 8000, channels: 1, samples: pcm,
            comment: ReplaySource.timebaseCommentPrefix + String(Self.t0))
        try TestRecordings.writeMseed(
            dir + "/geo.mseed", rateHz: 100, startMicroseconds: Self.t0 / 1000, samples: counts)
        return (pcm, counts)
    }

    @Test func filesAreNamedByTheirFirstFramesUTCTime() {
        #expect(StreamFileSink.utcStamp(Self.t0 + 1_234_000_000) == "20231114T221321.234Z")
        #expect(Recorder.label(for: "file:/a/b/site 1.flac") == "site_1")
        #expect(Recorder.label(for: "alsa:hw:CARD=USB,DEV=0") == "alsa_hw_CARD_USB_DEV_0")
    }

    /// Replays both inputs as fast as possible through the recorder, rotating every 2 s: files
    /// hold 2 s, 2 s, 1 s and reproduce the inputs exactly.
    @Test func recordsEveryFrameIntoRotatedFiles() throws {
        let dir = try TemporaryDirectory()
        let (pcm, counts) = try inputs(dir.path)
        let sources = try [ReplaySource(path: dir.path + "/mic.flac"), ReplaySource(path: dir.path + "/geo.mseed")]
        var options = RecorderOptions(directory: dir.path + "/out")
        options.rotateSeconds = 2
        let recorder = try Recorder(sources: sources, options: options)
        for source in sources { try source.start() }
        var closed: [Int] = []
        let totals = try recorder.run(shouldStop: { false }) { event in
            if case .closed(_, let frames) = event { closed.append(frames) }
        }
        #expect(totals.map(\.frames) == [40_000, 500] && totals.map(\.files) == [3, 3])
        #expect(closed.sorted() == [100, 200, 200, 8000, 16_000, 16_000])
        let names = try FileManager.default.contentsOfDirectory(atPath: options.directory).sorted()
        #expect(
            names == [
                "geo_20231114T221320.000Z.mseed", "geo_20231114T221322.000Z.mseed", "geo_20231114T221324.000Z.mseed",
                "mic_20231114T221320.000Z.flac", "mic_20231114T221322.000Z.flac", "mic_20231114T221324.000Z.flac",
            ])
        var mic: [Int32] = []
        var geo: [Int32] = []
        for name in names {
            let source = try ReplaySource(path: options.directory + "/" + name)
            try source.start()
            let got = drain(source.stream)
            source.stop()
            if name.hasPrefix("mic") { mic += got.samples } else { geo += got.samples }
        }
        #expect(mic == pcm.map { Int32($0) })
        #expect(geo == counts)
    }

    /// When one stream cannot write (its second file's name is taken), the error names that file and
    /// every file of the other stream is finished and valid (whether it was open at that moment
    /// depends on thread timing).
    @Test func aWriteErrorStillFinishesTheOtherFiles() throws {
        let dir = try TemporaryDirectory()
        _ = try inputs(dir.path)
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let blocker = out + "/geo_20231114T221322.000Z.mseed"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let sources = try [ReplaySource(path: dir.path + "/mic.flac"), ReplaySource(path: dir.path + "/geo.mseed")]
        var options = RecorderOptions(directory: out)
        options.rotateSeconds = 2
        let recorder = try Recorder(sources: sources, options: options)
        for source in sources { try source.start() }
        do {
            _ = try recorder.run(shouldStop: { false }) { _ in }
            Issue.record("the blocked file did not stop the recording")
        } catch let error as IOError {
            #expect(error.subject == blocker && error.reason == "cannot create: File exists")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix("mic") {
            let source = try ReplaySource(path: out + "/" + name)  // throws if unfinished or truncated
            #expect(source.frameCount > 0)
        }
    }
}
