import CascadiaCore
import Foundation
import Testing

@testable import CascadiaIO

@Suite struct SPIDevBusTests {
    @Test(.enabled(if: HardwareGate.absent("/dev/spidev0.0")))
    func withoutSPIOpeningFailsWithOneLineAndExit69() {
        do {
            _ = try SPIDevBus(path: "/dev/spidev0.0")
            Issue.record("opened a missing spidev")
        } catch {
            #expect(error.exitCode == .unavailable)
            #expect(
                error.description.hasPrefix(
                    "/dev/spidev0.0: cannot open: No such file or directory (enable SPI: dtparam=spi=on in /boot/firmware/config.txt)"
                ))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(.enabled(if: HardwareGate.absent("/dev/spidev0.0")))
    func theADS1256SourceReportsTheMissingBusOnOpen() {
        guard case .ads1256(let spec) = try? SourceSpec.parse("ads1256:/dev/spidev0.0,drdy=gpiochip0:17") else {
            Issue.record("spec did not parse")
            return
        }
        let source = SourceFactory.ads1256(spec)
        #expect(throws: DeviceError.self) { try source.open() }
    }

    /// The real ioctl wrappers on a regular file: the kernel answers ENOTTY and the error names the
    /// ioctl and the file.
    @Test func ioctlsOnANonSPIFileFailNamingTheRequest() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-spidev-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let bus = try SPIDevBus(path: path)
        #expect(throws: DeviceError(device: path, reason: "SPI_IOC_WR_MODE failed: Inappropriate ioctl for device")) {
            try bus.configure(mode: 1, maxSpeedHz: 1_920_000, bitsPerWord: 8)
        }
        #expect(throws: DeviceError(device: path, reason: "SPI_IOC_MESSAGE failed: Inappropriate ioctl for device")) {
            _ = try bus.exchange([0x10, 0x03], delayMicroseconds: 7, readCount: 4)
        }
    }

    @Test func aPathThatIsNotADeviceFails() {
        #expect(throws: DeviceError.self) { _ = try SPIDevBus(path: "/nonexistent/spidev9.9") }
    }

    /// On a Pi with an ADS1256 wired as in docs/devices.md: 50 conversions at the spec's rate.
    @Test(.enabled(if: HardwareGate.enabled))
    func hardwareADS1256DeliversConversionsOnTime() throws {
        let text = HardwareGate.spec("CASCADIA_ADS1256", default: "ads1256:/dev/spidev0.0,drdy=gpiochip0:17")
        guard case .ads1256(let spec) = try SourceSpec.parse(text) else {
            throw DeviceError(device: text, reason: "not ads1256")
        }
        let line = try LibgpiodEdgeLine(chipName: spec.dataReady.chip, offset: spec.dataReady.offset)
        let device = ADS1256Device(spi: try SPIDevBus(path: spec.spiDevice), configuration: spec.configuration)
        let loop = DataReadyLoop(line: line, periodNanoseconds: device.periodNanoseconds) {
            SystemClock.monotonicNanoseconds()
        }
        try device.configure(loop)
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 64)
        let first = try loop.first(
            timeoutMilliseconds: device.firstConversionTimeoutMilliseconds, after: "SELFCAL",
            read: device.readFirstConversion)
        #expect((-8_388_608...8_388_607).contains(first.sample))
        for _ in 0..<50 { _ = try loop.step(into: ring, read: device.readConversion) }
        try device.shutDown(loop)
        #expect(loop.stalls == 0)
        #expect(loop.tracker.lostConversions == 0)
        let measured = Double(loop.tracker.periodNanoseconds) / Double(device.periodNanoseconds)
        #expect(abs(measured - 1) < 0.01)
    }
}
