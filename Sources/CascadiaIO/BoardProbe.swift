import CascadiaCore
import Foundation

/// Looks for the devices and files a board file names, without opening them for capture.
///
/// ALSA cards are found in /proc/asound (by id for `CARD=Id`, by number for `hw:N`); spidev and
/// i2c-dev nodes by path; GPIO lines through libgpiod (chip label, line name, whether a process
/// holds the line); a Shake's UDP port by binding it for a moment; `file:` sources and the plan by
/// path. `root` prefixes /dev and /proc paths (tests point it at a fake tree; GPIO lines are then
/// only checked by their chip's node).
public struct BoardProbe: Sendable {
    public enum Status: String, Sendable, Equatable {
        case present
        case missing
        /// Present but not usable as configured (a recording at another rate, a corrupt file).
        case unusable
        /// Informational; does not make the check fail.
        case note
    }

    public struct Finding: Sendable, Equatable {
        /// What the item is for: `acoustic`, `seismic`, `seismic drdy`, `plan`, `control socket`.
        public var role: String
        /// The device, file or port.
        public var subject: String
        public var status: Status
        public var detail: String
    }

    public var root: String

    public init(root: String = "") { self.root = root }

    /// Every item `config` needs, in file order.
    public func probe(_ config: BoardConfig) -> [Finding] {
        var findings: [Finding] = []
        for (role, stream) in [("acoustic", config.acoustic), ("seismic", config.seismic)] {
            guard let stream else { continue }
            if case .file(let path) = stream.source {
                findings.append(recording(path, role: role, stream: stream))
            } else {
                findings += probe(stream.source, role: role)
            }
        }
        findings.append(file(config.planPath, role: "plan"))
        let socketDirectory = (config.controlSocket as NSString).deletingLastPathComponent
        let exists = FileManager.default.fileExists(atPath: root + socketDirectory)
        findings.append(
            Finding(
                role: "control socket", subject: config.controlSocket, status: .note,
                detail: exists
                    ? "folder \(socketDirectory) exists"
                    : "folder \(socketDirectory) absent (systemd creates it: RuntimeDirectory=cascadia)"))
        return findings
    }

    func probe(_ spec: SourceSpec, role: String) -> [Finding] {
        switch spec {
        case .alsa(let device): return [alsa(device, role: role)]
        case .file(let path): return [file(path, role: role)]
        case .ads1256(let s):
            return [
                node(s.spiDevice, role: role, hint: "enable SPI: dtparam=spi=on"),
                line(s.dataReady, role: "\(role) drdy"),
            ]
        case .ads1115(let s):
            return [
                node(s.i2cDevice, role: role, hint: "enable I2C: dtparam=i2c_arm=on"),
                line(s.alert, role: "\(role) alert"),
            ]
        case .shake(let s): return [udpPort(s, role: role)]
        }
    }

    /// A `file:` source: readable, and loadable by `ReplaySource` at the stream's rate and channel
    /// count (the whole file is read and checked, as the replay would).
    func recording(_ path: String, role: String, stream: BoardConfig.Stream) -> Finding {
        let readable = file(path, role: role)
        guard readable.status == .present else { return readable }
        var options = ReplayOptions()
        options.expectedSampleRateHz = stream.sampleRateHz
        options.expectedChannelCount = stream.channels
        do {
            let replay = try ReplaySource(path: path, options: options)
            let seconds = Double(replay.frameCount) / stream.sampleRateHz
            let labels = replay.labelsPath.map {
                "\(replay.labels.count) labels in \(($0 as NSString).lastPathComponent)"
            }
            return Finding(
                role: role, subject: path, status: .present,
                detail: "\(formatRate(stream.sampleRateHz)) Hz, \(stream.channels) channel(s), "
                    + String(format: "%.1f s", seconds) + (labels.map { ", \($0)" } ?? ", no labels"))
        } catch let error as any CascadiaError {
            return Finding(role: role, subject: path, status: .unusable, detail: error.description)
        } catch {
            return Finding(role: role, subject: path, status: .unusable, detail: "\(error)")
        }
    }

