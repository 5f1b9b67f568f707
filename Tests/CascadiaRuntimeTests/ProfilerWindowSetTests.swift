import CascadiaModels
import Foundation
import Testing
@testable import CascadiaIO
@testable import CascadiaRuntime

@Suite struct ProfilerWindowSetTests {
    static func models() throws -> [ExpertModel] { try ProfilerFixtures.modelPaths.map { try ExpertModel(path: $0) } }

    @Test func windowsFeaturesAndLabelsFromARealRecording() throws {
        let dir = try ProfilerFixtures.temporaryDirectory("windows")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ProfilerFixtures.writeRecording(in: dir)
        let models = try Self.models()
        let set = try ProfilerWindowSet(recordingDirectories: [dir], models: models, requireLabels: true)
        // 12 s, window 2 s, hop 1 s: windows start at 0…10 s.
        #expect(set.count == 11)
        #expect(
            set.recordings == [
                ProfilerRecording(
                    path: dir, files: ["acoustic.flac", "seismic.mseed"], labelsPath: dir + "/labels.csv", windows: 11,
                    labelledWindows: 11)
            ])
        // Majority over [k, k+2); ties go to the earlier label (k = 2, 5, 8).
        #expect(
            set.labels == [
                "background", "background", "background", "vehicle", "vehicle", "vehicle", "footsteps", "footsteps",
                "footsteps", "background", "background",
            ])
        // Both test models read acoustic at 8 kHz and seismic at 100 Hz with different FFT framings.
        #expect(set.keys.count == 4)
        #expect(try set.keyIndices(for: models[0]) == [0, 1] && set.keyIndices(for: models[1]) == [2, 3])
        // The features of window k are the front end's output on exactly the samples of [k, k+2).
        let (acoustic, seismic) = ProfilerFixtures.signals(seconds: 12, seed: 1)
        for k in [0, 4, 10] {
            for (i, key) in set.keys.enumerated() {
                let extractor = try FeatureExtractor(key: key)
                let samples: [Float] =
                    key.modality == "acoustic"
                    ? acoustic[(8000 * k)..<(8000 * k + 16000)].map { Float($0) }
                    : seismic[(100 * k)..<(100 * k + 200)].map { Float($0) }
                let expected = samples.withUnsafeBufferPointer { Array(extractor.compute($0)) }
                #expect(set.features[k][i] == expected, "window \(k) key \(i)")
            }
        }
        #expect(set.featureMilliseconds.count == 11)
    }

    @Test func unlabelledRecordingsAreADataErrorOnlyWhenBehaviourIsWanted() throws {
        let dir = try ProfilerFixtures.temporaryDirectory("unlabelled")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ProfilerFixtures.writeRecording(in: dir, seconds: 4, labels: nil)
        #expect {
            try ProfilerWindowSet(recordingDirectories: [dir], models: try Self.models(), requireLabels: true)
        } throws: { error in
            guard let e = error as? ProfilerError else { return false }
            return e.kind == .unlabeled && e.exitCode.rawValue == 65 && e.description.hasPrefix(dir + ": no labels")
        }
        let set = try ProfilerWindowSet(recordingDirectories: [dir], models: try Self.models(), requireLabels: false)
        #expect(set.count == 3 && set.labels == [nil, nil, nil])
    }

    @Test func missingModalityAndDirectoryDiscovery() throws {
        let parent = try ProfilerFixtures.temporaryDirectory("parent")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        for name in ["b", "a"] {
            try FileManager.default.createDirectory(atPath: parent + "/" + name, withIntermediateDirectories: true)
            try ProfilerFixtures.writeRecording(in: parent + "/" + name, seconds: 3)
        }
        #expect(try ProfilerWindowSet.recordingDirectories(under: parent) == [parent + "/a", parent + "/b"])
        #expect(try ProfilerWindowSet.recordingDirectories(under: parent + "/a") == [parent + "/a"])
        #expect(throws: ProfilerError.self) { try ProfilerWindowSet.recordingDirectories(under: parent + "/none") }
        try FileManager.default.removeItem(atPath: parent + "/a/seismic.mseed")
        #expect {
            try ProfilerWindowSet(recordingDirectories: [parent + "/a"], models: try Self.models(), requireLabels: true)
        } throws: { error in
            (error as? ProfilerError)?.description == parent
                + "/a: no seismic recording (the experts need seismic at 100 Hz)"
        }
    }

    @Test func majorityLabelByHand() {
        let labels = [
            Label(startSeconds: 0, endSeconds: 1.5, className: "background"),
            Label(startSeconds: 1.5, endSeconds: 2.2, className: "car"),
            Label(startSeconds: 2.2, endSeconds: 9, className: "background"),
        ]
        #expect(ProfilerWindowSet.majorityLabel(labels, from: 0, to: 2) == "background")  // 1.5 vs 0.5
        #expect(ProfilerWindowSet.majorityLabel(labels, from: 1.4, to: 2.3) == "car")  // 0.7 vs 0.1 + 0.1
        #expect(ProfilerWindowSet.majorityLabel(labels, from: 9, to: 11) == nil)
        #expect(ProfilerWindowSet.majorityLabel([], from: 0, to: 2) == nil)
    }
}
