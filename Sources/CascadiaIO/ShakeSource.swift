import Synchronization

/// Continuity of a Raspberry Shake channel judged from packet timestamps.
///
/// A packet continues the stream when its first-sample time is within half a sample period of
/// where the previous packet ended (`previous timestamp + count / rate`). Later than that → a gap of
/// `round(Δ · rate)` frames; earlier (a duplicate or reordered packet) → the packet is dropped;
/// more than `restartSeconds` earlier (the Shake's clock was stepped back) → accepted as a
/// discontinuity (a gap event of unknown length, 0 frames).
///
/// - Note: Real-time safe.
public struct ShakeContinuity: Sendable {
    public enum Verdict: Equatable, Sendable {
        case first
        case contiguous
        case gap(frames: UInt64)
        case overlap
        case restart
    }

    public let sampleRateHz: Double
    public static let restartSeconds: Int64 = 60
    private var nextExpectedNanoseconds: Int64?

    public init(sampleRateHz: Double) {
        precondition(sampleRateHz > 0, "sample rate must be positive")
        self.sampleRateHz = sampleRateHz
    }

    /// Judges a packet of `count` samples starting at `timestampNanoseconds` (Unix time).
    public mutating func check(timestampNanoseconds: Int64, count: Int) -> Verdict {
        let period = 1e9 / sampleRateHz
        let verdict: Verdict
        if let expected = nextExpectedNanoseconds {
            let delta = timestampNanoseconds - expected
            if abs(delta) <= Int64(period / 2) {
                verdict = .contiguous
            } else if delta > 0 {
                verdict = .gap(frames: UInt64((Double(delta) / period).rounded()))
            } else if delta < -Self.restartSeconds * 1_000_000_000 {
                verdict = .restart
            } else {
                verdict = .overlap
            }
        } else {
            verdict = .first
        }
        if verdict != .overlap {
            nextExpectedNanoseconds = timestampNanoseconds + Int64((Double(count) * period).rounded())
        }
        return verdict
    }
}

/// A Raspberry Shake channel received as its UDP datacast (`shake:udp:8888`).
///
/// The Shake sends one datagram per channel every 0.25 s (`{'EHZ', 1722946951.674587, 123, …}`;
/// see `ShakePacket`) to the address configured under Settings → Data → UDP Data Forwarding.
/// `open()` binds the port; the reading thread keeps packets of the configured channel, ignores
/// other channels, counts and ignores malformed datagrams, and turns timestamp discontinuities
/// into gaps (`ShakeContinuity`). Timestamps are the Shake's CLOCK_REALTIME; they are mapped to
/// this host's CLOCK_MONOTONIC with an anchor taken at `open()`. On `stop()` the thread receives
/// every datagram already queued before it finishes the ring.
public final class ShakeSource: DeviceSource, @unchecked Sendable {
    public let name: String
    public let spec: ShakeSourceSpec
    public let stream: SampleStream

    /// Datagrams of the configured channel accepted.
    public var packets: UInt64 { packetCount.load(ordering: .relaxed) }
    /// Datagrams that did not parse (or were longer than 4 KiB).
    public var malformedPackets: UInt64 { malformedCount.load(ordering: .relaxed) }
    /// Datagrams of other channels (ignored).
    public var otherChannelPackets: UInt64 { otherChannelCount.load(ordering: .relaxed) }
    /// Duplicate or reordered datagrams dropped.
    public var latePackets: UInt64 { lateCount.load(ordering: .relaxed) }
    /// The UDP port bound (after `open()`; useful when the spec asked for port 0).
    public var boundPort: UInt16? { socket?.port }

    private let packetCount = Atomic<UInt64>(0)
    private let malformedCount = Atomic<UInt64>(0)
    private let otherChannelCount = Atomic<UInt64>(0)
    private let lateCount = Atomic<UInt64>(0)
    private let stopFlag = Atomic<Bool>(false)
    private let failure = Mutex<DeviceError?>(nil)

    private var socket: ShakeSocket?
    private var thread: ReaderThread?
    private var continuity: ShakeContinuity
    private var monotonicMinusRealtime: Int64 = 0
    private let channel: [UInt8]
    private let datagram: UnsafeMutableRawBufferPointer
    private let samples: UnsafeMutableBufferPointer<Int32>

    /// Largest datagram kept whole; the Shake's are about 200 bytes.
    public static let maxDatagramBytes = 4096
    /// Most samples one datagram may carry.
    public static let maxSamplesPerPacket = 1024

