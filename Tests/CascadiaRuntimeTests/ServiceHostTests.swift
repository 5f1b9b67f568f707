import Synchronization
import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

extension ProcessEnvironmentSuites {
    @Suite struct ServiceHostTests {
        @Test func runsTheServicesUnderRealSignalsAndTellsSystemd() throws {
            let socket = try NotifySocket()
            let journal = Journal()
            let reloads = Mutex(0)
            // Once started, the pipeline raises the reload signal; the reload raises the stop signal.
            let pipeline = RecordingService("pipeline", journal: journal) { kill(getpid(), SIGUSR1) }
            let outcome = ServiceHost.run(
                services: [RecordingService("source", journal: journal), pipeline], processOptions: RealTimeOptions(),
                log: Log(threshold: .emergency, journalPrefixes: false),
                signals: [(SIGUSR1, .reload), (SIGUSR2, .terminate("SIGUSR2"))]
            ) {
                reloads.withLock { $0 += 1 }
                kill(getpid(), SIGUSR2)
                return "plan reloaded"
            }
            #expect(outcome == .stopped)
            #expect(reloads.withLock { $0 } == 1)
            #expect(journal.all == ["start source", "start pipeline", "stop pipeline", "stop source"])
            let messages = socket.drain()
            #expect(messages.first == "STATUS=starting source")
            #expect(messages.contains("READY=1\nSTATUS=running: source, pipeline"))
            #expect(messages.contains("READY=1\nSTATUS=plan reloaded"))
            #expect(messages.last == "STOPPING=1\nSTATUS=stopping (SIGUSR2)")
        }

        @Test func aFailurePostedByAServiceEndsTheRunWithExitCode1() {
            let journal = Journal()
            let outcome = ServiceHost.run(
                services: [RecordingService("pipeline", journal: journal)], processOptions: RealTimeOptions(),
                log: Log(threshold: .emergency, journalPrefixes: false), signals: [], reload: { "" }
            ) { group in
                group.post(.fail("no window for 5 s from hw:CARD=Device"))
            }
            #expect(outcome == .failed("no window for 5 s from hw:CARD=Device"))
            #expect(outcome.exitCode == .failure)
        }
    }
}
