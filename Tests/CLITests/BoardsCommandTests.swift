import Foundation
import Testing

/// `cascadia boards check` run as the real binary.
@Suite final class BoardsCommandTests {
    /// Folders made by this test, removed when it ends.
    private var folders: [String] = []
    deinit { for folder in folders { try? FileManager.default.removeItem(atPath: folder) } }

    func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-boards-\(UUID().uuidString)")
            .path
        folders.append(path)
        try FileManager.default.createDirectory(atPath: path + "/dev", withIntermediateDirectories: true)
        return path
    }

    @Test func anInvalidBoardExits78NamingFileAndField() throws {
        let folder = try temporaryFolder()
        let file = folder + "/bad.json"
        try """
        {"board": "x", "seismic": {"source": "ads1256:/dev/spidev0.0,drdy=gpiochip0:17,rate=200", "sample_rate_hz": 200},
         "budget_ms": 60, "plan": "p.json"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["boards", "check", file])
        #expect(result.status == 78)
        #expect(
            result.stderr
                == "cascadia boards: \(file): seismic.source: 'ads1256:/dev/spidev0.0,drdy=gpiochip0:17,rate=200': rate: 200 sps is not an ADS1256 data rate (one of 30000, 15000, 7500, 3750, 2000, 1000, 500, 100, 60, 50, 30, 25, 15, 10, 5, 2.5)\n"
        )
    }

    @Test func everythingPresentExits0AndListsIt() throws {
        let root = try temporaryFolder()
        #expect(FileManager.default.createFile(atPath: root + "/dev/i2c-1", contents: nil))
        #expect(FileManager.default.createFile(atPath: root + "/dev/gpiochip0", contents: nil))
        #expect(FileManager.default.createFile(atPath: root + "/plan.json", contents: Data("{}".utf8)))
        let file = root + "/board.json"
        try """
        {"board": "adc", "seismic": {"source": "ads1115:/dev/i2c-1,alert=gpiochip0:27,rate=250", "sample_rate_hz": 250},
         "budget_ms": 80, "plan": "plan.json", "control_socket": "/tmp/x.sock"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["boards", "check", file, "--root", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(file): valid board 'adc'"))
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("  present seismic ") && $0.contains(" /dev/i2c-1 ") })
        #expect(lines.contains { $0.hasPrefix("  present seismic alert ") && $0.contains(" gpiochip0:27 ") })
        #expect(result.stdout.hasSuffix("  3 present, 0 missing\n"))
    }

    @Test func missingDevicesExit69() throws {
        let root = try temporaryFolder()
        let result = try CLIHarness.run(["boards", "check", "boards/rpi4.json", "--root", root])
        #expect(result.status == 69)
        #expect(result.stdout.contains("missing seismic         /dev/spidev0.0"))
        #expect(result.stdout.contains("no such device (enable SPI: dtparam=spi=on); none present"))
    }

    @Test func badUsageExits64() throws {
        #expect(try CLIHarness.run(["boards"]).status == 64)
        #expect(try CLIHarness.run(["boards", "check"]).status == 64)
        #expect(try CLIHarness.run(["boards", "check", "x.json", "--rot"]).status == 64)
        #expect(try CLIHarness.run(["boards", "check", "/nonexistent.json"]).status == 78)
    }
}
