import CascadiaCore
import CascadiaIO
import CascadiaRuntime
import Foundation
import Synchronization

/// Set by SIGTERM/SIGINT; polled by the replay's window loop.
private let replayStopSignal = Atomic<Int32>(0)

/// `cascadia replay PATH… --plan FILE`: recorded windows through the plan's experts, one JSON line
/// per window and a summary (docs/runtime.md).
enum ReplayCommand: Command {
    static let name = "replay"
    static let summary = "run a plan over recordings: detections, accuracy, latency, predicted vs measured"

    static let help = """
        usage: cascadia replay PATH… --plan FILE [options]

        PATH is a recording directory (every .wav/.flac/.mseed in it, replayed together on the
        recordings' time axis, labels.csv used when present) or the files of one recording.
        Several directories are replayed one after another, each with its own summary.
        Writes one JSON line per window (docs/runtime.md) and a summary at the end: to stderr when
        the lines go to stdout, to stdout with --out FILE.

        options:
          --plan FILE         plan from `cascadia plan` (required)
          --models DIR        directory of the experts' .safetensors files (default models)
          --fast              as fast as possible (default)
          --speed X           paced at X × real time (0 < X ≤ 1000)
          --out FILE          JSON lines to FILE instead of stdout
          --summary text|json summary format (default text)
          --k N | --auto-k    IDK plans: fixed skip-back k, or learned online (default: the
                              plan's k, else learned)
          --k learned[:MAX]   learned k over 0…MAX
          --no-escape         deadline monitor off: no checks, cuts or escape sets
          --inject-delay EXPERT:MS[:PROB]   make expert EXPERT (id or index) overrun by MS ms
                              with probability PROB (default 1); repeatable
          --seed N            seed of the fault injector (default 1)
          --quiet             no JSON lines (summary only)

        SIGINT/SIGTERM: the window in flight is finished, output flushed, exit 0.
        Exit codes: 0 done, 64 usage, 65 bad recording/plan/model file or labels,
        69 missing plan/models/output location, 78 plan and models do not fit together.
        """

