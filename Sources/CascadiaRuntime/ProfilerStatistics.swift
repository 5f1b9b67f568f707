/// Order statistics and correlations the profiler reports (docs/profiling.md).
public enum ProfilerStatistics {
    /// The q-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between closest ranks
    /// (the "type 7" rule of R and numpy's default): position h = (n − 1)·q in the sorted values,
    /// result `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`. Nil for no values.
    public static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return quantile(sorted: sorted, q)
    }

    /// `quantile` on values already sorted ascending.
    public static func quantile(sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * min(max(q, 0), 1)
        let low = Int(h.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (h - Double(low)) * (sorted[high] - sorted[low])
    }

    /// The median (the 0.5 quantile).
    public static func median(_ values: [Double]) -> Double? { quantile(values, 0.5) }

    /// The arithmetic mean; nil for no values.
    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Pearson's correlation coefficient r = cov(x, y) / (σx·σy) over paired samples; nil when
    /// the lengths differ, there are fewer than 2 pairs, or either side is constant (r undefined).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2, let mx = mean(x), let my = mean(y) else { return nil }
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }

    /// The matrix of `pearson` between every pair of series (1 on the diagonal for a non-constant
    /// series, nil where undefined).
    public static func correlationMatrix(_ series: [[Double]]) -> [[Double?]] {
        series.indices.map { i in series.indices.map { j in pearson(series[i], series[j]) } }
    }
}
