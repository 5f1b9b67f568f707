import Testing

@testable import CascadiaIO

@Suite struct ADS1256ProtocolTests {
    @Test(
        arguments: [
            ([0x7F, 0xFF, 0xFF], 8_388_607), ([0x80, 0x00, 0x00], -8_388_608), ([0xFF, 0xFF, 0xFF], -1),
            ([0x00, 0x00, 0x01], 1), ([0x00, 0x00, 0x00], 0), ([0xFF, 0xEC, 0x78], -5000),
        ] as [([UInt8], Int32)])
    func decodesTwentyFourBitTwosComplement(bytes: [UInt8], value: Int32) {
        #expect(ADS1256.decodeSample(bytes[0], bytes[1], bytes[2]) == value)
    }

    @Test func commandBytesMatchTheDatasheet() {
        #expect(ADS1256.Command.reset.rawValue == 0xFE)
        #expect(ADS1256.Command.stopReadDataContinuous.rawValue == 0x0F)
        #expect(ADS1256.Command.readDataContinuous.rawValue == 0x03)
        #expect(ADS1256.Command.selfCalibrate.rawValue == 0xF0)
        #expect(ADS1256.writeRegisterCommand(.drate) == 0x53)
        #expect(ADS1256.readRegisterCommand(.mux) == 0x11)
    }

    @Test func timingFollowsTheSevenPointSixEightMegahertzClock() {
        // SCLK ≤ fCLKIN/4; t6 = 50 τ = 6.51 µs; t11 = 24 τ = 3.13 µs.
        #expect(ADS1256.maxSPIClockHz == 1_920_000)
        #expect(Double(ADS1256.t6Microseconds) >= 50e6 / Double(ADS1256.clockHz))
        #expect(Double(ADS1256.t11Microseconds) >= 24e6 / Double(ADS1256.clockHz))
    }

    @Test func dataRateCodes() {
        #expect(ADS1256Configuration(samplesPerSecond: 100).dataRateCode == 0x82)
        #expect(ADS1256Configuration(samplesPerSecond: 2.5).dataRateCode == 0x03)
        #expect(ADS1256Configuration(samplesPerSecond: 30_000).dataRateCode == 0xF0)
        #expect(ADS1256Configuration(samplesPerSecond: 200).dataRateCode == nil)
        #expect(ADS1256Configuration(samplesPerSecond: 100).periodNanoseconds == 10_000_000)
    }

    @Test func validationNamesTheField() {
        #expect(ADS1256Configuration(samplesPerSecond: 200).validate()?.field == "rate")
        #expect(ADS1256Configuration(gain: 3).validate()?.field == "gain")
        #expect(ADS1256Configuration(positiveInput: 9).validate()?.field == "pos")
        #expect(ADS1256Configuration(positiveInput: 1, negativeInput: 1).validate()?.field == "neg")
        #expect(ADS1256Configuration(spiClockHz: 2_000_000).validate()?.field == "speed")
        #expect(ADS1256Configuration().validate() == nil)
    }
}
