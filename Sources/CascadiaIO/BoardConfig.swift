import CascadiaCore
import Foundation

/// A board file (`boards/*.json`): which sensors a node has and how the runtime uses them.
/// Codable in this schema (see the `Codable` extension); `load(path:)` reads and validates a file.
///
/// Schema (snake_case keys; unknown keys are errors so a typo never passes silently):
///
/// ```json
/// {
///   "board": "rpi4",                                   // name, required
///   "description": "…",                                // optional
///   "acoustic": {                                      // at least one of acoustic/seismic
///     "source": "alsa:plughw:CARD=Device,DEV=0",       // a source spec (SourceSpec)
///     "sample_rate_hz": 16000, "channels": 1,          // channels optional, default 1
///     "period_frames": 256, "buffer_frames": 2048      // ALSA only, optional
///   },
///   "seismic": { "source": "ads1256:/dev/spidev0.0,drdy=gpiochip0:17", "sample_rate_hz": 100 },
///   "window": { "length_s": 2, "hop_s": 1, "intervals": 10 },   // optional, these defaults
///   "budget_ms": 60,                                   // latency budget L
///   "plan": "../plans/hazard.json",                    // relative to the board file's folder
///   "threads": {                                       // optional
///     "capture":    { "cpus": [2], "rt_priority": 70, "prefault_stack_bytes": 65536 },
///     "processing": { "cpus": [3], "rt_priority": 60 }
///   },
///   "mlockall": true,                                  // optional, default false
///   "control_socket": "/run/cascadia/control.sock",    // optional, this default
///   "replay": { "speed": 1.0 }                         // file: sources only; 0 = as fast as possible
/// }
/// ```
public struct BoardConfig: Equatable, Sendable {
    public struct Stream: Equatable, Sendable {
        /// The spec as written.
        public var sourceText: String
        /// The parsed spec, with a relative `file:` path resolved against the board file's folder.
        public var source: SourceSpec
        public var sampleRateHz: Double
        public var channels: Int
        public var periodFrames: Int?
        public var bufferFrames: Int?
    }

    public struct Window: Equatable, Sendable {
        public var lengthSeconds: Double = 2
        public var hopSeconds: Double = 1
        public var intervals: Int = 10
    }

    public struct Thread: Equatable, Sendable {
        /// CPUs the thread may run on; empty = inherited.
        public var cpus: [Int] = []
        /// SCHED_FIFO priority 1…99; nil = SCHED_OTHER.
        public var rtPriority: Int32?
        /// Bytes of stack to touch at start so the loop takes no page fault.
        public var prefaultStackBytes: Int?
    }

    /// The file the configuration came from.
    public var path: String
    public var board: String
    public var description: String?
    public var acoustic: Stream?
    public var seismic: Stream?
    public var window = Window()
    public var budgetMilliseconds: Double
    /// The plan file as written in the board file.
    public var plan: String
    /// The plan file, resolved against the board file's folder.
    public var planPath: String
    public var captureThread = Thread()
    public var processingThread = Thread()
    public var mlockall = false
    public var controlSocket = "/run/cascadia/control.sock"
    /// Replay pacing for `file:` sources: 1 = real time, 0 = as fast as possible.
    public var replaySpeed: Double = 1

    /// The folder relative paths are resolved against.
    public var directory: String { (path as NSString).deletingLastPathComponent }
}

