/// A Linux I²C adapter as the ADC drivers use it: pick a target address, then plain reads and
/// writes (each one I²C transaction with START … STOP).
///
/// The real implementation is `I2CDevBus` (i2c-dev); tests use a fake that records the exact
/// bytes. Owned by one thread.
public protocol I2CBus: AnyObject {
    /// The adapter path: `/dev/i2c-1`.
    var device: String { get }

    /// Addresses every following transaction to the 7-bit `address` (the I2C_SLAVE ioctl).
    func setAddress(_ address: UInt8) throws(DeviceError)

    /// One write transaction of `bytes`.
    /// - Note: Real-time safe.
    func write(_ bytes: UnsafeRawBufferPointer) throws(DeviceError)

    /// One read transaction filling `buffer`.
    /// - Note: Real-time safe.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DeviceError)
}

extension I2CBus {
    /// Writes `bytes` (set-up path; allocates).
    func write(_ bytes: [UInt8]) throws(DeviceError) {
        var result: Result<Void, DeviceError> = .success(())
        bytes.withUnsafeBytes { raw in
            do throws(DeviceError) { try write(raw) } catch { result = .failure(error) }
        }
        try result.get()
    }

    /// Reads `count` bytes (set-up path; allocates).
    func read(count: Int) throws(DeviceError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var result: Result<Void, DeviceError> = .success(())
        bytes.withUnsafeMutableBytes { raw in
            do throws(DeviceError) { try read(into: raw) } catch { result = .failure(error) }
        }
        try result.get()
        return bytes
    }
}
