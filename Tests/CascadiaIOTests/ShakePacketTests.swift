import Testing

@testable import CascadiaIO

@Suite struct ShakePacketTests {
    func parse(_ text: String, capacity: Int = 64) -> (
        Result<ShakePacket.Header, ShakePacket.Malformed>, [Int32], String
    ) {
        var samples = [Int32](repeating: 0, count: capacity)
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { raw in
            samples.withUnsafeMutableBufferPointer { ShakePacket.parse(raw, samples: $0) }
        }
        var channel = ""
        if case .success(let header) = result { channel = String(decoding: bytes[header.channel], as: UTF8.self) }
        let count = (try? result.get().sampleCount) ?? 0
        return (result, Array(samples.prefix(count)), channel)
    }

    @Test func parsesTheDatacastFormat() throws {
        let (result, samples, channel) = parse("{'EHZ', 1722946951.674587, 123, 456, -78, 0, 16777215}")
        let header = try result.get()
        #expect(channel == "EHZ")
        #expect(header.timestampNanoseconds == 1_722_946_951_674_587_000)
        #expect(samples == [123, 456, -78, 0, 16_777_215])
    }

    @Test func acceptsCompactSpacingDoubleQuotesAndATrailingNewline() throws {
        let (result, samples, channel) = parse("{\"ENZ\",1582315130.292,14168,14001}\n")
        #expect(try result.get().timestampNanoseconds == 1_582_315_130_292_000_000)
        #expect(channel == "ENZ")
        #expect(samples == [14168, 14001])
    }

    @Test(arguments: [
        ("", ShakePacket.Malformed.noOpeningBrace),
        ("EHZ, 1, 2", .noOpeningBrace),
        ("{EHZ, 1.0, 2}", .badChannel),
        ("{'', 1.0, 2}", .badChannel),
        ("{'E-Z', 1.0, 2}", .badChannel),
        ("{'EHZ' 1.0, 2}", .badTimestamp),
        ("{'EHZ', abc, 2}", .badTimestamp),
        ("{'EHZ', 1., 2}", .badTimestamp),
        ("{'EHZ', 99999999999.5, 2}", .badTimestamp),
        ("{'EHZ', 1.5}", .noSamples),
        ("{'EHZ', 1.5, 2, x}", .badSample(index: 1)),
        ("{'EHZ', 1.5, 2, 3", .noClosingBrace),
        ("{'EHZ', 1.5, 2,}", .badSample(index: 1)),
        ("{'EHZ', 1.5, 2, 99999999999}", .badSample(index: 1)),
        ("{'EHZ', 1.5, 2} trailing", .noClosingBrace),
    ])
    func rejectsMalformedDatagrams(text: String, reason: ShakePacket.Malformed) {
        let (result, _, _) = parse(text)
        #expect(result == .failure(reason))
    }

    @Test func refusesMoreSamplesThanTheBufferHolds() {
        let (result, _, _) = parse("{'EHZ', 1.0, 1, 2, 3}", capacity: 2)
        #expect(result == .failure(.tooManySamples(limit: 2)))
    }

    /// Mutated and random datagrams never trap; whatever parses has its samples inside the buffer.
    @Test func randomAndMutatedDatagramsNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let valid = Array("{'EHZ', 1722946951.674587, 123, -456, 789}".utf8)
        let alphabet = Array("{}',.-0123456789 EHZ\"".utf8)
        var parsed = 0
        for round in 0..<20_000 {
            var bytes = valid
            if round % 2 == 0 {
                for _ in 0..<(1 + Int(next() % 4)) {
                    bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
                }
            } else {
                bytes = (0..<Int(next() % 64)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            }
            var samples = [Int32](repeating: 0, count: 4)
            let result = bytes.withUnsafeBytes { raw in
                samples.withUnsafeMutableBufferPointer { ShakePacket.parse(raw, samples: $0) }
            }
            if case .success(let header) = result {
                parsed += 1
                #expect(header.sampleCount >= 1 && header.sampleCount <= 4)
                #expect(header.channel.upperBound <= bytes.count)
            }
        }
        #expect(parsed > 0)
    }
}
