import CascadiaCore
import Foundation
import Testing

@testable import CascadiaIO

@Suite struct BoardConfigTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let minimal = """
        {"board": "t", "seismic": {"source": "shake:udp:8888", "sample_rate_hz": 100}, "budget_ms": 60, "plan": "p.json"}
        """

    func decode(_ text: String, path: String = "boards/test.json") throws -> BoardConfig {
        try BoardConfig.decode(Data(text.utf8), path: path)
    }

    /// `minimal` with `key` replaced (or added) at the top level.
    func with(_ key: String, _ json: String) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Self.minimal.utf8)) as? [String: Any])
        object[key] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test(arguments: ["rpi4", "rpi5", "rpi-zero2w", "sim"])
    func shippedBoardFilesAreValid(name: String) throws {
        let config = try BoardConfig.load(path: "\(Self.repoRoot)/boards/\(name).json")
        #expect(config.board == name)
        #expect(config.seismic?.sampleRateHz == 100)
        #expect(config.acoustic?.sampleRateHz == 8000)
        #expect(config.window == .init(lengthSeconds: 2, hopSeconds: 1, intervals: 10))
        #expect(config.planPath.hasPrefix("\(Self.repoRoot)/plans/hazard-"))
    }

    @Test(arguments: ["rpi4", "rpi5", "rpi-zero2w", "sim"])
    func encodingAndDecodingAgainGivesTheSameConfig(name: String) throws {
        let path = "\(Self.repoRoot)/boards/\(name).json"
        let config = try BoardConfig.load(path: path)
        let decoder = JSONDecoder()
        decoder.userInfo[BoardConfig.pathKey] = path
        let again = try decoder.decode(BoardConfig.self, from: JSONEncoder().encode(config))
        #expect(again == config)
    }

    @Test func rpi4NamesTheADS1256AndThreads() throws {
        let config = try BoardConfig.load(path: "\(Self.repoRoot)/boards/rpi4.json")
        guard case .ads1256(let adc) = config.seismic?.source else {
            Issue.record("rpi4 seismic is not an ADS1256")
            return
        }
        #expect(adc.spiDevice == "/dev/spidev0.0" && adc.dataReady == GPIOLineSpec(chip: "gpiochip0", offset: 17))
        #expect(config.acoustic?.source == .alsa(device: "plughw:CARD=Device,DEV=0"))
        #expect(config.captureThread == .init(cpus: [2], rtPriority: 70, prefaultStackBytes: 65536))
        #expect(config.processingThread.rtPriority == 60)
        #expect(config.mlockall)
        #expect(config.controlSocket == "/run/cascadia/control.sock")
    }

    @Test func simReplaysTheShippedRecordingsResolvedAgainstTheBoardFolder() throws {
        let config = try BoardConfig.load(path: "\(Self.repoRoot)/boards/sim.json")
        #expect(config.acoustic?.source == .file(path: "\(Self.repoRoot)/recordings/steady/acoustic.flac"))
        #expect(config.seismic?.source == .file(path: "\(Self.repoRoot)/recordings/steady/seismic.mseed"))
        #expect(config.replaySpeed == 1)
        #expect(config.captureThread == .init() && !config.mlockall)
    }

    @Test func defaultsApply() throws {
        let config = try decode(Self.minimal)
        #expect(config.window == .init())
        #expect(config.controlSocket == "/run/cascadia/control.sock")
        #expect(config.planPath == "boards/p.json")
        #expect(config.acoustic == nil)
        #expect(config.seismic?.channels == 1)
    }

    @Test(arguments: [
        ("budget_ms", "0", "budget_ms: 0.0 ms is outside (0, hop = 1000.0 ms]; a longer budget lets windows queue up"),
        ("budget_ms", "\"60\"", "budget_ms: expected a number"),
        (
            "bugdet_ms", "60",
            "bugdet_ms: unknown field (allowed here: board, description, acoustic, seismic, window, budget_ms, plan, threads, mlockall, control_socket, replay)"
        ),
        ("board", "\"\"", "board: required (a name)"),
        ("mlockall", "1", "mlockall: expected true or false"),
        ("window", "{\"length_s\": 2, \"hop_s\": 3}", "window.hop_s: 3.0 s is outside (0, length_s = 2.0 s]"),
        (
            "window", "{\"intervals\": 3}",
            "window.intervals: a 2.0 s window of seismic at 100.0 Hz is 200.0 samples, not 3 whole intervals"
        ),
        ("window", "{\"intervals\": 2.5}", "window.intervals: expected an integer, got 2.5"),
        (
            "threads", "{\"capture\": {\"rt_priority\": 120}}",
            "threads.capture.rt_priority: SCHED_FIFO priority 120 is outside 1…99"
        ),
        ("threads", "{\"capture\": {\"cpus\": [1, 1]}}", "threads.capture.cpus: a CPU is listed twice"),
        ("threads", "{\"processing\": {\"cpus\": 3}}", "threads.processing.cpus: expected a list of CPU numbers"),
        (
            "threads", "{\"processing\": {\"cpu\": [3]}}",
            "threads.processing.cpu: unknown field (allowed here: cpus, rt_priority, prefault_stack_bytes)"
        ),
        (
            "control_socket", "\"control.sock\"",
            "control_socket: 'control.sock' must be an absolute path shorter than 108 bytes (sun_path)"
        ),
        (
            "seismic", "{\"source\": \"shake:udp:8888\", \"sample_rate_hz\": 200}",
            "seismic.sample_rate_hz: 200 Hz but the source runs at 100 sps (set rate= in the source or change this)"
        ),
        (
            "seismic", "{\"source\": \"ads1256:/dev/spidev0.0\", \"sample_rate_hz\": 100}",
            "seismic.source: 'ads1256:/dev/spidev0.0': drdy: required (e.g. drdy=gpiochip0:17)"
        ),
        ("seismic", "{\"sample_rate_hz\": 100}", "seismic.source: required (e.g. alsa:plughw:CARD=Device,DEV=0)"),
        (
            "seismic", "{\"source\": \"file:x.mseed\", \"sample_rate_hz\": 100, \"period_frames\": 64}",
            "seismic.period_frames: only for alsa: sources"
        ),
        (
            "acoustic", "{\"source\": \"shake:udp:9999\", \"sample_rate_hz\": 100}",
            "acoustic.source: a shake source is seismic; use alsa: or file:"
        ),
        (
            "acoustic",
            "{\"source\": \"alsa:default\", \"sample_rate_hz\": 8000, \"period_frames\": 256, \"buffer_frames\": 300}",
            "acoustic.buffer_frames: 300 must be at least two periods (512) and at most 1048576"
        ),
        ("replay", "{\"speed\": -1}", "replay.speed: -1.0 is outside 0…1000"),
    ])
    func badFieldsAreConfigErrorsNamingTheField(key: String, json: String, message: String) {
        do {
            _ = try decode(try with(key, json))
            Issue.record("accepted \(key) = \(json)")
        } catch let error as any CascadiaError {
            #expect(error.exitCode == .config)
            #expect(error.description == "boards/test.json: " + message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aBoardNeedsAStream() {
        #expect(
            throws: BoardConfigError(
                path: "b.json", field: "acoustic", reason: "a board needs an acoustic or a seismic stream (or both)")
        ) {
            try decode(#"{"board": "x", "budget_ms": 50, "plan": "p"}"#, path: "b.json")
        }
    }

    @Test func malformedJSONAndMissingFilesAreConfigErrors() {
        do {
            _ = try decode("{\"board\": ", path: "b.json")
            Issue.record("accepted truncated JSON")
        } catch let error as BoardConfigError {
            #expect(error.description.hasPrefix("b.json: not valid JSON ("))
            #expect(!error.description.contains("\n"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: BoardConfigError(path: "/nonexistent/board.json", field: "", reason: "no such file")) {
            try BoardConfig.load(path: "/nonexistent/board.json")
        }
        #expect(throws: BoardConfigError(path: "b.json", field: "", reason: "expected a JSON object at the top level"))
        {
            try decode("[1, 2]", path: "b.json")
        }
    }

    @Test func makeSourcesReplaysRealRecordingsAtTheBoardRates() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cascadia-board-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/rec", withIntermediateDirectories: true)
        try TestRecordings.writeSound(
            folder + "/rec/acoustic.flac", .flac, rateHz: 8000, channels: 1,
            samples: TestRecordings.randomPCM16(frames: 16000, channels: 1, seed: 1))
        try TestRecordings.writeMseed(
            folder + "/rec/seismic.mseed", rateHz: 100, startMicroseconds: 1_767_225_600_000_000,
            samples: TestRecordings.seismicCounts(count: 200, seed: 2))
        let board = """
            {"board": "sim", "acoustic": {"source": "file:rec/acoustic.flac", "sample_rate_hz": 8000},
             "seismic": {"source": "file:rec/seismic.mseed", "sample_rate_hz": 100},
             "budget_ms": 60, "plan": "plan.json", "replay": {"speed": 0}}
            """
        let config = try decode(board, path: folder + "/sim.json")
        let sources = try config.makeSources()
        #expect(sources.map(\.modality) == [.acoustic, .seismic])
        #expect(sources.map { $0.source.streamDescription.sampleRateHz } == [8000, 100])
        #expect(sources.allSatisfy { $0.source is ReplaySource })

        // A recording at another rate than the board says is a data error (65) naming the file.
        let wrong = try decode(
            board.replacingOccurrences(of: "\"sample_rate_hz\": 8000", with: "\"sample_rate_hz\": 16000"),
            path: folder + "/sim.json")
        do {
            _ = try wrong.makeSources()
            Issue.record("accepted an 8 kHz recording for a 16 kHz stream")
        } catch let error as any CascadiaError {
            #expect(error.exitCode == .data)
            #expect(error.description.contains("acoustic.flac"))
        }
    }

    @Test func makeSourcesBuildsADCAndShakeSourcesWithoutOpeningThem() throws {
        let board = """
            {"board": "x", "seismic": {"source": "shake:udp:8888", "sample_rate_hz": 100}, "budget_ms": 60, "plan": "p"}
            """
        let shake = try decode(board).makeSources()
        #expect(shake.first?.source is ShakeSource)
        let adc = try decode(
            board.replacingOccurrences(of: "shake:udp:8888", with: "ads1256:/dev/spidev0.0,drdy=gpiochip0:17")
        ).makeSources()
        #expect(
            adc.first?.source.streamDescription
                == StreamDescription(
                    name:
                        "ads1256:/dev/spidev0.0,drdy=gpiochip0:17,rate=100,gain=1,pos=0,neg=1,buffer=off,speed=1920000",
                    modality: .seismic, sampleRateHz: 100, channelCount: 1, sampleFormat: .s24))
    }
}
