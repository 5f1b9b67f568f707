/// Building the executor's schedule from a plan file (`cascadia plan` output, docs/planner.md).
extension CascadeSchedule {
    /// The schedule of `plan`. Expert i of the schedule is entry i of `plan.catalog`, so the
    /// runner must load the catalog's experts in catalog order.
    ///
    /// Hazard plans: stage j adds `plan.stages[j]`; its escape is `plan.escape[key(node after
    /// stage j)]`, the initial escape `plan.escape[""]`; a plan without an escape map (static
    /// policy) has empty escape sets. IDK plans: the order is `plan.order` (else `experts`), the
    /// budget `deadline_ms` if set; k is `skipBack` (command line), else the plan's `k`, else
    /// learned over 0…n−1.
    /// - Parameter file: names the plan in errors.
    public init(plan: Plan, file: String, skipBack: SkipBack? = nil) throws(ExecutorError) {
        func bad(_ field: String, _ problem: String) -> ExecutorError {
            .invalidSchedule(field: "\(file): \(field)", problem: problem)
        }
        let codec = SubsetCodec(ids: plan.catalog.map(\.id))
        guard !plan.catalog.isEmpty, plan.catalog.count <= CascadeSchedule.maxExperts else {
            throw bad("catalog", "\(plan.catalog.count) experts; 1...\(CascadeSchedule.maxExperts) supported")
        }
        func index(_ id: String, _ field: String) throws(ExecutorError) -> Int {
            guard let i = codec.index(of: id) else { throw bad(field, "expert '\(id)' is not in the catalog") }
            return i
        }
        func nanoseconds(_ ms: Double, _ field: String) throws(ExecutorError) -> UInt64 {
            guard ms.isFinite, ms >= 0, ms < 1e9 else { throw bad(field, "\(ms) is not a duration in milliseconds") }
            return UInt64((ms * 1e6).rounded())
        }
        var wcet: [UInt64] = []
        var tcet: [UInt64] = []
        for (i, expert) in plan.catalog.enumerated() {
            wcet.append(try nanoseconds(expert.wcetMs, "catalog[\(i)].wcet_ms"))
            tcet.append(min(try nanoseconds(expert.typicalMs, "catalog[\(i)].typical_ms"), wcet[i]))
        }
        let mode: Mode
        let budget: UInt64?
        switch plan.kind {
        case .hazard:
            guard let budgetMs = plan.budgetMs else { throw bad("budget_ms", "missing in a hazard plan") }
            budget = try nanoseconds(budgetMs, "budget_ms")
            func escapeSet(_ mask: Int) throws(ExecutorError) -> [Int] {
                guard let map = plan.escape else { return [] }
                let key = codec.key(mask)
                guard let value = map[key] else {
                    throw bad("escape[\"\(key)\"]", "missing: the node has no escape set meeting the FN bound")
                }
                guard let escapeMask = codec.mask(value) else { throw bad("escape[\"\(key)\"]", "'\(value)' is not a subset key") }
                return (0..<codec.count).filter { escapeMask & (1 << $0) != 0 }
            }
            var node = 0
            var stages: [HazardStage] = []
            for (j, stage) in plan.stages.enumerated() {
                var experts: [Int] = []
                for id in stage {
                    let e = try index(id, "stages[\(j)]")
                    experts.append(e)
                    node |= 1 << e
                }
                stages.append(HazardStage(experts: experts, escape: try escapeSet(node)))
            }
            mode = .hazard(stages: stages, initialEscape: try escapeSet(0))
        case .idk:
            var order: [Int] = []
            for id in plan.order ?? plan.experts { order.append(try index(id, "order")) }
            budget = try plan.deadlineMs.map { (ms) throws(ExecutorError) in try nanoseconds(ms, "deadline_ms") }
            mode = .idk(order: order, skipBack: skipBack ?? plan.k.map { .fixed($0) } ?? .learned(maxK: max(order.count - 1, 0)))
        }
        var subsetEscapes: [UInt64: UInt64] = [:]
        if plan.kind == .hazard, let map = plan.escape {
            for (key, value) in map {
                guard let finished = codec.mask(key), let escape = codec.mask(value) else {
                    throw bad("escape[\"\(key)\"]", "'\(key)' → '\(value)' is not a pair of subset keys")
                }
                subsetEscapes[UInt64(finished)] = UInt64(escape)
            }
        }
        let predicted = plan.kind == .hazard ? (plan.typicalMs ?? plan.tcetMs) : plan.expectedMs
        self.init(
            name: "\(plan.kind.rawValue)/\(plan.policy?.rawValue ?? plan.assume?.rawValue ?? "plan")",
            mode: mode, budgetNanoseconds: budget, wcetNanoseconds: wcet, tcetNanoseconds: tcet,
            predictedExpectedNanoseconds: try predicted.map { (ms) throws(ExecutorError) in try nanoseconds(ms, "expected_ms") })
        self.subsetEscapes = subsetEscapes
        try validate(expertCount: plan.catalog.count)
    }
}
