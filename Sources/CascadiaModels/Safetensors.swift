/// Element types stored in a format-1 expert file.
public enum TensorDType: String, Sendable {
    case int8 = "I8"
    case int32 = "I32"

    /// Bytes per element.
    public var size: Int { self == .int8 ? 1 : 4 }
}

/// One tensor of the file: its type, shape and absolute byte range in the file.
public struct StoredTensor: Sendable, Equatable {
    public let name: String
    public let dtype: TensorDType
    public let shape: [Int]
    public let elementCount: Int
    /// Absolute offset of the first byte in the file.
    public let fileOffset: Int
    public let byteCount: Int
}

/// The checked safetensors container: tensor table and string metadata (docs/model-format.md §1).
struct SafetensorsContainer {
    static let maxFileBytes = 256 << 20
    static let maxHeaderBytes = 4 << 20
    static let maxTensors = 1024
    static let maxDimension = 16_777_216
    static let maxElements = 67_108_864

    let headerLength: Int
    let dataStart: Int
    /// Tensors in file order.
    let tensors: [StoredTensor]
    let metadata: [String: String]

    /// Parses and checks the container rules of §1 over the whole file's bytes.
    init(bytes: UnsafeRawBufferPointer) throws(FormatProblem) {
        guard bytes.count >= 8 else { throw FormatProblem("file is \(bytes.count) bytes, too short for a header length") }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
        guard n >= 2, n <= UInt64(Self.maxHeaderBytes) else {
            throw FormatProblem("header length \(n) is outside 2…\(Self.maxHeaderBytes)")
        }
        let length = Int(n)
        guard 8 + length <= bytes.count else {
            throw FormatProblem("header length \(length) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        guard (8 + length) % 8 == 0 else {
            throw FormatProblem("header length \(length) does not end the header on an 8-byte boundary")
        }
        headerLength = length
        dataStart = 8 + length
        let header: JSONValue
        do throws(FormatProblem) {
            header = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]))
        } catch {
            throw FormatProblem("header: \(error.message)")
        }
        let fields = try JSONFields(header, path: "header")
        var tensors: [StoredTensor] = []
        var metadata: [String: String]? = nil
        for member in fields.members {
            if member.key == "__metadata__" {
                let meta = try JSONFields(member.value, path: "__metadata__")
                var table: [String: String] = [:]
                for m in meta.members { table[m.key] = try JSONFields.string(m.value, path: "__metadata__.\(m.key)") }
                metadata = table
                continue
            }
            guard tensors.count < Self.maxTensors else { throw FormatProblem("more than \(Self.maxTensors) tensors") }
            tensors.append(try Self.tensor(member.key, member.value, dataStart: dataStart))
        }
        guard let metadata else { throw FormatProblem("header has no __metadata__") }
        guard !tensors.isEmpty else { throw FormatProblem("file holds no tensors") }
        // The tensors must tile the data region exactly.
        let sorted = tensors.sorted { $0.fileOffset < $1.fileOffset }
        var cursor = dataStart
        var previous = "the header"
        for t in sorted {
            if t.fileOffset > cursor {
                throw FormatProblem("tensor '\(t.name)': data_offsets leave a gap after \(previous)")
            }
            if t.fileOffset < cursor {
                throw FormatProblem("tensor '\(t.name)': data_offsets overlap \(previous)")
            }
            cursor = t.fileOffset + t.byteCount
            guard cursor <= bytes.count else {
                throw FormatProblem("tensor '\(t.name)': data_offsets run past the end of the file (truncated?)")
            }
            previous = "'\(t.name)'"
        }
        guard cursor == bytes.count else {
            throw FormatProblem("\(bytes.count - cursor) bytes after the last tensor")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    static func validName(_ name: String, maxBytes: Int, extra: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxBytes else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || extra.utf8.contains(b)
        }
    }

    private static func tensor(_ name: String, _ value: JSONValue, dataStart: Int) throws(FormatProblem) -> StoredTensor {
        guard validName(name, maxBytes: 128, extra: "_.:/-") else {
            throw FormatProblem("tensor name '\(name.prefix(140))' is not 1–128 bytes of [A-Za-z0-9_.:/-]")
        }
        let fields = try JSONFields(value, path: "tensor '\(name)'")
        try fields.requireKeys(["dtype", "shape", "data_offsets"])
        let dtypeName = try fields.string("dtype")
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            throw FormatProblem("tensor '\(name)': dtype '\(dtypeName)' is not I8 or I32")
        }
        let shape = try fields.ints("shape", count: 1...4, 1...maxDimension)
        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else {
                throw FormatProblem("tensor '\(name)': shape \(shape) has more than \(maxElements) elements")
            }
            elements = product
        }
        let offsets = try fields.ints("data_offsets", count: 2...2, 0...maxFileBytes)
        let begin = offsets[0], end = offsets[1]
        let bytes = elements * dtype.size  // ≤ 2^28, no overflow
        guard end >= begin, end - begin == bytes else {
            throw FormatProblem("tensor '\(name)': data_offsets [\(begin), \(end)) hold \(end >= begin ? end - begin : 0) bytes, \(dtypeName) \(shape) needs \(bytes)")
        }
        guard begin % dtype.size == 0 else {
            throw FormatProblem("tensor '\(name)': data_offsets begin \(begin) is not \(dtype.size)-byte aligned")
        }
        return StoredTensor(name: name, dtype: dtype, shape: shape, elementCount: elements,
                            fileOffset: dataStart + begin, byteCount: bytes)
    }
}
