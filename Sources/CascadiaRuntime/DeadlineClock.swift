#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The time source the executor and the deadline monitor read.
///
/// Production uses `MonotonicDeadlineClock` (CLOCK_MONOTONIC); tests use `ManualDeadlineClock`,
/// which only moves when a test (or a fake expert) advances it, so deadline logic is checked
/// without timing anything.
public protocol DeadlineClock: AnyObject {
    /// Now, in nanoseconds on the clock's timeline.
    /// - Note: Real-time safe.
    func nowNanoseconds() -> UInt64
    /// Returns once `nowNanoseconds() >= deadlineNanoseconds` (a manual clock jumps there).
    /// Used by the fault injector to stretch an expert and by the scripted runner.
    func wait(untilNanoseconds deadlineNanoseconds: UInt64)
}

/// CLOCK_MONOTONIC, the clock window timestamps and budgets are counted on.
public final class MonotonicDeadlineClock: DeadlineClock, Sendable {
    public init() {}

    /// - Note: Real-time safe (vDSO `clock_gettime`).
    public func nowNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Sleeps with `clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)`, retrying on EINTR.
    public func wait(untilNanoseconds deadlineNanoseconds: UInt64) {
        #if canImport(Glibc)
        var spec = timespec(
            tv_sec: Int(deadlineNanoseconds / 1_000_000_000),
            tv_nsec: Int(deadlineNanoseconds % 1_000_000_000))
        while nowNanoseconds() < deadlineNanoseconds {
            let status = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil)
            if status != 0 && status != EINTR { break }
        }
        #else
        while nowNanoseconds() < deadlineNanoseconds {
            usleep(useconds_t(min((deadlineNanoseconds - nowNanoseconds()) / 1000 + 1, 1_000_000)))
        }
        #endif
    }
}

/// A clock that stands still until advanced by hand. Not thread-safe: one test, one thread.
public final class ManualDeadlineClock: DeadlineClock {
    /// The current reading in nanoseconds.
    public private(set) var currentNanoseconds: UInt64

    public init(startNanoseconds: UInt64 = 0) {
        currentNanoseconds = startNanoseconds
    }

    public func nowNanoseconds() -> UInt64 { currentNanoseconds }

    /// Jumps forward to `deadlineNanoseconds` (never backwards).
    public func wait(untilNanoseconds deadlineNanoseconds: UInt64) {
        currentNanoseconds = max(currentNanoseconds, deadlineNanoseconds)
    }

    /// Moves the clock forward by `nanoseconds`.
    public func advance(byNanoseconds nanoseconds: UInt64) {
        currentNanoseconds &+= nanoseconds
    }
}
