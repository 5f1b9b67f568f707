// cascadia-bench: benchmarks (not tests). See docs/benchmarks.md.
import CascadiaCore
let benchArguments = Array(CommandLine.arguments.dropFirst())
if benchArguments.first == "kernels" { KernelBench.run(); KernelBench.runDSP() }  // kernels helper: docs/benchmarks.md "Kernels"
else if benchArguments.first == "experts" { ExpertBench.run(Array(benchArguments.dropFirst())) }  // models helper: docs/architecture.md "Models"
else { print("cascadia-bench: usage: cascadia-bench kernels") }
