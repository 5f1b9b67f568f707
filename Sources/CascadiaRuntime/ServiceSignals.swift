import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The write end of the self-pipe the signal handler writes to (set once, read in the handler).
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1

/// Async-signal-safe handler: writes the signal number to the self-pipe, preserving errno.
private let forwardSignal: @convention(c) (Int32) -> Void = { number in
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWrite, &byte, 1)
    errno = saved
}

/// Turns SIGTERM/SIGINT into `.terminate` and SIGHUP into `.reload` for a `ServiceGroup`.
///
/// A `sigaction` handler writes the signal number to a self-pipe, and a `DispatchSource`
/// read source on the pipe posts the mapped event. (A Dispatch *signal* source is not used:
/// on Linux it reads a signalfd, which only sees signals that every thread blocks, and the
/// runtime's threads are created by Dispatch and Foundation before this can block anything.)
/// SIGPIPE is ignored: a control client that disconnects must not kill the service.
///
/// Threading: install and cancel from one thread; one installation per process at a time.
public final class ServiceSignals {
    private var source: (any DispatchSourceRead)?
    private var installed: [(Int32, sigaction)] = []
    private static let pipeFDs: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        return (fds[0], fds[1])
    }()

    public init() {}

    /// Installs the handlers; each caught signal is posted to `group` as the mapped event.
    public func install(on group: ServiceGroup, mapping: [(Int32, ServiceEvent)] = ServiceSignals.standard) {
        cancel()
        signal(SIGPIPE, SIG_IGN)
        let fds = Self.pipeFDs
        signalPipeWrite = fds.write
        let events = Dictionary(mapping.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        let source = DispatchSource.makeReadSource(fileDescriptor: fds.read, queue: DispatchQueue(label: "cascadia.signals"))
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 64)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fds.read, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                for number in buffer[0..<count] {
                    if let event = events[Int32(number)] { group.post(event) }
                }
            }
        }
        source.resume()
        self.source = source
        // A parent may start us with these signals blocked (the mask is inherited across exec:
        // Foundation's Process, some supervisors); a blocked SIGTERM would stay pending forever.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for (number, _) in mapping { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for (number, _) in mapping {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            var previous = sigaction()
            sigaction(number, &action, &previous)
            installed.append((number, previous))
        }
    }

    /// Restores the previous signal actions and stops forwarding.
    public func cancel() {
        for (number, previous) in installed.reversed() {
            var action = previous
            sigaction(number, &action, nil)
        }
        installed.removeAll()
        source?.cancel()
        source = nil
    }

    /// SIGTERM and SIGINT stop, SIGHUP reloads.
    public static let standard: [(Int32, ServiceEvent)] = [
        (SIGTERM, .terminate("SIGTERM")), (SIGINT, .terminate("SIGINT")), (SIGHUP, .reload),
    ]
}
