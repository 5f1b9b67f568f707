/// The ADS1115 16-bit ADC's I²C register protocol (TI SBAS444, "ADS111x Ultra-Small, Low-Power,
/// I2C-Compatible, 860-SPS, 16-Bit ADCs").
///
/// Pure values, no I/O: `ADS1115Source` sends these bytes over an `I2CBus`.
public enum ADS1115 {
    /// Address-pointer register values (datasheet Table 8-3).
    public enum Pointer: UInt8, Sendable {
        case conversion = 0x00
        case config = 0x01
        case lowThreshold = 0x02
        case highThreshold = 0x03
    }

    /// DR field (config bits 7:5) by rate in samples per second.
    public static let dataRateCodes: [(samplesPerSecond: Int, code: UInt16)] = [
        (8, 0), (16, 1), (32, 2), (64, 3), (128, 4), (250, 5), (475, 6), (860, 7),
    ]

    /// PGA field (config bits 11:9) by full-scale range in millivolts.
    public static let rangeCodes: [(fullScaleMillivolts: Int, code: UInt16)] = [
        (6144, 0), (4096, 1), (2048, 2), (1024, 3), (512, 4), (256, 5),
    ]

    /// Hi_thresh with its MSB set and Lo_thresh with its MSB clear turn ALERT/RDY into a
    /// conversion-ready signal (datasheet §9.3.8): it pulses low for 8 µs after every conversion
    /// in continuous mode (COMP_POL = 0, COMP_QUE ≠ 11).
    public static let conversionReadyHighThreshold: UInt16 = 0x8000
    public static let conversionReadyLowThreshold: UInt16 = 0x0000

    /// The internal oscillator is specified to ±10 %; gap detection must allow for it.
    public static let rateToleranceFraction = 0.10

    /// The bytes that write a 16-bit register: pointer, MSB, LSB.
    public static func writeRegisterBytes(_ pointer: Pointer, _ value: UInt16) -> [UInt8] {
        [pointer.rawValue, UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    /// A conversion result: big-endian 16-bit two's complement.
    ///
    /// - Note: Real-time safe.
    @inline(__always)
    public static func decodeSample(_ msb: UInt8, _ lsb: UInt8) -> Int32 {
        Int32(Int16(bitPattern: UInt16(msb) << 8 | UInt16(lsb)))
    }
}

/// How an ADS1115 is set up: address, input, range and rate.
public struct ADS1115Configuration: Equatable, Sendable {
    /// 7-bit I²C address: 0x48 (ADDR to GND), 0x49 (VDD), 0x4A (SDA), 0x4B (SCL).
    public var address: UInt8
    /// Rate in samples per second: 8, 16, 32, 64, 128, 250, 475 or 860.
    public var samplesPerSecond: Int
    /// MUX field (config bits 14:12): 0 = AIN0−AIN1, 1 = AIN0−AIN3, 2 = AIN1−AIN3, 3 = AIN2−AIN3,
    /// 4…7 = AIN0…AIN3 against GND.
    public var mux: UInt8
    /// Full-scale range in mV: 6144, 4096, 2048, 1024, 512 or 256.
    public var fullScaleMillivolts: Int

    /// The seismic default: 0x48, 128 sps, differential AIN0 − AIN1, ±2.048 V.
    public init(address: UInt8 = 0x48, samplesPerSecond: Int = 128, mux: UInt8 = 0, fullScaleMillivolts: Int = 2048) {
        self.address = address
        self.samplesPerSecond = samplesPerSecond
        self.mux = mux
        self.fullScaleMillivolts = fullScaleMillivolts
    }

    /// Checks every field; the message names the field and the allowed values.
    public func validate() -> (field: String, message: String)? {
        if !(0x48...0x4B).contains(address) {
            return ("addr", "address 0x\(String(address, radix: 16)) is not an ADS1115 address (0x48-0x4b)")
        }
        if rateCode == nil {
            return ("rate", "\(samplesPerSecond) sps is not an ADS1115 data rate (8, 16, 32, 64, 128, 250, 475, 860)")
        }
        if mux > 7 { return ("mux", "\(mux) out of range 0-7") }
        if rangeCode == nil {
            return ("range", "\(fullScaleMillivolts) mV is not an ADS1115 range (6144, 4096, 2048, 1024, 512, 256)")
        }
        return nil
    }

    var rateCode: UInt16? { ADS1115.dataRateCodes.first { $0.samplesPerSecond == samplesPerSecond }?.code }
    var rangeCode: UInt16? { ADS1115.rangeCodes.first { $0.fullScaleMillivolts == fullScaleMillivolts }?.code }

    /// The config register: OS = 0, MUX, PGA, MODE = 0 (continuous), DR, COMP_MODE = 0
    /// (traditional), COMP_POL = 0 (active low), COMP_LAT = 0, COMP_QUE = 00 (assert after one
    /// conversion — required for the conversion-ready function).
    public var configRegister: UInt16 {
        UInt16(mux & 0x7) << 12 | (rangeCode ?? 2) << 9 | 0 << 8 | (rateCode ?? 4) << 5 | 0b00000
    }

    /// Nominal conversion period in nanoseconds.
    public var periodNanoseconds: Int64 { 1_000_000_000 / Int64(samplesPerSecond) }

    /// One seismic channel of 16-bit samples at the configured rate.
    public func streamDescription(name: String) -> StreamDescription {
        StreamDescription(
            name: name, modality: .seismic, sampleRateHz: Double(samplesPerSecond), channelCount: 1, sampleFormat: .s16)
    }
}
