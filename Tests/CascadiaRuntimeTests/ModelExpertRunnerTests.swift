import Foundation
import Testing
@testable import CascadiaRuntime
import CascadiaModels

/// The production runner over real model files (the models' committed test experts).
@Suite struct ModelExpertRunnerTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CascadiaModelsTests/Golden")

    static func experts() throws -> [Expert] {
        try ["test_cnn_both", "test_deepsense_both"].map { (name) throws(ModelError) in
            try Expert(path: golden.appendingPathComponent("\(name).safetensors").path)
        }
    }

    /// Deterministic features per slot (a ramp), kept alive by the caller.
    static func features(_ runner: ModelExpertRunner) -> [[Float]] {
        (0..<runner.slotNames.count).map { slot in
            (0..<runner.featureCount(slot: slot)).map { Float(($0 * 7 + slot * 3) % 23) / 23 - 0.5 }
        }
    }

    @Test func answersEqualTheExpertsOwnAndCancellationStopsARun() throws {
        let runner = try ModelExpertRunner(experts: Self.experts())
        #expect(runner.expertCount == 2)
        #expect(runner.slotNames.count == 4)  // CNN and DeepSense read different features of both modalities
        let features = Self.features(runner)
        let window = WindowInfo(index: 0, startNanoseconds: 0, completionNanoseconds: 0)
        for slot in features.indices {
            features[slot].withUnsafeBufferPointer { runner.setFeatures(slot: slot, $0) }
        }
        for e in 0..<2 {
            let answer = runner.run(expert: e, window: window, cancelAtNanoseconds: .max)
            #expect(!answer.cancelled)
            // The same expert run directly on the same features.
            let direct = try Self.experts()[e]
            for (m, modality) in direct.model.description.framing.modalities.enumerated() {
                let slot = try #require(runner.slotNames.firstIndex(of: ModelExpertRunner.slotName(modality)))
                features[slot].withUnsafeBufferPointer { direct.setFeatures(modality: m, $0) }
            }
            guard case .answered(let expected) = direct.run() else {
                Issue.record("direct run did not answer")
                continue
            }
            #expect(answer.topClass == Int32(expected.topClass))
            #expect(answer.topProbability == Float(expected.topProbability))
            #expect(answer.hazardProbability == Float(expected.hazardProbability))
            // A deadline already past abandons the run before its first layer.
            #expect(runner.run(expert: e, window: window, cancelAtNanoseconds: 1).cancelled)
        }
        #expect(runner.kernelFailures == 0)
        let thresholds = runner.modelThresholds
        #expect(thresholds.idk.count == 2 && thresholds.hazard.count == 2)
    }

    /// An IDK cascade over the two real experts on CLOCK_MONOTONIC, no budget.
    @Test func executorRunsRealExperts() throws {
        let runner = try ModelExpertRunner(experts: Self.experts())
        let features = Self.features(runner)
        for slot in features.indices {
            features[slot].withUnsafeBufferPointer { runner.setFeatures(slot: slot, $0) }
        }
        let schedule = CascadeSchedule(
            name: "real", mode: .idk(order: [0, 1], skipBack: .fixed(1)), budgetNanoseconds: nil,
            wcetNanoseconds: [1_000_000_000, 1_000_000_000], tcetNanoseconds: [1, 1])
        // Thresholds 0: every answer classifies, so the first expert decides.
        let executor = try Executor(
            schedule: schedule, runner: runner, clock: MonotonicDeadlineClock(),
            thresholds: ExpertThresholds(count: 2, idk: 0, hazard: 1))
        let clock = MonotonicDeadlineClock()
        let record = executor.process(WindowInfo(index: 0, startNanoseconds: 0, completionNanoseconds: clock.nowNanoseconds()))
        #expect(record.decision == .classified)
        #expect(record.runs.count == 1 && record.runs[0].expert == 0 && record.runs[0].elapsedNanoseconds > 0)
        #expect(executor.metrics.invocations(expert: 0) == 1)
    }
}
