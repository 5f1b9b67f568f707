// `cascadia-bench executor`: the executor's own per-window cost (experts cost nothing here),
// heap allocations per window, and Dynamic-k settings on scripted window sequences.
import CascadiaCore
import CascadiaRuntime

#if CASCADIA_COUNT_ALLOCATIONS
// Counts every malloc-family call of the process (the executable's definitions interpose on
// libc's; needs `-Xlinker --export-dynamic`, see the Makefile's executor section).
@_silgen_name("__libc_malloc") private func libcMalloc(_ size: Int) -> UnsafeMutableRawPointer?
@_silgen_name("__libc_calloc") private func libcCalloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer?
@_silgen_name("__libc_realloc") private func libcRealloc(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer?
@_silgen_name("__libc_memalign") private func libcMemalign(_ alignment: Int, _ size: Int) -> UnsafeMutableRawPointer?
nonisolated(unsafe) private var mallocCalls = 0
@_cdecl("malloc") public func countingMalloc(_ size: Int) -> UnsafeMutableRawPointer? {
    mallocCalls &+= 1
    return libcMalloc(size)
}
@_cdecl("calloc") public func countingCalloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
    mallocCalls &+= 1
    return libcCalloc(count, size)
}
@_cdecl("realloc") public func countingRealloc(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
    mallocCalls &+= 1
    return libcRealloc(pointer, size)
}
@_cdecl("posix_memalign") public func countingPosixMemalign(_ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ alignment: Int, _ size: Int) -> Int32 {
    mallocCalls &+= 1
    guard let pointer = libcMemalign(alignment, size) else { return 12 }
    out.pointee = pointer
    return 0
}
@_cdecl("aligned_alloc") public func countingAlignedAlloc(_ alignment: Int, _ size: Int) -> UnsafeMutableRawPointer? {
    mallocCalls &+= 1
    return libcMemalign(alignment, size)
}
#endif

enum ExecutorBench {
    /// malloc-family calls so far, or nil when this build does not count them.
    static func allocations() -> Int? {
        #if CASCADIA_COUNT_ALLOCATIONS
        return mallocCalls
        #else
        return nil
        #endif
    }

    static func ms(_ value: Double) -> UInt64 { UInt64((value * 1e6).rounded()) }
    // Experts A–E of profiles/multimodal-hazard-profile.tsv.
    static let wcet = [25.121, 23.854, 17.554, 16.18, 5.3].map(ms)
    static let tcet = [18.166, 17.788, 12.263, 11.878, 4.112].map(ms)