    struct Options {
        var paths: [String] = []
        var plan: String?
        var models = "models"
        var speed = 0.0
        var out: String?
        var quiet = false
        var executor = ExecutorOptions()
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        let (executorOptions, rest) = try ExecutorOptions.parse(arguments)
        o.executor = executorOptions
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < rest.count else { throw UsageError("\(flag) needs a value") }
            return rest[i]
        }
        while i < rest.count {
            let argument = rest[i]
            switch argument {
            case "--plan": o.plan = try value(argument)
            case "--models": o.models = try value(argument)
            case "--fast": o.speed = 0
            case "--speed":
                let text = try value(argument)
                guard let speed = Double(text), speed > 0, speed <= 1000 else {
                    throw UsageError("--speed '\(text)': must be a number in (0, 1000]")
                }
                o.speed = speed
            case "--out": o.out = try value(argument)
            case "--quiet": o.quiet = true
            case "--auto-k": o.executor.skipBack = .learned(maxK: 64)
            default:
                guard !argument.hasPrefix("-") || argument == "-" else { throw UsageError("unknown option '\(argument)'") }
                o.paths.append(argument)
            }
            i += 1
        }
        guard o.plan != nil else { throw UsageError("--plan FILE is required") }
        guard !o.paths.isEmpty else { throw UsageError("no recording given (PATH…)") }
        return o
    }

    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help, terminator: "")
            return .ok
        }
        let options = try parse(arguments)
        let planPath = options.plan!
        let plan = try loadPlan(planPath)
        let recordings = try groupRecordings(options.paths)
        let experts = try PipelineExperts.load(plan: plan, planPath: planPath, directory: options.models)
        // A CLI-level check of the options that need the experts (before any recording is read).
        _ = try options.executor.faults(expertNames: plan.catalog.map(\.id))

        var outputFD: Int32? = options.quiet ? nil : 1
        if let out = options.out, !options.quiet {
            let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw PipelineError(out, "cannot create: \(String(cString: strerror(errno)))", exitCode: .unavailable)
            }
            outputFD = fd
        }
        defer { if let fd = outputFD, fd != 1 { close(fd) } }
        // Summary where the lines are not.
        let summaryToStdout = options.out != nil || options.quiet

        _ = replayStopSignal.load(ordering: .relaxed)  // initialise before a handler can touch it
        signal(SIGTERM) { replayStopSignal.store($0, ordering: .relaxed) }
        signal(SIGINT) { replayStopSignal.store($0, ordering: .relaxed) }
        signal(SIGPIPE, SIG_IGN)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)

        var overview: [[String]] = []
        var pacing = ReplayOptions()
        pacing.pacing = options.speed == 0 ? .asFastAsPossible : .realTime(speed: options.speed)
        for (n, recording) in recordings.enumerated() {
            if replayStopSignal.load(ordering: .relaxed) != 0 { break }
            let sources = try recording.load(pacing)
            let pipeline = try Pipeline(
                configuration: PipelineConfiguration(
                    plan: plan, planPath: planPath, options: options.executor, outputFileDescriptor: outputFD),
                experts: n == 0 ? experts : try PipelineExperts.load(plan: plan, planPath: planPath, directory: options.models),
                sources: sources)
            let startNanoseconds = SystemClock.monotonicNanoseconds()
            try pipeline.run(hooks: PipelineHooks(shouldStop: { replayStopSignal.load(ordering: .relaxed) != 0 }))
            let elapsedSeconds = Double(SystemClock.monotonicNanoseconds() - startNanoseconds) / 1e9
            var text: String
            switch options.executor.summary {
            case .text:
                text = header(recording: recording.name, plan: planPath, pipeline: pipeline, elapsedSeconds: elapsedSeconds)
                text += pipeline.summary.text()
            case .json:
                text = jsonSummary(recording: recording.name, pipeline: pipeline, elapsedSeconds: elapsedSeconds)
            }
            if summaryToStdout {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                writeStderr(text)
            }
            if !pipeline.outputOK { writeStderr("cascadia replay: could not write every JSON line\n") }
            overview.append(overviewRow(recording: recording.name, pipeline: pipeline, elapsedSeconds: elapsedSeconds))
        }
        if overview.count > 1, options.executor.summary == .text {
            let text = "== all recordings (plan \(planPath))\n" + table(overviewHeader, overview)
            if summaryToStdout {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                writeStderr(text)
            }
        }
        return .ok
    }

    // MARK: Inputs

    static func loadPlan(_ path: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError(path, "cannot read the plan file", exitCode: .unavailable)
        }
        return try Plan.decode(data, file: path)
    }

    /// One recording to replay: a directory, or files replayed together.
    struct Recording {
        var name: String
        var directory: String?
        var files: [String]

        func load(_ options: ReplayOptions) throws -> [any Source] {
            if let directory { return try ReplaySource.sources(inDirectory: directory, options: options) }
            // Files: on one time axis, "now" standing for the earliest recorded start.
            let probes = try files.map { try ReplaySource(path: $0, options: options) }
            guard probes.count > 1 else { return probes }
            let now = SystemClock.anchor()
            var shared = options
            shared.epoch = ReplayEpoch(
                monotonicNanoseconds: now.monotonicNanoseconds,
                realtimeNanoseconds: probes.compactMap(\.recordedStartRealtimeNanoseconds).min() ?? now.realtimeNanoseconds)
            return try files.map { try ReplaySource(path: $0, options: shared) }
        }
    }

    /// Directories each form a recording; the files given form one more.
    static func groupRecordings(_ paths: [String]) throws -> [Recording] {
        var recordings: [Recording] = []
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw IOError.badData(path, "no such recording file or directory")
            }
            if isDirectory.boolValue {
                recordings.append(Recording(name: path, directory: path, files: []))
            } else {
                files.append(path)
            }
        }
        if !files.isEmpty { recordings.append(Recording(name: files.joined(separator: " "), directory: nil, files: files)) }
        return recordings
    }

    // MARK: Summary

    /// Lines above the executor's summary table: what ran and how fast.
    static func header(recording: String, plan: String, pipeline: Pipeline, elapsedSeconds: Double) -> String {
        let audioSeconds = Double(pipeline.windowsProcessed) * pipeline.hopSeconds
        var lines = ["== \(recording)  (plan \(plan), \(pipeline.plan.kind.rawValue), experts \(pipeline.expertIDs.joined(separator: " ")))"]
        lines.append(
            "replayed           \(pipeline.windowsProcessed) windows in \(fixed(elapsedSeconds, 2)) s"
                + (elapsedSeconds > 0 ? " (\(fixed(audioSeconds / elapsedSeconds, 1)) × real time)" : ""))
        let counters = pipeline.assemblerCounters
        if counters.skippedForGaps > 0 { lines.append("skipped (gaps)     \(counters.skippedForGaps)") }
        if let labels = pipeline.labelsPath { lines.append("labels             \(labels)") }
        if case .idk = pipeline.executor.currentSchedule.mode {
            lines.append("k                  \(pipeline.executor.dynamicKState.currentK) at the end")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let overviewHeader = [
        "recording", "windows", "accuracy", "misses", "escapes", "p99 ms", "max ms", "measured ms", "predicted ms", "× real time",
    ]

    /// One row of the table printed after several recordings.
    static func overviewRow(recording: String, pipeline: Pipeline, elapsedSeconds: Double) -> [String] {
        let s = pipeline.summary
        return [
            recording, String(s.windows), s.accuracy.map { fixed($0 * 100, 1) + " %" } ?? "-", String(s.deadlineMisses),
            String(s.escapes), fixed(Double(s.latencyQuantileMicroseconds(0.99)) / 1000, 3),
            fixed(Double(s.latencyMicrosecondsMax) / 1000, 3), fixed(s.measuredExpectedNanoseconds / 1e6, 4),
            s.predictedExpectedNanoseconds.map { fixed(Double($0) / 1e6, 4) } ?? "-",
            elapsedSeconds > 0 ? fixed(Double(pipeline.windowsProcessed) * pipeline.hopSeconds / elapsedSeconds, 0) : "-",
        ]
    }

    /// Columns padded to their widest cell, first column left-aligned, the others right-aligned.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return c == 0 ? row[c] + pad : pad + row[c]
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func jsonSummary(recording: String, pipeline: Pipeline, elapsedSeconds: Double) -> String {
        var object = pipeline.summary.json()
        object.removeLast(2)  // "}\n"
        let recordingJSON = String(decoding: try! JSONEncoder().encode(recording), as: UTF8.self)
        object += ",\"recording\":\(recordingJSON),\"elapsed_s\":\(fixed(elapsedSeconds, 3))"
        object += ",\"skipped_for_gaps\":\(pipeline.assemblerCounters.skippedForGaps)}\n"
        return object
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
}
