import CSystemd
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Talks to the service manager through `sd_notify(3)` (libsystemd): readiness, status,
/// stopping, reloading and watchdog keep-alives.
///
/// Outside systemd (`NOTIFY_SOCKET` unset) every call is a cheap no-op that returns false,
/// so the same code runs from a terminal. The watchdog interval comes from
/// `sd_watchdog_enabled(3)` (`WATCHDOG_USEC`, `WATCHDOG_PID`); keep-alives are sent every
/// half interval, as sd_watchdog_enabled(3) recommends.
///
/// Threading: all methods may be called from any thread.
public final class ServiceNotifier: Sendable {
    /// Half of `WatchdogSec=` in nanoseconds, or nil when the watchdog is off for this process.
    public let watchdogIntervalNanoseconds: UInt64?
    /// Whether a service manager listens (`NOTIFY_SOCKET` was set when this was created).
    public let isSupervised: Bool
    /// CLOCK_MONOTONIC nanoseconds of the last WATCHDOG=1 sent.
    private let lastPingNanoseconds = Atomic<UInt64>(0)
    /// Count of WATCHDOG=1 messages sent (for metrics and tests).
    private let pings = Atomic<UInt64>(0)

    /// Reads `NOTIFY_SOCKET` and the watchdog settings from the environment.
    public init() {
        isSupervised = getenv("NOTIFY_SOCKET") != nil
        var usec: UInt64 = 0
        if sd_watchdog_enabled(0, &usec) > 0, usec > 0 {
            watchdogIntervalNanoseconds = usec * 1000 / 2
        } else {
            watchdogIntervalNanoseconds = nil
        }
    }

    /// Sends `state` (newline-separated `KEY=VALUE` assignments) with `sd_notify(0, state)`.
    /// Returns true when a message was delivered, false when not supervised or on error.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard isSupervised else { return false }
        return sd_notify(0, state) > 0
    }

    /// `READY=1`, with a `STATUS=` line: sources are open and models are loaded.
    @discardableResult
    public func ready(status: String) -> Bool {
        notify("READY=1\nSTATUS=\(Self.sanitized(status))")
    }

    /// `STATUS=` (shown by `systemctl status`).
    @discardableResult
    public func status(_ text: String) -> Bool { notify("STATUS=\(Self.sanitized(text))") }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping(status: String = "stopping") -> Bool {
        notify("STOPPING=1\nSTATUS=\(Self.sanitized(status))")
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (required by `Type=notify-reload`, harmless
    /// otherwise); send `ready(status:)` when the reload is done.
    @discardableResult
    public func reloading() -> Bool {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicNanoseconds() / 1000)\nSTATUS=reloading plan")
    }

    /// `WATCHDOG=1` unconditionally.
    @discardableResult
    public func watchdog() -> Bool { sendWatchdog(at: Self.monotonicNanoseconds()) }

    private func sendWatchdog(at nowNanoseconds: UInt64) -> Bool {
        let sent = notify("WATCHDOG=1")
        if sent {
            lastPingNanoseconds.store(nowNanoseconds, ordering: .relaxed)
            pings.add(1, ordering: .relaxed)
        }
        return sent
    }

    /// Sends `WATCHDOG=1` when half the watchdog interval has passed since the last one.
    /// Call it from the processing loop once per window, so that a stalled pipeline (not
    /// just a live process) stops the keep-alives and systemd restarts the service.
    ///
    /// - Parameter nowNanoseconds: CLOCK_MONOTONIC now, as the loop already has it.
    /// - Returns: true when a keep-alive was sent.
    /// - Note: Real-time safe between keep-alives (one atomic load and a compare); at most
    ///   once per half interval it makes the `sd_notify` system calls (socket, sendmsg, close).
    @discardableResult
    public func pingWatchdogIfDue(nowNanoseconds: UInt64) -> Bool {
        guard let interval = watchdogIntervalNanoseconds else { return false }
        let last = lastPingNanoseconds.load(ordering: .relaxed)
        guard last == 0 || nowNanoseconds &- last >= interval else { return false }
        return sendWatchdog(at: nowNanoseconds)
    }

    /// Number of WATCHDOG=1 messages delivered so far.
    public var watchdogPings: UInt64 { pings.load(ordering: .relaxed) }

    /// CLOCK_MONOTONIC in nanoseconds.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// A `STATUS=` value may not contain a newline (it would start a new assignment).
    static func sanitized(_ text: String) -> String {
        text.contains("\n") ? text.split(separator: "\n").joined(separator: " ") : text
    }
}
