import CascadiaCore
import CascadiaModels
import CascadiaRuntime
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `cascadia profile`: measures the experts on this machine and writes the planner's profiles.
enum ProfileCommand: Command {
    static let name = "profile"
    static let summary = "measure experts' WCET/TCET, FP/FN and Prob-S on recordings; write a profile"

    static let help = """
        usage: cascadia profile [--models DIR] [--experts ID,...] [--recordings DIR]... [--runs N] [--warmup N]
                                [--cpu N] [--stress] [--wcet-margin X] [--hazard-classes C,...] [--timing-only]
                                [--board NAME] [--out DIR] [--plots DIR]

        Replays the recordings into 2 s windows, computes each window's DSP features once, then
          timing     runs every expert --runs times (after --warmup untimed rounds) on those windows:
                     TCET = median, WCET = max observed × --wcet-margin, IDK time = mean;
                     a subset's time is the sum of its members' (experts run one after another on one core)
          behaviour  runs every expert once on every labelled window: FP/FN of every subset under
                     OR-fusion of the experts' hazard outputs, and Prob-S counts (which experts classify
                     the window correctly without IDK)
        and prints the timing and behaviour tables and the Pearson correlations between experts.

        --models DIR          model files (*.safetensors); default models
        --experts ID,...      experts to profile, by id or name, in this order; default all in DIR
        --recordings DIR      a recording directory (streams + labels.csv) or a folder of them;
                              repeatable; default recordings
        --runs N              timed rounds (default 200); --warmup N untimed rounds (default 10)
        --cpu N               pin the measuring thread to CPU N (sched_setaffinity)
        --stress              load the other CPUs with busy threads while timing
        --wcet-margin X       WCET safety factor on the maximum observed time (default 1.2)
        --hazard-classes C,.. label classes that count as hazards (default: the experts' hazard classes)
        --timing-only         measure times only (recordings need no labels); writes timing.tsv
        --board NAME          board name for the provenance (default: device-tree model or DMI name)
        --out DIR             write DIR/profile.json (hazard), DIR/idk-profile.json, DIR/profile.tsv
                              (read by both 'cascadia plan hazard' and 'cascadia plan idk') and DIR/timing.tsv
        --plots DIR           write DIR/latency-cdf.svg (per-expert execution-time CDF)

        Progress goes to standard error (a bar on a terminal, plain lines otherwise).
        Exit codes: 0 ok, 64 usage, 65 bad model/recording or unlabelled recordings, 69 CPU unavailable, 1 cannot write.
        """

    struct Arguments {
        var models = "models"
        var experts: [String]?
        var recordings: [String] = []
        var options = ProfilerOptions()
        var timingOnly = false
        var board: String?
        var out: String?
        var plots: String?
    }

    static func parse(_ arguments: [String]) throws -> Arguments? {
        var a = Arguments()
        var seen = Set<String>()
        var i = 0
        func int(_ name: String, _ text: String, min: Int) throws -> Int {
            guard let v = Int(text), v >= min else {
                throw UsageError("--\(name): '\(text)' is not an integer ≥ \(min)")
            }
            return v
        }
        func list(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        while i < arguments.count {
            var name = arguments[i]
            i += 1
            if name == "--help" || name == "-h" { return nil }
            guard name.hasPrefix("--") else { throw UsageError("unexpected argument '\(name)'") }
            name.removeFirst(2)
            var inline: String? = nil
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name == "stress" || name == "timing-only" {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                if name == "stress" { a.options.stress = true } else { a.timingOnly = true }
                continue
            }
            let known = [
                "models", "experts", "recordings", "runs", "warmup", "cpu", "wcet-margin", "hazard-classes", "board",
                "out", "plots",
            ]
            guard known.contains(name) else { throw UsageError("unknown option --\(name)") }
            guard name == "recordings" || seen.insert(name).inserted else { throw UsageError("--\(name) given twice") }
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                value = arguments[i]
                i += 1
            }
            switch name {
            case "models": a.models = value
            case "experts":
                let experts = list(value)
                guard !experts.isEmpty else { throw UsageError("--experts: no expert named") }
                a.experts = experts
            case "recordings": a.recordings.append(value)
            case "runs": a.options.runs = try int(name, value, min: 1)
            case "warmup": a.options.warmupRuns = try int(name, value, min: 0)
            case "cpu": a.options.cpu = try int(name, value, min: 0)
            case "wcet-margin":
                guard let v = Double(value), v >= 1, v.isFinite else {
                    throw UsageError("--wcet-margin: '\(value)' is not a number ≥ 1")
                }
                a.options.wcetMargin = v
            case "hazard-classes":
                let classes = list(value)
                guard !classes.isEmpty else { throw UsageError("--hazard-classes: no class named") }
                a.options.hazardClasses = classes
            case "board":
                guard !value.isEmpty else { throw UsageError("--board: empty name") }
                a.board = value
            case "out": a.out = value
            default: a.plots = value
            }
        }
        if a.recordings.isEmpty { a.recordings = ["recordings"] }
        return a
    }