/// Codable in the board-file schema. Encoding writes paths and specs as written in the file;
/// decoding runs the same field-by-field reader and validation as `load`, naming
/// `decoder.userInfo[BoardConfig.pathKey]` (default `board file`) in errors and resolving relative
/// paths against its folder.
extension BoardConfig: Codable {
    /// `userInfo` key for the board file's path when decoding with a `JSONDecoder`.
    public static let pathKey: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "cascadia.boardPath") else {
            preconditionFailure("invalid userInfo key")
        }
        return key
    }()

    public init(from decoder: Decoder) throws {
        let path = decoder.userInfo[Self.pathKey] as? String ?? "board file"
        guard case .object(let top) = try BoardJSON(from: decoder) else {
            throw BoardConfigError(path: path, field: "", reason: "expected a JSON object at the top level")
        }
        var reader = BoardJSONReader(path: path)
        self = try reader.read(top)
    }

    enum Key: String, CodingKey {
        case board, description, acoustic, seismic, window, plan, threads, mlockall, replay
        case budgetMilliseconds = "budget_ms", controlSocket = "control_socket"
        case source, channels, sampleRateHz = "sample_rate_hz", periodFrames = "period_frames", bufferFrames =
            "buffer_frames"
        case lengthSeconds = "length_s", hopSeconds = "hop_s", intervals
        case capture, processing, cpus, rtPriority = "rt_priority", prefaultStackBytes = "prefault_stack_bytes", speed
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(board, forKey: .board)
        try c.encodeIfPresent(description, forKey: .description)
        for (key, stream) in [(Key.acoustic, acoustic), (.seismic, seismic)] {
            guard let stream else { continue }
            var s = c.nestedContainer(keyedBy: Key.self, forKey: key)
            try s.encode(stream.sourceText, forKey: .source)
            try s.encode(stream.sampleRateHz, forKey: .sampleRateHz)
            try s.encode(stream.channels, forKey: .channels)
            try s.encodeIfPresent(stream.periodFrames, forKey: .periodFrames)
            try s.encodeIfPresent(stream.bufferFrames, forKey: .bufferFrames)
        }
        var w = c.nestedContainer(keyedBy: Key.self, forKey: .window)
        try w.encode(window.lengthSeconds, forKey: .lengthSeconds)
        try w.encode(window.hopSeconds, forKey: .hopSeconds)
        try w.encode(window.intervals, forKey: .intervals)
        try c.encode(budgetMilliseconds, forKey: .budgetMilliseconds)
        try c.encode(plan, forKey: .plan)
        var t = c.nestedContainer(keyedBy: Key.self, forKey: .threads)
        for (key, thread) in [(Key.capture, captureThread), (.processing, processingThread)] {
            var e = t.nestedContainer(keyedBy: Key.self, forKey: key)
            try e.encode(thread.cpus, forKey: .cpus)
            try e.encodeIfPresent(thread.rtPriority, forKey: .rtPriority)
            try e.encodeIfPresent(thread.prefaultStackBytes, forKey: .prefaultStackBytes)
        }
        try c.encode(mlockall, forKey: .mlockall)
        try c.encode(controlSocket, forKey: .controlSocket)
        var r = c.nestedContainer(keyedBy: Key.self, forKey: .replay)
        try r.encode(replaySpeed, forKey: .speed)
    }
}

/// A board file that cannot be used: unreadable, malformed, or a field out of range (exit 78).
public struct BoardConfigError: CascadiaError, Equatable {
    public var path: String
    /// Dotted JSON field (`seismic.sample_rate_hz`), or empty for the whole file.
    public var field: String
    public var reason: String
    public var exitCode: ExitCode { .config }
    public var description: String { field.isEmpty ? "\(path): \(reason)" : "\(path): \(field): \(reason)" }
}

extension BoardConfig {
    /// Reads, decodes and validates a board file.
    public static func load(path: String) throws -> BoardConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw BoardConfigError(path: path, field: "", reason: reason)
        }
        return try decode(data, path: path)
    }

    /// Decodes and validates board-file JSON; `path` names the file in errors and anchors relative paths.
    public static func decode(_ data: Data, path: String) throws -> BoardConfig {
        let decoder = JSONDecoder()
        decoder.userInfo[BoardConfig.pathKey] = path
        do {
            return try decoder.decode(BoardConfig.self, from: data)
        } catch let error as any CascadiaError {
            throw error
        } catch {
            throw BoardConfigError(path: path, field: "", reason: "not valid JSON (\(jsonErrorSummary(error)))")
        }
    }

    static func jsonErrorSummary(_ error: Error) -> String {
        var text = "\(error)"
        if case DecodingError.dataCorrupted(let context) = error {
            text = context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}

/// Any JSON value, keeping booleans apart from numbers.
enum BoardJSON: Decodable {
    case object([String: BoardJSON])
    case array([BoardJSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([BoardJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: BoardJSON].self))
        }
    }
}

