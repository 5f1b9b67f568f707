/// End-of-run summary over detection records: decisions, accuracy and confusion matrix
/// against labels, deadline misses, escapes, latency percentiles from fixed buckets, and
/// predicted vs measured expected duration. Accumulating allocates nothing; rendering does
/// (it runs once, after the last window).
public struct SummaryReport: Sendable {
    /// Plan kind the records came from.
    public let isHazardPlan: Bool
    /// Class names (index order); the confusion matrix has one row per class.
    public let classNames: [String]
    /// Classes that count as "hazard" when scoring a hazard plan against labels.
    public let hazardClasses: Set<Int>
    /// The planner's predicted expected duration per window, if the plan states it.
    public let predictedExpectedNanoseconds: UInt64?
    /// Profile TCET per expert index (the plan's timing table); empty when unknown. Used to price
    /// the experts each window ran, a deterministic cost that does not move with the machine's
    /// load (compare skip-back settings with it: docs/runtime.md).
    public let tcetNanoseconds: [UInt64]

    public private(set) var windows: UInt64 = 0
    /// Windows per decision, indexed by `Decision.rawValue`.
    public private(set) var decisions: [UInt64] = [0, 0, 0, 0]
    public private(set) var deadlineMisses: UInt64 = 0
    public private(set) var escapes: UInt64 = 0
    public private(set) var labelled: UInt64 = 0
    public private(set) var correct: UInt64 = 0
    /// Rows: true class (IDK plans) or true hazard/clear (hazard plans: row 0 hazard, 1 clear).
    /// Columns: decided class then IDK (IDK plans) or hazard, clear (hazard plans).
    public private(set) var confusion: [[UInt64]]
    public private(set) var expertNanosecondsTotal: UInt64 = 0
    /// Expert runs over all windows (every phase), and how many of them were backward probes.
    public private(set) var expertRuns: UInt64 = 0
    public private(set) var probeRuns: UInt64 = 0
    /// Σ over windows of the TCET of the experts run (0 when `tcetNanoseconds` is empty).
    public private(set) var pricedNanosecondsTotal: UInt64 = 0
    public private(set) var latencyMicrosecondsTotal: UInt64 = 0
    public private(set) var latencyMicrosecondsMax: UInt64 = 0
    private var buckets: [UInt64]

    public init(isHazardPlan: Bool, classNames: [String], hazardClasses: Set<Int> = [], predictedExpectedNanoseconds: UInt64?, tcetNanoseconds: [UInt64] = []) {
        self.isHazardPlan = isHazardPlan
        self.tcetNanoseconds = tcetNanoseconds
        self.classNames = classNames
        self.hazardClasses = hazardClasses
        self.predictedExpectedNanoseconds = predictedExpectedNanoseconds
        confusion = isHazardPlan
            ? [[0, 0], [0, 0]]
            : Array(repeating: Array(repeating: 0, count: classNames.count + 1), count: classNames.count)
        buckets = Array(repeating: 0, count: LatencyBuckets.count)
    }

    /// Adds one window.
    /// - Note: Real-time safe (fixed-size storage), though meant for the output thread.
    public mutating func add(_ record: DetectionRecord) {
        windows += 1
        decisions[Int(record.decision.rawValue)] += 1
        if !record.deadlineMet { deadlineMisses += 1 }
        if record.escapeUsed { escapes += 1 }
        expertNanosecondsTotal &+= record.expertNanoseconds
        for run in record.runs {
            expertRuns += 1
            if run.phase == .probe { probeRuns += 1 }
            let e = Int(run.expert)
            if e >= 0 && e < tcetNanoseconds.count { pricedNanosecondsTotal &+= tcetNanoseconds[e] }
        }
        let micros = record.latencyNanoseconds / 1000
        latencyMicrosecondsTotal &+= micros
        latencyMicrosecondsMax = max(latencyMicrosecondsMax, micros)
        buckets[LatencyBuckets.index(microseconds: micros)] += 1
        let label = Int(record.window.label)
        guard label >= 0 && label < classNames.count else { return }
        labelled += 1
        if isHazardPlan {
            let truthRow = hazardClasses.contains(label) ? 0 : 1
            let decidedColumn = record.decision == .hazard ? 0 : 1
            confusion[truthRow][decidedColumn] += 1
            if truthRow == decidedColumn { correct += 1 }
        } else {
            let column = record.decision == .classified && record.classIndex >= 0 && Int(record.classIndex) < classNames.count
                ? Int(record.classIndex) : classNames.count
            confusion[label][column] += 1
            if column == label { correct += 1 }
        }
    }

    public var meanLatencyMicroseconds: Double { windows == 0 ? 0 : Double(latencyMicrosecondsTotal) / Double(windows) }
    public func latencyQuantileMicroseconds(_ q: Double) -> UInt64 {
        LatencyBuckets.quantile(q, counts: { buckets[$0] }, total: windows, maxMicroseconds: latencyMicrosecondsMax)
    }
    /// Measured mean Σ expert time per window (nanoseconds).
    public var measuredExpectedNanoseconds: Double { windows == 0 ? 0 : Double(expertNanosecondsTotal) / Double(windows) }
    /// (measured − predicted) / predicted, when a prediction exists.
    /// Mean expert runs per window.
    public var expertRunsPerWindow: Double { windows == 0 ? 0 : Double(expertRuns) / Double(windows) }
    /// Mean priced cost per window (ns); nil without a TCET table.
    public var pricedNanoseconds: Double? {
        tcetNanoseconds.isEmpty || windows == 0 ? nil : Double(pricedNanosecondsTotal) / Double(windows)
    }

