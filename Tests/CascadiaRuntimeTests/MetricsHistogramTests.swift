import Testing
@testable import CascadiaRuntime

@Suite struct MetricsHistogramTests {
    @Test(arguments: [0, 1, 31, 32, 33, 63, 64, 65, 1000, 18_166, 60_000, 1 << 30, (1 << 31) - 1] as [UInt64])
    func bucketBoundsContainTheValue(value: UInt64) {
        let index = LatencyBuckets.index(microseconds: value)
        #expect(LatencyBuckets.lowerBound(index) <= value && value <= LatencyBuckets.upperBound(index))
        // Relative width ≤ 1/32.
        if value >= 32 {
            let width = LatencyBuckets.upperBound(index) - LatencyBuckets.lowerBound(index) + 1
            #expect(width * 32 <= LatencyBuckets.lowerBound(index))
        }
    }

    @Test func bucketsAreContiguous() {
        for i in 1..<(LatencyBuckets.count - 1) {
            #expect(LatencyBuckets.lowerBound(i) == LatencyBuckets.upperBound(i - 1) + 1)
        }
        #expect(LatencyBuckets.index(microseconds: .max) == LatencyBuckets.count - 1)
    }

    @Test func metricsCountWindowsMissesAndQuantiles() {
        let metrics = ExecutorMetrics(expertCount: 3)
        for i in 1...100 {
            metrics.recordWindow(latencyNanoseconds: UInt64(i) * 1_000_000, deadlineMet: i <= 98, escapeUsed: i % 10 == 0)
        }
        metrics.recordInvocation(expert: 2, cancelled: true)
        metrics.recordInvocation(expert: 2, cancelled: false)
        let snapshot = metrics.snapshot()
        #expect(snapshot.windows == 100 && snapshot.deadlineMisses == 2 && snapshot.escapeActivations == 10)
        #expect(snapshot.expertInvocations == [0, 0, 2] && snapshot.cancellations == 1)
        #expect(snapshot.meanLatencyMicroseconds == 50_500)
        #expect(snapshot.maxLatencyMicroseconds == 100_000)
        // p50 is 50 ms, reported as its bucket's upper bound (within 1/32).
        #expect(snapshot.p50LatencyMicroseconds >= 50_000 && snapshot.p50LatencyMicroseconds < 50_000 + 50_000 / 32)
        #expect(snapshot.p99LatencyMicroseconds >= 99_000 && snapshot.p99LatencyMicroseconds <= 100_000)
    }

    /// Written on one thread, read on another while it runs (no locks; counts are exact at the end).
    @Test func readableFromAnotherThread() async {
        let metrics = ExecutorMetrics(expertCount: 1)
        async let writer: Void = {
            for _ in 0..<10_000 { metrics.recordWindow(latencyNanoseconds: 1_000, deadlineMet: true, escapeUsed: false) }
        }()
        var lastSeen: UInt64 = 0
        for _ in 0..<100 {
            let seen = metrics.windows
            #expect(seen >= lastSeen)
            lastSeen = seen
        }
        await writer
        #expect(metrics.windows == 10_000)
    }
}
