import CascadiaCore

/// A source as written on the command line (`--source …`) or in a board file (`"source": "…"`).
///
/// Grammar (options are `key=value`, comma-separated, any order, each at most once):
///
/// | spec | meaning |
/// |---|---|
/// | `alsa:NAME` | ALSA capture PCM by name; everything after `alsa:` is the name (`hw:CARD=USB,DEV=0`) |
/// | `ads1256:SPIDEV,drdy=CHIP:LINE[,rate=SPS][,gain=G][,pos=N][,neg=N][,buffer=on\|off][,speed=HZ]` | ADS1256 on spidev |
/// | `ads1115:I2CDEV,alert=CHIP:LINE[,addr=0x48][,rate=SPS][,mux=N][,range=MV]` | ADS1115 on i2c-dev |
/// | `shake:udp:PORT[,channel=EHZ][,rate=SPS][,bind=ADDR]` | Raspberry Shake UDP datacast |
/// | `file:PATH` | a recording (WAV/FLAC or miniSEED); everything after `file:` is the path |
public enum SourceSpec: Equatable, Sendable, CustomStringConvertible {
    case alsa(device: String)
    case ads1256(ADS1256SourceSpec)
    case ads1115(ADS1115SourceSpec)
    case shake(ShakeSourceSpec)
    case file(path: String)

    /// The spec's kind word: `alsa`, `ads1256`, `ads1115`, `shake`, `file`.
    public var kind: String {
        switch self {
        case .alsa: "alsa"
        case .ads1256: "ads1256"
        case .ads1115: "ads1115"
        case .shake: "shake"
        case .file: "file"
        }
    }

    /// The canonical text (all options spelled out), parseable back to the same value.
    public var description: String {
        switch self {
        case .alsa(let device): "alsa:\(device)"
        case .file(let path): "file:\(path)"
        case .ads1256(let s):
            "ads1256:\(s.spiDevice),drdy=\(s.dataReady),rate=\(formatRate(s.configuration.samplesPerSecond)),"
                + "gain=\(s.configuration.gain),pos=\(s.configuration.positiveInput),neg=\(s.configuration.negativeInput),"
                + "buffer=\(s.configuration.inputBuffer ? "on" : "off"),speed=\(s.configuration.spiClockHz)"
        case .ads1115(let s):
            "ads1115:\(s.i2cDevice),addr=0x\(String(s.configuration.address, radix: 16)),alert=\(s.alert),"
                + "rate=\(s.configuration.samplesPerSecond),mux=\(s.configuration.mux),range=\(s.configuration.fullScaleMillivolts)"
        case .shake(let s):
            "shake:udp:\(s.port),channel=\(s.channel),rate=\(formatRate(s.sampleRateHz)),bind=\(s.bindAddress)"
        }
    }
}

/// A GPIO line: chip name and line offset (`gpiochip0:17`).
public struct GPIOLineSpec: Equatable, Sendable, CustomStringConvertible {
    /// `gpiochipN` (opened as /dev/gpiochipN).
    public var chip: String
    /// Line offset on the chip (on a Pi, the BCM GPIO number).
    public var offset: UInt32
    public init(chip: String, offset: UInt32) {
        self.chip = chip
        self.offset = offset
    }
    public var description: String { "\(chip):\(offset)" }
}

/// `ads1256:` options.
public struct ADS1256SourceSpec: Equatable, Sendable {
    public var spiDevice: String
    public var dataReady: GPIOLineSpec
    public var configuration: ADS1256Configuration
}

/// `ads1115:` options.
public struct ADS1115SourceSpec: Equatable, Sendable {
    public var i2cDevice: String
    public var alert: GPIOLineSpec
    public var configuration: ADS1115Configuration
}

/// `shake:udp:` options.
public struct ShakeSourceSpec: Equatable, Sendable {
    /// UDP port the datacast is sent to (the Shake's default is 8888).
    public var port: UInt16
    /// The channel to keep (`EHZ` geophone; `ENZ`/`ENN`/`ENE` on a Shake 4D, `HDF` infrasound).
    public var channel: String
    /// The channel's rate: 100 sps (EHZ on a Shake 1D/3D/4D) or 200.
    public var sampleRateHz: Double
    /// Local address to bind (IPv4 dotted quad).
    public var bindAddress: String

