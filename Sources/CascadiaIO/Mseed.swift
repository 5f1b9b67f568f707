import CMseed
import Foundation

// Every ms_*/msr_* call of CascadiaIO lives in this file (thin wrappers over libmseed 2).

/// One decoded miniSEED data record.
struct MseedRecord {
    /// `NET_STA_LOC_CHAN`.
    var source: String
    /// Time of the first sample, microseconds since the Unix epoch (libmseed hptime).
    var startMicroseconds: Int64
    var sampleRateHz: Double
    /// Encoding name (ms_encodingstr), e.g. "STEIM 2 Compression".
    var encoding: String
    var samples: [Int32]
}

enum Mseed {
    /// hptime ticks per second (HPTMODULUS).
    static let ticksPerSecond: Int64 = 1_000_000

    /// Sends libmseed's log and diagnostic output nowhere; errors come back as return codes.
    static func silenceLog() {
        ms_loginit({ _ in }, nil, { _ in }, nil)
    }

    /// Reads and decodes every record of `path` (ms_readmsr_r with data unpacking).
    /// Throws `IOError.badData` naming the file for anything that is not complete, integer miniSEED.
    static func readRecords(_ path: String) throws -> [MseedRecord] {
        silenceLog()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw IOError.badData(path, "cannot open: no such readable file")
        }
        var fileParameters: UnsafeMutablePointer<MSFileParam>?
        var msr: UnsafeMutablePointer<MSRecord>?
        defer { ms_readmsr_r(&fileParameters, &msr, nil, 0, nil, nil, 0, 0, 0) }
        var records: [MseedRecord] = []
        var sourceBuffer = [CChar](repeating: 0, count: 64)
        var position: off_t = 0
        var end: off_t = 0
        while true {
            let rc = ms_readmsr_r(&fileParameters, &msr, path, 0, &position, nil, 1, 1, 0)
            if rc == MS_ENDOFFILE { break }
            guard rc == MS_NOERROR, let record = msr else {
                let at = records.isEmpty ? "" : " after record \(records.count)"
                throw IOError.badData(path, "not valid miniSEED\(at): \(String(cString: ms_errorstr(rc)))")
            }
            let r = record.pointee
            end = position + off_t(r.reclen)
            let count = Int(r.numsamples)
            guard r.sampletype == CChar(UInt8(ascii: "i")) || count == 0 else {
                let type = String(UnicodeScalar(UInt8(bitPattern: r.sampletype)))
                throw IOError.badData(
                    path, "record \(records.count + 1) holds sample type '\(type)', expected 32-bit integers")
            }
            guard Int64(count) == r.samplecnt else {
                throw IOError.badData(
                    path, "record \(records.count + 1) is truncated: \(count) of \(r.samplecnt) samples decoded")
            }
            var samples = [Int32](repeating: 0, count: count)
            if count > 0, let data = r.datasamples {
                samples.withUnsafeMutableBytes {
                    $0.copyMemory(from: UnsafeRawBufferPointer(start: data, count: count * 4))
                }
            }
            msr_srcname(record, &sourceBuffer, 0)
            records.append(
                MseedRecord(
                    source: String(nulTerminated: sourceBuffer), startMicroseconds: r.starttime,
                    sampleRateHz: msr_samprate(record), encoding: String(cString: ms_encodingstr(r.encoding)),
                    samples: samples))
        }
        guard !records.isEmpty else { throw IOError.badData(path, "no miniSEED data records") }
        // libmseed stops quietly at a partial last record; a file must end where its last record does.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).flatMap { $0 } ?? Int(end)
        if size > Int(end) {
            throw IOError.badData(
                path, "truncated: \(size - Int(end)) bytes after record \(records.count) are not a complete record")
        }
        return records
    }
}

