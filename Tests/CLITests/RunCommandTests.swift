import CascadiaRuntime
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Lines read from a pipe on a thread of their own, waited for with a time limit (no sleeps).
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []
    private var partial = Data()
    private var ended = false

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                condition.lock()
                if data.isEmpty {
                    ended = true
                } else {
                    partial.append(data)
                    while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                        lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
                        partial.removeSubrange(partial.startIndex...newline)
                    }
                }
                condition.broadcast()
                condition.unlock()
                if data.isEmpty { return }
            }
        }
        thread.start()
    }

    /// The lines once `predicate` holds on them, or nil after `timeoutSeconds` (or at end of input
    /// without it holding).
    func wait(timeoutSeconds: Double = 30, until predicate: ([String]) -> Bool) -> [String]? {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(lines) {
            if ended || !condition.wait(until: deadline) { return predicate(lines) ? lines : nil }
        }
        return lines
    }

    var all: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }
}

/// A datagram socket standing in for systemd's `NOTIFY_SOCKET`. A thread receives every message
/// at once, as systemd does (a full datagram queue would block the service's `sd_notify`).
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let condition = NSCondition()
    private var received: [String] = []
    /// Messages before this index were looked at by an earlier `wait`.
    private var cursor = 0

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        let socketFD = fd
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }  // shutdown at deinit
                condition.lock()
                received.append(String(decoding: buffer[0..<count], as: UTF8.self))
                condition.broadcast()
                condition.unlock()
            }
        }.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// The first message after those already looked at that satisfies `predicate`, or nil after
    /// `timeoutSeconds`.
    func wait(timeoutSeconds: Double = 30, for predicate: (String) -> Bool) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            while cursor < received.count {
                let message = received[cursor]
                cursor += 1
                if predicate(message) { return message }
            }
            if !condition.wait(until: deadline) && cursor >= received.count { return nil }
        }
    }
}

/// `cascadia run` as the real process: a test board replaying the shipped recording `steady` at
/// 5 × real time (a window every 200 ms, 20 s of windows), NOTIFY_SOCKET on a datagram socket, driven by the real
/// `cascadia ctl` over its real UNIX socket.
@Suite(.serialized) struct RunCommandTests {
    let directory: URL
    let notify: NotifyListener
    let socketPath: String
    let outPath: String
    let planPath: String
    let otherPlanPath: String
    let process = Process()
    let exited = DispatchSemaphore(value: 0)
    let stderr: LineCollector

    init() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("cascadia-run-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        notify = try NotifyListener(path: directory.appendingPathComponent("notify.sock").path)
        socketPath = directory.appendingPathComponent("control.sock").path
        outPath = directory.appendingPathComponent("windows.jsonl").path
        planPath = directory.appendingPathComponent("idk-90.json").path
        otherPlanPath = directory.appendingPathComponent("idk-95.json").path
        let root = CLIHarness.repoRoot.path
        for (path, success) in [(planPath, "0.9"), (otherPlanPath, "0.95")] {
            let made = try CLIHarness.run([
                "plan", "idk", "--profile", "\(root)/models/provisional-idk-profile.json", "--min-success", success,
                "--format", "json", "--out", path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let board = """
            {
              "board": "test-replay",
              "acoustic": { "source": "file:\(root)/recordings/steady/acoustic.flac", "sample_rate_hz": 8000 },
              "seismic": { "source": "file:\(root)/recordings/steady/seismic.mseed", "sample_rate_hz": 100 },
              "budget_ms": 60,
              "plan": "idk-90.json",
              "control_socket": "\(socketPath)",
              "threads": { "capture": { "cpus": [0] }, "processing": { "cpus": [0] } },
              "replay": { "speed": 5 }
            }
            """
        let boardPath = directory.appendingPathComponent("board.json")
        try Data(board.utf8).write(to: boardPath)

        process.executableURL = CLIHarness.binary
        process.arguments = ["run", "--board", boardPath.path, "--models", "\(root)/models", "--out", outPath]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "400000"  // a keep-alive every 200 ms
        environment["WATCHDOG_PID"] = nil
        environment["CASCADIA_LOG_LEVEL"] = "info"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        stderr = LineCollector(errors.fileHandleForReading)
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    func ctl(_ arguments: String...) throws -> CLIResult {
        try CLIHarness.run(["ctl", "--socket", socketPath] + arguments)
    }

    /// `ctl --json stats`: the windows processed so far.
    func windowsProcessed() throws -> Int {
        let reply = try ctl("--json", "stats")
        let object = try JSONSerialization.jsonObject(with: Data(reply.stdout.utf8)) as? [String: Any]
        let stats = object?["stats"] as? [String: Any]
        return (stats?["windows"] as? Int) ?? -1
    }

    /// SIGTERM, then the exit status (the process is killed after 20 s without exiting).
    func terminate() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        if exited.wait(timeout: .now() + 20) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            return -1
        }
        return process.terminationStatus
    }

    func cleanUp() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The output file's lines, each checked to be one complete JSON object; their window indices.
    func outputWindows() throws -> [Int] {
        let text = try String(contentsOfFile: outPath, encoding: .utf8)
        #expect(text.hasSuffix("\n"), "the last JSON line is complete")
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["window"] as? Int)
        }
    }

