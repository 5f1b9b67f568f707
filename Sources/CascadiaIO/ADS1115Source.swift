/// An ADS1115 on I²C in continuous mode with ALERT/RDY as a conversion-ready GPIO.
///
/// Start-up (`start()`, allocates; the exact bytes are pinned by ADS1115SourceTests):
/// 1. `I2C_SLAVE` address.
/// 2. Lo_thresh ← 0x0000, Hi_thresh ← 0x8000: ALERT/RDY becomes conversion-ready.
/// 3. Config ← MUX/PGA/DR with MODE = 0 (continuous), COMP_POL = 0 (active low), COMP_QUE = 00.
/// 4. Pointer ← config, read 2 bytes back (OS masked) — a mismatch means no ADS1115 answers.
/// 5. Pointer ← conversion; wait for ALERT/RDY; read 2 bytes.
///
/// Then every falling edge of ALERT/RDY: read 2 bytes (the pointer stays on the conversion
/// register), big-endian 16-bit two's complement. Lost conversions are found from edge
/// timestamps (`DataReadyTracker`, which follows the ±10 % internal oscillator) and reach the
/// ring as `.upstream` gaps. `stop()` writes MODE = 1 (single-shot: the chip powers down).
///
/// Threading: `start`, `step`/`run` and `stop` on the capture thread; `requestStop()` anywhere.
public final class ADS1115Source: @unchecked Sendable {
    public let configuration: ADS1115Configuration
    public let i2c: any I2CBus
    private let loop: DataReadyLoop
    private let data: UnsafeMutableRawBufferPointer

    /// Conversion accounting: edges, lost edges, lost conversions, queue overflows.
    public var tracker: DataReadyTracker { loop.tracker }
    /// Waits that returned no edge within the stall timeout.
    public var stalls: UInt64 { loop.stalls }
    /// Frames produced or lost so far.
    public var framePosition: UInt64 { loop.framePosition }
    /// CLOCK_MONOTONIC time of the first conversion, set by `start()`.
    public var firstSampleMonotonicNanoseconds: Int64 { loop.firstSampleMonotonicNanoseconds }
    /// The first conversion must arrive within 1 s plus 4 periods.
    public var firstConversionTimeoutMilliseconds: Int32 {
        Int32(1_000 + configuration.periodNanoseconds * 4 / 1_000_000)
    }

    /// Binds the driver to a bus and an ALERT/RDY line. `configuration` must pass `validate()`.
    public init(
        i2c: any I2CBus, alert: any GPIOEdgeLine, configuration: ADS1115Configuration,
        clock: @escaping @Sendable () -> Int64 = { SystemClock.monotonicNanoseconds() }
    ) {
        precondition(configuration.validate() == nil, "ADS1115 configuration not validated")
        self.i2c = i2c
        self.configuration = configuration
        self.loop = DataReadyLoop(line: alert, periodNanoseconds: configuration.periodNanoseconds, clock: clock)
        self.data = .allocate(byteCount: 2, alignment: 1)
    }

    deinit { data.deallocate() }

    /// What this source delivers: one seismic channel of 16-bit samples at the configured rate.
    public func streamDescription(name: String) -> StreamDescription {
        StreamDescription(
            name: name, modality: .seismic, sampleRateHz: Double(configuration.samplesPerSecond), channelCount: 1,
            sampleFormat: .s16)
    }

    /// Configures and verifies the ADC, starts continuous conversions and reads the first.
    @discardableResult
    public func start(into ring: SPSCRingBuffer<Int32>? = nil) throws(DeviceError) -> Int32 {
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
                reason: "no ADS1115 answers: config read back 0x\(String(value, radix: 16)) after writing 0x\(String(c.configRegister, radix: 16))")
        }
        try i2c.write([ADS1115.Pointer.conversion.rawValue])
        loop.drain()
        let i2c = i2c
        return try loop.first(timeoutMilliseconds: firstConversionTimeoutMilliseconds, after: "config", into: ring) {
            () throws(DeviceError) -> Int32 in
            let bytes = try i2c.read(count: 2)
            return ADS1115.decodeSample(bytes[0], bytes[1])
        }
    }

    /// Waits for ALERT/RDY once and, if a new conversion is ready, reads it into `ring` (marking
    /// lost conversions as a gap first). Returns false when the wait timed out or was interrupted.
    ///
    /// - Note: Real-time safe.
    public func step(into ring: SPSCRingBuffer<Int32>) throws(DeviceError) -> Bool {
        let i2c = i2c
        let data = data
        return try loop.step(into: ring) { () throws(DeviceError) -> Int32 in
            try i2c.read(into: data)
            return ADS1115.decodeSample(data[0], data[1])
        }
    }

    /// Reads until `requestStop()`, then powers the ADC down and finishes the ring.
    public func run(into ring: SPSCRingBuffer<Int32>) throws(DeviceError) {
        while !loop.stopRequested { _ = try step(into: ring) }
        try stop()
        ring.finish()
    }

    /// Makes `run` return after its current wait. Safe from any thread.
    public func requestStop() { loop.requestStop() }

    /// Switches to single-shot mode (MODE = 1), which powers the converter down.
    public func stop() throws(DeviceError) {
        try i2c.write(ADS1115.writeRegisterBytes(.config, configuration.configRegister | 0x0100))
    }
}
