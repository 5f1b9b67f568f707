/// An ADS1115 on I²C in continuous mode with ALERT/RDY as a conversion-ready GPIO.
///
/// Set-up (`configure`, allocates; the exact bytes are pinned by ADS1115SourceTests):
/// 1. `I2C_SLAVE` address.
/// 2. Lo_thresh ← 0x0000, Hi_thresh ← 0x8000: ALERT/RDY becomes conversion-ready.
/// 3. Config ← MUX/PGA/DR with MODE = 0 (continuous), COMP_POL = 0 (active low), COMP_QUE = 00.
/// 4. Pointer ← config, read 2 bytes back (OS masked) — a mismatch means no ADS1115 answers.
/// 5. Pointer ← conversion; drain stale edges.
///
/// Every falling edge of ALERT/RDY: read 2 bytes (the pointer stays on the conversion register),
/// big-endian 16-bit two's complement. `DataReadyTracker` follows the ±10 % internal oscillator.
/// Shut-down writes MODE = 1 (single-shot: the converter powers down).
final class ADS1115Device: DataReadyADC, @unchecked Sendable {
    let configuration: ADS1115Configuration
    let i2c: any I2CBus
    private let data: UnsafeMutableRawBufferPointer

    /// `configuration` must pass `validate()` (SourceSpec checks it; a bad one here traps).
    init(i2c: any I2CBus, configuration: ADS1115Configuration) {
        precondition(configuration.validate() == nil, "ADS1115 configuration not validated")
        self.i2c = i2c
        self.configuration = configuration
        self.data = .allocate(byteCount: 2, alignment: 1)
    }

    deinit { data.deallocate() }

    var periodNanoseconds: Int64 { configuration.periodNanoseconds }

    /// The first conversion must arrive within 1 s plus 4 periods.
    var firstConversionTimeoutMilliseconds: Int32 { Int32(1_000 + configuration.periodNanoseconds * 4 / 1_000_000) }
    var firstConversionStep: String { "config write" }

    func configure(_ loop: DataReadyLoop) throws(DeviceError) {
        let c = configuration
        try i2c.setAddress(c.address)
        try i2c.write(ADS1115.writeRegisterBytes(.lowThreshold, ADS1115.conversionReadyLowThreshold))
        try i2c.write(ADS1115.writeRegisterBytes(.highThreshold, ADS1115.conversionReadyHighThreshold))
        try i2c.write(ADS1115.writeRegisterBytes(.config, c.configRegister))
        try i2c.write([ADS1115.Pointer.config.rawValue])
        let readBack = try i2c.read(count: 2)
        let value = UInt16(readBack[0]) << 8 | UInt16(readBack[1])
        if value & 0x7FFF != c.configRegister & 0x7FFF {
            throw DeviceError(
                device: "\(i2c.device) addr 0x\(String(c.address, radix: 16))",
                reason:
                    "no ADS1115 answers: config read back 0x\(String(value, radix: 16)) after writing 0x\(String(c.configRegister, radix: 16))"
            )
        }
        try i2c.write([ADS1115.Pointer.conversion.rawValue])
        loop.drain()
        loop.commandSent()
    }

    func readFirstConversion() throws(DeviceError) -> Int32 { try readConversion() }

    /// - Note: Real-time safe.
    func readConversion() throws(DeviceError) -> Int32 {
        try i2c.read(into: data)
        return ADS1115.decodeSample(data[0], data[1])
    }

    func shutDown(_ loop: DataReadyLoop) throws(DeviceError) {
        try i2c.write(ADS1115.writeRegisterBytes(.config, configuration.configRegister | 0x0100))
    }
}
