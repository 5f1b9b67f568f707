import CascadiaRuntime
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A minimal pipeline for the CLI tests: settings, one refusal rule, window publishing.
final class CtlTarget: ControlTarget {
    struct Refused: Error, CustomStringConvertible { let description: String }
    let settings = Mutex(ControlSettings(k: 1, autoK: false, plan: "/etc/cascadia/plan.json", thresholds: ["A": 0.7, "G": 0.55]))
    let handlers = Mutex<[Int: @Sendable (String) -> Void]>([:])
    let windows = Atomic<UInt64>(0)

    func controlStats() -> ControlStats {
        ControlStats(
            uptimeSeconds: 61.04, windows: windows.load(ordering: .relaxed), deadlineMisses: 2, escapes: 5, xruns: 1,
            latencyP50Milliseconds: 12.4, latencyP99Milliseconds: 38, latencyMaxMilliseconds: 41.25)
    }
    func controlSettings() -> ControlSettings { settings.withLock { $0 } }
    func setSkipBack(_ k: Int) throws {
        if k > 6 { throw Refused(description: "k \(k) exceeds the cascade length 7") }
        settings.withLock { $0.k = k }
    }
    func setThreshold(expert: String, value: Double) throws { settings.withLock { $0.thresholds[expert] = value } }
    func loadPlan(path: String) throws { settings.withLock { $0.plan = path } }
    func setAutoSkipBack(_ enabled: Bool) throws { settings.withLock { $0.autoK = enabled } }

