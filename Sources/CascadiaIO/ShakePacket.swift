/// The Raspberry Shake UDP datacast packet: one ASCII datagram per channel and time slice,
///
///     {'EHZ', 1722946951.674587, 123, 456, -78, …}
///
/// — channel code in quotes, the Unix time (UTC seconds, CLOCK_REALTIME of the Shake) of the first
/// sample, then integer counts (25 per packet at 100 sps on current firmware). Spaces are optional;
/// single or double quotes are accepted.
public enum ShakePacket {
    /// Why a datagram was rejected.
    public enum Malformed: Error, Equatable, Sendable {
        case noOpeningBrace
        case badChannel
        case badTimestamp
        case badSample(index: Int)
        case noClosingBrace
        case noSamples
        case tooManySamples(limit: Int)
    }

    /// A parsed header; the samples were written to the caller's buffer.
    public struct Header: Equatable, Sendable {
        /// Byte range of the channel code inside the datagram.
        public var channel: Range<Int>
        /// Time of the first sample, nanoseconds since the Unix epoch.
        public var timestampNanoseconds: Int64
        /// Samples written.
        public var sampleCount: Int
    }

    /// Parses `datagram`, writing its counts to `samples`.
    ///
    /// - Note: Real-time safe (no allocation; integer parsing only).
    public static func parse(
        _ datagram: UnsafeRawBufferPointer, samples: UnsafeMutableBufferPointer<Int32>
    ) -> Result<Header, Malformed> {
        var cursor = Cursor(bytes: datagram)
        cursor.skipSpaces()
        guard cursor.take(UInt8(ascii: "{")) else { return .failure(.noOpeningBrace) }
        cursor.skipSpaces()
        guard let quote = cursor.peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            return .failure(.badChannel)
        }
        cursor.index += 1
        let channelStart = cursor.index
        while let byte = cursor.peek, byte != quote {
            guard isAlphanumeric(byte) else { return .failure(.badChannel) }
            cursor.index += 1
        }
        let channelEnd = cursor.index
        guard cursor.take(quote), channelEnd > channelStart, channelEnd - channelStart <= 8 else {
            return .failure(.badChannel)
        }
        guard cursor.separator(), let timestamp = cursor.timestampNanoseconds() else { return .failure(.badTimestamp) }
        var count = 0
        while true {
            cursor.skipSpaces()
            if cursor.take(UInt8(ascii: "}")) { break }
            guard cursor.take(UInt8(ascii: ",")) else {
                if cursor.atEnd { return .failure(.noClosingBrace) }
                return .failure(count == 0 ? .badTimestamp : .badSample(index: count - 1))
            }
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "}") { return .failure(.badSample(index: count)) }
            guard let value = cursor.integer() else {
                return .failure(cursor.atEnd ? .noClosingBrace : .badSample(index: count))
            }
            guard count < samples.count else { return .failure(.tooManySamples(limit: samples.count)) }
            samples[count] = value
            count += 1
        }
        cursor.skipSpaces()
        guard cursor.atEnd || cursor.peek == 0 else { return .failure(.noClosingBrace) }
        guard count > 0 else { return .failure(.noSamples) }
        return .success(Header(channel: channelStart..<channelEnd, timestampNanoseconds: timestamp, sampleCount: count))
    }

    @inline(__always)
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpaces() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        mutating func separator() -> Bool {
            skipSpaces()
            guard take(UInt8(ascii: ",")) else { return false }
            skipSpaces()
            return true
        }

        /// A signed decimal integer that fits Int32.
        mutating func integer() -> Int32? {
            var negative = false
            if take(UInt8(ascii: "-")) { negative = true } else { _ = take(UInt8(ascii: "+")) }
            var value: Int64 = 0
            var digits = 0
            while let byte = peek, byte >= 0x30, byte <= 0x39 {
                value = value * 10 + Int64(byte - 0x30)
                digits += 1
                guard value <= Int64(Int32.max) + 1 else { return nil }
                index += 1
            }
            guard digits > 0 else { return nil }
            let signed = negative ? -value : value
            guard signed >= Int64(Int32.min), signed <= Int64(Int32.max) else { return nil }
            return Int32(signed)
        }

        /// `SECONDS[.FRACTION]` as nanoseconds; fraction digits past the ninth are ignored.
        mutating func timestampNanoseconds() -> Int64? {
            var seconds: Int64 = 0
            var digits = 0
            while let byte = peek, byte >= 0x30, byte <= 0x39 {
                seconds = seconds * 10 + Int64(byte - 0x30)
                digits += 1
                // 9·10⁹ s (year 2255) keeps the nanosecond count inside Int64.
                guard seconds <= 9_000_000_000 else { return nil }
                index += 1
            }
            guard digits > 0 else { return nil }
            var nanoseconds: Int64 = 0
            if take(UInt8(ascii: ".")) {
                var scale: Int64 = 100_000_000
                var fractionDigits = 0
                while let byte = peek, byte >= 0x30, byte <= 0x39 {
                    nanoseconds += Int64(byte - 0x30) * scale
                    scale /= 10
                    fractionDigits += 1
                    index += 1
                }
                guard fractionDigits > 0 else { return nil }
            }
            return seconds * 1_000_000_000 + nanoseconds
        }
    }
}
