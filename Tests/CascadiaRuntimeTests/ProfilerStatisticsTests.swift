import Testing
@testable import CascadiaRuntime

@Suite struct ProfilerStatisticsTests {
    @Test func quantilesInterpolateBetweenClosestRanks() {
        let x = [4.0, 1, 3, 2]  // sorted 1 2 3 4
        #expect(ProfilerStatistics.median(x) == 2.5)
        #expect(ProfilerStatistics.quantile(x, 0) == 1)
        #expect(ProfilerStatistics.quantile(x, 1) == 4)
        #expect(ProfilerStatistics.quantile(x, 0.25) == 1.75)  // h = 0.75
        #expect(ProfilerStatistics.median([5, 1, 9]) == 5)
        #expect(ProfilerStatistics.quantile([], 0.5) == nil)
        // p99.9 of 1…1000: h = 999 × 0.999 = 998.001 → 999 + 0.001
        let thousand = (1...1000).map(Double.init)
        #expect(abs(ProfilerStatistics.quantile(thousand, 0.999)! - 999.001) < 1e-9)
        #expect(ProfilerStatistics.mean([1, 2, 6]) == 3)
    }

    @Test func pearsonByHand() {
        #expect(ProfilerStatistics.pearson([1, 2, 3], [2, 4, 6]) == 1)
        #expect(ProfilerStatistics.pearson([1, 2, 3], [3, 2, 1]) == -1)
        // x = 1 2 3 4, y = 1 3 2 4: cov sum = 4, Σdx² = Σdy² = 5 → r = 0.8
        #expect(abs(ProfilerStatistics.pearson([1, 2, 3, 4], [1, 3, 2, 4])! - 0.8) < 1e-12)
        // binary behaviours (phi coefficient): x = 1100, y = 1010 → r = 0
        #expect(ProfilerStatistics.pearson([1, 1, 0, 0], [1, 0, 1, 0]) == 0)
        #expect(ProfilerStatistics.pearson([1, 1, 1], [1, 2, 3]) == nil, "constant series: undefined")
        #expect(ProfilerStatistics.pearson([1], [1]) == nil)
        #expect(ProfilerStatistics.pearson([1, 2], [1, 2, 3]) == nil)
        let m = ProfilerStatistics.correlationMatrix([[1, 2, 3], [3, 2, 1], [5, 5, 5]])
        #expect(m[0][0] == 1 && m[0][1] == -1 && m[1][0] == -1 && m[2][2] == nil && m[0][2] == nil)
    }
}