/// Packs a stream of 32-bit samples into Steim-2 miniSEED records (msr_pack) and writes them to a
/// file; `flush` packs a final partial record. Used by the recorder.
final class MseedWriter {
    let path: String
    let sampleRateHz: Double
    private let file: PosixFile
    private var msr: UnsafeMutablePointer<MSRecord>?
    private var pending: [Int32] = []
    private let startMicroseconds: Int64
    private var packedSamples: Int64 = 0
    private var writeError: String?
    /// Records written so far.
    private(set) var recordCount = 0

    /// Creates `path` (must not exist). `source` is `NET_STA_LOC_CHAN` (each part ≤ its SEED width).
    init(
        path: String, network: String, station: String, location: String, channel: String,
        sampleRateHz: Double, startMicroseconds: Int64, recordLength: Int32 = 512
    ) throws {
        Mseed.silenceLog()
        self.path = path
        self.sampleRateHz = sampleRateHz
        self.startMicroseconds = startMicroseconds
        file = try PosixFile.create(path)
        guard let record = msr_init(nil) else { throw IOError.system(path, "msr_init failed") }
        msr = record
        MseedWriter.copy(network, into: &record.pointee.network)
        MseedWriter.copy(station, into: &record.pointee.station)
        MseedWriter.copy(location, into: &record.pointee.location)
        MseedWriter.copy(channel, into: &record.pointee.channel)
        record.pointee.dataquality = CChar(UInt8(ascii: "D"))
        record.pointee.reclen = recordLength
        record.pointee.encoding = Int8(DE_STEIM2)
        record.pointee.byteorder = 1
        record.pointee.samprate = sampleRateHz
        record.pointee.sampletype = CChar(UInt8(ascii: "i"))
        record.pointee.starttime = startMicroseconds
    }

    private static func copy<T>(_ text: String, into field: inout T) {
        withUnsafeMutableBytes(of: &field) { bytes in
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, byte) in text.utf8.prefix(bytes.count - 1).enumerated() { bytes[i] = byte }
        }
    }

    /// Queues samples; complete records are packed and written at once.
    func append(_ samples: UnsafeBufferPointer<Int32>) throws {
        pending.append(contentsOf: samples)
        try pack(flush: false)
    }

    /// Packs queued samples (all of them when `flush`, otherwise only complete records) and writes.
    func pack(flush: Bool) throws {
        guard let msr, !pending.isEmpty else { return }
        var packed: Int64 = 0
        let context = Unmanaged.passUnretained(self).toOpaque()
        let rc: Int32 = pending.withUnsafeMutableBufferPointer { buffer in
            msr.pointee.datasamples = UnsafeMutableRawPointer(buffer.baseAddress)
            msr.pointee.numsamples = Int64(buffer.count)
            msr.pointee.starttime =
                startMicroseconds
                + Int64((Double(packedSamples) * Double(Mseed.ticksPerSecond) / sampleRateHz).rounded())
            defer { msr.pointee.datasamples = nil }
            return msr_pack(
                msr,
                { record, length, context in
                    let writer = Unmanaged<MseedWriter>.fromOpaque(context!).takeUnretainedValue()
                    writer.writeRecord(UnsafeRawBufferPointer(start: record, count: Int(length)))
                }, context, &packed, flush ? 1 : 0, 0)
        }
        if let writeError { throw IOError.system(path, writeError) }
        guard rc >= 0 else { throw IOError.badData(path, "cannot pack Steim-2 miniSEED (msr_pack returned \(rc))") }
        recordCount += Int(rc)
        packedSamples += packed
        pending.removeFirst(Int(packed))
    }

    private func writeRecord(_ bytes: UnsafeRawBufferPointer) {
        do { try file.write(bytes) } catch { writeError = "\(error)" }
    }

    /// Packs what is queued, writes it and fsyncs the file.
    func flushAndSync() throws {
        try pack(flush: true)
        try file.sync()
    }

    /// Flushes, fsyncs and closes.
    func close() throws {
        defer {
            if msr != nil { msr_free(&msr) }
        }
        try flushAndSync()
        try file.close()
    }
}
