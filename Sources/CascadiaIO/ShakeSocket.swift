// Thin wrappers over the BSD socket calls the Raspberry Shake source makes (socket, bind,
// getsockname, poll, recv). Every socket call of the Shake source is in this file.
import Foundation

/// A bound UDP socket plus a wake pipe, for one receiving thread.
final class ShakeSocket: @unchecked Sendable {
    let fd: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// The port actually bound (differs from the requested one when that was 0).
    let port: UInt16
    let name: String

    /// True when `text` is a dotted-quad IPv4 address.
    static func isIPv4Address(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// Binds a UDP socket to `address:port` (port 0 picks a free one). Failure → DeviceError (69).
    init(address: String, port: UInt16) throws(DeviceError) {
        name = "udp:\(address):\(port)"
        let socketFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else {
            throw DeviceError(device: name, reason: "socket failed: " + String(cString: strerror(errno)))
        }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &local.sin_addr) == 1 else {
            Glibc.close(socketFD)
            throw DeviceError(device: name, reason: "'\(address)' is not an IPv4 address")
        }
        // No SO_REUSEADDR: on Linux it would let a second receiver bind the same UDP port and
        // silently take the datagrams; a port in use must be an error.
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let reason = "cannot bind: " + String(cString: strerror(errno))
            Glibc.close(socketFD)
            throw DeviceError(device: name, reason: reason)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        let wake: (read: Int32, write: Int32)
        do throws(DeviceError) {
            wake = try LinuxDeviceFile.makeWakePipe(for: name)
        } catch {
            Glibc.close(socketFD)
            throw error
        }
        fd = socketFD
        wakeRead = wake.read
        wakeWrite = wake.write
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    deinit {
        Glibc.close(fd)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Waits up to `timeoutMilliseconds` for a datagram and receives it into `buffer`. Returns its
    /// length, or nil on timeout or after `interrupt()`. A datagram longer than the buffer is cut
    /// (MSG_TRUNC reports the full length, which the caller sees as > buffer.count).
    ///
    /// - Note: Real-time safe.
    func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(DeviceError) -> Int? {
        let outcome = try LinuxDeviceFile.waitReadable(
            fd, wake: wakeRead, timeoutMilliseconds: timeoutMilliseconds, device: name)
        guard outcome == .readable else { return nil }
        return try receiveNow(into: buffer)
    }

    /// Receives one queued datagram without waiting; nil when none is queued.
    ///
    /// - Note: Real-time safe.
    func receiveNow(into buffer: UnsafeMutableRawBufferPointer) throws(DeviceError) -> Int? {
        while true {
            let got = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
            if got >= 0 { return got }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw DeviceError(device: name, reason: "recv failed: " + String(cString: strerror(errno)))
            }
        }
    }

    /// Wakes a thread blocked in `receive`. Safe from any thread.
    func interrupt() { LinuxDeviceFile.wake(wakeWrite) }
}
