import Testing

@testable import CascadiaIO

@Suite struct ShakePacketTests {
    func parse(_ text: String, capacity: Int = 64) -> (Result<ShakePacket.Header, ShakePacket.Malformed>, [Int32], String) {
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
}
