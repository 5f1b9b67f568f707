import Foundation
import Testing
@testable import CascadiaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Suites that set `NOTIFY_SOCKET`/`WATCHDOG_USEC` in this process's environment run one
/// test at a time, nested in this serialized suite.
@Suite(.serialized) struct ProcessEnvironmentSuites {}

/// A real `AF_UNIX` datagram socket standing in for systemd's notification socket: it
/// binds in a temporary directory, sets `NOTIFY_SOCKET` to it, and reads what arrives.
final class NotifySocket {
    let directory: TemporaryDirectory
    let path: String
    private let fd: Int32

    init(watchdogMicroseconds: UInt64? = nil) throws {
        directory = try TemporaryDirectory()
        path = directory.path("notify.sock")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = try ControlServer.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw ControlError(.socket, path: path, "bind failed") }
        // A datagram that never comes fails the test after 5 s instead of hanging it.
        var limit = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setenv("NOTIFY_SOCKET", path, 1)
        if let watchdogMicroseconds {
            setenv("WATCHDOG_USEC", String(watchdogMicroseconds), 1)
            setenv("WATCHDOG_PID", String(getpid()), 1)
        } else {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
    }

    /// The next datagram's text, or nil after 5 s without one.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Every datagram already queued, without waiting.
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    deinit {
        unsetenv("NOTIFY_SOCKET")
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        close(fd)
    }
}
