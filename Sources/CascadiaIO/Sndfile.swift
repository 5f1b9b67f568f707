import CSndfile
import Foundation

// Every sf_* call of CascadiaIO lives in this file (thin wrappers over libsndfile).

/// An open sound file (libsndfile `SNDFILE*`), for reading or writing 16-bit PCM.
final class SoundFile {
    private var handle: OpaquePointer?
    private var info: SF_INFO
    let path: String

    /// Container kinds the project reads and writes.
    enum Container: String {
        case wav, flac
        var sfFormat: Int32 {
            switch self {
            case .wav: Int32(SF_FORMAT_WAV)
            case .flac: Int32(SF_FORMAT_FLAC)
            }
        }
    }

    private init(handle: OpaquePointer, info: SF_INFO, path: String) {
        self.handle = handle
        self.info = info
        self.path = path
    }

    /// Opens `path` for reading (sf_open, SFM_READ). Throws `IOError.badData` naming the file.
    static func openRead(_ path: String) throws -> SoundFile {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw IOError.badData(path, "cannot read as WAV/FLAC: \(String(cString: sf_strerror(nil)))")
        }
        return SoundFile(handle: handle, info: info, path: path)
    }

    /// Creates `path` for writing 16-bit (or 32-bit when `bits` is 32) PCM (sf_open, SFM_WRITE).
    /// WAV headers are rewritten after every write (SFC_SET_UPDATE_HEADER_AUTO), so a WAV file is
    /// valid up to its last write even if the process dies.
    static func create(
        _ path: String, container: Container, sampleRateHz: Int, channelCount: Int, bits: Int
    ) throws -> SoundFile {
        let subtype = bits == 16 ? SF_FORMAT_PCM_16 : (container == .flac ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_32)
        var info = SF_INFO()
        info.samplerate = Int32(sampleRateHz)
        info.channels = Int32(channelCount)
        info.format = container.sfFormat | Int32(subtype)
        guard sf_format_check(&info) != 0 else {
            throw IOError.config(
                path,
                "libsndfile cannot write \(container) at \(sampleRateHz) Hz, \(channelCount) channels, \(bits) bits")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw IOError.system(path, "cannot create: \(String(cString: sf_strerror(nil)))")
        }
        if container == .wav {
            _ = sf_command(handle, Int32(SFC_SET_UPDATE_HEADER_AUTO), nil, Int32(SF_TRUE))
        }
        return SoundFile(handle: handle, info: info, path: path)
    }

    var frames: Int64 { Int64(info.frames) }
    var sampleRateHz: Int { Int(info.samplerate) }
    var channelCount: Int { Int(info.channels) }
    var containerName: String {
        switch info.format & Int32(SF_FORMAT_TYPEMASK) {
        case Int32(SF_FORMAT_WAV): "WAV"
        case Int32(SF_FORMAT_FLAC): "FLAC"
        default: String(format: "format 0x%06x", info.format & Int32(SF_FORMAT_TYPEMASK))
        }
    }
    /// The sample encoding, e.g. "16-bit PCM", "32-bit float".
    var encodingName: String {
        switch Int(info.format & Int32(SF_FORMAT_SUBMASK)) {
        case SF_FORMAT_PCM_16: "16-bit PCM"
        case SF_FORMAT_PCM_24: "24-bit PCM"
        case SF_FORMAT_PCM_32: "32-bit PCM"
        case SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8: "8-bit PCM"
        case SF_FORMAT_FLOAT: "32-bit float"
        case SF_FORMAT_DOUBLE: "64-bit float"
        case SF_FORMAT_ULAW: "u-law"
        case SF_FORMAT_ALAW: "A-law"
        default: String(format: "encoding 0x%04x", info.format & Int32(SF_FORMAT_SUBMASK))
        }
    }
    var isPCM16: Bool { Int(info.format & Int32(SF_FORMAT_SUBMASK)) == SF_FORMAT_PCM_16 }

    /// Reads up to `frames` frames of 16-bit samples (sf_readf_short); returns frames read.
    func readFrames(_ buffer: UnsafeMutablePointer<Int16>, frames: Int) -> Int {
        guard let handle else { return 0 }
        return Int(sf_readf_short(handle, buffer, sf_count_t(frames)))
    }

    /// Writes `frames` frames of 16-bit samples (sf_writef_short); returns frames written.
    func writeFrames(_ buffer: UnsafePointer<Int16>, frames: Int) -> Int {
        guard let handle else { return 0 }
        return Int(sf_writef_short(handle, buffer, sf_count_t(frames)))
    }

    /// Writes `frames` frames of full-scale 32-bit samples (sf_writef_int); returns frames written.
    func writeFrames(_ buffer: UnsafePointer<Int32>, frames: Int) -> Int {
        guard let handle else { return 0 }
        return Int(sf_writef_int(handle, buffer, sf_count_t(frames)))
    }

    /// The library's last error for this file (sf_strerror).
    var lastError: String {
        guard let handle else { return "file closed" }
        return String(cString: sf_strerror(handle))
    }

    /// sf_error: nonzero after a failed operation.
    var hasError: Bool {
        guard let handle else { return false }
        return sf_error(handle) != 0
    }

    /// The header parser's log (SFC_GET_LOG_INFO); libsndfile notes truncated chunks here.
    var log: String {
        guard let handle else { return "" }
        var buffer = [CChar](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes {
            sf_command(handle, Int32(SFC_GET_LOG_INFO), $0.baseAddress, Int32($0.count))
        }
        return count > 0 ? String(nulTerminated: buffer) : ""
    }

    /// The comment string (SF_STR_COMMENT), which the recorder uses for the stream's timebase.
    var comment: String? {
        guard let handle, let text = sf_get_string(handle, Int32(SF_STR_COMMENT)) else { return nil }
        return String(cString: text)
    }

    /// Sets the comment string; call before the first write.
    func setComment(_ text: String) {
        guard let handle else { return }
        _ = sf_set_string(handle, Int32(SF_STR_COMMENT), text)
    }

    /// Flushes libsndfile's buffers and fsyncs (sf_write_sync).
    func sync() {
        if let handle { sf_write_sync(handle) }
    }

    /// Closes the file (sf_close), finishing a FLAC stream; returns libsndfile's error text or nil.
    @discardableResult
    func close() -> String? {
        guard let handle else { return nil }
        self.handle = nil
        let rc = sf_close(handle)
        return rc == 0 ? nil : String(cString: sf_error_number(rc))
    }

    deinit { close() }
}
