#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats `DetectionRecord`s as JSON lines into a preallocated byte buffer (no allocation,
/// no Foundation) and writes them to a file descriptor. Schema: docs/runtime.md.
public final class DetectionJSONWriter {
    private let capacity: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private var length = 0
    private let expertNames: [[UInt8]]
    private let classNames: [[UInt8]]

    /// - Parameters:
    ///   - expertNames: names by expert index (JSON-escaped once, here).
    ///   - classNames: names by class index; classes without a name print only the index.
    public init(expertNames: [String], classNames: [String]) {
        self.expertNames = expertNames.map(Self.quoted)
        self.classNames = classNames.map(Self.quoted)
        let longestName = (self.expertNames + self.classNames).map(\.count).max() ?? 0
        // Fixed part + per run + per step, each with generous room for numbers.
        capacity = 1024 + longestName + (expertNames.count + 1) * (160 + longestName) + (expertNames.count + 2) * 64
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// JSON string literal of `text` (quotes included), escaping per RFC 8259.
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// Formats one record as a line (with "\n"); the bytes stay valid until the next call.
    /// - Note: Real-time safe.
    public func format(_ record: DetectionRecord) -> UnsafeBufferPointer<UInt8> {
        length = 0
        put("{\"window\":")
        putInt(record.window.index)
        put(",\"start_ns\":")
        putUInt(record.window.startNanoseconds)
        put(",\"decision\":\"")
        put(record.decision.name)
        put("\",\"class\":")
        putClass(record.classIndex)
        put(",\"confidence\":")
        putProbability(record.confidence)
        put(",\"experts\":[")
        for (n, run) in record.runs.enumerated() {
            if n > 0 { put(",") }
            put("{\"expert\":")
            putName(expertNames, Int(run.expert))
            put(",\"phase\":\"")
            put(run.phase.name)
            put("\",\"stage\":")
            putInt(Int64(run.stage))
            put(",\"answer\":\"")
            put(run.kind.name)
            put("\",\"class\":")
            putClass(run.kind == .cancelled ? -1 : run.classIndex)
            put(",\"p\":")
            putProbability(run.confidence)
            put(",\"ms\":")
            putMilliseconds(run.elapsedNanoseconds)
            put("}")
        }
        put("],\"escape\":")
        put(record.escapeUsed ? "true" : "false")
        put(",\"stages\":[")
        for (n, step) in record.stages.enumerated() {
            if n > 0 { put(",") }
            put("{\"phase\":\"")
            put(step.phase.name)
            put("\",\"stage\":")
            putInt(Int64(step.stage))
            put(",\"ms\":")
            putMilliseconds(step.nanoseconds)
            put("}")
        }
        put("],\"expert_ms\":")
        putMilliseconds(record.expertNanoseconds)
        put(",\"total_ms\":")
        putMilliseconds(record.latencyNanoseconds)
        put(",\"budget_ms\":")
        if record.budgetNanoseconds == .max { put("null") } else { putMilliseconds(record.budgetNanoseconds) }
        put(",\"deadline_met\":")
        put(record.deadlineMet ? "true" : "false")
        put(",\"k\":")
        putOptional(record.k)
        put(",\"start\":")
        putOptional(record.startPosition)
        put(",\"b\":")
        putOptional(record.nextB)
        put(",\"label\":")
        putClass(record.window.label)
        put("}\n")
        return UnsafeBufferPointer(start: buffer, count: length)
    }

    /// Formats and writes one line to `fileDescriptor` (retrying on EINTR and short writes).
    /// Returns false when the write failed (errno is left set).
    /// - Note: Real-time safe apart from the write system call itself.
    @discardableResult
    public func write(_ record: DetectionRecord, to fileDescriptor: Int32) -> Bool {
        let bytes = format(record)
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let written = Glibc.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            #else
            let written = Darwin.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    // MARK: Byte output (bounds-checked; a full buffer truncates, which capacity rules out)

    @inline(__always)
    private func putByte(_ byte: UInt8) {
        guard length < capacity else { return }
        buffer[length] = byte
        length += 1
    }

    private func put(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { putByte(byte) } }
    }

    private func putBytes(_ bytes: [UInt8]) {
        for byte in bytes { putByte(byte) }
    }

    private func putUInt(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for i in stride(from: count - 1, through: 0, by: -1) { putByte(raw[i]) }
        }
    }

    private func putInt(_ value: Int64) {
        if value < 0 {
            putByte(UInt8(ascii: "-"))
            putUInt(value.magnitude)
        } else {
            putUInt(UInt64(value))
        }
    }

    /// `value` nanoseconds as milliseconds with 3 decimals (truncated to whole microseconds).
    private func putMilliseconds(_ nanoseconds: UInt64) {
        putUInt(nanoseconds / 1_000_000)
        putByte(UInt8(ascii: "."))
        putPadded((nanoseconds % 1_000_000) / 1000, digits: 3)
    }

    /// A probability with 4 decimals; NaN prints null.
    private func putProbability(_ value: Float) {
        guard value.isFinite else {
            put("null")
            return
        }
        let clamped = min(max(Double(value), 0), 1)
        let scaled = UInt64((clamped * 10_000).rounded())
        putUInt(scaled / 10_000)
        putByte(UInt8(ascii: "."))
        putPadded(scaled % 10_000, digits: 4)
    }

    private func putPadded(_ value: UInt64, digits: Int) {
        var divisor: UInt64 = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            putByte(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private func putOptional(_ value: Int32) {
        if value < 0 { put("null") } else { putInt(Int64(value)) }
    }

    private func putName(_ names: [[UInt8]], _ index: Int) {
        if index >= 0 && index < names.count { putBytes(names[index]) } else { putInt(Int64(index)) }
    }

    /// A class as its name when known, else its index; −1 prints null.
    private func putClass(_ index: Int32) {
        if index < 0 { put("null") } else { putName(classNames, Int(index)) }
    }
}