    /// The model files of `directory` (sorted by name), narrowed and ordered by `--experts`.
    static func loadModels(_ directory: String, experts: [String]?) throws -> [ExpertModel] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw ProfilerError(.data, directory, "cannot list the models directory")
        }
        let paths = names.filter { $0.hasSuffix(".safetensors") }.sorted().map { directory + "/" + $0 }
        guard !paths.isEmpty else { throw ProfilerError(.data, directory, "no *.safetensors model files") }
        var models = try paths.map { try ExpertModel(path: $0) }
        if let experts {
            models = try experts.map { wanted in
                guard let m = models.first(where: { $0.description.id == wanted || $0.description.name == wanted })
                else {
                    throw UsageError(
                        "--experts: no model with id or name '\(wanted)' in \(directory) (\(models.map(\.description.id).joined(separator: ", ")))"
                    )
                }
                return m
            }
        }
        var ids = Set<String>()
        for m in models where !ids.insert(m.description.id).inserted {
            throw ProfilerError(.data, m.path, "expert id '\(m.description.id)' is used by two models")
        }
        return models
    }

    static func run(_ arguments: [String]) throws -> ExitCode {
        guard let a = try parse(arguments) else {
            print(help)
            return .ok
        }
        let progress = ProfilerProgress()
        let models = try loadModels(a.models, experts: a.experts)
        let directories = try a.recordings.flatMap { try ProfilerWindowSet.recordingDirectories(under: $0) }
        let windows = try ProfilerWindowSet(
            recordingDirectories: directories, models: models, requireLabels: !a.timingOnly,
            progress: { progress.update("windows", $0, $1) })
        progress.done("windows", "\(windows.count) windows from \(directories.count) recording(s)")
        let experts = try models.map { try Expert(model: $0) }
        let profiler = try Profiler(experts: experts, windows: windows)
        var behaviour: ProfilerBehaviour? = nil
        if !a.timingOnly {
            let measured = try profiler.measureBehaviour(
                hazardClasses: a.options.hazardClasses, progress: { progress.update("behaviour", $0, $1) })
            progress.done("behaviour", "\(measured.windows) labelled windows")
            behaviour = measured
        }
        let times = try profiler.measureTimes(a.options, progress: { progress.update("timing", $0, $1) })
        progress.done("timing", "\(a.options.runs) rounds × \(experts.count) experts")
        let machine = ProfilerProvenance.machine(board: a.board)
        let provenance = ProfilerProvenance(
            board: machine.board, cpuModel: machine.cpu, kernel: machine.kernel, date: machine.date,
            models: models.map { m in
                .init(
                    id: m.description.id, name: m.description.name, file: m.path,
                    sha256: ProfilerSHA256.hex(FileManager.default.contents(atPath: m.path) ?? Data()))
            },
            recordings: windows.recordings, options: a.options,
            stressThreads: a.options.stress ? ProfilerStress(excludingCPU: a.options.cpu).threadCount : 0)
        let report = ProfilerReport(
            experts: models.map { ExpertName(id: $0.description.id, name: $0.description.name) },
            timings: times.map { ProfilerTiming(samplesMs: $0, margin: a.options.wcetMargin) },
            behaviour: behaviour, provenance: provenance, featureMilliseconds: windows.featureMilliseconds)
        print(report.text, terminator: "")
        if let out = a.out {
            try makeDirectory(out)
            var written: [String] = []
            if behaviour != nil {
                let hazard = try report.hazardJSON(), idk = try report.idkJSON()
                let tsv = Data(try report.profileTSV().utf8)
                // The planner must read back what was written.
                _ = try HazardProfile(data: hazard, file: out + "/profile.json")
                _ = try IDKProfile(data: idk, file: out + "/idk-profile.json")
                _ = try HazardProfile(data: tsv, file: out + "/profile.tsv")
                _ = try IDKProfile(data: tsv, file: out + "/profile.tsv")
                try write(hazard, out + "/profile.json", &written)
                try write(idk, out + "/idk-profile.json", &written)
                try write(tsv, out + "/profile.tsv", &written)
            }
            try write(Data(report.timingTSV.utf8), out + "/timing.tsv", &written)
            print("\nwrote " + written.joined(separator: ", "))
        }
        if let plots = a.plots {
            try makeDirectory(plots)
            var written: [String] = []
            let svg = ProfilerPlot.latencyCDF(
                experts: report.experts.map { ($0.id, $0.name) }, samplesMs: times,
                title: "Expert execution time CDF (\(a.options.runs) runs, \(provenance.board))")
            try write(Data(svg.utf8), plots + "/latency-cdf.svg", &written)
            print("wrote " + written.joined(separator: ", "))
        }
        return .ok
    }

    static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw ProfilerError(.output, path, "cannot create the directory")
        }
    }

    static func write(_ data: Data, _ path: String, _ written: inout [String]) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw ProfilerError(.output, path, "cannot write the file")
        }
        written.append(path)
    }
}

/// Progress on standard error: a redrawn bar on a terminal, otherwise a plain line at each
/// quarter (so logs stay short).
final class ProfilerProgress {
    let isTerminal = isatty(2) == 1
    private var lastQuarter: [String: Int] = [:]

    func update(_ stage: String, _ done: Int, _ total: Int) {
        guard total > 0 else { return }
        if isTerminal {
            let width = 30
            let filled = done * width / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            writeStderr("\r\(stage.padding(toLength: 10, withPad: " ", startingAt: 0)) [\(bar)] \(done)/\(total)")
        } else {
            let quarter = done * 4 / total
            if quarter > (lastQuarter[stage] ?? 0) {
                lastQuarter[stage] = quarter
                writeStderr("profile: \(stage) \(done)/\(total)\n")
            }
        }
    }

    func done(_ stage: String, _ summary: String) {
        writeStderr((isTerminal ? "\r\u{1B}[K" : "") + "profile: \(stage) done: \(summary)\n")
    }
}