    /// `port` 0 in `spec` (only programmatically; the spec parser rejects it) binds a free port.
    public init(spec: ShakeSourceSpec, name: String? = nil) {
        self.spec = spec
        self.name = name ?? SourceSpec.shake(spec).description
        self.stream = SampleStream(
            description: StreamDescription(
                name: self.name, modality: .seismic, sampleRateHz: spec.sampleRateHz, channelCount: 1,
                sampleFormat: .s32))
        self.continuity = ShakeContinuity(sampleRateHz: spec.sampleRateHz)
        self.channel = Array(spec.channel.utf8)
        self.datagram = .allocate(byteCount: Self.maxDatagramBytes, alignment: 8)
        self.samples = .allocate(capacity: Self.maxSamplesPerPacket)
        self.samples.initialize(repeating: 0)
    }

    deinit {
        datagram.deallocate()
        samples.deallocate()
    }

    /// The error that ended the reading thread, if any.
    public var runError: DeviceError? { failure.withLock { $0 } }

    public func open() throws {
        socket = try ShakeSocket(address: spec.bindAddress, port: spec.port)
        let anchor = SystemClock.anchor()
        monotonicMinusRealtime = anchor.monotonicNanoseconds - anchor.realtimeNanoseconds
    }

    public func start() throws {
        guard let socket, thread == nil else { throw IOError.system(name, "start() before a successful open()") }
        thread = try ReaderThread(name: name) { [self] in
            do throws(DeviceError) {
                while !stopFlag.load(ordering: .acquiring) {
                    _ = try receiveOnce(timeoutMilliseconds: 1_000)
                }
                // Everything that arrived before stop() is delivered.
                while let length = try socket.receiveNow(into: datagram) { process(length: length) }
            } catch {
                failure.withLock { $0 = error }
            }
            stream.ring.finish()
        }
    }

    public func stop() {
        guard let thread else { return }
        stopFlag.store(true, ordering: .releasing)
        socket?.interrupt()
        thread.join()
        self.thread = nil
    }

    /// Waits for one datagram and processes it; false on timeout. Reading thread (or a test that
    /// never called `start()`).
    ///
    /// - Note: Real-time safe.
    @discardableResult
    public func receiveOnce(timeoutMilliseconds: Int32) throws(DeviceError) -> Bool {
        guard let socket else { throw DeviceError(device: name, reason: "not open") }
        guard let length = try socket.receive(into: datagram, timeoutMilliseconds: timeoutMilliseconds) else {
            return false
        }
        process(length: length)
        return true
    }

    /// Parses one received datagram and writes its samples (and any gap) into the ring.
    ///
    /// - Note: Real-time safe.
    func process(length: Int) {
        guard length <= datagram.count else {
            malformedCount.wrappingAdd(1, ordering: .relaxed)
            return
        }
        let bytes = UnsafeRawBufferPointer(rebasing: datagram[..<length])
        guard case .success(let header) = ShakePacket.parse(bytes, samples: samples) else {
            malformedCount.wrappingAdd(1, ordering: .relaxed)
            return
        }
        guard header.channel.count == channel.count,
            zip(header.channel, channel).allSatisfy({ bytes[$0.0] == $0.1 })
        else {
            otherChannelCount.wrappingAdd(1, ordering: .relaxed)
            return
        }
        let monotonic = header.timestampNanoseconds + monotonicMinusRealtime
        switch continuity.check(timestampNanoseconds: header.timestampNanoseconds, count: header.sampleCount) {
        case .first:
            stream.publishTimebase(
                StreamTimebase(
                    firstSampleMonotonicNanoseconds: monotonic,
                    firstSampleRealtimeNanoseconds: header.timestampNanoseconds))
        case .contiguous:
            break
        case .gap(let frames):
            stream.ring.markGap(frames: frames, monotonicNanoseconds: monotonic, cause: .upstream)
        case .restart:
            stream.ring.markGap(frames: 0, monotonicNanoseconds: monotonic, cause: .upstream)
        case .overlap:
            lateCount.wrappingAdd(1, ordering: .relaxed)
            return
        }
        packetCount.wrappingAdd(1, ordering: .relaxed)
        _ = stream.ring.write(
            UnsafeBufferPointer(rebasing: samples[..<header.sampleCount]), monotonicNanoseconds: monotonic)
    }
}
