import Foundation
import Testing

@testable import CascadiaIO

/// The Shake source on a real UDP socket on 127.0.0.1 (ephemeral port), fed by a real sender.
@Suite struct ShakeSourceTests {
    /// A UDP socket that sends datagrams to 127.0.0.1:port.
    final class Sender {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var target = sockaddr_in()
        init(port: UInt16) {
            target.sin_family = sa_family_t(AF_INET)
            target.sin_port = port.bigEndian
            inet_pton(AF_INET, "127.0.0.1", &target.sin_addr)
        }
        deinit { close(fd) }
        func send(_ text: String) {
            let bytes = Array(text.utf8)
            let sent = withUnsafePointer(to: &target) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            precondition(sent == bytes.count, "sendto failed")
        }
    }

    static let start = 1_722_946_951.0

    /// A 100 sps EHZ packet of 25 samples starting at sample `first` (values = sample numbers).
    static func packet(first: Int, channel: String = "EHZ", count: Int = 25) -> String {
        let time = String(format: "%.6f", start + Double(first) / 100)
        return "{'\(channel)', \(time), " + (first..<(first + count)).map(String.init).joined(separator: ", ") + "}"
    }

    func openSource(channel: String = "EHZ") throws -> ShakeSource {
        let source = ShakeSource(
            spec: ShakeSourceSpec(port: 0, channel: channel, sampleRateHz: 100, bindAddress: "127.0.0.1"))
        try source.open()
        return source
    }

    @Test func receivesSamplesIgnoresOtherChannelsAndCountsMalformedPackets() throws {
        let source = try openSource()
        let sender = Sender(port: try #require(source.boundPort))
        sender.send(Self.packet(first: 0))
        sender.send(Self.packet(first: 0, channel: "HDF"))
        sender.send("{'EHZ', garbage}")
        sender.send(Self.packet(first: 25))
        sender.send("not a shake packet at all")
        sender.send(Self.packet(first: 50))
        // Bounded: six datagrams were sent; each receive waits at most 2 s for one.
        for _ in 0..<6 { #expect(try source.receiveOnce(timeoutMilliseconds: 2_000)) }
        #expect(source.packets == 3)
        #expect(source.otherChannelPackets == 1)
        #expect(source.malformedPackets == 2)
        #expect(drainRing(source.stream.ring) == (0..<75).map { .sample(Int32($0)) })
        let timebase = try #require(source.stream.timebase)
        #expect(timebase.firstSampleRealtimeNanoseconds == 1_722_946_951_000_000_000)
    }

    @Test func timestampDiscontinuitiesBecomeGapsAndDuplicatesAreDropped() throws {
        let source = try openSource()
        let sender = Sender(port: try #require(source.boundPort))
        sender.send(Self.packet(first: 0))
        sender.send(Self.packet(first: 25))
        sender.send(Self.packet(first: 25))  // duplicate
        sender.send(Self.packet(first: 100))  // 50 samples (two packets) missing
        sender.send(Self.packet(first: 125))
        for _ in 0..<5 { #expect(try source.receiveOnce(timeoutMilliseconds: 2_000)) }
        #expect(source.latePackets == 1)
        let expected: [RingItem] =
            (0..<50).map { .sample(Int32($0)) } + [.gap(50)] + (100..<150).map { .sample(Int32($0)) }
        #expect(drainRing(source.stream.ring) == expected)
        #expect(source.counters.gapFrames == 50)
    }

    @Test func theReadingThreadDeliversEverythingSentBeforeStop() throws {
        let source = try openSource()
        let sender = Sender(port: try #require(source.boundPort))
        try source.start()
        for k in 0..<8 { sender.send(Self.packet(first: k * 25)) }
        source.stop()
        #expect(source.runError == nil)
        #expect(drainRing(source.stream.ring) == (0..<200).map { .sample(Int32($0)) })
        if case .finished = source.stream.ring.acquireRead(maxFrames: 1) {} else { Issue.record("ring not finished") }
    }

    @Test func aPortInUseIsADeviceError() throws {
        let first = try openSource()
        let port = try #require(first.boundPort)
        let second = ShakeSource(spec: ShakeSourceSpec(port: port, bindAddress: "127.0.0.1"))
        do {
            try second.open()
            Issue.record("a second receiver bound the same port")
        } catch {
            #expect(String(describing: error) == "udp:127.0.0.1:\(port): cannot bind: Address already in use")
        }
    }
}

@Suite struct ShakeContinuityTests {
    @Test func judgesPacketsByTheirTimestamps() {
        var c = ShakeContinuity(sampleRateHz: 100)
        let s: Int64 = 1_000_000_000
        #expect(c.check(timestampNanoseconds: 0, count: 25) == .first)
        #expect(c.check(timestampNanoseconds: s / 4 + 3_000_000, count: 25) == .contiguous)  // 3 ms jitter
        // The previous packet ended at 0.253 + 0.25 s; 1.0 s is 49.7 periods later.
        #expect(c.check(timestampNanoseconds: s, count: 25) == .gap(frames: 50))
        #expect(c.check(timestampNanoseconds: s, count: 25) == .overlap)
        #expect(c.check(timestampNanoseconds: -100 * s, count: 25) == .restart)
        #expect(c.check(timestampNanoseconds: -100 * s + s / 4, count: 25) == .contiguous)
    }
}
