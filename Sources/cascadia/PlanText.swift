import CascadiaCore

/// Human-readable renderings of plans and fronts for `--format text`.
enum PlanText {
    /// Formats milliseconds/probabilities with up to 4 decimals.
    static func num(_ value: Double?, _ digits: Int = 4) -> String {
        guard let value else { return "-" }
        var text = String(format: "%.\(digits)f", value)
        while text.contains(".") && (text.hasSuffix("0") || text.hasSuffix(".")) { text.removeLast() }
        return text
    }

    /// A plain aligned table: numbers right-aligned, text left-aligned.
    static func table(_ header: [String], _ rows: [[String]], indent: String = "  ") -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func numeric(_ column: Int) -> Bool {
            rows.allSatisfy { Double($0[column]) != nil || $0[column] == "-" }
        }
        let right = header.indices.map(numeric)
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return right[i] ? pad + cell : cell + pad
            }
            return indent + padded.joined(separator: "  ").replacingTrailingSpaces() + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    static func setName(_ ids: [String], _ key: String) -> String { ids.isEmpty ? "∅" : key }

    static func hazard(_ plan: Plan, planner: HazardPlanner, file: String) -> String {
        let profile = planner.profile
        let codec = profile.codec
        let chosenMask = codec.mask(plan.experts.joined(separator: "+")) ?? 0
        var out = "Hazard plan (\(plan.policy?.rawValue ?? "?")): FN < \(num(plan.maxFN)), budget L = \(num(plan.budgetMs)) ms\n"
        out += "profile \(file): \(profile.count) experts, \(codec.subsetCount) subsets\n\n"
        let names = plan.experts.compactMap { id in plan.catalog.first { $0.id == id && $0.name != id }.map { "\($0.id) \($0.name)" } }
        out += "  experts     \(setName(plan.experts, codec.key(chosenMask)))" + (names.isEmpty ? "" : "  (\(names.joined(separator: ", ")))") + "\n"
        out += "  stages      " + plan.stages.map { "[" + $0.joined(separator: " ") + "]" }.joined(separator: " → ") + "\n"
        out += "  FP          \(num(plan.fp))\n  FN          \(num(plan.fn))\n"
        out += "  WCET        \(num(plan.wcetMs)) ms\n  TCET        \(num(plan.tcetMs)) ms\n"
        out += "  worst case  \(num(plan.worstMs)) ms\n"
        if let edges = plan.edges {
            out += "\nAdaptive path (edge P → Q: TCET(P) + WCET(Q−P) + WCET(escape[Q]) ≤ L):\n"
            out += table(["from", "to", "cost_ms", "slack_ms"], edges.map { e in
                [e.from.isEmpty ? "∅" : e.from, e.to, num((plan.budgetMs ?? 0) - e.slackMs), num(e.slackMs)]
            })
        }
        // Escape sets: all of them for small profiles, else those of the plan's prefixes.
        var masks: [Int]
        if codec.subsetCount <= 64 {
            masks = Array(0..<codec.subsetCount)
        } else {
            var done = 0
            masks = [0]
            for stage in plan.stages { for id in stage { done |= 1 << (codec.index(of: id) ?? 0) }; masks.append(done) }
        }
        out += "\nEscape sets for FN < \(num(plan.maxFN)) (subset → cheapest addition meeting the bound):\n"
        let cells = masks.map { m -> String in
            let e = planner.escape[m]
            let target = e < 0 ? "none" : e == 0 ? "∅" : codec.key(e)
            return "\(m == 0 ? "∅" : codec.key(m)) → \(target)" + (e > 0 ? " (\(num(profile.wcetMs(e), 3)))" : "")
        }
        let width = (cells.map(\.count).max() ?? 0) + 3
        let perLine = max(1, 96 / width)
        for start in stride(from: 0, to: cells.count, by: perLine) {
            let row = cells[start..<min(start + perLine, cells.count)]
            out += "  " + row.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined().replacingTrailingSpaces() + "\n"
        }
        out += "\nWhy:\n" + plan.explanation.map { "  - \($0)\n" }.joined()
        return out
    }

    static func idk(_ plan: Plan, comparison: [(IDKAssumption, Result<Plan, any Error>)], file: String) -> String {
        var out = "IDK cascade (\(plan.assume?.rawValue ?? "?")): success ≥ \(num(plan.minSuccess))"
        out += plan.deadlineMs.map { ", worst case ≤ \(num($0)) ms" } ?? ""
        out += "\nprofile \(file): \(plan.catalog.count) experts\n\n"
        out += "  order         " + (plan.order?.isEmpty ?? true ? "(none)" : plan.order!.joined(separator: " → ")) + "\n"
        out += "  expected      \(num(plan.expectedMs)) ms  (under the profile's Prob-S)\n"
        if plan.assume != .arbitrary { out += "  estimated     \(num(plan.estimatedMs)) ms  (as the \(plan.assume!.rawValue) model predicts)\n" }
        out += "  median        \(num(plan.typicalMs)) ms\n  worst case    \(num(plan.worstMs)) ms\n"
        out += "  success       \(num(plan.success))" + (plan.assume != .arbitrary ? "  (model estimate \(num(plan.estimatedSuccess)))" : "") + "\n"
        out += "  Dynamic-k     " + (plan.k.map { "k = \($0) (fixed)" } ?? "k learned online by the runtime") + "\n"
        if let cdf = plan.cdf, !cdf.isEmpty {
            out += "\nLatency CDF (experts at their typical time):\n"
            out += table(["after", "ms", "P(done)"], zip(plan.order ?? [], cdf).map { [$0, num($1.ms), num($1.p)] })
        }
        out += "\nWhat each dependence model would choose (expected_ms is the truth under Prob-S):\n"
        out += table(["assume", "order", "estimated_ms", "expected_ms", "est_success", "success"], comparison.map { assume, result in
            switch result {
            case .success(let p):
                return [assume.rawValue, p.order?.joined(separator: ">").nonEmpty ?? "(none)", num(p.estimatedMs), num(p.expectedMs), num(p.estimatedSuccess), num(p.success)]
            case .failure:
                return [assume.rawValue, "infeasible", "-", "-", "-", "-"]
            }
        })
        out += "\nWhy:\n" + plan.explanation.map { "  - \($0)\n" }.joined()
        return out
    }

    static func pareto(_ front: [ParetoPoint], policy: HazardPolicy, maxFN: Double, profile: HazardProfile, file: String) -> String {
        var out = "Pareto front of FP against budget L (\(policy.rawValue), FN < \(num(maxFN)))\n"
        out += "profile \(file): \(profile.count) experts\n\n"
        out += table([policy == .adaptive ? "L_from_ms" : "L_above_ms", "experts", "fp", "fn", "wcet_ms", "tcet_ms"], front.map { p in
            [num(p.budgetMs), p.experts.isEmpty ? "∅" : p.experts.joined(separator: profile.codec.singleCharacterIDs ? "" : "+"),
             num(p.fp), num(p.fn), num(p.wcetMs), num(p.tcetMs)]
        })
        out += policy == .adaptive
            ? "\nEach row is optimal for every budget L ≥ L_from_ms up to the next row's.\n"
            : "\nEach row is optimal for every budget L > L_above_ms up to the next row's.\n"
        return out
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }

    func replacingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
