import Foundation

/// Container for acoustic recordings.
public enum AudioContainer: String, Sendable, CaseIterable {
    case flac, wav
}

/// Options of `Recorder`.
public struct RecorderOptions: Sendable {
    /// Directory for the files; created if missing.
    public var directory: String
    /// A new file starts every `rotateSeconds` of stream time (and after every gap).
    public var rotateSeconds: Double = 600
    public var audioContainer: AudioContainer = .flac
    /// SEED network, station and location codes of miniSEED files; the channel code is
    /// `seismicChannel` (one channel per seismic stream).
    public var network = "XX"
    public var station = "CSCD"
    public var location = "00"
    public var seismicChannel = "EHZ"

    public init(directory: String) { self.directory = directory }
}

/// What the recorder did, for progress output.
public enum RecorderEvent: Sendable, Equatable {
    case opened(path: String)
    /// A file was completed, flushed and fsynced, holding `frames` frames.
    case closed(path: String, frames: Int)
}

/// Per-stream totals after a recording.
public struct RecordedStream: Sendable, Equatable {
    public var name: String
    public var frames: Int
    public var files: Int
    public var counters: SourceCounters
}

/// Writes streams to disk: acoustic as FLAC or WAV (16-bit PCM via libsndfile), seismic as
/// Steim-2 miniSEED (libmseed), one file per stream per rotation period.
///
/// Every file is contiguous in time: a file closes when `rotateSeconds` of stream frames are in it
/// and when the stream has a gap; the next file starts at the next frame that arrives. A file's
/// start time (its name, the miniSEED record times, the WAV/FLAC comment
/// `cascadia first_sample_realtime_ns=…`) is its first frame's CLOCK_REALTIME time from the stream's
/// timebase. Closing a file finishes it (FLAC stream info, WAV header, last miniSEED record),
/// fsyncs it and fsyncs the directory, so a completed file survives a crash or power loss.
///
/// `run` reads on the calling thread (the consumer of every ring) until `shouldStop()` turns true or
/// every source finished; then it stops the sources (their threads finish their current period and
/// their rings), drains what is left and closes every file. Nothing that reached a ring is lost.
public final class Recorder {
    public let options: RecorderOptions
    private let sources: [any Source]
    private var sinks: [StreamFileSink]

    /// - Throws: `IOError` if the directory cannot be created or a stream cannot be recorded.
    public init(sources: [any Source], options: RecorderOptions) throws {
        guard options.rotateSeconds > 0 else { throw IOError.config("--rotate-s", "must be positive") }
        do {
            try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        } catch {
            throw IOError.system(options.directory, "cannot create directory")
        }
        guard FileManager.default.isWritableFile(atPath: options.directory) else {
            throw IOError.system(options.directory, "directory is not writable")
        }
        self.sources = sources
        self.options = options
        var labels: Set<String> = []
        sinks = try sources.map { source in
            var label = Recorder.label(for: source.name)
            var n = 2
            while labels.contains(label) {
                label = Recorder.label(for: source.name) + "-\(n)"
                n += 1
            }
            labels.insert(label)
            return try StreamFileSink(stream: source.stream, label: label, options: options)
        }
    }

    /// A file-name-safe label: the file's base name for `file:` sources, otherwise the spec with
    /// anything but letters, digits, `.` and `-` turned into `_`.
    static func label(for name: String) -> String {
        var text = name
        if name.hasPrefix("file:") {
            text = URL(fileURLWithPath: String(name.dropFirst(5))).deletingPathExtension().lastPathComponent
        }
        return String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "_" })
    }

    /// Records until `shouldStop()` or the end of every source; returns per-stream totals.
    /// The sources must be open and started.
    public func run(shouldStop: () -> Bool, onEvent: (RecorderEvent) -> Void) throws -> [RecordedStream] {
        var stopping = false
        func stopSources() {
            if !stopping {
                stopping = true
                sources.forEach { $0.stop() }  // joins the readers; their rings finish
            }
        }
        do {
            while true {
                if shouldStop() { stopSources() }
                var progressed = false
                var finished = 0
                for sink in sinks {
                    switch try sink.pump(onEvent: onEvent) {
                    case .progressed: progressed = true
                    case .idle: break
                    case .finished: finished += 1
                    }
                }
                if finished == sinks.count { break }
                if !progressed { ReplaySource.sleep(until: SystemClock.monotonicNanoseconds() + 2_000_000) }
            }
            for sink in sinks { try sink.closeFile(onEvent: onEvent) }
            try PosixFile.syncPath(options.directory)
        } catch {
            // Keep what is already written: finish and fsync every other open file, then report.
            stopSources()
            for sink in sinks { try? sink.closeFile(onEvent: onEvent) }
            try? PosixFile.syncPath(options.directory)
            throw error
        }
        stopSources()
        return zip(sources, sinks).map { source, sink in
            RecordedStream(
                name: source.name, frames: sink.totalFrames, files: sink.fileCount, counters: source.counters)
        }
    }
}

/// Writes one stream to a sequence of files.
final class StreamFileSink {
    enum Pump { case progressed, idle, finished }

    private enum Writer {
        case audio(SoundFile)
        case seismic(MseedWriter)
    }

    let stream: SampleStream
    let label: String
    let options: RecorderOptions
    private let rotateFrames: Int
    private var writer: Writer?
    private var path = ""
    private var framesInFile = 0
    private(set) var totalFrames = 0
    private(set) var fileCount = 0
    private var scratch16: [Int16]
    private var scratch32: [Int32]
    private let chunkFrames = 4096

