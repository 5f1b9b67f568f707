extension String {
    /// The text of a C character buffer up to its first NUL (all of it when there is none),
    /// decoded as UTF-8 with invalid bytes replaced.
    init(nulTerminated buffer: [CChar]) {
        let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
        self = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
