import CascadiaCore
import Foundation
@testable import CascadiaIO

/// Writers of real recordings for tests, through the real libsndfile and libmseed (msr_pack).
enum TestRecordings {
    static func randomPCM16(frames: Int, channels: Int, seed: UInt64) -> [Int16] {
        var rng = SplitMix64(seed: seed)
        return (0..<(frames * channels)).map { _ in Int16(truncatingIfNeeded: rng.next()) }
    }

    /// A random walk that Steim-2 can encode (differences well inside 30 bits).
    static func seismicCounts(count: Int, seed: UInt64) -> [Int32] {
        var rng = SplitMix64(seed: seed)
        var value: Int32 = 0
        return (0..<count).map { _ in
            value &+= Int32(truncatingIfNeeded: Int64(rng.next() % 20001) - 10000)
            return value
        }
    }

    static func writeSound(
        _ path: String, _ container: SoundFile.Container, rateHz: Int, channels: Int, samples: [Int16],
        comment: String? = nil
    ) throws {
        let file = try SoundFile.create(
            path, container: container, sampleRateHz: rateHz, channelCount: channels, bits: 16)
        if let comment { file.setComment(comment) }
        let written = samples.withUnsafeBufferPointer {
            file.writeFrames($0.baseAddress!, frames: samples.count / channels)
        }
        precondition(written == samples.count / channels)
        file.close()
    }

    static func writeSound32(_ path: String, rateHz: Int, samples: [Int32]) throws {
        let file = try SoundFile.create(path, container: .wav, sampleRateHz: rateHz, channelCount: 1, bits: 32)
        _ = samples.withUnsafeBufferPointer { file.writeFrames($0.baseAddress!, frames: samples.count) }
        file.close()
    }

    static func writeMseed(
        _ path: String, rateHz: Double, startMicroseconds: Int64, samples: [Int32],
        channel: String = "EHZ"
    ) throws {
        let writer = try MseedWriter(
            path: path, network: "XX", station: "TEST", location: "00", channel: channel,
            sampleRateHz: rateHz, startMicroseconds: startMicroseconds)
        try samples.withUnsafeBufferPointer { try writer.append($0) }
        try writer.close()
    }

    static func truncate(_ path: String, removingBytes count: Int) throws {
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        precondition(Foundation.truncate(path, off_t(size - count)) == 0)
    }

    static func concatenate(_ parts: [String], into path: String) throws {
        var data = Data()
        for part in parts { data.append(try Data(contentsOf: URL(fileURLWithPath: part))) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
