import CascadiaCore
import CascadiaModels
import Foundation
import Testing

@testable import CascadiaRuntime

/// Dynamic-k on the shipped recordings with the shipped experts and plans (docs/runtime.md
/// "How much Dynamic-k can save"). Costs are Σ plan TCET of the experts run: deterministic.
@Suite struct SkipBackStudyRecordingTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func study(plan planFile: String, recording: String) throws -> SkipBackStudy {
        let path = repoRoot + "/plans/" + planFile
        let plan = try Plan.decode(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
        let experts = try PipelineExperts.load(plan: plan, planPath: path, directory: repoRoot + "/models")
        let windows = try ProfilerWindowSet(
            recordingDirectories: [repoRoot + "/recordings/" + recording], models: experts.map(\.model), requireLabels: true)
        let (answers, labels) = try SkipBackStudy.trace(experts: experts, windows: windows)
        return try SkipBackStudy(
            schedule: try CascadeSchedule(plan: plan, file: path), answers: answers, labels: labels,
            thresholds: ExpertThresholds(modelsOf: experts))
    }

    /// G → D → F (the planner's cascade for the uni-modal experts): on `steady` (events that
    /// persist over many windows) Dynamic-k pays; learned k beats the fixed k = 1 and the plain
    /// cascade. Measured 2026-12-04: k=0 −12.9 %, k=1 −1.6 %, learned −10.0 % vs plain.
    @Test func dynamicKPaysOnDependentWindows() throws {
        let s = try Self.study(plan: "idk-unimodal-0.8.json", recording: "steady")
        let o = try s.runAll()  // k = 0, 1, 2 (plain), learned
        let plain = o[2].pricedNanoseconds
        #expect(o[0].pricedNanoseconds < 0.92 * plain)
        #expect(o[3].pricedNanoseconds < 0.95 * plain)
        #expect(o[3].pricedNanoseconds < o[1].pricedNanoseconds)
        let best = try #require(s.bestStartPolicy()).nanoseconds
        #expect(s.oracleNanoseconds() <= best)
    }

    /// The same windows shuffled (no dependence left): nothing of the Dynamic family saves
    /// anything, Dynamic (k = 0) pays for starting late, learned k stays near the plain cascade.
    /// Measured: best start policy −0.6 / 0 / 0 %, k=0 +2.9 / +7.5 / +8.5 %, learned +1.8 / +0.8 / +4.2 %.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func learnedKCostsLittleWithoutDependence(seed: UInt64) throws {
        let s = try Self.study(plan: "idk-unimodal-0.8.json", recording: "steady").shuffled(seed: seed)
        let o = try s.runAll()
        let plain = o[2].pricedNanoseconds
        let best = try #require(s.bestStartPolicy()).nanoseconds
        #expect(best > 0.99 * plain)
        #expect(o[0].pricedNanoseconds > plain)
        #expect(o[3].pricedNanoseconds < 1.05 * plain)
    }

    /// The shipped multi-modal plan G → E → A: the cheap experts come first, so no start policy
    /// saves more than 1.7 % on `steady`; learned k stays within 3 % of the plain cascade.
    @Test func cheapestFirstCascadeLeavesLittleToSave() throws {
        let s = try Self.study(plan: "idk-0.9.json", recording: "steady")
        let o = try s.runAll()
        let plain = o[2].pricedNanoseconds
        let best = try #require(s.bestStartPolicy()).nanoseconds
        #expect(best > 0.97 * plain)
        #expect(o[3].pricedNanoseconds < 1.03 * plain)
    }
}