    public var predictionError: Double? {
        guard let predicted = predictedExpectedNanoseconds, predicted > 0, windows > 0 else { return nil }
        return (measuredExpectedNanoseconds - Double(predicted)) / Double(predicted)
    }
    /// Correct / labelled (IDK windows count as wrong).
    public var accuracy: Double? { labelled == 0 ? nil : Double(correct) / Double(labelled) }

    private func ms(_ micros: Double) -> String { formatFixed(micros / 1000, decimals: 3) }

    /// A readable table.
    public func text() -> String {
        var lines: [String] = []
        lines.append("windows            \(windows)")
        if isHazardPlan {
            lines.append("decisions          hazard \(decisions[0])  clear \(decisions[1])")
        } else {
            lines.append("decisions          class \(decisions[2])  idk \(decisions[3])")
        }
        lines.append("deadline misses    \(deadlineMisses)")
        lines.append("escapes            \(escapes)")
        lines.append("latency ms         mean \(ms(meanLatencyMicroseconds))  p50 \(ms(Double(latencyQuantileMicroseconds(0.5))))  p99 \(ms(Double(latencyQuantileMicroseconds(0.99))))  max \(ms(Double(latencyMicrosecondsMax)))")
        var duration = "expected ms        measured \(formatFixed(measuredExpectedNanoseconds / 1e6, decimals: 3))"
        if let predicted = predictedExpectedNanoseconds, let error = predictionError {
            duration += "  predicted \(formatFixed(Double(predicted) / 1e6, decimals: 3))  error \(formatFixed(error * 100, decimals: 1)) %"
        }
        lines.append(duration)
        var work = "expert runs        \(formatFixed(expertRunsPerWindow, decimals: 3)) per window  (\(probeRuns) probes)"
        if let priced = pricedNanoseconds {
            work += "  priced \(formatFixed(priced / 1e6, decimals: 4)) ms (profile TCET of the experts run)"
        }
        lines.append(work)
        if let accuracy {
            lines.append("accuracy           \(formatFixed(accuracy * 100, decimals: 2)) % of \(labelled) labelled")
            let columns = isHazardPlan ? ["hazard", "clear"] : classNames + ["idk"]
            let rows = isHazardPlan ? ["hazard", "clear"] : classNames
            let width = max((columns + rows).map(\.count).max() ?? 0, 6) + 2
            func pad(_ s: String) -> String { String(repeating: " ", count: max(width - s.count, 0)) + s }
            lines.append("confusion (rows: truth, columns: decision)")
            lines.append(pad("") + columns.map(pad).joined())
            for (r, row) in confusion.enumerated() {
                lines.append(pad(rows[r]) + row.map { pad(String($0)) }.joined())
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One JSON object (schema in docs/runtime.md).
    public func json() -> String {
        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "null" }
            return formatFixed(value, decimals: 6)
        }
        func string(_ text: String) -> String { String(decoding: DetectionJSONWriter.quoted(text), as: UTF8.self) }
        var fields: [String] = []
        fields.append("\"plan\":\(string(isHazardPlan ? "hazard" : "idk"))")
        fields.append("\"windows\":\(windows)")
        fields.append(
            isHazardPlan
                ? "\"decisions\":{\"hazard\":\(decisions[0]),\"clear\":\(decisions[1])}"
                : "\"decisions\":{\"class\":\(decisions[2]),\"idk\":\(decisions[3])}")
        fields.append("\"deadline_misses\":\(deadlineMisses)")
        fields.append("\"escapes\":\(escapes)")
        fields.append(
            "\"latency_ms\":{\"mean\":\(number(meanLatencyMicroseconds / 1000)),\"p50\":\(number(Double(latencyQuantileMicroseconds(0.5)) / 1000)),\"p99\":\(number(Double(latencyQuantileMicroseconds(0.99)) / 1000)),\"max\":\(number(Double(latencyMicrosecondsMax) / 1000))}")
        fields.append(
            "\"expected_ms\":{\"measured\":\(number(measuredExpectedNanoseconds / 1e6)),\"predicted\":\(number(predictedExpectedNanoseconds.map { Double($0) / 1e6 })),\"relative_error\":\(number(predictionError))}")
        fields.append(
            "\"expert_runs\":{\"per_window\":\(number(expertRunsPerWindow)),\"probes\":\(probeRuns),\"priced_ms\":\(number(pricedNanoseconds.map { $0 / 1e6 }))}")
        fields.append("\"labelled\":\(labelled)")
        fields.append("\"accuracy\":\(number(accuracy))")
        let columns = isHazardPlan ? ["hazard", "clear"] : classNames + ["idk"]
        let rows = isHazardPlan ? ["hazard", "clear"] : classNames
        fields.append(
            "\"confusion\":{\"rows\":[\(rows.map(string).joined(separator: ","))],\"columns\":[\(columns.map(string).joined(separator: ","))],\"counts\":[\(confusion.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ","))]}")
        return "{" + fields.joined(separator: ",") + "}\n"
    }
}

/// `value` with exactly `decimals` decimals (round half away from zero), without Foundation.
func formatFixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return "nan" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = UInt64(scaled / scale)
    let fraction = UInt64(scaled - Double(whole) * scale)
    var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
    return text
}
