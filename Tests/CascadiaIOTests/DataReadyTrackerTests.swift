import Testing

@testable import CascadiaIO

@Suite struct DataReadyTrackerTests {
    let period: Int64 = 10_000_000

    func account(_ tracker: inout DataReadyTracker, _ times: [Int64], now: Int64, rising: Bool = false)
        -> DataReadyTracker.Decision
    {
        let events = times.map { GPIOEdgeEvent(timestampNanoseconds: $0, isRising: rising) }
        return events.withUnsafeBufferPointer { tracker.account($0, nowNanoseconds: now) }
    }

    @Test func regularEdgesLoseNothing() {
        var tracker = DataReadyTracker(nominalPeriodNanoseconds: period)
        for k in Int64(0)..<100 {
            let d = account(&tracker, [k * period], now: k * period + 20_000)
            #expect(d == .init(read: true, conversionNanoseconds: k * period, lostConversions: 0))
        }
        #expect(tracker.lostEdges == 0 && tracker.lostConversions == 0 && tracker.edges == 100)
        #expect(tracker.periodNanoseconds == period)
    }

    @Test func aBacklogOfQueuedEdgesMeansOnlyTheNewestConversionIsReadable() {
        var tracker = DataReadyTracker(nominalPeriodNanoseconds: period)
        _ = account(&tracker, [0], now: 1_000)
        // Three edges queued while we were away; the data register holds conversion 3.
        let d = account(&tracker, [period, 2 * period, 3 * period], now: 3 * period + 5_000)
        #expect(d == .init(read: true, conversionNanoseconds: 3 * period, lostConversions: 2))
        #expect(tracker.lostEdges == 0)
        #expect(tracker.lostConversions == 2)
    }

    @Test func halfAPeriodOfJitterIsNotAGap() {
        var tracker = DataReadyTracker(nominalPeriodNanoseconds: period)
        _ = account(&tracker, [0], now: 1_000)
        // Edge 1 is 3 ms late, edge 2 on time: intervals of 1.3 P and 0.7 P are one period each.
        let d = account(&tracker, [period + 3_000_000], now: period + 3_100_000)
        #expect(d.read && d.lostConversions == 0)
        let e = account(&tracker, [2 * period], now: 2 * period + 100_000)
        #expect(e.read && e.lostConversions == 0)
        #expect(tracker.lostEdges == 0 && tracker.conversionsRead == 3)
    }

    @Test func risingEdgesAndEmptyBatchesReadNothing() {
        var tracker = DataReadyTracker(nominalPeriodNanoseconds: period)
        #expect(account(&tracker, [], now: 0).read == false)
        #expect(account(&tracker, [5], now: 10, rising: true).read == false)
        #expect(tracker.edges == 0)
    }

    @Test func followsASlowOscillatorSoLongGapsAreCountedRight() {
        // −8 %: 10.8 ms instead of 10 ms. After 40 conversions the estimate is within 1 %, so a
        // jump of 21 periods is 20 lost conversions, not 22 (which the nominal period would give).
        let actual: Int64 = 10_800_000
        var tracker = DataReadyTracker(nominalPeriodNanoseconds: period)
        for k in Int64(0)...40 { _ = account(&tracker, [k * actual], now: k * actual + 10_000) }
        #expect(abs(tracker.periodNanoseconds - actual) < actual / 100)
        let d = account(&tracker, [61 * actual], now: 61 * actual + 10_000)
        #expect(d.lostConversions == 20)
        #expect(tracker.lostEdges == 20)
    }

    @Test func theEstimateStaysWithinFifteenPercentOfNominal() {
        var tracker = DataReadyTracker(nominalPeriodNanoseconds: period)
        for k in Int64(0)...400 { _ = account(&tracker, [k * 14_000_000], now: k * 14_000_000) }
        #expect(tracker.periodNanoseconds <= period * 115 / 100)
    }
}
