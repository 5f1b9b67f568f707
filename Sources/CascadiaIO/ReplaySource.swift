import Foundation
import Synchronization

/// How a replay is paced.
public enum ReplayPacing: Sendable, Equatable {
    /// As fast as the consumer reads: the reading thread waits for room in the ring and never drops.
    case asFastAsPossible
    /// Frame `n` is released at `n / (rate × speed)` seconds after the replay epoch, like a live
    /// source; the reading thread never waits for the consumer and drops (counted) on overrun.
    case realTime(speed: Double)
}

/// A common time origin for sources replayed together: CLOCK_MONOTONIC `monotonicNanoseconds`
/// stands for wall-clock `realtimeNanoseconds` of the recordings. A file whose first sample was
/// recorded at realtime R gets first-sample monotonic time `monotonic + (R − realtime)`, so streams
/// recorded together stay aligned when replayed together.
public typealias ReplayEpoch = ClockAnchor

/// Options of a replay source.
public struct ReplayOptions: Sendable, Equatable {
    public var pacing: ReplayPacing = .asFastAsPossible
    /// Reject the file (exit 65) unless it has this rate.
    public var expectedSampleRateHz: Double?
    /// Reject the file (exit 65) unless it has this many channels.
    public var expectedChannelCount: Int?
    /// Shared time origin; nil: the replay starts at `start()` and the file's own start time.
    public var epoch: ReplayEpoch?
    /// Frames per ring write; default 20 ms of the file's rate.
    public var chunkFrames: Int?
    /// Ring capacity (rounded up to a power of two); default 8 s.
    public var ringCapacityFrames: Int?

    public init() {}
}

/// A recorded stream played back as a source: acoustic WAV/FLAC (16-bit PCM, libsndfile) or seismic
/// miniSEED (32-bit integer records, libmseed), with the labels CSV beside it.
///
/// `init` reads and validates the whole file (rate, channel count, encoding, truncation, record
/// continuity) so that every data error surfaces before replay starts, as `IOError.badData` (65)
/// naming the file; the samples are then held in memory (4 bytes per sample). `open()` has nothing
/// left to do. Time holes between miniSEED records become `.upstream` gaps of the right length.
public final class ReplaySource: Source, @unchecked Sendable {
    public let name: String
    public let path: String
    public let options: ReplayOptions
    public let stream: SampleStream
    /// Labels from the CSV beside the file (empty if none).
    public let labels: [Label]
    /// The label file that was read, if any.
    public let labelsPath: String?
    /// CLOCK_REALTIME of the file's first sample when the file records it (miniSEED start time, or
    /// the comment the recorder writes into WAV/FLAC), in nanoseconds.
    public let recordedStartRealtimeNanoseconds: Int64?
    /// Frames in the file (excluding gaps).
    public var frameCount: Int { samples.count / stream.description.channelCount }

    private let samples: [Int32]
    /// (frame index in `samples` where a hole begins, frames missing).
    private let holes: [(atFrame: Int, lengthFrames: Int)]
    private let stopRequested = Atomic<Bool>(false)
    private var thread: ReaderThread?

    /// Kinds of recording by file extension.
    public static let audioExtensions: Set<String> = ["wav", "flac"]
    public static let seismicExtensions: Set<String> = ["mseed", "miniseed", "ms", "msd"]

    /// The comment prefix the recorder writes into WAV/FLAC files for the first sample's time.
    static let timebaseCommentPrefix = "cascadia first_sample_realtime_ns="

    /// Reads and validates `path`. Throws `IOError.badData` (65) naming the file.
    public init(path: String, options: ReplayOptions = ReplayOptions()) throws {
        self.path = path
        self.options = options
        name = "file:\(path)"
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let description: StreamDescription
        var holes: [(Int, Int)] = []
        if ReplaySource.audioExtensions.contains(ext) {
            (description, samples, recordedStartRealtimeNanoseconds) = try ReplaySource.loadAudio(path, name: name)
        } else if ReplaySource.seismicExtensions.contains(ext) {
            (description, samples, holes, recordedStartRealtimeNanoseconds) = try ReplaySource.loadSeismic(
                path, name: name)
        } else {
            throw IOError.badData(path, "unknown recording type '.\(ext)' (expected .wav, .flac, .mseed)")
        }
        self.holes = holes
        if let rate = options.expectedSampleRateHz, abs(rate - description.sampleRateHz) > 1e-9 * rate {
            throw IOError.badData(
                path,
                "sample rate \(ReplaySource.format(description.sampleRateHz)) Hz, expected \(ReplaySource.format(rate)) Hz"
            )
        }
        if let channels = options.expectedChannelCount, channels != description.channelCount {
            throw IOError.badData(path, "\(description.channelCount) channels, expected \(channels)")
        }
        labelsPath = LabelFile.path(besides: path)
        labels = try labelsPath.map { try LabelFile.load($0) } ?? []
        stream = SampleStream(description: description, minimumCapacityFrames: options.ringCapacityFrames)
    }

