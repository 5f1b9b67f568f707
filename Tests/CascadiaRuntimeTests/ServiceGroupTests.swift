import Dispatch
import Synchronization
import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Start and stop events of several services, in order.
final class Journal: Sendable {
    private let entries = Mutex<[String]>([])
    func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// A service that records its start and stop in a shared journal.
final class RecordingService: Service {
    let name: String
    let journal: Journal
    let failStart: Bool
    let onStart: @Sendable () -> Void
    let stopGate: DispatchSemaphore?

    init(
        _ name: String, journal: Journal, failStart: Bool = false, stopGate: DispatchSemaphore? = nil,
        onStart: @escaping @Sendable () -> Void = {}
    ) {
        self.name = name
        self.journal = journal
        self.failStart = failStart
        self.stopGate = stopGate
        self.onStart = onStart
    }

    struct StartFailure: CascadiaError {
        var description: String { "no such device /dev/snd/pcmC9D0c" }
        var exitCode: ExitCode { .unavailable }
    }

    func start() throws {
        if failStart { throw StartFailure() }
        journal.add("start \(name)")
        onStart()
    }

    func stop() {
        stopGate?.wait()
        journal.add("stop \(name)")
    }
}

extension ProcessEnvironmentSuites {
    @Suite struct ServiceGroupTests {
        let journal = Journal()
        let log = Log(threshold: .emergency, journalPrefixes: false)

        func group(_ services: [any Service], timeout: Double = 10, reload: @escaping @Sendable () throws -> String = { "reloaded" })
            -> ServiceGroup
        {
            ServiceGroup(services: services, notifier: ServiceNotifier(), log: log, shutdownTimeoutSeconds: timeout, reload: reload)
        }

        @Test func startsInOrderStopsInReverseAndTellsSystemd() throws {
            let socket = try NotifySocket()
            let services = ["source", "pipeline", "control"].map { RecordingService($0, journal: journal) }
            let group = group(services)
            group.post(.terminate("test"))
            #expect(group.run() == .stopped)
            #expect(
                journal.all == [
                    "start source", "start pipeline", "start control", "stop control", "stop pipeline", "stop source",
                ])
            let messages = socket.drain()
            #expect(messages.contains("READY=1\nSTATUS=running: source, pipeline, control"))
            #expect(messages.contains("STOPPING=1\nSTATUS=stopping (test)"))
            #expect(messages.firstIndex(where: { $0.hasPrefix("READY=1") })! < messages.firstIndex(where: { $0.hasPrefix("STOPPING=1") })!)
        }

        @Test func aFailedStartStopsWhatStartedAndKeepsItsExitCode() throws {
            let socket = try NotifySocket()
            let group = group([
                RecordingService("source", journal: journal),
                RecordingService("alsa", journal: journal, failStart: true),
                RecordingService("control", journal: journal),
            ])
            let outcome = group.run()
            #expect(outcome == .startFailed(service: "alsa", message: "no such device /dev/snd/pcmC9D0c", exitCode: .unavailable))
            #expect(outcome.exitCode == .unavailable)
            #expect(journal.all == ["start source", "stop source"])
            #expect(!socket.drain().contains { $0.hasPrefix("READY=1") })
        }

        @Test func reloadRunsBetweenReadyAndStop() throws {
            let socket = try NotifySocket()
            let reloads = Mutex(0)
            let group = group([RecordingService("pipeline", journal: journal)]) {
                reloads.withLock { $0 += 1 }
                return "plan /etc/cascadia/plan.json"
            }
            group.post(.reload)
            group.post(.terminate("test"))
            #expect(group.run() == .stopped)
            #expect(reloads.withLock { $0 } == 1)
            let messages = socket.drain()
            #expect(messages.contains { $0.hasPrefix("RELOADING=1") })
            #expect(messages.contains("READY=1\nSTATUS=plan /etc/cascadia/plan.json"))
        }

        @Test func aFailedReloadKeepsRunning() throws {
            struct BadPlan: Error, CustomStringConvertible { var description: String { "plan.json: budget missing" } }
            let socket = try NotifySocket()
            let group = group([RecordingService("pipeline", journal: journal)]) { throw BadPlan() }
            group.post(.reload)
            group.post(.terminate("test"))
            #expect(group.run() == .stopped)
            #expect(socket.drain().contains("READY=1\nSTATUS=reload failed: plan.json: budget missing"))
        }

        @Test func aRuntimeFailureExitsNonZeroForRestartOnFailure() {
            let group = group([RecordingService("pipeline", journal: journal)])
            group.post(.fail("processing loop stalled"))
            let outcome = group.run()
            #expect(outcome == .failed("processing loop stalled"))
            #expect(outcome.exitCode == .failure)
            #expect(journal.all == ["start pipeline", "stop pipeline"])
        }

        @Test func aHungStopIsReportedWhenTheTimeLimitPasses() {
            let gate = DispatchSemaphore(value: 0)
            let group = group(
                [RecordingService("source", journal: journal), RecordingService("stuck", journal: journal, stopGate: gate)],
                timeout: 0.2)
            group.post(.terminate("test"))
            #expect(group.run() == .stopTimedOut(service: "stuck"))
            #expect(!journal.all.contains("stop source"))
            gate.signal()  // let the helper thread finish
        }

        @Test func realSignalsDriveReloadAndShutdown() {
            let signals = ServiceSignals()
            let reloads = Mutex(0)
            // The service raises the reload signal once started; the reload raises terminate.
            let group = group([RecordingService("pipeline", journal: journal) { kill(getpid(), SIGUSR1) }]) {
                reloads.withLock { $0 += 1 }
                kill(getpid(), SIGUSR2)
                return "reloaded"
            }
            signals.install(on: group, mapping: [(SIGUSR1, .reload), (SIGUSR2, .terminate("SIGUSR2"))])
            defer { signals.cancel() }
            #expect(group.run() == .stopped)
            #expect(reloads.withLock { $0 } == 1)
        }
    }
}