    func file(_ path: String, role: String) -> Finding {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue && FileManager.default.isReadableFile(atPath: path) {
            return Finding(role: role, subject: path, status: .present, detail: "readable file")
        }
        return Finding(
            role: role, subject: path, status: .missing, detail: exists ? "not a readable file" : "no such file")
    }

    func node(_ path: String, role: String, hint: String) -> Finding {
        var info = stat()
        guard stat(root + path, &info) == 0 else {
            let prefix = (path as NSString).lastPathComponent.hasPrefix("spidev") ? "spidev" : "i2c-"
            let others = LinuxDeviceFile.present(prefix: prefix, root: root)
            let list = others.isEmpty ? "none present" : "present: " + others.joined(separator: ", ")
            return Finding(role: role, subject: path, status: .missing, detail: "no such device (\(hint)); \(list)")
        }
        if root.isEmpty && info.st_mode & S_IFMT != S_IFCHR {
            return Finding(role: role, subject: path, status: .missing, detail: "exists but is not a character device")
        }
        return Finding(role: role, subject: path, status: .present, detail: "device node")
    }

    func line(_ spec: GPIOLineSpec, role: String) -> Finding {
        if root.isEmpty {
            let (present, detail) = LibgpiodProbe.describeLine(chipName: spec.chip, offset: spec.offset)
            return Finding(role: role, subject: spec.description, status: present ? .present : .missing, detail: detail)
        }
        let exists = FileManager.default.fileExists(atPath: root + "/dev/" + spec.chip)
        return Finding(
            role: role, subject: spec.description, status: exists ? .present : .missing,
            detail: exists
                ? "/dev/\(spec.chip) exists (line not checked under a test root)" : "/dev/\(spec.chip) absent")
    }

    func udpPort(_ spec: ShakeSourceSpec, role: String) -> Finding {
        let subject = "udp \(spec.bindAddress):\(spec.port)"
        do {
            _ = try ShakeSocket(address: spec.bindAddress, port: spec.port)
            return Finding(
                role: role, subject: subject, status: .present,
                detail: "port free; the Shake must forward channel \(spec.channel) to this host (UDP Data Forwarding)")
        } catch {
            return Finding(role: role, subject: subject, status: .missing, detail: error.reason)
        }
    }

    /// ALSA card ids from /proc/asound/cards (`  0 [Device         ]: USB-Audio - …`).
    func alsaCards() -> [(number: Int, id: String)] {
        guard let text = try? String(contentsOfFile: root + "/proc/asound/cards", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let trimmed = line.drop(while: { $0 == " " })
            guard let open = trimmed.firstIndex(of: "["), let close = trimmed.firstIndex(of: "]"),
                let number = Int(trimmed[..<open].trimmingCharacters(in: .whitespaces))
            else { return nil }
            return (number, trimmed[trimmed.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
        }
    }

    func alsa(_ device: String, role: String) -> Finding {
        let cards = alsaCards()
        let list =
            cards.isEmpty
            ? "no ALSA cards" : "cards: " + cards.map { "\($0.number) '\($0.id)'" }.joined(separator: ", ")
        let subject = "alsa:\(device)"
        var card: String?
        if let colon = device.firstIndex(of: ":") {
            for (index, parameter) in device[device.index(after: colon)...].split(separator: ",").enumerated() {
                if parameter.hasPrefix("CARD=") {
                    card = String(parameter.dropFirst(5))
                } else if index == 0 && !parameter.contains("=") {
                    card = String(parameter)
                }
            }
        }
        guard let card else {
            let status: Status = cards.isEmpty ? .missing : .present
            return Finding(role: role, subject: subject, status: status, detail: "PCM without a card name; \(list)")
        }
        if let match = cards.first(where: { $0.id == card || String($0.number) == card }) {
            return Finding(role: role, subject: subject, status: .present, detail: "card \(match.number) '\(match.id)'")
        }
        return Finding(role: role, subject: subject, status: .missing, detail: "no ALSA card '\(card)'; \(list)")
    }
}
