// Thin wrappers over the Linux spidev character device (open/ioctl/close). Every spidev call in
// Cascadia is in this file; `LinuxDeviceFile` also serves i2c-dev (I2CDev.swift).
import CLinuxDev
import Foundation

/// The one place that decides what an errno from a device-file call means.
enum LinuxDeviceFile {
    /// Opens `path` read-write; retries EINTR; throws a DeviceError that says what to check.
    static func open(_ path: String, hint: String, availablePrefix: String) throws(DeviceError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
            if fd >= 0 { return fd }
            let code = errno
            if code == EINTR { continue }
            var reason = "cannot open: " + String(cString: strerror(code))
            if code == ENOENT { reason += " (\(hint))" }
            if code == EACCES { reason += " (add the user to the device's group)" }
            throw DeviceError(device: path, reason: reason, available: present(prefix: availablePrefix))
        }
    }

    /// Runs an ioctl/read/write wrapper until it does not fail with EINTR; throws on other errors.
    @inline(__always)
    static func check(_ device: String, _ what: StaticString, _ call: () -> Int) throws(DeviceError) -> Int {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw DeviceError(device: device, reason: "\(what) failed: " + String(cString: strerror(code)))
        }
    }

    /// A non-blocking close-on-exec pipe whose read end wakes a thread blocked in `waitReadable`.
    static func makeWakePipe(for device: String) throws(DeviceError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw DeviceError(device: device, reason: "pipe failed: " + String(cString: strerror(errno)))
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return (fds[0], fds[1])
    }

    /// Writes one byte to a wake pipe. Safe from any thread.
    static func wake(_ writeFD: Int32) {
        var byte: UInt8 = 1
        _ = Glibc.write(writeFD, &byte, 1)
    }

    enum PollOutcome { case readable, timedOut, woken }

    /// poll(2) on `fd` and a wake pipe's read end; drains the pipe when woken. EINTR counts as a
    /// timeout (the caller loops).
    ///
    /// - Note: Real-time safe.
    static func waitReadable(
        _ fd: Int32, wake wakeFD: Int32, timeoutMilliseconds: Int32, device: String
    ) throws(DeviceError) -> PollOutcome {
        var fds = (
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        )
        let ready = withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, 2, timeoutMilliseconds) }
        }
        if ready < 0 {
            if errno == EINTR { return .timedOut }
            throw DeviceError(device: device, reason: "poll failed: " + String(cString: strerror(errno)))
        }
        if fds.1.revents != 0 {
            var byte: UInt8 = 0
            while Glibc.read(wakeFD, &byte, 1) > 0 {}
            return .woken
        }
        return fds.0.revents != 0 ? .readable : .timedOut
    }

    static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Device nodes in /dev whose names start with `prefix` (`spidev`, `i2c-`, `gpiochip`), sorted.
    /// `root` prefixes /dev (a fake tree in tests).
    static func present(prefix: String, root: String = "") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/dev")) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().map { "/dev/" + $0 }
    }
}

/// An SPI device through spidev (`/dev/spidevB.C`).
///
/// Wraps `SPI_IOC_WR_MODE`, `SPI_IOC_WR_MAX_SPEED_HZ`, `SPI_IOC_WR_BITS_PER_WORD` and
/// `SPI_IOC_MESSAGE(n)` with `struct spi_ioc_transfer`. Owned by one thread.
public final class SPIDevBus: SPIBus {
    public let device: String
    private let fd: Int32
    /// Two transfer descriptors allocated once: command, then response.
    private let transfers: UnsafeMutablePointer<spi_ioc_transfer>

    /// Opens the device. Missing node → DeviceError naming it and the spidev nodes present (exit 69).
    public init(path: String) throws(DeviceError) {
        device = path
        fd = try LinuxDeviceFile.open(
            path, hint: "enable SPI: dtparam=spi=on in /boot/firmware/config.txt", availablePrefix: "spidev")
        transfers = .allocate(capacity: 2)
        transfers.initialize(repeating: spi_ioc_transfer(), count: 2)
    }

    deinit {
        transfers.deallocate()
        LinuxDeviceFile.close(fd)
    }

    public func configure(mode: UInt8, maxSpeedHz: UInt32, bitsPerWord: UInt8) throws(DeviceError) {
        let fd = fd
        _ = try LinuxDeviceFile.check(device, "SPI_IOC_WR_MODE") { Int(cascadia_spi_set_mode(fd, mode)) }
        _ = try LinuxDeviceFile.check(device, "SPI_IOC_WR_MAX_SPEED_HZ") {
            Int(cascadia_spi_set_max_speed_hz(fd, maxSpeedHz))
        }
        _ = try LinuxDeviceFile.check(device, "SPI_IOC_WR_BITS_PER_WORD") {
            Int(cascadia_spi_set_bits_per_word(fd, bitsPerWord))
        }
    }

    /// - Note: Real-time safe.
    public func transfer(
        write: UnsafeRawBufferPointer, delayMicroseconds: UInt16, read: UnsafeMutableRawBufferPointer
    ) throws(DeviceError) {
        var count: UInt32 = 0
        if write.count > 0 {
            transfers[0] = spi_ioc_transfer()
            transfers[0].tx_buf = UInt64(UInt(bitPattern: write.baseAddress))
            transfers[0].len = UInt32(write.count)
            transfers[0].delay_usecs = delayMicroseconds
            count = 1
        }
        if read.count > 0 {
            let index = Int(count)
            transfers[index] = spi_ioc_transfer()
            transfers[index].rx_buf = UInt64(UInt(bitPattern: read.baseAddress))
            transfers[index].len = UInt32(read.count)
            if count == 0 { transfers[index].delay_usecs = delayMicroseconds }
            count += 1
        }
        guard count > 0 else { return }
        let fd = fd
        let pointer = transfers
        _ = try LinuxDeviceFile.check(device, "SPI_IOC_MESSAGE") { Int(cascadia_spi_message(fd, pointer, count)) }
    }
}
