import CascadiaCore
import Foundation
import Testing

@testable import CascadiaIO

@Suite struct I2CDevBusTests {
    @Test(.enabled(if: HardwareGate.absent("/dev/i2c-1")))
    func withoutI2COpeningFailsWithOneLineAndExit69() {
        do {
            _ = try I2CDevBus(path: "/dev/i2c-1")
            Issue.record("opened a missing i2c adapter")
        } catch {
            #expect(error.exitCode == .unavailable)
            #expect(
                error.description.hasPrefix(
                    "/dev/i2c-1: cannot open: No such file or directory (enable I2C: dtparam=i2c_arm=on in /boot/firmware/config.txt)"
                ))
            #expect(!error.description.contains("\n"))
        }
    }

    /// The real wrappers on a regular file: I2C_SLAVE is refused (ENOTTY), writes land byte for byte,
    /// and a short read is an error.
    @Test func wrappersOnARegularFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-i2c-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let bus = try I2CDevBus(path: path)
        #expect(throws: DeviceError(device: path, reason: "I2C_SLAVE failed: Inappropriate ioctl for device")) {
            try bus.setAddress(0x48)
        }
        try bus.write(ADS1115.writeRegisterBytes(.highThreshold, 0x8000))
        try bus.write(ADS1115.writeRegisterBytes(.config, ADS1115Configuration().configRegister))
        #expect(FileManager.default.contents(atPath: path) == Data([0x03, 0x80, 0x00, 0x01, 0x04, 0x80]))
        #expect(throws: DeviceError(device: path, reason: "i2c read returned 0 of 2 bytes")) {
            _ = try bus.read(count: 2)
        }
    }

    /// On a Pi with an ADS1115 wired as in docs/devices.md: 50 conversions.
    @Test(.enabled(if: HardwareGate.enabled))
    func hardwareADS1115DeliversConversions() throws {
        let text = HardwareGate.spec("CASCADIA_ADS1115", default: "ads1115:/dev/i2c-1,addr=0x48,alert=gpiochip0:27")
        guard case .ads1115(let spec) = try SourceSpec.parse(text) else {
            throw DeviceError(device: text, reason: "not ads1115")
        }
        let line = try LibgpiodEdgeLine(chipName: spec.alert.chip, offset: spec.alert.offset)
        let device = ADS1115Device(i2c: try I2CDevBus(path: spec.i2cDevice), configuration: spec.configuration)
        let loop = DataReadyLoop(line: line, periodNanoseconds: device.periodNanoseconds) {
            SystemClock.monotonicNanoseconds()
        }
        try device.configure(loop)
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 64)
        _ = try loop.first(
            timeoutMilliseconds: device.firstConversionTimeoutMilliseconds, after: "config",
            read: device.readFirstConversion)
        for _ in 0..<50 { _ = try loop.step(into: ring, read: device.readConversion) }
        try device.shutDown(loop)
        #expect(loop.stalls == 0)
        #expect(loop.tracker.lostConversions == 0)
    }
}
