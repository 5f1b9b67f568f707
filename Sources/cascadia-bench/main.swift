// cascadia-bench: benchmarks (not tests). See docs/benchmarks.md.
// Usage: cascadia-bench <benchmark> [options]; one dispatch line per benchmark below.
import CascadiaCore
import Foundation

let benchmarks: [String: ([String]) throws -> Void] = [
    "planner": PlannerBench.run,
    "executor": ExecutorBench.run,
    "kernels": { _ in KernelBench.run(); KernelBench.runDSP() },  // kernels helper: docs/benchmarks.md "Kernels"
    "experts": { ExpertBench.run($0) },  // models helper: docs/architecture.md "Models"
    "ring": RingBench.run,
    "dynamic-k": DynamicKBench.run,  // docs/runtime.md "How much Dynamic-k can save"
    "peer-dump": PeerBench.dump,  // bench helper: docs/benchmarks.md "Experts vs ONNX Runtime"
    "peer-run": PeerBench.run,
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks[name] else {
    print("usage: cascadia-bench <benchmark> [options]\nbenchmarks: " + benchmarks.keys.sorted().joined(separator: ", "))
    exit(arguments.isEmpty ? 0 : 64)
}
do {
    try benchmark(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("cascadia-bench \(name): \(error)\n".utf8))
    exit(1)
}
