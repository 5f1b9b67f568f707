import Foundation
import Testing
@testable import CascadiaIO

/// Runs the real `cascadia` binary (built next to the test bundle by `swift build --build-tests`).
private enum Binary {
    static var url: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("cascadia")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/cascadia")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// The samples of every file of one stream in `dir` (name prefix `label_`), in time order, each file
/// reopened through libsndfile/libmseed; also each file's frame count and recorded start time.
private func readBack(_ dir: String, label: String) throws -> (samples: [Int32], frames: [Int], starts: [Int64]) {
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(label + "_") }.sorted()
    var samples: [Int32] = []
    var frames: [Int] = []
    var starts: [Int64] = []
    for name in names {
        let source = try ReplaySource(path: dir + "/" + name)
        try source.start()
        let got = drain(source.stream)
        source.stop()
        #expect(got.gaps.isEmpty)
        samples += got.samples
        frames.append(source.frameCount)
        starts.append(source.recordedStartRealtimeNanoseconds ?? -1)
    }
    return (samples, frames, starts)
}

@Suite struct RecordCommandTests {
    /// Records a 60 s FLAC and a 60 s miniSEED replayed at 10× real time (6 s of wall time, so the
    /// signal after about 0.5 s lands mid-recording even on a loaded machine), rotating every 2 s of stream time;
    /// SIGTERM after four files were closed. Every file reopens, and together the files of each
    /// stream hold exactly the first N input samples, N being what the recorder reports — at least
    /// everything in the files closed before the signal.
    @Test func sigtermMidRecordingLeavesEverySampleInValidFiles() throws {
        let dir = try TemporaryDirectory()
        let out = dir.path + "/out"
        let pcm = TestRecordings.randomPCM16(frames: 8000 * 60, channels: 1, seed: 21)
        let counts = TestRecordings.seismicCounts(count: 100 * 60, seed: 22)
        try TestRecordings.writeSound(dir.path + "/mic.flac", .flac, rateHz: 8000, channels: 1, samples: pcm)
        try TestRecordings.writeMseed(
            dir.path + "/geo.mseed", rateHz: 100, startMicroseconds: 1_700_000_000_000_000, samples: counts)

        let process = Process()
        process.executableURL = Binary.url
        process.arguments = [
            "record", "--source", "file:\(dir.path)/mic.flac", "--source", "file:\(dir.path)/geo.mseed",
            "--out", out, "--rotate-s", "2", "--speed", "10",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        var text = ""
        var closedBeforeSignal: [String: Int] = ["mic": 0, "geo": 0]
        var signalled = false
        while true {
            let data = stdout.fileHandleForReading.availableData
            if data.isEmpty { break }  // EOF: the process ended
            text += String(decoding: data, as: UTF8.self)
            let closed = text.split(separator: "\n").filter { $0.hasPrefix("closed ") }
            if !signalled && closed.count >= 4 {
                for line in closed {
                    let label = line.contains("/mic_") ? "mic" : "geo"
                    closedBeforeSignal[label]! += Int(line.split(separator: "=").last!)!
                }
                kill(process.processIdentifier, SIGTERM)
                signalled = true
            }
        }
        process.waitUntilExit()
        #expect(signalled)
        #expect(process.terminationStatus == 0)
        let summary = text.split(separator: "\n").filter { $0.hasPrefix("recorded ") }
        #expect(summary.count == 2)
        #expect(summary.allSatisfy { $0.hasSuffix("stopped by SIGTERM") })
        func reported(_ name: String) -> Int {
            guard let line = summary.first(where: { $0.contains(name) }),
                let n = line.split(separator: ":").last?.split(separator: " ").first.flatMap({ Int($0) })
            else { return -1 }
            return n
        }
        let micFrames = reported("mic.flac")
        let geoFrames = reported("geo.mseed")

        let mic = try readBack(out, label: "mic")
        #expect(mic.samples.count == micFrames)
        #expect(micFrames >= closedBeforeSignal["mic"]! && micFrames < pcm.count)  // stopped mid-recording
        #expect(mic.samples == pcm.prefix(mic.samples.count).map { Int32($0) })
        #expect(mic.frames.dropLast().allSatisfy { $0 == 16_000 })  // rotation every 2 s of stream time
        #expect(zip(mic.starts, mic.starts.dropFirst()).allSatisfy { $1 - $0 == 2_000_000_000 })

        let geo = try readBack(out, label: "geo")
        #expect(geo.samples.count == geoFrames)
        #expect(geoFrames >= closedBeforeSignal["geo"]! && geoFrames < counts.count)
        #expect(geo.samples == Array(counts.prefix(geo.samples.count)))
        #expect(geo.frames.dropLast().allSatisfy { $0 == 200 })
        #expect(geo.starts.first == 1_700_000_000_000_000_000)  // the recording's own start time
        #expect(zip(geo.starts, geo.starts.dropFirst()).allSatisfy { $1 - $0 == 2_000_000_000 })
    }

    @Test func helpDescribesTheCommand() throws {
        let result = try Binary.run(["record", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("usage: cascadia record --source SPEC"))
        #expect(try Binary.run(["--help"]).stdout.contains("record    capture live streams"))
    }

    @Test func aMissingALSADeviceExits69WithOneLine() throws {
        let dir = try TemporaryDirectory()
        let result = try Binary.run(["record", "--source", "alsa:cascadia_no_such_pcm", "--out", dir.path + "/o"])
        #expect(result.status == 69)
        #expect(result.stderr.hasPrefix("cascadia record: alsa:cascadia_no_such_pcm: no such capture device"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func aBadRecordingExits65AndBadUsage64() throws {
        let dir = try TemporaryDirectory()
        try "junk".write(toFile: dir.path + "/bad.wav", atomically: true, encoding: .utf8)
        let bad = try Binary.run(["record", "--source", "file:\(dir.path)/bad.wav", "--out", dir.path + "/o"])
        #expect(bad.status == 65)
        #expect(bad.stderr.hasPrefix("cascadia record: \(dir.path)/bad.wav: cannot read as WAV/FLAC"))
        #expect(try Binary.run(["record", "--out", dir.path]).status == 64)
        #expect(try Binary.run(["record", "--source", "adc:x", "--out", dir.path]).status == 64)
        #expect(
            try Binary.run(["record", "--source", "file:x.wav", "--out", dir.path, "--rotate-s", "0"]).status == 64)
    }

    /// `--board FILE` records the board's streams: a board naming a 3 s WAV replayed as fast as
    /// possible (speed 0) ends by itself, and the file on disk holds exactly the input samples.
    @Test func aBoardFileNamesTheSourcesToRecord() throws {
        let dir = try TemporaryDirectory()
        let input = (0..<24_000).map { Int16(truncatingIfNeeded: $0 &* 7) }
        try TestRecordings.writeSound(dir.path + "/in.wav", .wav, rateHz: 8000, channels: 1, samples: input)
        let board = """
            {"board": "test", "acoustic": {"source": "file:in.wav", "sample_rate_hz": 8000},
             "budget_ms": 60, "plan": "plan.json", "replay": {"speed": 0}}
            """
        try board.write(toFile: dir.path + "/board.json", atomically: true, encoding: .utf8)
        let result = try Binary.run(["record", "--board", dir.path + "/board.json", "--out", dir.path + "/o"])
        #expect(result.status == 0, "\(result.stderr)")
        let back = try readBack(dir.path + "/o", label: "in")  // files are named after the source
        #expect(back.samples.count == input.count)
        let identical = back.samples == input.map { Int32($0) }
        #expect(identical)
    }

    @Test func aBadBoardFileExits78() throws {
        let dir = try TemporaryDirectory()
        try "{\"board\": 1}".write(toFile: dir.path + "/board.json", atomically: true, encoding: .utf8)
        let result = try Binary.run(["record", "--board", dir.path + "/board.json", "--out", dir.path + "/o"])
        #expect(result.status == 78)
        #expect(result.stderr.hasPrefix("cascadia record: \(dir.path)/board.json"))
    }
}
