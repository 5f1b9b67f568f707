/// An ADS1256 on SPI with its active-low DRDY on a GPIO line, read in continuous mode (RDATAC).
///
/// Set-up (`configure`, allocates; the exact bytes are pinned by ADS1256SourceTests):
/// 1. SPI mode 1, SCLK ≤ 1.92 MHz, 8-bit words.
/// 2. `RESET` (0xFE), then wait for DRDY (the reset ends with a self-calibration).
/// 3. `SDATAC` (0x0F) in case a previous run left the chip reading continuously.
/// 4. `WREG` STATUS…DRATE (0x50 0x03 + 4 values), then `RREG` (0x10 0x03, t6, 4 bytes) to read
///    them back — a mismatch means no ADS1256 answers on this bus.
/// 5. Drain stale edges, `SELFCAL` (0xF0); the next DRDY ends calibration.
///
/// First conversion: `RDATAC` (0x03), t6, 3 data bytes. Then on every DRDY falling edge: clock in
/// 3 bytes (no command in RDATAC mode), sign-extend the 24-bit two's complement value.
/// Shut-down: wait for DRDY (the datasheet's rule), `SDATAC`.
final class ADS1256Device: DataReadyADC, @unchecked Sendable {
    let configuration: ADS1256Configuration
    let spi: any SPIBus
    private let data: UnsafeMutableRawBufferPointer

    /// `configuration` must pass `validate()` (SourceSpec checks it; a bad one here traps).
    init(spi: any SPIBus, configuration: ADS1256Configuration) {
        precondition(configuration.validate() == nil, "ADS1256 configuration not validated")
        self.spi = spi
        self.configuration = configuration
        self.data = .allocate(byteCount: 3, alignment: 1)
    }

    deinit { data.deallocate() }

    var periodNanoseconds: Int64 { configuration.periodNanoseconds }

    /// RESET or SELFCAL may take 2 s plus 20 periods (the datasheet's calibration times are under
    /// 0.8 s even at 2.5 sps).
    var firstConversionTimeoutMilliseconds: Int32 { Int32(2_000 + configuration.periodNanoseconds * 20 / 1_000_000) }
    var firstConversionStep: String { "SELFCAL" }

    func configure(_ loop: DataReadyLoop) throws(DeviceError) {
        let c = configuration
        try spi.configure(mode: ADS1256.spiMode, maxSpeedHz: c.spiClockHz, bitsPerWord: 8)
        try spi.send([ADS1256.Command.reset.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
        try loop.waitForDataReady(timeoutMilliseconds: firstConversionTimeoutMilliseconds, after: "RESET")
        try spi.send([ADS1256.Command.stopReadDataContinuous.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
        guard let drate = c.dataRateCode else { preconditionFailure("ADS1256 configuration not validated") }
        let values = [c.statusRegister, c.muxRegister, c.adconRegister, drate]
        try spi.send(
            [ADS1256.writeRegisterCommand(.status), UInt8(values.count - 1)] + values,
            delayMicroseconds: ADS1256.t11Microseconds)
        let readBack = try spi.exchange(
            [ADS1256.readRegisterCommand(.status), UInt8(values.count - 1)],
            delayMicroseconds: ADS1256.t6Microseconds, readCount: values.count)
        // STATUS bits 7..4 are the chip ID and bit 0 the live DRDY state; compare ORDER/ACAL/BUFEN.
        if readBack[0] & 0x0E != values[0] || Array(readBack[1...]) != Array(values[1...]) {
            let got = readBack.map(hex).joined(separator: " ")
            let want = values.map(hex).joined(separator: " ")
            throw DeviceError(
                device: spi.device,
                reason:
                    "no ADS1256 answers: STATUS..DRATE read back \(got) after writing \(want) (check wiring, CS, SPI mode 1)"
            )
        }
        loop.drain()
        try spi.send([ADS1256.Command.selfCalibrate.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
        loop.commandSent()
    }

    func readFirstConversion() throws(DeviceError) -> Int32 {
        let bytes = try spi.exchange(
            [ADS1256.Command.readDataContinuous.rawValue], delayMicroseconds: ADS1256.t6Microseconds, readCount: 3)
        return ADS1256.decodeSample(bytes[0], bytes[1], bytes[2])
    }

    /// - Note: Real-time safe.
    func readConversion() throws(DeviceError) -> Int32 {
        try spi.transfer(write: UnsafeRawBufferPointer(start: nil, count: 0), delayMicroseconds: 0, read: data)
        return ADS1256.decodeSample(data[0], data[1], data[2])
    }

    func shutDown(_ loop: DataReadyLoop) throws(DeviceError) {
        // A second wait covers a wake-up left over from requestStop().
        for _ in 0..<2 {
            if (try? loop.waitForDataReady(timeoutMilliseconds: loop.stallTimeoutMilliseconds, after: "stop")) != nil {
                break
            }
        }
        try spi.send([ADS1256.Command.stopReadDataContinuous.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0x0" + digits : "0x" + digits
}
