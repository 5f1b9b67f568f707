import Foundation

// The libc file calls of CascadiaIO (open/write/fsync/close), with EINTR retried and every other
// errno turned into an IOError naming the path — decided here, once.

/// A file descriptor opened for writing a new file.
final class PosixFile {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Creates `path`, which must not exist (O_CREAT|O_EXCL), mode 0644.
    static func create(_ path: String) throws -> PosixFile {
        let fd = retryingEINTR { Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw error(path, "cannot create") }
        return PosixFile(path: path, fd: fd)
    }

    /// Writes all bytes, retrying short writes and EINTR.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw PosixFile.error(path, "write failed")
            }
            offset += n
        }
    }

    /// fsync(2).
    func sync() throws {
        guard PosixFile.retryingEINTR({ fsync(fd) }) == 0 else { throw PosixFile.error(path, "fsync failed") }
    }

    func close() throws {
        guard fd >= 0 else { return }
        let rc = Foundation.close(fd)
        fd = -1
        guard rc == 0 || errno == EINTR else { throw PosixFile.error(path, "close failed") }
    }

    deinit { if fd >= 0 { _ = Foundation.close(fd) } }

    /// fsyncs an existing file or directory by path (after libsndfile closed it, or after creating a
    /// file in a directory).
    static func syncPath(_ path: String) throws {
        let fd = retryingEINTR { Foundation.open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw error(path, "cannot open to fsync") }
        defer { _ = Foundation.close(fd) }
        guard retryingEINTR({ fsync(fd) }) == 0 else { throw error(path, "fsync failed") }
    }

    private static func retryingEINTR(_ call: () -> Int32) -> Int32 {
        while true {
            let rc = call()
            if rc >= 0 || errno != EINTR { return rc }
        }
    }

    private static func error(_ path: String, _ what: String) -> IOError {
        IOError.system(path, "\(what): \(String(cString: strerror(errno)))")
    }
}
