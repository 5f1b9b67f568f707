import CascadiaCore
import Testing

@testable import CascadiaIO

/// The ADS1115 driver against a fake i2c-dev that behaves like the chip and a fake ALERT/RDY line.
@Suite struct ADS1115SourceTests {
    static let t0: Int64 = 2_000_000_000

    static let setupTranscript: [I2CEvent] = [
        .address(0x48),
        .write([0x02, 0x00, 0x00]),  // Lo_thresh MSB 0
        .write([0x03, 0x80, 0x00]),  // Hi_thresh MSB 1: ALERT/RDY = conversion ready
        .write([0x01, 0x04, 0x80]),  // config: AIN0-AIN1, ±2.048 V, continuous, 128 sps, COMP_QUE 00
        .write([0x01]), .read(count: 2),  // read the config back
        .write([0x00]),  // pointer → conversion register
    ]

    func make(
        configuration: ADS1115Configuration = .init(), actualPeriod: Int64, script: [FakeEdgeLine.Batch]
    ) -> (ADS1115Device, FakeADS1115Bus, DataReadyLoop) {
        let clock = ManualClock()
        let bus = FakeADS1115Bus(clock: clock, periodNanoseconds: actualPeriod)
        bus.firstConversion = Self.t0
        let line = FakeEdgeLine(name: "gpiochip0:27", clock: clock, script: script, blocksWhenExhausted: false)
        let device = ADS1115Device(i2c: bus, configuration: configuration)
        return (
            device, bus,
            DataReadyLoop(line: line, periodNanoseconds: configuration.periodNanoseconds, clock: clock.read)
        )
    }

    @Test func setUpWritesThresholdsAndConfigByteForByte() throws {
        let (device, bus, loop) = make(actualPeriod: 7_812_500, script: [])
        try device.configure(loop)
        #expect(bus.transcript == Self.setupTranscript)
    }

    @Test func configRegisterEncodesEveryField() {
        #expect(ADS1115Configuration().configRegister == 0x0480)
        // AIN0-GND (100), ±4.096 V (001), 860 sps (111).
        #expect(ADS1115Configuration(samplesPerSecond: 860, mux: 4, fullScaleMillivolts: 4096).configRegister == 0x42E0)
        // ±0.256 V (101), 8 sps (000), AIN2-AIN3 (011).
        #expect(ADS1115Configuration(samplesPerSecond: 8, mux: 3, fullScaleMillivolts: 256).configRegister == 0x3A00)
    }

    @Test(
        arguments: [([0x7F, 0xFF], 32767), ([0x80, 0x00], -32768), ([0xFF, 0xFF], -1), ([0x01, 0x00], 256)]
            as [([UInt8], Int32)])
    func decodesSixteenBitTwosComplement(bytes: [UInt8], value: Int32) {
        #expect(ADS1115.decodeSample(bytes[0], bytes[1]) == value)
    }

    @Test func readsEveryConversionOfAnEightPercentSlowChipAndReportsALostRun() throws {
        // 128 sps nominal (7.8125 ms); this chip converts every 8.4375 ms (−8 %, within ±10 %).
        let actual: Int64 = 8_437_500
        var script = (0...40).map { k in
            FakeEdgeLine.Batch(events: [Self.t0 + k * actual], readAt: Self.t0 + k * actual + 40_000)
        }
        // Ten edges lost (the reader stalled), then regular again.
        script += (51...53).map { k in
            FakeEdgeLine.Batch(events: [Self.t0 + k * actual], readAt: Self.t0 + k * actual + 40_000)
        }
        let (device, bus, loop) = make(actualPeriod: actual, script: script)
        try device.configure(loop)
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 128)
        let first = try loop.first(timeoutMilliseconds: 1_031, after: "config write", read: device.readFirstConversion)
        DataReadyLoop.write(first.sample, at: first.monotonicNanoseconds, to: ring)
        for _ in 1..<script.count { #expect(try loop.step(into: ring, read: device.readConversion)) }
        // value(k) = 100·k − 300
        let expected: [RingItem] =
            (0...40).map { .sample(Int32($0 * 100 - 300)) } + [.gap(10)]
            + (51...53).map { .sample(Int32($0 * 100 - 300)) }
        #expect(drainRing(ring) == expected)
        #expect(loop.tracker.lostEdges == 10)
        #expect(loop.tracker.lostConversions == 10)
        let reads = bus.transcript.dropFirst(Self.setupTranscript.count)
        #expect(reads.count == 44 && reads.allSatisfy { $0 == .read(count: 2) })
        try device.shutDown(loop)
        #expect(bus.transcript.last == .write([0x01, 0x05, 0x80]))  // MODE = 1: power down
    }

    @Test func noChipAtTheAddressIsAClearDeviceError() throws {
        let (device, bus, loop) = make(configuration: .init(address: 0x49), actualPeriod: 7_812_500, script: [])
        bus.answersAt = 0x48
        do {
            try device.configure(loop)
            Issue.record("configure succeeded without a chip")
        } catch {
            #expect(error.exitCode == .unavailable)
            #expect(error.description == "/dev/i2c-1: i2c write failed: Remote I/O error")
        }
    }

    @Test func aDifferentChipAnsweringIsRejected() throws {
        let (_, bus, loop) = make(actualPeriod: 7_812_500, script: [])
        bus.registers[1] = 0x1234
        // A device that acknowledges the config write but keeps its own value.
        let stubborn = StubbornConfigBus(inner: bus)
        let other = ADS1115Device(i2c: stubborn, configuration: .init())
        do {
            try other.configure(loop)
            Issue.record("configure accepted a wrong read-back")
        } catch {
            #expect(error.description.contains("no ADS1115 answers: config read back 0x1234 after writing 0x480"))
        }
    }
}

/// An I²C device that acknowledges writes but keeps its own register contents.
final class StubbornConfigBus: I2CBus, @unchecked Sendable {
    let inner: FakeADS1115Bus
    var device: String { inner.device }
    init(inner: FakeADS1115Bus) { self.inner = inner }
    func setAddress(_ address: UInt8) throws(DeviceError) { try inner.setAddress(address) }
    func write(_ bytes: UnsafeRawBufferPointer) throws(DeviceError) {
        let saved = inner.registers
        try inner.write(bytes)
        inner.registers = saved
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DeviceError) { try inner.read(into: buffer) }
}
