import CascadiaRuntime
import Foundation

/// `cascadia ctl`: talks to a running `cascadia run` over its control socket.
enum CtlCommand: Command {
    static let name = "ctl"
    static let summary = "query and tune a running service (stats, k, thresholds, plan)"

    static let help = """
        usage: cascadia ctl [--socket PATH] [--json] REQUEST

        requests:
          stats                      live metrics: windows, deadline misses, escapes, xruns, latency
          get                        current settings: k, auto-k, plan, thresholds
          set k N                    Dynamic-k skip-back factor (N >= 0), from the next window
          set threshold EXPERT X     IDK/hazard threshold of one expert (0 <= X <= 1)
          plan load FILE             validate FILE and switch to it at the next window
          auto-k on|off              let the executor choose k itself, or not
          subscribe [--count N]      print every window's record as it is processed
                                     (stop after N windows; default: until interrupted)
          tune k [--candidates 0,1,2,3] [--windows N] [--tolerance X]
                                     run each candidate k on N live windows (default 30), print
                                     the table and apply the k with the least expert time whose
                                     accuracy (labelled windows; else the classified fraction)
                                     is within X (default 0.01) of the best (IDK plans)
          raw LINE                   send LINE as it is (one JSON request) and print the reply line

        options:
          --socket PATH   control socket (default: $CASCADIA_CONTROL_SOCKET or \(ControlServer.defaultPath))
          --json          print the server's JSON reply lines instead of one-line summaries

        The socket is mode 0660, group cascadia: run as root or as a member of that group.
        Exit codes: 0 ok, 64 usage or invalid value, 65 change refused (e.g. bad plan file),
        69 service not reachable or request not offered by it, 1 other.
        """

