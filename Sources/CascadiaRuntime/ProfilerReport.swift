import CascadiaCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where and how a profile was measured (written into every output file).
public struct ProfilerProvenance: Sendable, Equatable {
    public struct Model: Sendable, Equatable {
        public var id: String
        public var name: String
        public var file: String
        public var sha256: String
        public init(id: String, name: String, file: String, sha256: String) {
            self.id = id
            self.name = name
            self.file = file
            self.sha256 = sha256
        }
    }
    public var board: String
    public var cpuModel: String
    public var kernel: String
    public var date: String
    public var models: [Model]
    public var recordings: [ProfilerRecording]
    public var options: ProfilerOptions
    public var stressThreads: Int

    public init(
        board: String, cpuModel: String, kernel: String, date: String, models: [Model],
        recordings: [ProfilerRecording], options: ProfilerOptions, stressThreads: Int
    ) {
        self.board = board
        self.cpuModel = cpuModel
        self.kernel = kernel
        self.date = date
        self.models = models
        self.recordings = recordings
        self.options = options
        self.stressThreads = stressThreads
    }

    /// The statistics, stated once for every output.
    public var statistics: String {
        "per expert \(options.runs) timed runs after \(options.warmupRuns) warm-up runs on real windows; TCET = median; WCET = max observed × \(ProfilerReport.number(options.wcetMargin, 3)) (safety margin); IDK time_ms = mean; subset times are the sums of their members' (experts run one after another on one core); FP/FN under OR-fusion of the experts' hazard outputs; Prob-S counts = windows on which exactly those experts classify correctly without IDK"
    }

    /// The machine: board (device-tree model, DMI product name or `fallback`), CPU model
    /// (/proc/cpuinfo), kernel (uname), and the UTC date.
    public static func machine(board fallback: String?) -> (board: String, cpu: String, kernel: String, date: String) {
        func read(_ path: String) -> String? {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
        let board =
            fallback ?? read("/proc/device-tree/model") ?? read("/sys/class/dmi/id/product_name") ?? "unknown"
        var cpu = "unknown"
        if let info = read("/proc/cpuinfo") {
            for key in ["model name", "Model", "Hardware", "cpu model"] {
                if let line = info.split(separator: "\n").first(where: {
                    $0.hasPrefix(key) && $0.dropFirst(key.count).trimmingCharacters(in: .whitespaces).hasPrefix(":")
                }), let colon = line.firstIndex(of: ":") {
                    cpu = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    break
                }
            }
        }
        cpu += " × \(ProfilerCPU.onlineCount) CPUs online"
        var u = utsname()
        uname(&u)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let kernel = "\(field(u.sysname)) \(field(u.release)) \(field(u.version)) \(field(u.machine))"
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return (board, cpu, kernel, formatter.string(from: Date()))
    }
}

/// The profiler's results and every rendering of them: the planner's hazard and IDK profile JSON,
/// one TSV both planners read, a per-expert timing TSV, and the text tables.
public struct ProfilerReport: Sendable {
    public var experts: [ExpertName]
    public var timings: [ProfilerTiming]
    public var behaviour: ProfilerBehaviour?
    public var provenance: ProfilerProvenance
    /// Milliseconds the DSP front end took per window (all framings), not part of any expert.
    public var featureMilliseconds: [Double]

    public init(
        experts: [ExpertName], timings: [ProfilerTiming], behaviour: ProfilerBehaviour?,
        provenance: ProfilerProvenance, featureMilliseconds: [Double]
    ) {
        self.experts = experts
        self.timings = timings
        self.behaviour = behaviour
        self.provenance = provenance
        self.featureMilliseconds = featureMilliseconds
    }

    public var codec: SubsetCodec { SubsetCodec(ids: experts.map(\.id)) }

