import CascadiaModels
import Foundation
import Testing
@testable import CascadiaRuntime

@Suite struct ProfilerTests {
    static func fixture() throws -> (Profiler, String) {
        let dir = try ProfilerFixtures.temporaryDirectory("profiler")
        try ProfilerFixtures.writeRecording(in: dir)
        let models = try ProfilerFixtures.modelPaths.map { try ExpertModel(path: $0) }
        let windows = try ProfilerWindowSet(recordingDirectories: [dir], models: models, requireLabels: true)
        return (try Profiler(experts: try models.map { try Expert(model: $0) }, windows: windows), dir)
    }

    /// The recorded decisions equal a fresh expert's answers on features computed directly from the
    /// recording's samples, and the subset tables follow from them.
    @Test func behaviourMatchesDirectRuns() throws {
        let (profiler, dir) = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let b = try profiler.measureBehaviour()
        #expect(b.hazardClasses == ["vehicle", "footsteps"])  // T1's hazards, then T2's (vehicle again)
        #expect(b.windows == 11 && b.positives == 6 && b.negatives == 5)
        let (acoustic, seismic) = ProfilerFixtures.signals(seconds: 12, seed: 1)
        for (e, path) in ProfilerFixtures.modelPaths.enumerated() {
            let expert = try Expert(path: path)
            let d = expert.model.description
            for k in 0..<11 {
                for (m, modality) in d.framing.modalities.enumerated() {
                    let extractor = try FeatureExtractor(model: expert.model, modality: m)
                    let samples: [Float] =
                        modality.name == "acoustic"
                        ? acoustic[(8000 * k)..<(8000 * k + 16000)].map { Float($0) }
                        : seismic[(100 * k)..<(100 * k + 200)].map { Float($0) }
                    let features = samples.withUnsafeBufferPointer { Array(extractor.compute($0)) }
                    features.withUnsafeBufferPointer { expert.setFeatures(modality: m, $0) }
                }
                guard case .answered(let answer) = expert.run() else {
                    Issue.record("expert \(e) did not answer")
                    return
                }
                #expect((b.hazardMasks[k] >> e & 1 == 1) == answer.isHazard, "expert \(e) window \(k)")
                let correct = !answer.isIDK && d.labels[answer.topClass] == profiler.windows.labels[k]
                #expect((b.successMasks[k] >> e & 1 == 1) == correct, "expert \(e) window \(k)")
            }
        }
        #expect(b.truth == [false, false, false, true, true, true, true, true, true, false, false])
        #expect(b.probSCounts.reduce(0, +) == 11)
        #expect(b.fp[0] == 0 && b.fn[0] == 1)
    }

    @Test func hazardClassesOptionChangesTheTruth() throws {
        let (profiler, dir) = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let b = try profiler.measureBehaviour(hazardClasses: ["vehicle"])
        #expect(b.positives == 3 && b.negatives == 8)
        #expect(throws: ProfilerError.self) { try profiler.measureBehaviour(hazardClasses: ["dragon"]) }
    }

    @Test func timingRoundsPinningAndStress() throws {
        let (profiler, dir) = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = ProfilerOptions()
        options.runs = 7
        options.warmupRuns = 2
        options.cpu = 0
        options.stress = true
        var calls: [(Int, Int)] = []
        let times = try profiler.measureTimes(options) { calls.append(($0, $1)) }
        #expect(times.count == 2 && times.allSatisfy { $0.count == 7 && $0.allSatisfy { $0 > 0 } })
        #expect(calls.last.map { $0 == (9, 9) } == true)
        let t = ProfilerTiming(samplesMs: times[0], margin: 1.5)
        #expect(t.wcetMs == t.maxMs * 1.5 && t.minMs <= t.medianMs && t.medianMs <= t.maxMs)
        options.cpu = 100_000
        #expect {
            try profiler.measureTimes(options)
        } throws: { error in
            (error as? ProfilerError).map { $0.kind == .unavailable && $0.exitCode.rawValue == 69 } ?? false
        }
    }

    @Test func stressThreadsStartAndStop() {
        let stress = ProfilerStress(excludingCPU: 0)
        #expect(stress.threadCount == ProfilerCPU.onlineCount - 1)
        #expect(!stress.cpus.contains(0))
        stress.start()
        stress.stop()
        let unpinned = ProfilerStress(excludingCPU: nil)
        #expect(unpinned.cpus.isEmpty && unpinned.threadCount == ProfilerCPU.onlineCount - 1)
    }
}
