import CascadiaModels
import Foundation

/// `cascadia-bench experts [FILE...]`: load time and per-window run latency of whole experts
/// through the Expert API (CLOCK_MONOTONIC per run; percentiles over many runs).
/// Without files it benchmarks `models/*.safetensors` and the test models.
enum ExpertBench {
    static func run(_ arguments: [String], runs: Int = 2000) {
        var files = arguments
        if files.isEmpty {
            for dir in ["models", "Tests/CascadiaModelsTests/Golden"] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                files += names.filter { $0.hasSuffix(".safetensors") }.sorted().map { "\(dir)/\($0)" }
            }
        }
        print(
            "| expert | layers | MACs | arena bytes | load ms | run p50 µs | run p99 µs | run max µs | GMAC/s (p50) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for file in files {
            let loadStart = Expert.monotonicNanoseconds()
            let expert: Expert
            do {
                expert = try Expert(path: file)
            } catch {
                print("| \(file) | error: \(error.description) |")
                continue
            }
            let loadNanoseconds = Expert.monotonicNanoseconds() - loadStart
            for m in expert.model.description.framing.modalities.indices {
                let count = expert.inputCount(modality: m)
                let features = (0..<count).map { Float(($0 * 7919) % 201 - 100) * 0.01 }
                features.withUnsafeBufferPointer { expert.setFeatures(modality: m, $0) }
            }
            for _ in 0..<50 { _ = expert.run() }
            var samples = [UInt64](repeating: 0, count: runs)
            for i in 0..<runs {
                let start = Expert.monotonicNanoseconds()
                _ = expert.run()
                samples[i] = Expert.monotonicNanoseconds() - start
            }
            samples.sort()
            let p50 = Double(samples[runs / 2]), p99 = Double(samples[runs * 99 / 100]),
                worst = Double(samples[runs - 1])
            let macs = expert.model.multiplyAccumulates
            print(
                "| \(file) | \(expert.model.description.layers.count) | \(macs) | \(expert.model.arenaBytes) | "
                    + "\(fmt(Double(loadNanoseconds) / 1e6)) | \(fmt(p50 / 1e3)) | \(fmt(p99 / 1e3)) | \(fmt(worst / 1e3)) | "
                    + "\(fmt(Double(macs) / p50)) |")
        }
    }

    private static func fmt(_ v: Double) -> String {
        String(format: v >= 100 ? "%.0f" : (v >= 10 ? "%.1f" : "%.2f"), v)
    }
}