    static func window(_ line: String) -> (index: Int, k: Int?)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let index = object["window"] as? Int
        else { return nil }
        return (index, object["k"] as? Int)
    }

    @Test func readyWatchdogStatusReloadAndCleanStop() throws {
        defer { cleanUp() }
        let ready = notify.wait { $0.contains("READY=1") }
        #expect(ready?.contains("STATUS=running: window publisher, control socket, pipeline") == true, "\(stderr.all)")
        // Keep-alives come from the window loop while windows flow, and the status line counts windows.
        #expect(notify.wait { $0.contains("WATCHDOG=1") } != nil)
        #expect(notify.wait { $0.hasPrefix("STATUS=windows ") } != nil)
        var pings = 0
        #expect(notify.wait { message in
            if message.contains("WATCHDOG=1") { pings += 1 }
            return pings >= 3
        } != nil)
        #expect(try windowsProcessed() > 0)
        // The board's thread settings were applied on the processing and both capture threads
        // (the thread names are set with them; a refused affinity would only be a warning).
        let tasks = "/proc/\(process.processIdentifier)/task"
        let names = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap {
            try? String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.filter { $0 == "cascadia-proc" }.count == 1, "\(names)")
        #expect(names.filter { $0 == "cascadia-captur" }.count == 2, "\(names)")
        // SIGHUP re-reads the plan: RELOADING=1, then READY=1 again.
        kill(process.processIdentifier, SIGHUP)
        #expect(notify.wait { $0.contains("RELOADING=1") } != nil)
        #expect(notify.wait { $0.contains("READY=1") && $0.contains("reloaded") } != nil)

        #expect(terminate() == 0, "\(stderr.all)")
        #expect(notify.wait(timeoutSeconds: 5) { $0.contains("STOPPING=1") } != nil)
        let windows = try outputWindows()
        #expect(windows.count >= 3)
        #expect(windows == Array(0..<windows.count), "every window written once, in order")
        #expect(stderr.all.contains { $0.contains("stopping (SIGTERM)") }, "stopped by the signal, not by the recording's end")
        #expect(stderr.all.contains { $0.contains("processed \(windows.count) windows") })
        #expect(!FileManager.default.fileExists(atPath: socketPath), "the control socket is removed at stop")
    }

    @Test func liveControlChangesTheNextWindowWithoutAGap() throws {
        defer { cleanUp() }
        #expect(notify.wait { $0.contains("READY=1") } != nil, "\(stderr.all)")
        // A subscriber (the real ctl) streaming window records.
        let subscriber = Process()
        subscriber.executableURL = CLIHarness.binary
        subscriber.arguments = ["ctl", "--socket", socketPath, "subscribe", "--count", "1000"]
        let out = Pipe()
        subscriber.standardOutput = out
        subscriber.standardError = FileHandle.nullDevice
        let stream = LineCollector(out.fileHandleForReading)
        try subscriber.run()
        defer { if subscriber.isRunning { kill(subscriber.processIdentifier, SIGTERM) } }
        #expect(stream.wait { $0.count >= 2 } != nil)

        // set k: in force from the next window on.
        #expect(try ctl("set", "k", "2").status == 0)
        let processedAfterSet = try windowsProcessed()
        // Malformed and oversized requests: error replies, nothing changes.
        let malformed = try ctl("raw", "{not json")
        #expect(malformed.status == 1 && ControlReply.decode(malformed.stdout.trimmingCharacters(in: .newlines))?.code == .malformed)
        let oversized = try ctl("raw", "{\"cmd\":\"stats\",\"pad\":\"" + String(repeating: "x", count: 8000) + "\"}")
        #expect(oversized.status == 1 && ControlReply.decode(oversized.stdout.trimmingCharacters(in: .newlines))?.code == .tooLarge)
        // plan load: validated, switched at the next window; k stays as set.
        #expect(try ctl("plan", "load", otherPlanPath).status == 0)
        let settings = try ctl("--json", "get")
        #expect(settings.stdout.contains(otherPlanPath.replacingOccurrences(of: "/", with: "\\/")) || settings.stdout.contains(otherPlanPath))
        let target = processedAfterSet + 8
        let lines = try #require(stream.wait { lines in (lines.last.flatMap(Self.window)?.index ?? 0) >= target })
        let windows = lines.compactMap(Self.window)
        #expect(windows.count == lines.count, "every subscribed line is a window record")
        let indices = windows.map(\.index)
        #expect(indices == Array(indices[0]..<(indices[0] + indices.count)), "no window lost in the stream")
        let firstNewK = try #require(windows.firstIndex { $0.k == 2 })
        #expect(windows[firstNewK].index <= processedAfterSet + 1, "k applies at the next window")
        #expect(windows[firstNewK...].allSatisfy { $0.k == 2 })

        // tune k: the experiment runs on live windows and applies its choice.
        let tuned = try ctl("tune", "k", "--candidates", "0,1", "--windows", "4")
        #expect(tuned.status == 0 && tuned.stdout.contains("applied k"), "\(tuned.stdout)\(tuned.stderr)")
        let chosen = tuned.stdout.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(chosen == 0 || chosen == 1)
        #expect(try ctl("get").stdout.contains("k \(chosen ?? -1)  auto-k off"))

        // auto-k and thresholds, live.
        #expect(try ctl("auto-k", "on").stdout.contains("auto-k on"))
        #expect(try ctl("set", "threshold", "G", "0.8").status == 0)
        #expect(try ctl("get").stdout.contains("G=0.800"))

        #expect(terminate() == 0, "\(stderr.all)")
        let written = try outputWindows()
        #expect(written == Array(0..<written.count), "the output has every window, in order")
    }
}

/// `cascadia run` refusing to start: exit codes and messages, no service started.
@Suite struct RunCommandUsageTests {
    @Test func badInvocationsExitWithTheirCodes() throws {
        let noBoard = try CLIHarness.run(["run"])
        #expect(noBoard.status == 64 && noBoard.stderr.contains("--board FILE is required"))
        let unknown = try CLIHarness.run(["run", "--board", "boards/sim.json", "--frobnicate"])
        #expect(unknown.status == 64 && unknown.stderr.contains("--frobnicate"))
        let badSpeed = try CLIHarness.run(["run", "--board", "boards/sim.json", "--speed", "0"])
        #expect(badSpeed.status == 64)
        let missing = try CLIHarness.run(["run", "--board", "/nonexistent/board.json"])
        #expect(missing.status == 78 && missing.stderr.contains("/nonexistent/board.json"))
        let noModels = try CLIHarness.run(["run", "--board", "boards/sim.json", "--models", "/nonexistent"])
        #expect(noModels.status == 69 && noModels.stderr.contains("/nonexistent"))
        let help = try CLIHarness.run(["run", "--help"])
        #expect(help.status == 0 && help.stdout.contains("usage: cascadia run --board FILE"))
    }
}