    public init(
        port: UInt16 = 8888, channel: String = "EHZ", sampleRateHz: Double = 100, bindAddress: String = "0.0.0.0"
    ) {
        self.port = port
        self.channel = channel
        self.sampleRateHz = sampleRateHz
        self.bindAddress = bindAddress
    }
}

/// A source spec that does not parse or names impossible settings.
///
/// On the command line it is a usage error (exit 64); in a board file a configuration error
/// (exit 78) that names the file and the JSON field.
public struct SourceSpecError: CascadiaError, Equatable {
    /// Where the spec came from.
    public enum Origin: Equatable, Sendable {
        case commandLine
        /// A board file and the JSON field holding the spec (`seismic.source`).
        case boardFile(path: String, field: String)
    }

    public var spec: String
    /// The part of the spec at fault: `kind`, `drdy`, `rate`, …
    public var field: String
    public var reason: String
    public var origin: Origin

    public var exitCode: ExitCode {
        switch origin {
        case .commandLine: .usage
        case .boardFile: .config
        }
    }

    public var description: String {
        switch origin {
        case .commandLine: "--source '\(spec)': \(field): \(reason)"
        case .boardFile(let path, let jsonField): "\(path): \(jsonField): '\(spec)': \(field): \(reason)"
        }
    }
}

extension SourceSpec {
    /// Parses `text`; errors carry `origin` (command line → 64, board file → 78).
    public static func parse(_ text: String, origin: Origin = .commandLine) throws(SourceSpecError) -> SourceSpec {
        var parser = SourceSpecParser(text: text, origin: origin)
        return try parser.parse()
    }

    public typealias Origin = SourceSpecError.Origin
}

/// The parser behind `SourceSpec.parse`.
struct SourceSpecParser {
    let text: String
    let origin: SourceSpecError.Origin

    func fail(_ field: String, _ reason: String) -> SourceSpecError {
        SourceSpecError(spec: text, field: field, reason: reason, origin: origin)
    }

    mutating func parse() throws(SourceSpecError) -> SourceSpec {
        guard let colon = text.firstIndex(of: ":") else {
            throw fail("kind", "expected KIND:…, one of alsa, ads1256, ads1115, shake, file")
        }
        let kind = String(text[..<colon])
        let rest = String(text[text.index(after: colon)...])
        switch kind {
        case "alsa":
            guard !rest.isEmpty else {
                throw fail("device", "empty ALSA device name (e.g. alsa:plughw:CARD=Device,DEV=0)")
            }
            return .alsa(device: rest)
        case "file":
            guard !rest.isEmpty else { throw fail("path", "empty path (e.g. file:recordings/sim/seismic.mseed)") }
            return .file(path: rest)
        case "ads1256": return .ads1256(try parseADS1256(rest))
        case "ads1115": return .ads1115(try parseADS1115(rest))
        case "shake": return .shake(try parseShake(rest))
        default:
            throw fail("kind", "unknown source kind '\(kind)' (alsa, ads1256, ads1115, shake, file)")
        }
    }

