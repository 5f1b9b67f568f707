import Foundation

/// A small SVG line chart written as text (no outside library): axes with "nice" ticks, axis
/// labels, a title, a legend, and series drawn as polylines or right-continuous steps.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Draw as steps (horizontal then vertical) instead of straight segments.
        public var steps: Bool
        /// Mark each point with a dot and this label next to it (empty: no labels).
        public var pointLabels: [String]
        public init(name: String, points: [(x: Double, y: Double)], steps: Bool = false, pointLabels: [String] = []) {
            self.name = name
            self.points = points
            self.steps = steps
            self.pointLabels = pointLabels
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 760.0
    public var height = 480.0
    /// Fixed y range (e.g. 0…1 for a CDF); nil: from the data.
    public var yRange: (Double, Double)?
    /// Logarithmic x axis (positive x only), ticks at 1, 2 and 5 × 10^k.
    public var logX = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: (Double, Double)? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
    ]

    /// Tick positions covering [lo, hi] with a step of 1, 2 or 5 × 10^k (about `count` ticks).
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var values: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return values
    }

    /// Ticks 1, 2, 5 × 10^k within [lo, hi] (lo > 0), for a logarithmic axis.
    public static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [lo] }
        var values: [Double] = []
        var decade = pow(10, log10(lo).rounded(.down))
        while decade <= hi {
            for m in [1.0, 2, 5] where decade * m >= lo * (1 - 1e-9) && decade * m <= hi * (1 + 1e-9) {
                values.append(decade * m)
            }
            decade *= 10
        }
        return values
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func format(_ v: Double) -> String {
        var text = String(format: "%.4g", v)
        if text.contains("e") { text = String(format: "%.3g", v) }
        return text
    }

    /// The SVG document.
    public var svg: String {
        let all = series.flatMap(\.points)
        var x0 = all.map(\.x).min() ?? 0, x1 = all.map(\.x).max() ?? 1
        if logX {
            x0 = max(all.map(\.x).filter { $0 > 0 }.min() ?? 1e-3, 1e-12)
            x1 = max(x1, x0 * 10)
            x0 = pow(10, log10(x0).rounded(.down))
            x1 = pow(10, log10(x1).rounded(.up))
        }
        var y0 = yRange?.0 ?? all.map(\.y).min() ?? 0, y1 = yRange?.1 ?? all.map(\.y).max() ?? 1
        if x1 <= x0 { x0 -= 0.5; x1 += 0.5 }
        if y1 <= y0 { y0 -= 0.5; y1 += 0.5 }
        if yRange == nil { y0 = min(y0, 0); y1 += (y1 - y0) * 0.08 }
        if !logX {
            let xPad = (x1 - x0) * 0.04
            x0 = max(x0 - xPad, x0 >= 0 ? 0 : -Double.infinity)
            x1 += xPad
        }
        let left = 78.0, right = 24.0, top = 44.0, bottom = 62.0
        let legendWidth = series.count > 1 ? 215.0 : 0
        let plotW = width - left - right - legendWidth, plotH = height - top - bottom
        func px(_ x: Double) -> Double {
            logX
                ? left + (log10(max(x, x0)) - log10(x0)) / (log10(x1) - log10(x0)) * plotW
                : left + (x - x0) / (x1 - x0) * plotW
        }
        func py(_ y: Double) -> Double { top + plotH - (y - y0) / (y1 - y0) * plotH }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
            <text x="\(f(left + plotW / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        // Grid and ticks.
        for t in logX ? Self.logTicks(x0, x1) : Self.ticks(x0, x1) {
            s +=
                "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>\n"
            s +=
                "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 17))\" text-anchor=\"middle\">\(Self.format(t))</text>\n"
        }
        for t in Self.ticks(y0, y1, count: 5) {
            s +=
                "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 7))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.format(t))</text>\n"
        }
        s +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"black\"/>\n"
        s +=
            "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 18))\" text-anchor=\"middle\" font-size=\"13\">\(Self.escape(xLabel))</text>\n"
        s +=
            "<text x=\"18\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \(f(top + plotH / 2)))\">\(Self.escape(yLabel))</text>\n"
        for (i, series) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            var coordinates: [String] = []
            for (j, p) in series.points.enumerated() {
                if series.steps && j > 0 { coordinates.append("\(f(px(p.x))),\(f(py(series.points[j - 1].y)))") }
                coordinates.append("\(f(px(p.x))),\(f(py(p.y)))")
            }
            s +=
                "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>\n"
            for (j, label) in series.pointLabels.enumerated() where j < series.points.count && !label.isEmpty {
                let p = series.points[j]
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"4\" fill=\"\(color)\"/>\n"
                s +=
                    "<text x=\"\(f(px(p.x) + 6))\" y=\"\(f(py(p.y) - 7))\" font-size=\"11\">\(Self.escape(label))</text>\n"
            }
            if legendWidth > 0 {
                let ly = top + 14 + Double(i) * 20, lx = left + plotW + 16
                s +=
                    "<line x1=\"\(f(lx))\" y1=\"\(f(ly - 4))\" x2=\"\(f(lx + 22))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
                s += "<text x=\"\(f(lx + 28))\" y=\"\(f(ly))\">\(Self.escape(series.name))</text>\n"
            }
        }
        return s + "</svg>\n"
    }
}

/// The profiler's and planner's pictures.
public enum ProfilerPlot {
    /// Empirical CDF of each expert's measured times: P(time ≤ t) against t in ms on a log axis
    /// (experts differ by orders of magnitude and outliers would squash a linear one), one step
    /// line per expert (legend: id and name).
    public static func latencyCDF(experts: [(id: String, name: String)], samplesMs: [[Double]], title: String) -> String
    {
        let series = zip(experts, samplesMs).map { e, samples -> SVGChart.Series in
            let sorted = samples.sorted()
            var points: [(x: Double, y: Double)] = []
            if let first = sorted.first { points.append((first, 0)) }
            for (i, v) in sorted.enumerated() { points.append((v, Double(i + 1) / Double(sorted.count))) }
            return SVGChart.Series(name: "\(e.id) \(e.name)", points: points, steps: true)
        }
        var chart = SVGChart(
            title: title, xLabel: "execution time (ms, log scale)", yLabel: "P(time ≤ t)", series: series,
            yRange: (0, 1))
        chart.logX = true
        return chart.svg
    }

    /// The Pareto front of FP against budget: a step function, FP of the best subset for every
    /// budget L from each row's threshold to the next, drawn to `extendToMs` past the last row;
    /// each row's point is labelled with its expert set.
    public static func paretoFront(
        budgetsMs: [Double], fp: [Double], labels: [String], title: String, extendToMs: Double? = nil
    ) -> String {
        var points = zip(budgetsMs, fp).map { (x: $0, y: $1) }
        var names = labels
        if let last = points.last {
            points.append((extendToMs ?? last.x * 1.15 + 1, last.y))
            names.append("")
        }
        return SVGChart(
            title: title, xLabel: "latency budget L (ms)", yLabel: "false-positive rate",
            series: [SVGChart.Series(name: "optimal FP", points: points, steps: true, pointLabels: names)]
        ).svg
    }
}
