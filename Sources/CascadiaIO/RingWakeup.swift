import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wakes one consumer blocked waiting for any of several rings (`SPSCRingBuffer.attachWakeup`).
///
/// A non-blocking self-pipe plus a `waiting` flag. The consumer announces that it waits
/// (`waiting = true`, sequentially consistent fence), checks its rings again, and only then blocks
/// in `poll` with a timeout. A producer, after publishing (commit, finish), issues a sequentially
/// consistent fence and writes one byte only when the flag is set, so a producer that nobody waits
/// for pays a fence and a load, never a syscall. The two fences order "producer publishes, then
/// reads the flag" against "consumer sets the flag, then reads the ring": at least one side sees the
/// other, so a wake-up is never missed. The write never blocks (`O_NONBLOCK`; a full pipe already
/// holds a pending wake-up). Spurious wake-ups are possible and harmless.
public final class RingWakeup: Sendable {
    private let readFD: Int32
    private let writeFD: Int32
    private let waiting = Atomic<Bool>(false)

    /// Creates the pipe. If the system refuses one, `wait` degrades to sleeping 1 ms.
    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            readFD = fds[0]
            writeFD = fds[1]
        } else {
            readFD = -1
            writeFD = -1
        }
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Called by a producer after it published something: wakes the consumer if it waits.
    /// - Note: Real-time safe (a fence and a load; one non-blocking write when the consumer waits).
    public func signal() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .relaxed) { wake() }
    }

    /// Wakes the consumer unconditionally (a stop request). Any thread.
    /// - Note: Real-time safe.
    public func wake() {
        guard writeFD >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// How a `wait` ended.
    public enum Outcome: Sendable, Equatable {
        /// `ready()` was already true after the wait was announced; did not block.
        case ready
        /// A producer's `signal()` or a `wake()` (possibly one left from before) ended the wait.
        case woken
        /// The timeout passed without a wake-up (or the wait was interrupted).
        case timedOut
    }

    /// Blocks the consumer until a producer signals, `wake()` is called, or `timeoutMilliseconds`
    /// pass (0: do not block) — unless `ready()`, checked after announcing the wait, is already
    /// true. Consumes every pending wake-up. Consumer thread only.
    /// - Note: Real-time safe (no allocation; blocks by design).
    @discardableResult
    public func wait(timeoutMilliseconds: Int32, unless ready: () -> Bool) -> Outcome {
        waiting.store(true, ordering: .relaxed)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        defer { waiting.store(false, ordering: .relaxed) }
        if ready() { return .ready }
        if readFD < 0 {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            _ = nanosleep(&pause, nil)
            return .timedOut
        }
        var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return .timedOut }
        var drain: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while withUnsafeMutableBytes(of: &drain, { read(readFD, $0.baseAddress, $0.count) }) == 32 {}
        return .woken
    }
}
