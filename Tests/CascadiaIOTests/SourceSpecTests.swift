import CascadiaCore
import Testing

@testable import CascadiaIO

@Suite struct SourceSpecTests {
    @Test func parsesTheFiveKindsWithDefaults() throws {
        #expect(try SourceSpec.parse("alsa:plughw:CARD=Device,DEV=0") == .alsa(device: "plughw:CARD=Device,DEV=0"))
        #expect(
            try SourceSpec.parse("file:recordings/sim/seismic.mseed") == .file(path: "recordings/sim/seismic.mseed"))
        #expect(
            try SourceSpec.parse("ads1256:/dev/spidev0.0,drdy=gpiochip0:17")
                == .ads1256(
                    .init(
                        spiDevice: "/dev/spidev0.0", dataReady: .init(chip: "gpiochip0", offset: 17),
                        configuration: .init())))
        #expect(
            try SourceSpec.parse("ads1115:/dev/i2c-1,addr=0x48,alert=gpiochip0:27")
                == .ads1115(
                    .init(i2cDevice: "/dev/i2c-1", alert: .init(chip: "gpiochip0", offset: 27), configuration: .init()))
        )
        #expect(try SourceSpec.parse("shake:udp:8888") == .shake(.init()))
    }

    @Test func parsesEveryOption() throws {
        let a = try SourceSpec.parse(
            "ads1256:/dev/spidev0.1,speed=960000,buffer=on,neg=8,pos=3,gain=8,rate=500,drdy=gpiochip4:22")
        #expect(
            a
                == .ads1256(
                    .init(
                        spiDevice: "/dev/spidev0.1", dataReady: .init(chip: "gpiochip4", offset: 22),
                        configuration: .init(
                            samplesPerSecond: 500, gain: 8, positiveInput: 3, negativeInput: 8, inputBuffer: true,
                            spiClockHz: 960_000))))
        let b = try SourceSpec.parse("ads1115:/dev/i2c-3,alert=gpiochip0:6,addr=0x4b,rate=860,mux=4,range=4096")
        #expect(
            b
                == .ads1115(
                    .init(
                        i2cDevice: "/dev/i2c-3", alert: .init(chip: "gpiochip0", offset: 6),
                        configuration: .init(address: 0x4B, samplesPerSecond: 860, mux: 4, fullScaleMillivolts: 4096))))
        let c = try SourceSpec.parse("shake:udp:18001,channel=ENZ,rate=200,bind=127.0.0.1")
        #expect(c == .shake(.init(port: 18001, channel: "ENZ", sampleRateHz: 200, bindAddress: "127.0.0.1")))
    }

    @Test(arguments: [
        "ads1256:/dev/spidev0.0,drdy=gpiochip0:17", "ads1115:/dev/i2c-1,alert=gpiochip0:27", "shake:udp:8888",
        "alsa:hw:CARD=USB,DEV=0", "file:a,b.flac",
    ])
    func canonicalTextParsesBackToTheSameSpec(text: String) throws {
        let spec = try SourceSpec.parse(text)
        #expect(try SourceSpec.parse(spec.description) == spec)
    }

    @Test(arguments: [
        ("nothing", "kind", "expected KIND:…, one of alsa, ads1256, ads1115, shake, file"),
        ("usb:foo", "kind", "unknown source kind 'usb' (alsa, ads1256, ads1115, shake, file)"),
        ("alsa:", "device", "empty ALSA device name (e.g. alsa:plughw:CARD=Device,DEV=0)"),
        ("ads1256:/dev/spidev0.0", "drdy", "required (e.g. drdy=gpiochip0:17)"),
        (
            "ads1256:spidev0.0,drdy=gpiochip0:17", "device",
            "expected a device path like /dev/spidev0.0, got 'spidev0.0'"
        ),
        ("ads1256:/dev/spidev0.0,drdy=17", "drdy", "expected gpiochipN:LINE (e.g. gpiochip0:17), got '17'"),
        ("ads1256:/dev/spidev0.0,drdy=gpiochip0:x", "drdy", "line offset 'x' is not a non-negative integer"),
        (
            "ads1256:/dev/spidev0.0,drdy=gpiochip0:17,rate=200", "rate",
            "200 sps is not an ADS1256 data rate (one of 30000, 15000, 7500, 3750, 2000, 1000, 500, 100, 60, 50, 30, 25, 15, 10, 5, 2.5)"
        ),
        (
            "ads1256:/dev/spidev0.0,drdy=gpiochip0:17,speed=4000000", "speed",
            "SPI clock 4000000 Hz outside 1…1920000 Hz (datasheet: SCLK ≤ fCLKIN/4)"
        ),
        (
            "ads1256:/dev/spidev0.0,drdy=gpiochip0:17,gian=2", "gian",
            "unknown option (keys: drdy, rate, gain, pos, neg, buffer, speed)"
        ),
        ("ads1256:/dev/spidev0.0,drdy=gpiochip0:17,drdy=gpiochip0:18", "drdy", "given twice"),
        ("ads1256:/dev/spidev0.0,drdy=gpiochip0:17,buffer=maybe", "buffer", "expected on or off, got 'maybe'"),
        (
            "ads1115:/dev/i2c-1,alert=gpiochip0:27,addr=0x50", "addr",
            "address 0x50 is not an ADS1115 address (0x48-0x4b)"
        ),
        ("ads1115:/dev/i2c-1,alert=gpiochip0:27,addr=zz", "addr", "'zz' is not a valid integer in 0…255"),
        (
            "ads1115:/dev/i2c-1,alert=gpiochip0:27,rate=100", "rate",
            "100 sps is not an ADS1115 data rate (8, 16, 32, 64, 128, 250, 475, 860)"
        ),
        ("shake:tcp:8888", "transport", "expected shake:udp:PORT (e.g. shake:udp:8888), got 'shake:tcp:8888'"),
        ("shake:udp:0", "port", "'0' is not a UDP port (1-65535)"),
        ("shake:udp:70000", "port", "'70000' is not a UDP port (1-65535)"),
        ("shake:udp:8888,bind=localhost", "bind", "'localhost' is not an IPv4 address"),
        ("shake:udp:8888,channel=E Z", "channel", "'E Z' is not a SEED channel code (e.g. EHZ)"),
        ("shake:udp:8888,rate=-5", "rate", "'-5' is not a positive number of samples per second"),
    ])
    func rejectsBadSpecsNamingTheField(text: String, field: String, reason: String) {
        do {
            _ = try SourceSpec.parse(text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.field == field)
            #expect(error.reason == reason)
            #expect(error.exitCode == .usage)
            #expect(error.description == "--source '\(text)': \(field): \(reason)")
        }
    }

    @Test func inABoardFileTheErrorIsAConfigErrorNamingFileAndField() {
        do {
            _ = try SourceSpec.parse(
                "ads1256:/dev/spidev0.0", origin: .boardFile(path: "boards/rpi4.json", field: "seismic.source"))
            Issue.record("parsed")
        } catch {
            #expect(error.exitCode == .config)
            #expect(
                error.description
                    == "boards/rpi4.json: seismic.source: 'ads1256:/dev/spidev0.0': drdy: required (e.g. drdy=gpiochip0:17)"
            )
        }
    }

    /// Random specs built from the grammar's pieces either parse (and round-trip) or fail with a
    /// SourceSpecError; none traps.
    @Test func randomSpecsParseOrFailCleanly() throws {
        let pieces = [
            "ads1256:", "ads1115:", "shake:", "udp:", "alsa:", "file:", "/dev/spidev0.0", "/dev/i2c-1", ",", "=", ":",
            "drdy", "alert", "rate", "gain", "addr", "0x48", "gpiochip0", "17", "-1", "99999999999", "on", "100",
            "8888",
        ]
        var state: UInt64 = 42
        var parsed = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<(1 + Int(state % 8)) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int(state >> 33) % pieces.count]
            }
            do {
                let spec = try SourceSpec.parse(text)
                parsed += 1
                #expect(try SourceSpec.parse(spec.description) == spec)
            } catch {
                #expect(error.exitCode == .usage)
            }
        }
        #expect(parsed > 0)
    }
}
