import Dispatch
import Synchronization

@testable import CascadiaIO

/// A CLOCK_MONOTONIC stand-in advanced by hand (by the fake edge line).
final class ManualClock: Sendable {
    private let value = Atomic<Int64>(0)
    init(_ start: Int64 = 0) { value.store(start, ordering: .relaxed) }
    var now: Int64 {
        get { value.load(ordering: .acquiring) }
        set { value.store(newValue, ordering: .releasing) }
    }
    var read: @Sendable () -> Int64 { { [self] in now } }
}

/// A GPIO edge line that replays a script of event batches.
///
/// Each batch is returned by one wait; it sets the clock to `readAt` (when our code gets the
/// events). A batch marked `stale` is already queued: a non-blocking wait (timeout 0) returns it;
/// otherwise non-blocking waits return 0. When the script is exhausted a blocking wait signals
/// `exhausted` and then blocks until `interrupt()` (at most 5 s), returning 0.
final class FakeEdgeLine: GPIOEdgeLine, @unchecked Sendable {
    struct Batch {
        var events: [Int64]
        var readAt: Int64
        var stale = false
    }
    let name: String
    let clock: ManualClock
    private var script: [Batch]
    private(set) var waits: [Int32] = []
    let exhausted = DispatchSemaphore(value: 0)
    private let interrupted = DispatchSemaphore(value: 0)
    private let wasInterrupted = Atomic<Bool>(false)
    /// False: an exhausted script returns 0 at once (a line that never fires).
    let blocksWhenExhausted: Bool

    init(name: String = "gpiochip0:17", clock: ManualClock, script: [Batch], blocksWhenExhausted: Bool = true) {
        self.name = name
        self.clock = clock
        self.script = script
        self.blocksWhenExhausted = blocksWhenExhausted
    }

    func waitForEvents(
        into buffer: UnsafeMutableBufferPointer<GPIOEdgeEvent>, timeoutMilliseconds: Int32
    ) throws(DeviceError) -> Int {
        waits.append(timeoutMilliseconds)
        guard let batch = script.first else {
            if timeoutMilliseconds > 0 && blocksWhenExhausted && !wasInterrupted.load(ordering: .acquiring) {
                exhausted.signal()
                _ = interrupted.wait(timeout: .now() + 5)
            }
            return 0
        }
        if timeoutMilliseconds == 0 && !batch.stale { return 0 }
        script.removeFirst()
        precondition(batch.events.count <= buffer.count)
        for (index, time) in batch.events.enumerated() { buffer[index] = GPIOEdgeEvent(timestampNanoseconds: time) }
        clock.now = batch.readAt
        return batch.events.count
    }

    func interrupt() {
        wasInterrupted.store(true, ordering: .releasing)
        interrupted.signal()
    }
}

/// What a fake SPI bus saw.
enum SPIEvent: Equatable, CustomStringConvertible {
    case configure(mode: UInt8, speedHz: UInt32, bits: UInt8)
    case transfer(write: [UInt8], delayMicroseconds: UInt16, readCount: Int)

    var description: String {
        switch self {
        case .configure(let m, let s, let b): "configure(mode \(m), \(s) Hz, \(b) bits)"
        case .transfer(let w, let d, let r): "tx \(w.map(hex)) wait \(d) us read \(r)"
        }
    }
}

/// An ADS1256 behind a fake spidev: keeps the register file, answers RREG, and in RDATAC mode
/// returns the conversion current at the clock's time: conversion k (at `firstConversion + k·P`)
/// has the value `value(k)`.
final class FakeADS1256Bus: SPIBus, @unchecked Sendable {
    let device = "/dev/spidev0.0"
    let clock: ManualClock
    let periodNanoseconds: Int64
    var firstConversion: Int64 = 0
    var value: (Int64) -> Int32 = { Int32($0 * 1000 - 5000) }
    /// Registers as the chip holds them (STATUS reads with ID 3 in bits 7..4).
    var registers: [UInt8] = [0x31, 0x01, 0x20, 0xF0, 0xE1, 0, 0, 0, 0, 0, 0]
    /// When set, RREG answers with these bytes instead (a missing or miswired chip).
    var rregOverride: [UInt8]?
    private(set) var transcript: [SPIEvent] = []
    private(set) var continuous = false
    /// The bare continuous read (1-based) that fails as if the board vanished; nil = never.
    var failOnContinuousRead: Int?
    /// Signalled when that read fails.
    let failed = DispatchSemaphore(value: 0)
    private var continuousReads = 0

    init(clock: ManualClock, periodNanoseconds: Int64) {
        self.clock = clock
        self.periodNanoseconds = periodNanoseconds
    }