    /// Splits `HEAD,key=value,…` into the head and an option table; rejects repeats and bare words.
    func split(_ rest: String, allowed: [String]) throws(SourceSpecError) -> (head: String, options: [String: String]) {
        let parts = rest.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var options: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else {
                throw fail(
                    part.isEmpty ? "options" : part, "expected key=value (keys: \(allowed.joined(separator: ", ")))")
            }
            let key = String(part[..<equals])
            let value = String(part[part.index(after: equals)...])
            guard allowed.contains(key) else {
                throw fail(key, "unknown option (keys: \(allowed.joined(separator: ", ")))")
            }
            guard options[key] == nil else { throw fail(key, "given twice") }
            guard !value.isEmpty else { throw fail(key, "empty value") }
            options[key] = value
        }
        return (parts.first ?? "", options)
    }

    func gpioLine(_ key: String, _ value: String?) throws(SourceSpecError) -> GPIOLineSpec {
        guard let value else { throw fail(key, "required (e.g. \(key)=gpiochip0:17)") }
        let pieces = value.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].hasPrefix("gpiochip"), pieces[0].count > 8,
            pieces[0].dropFirst(8).allSatisfy(\.isASCIIDigit)
        else { throw fail(key, "expected gpiochipN:LINE (e.g. gpiochip0:17), got '\(value)'") }
        guard let offset = UInt32(pieces[1]) else {
            throw fail(key, "line offset '\(pieces[1])' is not a non-negative integer")
        }
        return GPIOLineSpec(chip: String(pieces[0]), offset: offset)
    }

    func number<T: FixedWidthInteger>(_ key: String, _ value: String?, default fallback: T) throws(SourceSpecError) -> T
    {
        guard let value else { return fallback }
        let parsed = value.hasPrefix("0x") ? T(value.dropFirst(2), radix: 16) : T(value)
        guard let parsed else { throw fail(key, "'\(value)' is not a valid integer in \(T.min)…\(T.max)") }
        return parsed
    }

    func rate(_ key: String, _ value: String?, default fallback: Double) throws(SourceSpecError) -> Double {
        guard let value else { return fallback }
        guard let parsed = Double(value), parsed.isFinite, parsed > 0 else {
            throw fail(key, "'\(value)' is not a positive number of samples per second")
        }
        return parsed
    }

    func devicePath(_ head: String, example: String) throws(SourceSpecError) -> String {
        guard head.hasPrefix("/dev/"), head.count > 5 else {
            throw fail("device", "expected a device path like \(example), got '\(head)'")
        }
        return head
    }

    func parseADS1256(_ rest: String) throws(SourceSpecError) -> ADS1256SourceSpec {
        let (head, o) = try split(rest, allowed: ["drdy", "rate", "gain", "pos", "neg", "buffer", "speed"])
        let path = try devicePath(head, example: "/dev/spidev0.0")
        let drdy = try gpioLine("drdy", o["drdy"])
        var buffer = false
        if let value = o["buffer"] {
            switch value {
            case "on", "true", "1": buffer = true
            case "off", "false", "0": buffer = false
            default: throw fail("buffer", "expected on or off, got '\(value)'")
            }
        }
        let configuration = ADS1256Configuration(
            samplesPerSecond: try rate("rate", o["rate"], default: 100),
            gain: try number("gain", o["gain"], default: 1),
            positiveInput: try number("pos", o["pos"], default: 0),
            negativeInput: try number("neg", o["neg"], default: 1),
            inputBuffer: buffer,
            spiClockHz: try number("speed", o["speed"], default: ADS1256.maxSPIClockHz))
        if let (field, message) = configuration.validate() { throw fail(field, message) }
        return ADS1256SourceSpec(spiDevice: path, dataReady: drdy, configuration: configuration)
    }

    func parseADS1115(_ rest: String) throws(SourceSpecError) -> ADS1115SourceSpec {
        let (head, o) = try split(rest, allowed: ["addr", "alert", "rate", "mux", "range"])
        let path = try devicePath(head, example: "/dev/i2c-1")
        let alert = try gpioLine("alert", o["alert"])
        var rateValue = 128
        if let text = o["rate"] {
            guard let value = Int(text) else {
                throw fail("rate", "'\(text)' is not an integer number of samples per second")
            }
            rateValue = value
        }
        let configuration = ADS1115Configuration(
            address: try number("addr", o["addr"], default: 0x48),
            samplesPerSecond: rateValue,
            mux: try number("mux", o["mux"], default: 0),
            fullScaleMillivolts: try number("range", o["range"], default: 2048))
        if let (field, message) = configuration.validate() { throw fail(field, message) }
        return ADS1115SourceSpec(i2cDevice: path, alert: alert, configuration: configuration)
    }

    func parseShake(_ rest: String) throws(SourceSpecError) -> ShakeSourceSpec {
        let (head, o) = try split(rest, allowed: ["channel", "rate", "bind"])
        guard head.hasPrefix("udp:") else {
            throw fail("transport", "expected shake:udp:PORT (e.g. shake:udp:8888), got 'shake:\(head)'")
        }
        let portText = head.dropFirst(4)
        guard let port = UInt16(portText), port > 0 else {
            throw fail("port", "'\(portText)' is not a UDP port (1-65535)")
        }
        var spec = ShakeSourceSpec(port: port)
        if let channel = o["channel"] {
            guard channel.count <= 8, channel.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw fail("channel", "'\(channel)' is not a SEED channel code (e.g. EHZ)")
            }
            spec.channel = channel
        }
        spec.sampleRateHz = try rate("rate", o["rate"], default: 100)
        if let bind = o["bind"] {
            guard ShakeSocket.isIPv4Address(bind) else { throw fail("bind", "'\(bind)' is not an IPv4 address") }
            spec.bindAddress = bind
        }
        return spec
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
