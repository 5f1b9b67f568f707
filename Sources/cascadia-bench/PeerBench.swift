import CKernels
import CascadiaCore
import CascadiaIO
import CascadiaModels
import CascadiaRuntime
import Foundation

/// Side-by-side benchmark inputs and our half of it (scripts/bench-peer.sh runs ONNX Runtime on
/// the same files):
///
/// - `cascadia-bench peer-dump --plan FILE [--models DIR] --out DIR RECORDING…` replays the
///   recordings through the pipeline (DSP front end once per window, as in `cascadia replay`) and
///   writes every expert's float input features, window after window, to `DIR/<model>.f32`
///   (little-endian float32; per window the modalities in the model's framing order, each
///   `[T, L, C]`), the exact bytes ONNX Runtime is fed.
/// - `cascadia-bench peer-run --inputs DIR [--runs N] [--warmup N] MODEL…` runs each expert on
///   its windows once (top class per window to `DIR/<model>.ours.classes`), then times
///   `setFeatures` + `run` (float features in, class out, as the ONNX graph does) over `N` runs
///   cycling through the windows, and writes median/p99 to `DIR/<model>.ours.json` and every
///   sample (µs, sorted) to `DIR/<model>.ours.samples`.
enum PeerBench {
    static func dump(_ arguments: [String]) throws {
        var planPath: String?
        var models = "models"
        var out: String?
        var recordings: [String] = []
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--plan": i += 1; planPath = arguments[i]
            case "--models": i += 1; models = arguments[i]
            case "--out": i += 1; out = arguments[i]
            default: recordings.append(arguments[i])
            }
            i += 1
        }
        guard let planPath, let out, !recordings.isEmpty else {
            throw BenchError("usage: peer-dump --plan FILE [--models DIR] --out DIR RECORDING…")
        }
        guard let data = FileManager.default.contents(atPath: planPath) else { throw BenchError("cannot read \(planPath)") }
        let plan = try Plan.decode(data, file: planPath)
        var dumps: [[Float]] = []
        var experts: [Expert] = []
        var windows = 0
        for recording in recordings {
            experts = try PipelineExperts.load(plan: plan, planPath: planPath, directory: models)
            if dumps.isEmpty { dumps = Array(repeating: [], count: experts.count) }
            let sources = try ReplaySource.sources(inDirectory: recording, options: ReplayOptions())
            let pipeline = try Pipeline(
                configuration: PipelineConfiguration(plan: plan, planPath: planPath, outputFileDescriptor: nil),
                experts: experts, sources: sources)
            let runner = pipeline.modelRunner
            try pipeline.run(
                hooks: PipelineHooks(onWindow: { _ in
                    windows += 1
                    for (e, expert) in experts.enumerated() {
                        for m in expert.model.description.framing.modalities.indices {
                            dumps[e] += runner.currentFeatures(slot: runner.slot(expert: e, modality: m))
                        }
                    }
                }))
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (e, expert) in experts.enumerated() {
            let path = out + "/" + stem(expert.model.path) + ".f32"
            let bytes = dumps[e].withUnsafeBufferPointer { Data(buffer: $0) }
            guard FileManager.default.createFile(atPath: path, contents: bytes) else { throw BenchError("cannot write \(path)") }
        }
        print("peer-dump: \(windows) windows from \(recordings.joined(separator: " ")) → \(out)/*.f32")
    }

    static func run(_ arguments: [String]) throws {
        var inputs: String?
        var runs = 2000
        var warmup = 200
        var files: [String] = []
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--inputs": i += 1; inputs = arguments[i]
            case "--runs": i += 1; runs = Int(arguments[i]) ?? runs
            case "--warmup": i += 1; warmup = Int(arguments[i]) ?? warmup
            default: files.append(arguments[i])
            }
            i += 1
        }
        guard let inputs, !files.isEmpty, runs >= 100 else {
            throw BenchError("usage: peer-run --inputs DIR [--runs N ≥ 100] [--warmup N] MODEL…")
        }
        for file in files {
            let expert = try Expert(path: file)
            let name = stem(file)
            guard let data = FileManager.default.contents(atPath: "\(inputs)/\(name).f32") else {
                throw BenchError("cannot read \(inputs)/\(name).f32 (run peer-dump first)")
            }
            let counts = expert.model.description.framing.modalities.indices.map { expert.inputCount(modality: $0) }
            let perWindow = counts.reduce(0, +)
            let features: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let windows = features.count / perWindow
            guard windows > 0, features.count == windows * perWindow else {
                throw BenchError("\(inputs)/\(name).f32: \(features.count) floats is not a multiple of \(perWindow)")
            }
            var classes = ""
            var samples = [UInt64](repeating: 0, count: runs)
            features.withUnsafeBufferPointer { all in
                func feed(_ w: Int) {
                    var offset = w * perWindow
                    for (m, count) in counts.enumerated() {
                        expert.setFeatures(modality: m, UnsafeBufferPointer(rebasing: all[offset..<offset + count]))
                        offset += count
                    }
                }
                for w in 0..<windows {
                    feed(w)
                    if case .answered(let a) = expert.run() { classes += "\(a.topClass)\n" } else { classes += "-1\n" }
                }
                for r in 0..<warmup {
                    feed(r % windows)
                    _ = expert.run()
                }
                for r in 0..<runs {
                    let start = Expert.monotonicNanoseconds()
                    feed(r % windows)
                    _ = expert.run()
                    samples[r] = Expert.monotonicNanoseconds() - start
                }
            }
            samples.sort()
            let p50 = Double(samples[runs / 2]) / 1e3, p99 = Double(samples[runs * 99 / 100]) / 1e3
            try classes.write(toFile: "\(inputs)/\(name).ours.classes", atomically: true, encoding: .utf8)
            let json =
                "{\"model\": \"\(name)\", \"windows\": \(windows), \"runs\": \(runs), \"p50_us\": \(p50), \"p99_us\": \(p99), "
                + "\"macs\": \(expert.model.multiplyAccumulates), \"isa\": \"\(Self.isa())\"}\n"
            try json.write(toFile: "\(inputs)/\(name).ours.json", atomically: true, encoding: .utf8)
            let raw = samples.map { String(Double($0) / 1e3) }.joined(separator: "\n") + "\n"
            try raw.write(toFile: "\(inputs)/\(name).ours.samples", atomically: true, encoding: .utf8)
            print(json, terminator: "")
        }
    }

    static func isa() -> String { String(cString: nn_isa_name(nn_isa_detect())) }

    static func stem(_ path: String) -> String {
        let base = (path as NSString).lastPathComponent
        return base.hasSuffix(".safetensors") ? String(base.dropLast(".safetensors".count)) : base
    }
}

/// A benchmark's usage or input error (exit 1 with the message).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
