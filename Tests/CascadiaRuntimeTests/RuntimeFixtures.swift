@testable import CascadiaRuntime

/// Shared fixtures: experts A–E of profiles/multimodal-hazard-profile.tsv (WCET/TCET columns of
/// the single-expert rows) and scripted answers.
enum Fixture {
    static func ms(_ value: Double) -> UInt64 { UInt64((value * 1_000_000).rounded()) }

    static let names = ["A", "B", "C", "D", "E"]
    static let wcet = [25.121, 23.854, 17.554, 16.18, 5.3].map(ms)
    static let tcet = [18.166, 17.788, 12.263, 11.878, 4.112].map(ms)
    static let (a, b, c, d, e) = (0, 1, 2, 3, 4)

    /// Adaptive path ∅ → A → ADE with L = 60 ms: ESCAP(∅) = CD, ESCAP(A) = DE, ESCAP(ADE) = ∅
    /// (published_escape column). Edges: 0 + 25.121 + 21.479 ≤ 60; 18.166 + 21.479 + 0 ≤ 60.
    static func hazardSchedule(budgetMilliseconds: Double = 60) -> CascadeSchedule {
        CascadeSchedule(
            name: "A-then-DE",
            mode: .hazard(stages: [HazardStage(experts: [a], escape: [d, e]), HazardStage(experts: [d, e], escape: [])], initialEscape: [c, d]),
            budgetNanoseconds: ms(budgetMilliseconds), wcetNanoseconds: wcet, tcetNanoseconds: tcet)
    }

    static let thresholds = ExpertThresholds(count: 5, idk: 0.6, hazard: 0.5)
    static let clear = RunnerAnswer(topClass: 0, topProbability: 0.9, hazardProbability: 0.1)
    static let hazard = RunnerAnswer(topClass: 1, topProbability: 0.95, hazardProbability: 0.95)
    static let idk = RunnerAnswer(topClass: 2, topProbability: 0.3, hazardProbability: 0.2)
    static func classified(_ classIndex: Int32) -> RunnerAnswer {
        RunnerAnswer(topClass: classIndex, topProbability: 0.9, hazardProbability: 0)
    }

    /// One trace row: every expert says `answer` at its TCET, except `overrides`.
    static func row(_ answer: RunnerAnswer = clear, _ overrides: [Int: RunnerAnswer] = [:], durations: [Int: Double] = [:]) -> [ScriptedAnswer] {
        (0..<5).map { e in
            ScriptedAnswer(answer: overrides[e] ?? answer, durationNanoseconds: durations[e].map(ms) ?? tcet[e])
        }
    }

    /// Nested IDK outcomes (positions ≥ f classify as `label`), see `DynamicKWorkload.trace`.
    static func nestedRow(f: Int?, order: [Int], costs: [UInt64], label: Int32 = 1) -> [ScriptedAnswer] {
        DynamicKWorkload.trace([f], order: order, durations: costs, classIndex: label)[0]
    }

    static func window(_ index: Int64, completionNanoseconds: UInt64, label: Int32 = -1) -> WindowInfo {
        WindowInfo(index: index, startNanoseconds: completionNanoseconds &- 2_000_000_000, completionNanoseconds: completionNanoseconds, label: label)
    }
}
