import CascadiaCore
import CascadiaIO
import Foundation
import Synchronization

/// Set by SIGTERM/SIGINT; read by the recording loop.
private let stopSignal = Atomic<Int32>(0)

/// `cascadia record --board FILE|--source SPEC … --out DIR [--rotate-s N]`: captures streams to rotating
/// FLAC/WAV + miniSEED files until SIGTERM/SIGINT or the end of every source.
enum RecordCommand: Command {
    static let name = "record"
    static let summary = "capture live streams to rotating FLAC/WAV + miniSEED files"

    static let help = """
        usage: cascadia record --source SPEC [--source SPEC …] --out DIR [options]
               cascadia record --board FILE --out DIR [options]

        Records every source until SIGTERM or SIGINT (or until all sources end), then flushes and
        fsyncs every file. Acoustic streams go to FLAC (or WAV), seismic streams to Steim-2 miniSEED;
        a new file starts every --rotate-s seconds of stream time and after every gap.

        sources:
          alsa:NAME           ALSA capture PCM (default, plughw:CARD=…,DEV=…, hw:CARD=…,DEV=…)
          file:PATH           a WAV/FLAC/miniSEED recording replayed in real time (× --speed)
          ads1256:/dev/spidev0.0,drdy=gpiochip0:17[,rate=100,…]   ADS1256 ADC (docs/devices.md)
          ads1115:/dev/i2c-1,addr=0x48,alert=gpiochip0:27[,…]     ADS1115 ADC
          shake:udp:8888[,channel=EHZ,rate=100]                   Raspberry Shake datacast

        options:
          --board FILE        record the acoustic and seismic sources of a board file (boards/*.json),
                              with the file's rates, channels, ALSA period/buffer and replay speed
          --out DIR           output directory (created if missing)
          --rotate-s N        seconds of stream time per file (default 600)
          --format flac|wav   acoustic container (default flac)
          --rate HZ           ALSA capture rate (default 8000)
          --channels N        ALSA capture channels (default 1)
          --period-frames N   ALSA period (default rate/20)
          --speed X           replay speed of file: sources (default 1)
          --station CODE      miniSEED station code (default CSCD)

        Prints one line per finished file ("closed PATH frames=N") and a summary per stream.
        Exit codes: 0 done, 64 usage, 65 bad recording, 69 device unavailable, 78 bad option.
        """

    struct Options {
        var sources: [String] = []
        var board: String?
        var out: String?
        var recorder = RecorderOptions(directory: "")
        var alsa = ALSACaptureOptions()
        var speed = 1.0
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < arguments.count else { throw UsageError("\(flag) needs a value") }
            return arguments[i]
        }
        func number(_ flag: String) throws -> Double {
            let text = try value(flag)
            guard let x = Double(text), x > 0, x.isFinite else {
                throw UsageError("\(flag) must be a positive number, got '\(text)'")
            }
            return x
        }
        func integer(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let x = Int(text), x > 0 else {
                throw UsageError("\(flag) must be a positive integer, got '\(text)'")
            }
            return x
        }
        while i < arguments.count {
            let flag = arguments[i]
            switch flag {
            case "--source": o.sources.append(try value(flag))
            case "--board": o.board = try value(flag)
            case "--out": o.out = try value(flag)
            case "--rotate-s": o.recorder.rotateSeconds = try number(flag)
            case "--format":
                let text = try value(flag)
                guard let container = AudioContainer(rawValue: text) else {
                    throw UsageError("--format must be flac or wav, got '\(text)'")
                }
                o.recorder.audioContainer = container
            case "--rate": o.alsa.sampleRateHz = try integer(flag)
            case "--channels": o.alsa.channelCount = try integer(flag)
            case "--period-frames": o.alsa.periodFrames = try integer(flag)
            case "--speed": o.speed = try number(flag)
            case "--station": o.recorder.station = try value(flag)
            default: throw UsageError("unknown option '\(flag)' (see cascadia record --help)")
            }
            i += 1
        }
        guard !o.sources.isEmpty || o.board != nil else {
            throw UsageError("at least one --source (or a --board file) is required")
        }
        guard let out = o.out else { throw UsageError("--out DIR is required") }
        o.recorder.directory = out
        return o
    }

    /// The source factory seam: a `--source` spec to an unopened `Source`. `SourceSpec.parse`
    /// reads every kind (a bad spec is a usage error naming the option, exit 64); `alsa:` and
    /// `file:` are built with this command's options, the ADC and Shake kinds by `SourceFactory`.
    static func makeSource(_ spec: String, _ options: Options) throws -> any Source {
        let factory = SourceFactory(
            alsa: { device in try ALSACaptureSource(deviceName: device, options: options.alsa) },
            file: { path in
                var replay = ReplayOptions()
                replay.pacing = .realTime(speed: options.speed)
                return try ReplaySource(path: path, options: replay)
            })
        return try factory.makeSource(try SourceSpec.parse(spec))
    }

    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help)
            return .ok
        }
        let options = try parse(arguments)
        var sources = try options.sources.map { try makeSource($0, options) }
        if let board = options.board {
            // A board file's streams carry their own rates, channels and replay speed (exit 78 on a bad file).
            sources += try BoardConfig.load(path: board).makeSources().map(\.source)
        }
        for source in sources { try source.open() }
        let recorder = try Recorder(sources: sources, options: options.recorder)
        signal(SIGTERM) { stopSignal.store($0, ordering: .relaxed) }
        signal(SIGINT) { stopSignal.store($0, ordering: .relaxed) }
        // A parent may have left them blocked (the mask is inherited across exec); the reading
        // threads started below inherit this mask too, and retry their calls on EINTR.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        for source in sources { try source.start() }
        let totals = try recorder.run(shouldStop: { stopSignal.load(ordering: .relaxed) != 0 }) { event in
            if case .closed(let path, let frames) = event { emit("closed \(path) frames=\(frames)") }
        }
        let signalNumber = stopSignal.load(ordering: .relaxed)
        let why = signalNumber == SIGTERM ? "SIGTERM" : signalNumber == SIGINT ? "SIGINT" : "end of sources"
        for t in totals {
            let c = t.counters
            emit(
                "recorded \(t.name): \(t.frames) frames in \(t.files) files, \(c.gaps) gaps (\(c.overruns) overruns, \(c.xruns) xruns); stopped by \(why)"
            )
        }
        for source in sources {
            if let failure = (source as? ALSACaptureSource)?.failure { throw failure }
            if let failure = (source as? any DeviceSource)?.runError { throw failure }
        }
        return .ok
    }

    /// Writes a line to standard output at once (unbuffered), so a supervisor sees progress live.
    private static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