    private static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }

    private static func loadAudio(_ path: String, name: String) throws
        -> (StreamDescription, [Int32], Int64?)
    {
        let file = try SoundFile.openRead(path)
        defer { file.close() }
        guard file.isPCM16 else {
            throw IOError.badData(path, "\(file.containerName) holds \(file.encodingName), expected 16-bit PCM")
        }
        guard file.sampleRateHz > 0, file.channelCount > 0 else {
            throw IOError.badData(path, "header gives rate \(file.sampleRateHz) Hz and \(file.channelCount) channels")
        }
        // libsndfile clamps a WAV data chunk that runs past the end of the file and notes it in its log.
        let log = file.log.lowercased()
        if log.contains("truncated") || log.contains("should be") && log.contains("data") {
            throw IOError.badData(path, "truncated: the data chunk is shorter than its header says")
        }
        let channels = file.channelCount
        let expectedFrames = Int(file.frames)
        // Grow with what actually decodes: a header's frame count is not trusted for allocation.
        var samples: [Int32] = []
        samples.reserveCapacity(min(expectedFrames, 1 << 24) * channels)
        var chunk = [Int16](repeating: 0, count: 4096 * channels)
        var done = 0
        while done < expectedFrames {
            let want = min(4096, expectedFrames - done)
            let got = chunk.withUnsafeMutableBufferPointer { file.readFrames($0.baseAddress!, frames: want) }
            if got <= 0 { break }
            for i in 0..<(got * channels) { samples.append(Int32(chunk[i])) }
            done += got
        }
        guard done == expectedFrames, !file.hasError else {
            throw IOError.badData(path, "truncated: header promises \(expectedFrames) frames, \(done) could be decoded")
        }
        let realtime = file.comment.flatMap { comment -> Int64? in
            guard comment.hasPrefix(timebaseCommentPrefix) else { return nil }
            return Int64(comment.dropFirst(timebaseCommentPrefix.count))
        }
        let description = StreamDescription(
            name: name, modality: .acoustic, sampleRateHz: Double(file.sampleRateHz),
            channelCount: channels, sampleFormat: .s16)
        return (description, samples, realtime)
    }

    private static func loadSeismic(_ path: String, name: String) throws
        -> (StreamDescription, [Int32], [(Int, Int)], Int64?)
    {
        let records = try Mseed.readRecords(path)
        let first = records[0]
        let rate = first.sampleRateHz
        guard rate > 0 else { throw IOError.badData(path, "record 1 has sample rate \(rate)") }
        var samples: [Int32] = []
        samples.reserveCapacity(records.reduce(0) { $0 + $1.samples.count })
        var holes: [(Int, Int)] = []
        var expectedStart = first.startMicroseconds
        let periodMicroseconds = 1e6 / rate
        for (index, record) in records.enumerated() {
            guard record.source == first.source else {
                throw IOError.badData(
                    path, "holds channels \(first.source) and \(record.source); expected one channel per file")
            }
            guard abs(record.sampleRateHz - rate) <= 1e-6 * rate else {
                throw IOError.badData(
                    path,
                    "sample rate changes from \(format(rate)) to \(format(record.sampleRateHz)) Hz at record \(index + 1)"
                )
            }
            let offset = Double(record.startMicroseconds - expectedStart)
            if offset > periodMicroseconds / 2 {
                holes.append((samples.count, Int((offset / periodMicroseconds).rounded())))
            } else if offset < -periodMicroseconds / 2 {
                throw IOError.badData(path, "record \(index + 1) overlaps the previous one by \(Int(-offset)) µs")
            }
            samples.append(contentsOf: record.samples)
            expectedStart =
                record.startMicroseconds + Int64((Double(record.samples.count) * periodMicroseconds).rounded())
        }
        let description = StreamDescription(
            name: name, modality: .seismic, sampleRateHz: rate, channelCount: 1, sampleFormat: .s32)
        return (description, samples, holes, first.startMicroseconds * 1000)
    }

    /// Replay sources for every recording (`.wav`, `.flac`, `.mseed`, …) directly in `directory`,
    /// sorted by name, on one time axis: unless `options.epoch` is set, the epoch is "now" standing
    /// for the earliest recorded start among the files, so streams recorded together replay
    /// aligned. Throws `IOError.badData` (65) for an unreadable directory, no recordings, or the
    /// first bad file.
    public static func sources(inDirectory directory: String, options: ReplayOptions = ReplayOptions()) throws
        -> [ReplaySource]
    {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw IOError.badData(directory, "cannot list directory")
        }
        let known = audioExtensions.union(seismicExtensions)
        let paths = names.sorted()
            .filter { known.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .map { directory + "/" + $0 }
        guard !paths.isEmpty else {
            throw IOError.badData(directory, "no recordings (.wav, .flac, .mseed) in directory")
        }
        let loaded = try paths.map { try ReplaySource(path: $0, options: options) }
        guard options.epoch == nil else { return loaded }
        let now = SystemClock.anchor()
        var shared = options
        shared.epoch = ReplayEpoch(
            monotonicNanoseconds: now.monotonicNanoseconds,
            realtimeNanoseconds: loaded.compactMap(\.recordedStartRealtimeNanoseconds).min() ?? now.realtimeNanoseconds)
        return loaded.map { $0.withOptions(shared) }
    }

    /// The same recording with other options (no re-reading).
    private func withOptions(_ options: ReplayOptions) -> ReplaySource {
        ReplaySource(copying: self, options: options)
    }

    private init(copying other: ReplaySource, options: ReplayOptions) {
        path = other.path
        name = other.name
        self.options = options
        labels = other.labels
        labelsPath = other.labelsPath
        recordedStartRealtimeNanoseconds = other.recordedStartRealtimeNanoseconds
        samples = other.samples
        holes = other.holes
        stream = SampleStream(description: other.stream.description, minimumCapacityFrames: options.ringCapacityFrames)
    }

    public func open() throws {}

    public func start() throws {
        guard thread == nil else { return }
        thread = try ReaderThread(name: name) { [self] in replayLoop() }
    }

    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }

    private func replayLoop() {
        let ring = stream.ring
        let channels = stream.description.channelCount
        let rate = stream.description.sampleRateHz
        let chunk = max(1, min(options.chunkFrames ?? Int(rate / 50), ring.capacityFrames))
        let now = SystemClock.anchor()
        let epoch =
            options.epoch
            ?? ReplayEpoch(
                monotonicNanoseconds: now.monotonicNanoseconds,
                realtimeNanoseconds: recordedStartRealtimeNanoseconds ?? now.realtimeNanoseconds)
        let fileRealtime = recordedStartRealtimeNanoseconds ?? epoch.realtimeNanoseconds
        let offsetNanoseconds = fileRealtime - epoch.realtimeNanoseconds
        stream.publishTimebase(
            StreamTimebase(
                firstSampleMonotonicNanoseconds: epoch.monotonicNanoseconds + offsetNanoseconds,
                firstSampleRealtimeNanoseconds: fileRealtime))
        var frame = 0
        var holeIndex = 0
        let total = frameCount
        samples.withUnsafeBufferPointer { all in
            while frame < total && !stopRequested.load(ordering: .relaxed) {
                if holeIndex < holes.count && holes[holeIndex].atFrame == frame {
                    ring.markGap(
                        frames: UInt64(holes[holeIndex].lengthFrames),
                        monotonicNanoseconds: SystemClock.monotonicNanoseconds(), cause: .upstream)
                    holeIndex += 1
                    continue
                }
                let nextHole = holeIndex < holes.count ? holes[holeIndex].atFrame : total
                let n = min(chunk, nextHole - frame)
                let block = UnsafeBufferPointer(rebasing: all[(frame * channels)..<((frame + n) * channels)])
                switch options.pacing {
                case .realTime(let speed):
                    // The block is "captured" when its last frame's time has passed.
                    let streamSeconds = Double(ring.producerPosition + UInt64(n)) / rate
                    let due =
                        epoch.monotonicNanoseconds
                        + Int64((Double(offsetNanoseconds) + streamSeconds * 1e9) / max(speed, 1e-9))
                    ReplaySource.sleep(until: due)
                    ring.write(block, monotonicNanoseconds: SystemClock.monotonicNanoseconds())
                case .asFastAsPossible:
                    while !stopRequested.load(ordering: .relaxed) {
                        if let region = ring.acquireWrite(frames: n) {
                            region.first.baseAddress?.update(from: block.baseAddress!, count: region.first.count)
                            region.second.baseAddress?.update(
                                from: block.baseAddress! + region.first.count, count: region.second.count)
                            ring.commitWrite(frames: n)
                            break
                        }
                        ReplaySource.sleep(until: SystemClock.monotonicNanoseconds() + 200_000)
                    }
                }
                frame += n
            }
        }
        ring.finish()
    }

    /// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), restarted on EINTR.
    static func sleep(until monotonicNanoseconds: Int64) {
        var ts = timespec(
            tv_sec: Int(monotonicNanoseconds / 1_000_000_000),
            tv_nsec: Int(monotonicNanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}
