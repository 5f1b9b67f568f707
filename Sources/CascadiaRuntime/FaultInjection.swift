/// `--inject-delay EXPERT:MS[:PROB]`: make an expert overrun by MS milliseconds, on every
/// invocation or with probability PROB (0 < PROB ≤ 1), drawn from a seeded PRNG.
public struct FaultInjection: Sendable, Equatable {
    public var expert: Int
    public var delayNanoseconds: UInt64
    public var probability: Double

    public init(expert: Int, delayNanoseconds: UInt64, probability: Double = 1) {
        self.expert = expert
        self.delayNanoseconds = delayNanoseconds
        self.probability = probability
    }

    /// Parses `EXPERT:MS[:PROB]`; EXPERT is an expert name from `expertNames` or an index.
    public static func parse(_ text: String, expertNames: [String]) throws(ExecutorError) -> FaultInjection {
        func bad(_ problem: String) -> ExecutorError {
            .invalidOption(option: "--inject-delay", value: text, problem: problem)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else { throw bad("expected EXPERT:MS[:PROB]") }
        let expert: Int
        if let named = expertNames.firstIndex(of: parts[0]) {
            expert = named
        } else if let index = Int(parts[0]), index >= 0, index < expertNames.count {
            expert = index
        } else {
            throw bad("unknown expert '\(parts[0])' (known: \(expertNames.joined(separator: ", ")))")
        }
        guard let milliseconds = Double(parts[1]), milliseconds.isFinite, milliseconds >= 0, milliseconds <= 3_600_000 else {
            throw bad("MS must be a number of milliseconds in 0…3600000")
        }
        var probability = 1.0
        if parts.count == 3 {
            guard let p = Double(parts[2]), p > 0, p <= 1 else { throw bad("PROB must be in (0, 1]") }
            probability = p
        }
        return FaultInjection(expert: expert, delayNanoseconds: UInt64((milliseconds * 1e6).rounded()), probability: probability)
    }
}

/// Wraps a runner and delays chosen experts before they compute, as an overrunning expert
/// would. The delay honours the cancellation deadline (the expert is cut there, as a real
/// one is between layers). Deterministic for a given seed and call sequence.
public final class FaultInjectingRunner<Base: ExpertRunner, Clock: DeadlineClock>: ExpertRunner {
    public let base: Base
    public let clock: Clock
    private var random: SplitMix64
    private let delay: UnsafeMutableBufferPointer<UInt64>
    private let probability: UnsafeMutableBufferPointer<Double>
    /// Delays injected so far, per expert.
    public private(set) var injected: [Int]

    public var expertCount: Int { base.expertCount }

    public init(base: Base, clock: Clock, faults: [FaultInjection], seed: UInt64 = 1) throws(ExecutorError) {
        self.base = base
        self.clock = clock
        random = SplitMix64(seed: seed)
        delay = .allocate(capacity: base.expertCount)
        delay.initialize(repeating: 0)
        probability = .allocate(capacity: base.expertCount)
        probability.initialize(repeating: 0)
        injected = Array(repeating: 0, count: base.expertCount)
        for fault in faults {
            guard fault.expert >= 0 && fault.expert < base.expertCount else {
                throw .invalidOption(option: "--inject-delay", value: String(fault.expert), problem: "no such expert")
            }
            delay[fault.expert] += fault.delayNanoseconds
            probability[fault.expert] = fault.probability
        }
    }

    deinit {
        delay.deallocate()
        probability.deallocate()
    }

    /// - Note: Real-time safe.
    public func run(expert: Int, window: WindowInfo, cancelAtNanoseconds: UInt64) -> RunnerAnswer {
        if delay[expert] > 0 && (probability[expert] >= 1 || random.nextUnit() < probability[expert]) {
            injected[expert] += 1
            let target = clock.nowNanoseconds() &+ delay[expert]
            if target >= cancelAtNanoseconds {
                clock.wait(untilNanoseconds: cancelAtNanoseconds)
                return .cancelledAnswer
            }
            clock.wait(untilNanoseconds: target)
        }
        return base.run(expert: expert, window: window, cancelAtNanoseconds: cancelAtNanoseconds)
    }
}
