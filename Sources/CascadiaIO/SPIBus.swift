/// A Linux SPI device as the ADC drivers use it: configure once, then half-duplex exchanges.
///
/// The real implementation is `SPIDevBus` (spidev ioctls); tests use a fake that records the
/// exact bytes. Owned by one thread.
public protocol SPIBus: AnyObject {
    /// The device path: `/dev/spidev0.0`.
    var device: String { get }

    /// Sets the SPI mode (0…3), the SCLK ceiling and the word size (SPI_IOC_WR_MODE,
    /// SPI_IOC_WR_MAX_SPEED_HZ, SPI_IOC_WR_BITS_PER_WORD).
    func configure(mode: UInt8, maxSpeedHz: UInt32, bitsPerWord: UInt8) throws(DeviceError)

    /// One chip-select-held message: clocks out `write` (may be empty), waits `delayMicroseconds`,
    /// then clocks in `read.count` bytes while sending zeros (may be empty). With an empty `read`
    /// the delay still runs before chip select is released — the gap a next command needs.
    ///
    /// - Note: Real-time safe (one SPI_IOC_MESSAGE ioctl, no allocation).
    func transfer(
        write: UnsafeRawBufferPointer, delayMicroseconds: UInt16, read: UnsafeMutableRawBufferPointer
    ) throws(DeviceError)
}

extension SPIBus {
    /// Sends `bytes` and waits `delayMicroseconds` (set-up path; allocates).
    func send(_ bytes: [UInt8], delayMicroseconds: UInt16) throws(DeviceError) {
        var result: Result<Void, DeviceError> = .success(())
        bytes.withUnsafeBytes { write in
            do throws(DeviceError) {
                try transfer(
                    write: write, delayMicroseconds: delayMicroseconds,
                    read: UnsafeMutableRawBufferPointer(start: nil, count: 0))
            } catch { result = .failure(error) }
        }
        try result.get()
    }

    /// Sends `bytes`, waits `delayMicroseconds`, reads `count` bytes (set-up path; allocates).
    func exchange(_ bytes: [UInt8], delayMicroseconds: UInt16, readCount count: Int) throws(DeviceError) -> [UInt8] {
        var response = [UInt8](repeating: 0, count: count)
        var result: Result<Void, DeviceError> = .success(())
        bytes.withUnsafeBytes { write in
            response.withUnsafeMutableBytes { read in
                do throws(DeviceError) {
                    try transfer(write: write, delayMicroseconds: delayMicroseconds, read: read)
                } catch { result = .failure(error) }
            }
        }
        try result.get()
        return response
    }
}
