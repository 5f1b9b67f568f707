import Foundation
import Testing

/// Device source specs on a real command line (`cascadia record --source …`).
@Suite struct SourceSpecCLITests {
    @Test func aBadSpecIsAUsageErrorNamingTheOption() throws {
        let result = try CLIHarness.run([
            "record", "--source", "ads1115:/dev/i2c-1,addr=0x50,alert=gpiochip0:27", "--out", "/nonexistent/x",
        ])
        #expect(result.status == 64)
        #expect(
            result.stderr
                == "cascadia record: --source 'ads1115:/dev/i2c-1,addr=0x50,alert=gpiochip0:27': addr: address 0x50 is not an ADS1115 address (0x48-0x4b)\n"
        )
    }

    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/dev/spidev0.0")))
    func withoutSPITheADS1256IsUnavailableWithOneLine() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-rec-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CLIHarness.run([
            "record", "--source", "ads1256:/dev/spidev0.0,drdy=gpiochip0:17", "--out", out,
        ])
        #expect(result.status == 69)
        #expect(
            result.stderr
                == "cascadia record: /dev/spidev0.0: cannot open: No such file or directory (enable SPI: dtparam=spi=on in /boot/firmware/config.txt)\n"
        )
    }

    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/dev/gpiochip0")))
    func withoutGPIOTheADS1115IsUnavailableWithOneLine() throws {
        // A regular file stands in for the I²C adapter so that opening gets as far as the GPIO chip.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-rec-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: folder + "/i2c-1", contents: nil))
        let spec = "ads1115:/dev/../\(folder)/i2c-1,alert=gpiochip0:27"
        let result = try CLIHarness.run(["record", "--source", spec, "--out", folder + "/out"])
        #expect(result.status == 69)
        #expect(
            result.stderr.hasPrefix(
                "cascadia record: gpiochip0:27: cannot open /dev/gpiochip0: No such file or directory"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
    }
}
