/// Algorithms Dynamic and Dynamic-k across consecutive windows (SPEC §4.3), and the online
/// rule that learns k.
///
/// Positions are 0-based here (SPEC counts from 1): the cascade is K_0..K_{n−1}; the start
/// position is `b`; a window starts at `s = max(b − k, 0)`.
///
/// * Fixed k (SPEC, literally): run from s until some K_i classifies. If i = b, probe
///   backwards K_{b−1}, K_{b−2}, … until one says IDK and set b just after it (an expert
///   already run this window is not run again: it said IDK). Otherwise b = i. No expert
///   classifies: b stays.
/// * Learned k: each window k is the argmin of exponentially forgotten counterfactual costs
///   (below); the probe runs whenever the *start* classifies (i = s > 0), so the lowest
///   classifying position f is known every window and b = f.
///
/// Learning rule. Under the nesting assumption (an expert that can classify a window is
/// followed in the cascade only by experts that can too), a window is described by f, the
/// lowest position that classifies it, and f is exactly what the run plus the probe reveal:
/// f = i if i > s; f = (position of the probe's first IDK) + 1 if i = s. The cost candidate k
/// would have paid on this window from the same b, pricing experts by TCET C_j, is
///
///     s_k = max(b − k, 0)
///     cost_k = Σ_{j=s_k}^{f} C_j                                  if s_k < f
///     cost_k = C_{s_k} + Σ_{j=max(f−1,0)}^{s_k−1} C_j              if s_k ≥ f  (start + probe)
///     cost_k = Σ_{j=s_k}^{n−1} C_j                                 if nothing classifies
///
/// and the estimate is Ĉ_k ← (1 − α) Ĉ_k + α cost_k with α = `forgetting`. The next window
/// uses k = argmin Ĉ_k (smallest k on ties). Strongly dependent windows (f rarely moves)
/// make small k cheapest; independent windows make the plain cascade (large k) cheapest.
///
/// Plain-cascade guard. When nesting fails (a weak expert classifies what a stronger one
/// later in the cascade does not), the probe stops at an IDK above experts that would have
/// classified, b stays high, and cost_k overestimates the plain cascade: the rule can lock
/// itself into starting late (measured on the shipped recordings: order G E D F B cost 71 %
/// more than the plain cascade). So learned mode keeps two measured means (the plain mean of
/// the first 1/β samples, then exponential with β = `guardForgetting`) of the TCET-priced cost
/// actually paid: on windows run with the learned k and on windows run as the plain cascade
/// (start at K_0). It uses the cheaper of the two and every `guardInterval` windows runs one
/// window the other way to keep both current. A plain window reveals the true lowest
/// classifier below the first one, so the guard is exact where the counterfactual is not.
///
/// Storage is allocated at init; per-window calls allocate nothing.
public final class DynamicK {
    /// Number of cascade positions n.
    public private(set) var positions: Int
    /// Current start position b.
    public private(set) var b: Int = 0
    /// k used by the current (or last) window.
    public private(set) var currentK: Int = 0
    /// The k in use, leaving out the guard's check windows: the fixed k; in learned mode the
    /// learner's k, or n − 1 while the guard prefers the plain cascade. What `ctl get` shows and
    /// what `ctl set auto-k off` freezes.
    public private(set) var inUseK: Int = 0
    /// Start position of the current (or last) window.
    public private(set) var start: Int = 0
    /// The mode: fixed k or learned.
    public private(set) var mode: SkipBack
    /// α of the exponential forgetting in the learning rule.
    public let forgetting: Double
    /// β of the plain-cascade guard's measured means.
    public let guardForgetting: Double
    /// Every this many windows learned mode runs one window with the arm it is not using.
    public let guardInterval: Int
    /// Measured mean cost (ns, TCET-priced) of windows run with the learned k; nil until one ran.
    public private(set) var learnedArmCost: Double?
    /// Measured mean cost (ns, TCET-priced) of windows run as the plain cascade; nil until one ran.
    public private(set) var plainArmCost: Double?
    /// Whether learned mode currently runs the plain cascade (the guard found it cheaper).
    public private(set) var guardPrefersPlain = false
    /// Whether the current (or last) window was run as the plain cascade by the guard.
    public private(set) var windowIsPlain = false
    private var windowsSinceSwitchCheck = 0
    private var learnedArmSamples = 0
    private var plainArmSamples = 0
    private var probed = false
    private let costs: UnsafeMutableBufferPointer<Double>
    private var prefix: [UInt64] = [0]

    /// - Parameters:
    ///   - capacity: the largest cascade length this instance will serve (storage size).
    public init(capacity: Int, mode: SkipBack, forgetting: Double = 0.05, guardForgetting: Double = 0.1, guardInterval: Int = 8) {
        precondition(capacity > 0, "DynamicK needs at least one position")
        precondition(guardInterval >= 2, "guard interval must be at least 2 windows")
        costs = .allocate(capacity: capacity)
        costs.initialize(repeating: 0)
        positions = 1
        self.mode = mode
        self.forgetting = forgetting
        self.guardForgetting = guardForgetting
        self.guardInterval = guardInterval
    }

    private func resetLearner() {
        for j in 0..<costs.count { costs[j] = 0 }
        learnedArmCost = nil
        plainArmCost = nil
        learnedArmSamples = 0
        plainArmSamples = 0
        guardPrefersPlain = false
        windowsSinceSwitchCheck = 0
    }

    deinit { costs.deallocate() }

