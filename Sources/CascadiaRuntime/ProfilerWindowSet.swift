import CascadiaCore
import CascadiaIO
import CascadiaModels
import Foundation

/// One recording directory as the profiler used it.
public struct ProfilerRecording: Sendable, Equatable {
    /// The directory holding the streams (one file per stream, replayed on one time axis).
    public var path: String
    /// The recording files, by name.
    public var files: [String]
    /// The label file read, if any.
    public var labelsPath: String?
    /// Windows assembled from it.
    public var windows: Int
    /// Windows whose span some label covers.
    public var labelledWindows: Int
}

/// The windows of a set of recordings, with the features of every framing the experts need
/// computed **once** per window (SPEC §2) and held for repeated expert runs.
///
/// Recordings are replayed with `ReplaySource` (as fast as possible, lossless) into a
/// `WindowAssembler` with the experts' window geometry; each window's samples go through one
/// `FeatureExtractor` per distinct `FeatureKey`. A window's label is the class that covers the
/// largest part of its span `[start, start + W)` in the label file (seconds from the labelled
/// stream's first sample); a window no label touches is unlabelled (nil).
public final class ProfilerWindowSet {
    /// The distinct framings, in the order experts first use them.
    public let keys: [FeatureKey]
    /// `features[w][k]`: window w's features for `keys[k]`.
    public private(set) var features: [[[Float]]] = []
    /// Per window: the labelled class, or nil.
    public private(set) var labels: [String?] = []
    /// Per window: the recording it came from (index into `recordings`).
    public private(set) var recordingIndex: [Int] = []
    public private(set) var recordings: [ProfilerRecording] = []
    /// Milliseconds the DSP front end took per window (all framings together).
    public private(set) var featureMilliseconds: [Double] = []

    public var count: Int { features.count }

    /// The feature-key index of each modality of `model` (as `keys` orders them); throws
    /// `ProfilerError.data` for a model whose framing this set was not built for.
    public func keyIndices(for model: ExpertModel) throws -> [Int] {
        let d = model.description
        return try d.framing.modalities.map { m in
            guard let k = keys.firstIndex(of: FeatureKey(m, intervals: d.framing.intervals)) else {
                throw ProfilerError(
                    .data, model.path, "modality '\(m.name)': these windows hold no features of its framing")
            }
            return k
        }
    }

