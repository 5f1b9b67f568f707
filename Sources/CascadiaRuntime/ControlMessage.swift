#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One request on the control socket. On the wire each is one JSON object on one line
/// (UTF-8, `\n`-terminated, at most `ControlServer.maximumRequestBytes` bytes):
///
/// | request | JSON |
/// |---|---|
/// | stats | `{"cmd":"stats"}` |
/// | get | `{"cmd":"get"}` |
/// | set k | `{"cmd":"set-k","k":2}` |
/// | set threshold | `{"cmd":"set-threshold","expert":"A","value":0.7}` |
/// | plan load | `{"cmd":"plan-load","path":"/etc/cascadia/plan.json"}` |
/// | auto-k | `{"cmd":"auto-k","enabled":true}` |
/// | subscribe | `{"cmd":"subscribe"}` |
/// | tune k | `{"cmd":"tune-k","candidates":[0,1,2,3],"windows":30,"tolerance":0.01}` |
///
/// An optional integer `"id"` is echoed in the reply.
public enum ControlRequest: Sendable, Equatable {
    case stats
    case get
    case setSkipBack(Int)
    case setThreshold(expert: String, value: Double)
    case loadPlan(path: String)
    case autoSkipBack(Bool)
    case subscribe
    case tuneSkipBack(candidates: [Int], windowsPerCandidate: Int, accuracyTolerance: Double)

    /// Most candidates and windows per candidate a tuning request may ask for.
    public static let maximumTuneCandidates = 16
    public static let maximumTuneWindows = 3600

    /// The wire form: the fields a request may carry.
    struct Wire: Codable {
        var cmd: String
        var id: Int?
        var k: Int?
        var expert: String?
        var value: Double?
        var path: String?
        var enabled: Bool?
        var candidates: [Int]?
        var windows: Int?
        var tolerance: Double?
    }

    /// One JSON line (without the newline).
    public func encoded(id: Int? = nil) -> String {
        var wire = Wire(cmd: "", id: id)
        switch self {
        case .stats: wire.cmd = "stats"
        case .get: wire.cmd = "get"
        case .setSkipBack(let k): wire.cmd = "set-k"; wire.k = k
        case .setThreshold(let expert, let value): wire.cmd = "set-threshold"; wire.expert = expert; wire.value = value
        case .loadPlan(let path): wire.cmd = "plan-load"; wire.path = path
        case .autoSkipBack(let on): wire.cmd = "auto-k"; wire.enabled = on
        case .subscribe: wire.cmd = "subscribe"
        case .tuneSkipBack(let candidates, let windows, let tolerance):
            wire.cmd = "tune-k"; wire.candidates = candidates; wire.windows = windows; wire.tolerance = tolerance
        }
        return ControlCodec.line(wire)
    }

    /// What parsing a line gives: a request, or the error reply to send back.
    public enum Parsed: Sendable, Equatable {
        case request(ControlRequest, id: Int?)
        case reject(ControlReply)
    }

