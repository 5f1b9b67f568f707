import Foundation
import Synchronization
import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The control server on a real UNIX socket in a temporary directory, driven by real
/// clients, against a fake pipeline.
@Suite struct ControlServerTests {
    let directory: TemporaryDirectory
    let pipeline = FakePipeline()
    let server: ControlServer
    let log = Log(threshold: .emergency, journalPrefixes: false)

    init() throws {
        directory = try TemporaryDirectory()
        server = ControlServer(
            path: directory.path("control.sock"), target: pipeline, log: log, groupName: nil, maximumRequestBytes: 256,
            maximumClients: 8)
        try server.start()
    }

    func client() throws -> ControlClient { try ControlClient(path: server.path) }

    /// The next line from `connection`, decoded as a reply.
    func nextReply(_ connection: ControlClient) throws -> ControlReply? {
        guard let line = try connection.readLine() else { return nil }
        return ControlReply.decode(line)
    }

    @Test func statsAndGetReturnThePipelineState() throws {
        defer { server.stop() }
        let connection = try client()
        let stats = try connection.call(.stats).reply
        #expect(stats.ok)
        #expect(stats.stats == pipeline.controlStats())
        let get = try connection.call(.get).reply
        #expect(get.settings == ControlSettings(k: 1, autoK: false, plan: "/plans/start.json", thresholds: ["A": 0.7, "B": 0.65]))
    }

