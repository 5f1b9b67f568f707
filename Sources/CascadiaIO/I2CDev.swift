// Thin wrappers over the Linux i2c-dev character device (I2C_SLAVE ioctl, read, write). Every
// i2c-dev call in Cascadia is in this file.
import CLinuxDev
import Foundation

/// An I²C adapter through i2c-dev (`/dev/i2c-N`). Owned by one thread.
public final class I2CDevBus: I2CBus {
    public let device: String
    private let fd: Int32

    /// Opens the adapter. Missing node → DeviceError naming it and the adapters present (exit 69).
    public init(path: String) throws(DeviceError) {
        device = path
        fd = try LinuxDeviceFile.open(
            path, hint: "enable I2C: dtparam=i2c_arm=on in /boot/firmware/config.txt", availablePrefix: "i2c-")
    }

    deinit { LinuxDeviceFile.close(fd) }

    public func setAddress(_ address: UInt8) throws(DeviceError) {
        let fd = fd
        _ = try LinuxDeviceFile.check(device, "I2C_SLAVE") { Int(cascadia_i2c_set_slave(fd, Int(address))) }
    }

    /// - Note: Real-time safe.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(DeviceError) {
        let fd = fd
        let written = try LinuxDeviceFile.check(device, "i2c write") { Glibc.write(fd, bytes.baseAddress, bytes.count) }
        if written != bytes.count {
            throw DeviceError(device: device, reason: "i2c write sent \(written) of \(bytes.count) bytes")
        }
    }

    /// - Note: Real-time safe.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(DeviceError) {
        let fd = fd
        let got = try LinuxDeviceFile.check(device, "i2c read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
        if got != buffer.count {
            throw DeviceError(device: device, reason: "i2c read returned \(got) of \(buffer.count) bytes")
        }
    }
}
