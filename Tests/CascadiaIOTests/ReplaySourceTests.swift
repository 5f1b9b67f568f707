import Foundation
import Testing
@testable import CascadiaIO

private func replayAll(_ path: String, _ options: ReplayOptions = ReplayOptions()) throws
    -> (source: ReplaySource, samples: [Int32], gaps: [GapEvent])
{
    let source = try ReplaySource(path: path, options: options)
    try source.open()
    try source.start()
    let got = drain(source.stream)
    source.stop()
    #expect(got.finished)
    return (source, got.samples, got.gaps)
}

/// The IOError a replay of `path` throws, or nil.
private func replayError(_ path: String, _ options: ReplayOptions = ReplayOptions()) -> IOError? {
    do {
        _ = try ReplaySource(path: path, options: options)
        return nil
    } catch let error as IOError {
        return error
    } catch {
        return nil
    }
}

@Suite struct ReplaySourceTests {
    @Test(arguments: [SoundFile.Container.wav, .flac])
    func audioArrivesBitIdenticalWithItsLabels(container: SoundFile.Container) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/site1.\(container.rawValue)"
        let pcm = TestRecordings.randomPCM16(frames: 12_345, channels: 2, seed: 3)
        try TestRecordings.writeSound(path, container, rateHz: 16000, channels: 2, samples: pcm)
        try "start_s,end_s,class\n0.5,1.25,vehicle\n".write(
            toFile: dir.path + "/site1.csv", atomically: true, encoding: .utf8)
        var options = ReplayOptions()
        options.expectedSampleRateHz = 16000
        options.expectedChannelCount = 2
        let (source, samples, gaps) = try replayAll(path, options)
        #expect(
            source.stream.description
                == StreamDescription(
                    name: "file:\(path)", modality: .acoustic, sampleRateHz: 16000, channelCount: 2, sampleFormat: .s16)
        )
        #expect(samples == pcm.map { Int32($0) })
        #expect(gaps.isEmpty)
        #expect(source.labels == [Label(startSeconds: 0.5, endSeconds: 1.25, className: "vehicle")])
        #expect(source.counters.framesWritten == 12_345 && source.counters.overruns == 0)
    }

    @Test func theRecordersTimebaseCommentIsRead() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.flac"
        try TestRecordings.writeSound(
            path, .flac, rateHz: 8000, channels: 1, samples: [1, 2, 3],
            comment: ReplaySource.timebaseCommentPrefix + "1733300000123456789")
        let (source, samples, _) = try replayAll(path)
        #expect(samples == [1, 2, 3])
        #expect(source.recordedStartRealtimeNanoseconds == 1_733_300_000_123_456_789)
        #expect(source.stream.timebase?.firstSampleRealtimeNanoseconds == 1_733_300_000_123_456_789)
    }

    @Test func miniSEEDArrivesIdenticalWithItsStartTime() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/geo.mseed"
        let counts = TestRecordings.seismicCounts(count: 5_000, seed: 11)
        let start: Int64 = 1_733_300_000_250_000  // µs
        try TestRecordings.writeMseed(path, rateHz: 100, startMicroseconds: start, samples: counts)
        let (source, samples, gaps) = try replayAll(path)
        #expect(source.stream.description.modality == .seismic)
        #expect(source.stream.description.sampleRateHz == 100 && source.stream.description.sampleFormat == .s32)
        #expect(samples == counts)
        #expect(gaps.isEmpty)
        #expect(source.recordedStartRealtimeNanoseconds == start * 1000)
    }

    /// Two runs of records 15 s apart with 10 s of data in the first: a 5 s (500-frame) hole.
    @Test func aTimeHoleBetweenRecordsIsAGapOfTheRightLength() throws {
        let dir = try TemporaryDirectory()
        let a = TestRecordings.seismicCounts(count: 1000, seed: 1)
        let b = TestRecordings.seismicCounts(count: 700, seed: 2)
        let t0: Int64 = 1_700_000_000_000_000
        try TestRecordings.writeMseed(dir.path + "/a.mseed", rateHz: 100, startMicroseconds: t0, samples: a)
        try TestRecordings.writeMseed(
            dir.path + "/b.mseed", rateHz: 100, startMicroseconds: t0 + 15_000_000, samples: b)
        try TestRecordings.concatenate([dir.path + "/a.mseed", dir.path + "/b.mseed"], into: dir.path + "/ab.mseed")
        let (_, samples, gaps) = try replayAll(dir.path + "/ab.mseed")
        #expect(samples == a + b)
        #expect(gaps.count == 1)
        #expect(gaps.first?.startFrame == 1000 && gaps.first?.lengthFrames == 500 && gaps.first?.cause == .upstream)
    }

    @Test func pacedReplayDeliversTheSameSamples() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/p.wav"
        let pcm = TestRecordings.randomPCM16(frames: 8000, channels: 1, seed: 5)
        try TestRecordings.writeSound(path, .wav, rateHz: 8000, channels: 1, samples: pcm)
        var options = ReplayOptions()
        options.pacing = .realTime(speed: 50)
        let (_, samples, gaps) = try replayAll(path, options)
        #expect(samples == pcm.map { Int32($0) })
        #expect(gaps.isEmpty)
    }

    @Test func wrongRateChannelsOrEncodingIsADataErrorNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        let wav = dir.path + "/x.wav"
        try TestRecordings.writeSound(wav, .wav, rateHz: 16000, channels: 2, samples: [0, 0, 1, 1])
        var options = ReplayOptions()
        options.expectedSampleRateHz = 8000
        #expect(replayError(wav, options) == IOError.badData(wav, "sample rate 16000 Hz, expected 8000 Hz"))
        options = ReplayOptions()
        options.expectedChannelCount = 1
        #expect(replayError(wav, options) == IOError.badData(wav, "2 channels, expected 1"))
        let wav32 = dir.path + "/y.wav"
        try TestRecordings.writeSound32(wav32, rateHz: 8000, samples: [1, 2, 3])
        #expect(replayError(wav32) == IOError.badData(wav32, "WAV holds 32-bit PCM, expected 16-bit PCM"))
        let mseed = dir.path + "/z.mseed"
        try TestRecordings.writeMseed(mseed, rateHz: 200, startMicroseconds: 0, samples: [1, 2, 3])
        options = ReplayOptions()
        options.expectedSampleRateHz = 100
        let error = replayError(mseed, options)
        #expect(error == IOError.badData(mseed, "sample rate 200 Hz, expected 100 Hz"))
        #expect(error?.exitCode == .data)
        #expect(error?.description == "\(mseed): sample rate 200 Hz, expected 100 Hz")
    }

    @Test func truncatedFilesAreDataErrors() throws {
        let dir = try TemporaryDirectory()
        for container in [SoundFile.Container.wav, .flac] {
            let path = dir.path + "/t.\(container.rawValue)"
            try TestRecordings.writeSound(
                path, container, rateHz: 8000, channels: 1,
                samples: TestRecordings.randomPCM16(frames: 40_000, channels: 1, seed: 9))
            try TestRecordings.truncate(path, removingBytes: 20_000)
            let error = replayError(path)
            #expect(error?.kind == .badData, "\(container)")
            #expect(error?.subject == path)
            #expect(error?.reason.hasPrefix("truncated") == true, "\(String(describing: error))")
        }
        let mseed = dir.path + "/t.mseed"
        try TestRecordings.writeMseed(
            mseed, rateHz: 100, startMicroseconds: 0,
            samples: TestRecordings.seismicCounts(count: 3000, seed: 4))
        try TestRecordings.truncate(mseed, removingBytes: 100)
        let error = replayError(mseed)
        #expect(error?.kind == .badData && error?.subject == mseed)
        #expect(
            error?.reason == "truncated: 412 bytes after record 14 are not a complete record",
            "\(String(describing: error))")
    }

    @Test func unknownOrMissingFilesAreDataErrors() throws {
        let dir = try TemporaryDirectory()
        #expect(
            replayError(dir.path + "/a.mp3")?.reason == "unknown recording type '.mp3' (expected .wav, .flac, .mseed)")
        #expect(replayError(dir.path + "/none.mseed")?.reason == "cannot open: no such readable file")
        #expect(replayError(dir.path + "/none.wav")?.kind == .badData)
        try "not audio".write(toFile: dir.path + "/bad.wav", atomically: true, encoding: .utf8)
        #expect(replayError(dir.path + "/bad.wav")?.reason.hasPrefix("cannot read as WAV/FLAC") == true)
    }
}

