import Foundation
import Testing

@testable import CascadiaIO

/// The probe against a fake /dev and /proc tree.
@Suite final class BoardProbeTests {
    /// Fake roots made by this test, removed when it ends.
    private var roots: [String] = []
    deinit { for root in roots { try? FileManager.default.removeItem(atPath: root) } }

    /// A temporary root with /proc/asound/cards listing `cards` and empty files for `nodes`.
    func makeRoot(cards: String?, nodes: [String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cascadia-probe-\(UUID().uuidString)")
            .path
        roots.append(root)
        try FileManager.default.createDirectory(atPath: root + "/dev", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/proc/asound", withIntermediateDirectories: true)
        if let cards { try cards.write(toFile: root + "/proc/asound/cards", atomically: true, encoding: .utf8) }
        for node in nodes { #expect(FileManager.default.createFile(atPath: root + node, contents: nil)) }
        return root
    }

    static let cards = """
         0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                              bcm2835 Headphones
         1 [Device         ]: USB-Audio - USB PnP Sound Device
                              C-Media Electronics Inc. USB PnP Sound Device at usb-0000:01:00.0-1.3, full speed

        """

    @Test func findsCardsByIdAndNumber() throws {
        let probe = BoardProbe(root: try makeRoot(cards: Self.cards, nodes: []))
        #expect(probe.alsaCards().map(\.id) == ["Headphones", "Device"])
        #expect(probe.alsa("plughw:CARD=Device,DEV=0", role: "a").detail == "card 1 'Device'")
        #expect(probe.alsa("hw:1,0", role: "a").status == .present)
        #expect(probe.alsa("hw:CARD=Headphones,DEV=0", role: "a").status == .present)
        let missing = probe.alsa("plughw:CARD=USB,DEV=0", role: "a")
        #expect(missing.status == .missing)
        #expect(missing.detail == "no ALSA card 'USB'; cards: 0 'Headphones', 1 'Device'")
        #expect(probe.alsa("default", role: "a").status == .present)
    }

    @Test func probesEveryItemOfABoard() throws {
        let root = try makeRoot(cards: Self.cards, nodes: ["/dev/spidev0.0", "/dev/gpiochip0"])
        let folder = root + "/boards"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: folder + "/plan.json", contents: Data("{}".utf8)))
        let board = """
            {"board": "t", "acoustic": {"source": "alsa:plughw:CARD=Device,DEV=0", "sample_rate_hz": 8000},
             "seismic": {"source": "ads1256:/dev/spidev0.0,drdy=gpiochip0:17", "sample_rate_hz": 100},
             "budget_ms": 60, "plan": "plan.json", "control_socket": "/run/cascadia/control.sock"}
            """
        let config = try BoardConfig.decode(Data(board.utf8), path: folder + "/t.json")
        let findings = BoardProbe(root: root).probe(config)
        #expect(findings.map(\.role) == ["acoustic", "seismic", "seismic drdy", "plan", "control socket"])
        #expect(findings.map(\.status) == [.present, .present, .present, .present, .note])

        let bare = BoardProbe(root: try makeRoot(cards: nil, nodes: ["/dev/spidev0.1"])).probe(config)
        #expect(bare.map(\.status) == [.missing, .missing, .missing, .present, .note])
        #expect(bare[1].detail == "no such device (enable SPI: dtparam=spi=on); present: /dev/spidev0.1")
        #expect(bare[2].detail == "/dev/gpiochip0 absent")
    }

    @Test func aShakePortInUseIsMissing() throws {
        let holder = ShakeSource(spec: ShakeSourceSpec(port: 0, bindAddress: "127.0.0.1"))
        try holder.open()
        let port = try #require(holder.boundPort)
        let finding = BoardProbe().probe(.shake(.init(port: port, bindAddress: "127.0.0.1")), role: "seismic")
        #expect(finding.map(\.status) == [.missing])
        #expect(finding.first?.detail == "cannot bind: Address already in use")
    }

    @Test(.enabled(if: HardwareGate.absent("/dev/gpiochip0")))
    func withoutGPIOTheRealLineProbeSaysSo() {
        let (present, detail) = LibgpiodProbe.describeLine(chipName: "gpiochip0", offset: 17)
        #expect(!present)
        #expect(detail.hasPrefix("cannot open /dev/gpiochip0: No such file or directory"))
    }

    @Test func recordingsAreLoadedAndCheckedAgainstTheStreamRate() throws {
        let folder = try makeRoot(cards: nil, nodes: [])
        try TestRecordings.writeSound(
            folder + "/acoustic.flac", .flac, rateHz: 8000, channels: 1,
            samples: TestRecordings.randomPCM16(frames: 20000, channels: 1, seed: 3))
        try "start_s,end_s,class\n0,2.5,background\n".write(
            toFile: folder + "/labels.csv", atomically: true, encoding: .utf8)
        let board = """
            {"board": "t", "acoustic": {"source": "file:acoustic.flac", "sample_rate_hz": 8000},
             "budget_ms": 60, "plan": "acoustic.flac"}
            """
        let good = try BoardConfig.decode(Data(board.utf8), path: folder + "/t.json")
        let found = BoardProbe().probe(good)
        #expect(found[0].status == .present)
        #expect(found[0].detail == "8000 Hz, 1 channel(s), 2.5 s, 1 labels in labels.csv")

        let wrong = try BoardConfig.decode(
            Data(board.replacingOccurrences(of: "8000", with: "16000").utf8), path: folder + "/t.json")
        let bad = BoardProbe().probe(wrong)
        #expect(bad[0].status == .unusable)
        #expect(bad[0].detail.contains("acoustic.flac"))
    }
}
