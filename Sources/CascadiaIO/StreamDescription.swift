import Foundation

/// Which physical quantity a stream carries.
public enum Modality: String, Sendable, Equatable, CaseIterable {
    /// Microphone: 16-bit PCM, 8 kHz default (16 kHz common).
    case acoustic
    /// Geophone / seismometer: 100 Hz default (Raspberry Shake 100 or 200 sps).
    case seismic
}

/// The integer encoding of the samples a source produces.
///
/// Every source delivers `Int32` samples into its ring buffer; the format says which range
/// they occupy, so a consumer can scale to ±1.0 with `fullScale`.
public enum SampleFormat: String, Sendable, Equatable, CaseIterable {
    /// Signed 16-bit PCM (acoustic): values in −32768…32767.
    case s16
    /// Signed 24-bit (ADS1256 conversions): values in −8388608…8388607.
    case s24
    /// Signed 32-bit counts (miniSEED, Raspberry Shake).
    case s32

    /// The magnitude of the most negative value: 2^(bits−1).
    public var fullScale: Double {
        switch self {
        case .s16: 32768
        case .s24: 8_388_608
        case .s32: 2_147_483_648
        }
    }

    /// Bits per sample.
    public var bits: Int {
        switch self {
        case .s16: 16
        case .s24: 24
        case .s32: 32
        }
    }
}

/// What a stream is: modality, rate, channel count and sample format. Fixed when a source opens.
public struct StreamDescription: Sendable, Equatable {
    /// A short name for messages and file names (`alsa:default`, `file:site1.flac`).
    public var name: String
    public var modality: Modality
    /// Nominal sample rate in frames per second.
    public var sampleRateHz: Double
    /// Samples per frame (interleaved in the ring buffer).
    public var channelCount: Int
    public var sampleFormat: SampleFormat

    public init(
        name: String, modality: Modality, sampleRateHz: Double, channelCount: Int, sampleFormat: SampleFormat
    ) {
        self.name = name
        self.modality = modality
        self.sampleRateHz = sampleRateHz
        self.channelCount = channelCount
        self.sampleFormat = sampleFormat
    }
}

/// When the first sample of a stream was taken.
///
/// `firstSampleMonotonicNanoseconds` is on CLOCK_MONOTONIC (the clock windows, deadlines and gaps
/// use); `firstSampleRealtimeNanoseconds` is the CLOCK_REALTIME (Unix epoch) time of the same
/// instant, the anchor for wall-clock output and for file names and miniSEED start times.
/// Frame `n` of the stream was taken at `firstSampleMonotonicNanoseconds + n · 10⁹ / sampleRateHz`.
public struct StreamTimebase: Sendable, Equatable {
    public var firstSampleMonotonicNanoseconds: Int64
    public var firstSampleRealtimeNanoseconds: Int64

    public init(firstSampleMonotonicNanoseconds: Int64, firstSampleRealtimeNanoseconds: Int64) {
        self.firstSampleMonotonicNanoseconds = firstSampleMonotonicNanoseconds
        self.firstSampleRealtimeNanoseconds = firstSampleRealtimeNanoseconds
    }

    /// CLOCK_MONOTONIC time of stream frame `frame` at the nominal rate.
    public func monotonicNanoseconds(ofFrame frame: UInt64, sampleRateHz: Double) -> Int64 {
        firstSampleMonotonicNanoseconds + Int64((Double(frame) * 1e9 / sampleRateHz).rounded())
    }

    /// CLOCK_REALTIME time of stream frame `frame` at the nominal rate.
    public func realtimeNanoseconds(ofFrame frame: UInt64, sampleRateHz: Double) -> Int64 {
        firstSampleRealtimeNanoseconds + Int64((Double(frame) * 1e9 / sampleRateHz).rounded())
    }
}

/// One instant on both clocks: CLOCK_MONOTONIC and CLOCK_REALTIME nanoseconds.
public struct ClockAnchor: Sendable, Equatable {
    public var monotonicNanoseconds: Int64
    public var realtimeNanoseconds: Int64
    public init(monotonicNanoseconds: Int64, realtimeNanoseconds: Int64) {
        self.monotonicNanoseconds = monotonicNanoseconds
        self.realtimeNanoseconds = realtimeNanoseconds
    }
}

/// Reads the system clocks (clock_gettime).
public enum SystemClock {
    /// CLOCK_MONOTONIC in nanoseconds.
    /// - Note: Real-time safe.
    @inline(__always)
    public static func monotonicNanoseconds() -> Int64 {
        read(CLOCK_MONOTONIC)
    }

    /// CLOCK_REALTIME in nanoseconds since the Unix epoch.
    /// - Note: Real-time safe.
    @inline(__always)
    public static func realtimeNanoseconds() -> Int64 {
        read(CLOCK_REALTIME)
    }

    /// A (monotonic, realtime) pair read back to back, for anchoring a stream's first sample.
    /// `monotonicNanoseconds` is the midpoint of two monotonic reads around the realtime read.
    public static func anchor() -> ClockAnchor {
        let before = monotonicNanoseconds()
        let real = realtimeNanoseconds()
        let after = monotonicNanoseconds()
        return ClockAnchor(monotonicNanoseconds: before + (after - before) / 2, realtimeNanoseconds: real)
    }

    @inline(__always)
    private static func read(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
