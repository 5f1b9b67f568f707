#if canImport(Glibc)
import Glibc
#endif

/// The client end of the control socket, as `cascadia ctl` uses it: connect, send one
/// request line, read reply and event lines.
///
/// Threading: one client per thread.
public final class ControlClient {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Longest reply or event line accepted (a window record is far shorter).
    public static let maximumLineBytes = 1 << 20

    /// Connects to the socket at `path`; `timeoutSeconds` bounds each later read and write
    /// (nil waits forever, as `subscribe` does).
    public init(path: String, timeoutSeconds: Double? = 5) throws(ControlError) {
        self.path = path
        fd = try Self.connect(path: path)
        if let timeoutSeconds {
            var limit = timeval(
                tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1e6))
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close(fd) }

    /// Opens a connected stream socket to `path`.
    static func connect(path: String) throws(ControlError) -> Int32 {
        var address = try ControlServer.address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlError(.unreachable, path: path, "socket: \(String(cString: strerror(errno)))") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            let hint: String
            switch code {
            case ENOENT, ECONNREFUSED: hint = " (is the cascadia service running?)"
            case EACCES: hint = " (is this user in the 'cascadia' group?)"
            default: hint = ""
            }
            throw ControlError(.unreachable, path: path, "cannot connect: \(String(cString: strerror(code)))\(hint)")
        }
        return fd
    }

    /// Sends one raw line (a newline is appended).
    public func send(line: String) throws(ControlError) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw ControlError(.unreachable, path: path, "send: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Reads the next line (without its newline); nil when the server closed the connection.
    public func readLine() throws(ControlError) -> String? {
        let newline = UInt8(ascii: "\n")
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = buffer.firstIndex(of: newline) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 1)
                return line
            }
            guard buffer.count <= Self.maximumLineBytes else {
                throw ControlError(.protocolViolation, path: path, "reply line longer than \(Self.maximumLineBytes) bytes")
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                return nil
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                throw ControlError(.unreachable, path: path, "no reply within the time limit")
            } else {
                throw ControlError(.unreachable, path: path, "receive: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Sends `request` and returns the reply line (raw) and its decoded form.
    public func call(_ request: ControlRequest) throws(ControlError) -> (line: String, reply: ControlReply) {
        try send(line: request.encoded())
        while true {
            guard let line = try readLine() else {
                throw ControlError(.protocolViolation, path: path, "connection closed before the reply")
            }
            if line.hasPrefix(#"{"event":"#) { continue }  // an event racing the reply
            guard let reply = ControlReply.decode(line) else {
                throw ControlError(.protocolViolation, path: path, "unreadable reply: \(line.prefix(200))")
            }
            return (line, reply)
        }
    }

    /// Extracts the window record from a window event line, or nil for other lines.
    public static func windowRecord(fromEvent line: String) -> String? {
        guard line.hasPrefix(ControlCodec.windowEventPrefix), line.hasSuffix("}") else { return nil }
        return String(line.dropFirst(ControlCodec.windowEventPrefix.count).dropLast())
    }
}