    /// Rounds for output: times to 0.1 µs (4 decimals of ms), rates to 6 decimals.
    static func rounded(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    /// A number with up to `digits` decimals, trailing zeros removed.
    public static func number(_ value: Double?, _ digits: Int = 4) -> String {
        guard let value, value.isFinite else { return "-" }
        var text = String(format: "%.\(digits)f", value)
        while text.contains(".") && (text.hasSuffix("0") || text.hasSuffix(".")) { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    // MARK: Correlations

    /// Pearson correlations between experts' per-round execution times.
    public var timeCorrelation: [[Double?]] { ProfilerStatistics.correlationMatrix(timings.map(\.samplesMs)) }
    /// Pearson correlations between experts' per-window success (correct without IDK).
    public var successCorrelation: [[Double?]]? {
        behaviour.map { b in ProfilerStatistics.correlationMatrix(experts.indices.map { b.successSeries($0) }) }
    }
    /// Pearson correlations between experts' per-window hazard outputs.
    public var hazardCorrelation: [[Double?]]? {
        behaviour.map { b in ProfilerStatistics.correlationMatrix(experts.indices.map { b.hazardSeries($0) }) }
    }

    /// The smallest and largest off-diagonal coefficient of a matrix.
    public static func offDiagonalRange(_ m: [[Double?]]) -> (Double, Double)? {
        var values: [Double] = []
        for i in m.indices { for j in m.indices where j > i { if let v = m[i][j] { values.append(v) } } }
        guard let lo = values.min(), let hi = values.max() else { return nil }
        return (lo, hi)
    }

    // MARK: Planner profiles

    private func measuredBehaviour() throws -> ProfilerBehaviour {
        guard let b = behaviour else { throw ProfilerError(.data, "profile", "no behaviour measured (--timing-only)") }
        return b
    }

    /// The hazard profile as the planner's type (validated like a file the planner reads).
    public func hazardProfile() throws -> HazardProfile {
        let b = try measuredBehaviour()
        let size = codec.subsetCount
        return try HazardProfile(
            experts: experts, fp: b.fp.map { Self.rounded($0, 6) }, fn: b.fn.map { Self.rounded($0, 6) },
            wcetMs: [Double?](repeating: nil, count: size), tcetMs: [Double?](repeating: nil, count: size),
            expertWcetMs: timings.map { Self.rounded($0.wcetMs, 4) },
            expertTcetMs: timings.map { Self.rounded($0.medianMs, 4) }, source: sourceLine)
    }

    /// The IDK profile as the planner's type.
    public func idkProfile() throws -> IDKProfile {
        let b = try measuredBehaviour()
        return try IDKProfile(
            experts: zip(experts, timings).map { e, t in
                IDKExpert(id: e.id, name: e.name, timeMs: Self.rounded(t.meanMs, 4), wcetMs: Self.rounded(t.wcetMs, 4))
            }, counts: b.probSCounts, source: sourceLine)
    }

    var sourceLine: String {
        "cascadia profile on \(provenance.board) (\(provenance.cpuModel)), \(provenance.date); \(provenance.statistics)"
    }

    private struct ProvenanceJSON: Encodable {
        struct Model: Encodable { var id, name, file, sha256: String }
        struct Recording: Encodable {
            var path: String
            var files: [String]
            var labels: String?
            var windows, labelled_windows: Int
        }
        var board, cpu, kernel, date, statistics: String
        var runs, warmup_runs: Int
        var wcet_margin: Double
        var cpu_pinned: Int?
        var stress_threads: Int
        var hazard_classes: [String]?
        var labelled_windows, hazard_windows: Int?
        var dsp_median_ms, dsp_max_ms: Double?
        var models: [Model]
        var recordings: [Recording]
        var time_correlation: [[Double?]]
        var success_correlation: [[Double?]]?
        var hazard_correlation: [[Double?]]?
    }

    private var provenanceJSON: ProvenanceJSON {
        let p = provenance
        func r(_ m: [[Double?]]) -> [[Double?]] { m.map { $0.map { $0.map { Self.rounded($0, 4) } } } }
        return ProvenanceJSON(
            board: p.board, cpu: p.cpuModel, kernel: p.kernel, date: p.date, statistics: p.statistics,
            runs: p.options.runs, warmup_runs: p.options.warmupRuns, wcet_margin: p.options.wcetMargin,
            cpu_pinned: p.options.cpu, stress_threads: p.stressThreads, hazard_classes: behaviour?.hazardClasses,
            labelled_windows: behaviour?.windows, hazard_windows: behaviour?.positives,
            dsp_median_ms: ProfilerStatistics.median(featureMilliseconds).map { Self.rounded($0, 4) },
            dsp_max_ms: featureMilliseconds.max().map { Self.rounded($0, 4) },
            models: p.models.map { .init(id: $0.id, name: $0.name, file: $0.file, sha256: $0.sha256) },
            recordings: p.recordings.map {
                .init(
                    path: $0.path, files: $0.files, labels: $0.labelsPath, windows: $0.windows,
                    labelled_windows: $0.labelledWindows)
            },
            time_correlation: r(timeCorrelation), success_correlation: successCorrelation.map(r),
            hazard_correlation: hazardCorrelation.map(r))
    }

    private static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// The hazard profile file (docs/planner.md "Hazard profile") plus `provenance`; subset times
    /// are left out, so the planner sums them from the experts' `wcet_ms`/`tcet_ms`.
    public func hazardJSON() throws -> Data {
        let profile = try hazardProfile()
        struct File: Encodable {
            struct Expert: Encodable {
                var id, name: String
                var wcet_ms, tcet_ms, mean_ms, max_ms, p99_ms: Double
            }
            struct Subset: Encodable { var experts: String; var fp, fn: Double }
            var kind = "hazard"
            var source: String
            var provenance: ProvenanceJSON
            var experts: [Expert]
            var subsets: [Subset]
        }
        let keys = codec.allKeys()
        return try Self.encode(
            File(
                source: sourceLine, provenance: provenanceJSON,
                experts: zip(experts, timings).enumerated().map { i, pair in
                    let (e, t) = pair
                    return .init(
                        id: e.id, name: e.name, wcet_ms: profile.wcetMs(1 << i), tcet_ms: profile.tcetMs(1 << i),
                        mean_ms: Self.rounded(t.meanMs, 4), max_ms: Self.rounded(t.maxMs, 4),
                        p99_ms: Self.rounded(t.p99Ms, 4))
                },
                subsets: keys.indices.map { .init(experts: keys[$0], fp: profile.fp[$0], fn: profile.fn[$0]) }))
    }

    /// The IDK profile file (docs/planner.md "IDK profile") with raw `counts` plus `provenance`.
    public func idkJSON() throws -> Data {
        let profile = try idkProfile()
        struct File: Encodable {
            var kind = "idk"
            var source: String
            var provenance: ProvenanceJSON
            var experts: [Expert]
            var counts: [String: Double]
            struct Expert: Encodable { var id, name: String; var time_ms, wcet_ms: Double }
        }
        let keys = codec.allKeys()
        var counts: [String: Double] = [:]
        let b = try measuredBehaviour()
        for (mask, key) in keys.enumerated() { counts[key] = b.probSCounts[mask] }
        return try Self.encode(
            File(
                source: sourceLine, provenance: provenanceJSON,
                experts: profile.experts.map {
                    .init(id: $0.id, name: $0.name, time_ms: $0.timeMs, wcet_ms: $0.wcetMs)
                },
                counts: counts))
    }

    /// `#` comment lines of provenance for the TSV files.
    private var tsvHeader: String {
        let p = provenance
        var text = "# cascadia profile: board \(p.board); cpu \(p.cpuModel); kernel \(p.kernel); date \(p.date)\n"
        text += "# \(p.statistics)\n"
        text += "# cpu pinned: \(p.options.cpu.map(String.init) ?? "no"); stress threads: \(p.stressThreads)\n"
        for m in p.models { text += "# model \(m.id) \(m.name) \(m.file) sha256 \(m.sha256)\n" }
        for r in p.recordings {
            text +=
                "# recording \(r.path) (\(r.files.joined(separator: ", "))): \(r.windows) windows, \(r.labelledWindows) labelled\n"
        }
        return text
    }

    /// One table that both `cascadia plan hazard` and `cascadia plan idk` read: every subset with
    /// `fp`, `fn` and its Prob-S `count`; the singleton rows also carry `name`, `wcet_ms`,
    /// `tcet_ms` and `time_ms` (other rows leave times empty: the sum of the members').
    public func profileTSV() throws -> String {
        let profile = try hazardProfile()
        let idk = try idkProfile()
        let b = try measuredBehaviour()
        let keys = codec.allKeys()
        var text = tsvHeader + "experts\tname\tfp\tfn\twcet_ms\ttcet_ms\ttime_ms\tcount\n"
        for mask in 0..<codec.subsetCount {
            let single = mask != 0 && mask & (mask - 1) == 0
            let i = mask.trailingZeroBitCount
            let cells = [
                mask == 0 ? "-" : keys[mask], single ? experts[i].name : "",
                Self.number(profile.fp[mask], 6), Self.number(profile.fn[mask], 6),
                single ? Self.number(profile.wcetMs(mask)) : mask == 0 ? "0" : "",
                single ? Self.number(profile.tcetMs(mask)) : mask == 0 ? "0" : "",
                single ? Self.number(idk.experts[i].timeMs) : "",
                Self.number(b.probSCounts[mask], 0),
            ]
            text += cells.joined(separator: "\t") + "\n"
        }
        return text
    }

    /// Per-expert timing statistics (milliseconds).
    public var timingTSV: String {
        var text = tsvHeader + "id\tname\truns\tmin_ms\tmedian_ms\tmean_ms\tp99_ms\tp99.9_ms\tmax_ms\twcet_ms\n"
        for (e, t) in zip(experts, timings) {
            text +=
                ([e.id, e.name, String(t.samplesMs.count)]
                + [t.minMs, t.medianMs, t.meanMs, t.p99Ms, t.p999Ms, t.maxMs, t.wcetMs].map { Self.number($0) })
                .joined(separator: "\t") + "\n"
        }
        return text
    }

    // MARK: Text

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = "  "
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                text += (i == 0 ? cell + pad : pad + cell) + (i == cells.count - 1 ? "" : "  ")
            }
            return text + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    static func matrixText(_ ids: [String], _ m: [[Double?]]) -> String {
        table([""] + ids, ids.indices.map { i in [ids[i]] + m[i].map { number($0, 2) } })
    }

    /// The report `cascadia profile` prints: timing per expert, then (with behaviour) per-expert
    /// FP/FN/success and the correlation tables.
    public var text: String {
        let ids = experts.map(\.id)
        var out = "Profile: \(provenance.board); \(provenance.cpuModel)\n"
        out += "kernel \(provenance.kernel)\n\(provenance.date)\n\n"
        out += "Execution time per expert (ms; \(timings.first?.samplesMs.count ?? 0) timed runs"
        out += provenance.options.cpu.map { ", pinned to CPU \($0)" } ?? ""
        out += provenance.stressThreads > 0 ? ", \(provenance.stressThreads) stress threads" : ""
        out += "):\n"
        out += Self.table(
            ["expert", "name", "min", "median=TCET", "mean", "p99", "p99.9", "max", "WCET"],
            zip(experts, timings).map { e, t in
                [e.id, e.name]
                    + [t.minMs, t.medianMs, t.meanMs, t.p99Ms, t.p999Ms, t.maxMs, t.wcetMs].map { Self.number($0, 3) }
            })
        out +=
            "  WCET = max × \(Self.number(provenance.options.wcetMargin, 3)); subset times are sums (sequential on one core)."
        if let m = ProfilerStatistics.median(featureMilliseconds), let x = featureMilliseconds.max() {
            out +=
                "\n  DSP front end per window (shared, not in the expert times): median \(Self.number(m, 3)) ms, max \(Self.number(x, 3)) ms."
        }
        out += "\n\nExecution-time correlation (Pearson, per timed round):\n" + Self.matrixText(ids, timeCorrelation)
        if let b = behaviour {
            out +=
                "\nBehaviour on \(b.windows) labelled windows (\(b.positives) hazard: \(b.hazardClasses.joined(separator: ", "))):\n"
            out += Self.table(
                ["expert", "FP", "FN", "success"],
                ids.indices.map { i in
                    [
                        ids[i], Self.number(b.fp[1 << i]), Self.number(b.fn[1 << i]),
                        Self.number(b.successSeries(i).reduce(0, +) / Double(max(1, b.windows))),
                    ]
                })
            let full = codec.subsetCount - 1
            out += "  all experts (OR): FP \(Self.number(b.fp[full])), FN \(Self.number(b.fn[full])); "
            out += "no expert classifies \(Self.number(b.probSCounts[0], 0)) windows (Prob-S[∅])\n"
            out += "\nBehaviour correlation: success (correct without IDK), Pearson per window:\n"
            out += Self.matrixText(ids, successCorrelation ?? [])
            out += "\nBehaviour correlation: hazard output, Pearson per window:\n"
            out += Self.matrixText(ids, hazardCorrelation ?? [])
        }
        return out
    }
}
