import CascadiaCore
import Testing

@testable import CascadiaIO

@Suite struct LibgpiodEdgeLineTests {
    @Test(.enabled(if: HardwareGate.absent("/dev/gpiochip0")))
    func withoutAGPIOChipOpeningFailsWithOneLineAndExit69() {
        do {
            _ = try LibgpiodEdgeLine(chipName: "gpiochip0", offset: 17)
            Issue.record("opened a missing gpiochip")
        } catch {
            #expect(error.exitCode == .unavailable)
            #expect(error.description.hasPrefix("gpiochip0:17: cannot open /dev/gpiochip0: No such file or directory"))
            #expect(!error.description.contains("\n"))
        }
    }

    /// On a Pi: the line can be requested and a bounded wait returns (0 events without an ADC).
    @Test(.enabled(if: HardwareGate.enabled))
    func hardwareLineRequestAndInterrupt() throws {
        let line = try LibgpiodEdgeLine(chipName: "gpiochip0", offset: 17)
        var events = [GPIOEdgeEvent](repeating: .init(timestampNanoseconds: 0), count: 16)
        line.interrupt()
        let count = try events.withUnsafeMutableBufferPointer {
            try line.waitForEvents(into: $0, timeoutMilliseconds: 1_000)
        }
        #expect(count == 0)
    }
}
