/// The ADS1256 24-bit ΔΣ ADC's SPI command set, register map and timing (TI SBAS288, "ADS1255,
/// ADS1256 Very Low Noise, 24-Bit Analog-to-Digital Converter").
///
/// Pure values, no I/O: `ADS1256Source` sends these bytes over an `SPIBus`.
public enum ADS1256 {
    /// Master clock of the usual boards (a 7.68 MHz crystal on XTAL1/XTAL2).
    public static let clockHz: UInt32 = 7_680_000

    /// SPI mode 1: CPOL = 0, CPHA = 1 (data clocked out on SCLK rising, sampled on falling).
    public static let spiMode: UInt8 = 1

    /// Fastest SCLK the datasheet allows: the SCLK period must be at least 4 · τCLKIN, so
    /// 7.68 MHz / 4 = 1.92 MHz.
    public static let maxSPIClockHz: UInt32 = clockHz / 4

    /// t6 — from the last SCLK edge of a RDATA/RDATAC/RREG command to the first SCLK edge of
    /// its data: 50 · τCLKIN = 6.51 µs at 7.68 MHz, rounded up.
    public static let t6Microseconds: UInt16 = 7

    /// t11 — from the last SCLK edge of a command to the next command: 24 · τCLKIN = 3.13 µs
    /// (RDATAC, RESET, SYNC; 4 · τCLKIN for the others), rounded up and used for all.
    public static let t11Microseconds: UInt16 = 4

    /// One-byte commands (datasheet Table 24).
    public enum Command: UInt8, Sendable {
        case wakeup = 0x00
        case readData = 0x01  // RDATA
        case readDataContinuous = 0x03  // RDATAC
        case stopReadDataContinuous = 0x0F  // SDATAC
        case selfCalibrate = 0xF0  // SELFCAL: offset and gain
        case selfOffsetCalibrate = 0xF1
        case selfGainCalibrate = 0xF2
        case sync = 0xFC
        case standby = 0xFD
        case reset = 0xFE
    }

    /// RREG first byte: 0001 rrrr (register address in the low nibble).
    public static func readRegisterCommand(_ register: Register) -> UInt8 { 0x10 | register.rawValue }
    /// WREG first byte: 0101 rrrr.
    public static func writeRegisterCommand(_ register: Register) -> UInt8 { 0x50 | register.rawValue }

    /// The register map (datasheet Table 23).
    public enum Register: UInt8, Sendable {
        case status = 0x00
        case mux = 0x01
        case adcon = 0x02
        case drate = 0x03
        case io = 0x04
        case ofc0 = 0x05, ofc1 = 0x06, ofc2 = 0x07
        case fsc0 = 0x08, fsc1 = 0x09, fsc2 = 0x0A
    }

    /// DRATE codes (datasheet Table 13). Rates are in samples per second.
    public static let dataRateCodes: [(samplesPerSecond: Double, code: UInt8)] = [
        (30_000, 0xF0), (15_000, 0xE0), (7_500, 0xD0), (3_750, 0xC0), (2_000, 0xB0),
        (1_000, 0xA1), (500, 0x92), (100, 0x82), (60, 0x72), (50, 0x63), (30, 0x53),
        (25, 0x43), (15, 0x33), (10, 0x23), (5, 0x13), (2.5, 0x03),
    ]

    /// Programmable gain settings: ADCON bits 2..0 (64 is also 111).
    public static let gainCodes: [(gain: Int, code: UInt8)] = [
        (1, 0), (2, 1), (4, 2), (8, 3), (16, 4), (32, 5), (64, 6),
    ]

    /// Converts the three data bytes (MSB first) to a sign-extended 24-bit two's complement value.
    ///
    /// - Note: Real-time safe.
    @inline(__always)
    public static func decodeSample(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) -> Int32 {
        let raw = UInt32(b0) << 24 | UInt32(b1) << 16 | UInt32(b2) << 8
        return Int32(bitPattern: raw) >> 8
    }
}