    static func run(_ arguments: [String]) throws {
        var windows = 1_000_000
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--windows":
                guard let text = iterator.next(), let n = Int(text), n > 0 else {
                    throw ExecutorError.invalidOption(option: "--windows", value: "", problem: "needs a positive count")
                }
                windows = n
            default:
                throw ExecutorError.invalidOption(option: argument, value: "", problem: "usage: cascadia-bench executor [--windows N]")
            }
        }
        print("cascadia-bench executor: \(windows) windows per case, experts answer instantly (executor cost only)")
        if let before = allocations() {
            // Self-check: a heap allocation the optimizer cannot remove must be counted.
            let buffer = [UInt8](repeating: 1, count: 64 + arguments.count)
            let counted = (allocations() ?? before) - before
            print("allocation counting: on (self-check: \(counted) counted for one array of \(buffer.count) bytes)")
        } else {
            print("allocations per window: not counted in this build (make bench-executor counts them)")
        }
        print("case                          ns/window   allocs/window")
        let clock = MonotonicDeadlineClock()
        let clear = RunnerAnswer(topClass: 0, topProbability: 0.9, hazardProbability: 0.1)
        let row = (0..<5).map { _ in ScriptedAnswer(answer: clear, durationNanoseconds: 0) }
        let thresholds = ExpertThresholds(count: 5, idk: 0.6, hazard: 0.5)
        // Hazard: adaptive path A → DE with escapes (3 experts per window).
        let hazard = CascadeSchedule(
            name: "A-then-DE",
            mode: .hazard(stages: [HazardStage(experts: [0], escape: [3, 4]), HazardStage(experts: [3, 4], escape: [])], initialEscape: [2, 3]),
            budgetNanoseconds: ms(60), wcetNanoseconds: wcet, tcetNanoseconds: tcet)
        let hazardRunner = try ScriptedExpertRunner(expertCount: 5, trace: [row], clock: clock)
        let hazardExecutor = try Executor(schedule: hazard, runner: hazardRunner, clock: clock, thresholds: thresholds)
        measure("hazard path (3 experts)", windows: windows) { w in
            let now = clock.nowNanoseconds()
            _ = hazardExecutor.process(WindowInfo(index: Int64(w), startNanoseconds: now, completionNanoseconds: now))
        }
        // Hazard with 30 % overruns of A (cut, escape CD) on a manual clock: the time column is
        // meaningless here (the clock jumps), the allocation column is what this case checks.
        let manual = ManualDeadlineClock()
        let manualRow = (0..<5).map { ScriptedAnswer(answer: clear, durationNanoseconds: tcet[$0]) }
        let overrunning = try FaultInjectingRunner(
            base: try ScriptedExpertRunner(expertCount: 5, trace: [manualRow], clock: manual), clock: manual,
            faults: [FaultInjection(expert: 0, delayNanoseconds: ms(30), probability: 0.3)], seed: 1)
        let escaping = try Executor(schedule: hazard, runner: overrunning, clock: manual, thresholds: thresholds)
        measure("hazard + escape (manual)", windows: windows) { w in
            let now = manual.nowNanoseconds()
            _ = escaping.process(WindowInfo(index: Int64(w), startNanoseconds: now, completionNanoseconds: now))
            manual.advance(byNanoseconds: ms(100))
        }
        print("(escape ran in \(escaping.metrics.escapeActivations) of \(escaping.metrics.windows) windows, \(escaping.metrics.deadlineMisses) misses)")
        // IDK: E D C A with learned k over a dependent sequence (probes included).
        let order = [4, 3, 2, 0]
        let fs = DynamicKWorkload.dependent(windows: 4096, levels: [1, 2, 3], seed: 5)
        let idk = CascadeSchedule(
            name: "EDCA", mode: .idk(order: order, skipBack: .learned(maxK: 3)), budgetNanoseconds: ms(100),
            wcetNanoseconds: wcet, tcetNanoseconds: tcet)
        let idkRunner = try ScriptedExpertRunner(
            expertCount: 5, trace: DynamicKWorkload.trace(fs, order: order, durations: [0, 0, 0, 0, 0]), clock: clock)
        let idkExecutor = try Executor(schedule: idk, runner: idkRunner, clock: clock, thresholds: thresholds)
        measure("IDK cascade, learned k", windows: windows) { w in
            let now = clock.nowNanoseconds()
            _ = idkExecutor.process(WindowInfo(index: Int64(w), startNanoseconds: now, completionNanoseconds: now))
        }
        // JSON line of a hazard window into the preallocated buffer.
        let writer = DetectionJSONWriter(expertNames: ["A", "B", "C", "D", "E"], classNames: ["quiet", "vehicle"])
        let record = hazardExecutor.process(WindowInfo(index: 0, startNanoseconds: 0, completionNanoseconds: clock.nowNanoseconds()))
        var bytes = 0
        measure("JSON line format", windows: windows) { _ in bytes &+= writer.format(record).count }
        var summary = SummaryReport(isHazardPlan: true, classNames: ["quiet", "vehicle"], hazardClasses: [1], predictedExpectedNanoseconds: nil)
        measure("summary add", windows: windows) { _ in summary.add(record) }
        print("(\(bytes / windows) bytes per line; metrics: \(hazardExecutor.metrics.windows) hazard windows recorded)")

        // Dynamic-k on scripted sequences (manual clock at TCET: deterministic).
        print("\nDynamic-k: mean expert ms per window, cascade E D C A at TCET (4.112, 11.878, 12.263, 18.166 ms), 2000 windows")
        let candidates: [(String, SkipBack)] = [("k=0", .fixed(0)), ("k=1", .fixed(1)), ("k=2", .fixed(2)), ("k=3", .fixed(3)), ("learned", .learned(maxK: 3))]
        print("sequence                        " + candidates.map { $0.0.padding(9) }.joined())
        let sequences: [(String, [Int?])] = [
            ("dependent (runs of 20-80)", DynamicKWorkload.dependent(windows: 2000, levels: [1, 2, 2, 3, 3, 3], seed: 11)),
            ("independent (.4 .3 .2 .1)", DynamicKWorkload.independent(windows: 2000, probabilities: [0.4, 0.3, 0.2, 0.1], seed: 12)),
        ]
        let cascade = CascadeSchedule(
            name: "EDCA", mode: .idk(order: order, skipBack: .fixed(0)), budgetNanoseconds: nil,
            wcetNanoseconds: wcet, tcetNanoseconds: tcet)
        for (name, sequence) in sequences {
            var line = name.padding(32)
            for (_, skipBack) in candidates {
                let cost = try DynamicKWorkload.meanCost(sequence, schedule: cascade, skipBack: skipBack)
                line += fixed3(cost / 1e6).padding(9)
            }
            print(line)
        }
    }

    static func measure(_ name: String, windows: Int, _ body: (Int) -> Void) {
        for w in 0..<min(windows, 10_000) { body(w) }  // warm-up: first-touch, lazy globals
        let clock = MonotonicDeadlineClock()
        let allocationsBefore = allocations()
        let start = clock.nowNanoseconds()
        for w in 0..<windows { body(w) }
        let elapsed = clock.nowNanoseconds() - start
        let allocationsAfter = allocations()
        let perWindow = Double(elapsed) / Double(windows)
        var allocs = "-"
        if let before = allocationsBefore, let after = allocationsAfter {
            allocs = fixed3(Double(after - before) / Double(windows))
        }
        print(name.padding(30) + fixed3(perWindow).padding(12) + allocs)
    }

    static func fixed3(_ value: Double) -> String {
        let scaled = Int((value * 1000).rounded())
        let fraction = String(scaled % 1000)
        return "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
