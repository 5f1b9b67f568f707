import Foundation
@testable import CascadiaIO

/// Small real inputs for the profiler tests: the test models of CascadiaModelsTests and recordings
/// written here through the real libsndfile (FLAC) and libmseed (Steim-2 miniSEED) writers.
enum ProfilerFixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// test_cnn_both (id T1, hazards vehicle+footsteps) and test_deepsense_both (id T2, hazard vehicle).
    static let modelPaths = ["test_cnn_both", "test_deepsense_both"].map {
        repoRoot + "/Tests/CascadiaModelsTests/Golden/\($0).safetensors"
    }

    /// Labels of a 12 s recording: 0–3 background, 3–6 vehicle, 6–9 footsteps, 9–12 background.
    static let labelsCSV = "start_s,end_s,class\n0,3,background\n3,6,vehicle\n6,9,footsteps\n9,12,background\n"

    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "cascadia-profiler-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The acoustic samples (8 kHz) and seismic counts (100 Hz) of `seconds` of deterministic signal:
    /// noise whose level and tone change every 3 s, so windows differ.
    static func signals(seconds: Int, seed: UInt64) -> (acoustic: [Int16], seismic: [Int32]) {
        var state = seed  // a 64-bit LCG (Knuth's MMIX constants): deterministic noise in [−1, 1]
        func noise() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double((state >> 33) % 20001) / 10000 - 1
        }
        let acoustic = (0..<(8000 * seconds)).map { n -> Int16 in
            let segment = Double(n / 24000 % 4 + 1)
            let tone = sin(2 * Double.pi * 110 * segment * Double(n) / 8000)
            return Int16(1500 * segment * tone + 800 * noise())
        }
        let seismic = (0..<(100 * seconds)).map { n -> Int32 in
            let segment = Double(n / 300 % 4 + 1)
            return Int32(3000 * segment * sin(2 * Double.pi * 7 * segment * Double(n) / 100) + 500 * noise())
        }
        return (acoustic, seismic)
    }

    /// Writes `acoustic.flac`, `seismic.mseed` (both starting at 2026-01-01T00:00:00Z) and, unless
    /// `labels` is nil, `labels.csv` into `directory`.
    static func writeRecording(in directory: String, seconds: Int = 12, labels: String? = labelsCSV, seed: UInt64 = 1)
        throws
    {
        let (acoustic, seismic) = signals(seconds: seconds, seed: seed)
        let startMicroseconds: Int64 = 1_767_225_600_000_000
        let file = try SoundFile.create(
            directory + "/acoustic.flac", container: .flac, sampleRateHz: 8000, channelCount: 1, bits: 16)
        file.setComment(ReplaySource.timebaseCommentPrefix + String(startMicroseconds * 1000))
        _ = acoustic.withUnsafeBufferPointer { file.writeFrames($0.baseAddress!, frames: acoustic.count) }
        _ = file.close()
        let writer = try MseedWriter(
            path: directory + "/seismic.mseed", network: "XX", station: "TEST", location: "00", channel: "HHZ",
            sampleRateHz: 100, startMicroseconds: startMicroseconds)
        try seismic.withUnsafeBufferPointer { try writer.append($0) }
        try writer.close()
        if let labels { try labels.write(toFile: directory + "/labels.csv", atomically: true, encoding: .utf8) }
    }
}
