import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

extension ProcessEnvironmentSuites {
    @Suite struct ServiceNotifierTests {
        @Test func readyStatusStoppingArriveOnTheNotifySocket() throws {
            let socket = try NotifySocket()
            let notifier = ServiceNotifier()
            #expect(notifier.isSupervised)
            #expect(notifier.watchdogIntervalNanoseconds == nil)
            #expect(notifier.ready(status: "running: pipeline"))
            #expect(socket.receive() == "READY=1\nSTATUS=running: pipeline")
            #expect(notifier.status("two\nlines"))
            #expect(socket.receive() == "STATUS=two lines")
            #expect(notifier.reloading())
            let reloading = socket.receive() ?? ""
            #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
            #expect(notifier.stopping())
            #expect(socket.receive() == "STOPPING=1\nSTATUS=stopping")
        }

        @Test func watchdogIsPingedEveryHalfIntervalFromTheLoop() throws {
            let socket = try NotifySocket(watchdogMicroseconds: 4_000_000)  // WatchdogSec=4s
            let notifier = ServiceNotifier()
            #expect(notifier.watchdogIntervalNanoseconds == 2_000_000_000)
            let start = ServiceNotifier.monotonicNanoseconds()
            #expect(notifier.pingWatchdogIfDue(nowNanoseconds: start))  // the first is always due
            #expect(socket.receive() == "WATCHDOG=1")
            // Windows within the half interval send nothing; the clock is given, not waited for.
            let sentAt = start
            #expect(!notifier.pingWatchdogIfDue(nowNanoseconds: sentAt + 1_000_000_000))
            #expect(!notifier.pingWatchdogIfDue(nowNanoseconds: sentAt + 1_999_999_999))
            #expect(socket.drain() == [])
            #expect(notifier.pingWatchdogIfDue(nowNanoseconds: sentAt + 2_000_000_000))
            #expect(socket.receive() == "WATCHDOG=1")
            #expect(notifier.watchdogPings == 2)
        }

        @Test func watchdogForAnotherPidIsOff() throws {
            let socket = try NotifySocket(watchdogMicroseconds: 4_000_000)
            setenv("WATCHDOG_PID", "1", 1)  // the watchdog belongs to another process
            let notifier = ServiceNotifier()
            #expect(notifier.watchdogIntervalNanoseconds == nil)
            #expect(!notifier.pingWatchdogIfDue(nowNanoseconds: ServiceNotifier.monotonicNanoseconds()))
            #expect(socket.drain() == [])
        }

        @Test func withoutNotifySocketEverythingIsANoOp() {
            unsetenv("NOTIFY_SOCKET")
            let notifier = ServiceNotifier()
            #expect(!notifier.isSupervised)
            #expect(!notifier.ready(status: "x"))
            #expect(!notifier.watchdog())
            #expect(notifier.watchdogPings == 0)
        }
    }
}