    /// Loads every recording directory. `requireLabels`: a directory without any label file is a
    /// `ProfilerError.unlabeled` (exit 65). `progress(done, total)` is called after each directory.
    public init(
        recordingDirectories: [String], models: [ExpertModel], requireLabels: Bool,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws {
        guard let first = models.first else { throw ProfilerError(.data, "--experts", "no experts to profile") }
        let framing = first.description.framing
        for m in models.dropFirst() {
            let f = m.description.framing
            guard f.windowSeconds == framing.windowSeconds, f.hopSeconds == framing.hopSeconds,
                f.intervals == framing.intervals
            else {
                throw ProfilerError(
                    .data, m.path,
                    "window \(f.windowSeconds) s, hop \(f.hopSeconds) s, \(f.intervals) intervals differ from \(first.path)'s \(framing.windowSeconds) s, \(framing.hopSeconds) s, \(framing.intervals)"
                )
            }
        }
        var keys: [FeatureKey] = []
        var keySource: [String] = []
        for m in models {
            for modality in m.description.framing.modalities {
                let key = FeatureKey(modality, intervals: framing.intervals)
                if !keys.contains(key) {
                    keys.append(key)
                    keySource.append(m.path)
                }
            }
        }
        self.keys = keys
        let extractors = try zip(keys, keySource).map { key, source in try FeatureExtractor(key: key, source: source) }
        var configuration = WindowConfiguration()
        configuration.windowSeconds = framing.windowSeconds
        configuration.hopSeconds = framing.hopSeconds
        configuration.intervalCount = framing.intervals
        guard !recordingDirectories.isEmpty else {
            throw ProfilerError(.data, "--recordings", "no recordings given")
        }
        for (d, directory) in recordingDirectories.enumerated() {
            try load(directory, configuration: configuration, extractors: extractors, requireLabels: requireLabels)
            progress(d + 1, recordingDirectories.count)
        }
        guard count > 0 else {
            throw ProfilerError(
                .data, recordingDirectories.joined(separator: ","),
                "no complete \(framing.windowSeconds) s window in the recordings")
        }
    }

    /// Recording directories under `path`: `path` itself when it holds recording files, else each
    /// subdirectory (sorted) that does. Throws when there are none.
    public static func recordingDirectories(under path: String) throws -> [String] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProfilerError(.data, path, "no such recordings directory")
        }
        let known = ReplaySource.audioExtensions.union(ReplaySource.seismicExtensions)
        func holdsRecordings(_ dir: String) -> Bool {
            ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).contains {
                known.contains(URL(fileURLWithPath: $0).pathExtension.lowercased())
            }
        }
        if holdsRecordings(path) { return [path] }
        let subdirectories = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
            .map { path + "/" + $0 }
            .filter { holdsRecordings($0) }
        guard !subdirectories.isEmpty else {
            throw ProfilerError(.data, path, "no recordings (.wav, .flac, .mseed) in it or in its subdirectories")
        }
        return subdirectories
    }

    private func load(
        _ directory: String, configuration: WindowConfiguration, extractors: [FeatureExtractor], requireLabels: Bool
    ) throws {
        let sources = try ReplaySource.sources(inDirectory: directory)
        let labelled = sources.first { $0.labelsPath != nil }
        if requireLabels && labelled == nil {
            throw ProfilerError(
                .unlabeled, directory,
                "no labels (expected <name>.labels.csv, <name>.csv or labels.csv beside the recordings); FP/FN and Prob-S need labelled recordings, or give --timing-only"
            )
        }
        // Which stream feeds each framing: the stream of that modality, at that rate, mono.
        let streams = sources.map(\.stream.description)
        var streamOfKey: [Int] = []
        for e in extractors {
            let key = e.key
            let candidates = streams.indices.filter { streams[$0].modality.rawValue == key.modality }
            guard candidates.count == 1, let s = candidates.first else {
                throw ProfilerError(
                    .data, directory,
                    candidates.isEmpty
                        ? "no \(key.modality) recording (the experts need \(key.modality) at \(key.rateHz) Hz)"
                        : "\(candidates.count) \(key.modality) recordings; expected one")
            }
            guard abs(streams[s].sampleRateHz - Double(key.rateHz)) < 1e-9, streams[s].channelCount == 1 else {
                throw ProfilerError(
                    .data, sources[s].path,
                    "\(streams[s].sampleRateHz) Hz, \(streams[s].channelCount) channel(s); the experts need \(key.modality) mono at \(key.rateHz) Hz"
                )
            }
            streamOfKey.append(s)
        }
        let assembler = try WindowAssembler(configuration: configuration, streams: streams)
        let labelStream = labelled.flatMap { l in sources.firstIndex { $0 === l } }
        let labels = labelled?.labels ?? []
        var scratch = extractors.map { [Float](repeating: 0, count: $0.sampleCount) }
        for source in sources { try source.start() }
        defer { sources.forEach { $0.stop() } }
        var windows = 0, labelledWindows = 0
        let recording = recordings.count
        while true {
            guard let window = assembler.nextWindow(from: sources.map(\.stream)) else {
                if Self.exhausted(sources, assembler) { break }
                usleep(200)
                continue
            }
            var perKey: [[Float]] = []
            let start = SystemClock.monotonicNanoseconds()
            for (k, extractor) in extractors.enumerated() {
                let samples = window.samples(streamOfKey[k])
                precondition(samples.count == extractor.sampleCount, "window frames match the framing")
                for i in 0..<samples.count { scratch[k][i] = Float(samples[i]) }
                let out = scratch[k].withUnsafeBufferPointer { extractor.compute($0) }
                perKey.append(Array(out))
            }
            featureMilliseconds.append(Double(SystemClock.monotonicNanoseconds() - start) / 1e6)
            var label: String? = nil
            if let s = labelStream {
                let t0 = Double(window.startFrames[s]) / streams[s].sampleRateHz
                label = Self.majorityLabel(labels, from: t0, to: t0 + configuration.windowSeconds)
            }
            if label != nil { labelledWindows += 1 }
            features.append(perKey)
            self.labels.append(label)
            recordingIndex.append(recording)
            windows += 1
        }
        recordings.append(
            ProfilerRecording(
                path: directory, files: sources.map { URL(fileURLWithPath: $0.path).lastPathComponent },
                labelsPath: labelled?.labelsPath, windows: windows, labelledWindows: labelledWindows))
    }

    /// True when no further window can complete: every ring is finished and drained, or some is
    /// and every other cannot take more frames.
    private static func exhausted(_ sources: [ReplaySource], _ assembler: WindowAssembler) -> Bool {
        var finished = [Bool]()
        for source in sources {
            if case .finished = source.stream.ring.acquireRead(maxFrames: 1) {
                finished.append(true)
            } else {
                finished.append(false)
            }
        }
        if finished.allSatisfy({ $0 }) { return true }
        guard finished.contains(true) else { return false }
        return sources.indices.allSatisfy { finished[$0] || assembler.room(stream: $0) == 0 }
    }

    /// The class covering the largest part of [from, to) (the earliest such label on ties), or nil
    /// when no label overlaps it.
    public static func majorityLabel(_ labels: [Label], from: Double, to: Double) -> String? {
        var cover: [(className: String, seconds: Double)] = []  // in order of first appearance
        for l in labels {
            let overlap = min(l.endSeconds, to) - max(l.startSeconds, from)
            guard overlap > 0 else { continue }
            if let i = cover.firstIndex(where: { $0.className == l.className }) {
                cover[i].seconds += overlap
            } else {
                cover.append((l.className, overlap))
            }
        }
        var best: (className: String, seconds: Double)? = nil
        for c in cover where best.map({ c.seconds > $0.seconds }) ?? true { best = c }
        return best?.className
    }
}