/// How an ADS1256 is set up: input pair, gain, buffer and rate.
public struct ADS1256Configuration: Equatable, Sendable {
    /// Conversion rate in samples per second; must be one of `ADS1256.dataRateCodes`.
    public var samplesPerSecond: Double
    /// PGA gain: 1, 2, 4, … 64.
    public var gain: Int
    /// Positive input: 0…7 = AIN0…AIN7, 8 = AINCOM.
    public var positiveInput: UInt8
    /// Negative input: 0…7 = AIN0…AIN7, 8 = AINCOM.
    public var negativeInput: UInt8
    /// Analog input buffer (STATUS.BUFEN); narrows the input range to 0 … AVDD − 2 V.
    public var inputBuffer: Bool
    /// SCLK frequency; at most `ADS1256.maxSPIClockHz`.
    public var spiClockHz: UInt32

    /// The seismic default: 100 sps, gain 1, differential AIN0 − AIN1, no buffer, 1.92 MHz SCLK.
    public init(
        samplesPerSecond: Double = 100, gain: Int = 1, positiveInput: UInt8 = 0, negativeInput: UInt8 = 1,
        inputBuffer: Bool = false, spiClockHz: UInt32 = ADS1256.maxSPIClockHz
    ) {
        self.samplesPerSecond = samplesPerSecond
        self.gain = gain
        self.positiveInput = positiveInput
        self.negativeInput = negativeInput
        self.inputBuffer = inputBuffer
        self.spiClockHz = spiClockHz
    }

    /// Checks every field; the message names the field and the allowed values.
    public func validate() -> (field: String, message: String)? {
        if dataRateCode == nil {
            let allowed = ADS1256.dataRateCodes.map { formatRate($0.samplesPerSecond) }.joined(separator: ", ")
            return ("rate", "\(formatRate(samplesPerSecond)) sps is not an ADS1256 data rate (one of \(allowed))")
        }
        if gainCode == nil {
            return ("gain", "\(gain) is not an ADS1256 gain (1, 2, 4, 8, 16, 32, 64)")
        }
        if positiveInput > 8 { return ("pos", "input \(positiveInput) out of range (0-7 = AIN0-AIN7, 8 = AINCOM)") }
        if negativeInput > 8 { return ("neg", "input \(negativeInput) out of range (0-7 = AIN0-AIN7, 8 = AINCOM)") }
        if positiveInput == negativeInput { return ("neg", "positive and negative input are both \(positiveInput)") }
        if spiClockHz == 0 || spiClockHz > ADS1256.maxSPIClockHz {
            return (
                "speed", "SPI clock \(spiClockHz) Hz outside 1…\(ADS1256.maxSPIClockHz) Hz (datasheet: SCLK ≤ fCLKIN/4)"
            )
        }
        return nil
    }

    /// DRATE register value, or nil when the rate is not in the table.
    public var dataRateCode: UInt8? {
        ADS1256.dataRateCodes.first { $0.samplesPerSecond == samplesPerSecond }?.code
    }

    var gainCode: UInt8? { ADS1256.gainCodes.first { $0.gain == gain }?.code }

    /// STATUS: ORDER = 0 (MSB first), ACAL = 0 (we calibrate explicitly), BUFEN as configured.
    public var statusRegister: UInt8 { inputBuffer ? 0x02 : 0x00 }
    /// MUX: PSEL in the high nibble, NSEL in the low nibble.
    public var muxRegister: UInt8 { positiveInput << 4 | negativeInput }
    /// ADCON: CLKOUT off (CLK1:0 = 00), sensor detect off (SDCS = 00), PGA code.
    public var adconRegister: UInt8 { gainCode ?? 0 }

    /// Nominal conversion period in nanoseconds.
    public var periodNanoseconds: Int64 { Int64((1e9 / samplesPerSecond).rounded()) }

    /// One seismic channel of 24-bit samples at the configured rate.
    public func streamDescription(name: String) -> StreamDescription {
        StreamDescription(
            name: name, modality: .seismic, sampleRateHz: samplesPerSecond, channelCount: 1, sampleFormat: .s24)
    }
}

func formatRate(_ rate: Double) -> String {
    rate == rate.rounded() ? String(Int(rate)) : String(rate)
}
