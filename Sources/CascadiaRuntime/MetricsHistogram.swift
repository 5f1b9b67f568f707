import Synchronization

/// Fixed buckets for latencies in microseconds: exact below 32 µs, then 32 buckets per
/// power of two (relative width ≤ 1/32 ≈ 3.1 %), up to 2^31 µs; larger values land in one
/// overflow bucket. 865 buckets, no allocation after init.
public enum LatencyBuckets {
    static let subBits = 5
    static let sub = 1 << subBits
    static let maxExponent = 31
    /// Number of buckets.
    public static let count = sub + (maxExponent - subBits) * sub + 1

    /// Bucket of a latency in microseconds.
    /// - Note: Real-time safe.
    @inline(__always)
    public static func index(microseconds: UInt64) -> Int {
        if microseconds < UInt64(sub) { return Int(microseconds) }
        let exponent = 63 - microseconds.leadingZeroBitCount
        if exponent >= maxExponent { return count - 1 }
        let mantissa = Int(microseconds >> UInt64(exponent - subBits)) - sub
        return sub + (exponent - subBits) * sub + mantissa
    }

    /// Smallest microsecond value in bucket `index`.
    public static func lowerBound(_ index: Int) -> UInt64 {
        if index < sub { return UInt64(index) }
        let exponent = (index - sub) / sub + subBits
        let mantissa = (index - sub) % sub
        return UInt64(sub + mantissa) << UInt64(exponent - subBits)
    }

    /// Largest microsecond value in bucket `index`.
    public static func upperBound(_ index: Int) -> UInt64 {
        if index < sub { return UInt64(index) }
        if index == count - 1 { return .max }
        let exponent = (index - sub) / sub + subBits
        return lowerBound(index) + (UInt64(1) << UInt64(exponent - subBits)) - 1
    }

    /// The `quantile` (0…1) of a histogram given as bucket counts: the upper bound of the
    /// bucket holding the ⌈q·n⌉-th value, clipped to `maxMicroseconds`.
    public static func quantile(_ quantile: Double, counts: (Int) -> UInt64, total: UInt64, maxMicroseconds: UInt64) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = max(UInt64((quantile * Double(total)).rounded(.up)), 1)
        var seen: UInt64 = 0
        for i in 0..<count {
            seen += counts(i)
            if seen >= rank { return min(upperBound(i), maxMicroseconds) }
        }
        return maxMicroseconds
    }
}

/// Live counters of the executor, written by the processing thread and readable from any
/// thread (`cascadia ctl stats`) without locks: every field is an atomic.
///
/// Counts are relaxed atomics: a reader sees each counter exactly, but counters read one after
/// another may belong to different windows.
public final class ExecutorMetrics: @unchecked Sendable {
    public let expertCount: Int
    private let windowCount = Atomic<UInt64>(0)
    private let missCount = Atomic<UInt64>(0)
    private let escapeCount = Atomic<UInt64>(0)
    private let cancelCount = Atomic<UInt64>(0)
    private let latencySumMicroseconds = Atomic<UInt64>(0)
    private let latencyMaxMicroseconds = Atomic<UInt64>(0)
    private let skipBackInUse = Atomic<Int>(-1)
    private let invocations: UnsafeMutablePointer<Atomic<UInt64>>
    private let buckets: UnsafeMutablePointer<Atomic<UInt64>>

    public init(expertCount: Int) {
        self.expertCount = expertCount
        invocations = .allocate(capacity: max(expertCount, 1))
        for i in 0..<max(expertCount, 1) { (invocations + i).initialize(to: Atomic(0)) }
        buckets = .allocate(capacity: LatencyBuckets.count)
        for i in 0..<LatencyBuckets.count { (buckets + i).initialize(to: Atomic(0)) }
    }

    deinit {
        invocations.deinitialize(count: max(expertCount, 1))
        invocations.deallocate()
        buckets.deinitialize(count: LatencyBuckets.count)
        buckets.deallocate()
    }

