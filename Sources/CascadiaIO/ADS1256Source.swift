/// An ADS1256 on SPI with its active-low DRDY on a GPIO line, read in continuous mode (RDATAC).
///
/// Start-up (`start()`, allocates; the exact bytes are pinned by ADS1256SourceTests):
/// 1. SPI mode 1, SCLK ≤ 1.92 MHz, 8-bit words.
/// 2. `RESET` (0xFE), then wait for DRDY (the reset ends with a self-calibration).
/// 3. `SDATAC` (0x0F) in case a previous run left the chip reading continuously.
/// 4. `WREG` STATUS…DRATE (0x50 0x03 + 4 values), then `RREG` (0x10 0x03, t6, 4 bytes) to read
///    them back — a mismatch means no ADS1256 answers on this bus.
/// 5. `SELFCAL` (0xF0), wait for DRDY (calibration done).
/// 6. `RDATAC` (0x03), t6, read the 3 data bytes of that conversion.
///
/// Then every DRDY falling edge: clock in 3 bytes (no command in RDATAC mode), sign-extend the
/// 24-bit two's complement value. `DataReadyTracker` decides from edge timestamps which
/// conversion a read returns and how many were lost; losses reach the ring as `.upstream` gaps.
/// `stop()` waits for DRDY and sends `SDATAC`.
///
/// Threading: `start`, `step`/`run` and `stop` on the capture thread; `requestStop()` anywhere.
public final class ADS1256Source: @unchecked Sendable {
    public let configuration: ADS1256Configuration
    public let spi: any SPIBus
    private let loop: DataReadyLoop
    private let data: UnsafeMutableRawBufferPointer

    /// Conversion accounting: edges, lost edges, lost conversions, queue overflows.
    public var tracker: DataReadyTracker { loop.tracker }
    /// Waits that returned no edge within `stallTimeoutMilliseconds` (ADC not converting).
    public var stalls: UInt64 { loop.stalls }
    /// Frames produced or lost so far (stream position).
    public var framePosition: UInt64 { loop.framePosition }
    /// CLOCK_MONOTONIC time of the first conversion, set by `start()`.
    public var firstSampleMonotonicNanoseconds: Int64 { loop.firstSampleMonotonicNanoseconds }
    /// How long one wait for DRDY may take before it counts as a stall.
    public var stallTimeoutMilliseconds: Int32 { loop.stallTimeoutMilliseconds }
    /// How long RESET or SELFCAL may take before start-up fails: 2 s plus 20 periods (the
    /// datasheet's calibration times are under 0.8 s even at 2.5 sps).
    public var calibrationTimeoutMilliseconds: Int32 {
        Int32(2_000 + configuration.periodNanoseconds * 20 / 1_000_000)
    }

    /// Binds the driver to a bus and a DRDY line. `configuration` must pass `validate()`
    /// (SourceSpec checks it first; an invalid one here is a programmer error and traps).
    public init(
        spi: any SPIBus, drdy: any GPIOEdgeLine, configuration: ADS1256Configuration,
        clock: @escaping @Sendable () -> Int64 = { SystemClock.monotonicNanoseconds() }
    ) {
        precondition(configuration.validate() == nil, "ADS1256 configuration not validated")
        self.spi = spi
        self.configuration = configuration
        self.loop = DataReadyLoop(line: drdy, periodNanoseconds: configuration.periodNanoseconds, clock: clock)
        self.data = .allocate(byteCount: 3, alignment: 1)
    }

    deinit { data.deallocate() }

    /// What this source delivers: one seismic channel of 24-bit samples at the configured rate.
    public func streamDescription(name: String) -> StreamDescription {
        StreamDescription(
            name: name, modality: .seismic, sampleRateHz: configuration.samplesPerSecond, channelCount: 1,
            sampleFormat: .s24)
    }

    /// Resets, configures, verifies and calibrates the ADC and starts continuous reading.
    /// Returns the first conversion (also written to `ring` when given).
    @discardableResult
    public func start(into ring: SPSCRingBuffer<Int32>? = nil) throws(DeviceError) -> Int32 {
        let c = configuration
        try spi.configure(mode: ADS1256.spiMode, maxSpeedHz: c.spiClockHz, bitsPerWord: 8)
        try spi.send([ADS1256.Command.reset.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
        try loop.waitForDataReady(timeoutMilliseconds: calibrationTimeoutMilliseconds, after: "RESET")
        try spi.send([ADS1256.Command.stopReadDataContinuous.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
        let values = [c.statusRegister, c.muxRegister, c.adconRegister, c.dataRateCode!]
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
                reason: "no ADS1256 answers: STATUS..DRATE read back \(got) after writing \(want) (check wiring, CS, SPI mode 1)")
        }
        loop.drain()
        try spi.send([ADS1256.Command.selfCalibrate.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
        let spi = spi
        return try loop.first(timeoutMilliseconds: calibrationTimeoutMilliseconds, after: "SELFCAL", into: ring) {
            () throws(DeviceError) -> Int32 in
            let bytes = try spi.exchange(
                [ADS1256.Command.readDataContinuous.rawValue], delayMicroseconds: ADS1256.t6Microseconds, readCount: 3)
            return ADS1256.decodeSample(bytes[0], bytes[1], bytes[2])
        }
    }

    /// Waits for DRDY once and, if a new conversion is ready, reads it into `ring` (marking lost
    /// conversions as a gap first). Returns false when the wait timed out or was interrupted.
    ///
    /// - Note: Real-time safe.
    public func step(into ring: SPSCRingBuffer<Int32>) throws(DeviceError) -> Bool {
        let spi = spi
        let data = data
        return try loop.step(into: ring) { () throws(DeviceError) -> Int32 in
            try spi.transfer(write: UnsafeRawBufferPointer(start: nil, count: 0), delayMicroseconds: 0, read: data)
            return ADS1256.decodeSample(data[0], data[1], data[2])
        }
    }

    /// Reads until `requestStop()`, then leaves continuous mode and finishes the ring.
    public func run(into ring: SPSCRingBuffer<Int32>) throws(DeviceError) {
        while !loop.stopRequested { _ = try step(into: ring) }
        try stop()
        ring.finish()
    }

    /// Makes `run` return after its current wait. Safe from any thread.
    public func requestStop() { loop.requestStop() }

    /// Leaves continuous mode: after the next DRDY (the datasheet's rule for SDATAC), sends SDATAC.
    public func stop() throws(DeviceError) {
        _ = try? loop.waitForDataReady(timeoutMilliseconds: loop.stallTimeoutMilliseconds, after: "stop")
        try spi.send([ADS1256.Command.stopReadDataContinuous.rawValue], delayMicroseconds: ADS1256.t11Microseconds)
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0x0" + digits : "0x" + digits
}