    static func run(_ arguments: [String]) throws -> ExitCode {
        var socketPath = ProcessInfo.processInfo.environment["CASCADIA_CONTROL_SOCKET"] ?? ControlServer.defaultPath
        var json = false
        var count: Int?
        var candidates = [0, 1, 2, 3]
        var windows = 30
        var tolerance = 0.01
        var tuneOptionGiven = false
        var words: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--help", "-h":
                print(help)
                return .ok
            case "--json":
                json = true
            case "--socket", "--count", "--candidates", "--windows", "--tolerance":
                guard index + 1 < arguments.count else { throw UsageError("\(argument) needs a value") }
                index += 1
                let value = arguments[index]
                switch argument {
                case "--socket":
                    socketPath = value
                case "--count":
                    guard let n = Int(value), n > 0 else { throw UsageError("--count needs a positive integer, got '\(value)'") }
                    count = n
                case "--candidates":
                    let parsed = value.split(separator: ",").map { Int($0) }
                    guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                        throw UsageError("--candidates needs a comma-separated list of k >= 0, got '\(value)'")
                    }
                    candidates = parsed.map { $0! }
                    tuneOptionGiven = true
                case "--windows":
                    guard let n = Int(value), n > 0 else { throw UsageError("--windows needs a positive integer, got '\(value)'") }
                    windows = n
                    tuneOptionGiven = true
                default:
                    guard let x = Double(value), x.isFinite, (0...1).contains(x) else {
                        throw UsageError("--tolerance needs a value in 0…1, got '\(value)'")
                    }
                    tolerance = x
                    tuneOptionGiven = true
                }
            default:
                if argument.hasPrefix("--") { throw UsageError("unknown option '\(argument)'") }
                words.append(argument)
            }
            index += 1
        }
        if words.first == "raw" {
            guard words.count == 2 else { throw UsageError("raw needs exactly one argument, the request line") }
            return try raw(words[1], socketPath: socketPath)
        }
        if words == ["tune", "k"] {
            return try tune(
                .tuneSkipBack(candidates: candidates, windowsPerCandidate: windows, accuracyTolerance: tolerance),
                socketPath: socketPath, json: json)
        }
        if tuneOptionGiven { throw UsageError("--candidates, --windows and --tolerance apply to tune k only") }
        let request = try parseRequest(words)
        if count != nil && request != .subscribe { throw UsageError("--count applies to subscribe only") }

        if request == .subscribe {
            return try subscribe(socketPath: socketPath, json: json, count: count)
        }
        let client = try ControlClient(path: socketPath)
        let (line, reply) = try client.call(request)
        if json { print(line) }
        if let failed = failure(reply) { return failed }
        if !json {
            if let stats = reply.stats { print(summary(stats)) }
            if let settings = reply.settings { print(summary(settings)) }
        }
        return .ok
    }

    /// Reports a failed reply on stderr and returns its exit code; nil for success.
    static func failure(_ reply: ControlReply) -> ExitCode? {
        guard !reply.ok else { return nil }
        writeStderr("cascadia ctl: \(reply.code?.rawValue ?? "error"): \(reply.error ?? "request failed")\n")
        switch reply.code {
        case .invalid, .malformed, .unknownCommand, .tooLarge: return .usage
        case .rejected: return .data
        case .unsupported: return .unavailable
        default: return .failure
        }
    }

    /// Runs the k experiment (minutes on live windows: no reply time limit) and prints its table.
    static func tune(_ request: ControlRequest, socketPath: String, json: Bool) throws -> ExitCode {
        let client = try ControlClient(path: socketPath, timeoutSeconds: nil)
        let (line, reply) = try client.call(request)
        if json { print(line) }
        if let failed = failure(reply) { return failed }
        guard !json, let report = reply.tune else { return .ok }
        print("k  windows  expert ms  mean ms  p99 ms  classified  accuracy  misses")
        for row in report.rows {
            let accuracy = row.accuracy.map { String(format: "%9.3f", $0) } ?? "        -"
            print(
                String(
                    format: "%-2d %8d %10.2f %8.2f %7.2f %11.3f ", row.k, row.windows, row.meanExpertMilliseconds,
                    row.meanLatencyMilliseconds, row.p99LatencyMilliseconds, row.classifiedFraction)
                    + accuracy + String(format: " %7d", row.deadlineMisses))
        }
        print("applied k \(report.chosenK)")
        return .ok
    }

    /// The request named by the words after the options.
    static func parseRequest(_ words: [String]) throws -> ControlRequest {
        switch words {
        case ["stats"]: return .stats
        case ["get"]: return .get
        case ["subscribe"]: return .subscribe
        case _ where words.count == 3 && words[0] == "set" && words[1] == "k":
            guard let k = Int(words[2]), k >= 0 else { throw UsageError("set k needs an integer >= 0, got '\(words[2])'") }
            return .setSkipBack(k)
        case _ where words.count == 4 && words[0] == "set" && words[1] == "threshold":
            guard let value = Double(words[3]), value.isFinite, (0...1).contains(value) else {
                throw UsageError("set threshold needs a value in 0…1, got '\(words[3])'")
            }
            return .setThreshold(expert: words[2], value: value)
        case _ where words.count == 3 && words[0] == "plan" && words[1] == "load":
            // The service has its own working directory: send an absolute path.
            let url = URL(fileURLWithPath: words[2], relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            return .loadPlan(path: url.standardizedFileURL.path)
        case ["auto-k", "on"]: return .autoSkipBack(true)
        case ["auto-k", "off"]: return .autoSkipBack(false)
        case []: throw UsageError("missing request (stats, get, set, plan load, auto-k, subscribe); see --help")
        default: throw UsageError("unknown request '\(words.joined(separator: " "))'; see --help")
        }
    }

    /// Sends one line unchanged (for scripts and for checking the server's error replies).
    static func raw(_ line: String, socketPath: String) throws -> ExitCode {
        let client = try ControlClient(path: socketPath)
        try client.send(line: line)
        guard let reply = try client.readLine() else {
            throw ControlError(.protocolViolation, path: socketPath, "connection closed before the reply")
        }
        print(reply)
        return ControlReply.decode(reply)?.ok == true ? .ok : .failure
    }

    /// Streams window records until the server closes, `count` windows arrived, or interrupt.
    static func subscribe(socketPath: String, json: Bool, count: Int?) throws -> ExitCode {
        // Runs until interrupted: make sure SIGINT/SIGTERM can do that even when a parent
        // process started us with them blocked (the mask survives exec).
        var interrupts = sigset_t()
        sigemptyset(&interrupts)
        sigaddset(&interrupts, SIGINT)
        sigaddset(&interrupts, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &interrupts, nil)
        let client = try ControlClient(path: socketPath, timeoutSeconds: nil)
        let (line, reply) = try client.call(.subscribe)
        guard reply.ok else {
            writeStderr("cascadia ctl: \(reply.code?.rawValue ?? "error"): \(reply.error ?? "subscribe failed")\n")
            return .failure
        }
        // Unbuffered, so a pipe reader sees each window at once.
        func emit(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
        if json { emit(line) }
        var received = 0
        while let event = try client.readLine() {
            if let record = ControlClient.windowRecord(fromEvent: event) {
                emit(json ? event : record)
                received += 1
                if let count, received >= count { return .ok }
            } else if json {
                emit(event)
            } else if event.hasPrefix(#"{"event":"dropped""#) {
                writeStderr("cascadia ctl: this client fell behind; the server dropped windows: \(event)\n")
            }
        }
        writeStderr("cascadia ctl: the service closed the connection\n")
        return .unavailable
    }

    static func summary(_ stats: ControlStats) -> String {
        func ms(_ value: Double) -> String { String(format: "%.2f ms", value) }
        return "windows \(stats.windows)  misses \(stats.deadlineMisses)  escapes \(stats.escapes)  "
            + "xruns \(stats.xruns)  p50 \(ms(stats.latencyP50Milliseconds))  p99 \(ms(stats.latencyP99Milliseconds))  "
            + "max \(ms(stats.latencyMaxMilliseconds))  up \(String(format: "%.1f", stats.uptimeSeconds)) s"
    }

    static func summary(_ settings: ControlSettings) -> String {
        let thresholds = settings.thresholds.keys.sorted()
            .map { "\($0)=\(String(format: "%.3f", settings.thresholds[$0]!))" }.joined(separator: " ")
        return "k \(settings.k)  auto-k \(settings.autoK ? "on" : "off")  plan \(settings.plan)  thresholds \(thresholds.isEmpty ? "-" : thresholds)"
    }
}