    /// Counts one finished window.
    /// - Note: Real-time safe.
    func recordWindow(latencyNanoseconds: UInt64, deadlineMet: Bool, escapeUsed: Bool) {
        let micros = latencyNanoseconds / 1000
        buckets[LatencyBuckets.index(microseconds: micros)].wrappingAdd(1, ordering: .relaxed)
        latencySumMicroseconds.wrappingAdd(micros, ordering: .relaxed)
        latencyMaxMicroseconds.max(micros, ordering: .relaxed)
        if !deadlineMet { missCount.wrappingAdd(1, ordering: .relaxed) }
        if escapeUsed { escapeCount.wrappingAdd(1, ordering: .relaxed) }
        windowCount.wrappingAdd(1, ordering: .releasing)
    }

    /// Publishes the k in use after the last IDK window (`DynamicK.inUseK`: the guard's check
    /// windows do not count; −1: hazard plan).
    /// - Note: Real-time safe.
    func recordSkipBack(_ k: Int) {
        skipBackInUse.store(k, ordering: .relaxed)
    }

    /// Counts one expert invocation.
    /// - Note: Real-time safe.
    func recordInvocation(expert: Int, cancelled: Bool) {
        invocations[expert].wrappingAdd(1, ordering: .relaxed)
        if cancelled { cancelCount.wrappingAdd(1, ordering: .relaxed) }
    }

    public var windows: UInt64 { windowCount.load(ordering: .acquiring) }
    public var deadlineMisses: UInt64 { missCount.load(ordering: .relaxed) }
    public var escapeActivations: UInt64 { escapeCount.load(ordering: .relaxed) }
    public var cancellations: UInt64 { cancelCount.load(ordering: .relaxed) }
    public var maxLatencyMicroseconds: UInt64 { latencyMaxMicroseconds.load(ordering: .relaxed) }
    /// k used by the last IDK window, −1 before one ran or for hazard plans.
    public var skipBack: Int { skipBackInUse.load(ordering: .relaxed) }
    public func invocations(expert: Int) -> UInt64 { invocations[expert].load(ordering: .relaxed) }
    public func bucketCount(_ index: Int) -> UInt64 { buckets[index].load(ordering: .relaxed) }

    /// A consistent-enough copy for display (allocates; not for the hot path).
    public func snapshot() -> MetricsSnapshot {
        let total = (0..<LatencyBuckets.count).reduce(UInt64(0)) { $0 + bucketCount($1) }
        let maxMicros = maxLatencyMicroseconds
        let sum = latencySumMicroseconds.load(ordering: .relaxed)
        return MetricsSnapshot(
            windows: windows, deadlineMisses: deadlineMisses, escapeActivations: escapeActivations,
            cancellations: cancellations,
            expertInvocations: (0..<expertCount).map { invocations(expert: $0) },
            meanLatencyMicroseconds: total == 0 ? 0 : Double(sum) / Double(total),
            p50LatencyMicroseconds: LatencyBuckets.quantile(0.5, counts: bucketCount, total: total, maxMicroseconds: maxMicros),
            p99LatencyMicroseconds: LatencyBuckets.quantile(0.99, counts: bucketCount, total: total, maxMicroseconds: maxMicros),
            maxLatencyMicroseconds: maxMicros)
    }
}

/// A copy of `ExecutorMetrics` at one moment.
public struct MetricsSnapshot: Sendable, Equatable {
    public var windows: UInt64
    public var deadlineMisses: UInt64
    public var escapeActivations: UInt64
    public var cancellations: UInt64
    public var expertInvocations: [UInt64]
    public var meanLatencyMicroseconds: Double
    public var p50LatencyMicroseconds: UInt64
    public var p99LatencyMicroseconds: UInt64
    public var maxLatencyMicroseconds: UInt64
}