    func configure(mode: UInt8, maxSpeedHz: UInt32, bitsPerWord: UInt8) throws(DeviceError) {
        transcript.append(.configure(mode: mode, speedHz: maxSpeedHz, bits: bitsPerWord))
    }

    func currentConversion() -> [UInt8] {
        let k = (clock.now - firstConversion) / periodNanoseconds
        let raw = UInt32(bitPattern: value(k)) & 0xFF_FFFF
        return [UInt8(raw >> 16), UInt8((raw >> 8) & 0xFF), UInt8(raw & 0xFF)]
    }

    func transfer(
        write: UnsafeRawBufferPointer, delayMicroseconds: UInt16, read: UnsafeMutableRawBufferPointer
    ) throws(DeviceError) {
        let tx = Array(write)
        transcript.append(.transfer(write: tx, delayMicroseconds: delayMicroseconds, readCount: read.count))
        var response: [UInt8] = []
        if tx.isEmpty && continuous {
            continuousReads += 1
            if continuousReads == failOnContinuousRead {
                failed.signal()
                throw DeviceError(device: device, reason: "SPI_IOC_MESSAGE failed: No such device")
            }
        }
        switch tx.first {
        case nil where continuous: response = currentConversion()
        case 0x03?: continuous = true; response = currentConversion()
        case 0x0F?: continuous = false
        case 0xFE?: registers = [0x31, 0x01, 0x20, 0xF0, 0xE1, 0, 0, 0, 0, 0, 0]
        case let command? where command & 0xF0 == 0x50:
            let start = Int(command & 0x0F)
            for (i, byte) in tx.dropFirst(2).enumerated() { registers[start + i] = byte }
            registers[0] |= 0x30
        case let command? where command & 0xF0 == 0x10:
            let start = Int(command & 0x0F)
            response = rregOverride ?? Array(registers[start..<(start + Int(tx[1]) + 1)])
        default: break
        }
        for i in 0..<read.count { read[i] = i < response.count ? response[i] : 0 }
    }
}

/// What a fake I²C bus saw.
enum I2CEvent: Equatable {
    case address(UInt8)
    case write([UInt8])
    case read(count: Int)
}

/// An ADS1115 behind a fake i2c-dev: pointer register, config/threshold registers, and the
/// conversion current at the clock's time.
final class FakeADS1115Bus: I2CBus, @unchecked Sendable {
    let device = "/dev/i2c-1"
    let clock: ManualClock
    let periodNanoseconds: Int64
    var firstConversion: Int64 = 0
    var value: (Int64) -> Int16 = { Int16(truncatingIfNeeded: $0 * 100 - 300) }
    var registers: [UInt16] = [0, 0x8583, 0x8000, 0x7FFF]
    var answersAt: UInt8 = 0x48
    private var pointer = 0
    private var address: UInt8 = 0
    private(set) var transcript: [I2CEvent] = []

    init(clock: ManualClock, periodNanoseconds: Int64) {
        self.clock = clock
        self.periodNanoseconds = periodNanoseconds
    }

    func setAddress(_ address: UInt8) throws(DeviceError) {
        transcript.append(.address(address))
        self.address = address
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(DeviceError) {
        let tx = Array(bytes)
        transcript.append(.write(tx))
        guard address == answersAt else {
            throw DeviceError(device: device, reason: "i2c write failed: Remote I/O error")
        }
        pointer = Int(tx[0] & 0x3)
        if tx.count == 3 { registers[pointer] = UInt16(tx[1]) << 8 | UInt16(tx[2]) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DeviceError) {
        transcript.append(.read(count: buffer.count))
        guard address == answersAt else {
            throw DeviceError(device: device, reason: "i2c read failed: Remote I/O error")
        }
        var word = registers[pointer]
        if pointer == 0 {
            word = UInt16(bitPattern: value((clock.now - firstConversion) / periodNanoseconds))
        } else if pointer == 1 {
            word &= 0x7FFF  // OS reads 0 while converting continuously
        }
        buffer[0] = UInt8(word >> 8)
        buffer[1] = UInt8(word & 0xFF)
    }
}

/// What a consumer finds in a ring, flattened for comparison.
enum RingItem: Equatable {
    case sample(Int32)
    case gap(UInt64)
}

/// Reads everything currently in `ring` (frames and gaps) without waiting.
func drainRing(_ ring: SPSCRingBuffer<Int32>) -> [RingItem] {
    var items: [RingItem] = []
    while true {
        switch ring.acquireRead(maxFrames: 1024) {
        case .samples(let block):
            for i in 0..<(block.frames * ring.channelCount) { items.append(.sample(block[i])) }
            ring.commitRead(frames: block.frames)
        case .gap(let gap):
            items.append(.gap(gap.lengthFrames))
        case .empty, .finished:
            return items
        }
    }
}