    /// Parses one line (without its newline).
    public static func parse(_ line: some Collection<UInt8>) -> Parsed {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(line))
        } catch {
            return .reject(.failure(code: .malformed, "request is not a JSON object with a string \"cmd\""))
        }
        func missing(_ field: String) -> Parsed {
            .reject(.failure(code: .invalid, "\(wire.cmd): missing or wrong-typed field \"\(field)\"", id: wire.id))
        }
        switch wire.cmd {
        case "stats": return .request(.stats, id: wire.id)
        case "get": return .request(.get, id: wire.id)
        case "subscribe": return .request(.subscribe, id: wire.id)
        case "set-k":
            guard let k = wire.k else { return missing("k") }
            guard k >= 0 else {
                return .reject(.failure(code: .invalid, "set-k: k must be ≥ 0, got \(k)", id: wire.id))
            }
            return .request(.setSkipBack(k), id: wire.id)
        case "set-threshold":
            guard let expert = wire.expert, !expert.isEmpty else { return missing("expert") }
            guard let value = wire.value else { return missing("value") }
            guard value.isFinite, (0...1).contains(value) else {
                return .reject(.failure(code: .invalid, "set-threshold: value must be in 0…1, got \(value)", id: wire.id))
            }
            return .request(.setThreshold(expert: expert, value: value), id: wire.id)
        case "plan-load":
            guard let path = wire.path, !path.isEmpty else { return missing("path") }
            return .request(.loadPlan(path: path), id: wire.id)
        case "auto-k":
            guard let enabled = wire.enabled else { return missing("enabled") }
            return .request(.autoSkipBack(enabled), id: wire.id)
        case "tune-k":
            guard let candidates = wire.candidates, !candidates.isEmpty else { return missing("candidates") }
            guard candidates.count <= maximumTuneCandidates, candidates.allSatisfy({ $0 >= 0 }),
                Set(candidates).count == candidates.count
            else {
                return .reject(.failure(
                    code: .invalid, "tune-k: candidates must be 1…\(maximumTuneCandidates) distinct values ≥ 0", id: wire.id))
            }
            let windows = wire.windows ?? 30
            guard (1...maximumTuneWindows).contains(windows) else {
                return .reject(.failure(code: .invalid, "tune-k: windows must be in 1…\(maximumTuneWindows), got \(windows)", id: wire.id))
            }
            let tolerance = wire.tolerance ?? 0.01
            guard tolerance.isFinite, (0...1).contains(tolerance) else {
                return .reject(.failure(code: .invalid, "tune-k: tolerance must be in 0…1, got \(tolerance)", id: wire.id))
            }
            return .request(.tuneSkipBack(candidates: candidates, windowsPerCandidate: windows, accuracyTolerance: tolerance), id: wire.id)
        default:
            return .reject(.failure(code: .unknownCommand, "unknown command \"\(wire.cmd)\"", id: wire.id))
        }
    }
}

/// One reply line. Success: `{"ok":true,…}` with `stats`, `settings`, `subscribed` or `tune`;
/// failure: `{"ok":false,"code":"malformed","error":"…"}`. After a successful subscribe the
/// server also sends event lines `{"event":"window","data":<the window's JSON record>}` and,
/// when a slow client missed some, `{"event":"dropped","count":N}`.
public struct ControlReply: Codable, Sendable, Equatable {
    /// Error codes of failed requests.
    public enum Code: String, Codable, Sendable {
        /// Not JSON, or no string `cmd`.
        case malformed
        /// The line exceeded the request size limit (the rest of it up to `\n` is skipped).
        case tooLarge = "too-large"
        case unknownCommand = "unknown-command"
        /// A field is missing or out of range.
        case invalid
        /// The pipeline refused the change (the message says why).
        case rejected
        /// Too many clients are connected.
        case busy
        /// The pipeline does not offer this request (e.g. tuning).
        case unsupported
    }

    public var ok: Bool
    public var id: Int?
    public var code: Code?
    public var error: String?
    public var stats: ControlStats?
    public var settings: ControlSettings?
    public var subscribed: Bool?
    public var tune: ControlTuneReport?

    public init(
        ok: Bool, id: Int? = nil, code: Code? = nil, error: String? = nil, stats: ControlStats? = nil,
        settings: ControlSettings? = nil, subscribed: Bool? = nil, tune: ControlTuneReport? = nil
    ) {
        self.ok = ok
        self.id = id
        self.code = code
        self.error = error
        self.stats = stats
        self.settings = settings
        self.subscribed = subscribed
        self.tune = tune
    }

    public static func failure(code: Code, _ message: String, id: Int? = nil) -> ControlReply {
        ControlReply(ok: false, id: id, code: code, error: message)
    }

    /// One JSON line (without the newline).
    public var encoded: String { ControlCodec.line(self) }
}

/// JSON helpers shared by both ends of the control socket.
enum ControlCodec {
    /// Prefix of a window event line; the window's own JSON record follows, then `}`.
    static let windowEventPrefix = #"{"event":"window","data":"#

    /// Compact JSON with sorted keys (so replies are stable for tests and scripts).
    static func line<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return #"{"ok":false,"code":"invalid","error":"unencodable"}"# }
        return String(decoding: data, as: UTF8.self)
    }

    /// The event line for one window record, or nil when the record cannot be framed
    /// (empty, or containing a newline).
    static func windowEvent(_ record: String) -> String? {
        guard !record.isEmpty, !record.utf8.contains(UInt8(ascii: "\n")) else { return nil }
        return windowEventPrefix + record + "}"
    }
}

extension ControlReply {
    /// Decodes one reply line; nil when it is not a reply.
    public static func decode(_ line: String) -> ControlReply? {
        try? JSONDecoder().decode(ControlReply.self, from: Data(line.utf8))
    }
}
