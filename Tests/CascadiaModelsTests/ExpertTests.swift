import CascadiaCore
import CKernels
import CMallocInfo
import Foundation
import Testing
@testable import CascadiaModels

/// Fills every modality input of `expert` with deterministic int8 values.
func feedRandomInputs(_ expert: Expert, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    for m in expert.model.description.framing.modalities.indices {
        let values = (0..<expert.inputCount(modality: m)).map { _ in
            Int8(truncatingIfNeeded: Int.random(in: -64...64, using: &rng))
        }
        values.withUnsafeBufferPointer { expert.setQuantizedInput(modality: m, $0) }
    }
}

@Suite struct ExpertTests {
    static let models: [(String, [UInt8])] = [
        ("cnn", TestModels.cnnBothFile()), ("deepsense", TestModels.deepSenseFile()),
    ]

    @Test(arguments: [0, 1])
    func runsAndAnswers(_ which: Int) throws {
        let expert = try Expert(model: ExpertModel(bytes: Self.models[which].1, name: Self.models[which].0))
        feedRandomInputs(expert, seed: 7)
        guard case .answered(let answer) = expert.run() else {
            Issue.record("run did not answer")
            return
        }
        let q = Array(expert.quantizedProbabilities)
        let p = Array(expert.probabilities)
        #expect(p.count == 3)
        // The int8 softmax sums to about 1 (each entry rounds to 1/256).
        let total = q.reduce(0) { $0 + Int($1) + 128 }
        #expect(abs(total - 256) <= 3)
        #expect(answer.topClass == p.indices.max { (p[$0], $1) < (p[$1], $0) })
        #expect(answer.topProbability == Double(p[answer.topClass]))
        #expect(answer.isIDK == (answer.topProbability < expert.model.description.idkThreshold))
        let hazard = expert.model.description.hazardClasses.reduce(0.0) { $0 + Double(p[$1]) }
        #expect(answer.hazardProbability == hazard)
        #expect(answer.isHazard == (hazard >= expert.model.description.hazardThreshold))
        #expect(expert.layerNanoseconds.count == expert.model.description.layers.count)
        #expect(expert.layerNanoseconds.reduce(0, +) > 0)
        // The logits are not all equal: the random graph is well scaled, not saturated.
        #expect(Set(expert.logits).count > 1)
    }

    @Test func inputsChangeTheAnswerAndRunsRepeat() throws {
        let model = try ExpertModel(bytes: TestModels.deepSenseFile(), name: "ds")
        let a = try Expert(model: model), b = try Expert(model: model)
        feedRandomInputs(a, seed: 1)
        feedRandomInputs(b, seed: 1)
        _ = a.run()
        _ = b.run()
        #expect(Array(a.logits) == Array(b.logits))
        _ = a.run()
        #expect(Array(a.logits) == Array(b.logits), "a second run on the same input gives the same logits")
        var changed = false
        for seed in 2...6 {
            feedRandomInputs(b, seed: UInt64(seed))
            _ = b.run()
            changed = changed || Array(a.logits) != Array(b.logits)
        }
        #expect(changed)
    }

    @Test func floatFeaturesAreQuantizedWithTheInputScale() throws {
        let expert = try Expert(model: ExpertModel(bytes: TestModels.cnnBothFile(), name: "cnn"))
        // acoustic: scale 0.05, zero point 3 → 0.1 ↦ 5, −0.075 ↦ rint(−1.5) + 3 = 1, 100 ↦ 127.
        for m in 0..<2 {
            var features = [Float](repeating: 0, count: expert.inputCount(modality: m))
            features[0] = 0.1
            features[1] = -0.075
            features[2] = 100
            features.withUnsafeBufferPointer { expert.setFeatures(modality: m, $0) }
        }
        let q = expert.quantizedInput(modality: 0)
        #expect(Array(q.prefix(4)) == [5, 1, 127, 3])
    }

    @Test func abandonsBetweenLayers() throws {
        let expert = try Expert(model: ExpertModel(bytes: TestModels.cnnBothFile(), name: "cnn"))
        feedRandomInputs(expert, seed: 3)
        var calls = 0
        #expect(
            expert.run { layer in
                calls += 1; return layer < 4
            } == .abandoned(beforeLayer: 4))
        #expect(calls == 5)
        #expect(expert.layerNanoseconds[5] == 0)
        // A deadline already in the past stops before the first layer.
        #expect(expert.run(deadlineNanoseconds: 1) == .abandoned(beforeLayer: 0))
        // A deadline far in the future lets it finish.
        let far = Expert.monotonicNanoseconds() + 3_600_000_000_000
        guard case .answered = expert.run(deadlineNanoseconds: far) else {
            Issue.record("run with a distant deadline did not answer")
            return
        }
    }

    /// Zero heap allocations per window (DSP front end, input quantization, run), checked in a child process (no other test threads) with
    /// glibc `mallinfo2`: the calling thread's tcache is drained first, so any allocation in a run
    /// (even one freed again) moves a chunk from the free lists into the tcache and raises
    /// `uordblks`; large allocations are caught by `hblks`/`hblkhd` and by `arena` growth.
    @Test func runAllocatesNothing() async {
        await #expect(processExitsWith: .success) {
            guard let model = try? ExpertModel(bytes: TestModels.deepSenseFile(), name: "ds"),
                let expert = try? Expert(model: model)
            else { exit(2) }
            guard let dsp0 = try? FeatureExtractor(model: model, modality: 0),
                let dsp1 = try? FeatureExtractor(model: model, modality: 1)
            else { exit(2) }
            let samples = [dsp0.sampleCount, dsp1.sampleCount].map { n in
                (0..<n).map { Float(($0 * 37) % 101) * 0.01 - 0.5 }
            }
            var tops = [Double](repeating: 0, count: 1000)
            for _ in 0..<10 { _ = expert.run() }
            let held = AllocationProbe.drainThreadCache()
            let before = mallinfo2()
            samples[0].withUnsafeBufferPointer { s0 in
                samples[1].withUnsafeBufferPointer { s1 in
                    tops.withUnsafeMutableBufferPointer { out in
                        for i in 0..<1000 {
                            expert.setFeatures(modality: 0, dsp0.compute(s0))
                            expert.setFeatures(modality: 1, dsp1.compute(s1))
                            if case .answered(let a) = expert.run() { out[i] = a.topProbability }
                        }
                    }
                }
            }
            let after = mallinfo2()
            AllocationProbe.release(held)
            guard tops.allSatisfy({ $0 > 0 }) else { exit(3) }
            let grew = after.uordblks != before.uordblks || after.hblks != before.hblks || after.arena != before.arena
            exit(grew ? 1 : 0)
        }
    }
}

/// Helpers for the allocation test.
enum AllocationProbe {
    /// Takes every chunk glibc's per-thread cache holds for small sizes, so later small
    /// allocations must come from the arena. Returns the chunks to free afterwards.
    static func drainThreadCache() -> [UnsafeMutableRawPointer] {
        var held: [UnsafeMutableRawPointer] = []
        held.reserveCapacity(65 * 16)
        for size in stride(from: 8, through: 1032, by: 16) {
            for _ in 0..<16 { if let p = malloc(size) { held.append(p) } }
        }
        return held
    }

    static func release(_ held: [UnsafeMutableRawPointer]) {
        for p in held { free(p) }
    }
}