    init(stream: SampleStream, label: String, options: RecorderOptions) throws {
        let d = stream.description
        if d.modality == .seismic && d.channelCount != 1 {
            throw IOError.config(
                d.name, "miniSEED recording takes one channel per stream, this one has \(d.channelCount)")
        }
        self.stream = stream
        self.label = label
        self.options = options
        rotateFrames = max(1, Int((options.rotateSeconds * d.sampleRateHz).rounded()))
        scratch16 = [Int16](repeating: 0, count: chunkFrames * d.channelCount)
        scratch32 = [Int32](repeating: 0, count: chunkFrames * d.channelCount)
    }

    /// Moves what the ring holds into files.
    func pump(onEvent: (RecorderEvent) -> Void) throws -> Pump {
        var progressed = false
        for _ in 0..<64 {
            switch stream.ring.acquireRead(maxFrames: chunkFrames) {
            case .samples(let block):
                try write(block, onEvent: onEvent)
                stream.ring.commitRead(frames: block.frames)
                progressed = true
            case .gap:
                try closeFile(onEvent: onEvent)  // files are contiguous: a gap ends one
                progressed = true
            case .empty:
                return progressed ? .progressed : .idle
            case .finished:
                return .finished
            }
        }
        return .progressed
    }

    private func write(_ block: SampleBlock<Int32>, onEvent: (RecorderEvent) -> Void) throws {
        let channels = stream.description.channelCount
        var done = 0
        while done < block.frames {
            if writer == nil { try openFile(startFrame: block.startFrame + UInt64(done), onEvent: onEvent) }
            let n = min(block.frames - done, rotateFrames - framesInFile)
            // Gather the frames (they may wrap in the ring) into the scratch buffer, converted.
            // miniSEED keeps raw counts; libsndfile's int API is full-scale 32-bit, so 24-bit
            // samples are shifted up.
            let seismic = stream.description.modality == .seismic
            for i in 0..<(n * channels) {
                let v = block[done * channels + i]
                switch stream.description.sampleFormat {
                case _ where seismic: scratch32[i] = v
                case .s16: scratch16[i] = Int16(truncatingIfNeeded: v)
                case .s24: scratch32[i] = v << 8
                case .s32: scratch32[i] = v
                }
            }
            switch writer! {
            case .audio(let file):
                let written =
                    stream.description.sampleFormat == .s16
                    ? scratch16.withUnsafeBufferPointer { file.writeFrames($0.baseAddress!, frames: n) }
                    : scratch32.withUnsafeBufferPointer { file.writeFrames($0.baseAddress!, frames: n) }
                guard written == n else { throw IOError.system(path, "write failed: \(file.lastError)") }
            case .seismic(let mseed):
                try scratch32.withUnsafeBufferPointer { try mseed.append(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            }
            framesInFile += n
            totalFrames += n
            done += n
            if framesInFile >= rotateFrames { try closeFile(onEvent: onEvent) }
        }
    }

    private func openFile(startFrame: UInt64, onEvent: (RecorderEvent) -> Void) throws {
        let d = stream.description
        let timebase =
            stream.timebase
            ?? StreamTimebase(
                firstSampleMonotonicNanoseconds: SystemClock.monotonicNanoseconds(),
                firstSampleRealtimeNanoseconds: SystemClock.realtimeNanoseconds())
        let realtime = timebase.realtimeNanoseconds(ofFrame: startFrame, sampleRateHz: d.sampleRateHz)
        let ext = d.modality == .seismic ? "mseed" : options.audioContainer.rawValue
        path = options.directory + "/" + label + "_" + StreamFileSink.utcStamp(realtime) + "." + ext
        if d.modality == .seismic {
            writer = .seismic(
                try MseedWriter(
                    path: path, network: options.network, station: options.station, location: options.location,
                    channel: options.seismicChannel, sampleRateHz: d.sampleRateHz,
                    startMicroseconds: realtime / 1000))
        } else {
            let container: SoundFile.Container = options.audioContainer == .flac ? .flac : .wav
            let file = try SoundFile.create(
                path, container: container, sampleRateHz: Int(d.sampleRateHz.rounded()),
                channelCount: d.channelCount, bits: d.sampleFormat == .s16 ? 16 : 32)
            file.setComment(ReplaySource.timebaseCommentPrefix + String(realtime))
            writer = .audio(file)
        }
        framesInFile = 0
        fileCount += 1
        onEvent(.opened(path: path))
    }

    /// Finishes the current file (if any), fsyncs it and its directory.
    func closeFile(onEvent: (RecorderEvent) -> Void) throws {
        guard let current = writer else { return }
        writer = nil
        switch current {
        case .audio(let file):
            if let error = file.close() { throw IOError.system(path, "close failed: \(error)") }
            try PosixFile.syncPath(path)
        case .seismic(let mseed):
            try mseed.close()  // packs the last record, fsyncs, closes
        }
        try PosixFile.syncPath(options.directory)
        onEvent(.closed(path: path, frames: framesInFile))
    }

    /// `20261204T205700.123Z` for a CLOCK_REALTIME time in nanoseconds.
    static func utcStamp(_ nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int((nanoseconds / 1_000_000) % 1000))
    }
}