@Suite struct ReplayDirectoryTests {
    /// A FLAC starting 0.5 s after a miniSEED: on the shared axis their first samples are 0.5 s apart.
    @Test func recordingsInADirectoryShareOneTimeAxis() throws {
        let dir = try TemporaryDirectory()
        let t0: Int64 = 1_700_000_000_000_000_000
        try TestRecordings.writeMseed(
            dir.path + "/geo.mseed", rateHz: 100, startMicroseconds: t0 / 1000, samples: [1, 2])
        try TestRecordings.writeSound(
            dir.path + "/mic.flac", .flac, rateHz: 8000, channels: 1, samples: [3, 4],
            comment: ReplaySource.timebaseCommentPrefix + String(t0 + 500_000_000))
        try "0,1,vehicle\n".write(toFile: dir.path + "/labels.csv", atomically: true, encoding: .utf8)
        let sources = try ReplaySource.sources(inDirectory: dir.path)
        #expect(sources.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["geo.mseed", "mic.flac"])
        #expect(sources.allSatisfy { $0.labels == [Label(startSeconds: 0, endSeconds: 1, className: "vehicle")] })
        for source in sources { try source.start() }
        #expect(drain(sources[0].stream).samples == [1, 2])
        #expect(drain(sources[1].stream).samples == [3, 4])
        for source in sources { source.stop() }
        let geo = try #require(sources[0].stream.timebase)
        let mic = try #require(sources[1].stream.timebase)
        #expect(mic.firstSampleMonotonicNanoseconds - geo.firstSampleMonotonicNanoseconds == 500_000_000)
        #expect(geo.firstSampleRealtimeNanoseconds == t0 && mic.firstSampleRealtimeNanoseconds == t0 + 500_000_000)
    }

    @Test func aDirectoryWithoutRecordingsIsADataError() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: IOError.badData(dir.path, "no recordings (.wav, .flac, .mseed) in directory")) {
            try ReplaySource.sources(inDirectory: dir.path)
        }
    }
}
