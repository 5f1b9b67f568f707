import CascadiaCore
import CascadiaIO
import CascadiaRuntime
import Foundation
import Synchronization

/// `cascadia run --board FILE`: the service. Live sources from the board file, the plan's experts,
/// one JSON line per window, the control socket, systemd notification (docs/deployment.md).
enum RunCommand: Command {
    static let name = "run"
    static let summary = "the service: live sources from a board file through a plan (systemd Type=notify)"

    static let help = """
        usage: cascadia run --board FILE [options]

        Runs the plan over the board's live sources (ALSA, ADC, Raspberry Shake; file: sources
        replay recordings, paced by the board's replay.speed) until SIGTERM/SIGINT. One JSON
        line per window (docs/runtime.md) to stdout or --out; logs to stderr (journald
        priorities under systemd). Under systemd (NOTIFY_SOCKET): READY=1 once the sources are
        open and the models loaded, WATCHDOG=1 from the window loop, STATUS= lines, STOPPING=1.
        SIGHUP re-reads the plan file in force (next window). Live control: cascadia ctl.

        options:
          --board FILE        board file (required; boards/*.json)
          --plan FILE         plan (default: the board's "plan", relative to the board file)
          --models DIR        experts' .safetensors files (default: <board folder>/../models)
          --out FILE          append JSON lines to FILE instead of stdout
          --socket PATH       control socket (default: the board's control_socket,
                              else /run/cascadia/control.sock)
          --speed X | --fast  file: sources only: X × real time, or as fast as possible
                              (default: the board's replay.speed)
          --k N | --auto-k    IDK plans: fixed skip-back k, or learned online (default: the
                              plan's k, else learned)
          --k learned[:MAX]   learned k over 0…MAX
          --no-escape         deadline monitor off: no checks, cuts or escape sets
          --inject-delay EXPERT:MS[:PROB]   make EXPERT overrun by MS ms (repeatable)
          --seed N            seed of the fault injector (default 1)

        Exit codes: 0 stopped by SIGTERM/SIGINT (or a replayed recording ended), 64 usage,
        65 bad recording/plan/model, 69 device, plan, models or socket unavailable,
        78 board file or plan/models mismatch, 1 failure while running.
        """