/// Reads the JSON object field by field so every error names its field.
struct BoardJSONReader {
    let path: String

    func fail(_ field: String, _ reason: String) -> BoardConfigError {
        BoardConfigError(path: path, field: field, reason: reason)
    }

    func checkKeys(_ object: [String: BoardJSON], allowed: [String], at field: String) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            let name = field.isEmpty ? key : "\(field).\(key)"
            throw fail(name, "unknown field (allowed here: \(allowed.joined(separator: ", ")))")
        }
    }

    func object(_ value: BoardJSON?, _ field: String) throws -> [String: BoardJSON]? {
        switch value {
        case nil, .null?: return nil
        case .object(let object)?: return object
        default: throw fail(field, "expected an object")
        }
    }

    func string(_ value: BoardJSON?, _ field: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw fail(field, "expected a string")
        }
    }

    func number(_ value: BoardJSON?, _ field: String) throws -> Double? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?: return number
        default: throw fail(field, "expected a number")
        }
    }

    func integer(_ value: BoardJSON?, _ field: String) throws -> Int? {
        guard let number = try number(value, field) else { return nil }
        guard number == number.rounded(), abs(number) < 1e15 else {
            throw fail(field, "expected an integer, got \(number)")
        }
        return Int(number)
    }

    func bool(_ value: BoardJSON?, _ field: String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw fail(field, "expected true or false")
        }
    }

    func resolve(_ relative: String, against directory: String) -> String {
        guard !relative.hasPrefix("/"), !directory.isEmpty else { return relative }
        // Collapse "." and "name/.." lexically (Foundation leaves relative paths alone).
        var parts: [Substring] = []
        for part in (directory + "/" + relative).split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return directory.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    mutating func read(_ top: [String: BoardJSON]) throws -> BoardConfig {
        try checkKeys(
            top,
            allowed: [
                "board", "description", "acoustic", "seismic", "window", "budget_ms", "plan", "threads", "mlockall",
                "control_socket", "replay",
            ], at: "")
        guard let board = try string(top["board"], "board"), !board.isEmpty else {
            throw fail("board", "required (a name)")
        }
        guard let budget = try number(top["budget_ms"], "budget_ms") else {
            throw fail("budget_ms", "required (milliseconds)")
        }
        guard let plan = try string(top["plan"], "plan"), !plan.isEmpty else {
            throw fail("plan", "required (a plan file path)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var config = BoardConfig(
            path: path, board: board, description: try string(top["description"], "description"), acoustic: nil,
            seismic: nil,
            budgetMilliseconds: budget, plan: plan, planPath: resolve(plan, against: directory))
        config.acoustic = try stream(top["acoustic"], "acoustic", directory: directory)
        config.seismic = try stream(top["seismic"], "seismic", directory: directory)
        if config.acoustic == nil && config.seismic == nil {
            throw fail("acoustic", "a board needs an acoustic or a seismic stream (or both)")
        }
        if let window = try object(top["window"], "window") {
            try checkKeys(window, allowed: ["length_s", "hop_s", "intervals"], at: "window")
            config.window.lengthSeconds = try number(window["length_s"], "window.length_s") ?? 2
            config.window.hopSeconds = try number(window["hop_s"], "window.hop_s") ?? 1
            config.window.intervals = try integer(window["intervals"], "window.intervals") ?? 10
        }
        if let threads = try object(top["threads"], "threads") {
            try checkKeys(threads, allowed: ["capture", "processing"], at: "threads")
            config.captureThread = try thread(threads["capture"], "threads.capture")
            config.processingThread = try thread(threads["processing"], "threads.processing")
        }
        config.mlockall = try bool(top["mlockall"], "mlockall") ?? false
        config.controlSocket = try string(top["control_socket"], "control_socket") ?? config.controlSocket
        if let replay = try object(top["replay"], "replay") {
            try checkKeys(replay, allowed: ["speed"], at: "replay")
            config.replaySpeed = try number(replay["speed"], "replay.speed") ?? 1
        }
        try validate(config)
        return config
    }

    func stream(_ value: BoardJSON?, _ field: String, directory: String) throws -> BoardConfig.Stream? {
        guard let object = try object(value, field) else { return nil }
        try checkKeys(
            object, allowed: ["source", "sample_rate_hz", "channels", "period_frames", "buffer_frames"], at: field)
        guard let text = try string(object["source"], "\(field).source") else {
            throw fail("\(field).source", "required (e.g. alsa:plughw:CARD=Device,DEV=0)")
        }
        var source = try SourceSpec.parse(text, origin: .boardFile(path: path, field: "\(field).source"))
        if case .file(let relative) = source { source = .file(path: resolve(relative, against: directory)) }
        guard let rate = try number(object["sample_rate_hz"], "\(field).sample_rate_hz") else {
            throw fail("\(field).sample_rate_hz", "required (Hz)")
        }
        return BoardConfig.Stream(
            sourceText: text, source: source, sampleRateHz: rate,
            channels: try integer(object["channels"], "\(field).channels") ?? 1,
            periodFrames: try integer(object["period_frames"], "\(field).period_frames"),
            bufferFrames: try integer(object["buffer_frames"], "\(field).buffer_frames"))
    }

    func thread(_ value: BoardJSON?, _ field: String) throws -> BoardConfig.Thread {
        guard let object = try object(value, field) else { return .init() }
        try checkKeys(object, allowed: ["cpus", "rt_priority", "prefault_stack_bytes"], at: field)
        var thread = BoardConfig.Thread()
        if let cpus = object["cpus"] {
            guard case .array(let list) = cpus else { throw fail("\(field).cpus", "expected a list of CPU numbers") }
            thread.cpus = try list.map { item in
                guard let cpu = try integer(item, "\(field).cpus") else {
                    throw fail("\(field).cpus", "expected CPU numbers")
                }
                return cpu
            }
        }
        if let priority = try integer(object["rt_priority"], "\(field).rt_priority") {
            guard (1...99).contains(priority) else {
                throw fail("\(field).rt_priority", "SCHED_FIFO priority \(priority) is outside 1…99")
            }
            thread.rtPriority = Int32(priority)
        }
        thread.prefaultStackBytes = try integer(object["prefault_stack_bytes"], "\(field).prefault_stack_bytes")
        return thread
    }

    /// Range and consistency checks across fields.
    func validate(_ c: BoardConfig) throws {
        for (field, stream) in [("acoustic", c.acoustic), ("seismic", c.seismic)] {
            guard let stream else { continue }
            try validate(stream, field)
        }
        if let acoustic = c.acoustic {
            switch acoustic.source {
            case .ads1256, .ads1115, .shake:
                throw fail("acoustic.source", "a \(acoustic.source.kind) source is seismic; use alsa: or file:")
            case .alsa, .file: break
            }
        }
        let w = c.window
        guard w.lengthSeconds > 0, w.lengthSeconds <= 60 else {
            throw fail("window.length_s", "\(w.lengthSeconds) s is outside (0, 60]")
        }
        guard w.hopSeconds > 0, w.hopSeconds <= w.lengthSeconds else {
            throw fail("window.hop_s", "\(w.hopSeconds) s is outside (0, length_s = \(w.lengthSeconds) s]")
        }
        guard w.intervals >= 1, w.intervals <= 100 else {
            throw fail("window.intervals", "\(w.intervals) is outside 1…100")
        }
        for (field, stream) in [("acoustic", c.acoustic), ("seismic", c.seismic)] {
            guard let stream else { continue }
            let samples = w.lengthSeconds * stream.sampleRateHz
            let perInterval = samples / Double(w.intervals)
            guard samples == samples.rounded(), perInterval == perInterval.rounded() else {
                throw fail(
                    "window.intervals",
                    "a \(w.lengthSeconds) s window of \(field) at \(stream.sampleRateHz) Hz is \(samples) samples, not \(w.intervals) whole intervals"
                )
            }
        }
        guard c.budgetMilliseconds > 0, c.budgetMilliseconds <= w.hopSeconds * 1000 else {
            throw fail(
                "budget_ms",
                "\(c.budgetMilliseconds) ms is outside (0, hop = \(w.hopSeconds * 1000) ms]; a longer budget lets windows queue up"
            )
        }
        for (field, thread) in [("threads.capture", c.captureThread), ("threads.processing", c.processingThread)] {
            if let cpu = thread.cpus.first(where: { $0 < 0 || $0 >= 1024 }) {
                throw fail("\(field).cpus", "CPU \(cpu) is outside 0…1023")
            }
            if Set(thread.cpus).count != thread.cpus.count { throw fail("\(field).cpus", "a CPU is listed twice") }
            if let bytes = thread.prefaultStackBytes, bytes < 0 || bytes > 64 << 20 {
                throw fail("\(field).prefault_stack_bytes", "\(bytes) is outside 0…\(64 << 20)")
            }
        }
        guard c.controlSocket.hasPrefix("/"), c.controlSocket.utf8.count < 108 else {
            throw fail(
                "control_socket", "'\(c.controlSocket)' must be an absolute path shorter than 108 bytes (sun_path)")
        }
        guard c.replaySpeed >= 0, c.replaySpeed <= 1000 else {
            throw fail("replay.speed", "\(c.replaySpeed) is outside 0…1000")
        }
    }

    func validate(_ s: BoardConfig.Stream, _ field: String) throws {
        guard s.sampleRateHz > 0, s.sampleRateHz <= 384_000 else {
            throw fail("\(field).sample_rate_hz", "\(s.sampleRateHz) Hz is outside (0, 384000]")
        }
        guard (1...8).contains(s.channels) else { throw fail("\(field).channels", "\(s.channels) is outside 1…8") }
        let sourceRate: Double? =
            switch s.source {
            case .ads1256(let a): a.configuration.samplesPerSecond
            case .ads1115(let a): Double(a.configuration.samplesPerSecond)
            case .shake(let a): a.sampleRateHz
            case .alsa, .file: nil
            }
        if let sourceRate, sourceRate != s.sampleRateHz {
            throw fail(
                "\(field).sample_rate_hz",
                "\(formatRate(s.sampleRateHz)) Hz but the source runs at \(formatRate(sourceRate)) sps (set rate= in the source or change this)"
            )
        }
        if s.channels != 1, case .alsa = s.source {
        } else if s.channels != 1 {
            throw fail("\(field).channels", "a \(s.source.kind) source has 1 channel")
        }
        let isALSA = if case .alsa = s.source { true } else { false }
        if !isALSA, s.periodFrames != nil { throw fail("\(field).period_frames", "only for alsa: sources") }
        if !isALSA, s.bufferFrames != nil { throw fail("\(field).buffer_frames", "only for alsa: sources") }
        if let period = s.periodFrames, !(16...65_536).contains(period) {
            throw fail("\(field).period_frames", "\(period) is outside 16…65536")
        }
        if let buffer = s.bufferFrames {
            let period = s.periodFrames ?? 16
            guard buffer >= 2 * period, buffer <= 1 << 20 else {
                throw fail(
                    "\(field).buffer_frames",
                    "\(buffer) must be at least two periods (\(2 * period)) and at most \(1 << 20)")
            }
        }
    }
}