    @Test func changesReachThePipelineAndReturnTheNewSettings() throws {
        defer { server.stop() }
        let connection = try client()
        #expect(try connection.call(.setSkipBack(3)).reply.settings?.k == 3)
        #expect(try connection.call(.setThreshold(expert: "B", value: 0.5)).reply.settings?.thresholds["B"] == 0.5)
        #expect(try connection.call(.autoSkipBack(true)).reply.settings?.autoK == true)
        let plan = directory.path("plan.json")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: plan))
        #expect(try connection.call(.loadPlan(path: plan)).reply.settings?.plan == plan)
        #expect(pipeline.changes == ["k=3", "threshold B=0.5", "auto-k=true", "plan=\(plan)"])
    }

    @Test func refusalsBecomeRejectedRepliesAndChangeNothing() throws {
        defer { server.stop() }
        let connection = try client()
        let tooBig = try connection.call(.setSkipBack(9)).reply
        #expect(tooBig.ok == false)
        #expect(tooBig.code == .rejected)
        #expect(tooBig.error == "k 9 exceeds the cascade length 7")
        #expect(try connection.call(.setThreshold(expert: "Z", value: 0.5)).reply.code == .rejected)
        #expect(try connection.call(.loadPlan(path: directory.path("missing.json"))).reply.code == .rejected)
        #expect(pipeline.changes.isEmpty)
        #expect(pipeline.settings.k == 1)
    }

    @Test func malformedAndOversizedRequestsGetErrorsAndTheConnectionSurvives() throws {
        defer { server.stop() }
        let connection = try client()
        try connection.send(line: "this is not json")
        #expect(try nextReply(connection)?.code == .malformed)
        try connection.send(line: String(repeating: "x", count: 300))  // complete line over 256 bytes
        #expect(try nextReply(connection)?.code == .tooLarge)
        try connection.send(line: "{\"cmd\":\"stats\"}\u{0}")
        #expect(try nextReply(connection)?.code == .malformed)
        // A request that arrives in pieces, no newline for 2 kB: one error, the tail is skipped.
        let long = "{\"cmd\":\"set-k\",\"k\":" + String(repeating: "1", count: 2000)
        try connection.send(line: long)
        #expect(try nextReply(connection)?.code == .tooLarge)
        // Blank lines are ignored; the next request is served normally.
        try connection.send(line: "")
        let reply = try connection.call(.get).reply
        #expect(reply.ok)
        #expect(pipeline.changes.isEmpty)
        #expect(server.currentCounters.errorReplies == 4)
    }

    @Test func invalidFieldsAreRejectedBeforeThePipeline() throws {
        defer { server.stop() }
        let connection = try client()
        try connection.send(line: #"{"cmd":"set-k","k":-4,"id":5}"#)
        let reply = try #require(try nextReply(connection))
        #expect(reply.code == .invalid)
        #expect(reply.id == 5)
        #expect(pipeline.changes.isEmpty)
    }

    @Test func concurrentClientsEachGetTheirOwnReplies() throws {
        defer { server.stop() }
        let clients = 6, rounds = 25
        let failures = Mutex<[String]>([])
        let path = server.path
        DispatchQueue.concurrentPerform(iterations: clients) { index in
            do {
                let connection = try ControlClient(path: path)
                for round in 0..<rounds {
                    try connection.send(line: ControlRequest.stats.encoded(id: index * 1000 + round))
                    let reply = ControlReply.decode(try connection.readLine() ?? "") ?? ControlReply(ok: false)
                    if reply.id != index * 1000 + round || reply.stats?.windows != 12 {
                        failures.withLock { $0.append("client \(index) round \(round): \(reply)") }
                    }
                }
            } catch {
                failures.withLock { $0.append("client \(index): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(server.currentCounters.requests == clients * rounds)
    }

    @Test func subscribersReceiveEveryWindowInOrder() throws {
        defer { server.stop() }
        let subscriber = try client()
        #expect(try subscriber.call(.subscribe).reply.subscribed == true)
        #expect(server.waitUntil { $0.subscribers == 1 })
        for index in 1...50 { pipeline.emitWindow(index) }
        for index in 1...50 {
            let line = try #require(try subscriber.readLine())
            #expect(ControlClient.windowRecord(fromEvent: line) == #"{"window":\#(index),"decision":"hazard","k":1}"#)
        }
        // A subscriber can still make requests; the change shows in the next window.
        #expect(try subscriber.call(.setSkipBack(2)).reply.ok)
        pipeline.emitWindow(51)
        #expect(try subscriber.readLine() == #"{"event":"window","data":{"window":51,"decision":"hazard","k":2}}"#)
    }

    @Test func aSubscriberDisconnectingMidStreamIsDroppedQuietly() throws {
        defer { server.stop() }
        var leaving: ControlClient? = try client()
        #expect(try leaving!.call(.subscribe).reply.ok)
        let staying = try client()
        #expect(try staying.call(.subscribe).reply.ok)
        #expect(server.waitUntil { $0.subscribers == 2 })
        pipeline.emitWindow(1)
        #expect(try leaving!.readLine()?.contains(#""window":1"#) == true)
        leaving = nil  // closes the socket with events still flowing
        for index in 2...200 { pipeline.emitWindow(index) }
        #expect(server.waitUntil { $0.subscribers == 1 && $0.clients == 1 })
        var last = ""
        for _ in 1...200 { last = try #require(try staying.readLine()) }
        #expect(last.contains(#""window":200"#))
        #expect(try staying.call(.stats).reply.stats?.windows == 212)
    }

    @Test func aSlowSubscriberLosesEventsAndIsToldHowMany() throws {
        defer { server.stop() }
        let slow = try client()
        #expect(try slow.call(.subscribe).reply.ok)
        #expect(server.waitUntil { $0.subscribers == 1 })
        // ~1.7 MB of records against 256 kB of pending bytes plus the socket buffers, unread.
        let windows = 20_000
        for index in 1...windows { pipeline.emitWindow(index) }
        #expect(server.waitUntil { $0.eventsDelivered + $0.eventsDropped == windows })
        let counters = server.currentCounters
        #expect(counters.eventsDropped > 0)
        var records = 0, reportedDropped = 0
        let droppedPrefix = #"{"event":"dropped","count":"#
        func account(_ line: String) {
            if ControlClient.windowRecord(fromEvent: line) != nil {
                records += 1
            } else if line.hasPrefix(droppedPrefix), let count = Int(line.dropFirst(droppedPrefix.count).dropLast()) {
                reportedDropped += count
            }
        }
        while records < counters.eventsDelivered { account(try #require(try slow.readLine())) }
        // Drops after the last delivered event are reported before the next one that fits.
        pipeline.emitWindow(windows + 1)
        while records < counters.eventsDelivered + 1 { account(try #require(try slow.readLine())) }
        #expect(reportedDropped == counters.eventsDropped)
        #expect(server.currentCounters.clients == 1)
    }

    @Test func aClientThatNeverReadsRepliesIsThrottledNotBuffered() throws {
        defer { server.stop() }
        // A writer that sends 4 MB of stats requests and never reads a reply.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try ControlServer.address(server.path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(connected == 0)
        let line = ControlRequest.stats.encoded() + "\n"
        let requests = (4 << 20) / line.utf8.count
        let writerDone = DispatchSemaphore(value: 0)
        Thread {
            let bytes = Array(String(repeating: line, count: requests).utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }  // the test shut the socket down
                sent += n
            }
            writerDone.signal()
        }.start()
        // The server stops reading that client once 256 kB of replies wait for it …
        #expect(server.waitUntil { $0.readPauses >= 1 })
        let counters = server.currentCounters
        #expect(counters.requests < requests)
        // … so what it holds stays within the limit plus one read's worth of replies.
        let replyBytes = ControlReply(ok: true, stats: pipeline.controlStats()).encoded.utf8.count + 1
        #expect(counters.largestPendingBytes <= 256 * 1024 + (4096 / line.utf8.count + 1) * replyBytes)
        // Everyone else is still served.
        #expect(try client().call(.get).reply.ok)
        shutdown(fd, Int32(SHUT_RDWR))
        writerDone.wait()
        close(fd)
        #expect(server.waitUntil { $0.clients == 0 })
    }

    @Test func aKExperimentRepliesWhenItsWindowsHaveRun() throws {
        defer { server.stop() }
        let tuner = try client()
        try tuner.send(line: ControlRequest.tuneSkipBack(candidates: [0, 1, 3], windowsPerCandidate: 4, accuracyTolerance: 0.01).encoded(id: 3))
        // The reply waits for live windows; meanwhile the server answers everyone else.
        let other = try client()
        #expect(try other.call(.stats).reply.ok)
        #expect(pipeline.isTuning)
        let second = try other.call(.tuneSkipBack(candidates: [1], windowsPerCandidate: 1, accuracyTolerance: 0)).reply
        #expect(second.code == .rejected)
        #expect(second.error == "a k experiment is already running")
        for index in 1...12 { pipeline.emitWindow(index) }
        let reply = try #require(try nextReply(tuner))
        #expect(reply.id == 3)
        #expect(reply.tune?.rows.map(\.k) == [0, 1, 3])
        #expect(reply.tune?.rows.map(\.meanLatencyMilliseconds) == [10, 12, 16])
        #expect(reply.tune?.chosenK == 1)  // k = 0 is faster but classifies less
        #expect(pipeline.settings.k == 1)
    }

    @Test func aTunerThatLeavesBeforeTheResultIsForgotten() throws {
        defer { server.stop() }
        var tuner: ControlClient? = try client()
        try tuner!.send(line: ControlRequest.tuneSkipBack(candidates: [2], windowsPerCandidate: 2, accuracyTolerance: 0).encoded())
        let other = try client()
        #expect(try other.call(.get).reply.ok)  // the tune request has been handled by now
        tuner = nil
        #expect(server.waitUntil { $0.clients == 1 })
        pipeline.emitWindow(1)
        pipeline.emitWindow(2)
        #expect(!pipeline.isTuning)
        #expect(try other.call(.get).reply.settings?.k == 2)  // applied; the reply went nowhere
    }

    @Test func tooManyClientsGetABusyReply() throws {
        defer { server.stop() }
        var held: [ControlClient] = []
        for _ in 0..<8 {
            let connection = try client()
            #expect(try connection.call(.get).reply.ok)
            held.append(connection)
        }
        let extra = try client()
        let line = try #require(try extra.readLine())
        #expect(ControlReply.decode(line)?.code == .busy)
        #expect(try extra.readLine() == nil)
        held.removeAll()
        #expect(server.waitUntil { $0.clients == 0 })
        #expect(try client().call(.get).reply.ok)
    }

    @Test func socketFileIsGroupReadWriteOnly() throws {
        defer { server.stop() }
        var info = stat()
        #expect(lstat(server.path, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o660)
    }

    @Test func aLiveSocketIsNotStolenAndAStaleOneIsReplaced() throws {
        let second = ControlServer(path: server.path, target: pipeline, log: log, groupName: nil)
        let inUse = #expect(throws: ControlError.self) { try second.start() }
        #expect(inUse?.kind == .inUse)
        second.stop()  // stopping a server that never started leaves the live socket alone
        #expect(try client().call(.get).reply.ok)  // the first server still serves
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.path))
        // A stale socket file (no listener) left behind by a crash is replaced.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try ControlServer.address(server.path)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: server.path))
        try second.start()
        defer { second.stop() }
        #expect(try ControlClient(path: server.path).call(.stats).reply.ok)
    }

    @Test func badPathsAreConfigurationErrors() throws {
        defer { server.stop() }
        let tooLong = "/tmp/" + String(repeating: "d", count: 200) + "/control.sock"
        let error = #expect(throws: ControlError.self) {
            try ControlServer(path: tooLong, target: pipeline, log: log).start()
        }
        #expect(error?.exitCode == .config)
        let regular = directory.path("regular-file")
        try Data().write(to: URL(fileURLWithPath: regular))
        #expect(throws: ControlError.self) { try ControlServer(path: regular, target: pipeline, log: log).start() }
        #expect(FileManager.default.fileExists(atPath: regular))
        let missingDirectory = directory.path("no-such-dir/control.sock")
        let unreachable = #expect(throws: ControlError.self) { try ControlClient(path: missingDirectory) }
        #expect(unreachable?.exitCode == .unavailable)
    }
}