    /// Installs a cascade: its TCET prefix sums (count n + 1) and k mode; resets b and the learner.
    /// Not real-time safe when the prefix array must grow; the executor calls it with arrays
    /// built off the hot path.
    public func reset(prefixTcetNanoseconds: [UInt64], mode: SkipBack) {
        precondition(prefixTcetNanoseconds.count - 1 <= costs.count, "cascade longer than capacity")
        prefix = prefixTcetNanoseconds
        positions = prefixTcetNanoseconds.count - 1
        self.mode = mode
        b = 0
        start = 0
        currentK = 0
        inUseK = 0
        windowIsPlain = false
        resetLearner()
    }

    /// Changes k (live change, next window). Switching to learned restarts the estimates.
    /// - Note: Real-time safe.
    public func setMode(_ newMode: SkipBack) {
        if case .learned = newMode, newMode != mode {
            resetLearner()
        }
        mode = newMode
    }

    /// The learner's current estimate for candidate `k` (nanoseconds), 0 if not learning.
    public func estimatedCostNanoseconds(k: Int) -> Double { k < costs.count ? costs[k] : 0 }

    private var maxCandidate: Int {
        switch mode {
        case .fixed(let k): min(k, positions - 1)
        case .learned(let maxK): min(maxK, positions - 1)
        }
    }

    /// Chooses k and returns the start position s for the next window.
    /// - Note: Real-time safe.
    public func beginWindow() -> Int {
        switch mode {
        case .fixed(let k):
            currentK = k
        case .learned:
            var best = 0
            for k in 0...maxCandidate where costs[k] < costs[best] { best = k }
            currentK = best
        }
        windowIsPlain = false
        if case .learned = mode {
            // The guard: which arm runs this window (see the type's documentation).
            windowsSinceSwitchCheck += 1
            if learnedArmCost == nil {
                windowIsPlain = false
            } else if plainArmCost == nil {
                windowIsPlain = true
            } else if windowsSinceSwitchCheck >= guardInterval {
                windowIsPlain = !guardPrefersPlain
                windowsSinceSwitchCheck = 0
            } else {
                windowIsPlain = guardPrefersPlain
            }
            inUseK = guardPrefersPlain ? positions - 1 : currentK
            if windowIsPlain { currentK = positions - 1 }
        } else {
            inUseK = currentK
        }
        start = max(b - currentK, 0)
        probed = false
        return start
    }

    /// Whether to probe backwards after position `i` classified.
    /// - Note: Real-time safe.
    public func shouldProbe(classifiedAt i: Int) -> Bool {
        guard i > 0 else { return false }
        let probe: Bool
        if case .learned = mode { probe = i == start } else { probe = i == b }
        probed = probe
        return probe
    }

    /// Ends the window: `classifiedAt` is i (nil when no expert classified), `lowestClassifier`
    /// the lowest position of the classifying run found by the probe (i when no probe ran).
    /// - Note: Real-time safe.
    public func endWindow(classifiedAt i: Int?, lowestClassifier f: Int) {
        if case .learned = mode {
            let alpha = forgetting
            for k in 0...maxCandidate {
                let cost = Double(Self.counterfactualCost(b: b, k: k, f: i == nil ? nil : f, prefix: prefix))
                costs[k] = (1 - alpha) * costs[k] + alpha * cost
            }
            let paid = Double(Self.paidCost(start: start, classifiedAt: i, lowestClassifier: f, probed: probed, prefix: prefix))
            // Plain mean of the first 1/β samples, then exponential (no bias toward the first one).
            if windowIsPlain {
                plainArmSamples += 1
                let beta = max(guardForgetting, 1 / Double(plainArmSamples))
                plainArmCost = plainArmCost.map { (1 - beta) * $0 + beta * paid } ?? paid
            } else {
                learnedArmSamples += 1
                let beta = max(guardForgetting, 1 / Double(learnedArmSamples))
                learnedArmCost = learnedArmCost.map { (1 - beta) * $0 + beta * paid } ?? paid
            }
            if let learned = learnedArmCost, let plain = plainArmCost { guardPrefersPlain = plain < learned }
        }
        if i != nil { b = f }
    }

    /// TCET-priced cost of the experts one window ran: the walk from `start` up to the
    /// classifier (or the end), plus the probe below `start` down to the first IDK
    /// (K_{f−1}) when one ran. A probe cut by the deadline is priced as if it had finished.
    /// - Note: Real-time safe.
    public static func paidCost(start: Int, classifiedAt i: Int?, lowestClassifier f: Int, probed: Bool, prefix: [UInt64]) -> UInt64 {
        let n = prefix.count - 1
        let top = max(i ?? (n - 1), start)  // i ≥ start in the executor; clamp for callers that report otherwise
        var cost = prefix[top + 1] - prefix[start]
        if probed, i != nil, start > 0 {
            let low = max(min(f, start) - 1, 0)
            cost += prefix[start] - prefix[low]
        }
        return cost
    }

    /// cost_k of the learning rule for one window (see the type's documentation).
    /// `prefix[j]` = Σ_{i<j} C_i; `f` nil when nothing classified.
    /// - Note: Real-time safe.
    public static func counterfactualCost(b: Int, k: Int, f: Int?, prefix: [UInt64]) -> UInt64 {
        let n = prefix.count - 1
        let s = max(b - k, 0)
        guard let f else { return prefix[n] - prefix[s] }
        if s < f { return prefix[f + 1] - prefix[s] }
        let run = prefix[s + 1] - prefix[s]
        let probeLow = max(f - 1, 0)
        return run + (prefix[s] - prefix[probeLow])
    }
}
