import CascadiaCore
import Foundation
import Testing

@testable import CascadiaIO

/// The ADS1256 driver against a fake spidev that behaves like the chip and a fake DRDY line.
@Suite struct ADS1256SourceTests {
    static let period: Int64 = 10_000_000  // 100 sps
    static let t0: Int64 = 1_000_000_000  // the DRDY edge that ends SELFCAL: conversion 0

    /// Set-up edges: one after RESET, two stale ones (drained), the SELFCAL edge.
    static let setup: [FakeEdgeLine.Batch] = [
        .init(events: [500_000_000], readAt: 500_000_100),
        .init(events: [600_000_000, 600_033_333], readAt: 600_100_000, stale: true),
        .init(events: [t0], readAt: t0 + 50_000),
    ]

    /// Running edges: regular, two lost in the kernel, a full queue of 16 with two more dropped
    /// after it, a late wake-up, and the stale event that late wake-up leaves behind.
    static let running: [FakeEdgeLine.Batch] = [
        .init(events: [t0 + period], readAt: t0 + period + 30_000),
        .init(events: [t0 + 2 * period], readAt: t0 + 2 * period + 30_000),
        .init(events: [t0 + 5 * period], readAt: t0 + 5 * period + 30_000),
        .init(events: (6...21).map { t0 + $0 * period }, readAt: t0 + 23 * period + 10_000),
        .init(events: [t0 + 24 * period], readAt: t0 + 24 * period + 30_000),
        .init(events: [t0 + 25 * period], readAt: t0 + 26 * period + 100_000),
        .init(events: [t0 + 26 * period], readAt: t0 + 26 * period + 200_000),
        .init(events: [t0 + 27 * period], readAt: t0 + 27 * period + 30_000),
    ]

    /// conversion k has the value k·1000 − 5000.
    static let expectedRing: [RingItem] = [
        .sample(-5000), .sample(-4000), .sample(-3000), .gap(2), .sample(0), .gap(17), .sample(18000),
        .sample(19000), .gap(1), .sample(21000), .sample(22000),
    ]

    static let setupTranscript: [SPIEvent] = [
        .configure(mode: 1, speedHz: 1_920_000, bits: 8),
        .transfer(write: [0xFE], delayMicroseconds: 4, readCount: 0),  // RESET
        .transfer(write: [0x0F], delayMicroseconds: 4, readCount: 0),  // SDATAC
        // WREG STATUS..DRATE
        .transfer(write: [0x50, 0x03, 0x00, 0x01, 0x00, 0x82], delayMicroseconds: 4, readCount: 0),
        .transfer(write: [0x10, 0x03], delayMicroseconds: 7, readCount: 4),  // RREG STATUS..DRATE, t6
        .transfer(write: [0xF0], delayMicroseconds: 4, readCount: 0),  // SELFCAL
    ]

    func makeDevice(script: [FakeEdgeLine.Batch], configuration: ADS1256Configuration = .init(), blocks: Bool = true)
        -> (ADS1256Device, FakeADS1256Bus, FakeEdgeLine, DataReadyLoop)
    {
        let clock = ManualClock()
        let bus = FakeADS1256Bus(clock: clock, periodNanoseconds: configuration.periodNanoseconds)
        bus.firstConversion = Self.t0
        let line = FakeEdgeLine(clock: clock, script: script, blocksWhenExhausted: blocks)
        let device = ADS1256Device(spi: bus, configuration: configuration)
        let loop = DataReadyLoop(line: line, periodNanoseconds: configuration.periodNanoseconds, clock: clock.read)
        return (device, bus, line, loop)
    }

    @Test func setUpSendsTheDatasheetSequenceByteForByte() throws {
        let (device, bus, line, loop) = makeDevice(script: Self.setup)
        try device.configure(loop)
        #expect(bus.transcript == Self.setupTranscript)
        // RESET and SELFCAL waits are bounded; the drain used non-blocking reads.
        #expect(line.waits == [2_200, 0, 0])
    }