    struct Subscription: ControlSubscription {
        let target: CtlTarget
        let key: Int
        func cancel() { _ = target.handlers.withLock { $0.removeValue(forKey: key) } }
    }
    func subscribeWindows(_ handler: @escaping @Sendable (String) -> Void) -> any ControlSubscription {
        let key = handlers.withLock { list in
            let key = list.count + 1
            list[key] = handler
            return key
        }
        return Subscription(target: self, key: key)
    }
    func emit(_ index: Int) {
        windows.add(1, ordering: .relaxed)
        for handler in handlers.withLock({ Array($0.values) }) { handler(#"{"window":\#(index),"decision":"none"}"#) }
    }
}

/// `cascadia ctl` (the built binary) against a control server in this test process.
@Suite struct CtlCommandTests {
    let directory: URL
    let socketPath: String
    let target = CtlTarget()
    let server: ControlServer

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-ctl-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("control.sock").path
        server = ControlServer(
            path: socketPath, target: target, log: Log(threshold: .emergency, journalPrefixes: false), groupName: nil,
            maximumRequestBytes: 512)
        try server.start()
    }

    func ctl(_ arguments: String...) throws -> CLIResult {
        try CLIHarness.run(["ctl", "--socket", socketPath] + arguments)
    }

    func finish() {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    @Test func statsPrintsOneLineOrTheJSONReply() throws {
        defer { finish() }
        target.emit(1)
        let human = try ctl("stats")
        #expect(human.status == 0)
        #expect(human.stdout == "windows 1  misses 2  escapes 5  xruns 1  p50 12.40 ms  p99 38.00 ms  max 41.25 ms  up 61.0 s\n")
        let json = try ctl("--json", "stats")
        #expect(json.status == 0)
        let reply = try #require(ControlReply.decode(json.stdout.trimmingCharacters(in: .newlines)))
        #expect(reply.stats == target.controlStats())
    }

    @Test func setGetAutoKAndPlanLoadChangeTheTarget() throws {
        defer { finish() }
        let set = try ctl("set", "k", "3")
        #expect(set.status == 0)
        #expect(set.stdout == "k 3  auto-k off  plan /etc/cascadia/plan.json  thresholds A=0.700 G=0.550\n")
        #expect(try ctl("set", "threshold", "G", "0.6").status == 0)
        #expect(try ctl("auto-k", "on").status == 0)
        let load = try CLIHarness.run(["ctl", "--socket", socketPath, "plan", "load", "plans/night.json"])
        #expect(load.status == 0)
        let expectedPlan = CLIHarness.repoRoot.appendingPathComponent("plans/night.json").standardizedFileURL.path
        #expect(target.controlSettings() == ControlSettings(k: 3, autoK: true, plan: expectedPlan, thresholds: ["A": 0.7, "G": 0.6]))
        let get = try ctl("get")
        #expect(get.stdout == "k 3  auto-k on  plan \(expectedPlan)  thresholds A=0.700 G=0.600\n")
    }

    @Test func refusedChangesExit65AndSayWhy() throws {
        defer { finish() }
        let result = try ctl("set", "k", "9")
        #expect(result.status == 65)
        #expect(result.stderr == "cascadia ctl: rejected: k 9 exceeds the cascade length 7\n")
        #expect(target.controlSettings().k == 1)
    }

    @Test(arguments: [
        ["set", "k", "-1"], ["set", "k", "two"], ["set", "threshold", "A", "1.5"], ["plan"], ["auto-k", "maybe"],
        ["frobnicate"], ["--count", "2", "stats"], ["--bogus", "stats"], [], ["--windows", "5", "stats"],
        ["tune", "k", "--candidates", "1,x"], ["tune", "k", "--windows", "0"], ["tune", "k", "--tolerance", "3"],
    ])
    func usageErrorsExit64WithoutContactingTheService(arguments: [String]) throws {
        defer { finish() }
        let result = try CLIHarness.run(["ctl", "--socket", socketPath] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("cascadia ctl: "))
        #expect(server.currentCounters.requests == 0)
    }

    @Test func malformedAndOversizedRawRequestsGetErrorRepliesAndChangeNothing() throws {
        defer { finish() }
        let malformed = try ctl("raw", "{\"cmd\": stats")
        #expect(malformed.status == 1)
        #expect(malformed.stdout == #"{"code":"malformed","error":"request is not a JSON object with a string \"cmd\"","ok":false}"# + "\n")
        let oversized = try ctl("raw", #"{"cmd":"set-k","k":3,"pad":""# + String(repeating: "x", count: 600) + #""}"#)
        #expect(oversized.status == 1)
        #expect(ControlReply.decode(oversized.stdout.trimmingCharacters(in: .newlines))?.code == .tooLarge)
        #expect(target.controlSettings().k == 1)
        let valid = try ctl("raw", #"{"cmd":"set-k","k":2,"id":9}"#)
        #expect(valid.status == 0)
        #expect(ControlReply.decode(valid.stdout.trimmingCharacters(in: .newlines))?.id == 9)
        #expect(target.controlSettings().k == 2)
    }

    @Test func tuneAgainstAPipelineWithoutTheExperimentIsUnsupported() throws {
        defer { finish() }
        let result = try ctl("tune", "k", "--candidates", "0,2", "--windows", "5")
        #expect(result.status == 69)
        #expect(result.stderr == "cascadia ctl: unsupported: this pipeline cannot run a k experiment\n")
        #expect(server.currentCounters.requests == 1)
    }

    @Test func noServiceIsExit69NamingTheSocket() throws {
        defer { finish() }
        let missing = directory.appendingPathComponent("absent.sock").path
        let result = try CLIHarness.run(["ctl", "--socket", missing, "stats"])
        #expect(result.status == 69)
        #expect(result.stderr.contains(missing))
        #expect(result.stderr.contains("is the cascadia service running?"))
    }

    @Test func concurrentCtlProcessesAreAllServed() throws {
        defer { finish() }
        let results = Mutex<[Int32]>([])
        let path = socketPath
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            let result = try? CLIHarness.run(["ctl", "--socket", path, index % 2 == 0 ? "stats" : "get"])
            results.withLock { $0.append(result?.status ?? -1) }
        }
        #expect(results.withLock { $0 } == Array(repeating: 0, count: 6))
        #expect(server.currentCounters.requests == 6)
    }

    /// Starts `cascadia ctl … subscribe` without waiting for it.
    func startSubscriber(_ extra: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = ["ctl", "--socket", socketPath, "subscribe"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }

    @Test func subscribePrintsWindowsAndStopsAfterCount() throws {
        defer { finish() }
        let (process, out) = try startSubscriber(["--count", "3"])
        #expect(server.waitUntil { $0.subscribers == 1 })
        for index in 1...3 { target.emit(index) }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == #"{"window":1,"decision":"none"}"# + "\n" + #"{"window":2,"decision":"none"}"# + "\n" + #"{"window":3,"decision":"none"}"# + "\n")
        #expect(server.waitUntil { $0.subscribers == 0 && $0.clients == 0 })
    }

    @Test func aSubscriberKilledMidStreamDisturbsNothing() throws {
        defer { finish() }
        let (process, out) = try startSubscriber(["--json"])
        #expect(server.waitUntil { $0.subscribers == 1 })
        target.emit(1)
        // Read the subscribe reply and the first event, then kill the client mid-stream.
        let reader = out.fileHandleForReading
        var seen = ""
        while seen.filter({ $0 == "\n" }).count < 2 { seen += String(decoding: reader.availableData, as: UTF8.self) }
        #expect(seen.hasPrefix(#"{"ok":true,"subscribed":true}"#))
        kill(process.processIdentifier, SIGKILL)  // no goodbye: the socket just closes
        process.waitUntilExit()
        for index in 2...100 { target.emit(index) }
        #expect(server.waitUntil { $0.subscribers == 0 && $0.clients == 0 })
        let stats = try ctl("--json", "stats")
        #expect(stats.status == 0)
        #expect(ControlReply.decode(stats.stdout.trimmingCharacters(in: .newlines))?.stats?.windows == 100)
    }
}
