#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when released.
///
/// Weights are read in place from the mapping. A file that another process truncates while it is
/// mapped raises SIGBUS on access; model files are installed by replacing them (rename), not by
/// rewriting in place.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    /// Maps `path`; requires `minSize ≤ size ≤ maxSize`.
    init(path: String, minSize: Int, maxSize: Int) throws(FormatProblem) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FormatProblem("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FormatProblem("cannot stat: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw FormatProblem("not a regular file") }
        let size = Int(info.st_size)
        guard size >= minSize else { throw FormatProblem("file is \(size) bytes, shorter than \(minSize)") }
        guard size <= maxSize else { throw FormatProblem("file is \(size) bytes, larger than the limit \(maxSize)") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw FormatProblem("cannot map: \(String(cString: strerror(errno)))")
        }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    /// Wraps bytes already in memory (a copy is kept); used by tests and `inspect` on buffers.
    init(copying data: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        data.withUnsafeBytes { buffer.copyMemory(from: $0) }
        base = nil
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: data.count)
    }

    deinit {
        if let base {
            munmap(base, bytes.count)
        } else {
            bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        }
    }
}