    @Test func registerValuesFollowTheConfiguration() throws {
        let configuration = ADS1256Configuration(
            samplesPerSecond: 1_000, gain: 64, positiveInput: 2, negativeInput: 8, inputBuffer: true,
            spiClockHz: 1_000_000)
        let (device, bus, _, loop) = makeDevice(script: Self.setup, configuration: configuration)
        try device.configure(loop)
        #expect(bus.transcript[0] == .configure(mode: 1, speedHz: 1_000_000, bits: 8))
        // STATUS BUFEN, MUX AIN2/AINCOM, ADCON PGA=64 (110), DRATE 1000 sps.
        #expect(
            bus.transcript[3]
                == .transfer(write: [0x50, 0x03, 0x02, 0x28, 0x06, 0xA1], delayMicroseconds: 4, readCount: 0))
    }

    @Test func continuousReadCountsLostEdgesAndMarksGaps() throws {
        let (device, bus, _, loop) = makeDevice(script: Self.setup + Self.running)
        try device.configure(loop)
        let ring = SPSCRingBuffer<Int32>(capacityFrames: 64)
        let first = try loop.first(timeoutMilliseconds: 2_200, after: "SELFCAL", read: device.readFirstConversion)
        #expect(first.sample == -5000)
        #expect(first.monotonicNanoseconds == Self.t0)
        DataReadyLoop.write(first.sample, at: first.monotonicNanoseconds, to: ring)
        for _ in Self.running {
            #expect(try loop.step(into: ring, read: device.readConversion))
        }
        #expect(drainRing(ring) == Self.expectedRing)
        // RDATAC then one 3-byte read per new conversion (7; the stale event is not read).
        let reads = Array(bus.transcript.dropFirst(Self.setupTranscript.count))
        #expect(reads.first == .transfer(write: [0x03], delayMicroseconds: 7, readCount: 3))
        #expect(reads.dropFirst().allSatisfy { $0 == .transfer(write: [], delayMicroseconds: 0, readCount: 3) })
        #expect(reads.count == 1 + 7)
        #expect(loop.tracker.lostEdges == 4)
        #expect(loop.tracker.lostConversions == 20)
        #expect(loop.tracker.queueOverflows == 1)
        #expect(loop.tracker.edges == 24)
        #expect(loop.framePosition == 28)
    }

    /// A threaded source over the fake bus and line, running the full set-up and running scripts.
    func makeSource(failOnContinuousRead: Int? = nil)
        -> (DataReadySource<ADS1256Device>, FakeADS1256Bus, FakeEdgeLine)
    {
        let clock = ManualClock()
        let bus = FakeADS1256Bus(clock: clock, periodNanoseconds: Self.period)
        bus.firstConversion = Self.t0
        bus.failOnContinuousRead = failOnContinuousRead
        let line = FakeEdgeLine(clock: clock, script: Self.setup + Self.running)
        let configuration = ADS1256Configuration()
        let source = DataReadySource<ADS1256Device>(
            name: "ads1256:test", description: configuration.streamDescription(name: "ads1256:test"), clock: clock.read
        ) { () throws(DeviceError) in (ADS1256Device(spi: bus, configuration: configuration), line) }
        return (source, bus, line)
    }

    @Test func sourceThreadDeliversTheSameStreamAndStopsWithSDATAC() throws {
        let (source, bus, line) = makeSource()
        try source.open()
        try source.start()
        #expect(line.exhausted.wait(timeout: .now() + 10) == .success)
        source.stop()
        #expect(source.runError == nil)
        #expect(drainRing(source.stream.ring) == Self.expectedRing + [])
        #expect(source.stream.timebase?.firstSampleMonotonicNanoseconds == Self.t0)
        #expect(bus.transcript.last == .transfer(write: [0x0F], delayMicroseconds: 4, readCount: 0))
        #expect(source.counters.gapFrames == 20)
        #expect(
            source.dataReadyCounters
                == DataReadyCounters(
                    edges: 24, lostEdges: 4, lostConversions: 20, queueOverflows: 1, stalls: 0,
                    periodNanoseconds: Self.period))
        #expect(source.streamDescription.sampleFormat == .s24)
    }

    @Test func aBusWithoutTheChipIsAClearDeviceError() throws {
        let (device, bus, _, loop) = makeDevice(script: Self.setup)
        bus.rregOverride = [0xFF, 0xFF, 0xFF, 0xFF]
        do {
            try device.configure(loop)
            Issue.record("configure succeeded without a chip")
        } catch {
            #expect(error.exitCode == .unavailable)
            #expect(
                error.description
                    == "/dev/spidev0.0: no ADS1256 answers: STATUS..DRATE read back 0xff 0xff 0xff 0xff after writing 0x00 0x01 0x00 0x82 (check wiring, CS, SPI mode 1)"
            )
        }
    }

    @Test func aSilentDRDYLineFailsStartUpNamingTheLine() throws {
        let (device, _, _, loop) = makeDevice(script: [], blocks: false)
        #expect(throws: DeviceError.self) { try device.configure(loop) }
        do { try device.configure(loop) } catch {
            #expect(error.description.hasPrefix("gpiochip0:17: data-ready never went low within 2200 ms after RESET"))
        }
    }

    @Test func anEdgeFromBeforeSELFCALIsNotTakenForItsEnd() throws {
        // A conversion ended (edge at 0.9 s) just before SELFCAL went out at 0.95 s; the real end
        // of calibration is the edge at t0.
        let script: [FakeEdgeLine.Batch] = [
            .init(events: [500_000_000], readAt: 950_000_000),
            .init(events: [900_000_000], readAt: 960_000_000),
            .init(events: [Self.t0], readAt: Self.t0 + 50_000),
        ]
        let (device, _, _, loop) = makeDevice(script: script)
        try device.configure(loop)
        let first = try loop.first(timeoutMilliseconds: 2_200, after: "SELFCAL", read: device.readFirstConversion)
        #expect(first.monotonicNanoseconds == Self.t0)
        #expect(first.sample == -5000)
    }

    @Test func realtimeStampedEdgesAreRejected() throws {
        // Edge stamped in 2024 Unix time while CLOCK_MONOTONIC reads 1 s.
        let script: [FakeEdgeLine.Batch] = [
            .init(events: [500_000_000], readAt: 600_000_000),
            .init(events: [1_722_946_951_000_000_000], readAt: 1_000_000_000),
        ]
        let (device, _, _, loop) = makeDevice(script: script)
        try device.configure(loop)
        do {
            _ = try loop.first(timeoutMilliseconds: 2_200, after: "SELFCAL", read: device.readFirstConversion)
            Issue.record("accepted a CLOCK_REALTIME edge")
        } catch {
            #expect(error.exitCode == .unavailable)
            #expect(error.description.hasPrefix("gpiochip0:17: edge timestamps are not CLOCK_MONOTONIC"))
        }
    }

    @Test func aDeviceErrorWhileRunningEndsTheStreamAndIsKept() throws {
        let (source, bus, _) = makeSource(failOnContinuousRead: 3)
        try source.open()
        try source.start()
        #expect(bus.failed.wait(timeout: .now() + 10) == .success)
        source.stop()  // joins the thread, which ends on the error by itself
        #expect(
            source.runError == DeviceError(device: "/dev/spidev0.0", reason: "SPI_IOC_MESSAGE failed: No such device"))
        let device: any DeviceSource = source
        #expect(device.runError != nil)
        #expect(drainRing(source.stream.ring) == Array(Self.expectedRing.prefix(3)))
        if case .finished = source.stream.ring.acquireRead(maxFrames: 1) {} else { Issue.record("ring not finished") }
    }
}
