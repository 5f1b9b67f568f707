// cascadia-bench: benchmarks (not tests). See docs/benchmarks.md.
import CascadiaCore
print("cascadia-bench: no benchmarks registered")