    struct Options {
        var board: String?
        var plan: String?
        var models: String?
        var out: String?
        var socket: String?
        var speed: Double?
        var executor = ExecutorOptions()
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        let (executorOptions, rest) = try ExecutorOptions.parse(arguments)
        o.executor = executorOptions
        var words = rest.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let word = words.next() else { throw UsageError("\(flag) needs a value") }
            return word
        }
        while let argument = words.next() {
            switch argument {
            case "--board": o.board = try value(argument)
            case "--plan": o.plan = try value(argument)
            case "--models": o.models = try value(argument)
            case "--out": o.out = try value(argument)
            case "--socket": o.socket = try value(argument)
            case "--fast": o.speed = 0
            case "--speed": o.speed = try speed(value(argument))
            case "--auto-k": o.executor.skipBack = .learned(maxK: CascadeSchedule.maxExperts)
            default: throw UsageError("unknown argument '\(argument)'")
            }
        }
        guard o.board != nil else { throw UsageError("--board FILE is required") }
        if o.socket?.isEmpty == true { throw UsageError("--socket needs a path") }
        return o
    }

    /// `--speed X`: a pacing factor in (0, 1000].
    static func speed(_ text: String) throws -> Double {
        guard let speed = Double(text), speed > 0, speed <= 1000 else {
            throw UsageError("--speed '\(text)': must be a number in (0, 1000]")
        }
        return speed
    }

    static func run(_ arguments: [String]) throws -> ExitCode {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help, terminator: "")
            return .ok
        }
        let options = try parse(arguments)
        let log = Log.standardError()
        var board = try BoardConfig.load(path: options.board!)
        if let speed = options.speed { board.replaySpeed = speed }
        let planPath = options.plan ?? board.planPath
        let plan = try ReplayCommand.loadPlan(planPath)
        let modelsDirectory = options.models ?? (board.directory as NSString).appendingPathComponent("../models")
        if let planBudget = plan.budgetMs ?? plan.deadlineMs, abs(planBudget - board.budgetMilliseconds) > 1e-9 {
            log.warning(
                "\(board.path): budget_ms \(board.budgetMilliseconds) differs from the plan's \(planBudget) ms (\(planPath)); the plan's budget is in force")
        }
        let experts = try PipelineExperts.load(plan: plan, planPath: planPath, directory: modelsDirectory)
        _ = try options.executor.faults(expertNames: plan.catalog.map(\.id))

        var outputFD: Int32 = 1
        if let out = options.out {
            outputFD = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard outputFD >= 0 else {
                throw PipelineError(out, "cannot open for appending: \(String(cString: strerror(errno)))", exitCode: .unavailable)
            }
        }
        defer { if outputFD != 1 { close(outputFD) } }

        // Capture threads get the board's capture settings as they start.
        let capture = realTimeOptions(board.captureThread)
        if capture != RealTimeOptions() {
            CaptureThreadSetup.install { _ in
                for warning in RealTime.applyToCurrentThread(name: "cascadia-capture", capture) { log.warning(warning.description) }
            }
        }
        let sources = try board.makeSources(epoch: try sharedEpoch(board))
        let pipeline = try Pipeline(
            configuration: PipelineConfiguration(plan: plan, planPath: planPath, options: options.executor, outputFileDescriptor: outputFD),
            experts: experts, sources: sources.map(\.source))
        for unused in pipeline.unusedSources { log.notice("source \(unused.name) is not read by any expert of the plan") }
        let target = pipeline.controlTarget
        let notifier = ServiceNotifier()

        let firstLine = Atomic<Bool>(true)
        let status: @Sendable () -> Void = {
            let stats = target.controlStats()
            let settings = target.controlSettings()
            var text = "windows \(stats.windows), deadline misses \(stats.deadlineMisses), escapes \(stats.escapes), xruns \(stats.xruns)"
            if plan.kind == .idk { text += ", k \(settings.k)\(settings.autoK ? " (auto)" : "")" }
            notifier.status(text)
        }
        let publisher = WindowLinePublisher(
            deliver: { line in
                target.publish(line: line)
                if firstLine.exchange(false, ordering: .relaxed) { status() }
            }, tick: status)
        let allReplays = sources.allSatisfy { $0.source is ReplaySource }
        let pipelineService = PipelineService(
            pipeline: pipeline, threadOptions: realTimeOptions(board.processingThread), log: log, notifier: notifier,
            publisher: publisher, outputFileDescriptor: outputFD == 1 ? nil : outputFD,
            endEvent: { error in
                if let error { return .fail("pipeline: \(error)") }
                return allReplays ? .terminate("the replayed recordings ended") : .fail("the sources ended")
            })
        let control = ControlServer(path: options.socket ?? board.controlSocket, target: target, log: log)
        log.notice(
            "board \(board.board) (\(board.path)), plan \(planPath) (\(plan.kind.rawValue), experts \(pipeline.expertIDs.joined(separator: " "))), models \(modelsDirectory)"
        )

        let outcome = ServiceHost.run(
            services: [publisher, control, pipelineService], processOptions: RealTimeOptions(lockMemory: board.mlockall),
            log: log, notifier: notifier,
            reload: {
                let path = target.controlSettings().plan
                try target.loadPlan(path: path)
                return "plan \(path) reloaded"
            },
            started: { group in pipelineService.onEnd { group.post($0) } })
        CaptureThreadSetup.install(nil)
        let stats = target.controlStats()
        log.notice(
            "processed \(stats.windows) windows: \(stats.deadlineMisses) deadline misses, \(stats.escapes) escapes, \(stats.xruns) xruns, latency p99 \(stats.latencyP99Milliseconds) ms"
        )
        if !pipeline.outputOK { log.error("could not write every JSON line") }
        if publisher.dropped > 0 { log.warning("\(publisher.dropped) window lines were not delivered to ctl subscribers") }
        return outcome.exitCode
    }

    /// A board thread's settings as `RealTimeOptions`.
    static func realTimeOptions(_ thread: BoardConfig.Thread) -> RealTimeOptions {
        RealTimeOptions(fifoPriority: thread.rtPriority, cpuAffinity: thread.cpus, prefaultStackBytes: thread.prefaultStackBytes ?? 0)
    }

    /// One time axis for several `file:` sources: "now" stands for the earliest recorded start, so
    /// an acoustic and a seismic file of one recording stay aligned. Nil for fewer than two files.
    static func sharedEpoch(_ board: BoardConfig) throws -> ReplayEpoch? {
        var files: [String] = []
        for stream in [board.acoustic, board.seismic].compactMap({ $0 }) {
            if case .file(let path) = stream.source { files.append(path) }
        }
        guard files.count > 1 else { return nil }
        let starts = try files.compactMap { try ReplaySource(path: $0).recordedStartRealtimeNanoseconds }
        let now = SystemClock.anchor()
        return ReplayEpoch(monotonicNanoseconds: now.monotonicNanoseconds, realtimeNanoseconds: starts.min() ?? now.realtimeNanoseconds)
    }
}
