import CALSA
import Foundation

// Every snd_* call of CascadiaIO lives in this file: thin wrappers that return Swift values or
// negative errno codes, so the capture loop (ALSACaptureSource) decides what each code means and
// tests can replace the device with a fake.

/// What a read from a capture PCM returned, decided in one place (`ALSAReadOutcome.classify`).
enum ALSAReadOutcome: Equatable {
    /// `n` frames were read (possibly 0).
    case frames(Int)
    /// Interrupted or not ready (-EINTR, -EAGAIN): try again.
    case retry
    /// Overrun (-EPIPE) or suspend (-ESTRPIPE): recover with snd_pcm_recover, count, mark a gap.
    case xrun(Int32)
    /// Anything else (-ENODEV when a USB card is unplugged, -EBADFD, …): the stream ends.
    case fatal(Int32)

    /// Maps a snd_pcm_readi result to an outcome.
    /// - Note: Real-time safe.
    static func classify(_ result: Int) -> ALSAReadOutcome {
        if result >= 0 { return .frames(result) }
        let code = Int32(truncatingIfNeeded: -result)
        switch code {
        case EINTR, EAGAIN: return .retry
        case EPIPE, ESTRPIPE: return .xrun(code)
        default: return .fatal(code)
        }
    }
}

/// A capture PCM as the capture loop sees it; `ALSAPCM` is the real one, tests use fakes.
protocol PCMCaptureDevice: AnyObject {
    /// Reads up to `frames` interleaved frames; returns frames read or a negative errno
    /// (snd_pcm_readi). Blocks for at most about one period.
    func readInterleaved(_ buffer: UnsafeMutableRawPointer, frames: Int) -> Int
    /// Starts a prepared capture stream (snd_pcm_start when snd_pcm_state is PREPARED, else
    /// nothing): a capture stream does not run, and `waitReady` would never succeed, until started.
    /// Returns 0 or a negative errno.
    func startCapture() -> Int32
    /// Waits until a period can be read (snd_pcm_wait): 1 ready, 0 timed out, or a negative errno
    /// (-EPIPE/-ESTRPIPE when an xrun or suspend happened while waiting).
    func waitReady(timeoutMilliseconds: Int32) -> Int32
    /// Recovers from an xrun or suspend (snd_pcm_recover, silent); returns 0 or a negative errno.
    func recover(_ errorCode: Int32) -> Int32
    /// Frames waiting in the device buffer (snd_pcm_avail_update), 0 if unknown.
    func availableFrames() -> Int
    /// Closes the PCM (snd_pcm_close).
    func close()
}

/// The hardware parameters actually in force after `ALSAPCM.open`.
struct ALSAHardwareParameters: Equatable {
    var sampleRateHz: Int
    var channelCount: Int
    var periodFrames: Int
    var bufferFrames: Int
}

/// A real capture PCM opened through libasound.
final class ALSAPCM: PCMCaptureDevice {
    private var handle: OpaquePointer?

    private init(handle: OpaquePointer) { self.handle = handle }

    /// Opens `name` for capture and sets access (RW interleaved), format, channels and rate exactly,
    /// and period and buffer size as near as the device allows.
    ///
    /// - Parameter configuration: ALSA configuration text to use instead of the system one
    ///   (snd_pcm_open_lconf), e.g. a board's private PCM definitions; nil for the system config.
    /// - Throws: `DeviceError` naming the device and listing capture devices when it is missing,
    ///   busy or does not support the requested parameters.
    static func open(
        name: String, displayName: String, configuration: String?, format: SampleFormat,
        sampleRateHz: Int, channelCount: Int, periodFrames: Int, bufferFrames: Int
    ) throws -> (ALSAPCM, ALSAHardwareParameters) {
        cascadia_alsa_silence_errors()
        var pcm: OpaquePointer?
        var rc: Int32
        if let configuration {
            var config: OpaquePointer?
            rc = loadConfiguration(configuration, into: &config)
            guard rc >= 0, let config else {
                throw DeviceError(device: displayName, reason: "bad ALSA configuration: \(errorText(rc))")
            }
            defer { snd_config_delete(config) }
            rc = snd_pcm_open_lconf(&pcm, name, SND_PCM_STREAM_CAPTURE, 0, config)
        } else {
            rc = snd_pcm_open(&pcm, name, SND_PCM_STREAM_CAPTURE, 0)
        }
        guard rc >= 0, let pcm else {
            let reason = rc == -EBUSY ? "device busy" : "no such capture device (\(errorText(rc)))"
            throw DeviceError(device: displayName, reason: reason, available: captureDeviceNames())
        }
        let device = ALSAPCM(handle: pcm)
        do {
            let parameters = try device.configure(
                displayName: displayName, format: format, sampleRateHz: sampleRateHz,
                channelCount: channelCount, periodFrames: periodFrames, bufferFrames: bufferFrames)
            return (device, parameters)
        } catch {
            device.close()
            throw error
        }
    }

    private func configure(
        displayName: String, format: SampleFormat, sampleRateHz: Int, channelCount: Int,
        periodFrames: Int, bufferFrames: Int
    ) throws -> ALSAHardwareParameters {
        var hw: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hw) >= 0, let hw else {
            throw DeviceError(device: displayName, reason: "cannot allocate hardware parameters")
        }
        defer { snd_pcm_hw_params_free(hw) }
        func check(_ rc: Int32, _ what: String) throws {
            if rc < 0 {
                throw DeviceError(device: displayName, reason: "\(what): \(ALSAPCM.errorText(rc))")
            }
        }
        let alsaFormat = format == .s16 ? SND_PCM_FORMAT_S16_LE : SND_PCM_FORMAT_S32_LE
        try check(snd_pcm_hw_params_any(handle, hw), "no hardware configuration")
        try check(
            snd_pcm_hw_params_set_access(handle, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "interleaved access unsupported")
        try check(snd_pcm_hw_params_set_format(handle, hw, alsaFormat), "sample format \(format.rawValue) unsupported")
        try check(
            snd_pcm_hw_params_set_channels(handle, hw, UInt32(channelCount)), "\(channelCount) channels unsupported")
        try check(
            snd_pcm_hw_params_set_rate(handle, hw, UInt32(sampleRateHz), 0),
            "rate \(sampleRateHz) Hz unsupported (a plughw: or default device resamples)")
        var period = snd_pcm_uframes_t(periodFrames)
        var dir: Int32 = 0
        try check(
            snd_pcm_hw_params_set_period_size_near(handle, hw, &period, &dir),
            "period of \(periodFrames) frames unsupported")
        var buffer = snd_pcm_uframes_t(max(bufferFrames, Int(period) * 2))
        try check(
            snd_pcm_hw_params_set_buffer_size_near(handle, hw, &buffer), "buffer of \(bufferFrames) frames unsupported")
        try check(snd_pcm_hw_params(handle, hw), "cannot apply hardware parameters")
        try check(snd_pcm_prepare(handle), "cannot prepare")
        return ALSAHardwareParameters(
            sampleRateHz: sampleRateHz, channelCount: channelCount,
            periodFrames: Int(period), bufferFrames: Int(buffer))
    }

    func readInterleaved(_ buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        guard let handle else { return -Int(EBADF) }
        return snd_pcm_readi(handle, buffer, snd_pcm_uframes_t(frames))
    }

    func startCapture() -> Int32 {
        guard let handle else { return -EBADF }
        return snd_pcm_state(handle) == SND_PCM_STATE_PREPARED ? snd_pcm_start(handle) : 0
    }

    func waitReady(timeoutMilliseconds: Int32) -> Int32 {
        guard let handle else { return -EBADF }
        return snd_pcm_wait(handle, timeoutMilliseconds)
    }

    func recover(_ errorCode: Int32) -> Int32 {
        guard let handle else { return -EBADF }
        return snd_pcm_recover(handle, -errorCode, 1)
    }

    func availableFrames() -> Int {
        guard let handle else { return 0 }
        return max(0, snd_pcm_avail_update(handle))
    }

    func close() {
        if let handle { snd_pcm_close(handle) }
        handle = nil
    }

    deinit { close() }

    /// The text of an ALSA error code (snd_strerror).
    static func errorText(_ code: Int32) -> String {
        String(cString: snd_strerror(code))
    }

    /// Names of the PCMs that can capture (snd_device_name_hint, IOID absent or "Input").
    static func captureDeviceNames() -> [String] {
        cascadia_alsa_silence_errors()
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) >= 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var names: [String] = []
        var index = 0
        while let hint = hints[index] {
            index += 1
            let ioid = takeString(snd_device_name_get_hint(hint, "IOID"))
            guard ioid == nil || ioid == "Input", let name = takeString(snd_device_name_get_hint(hint, "NAME"))
            else { continue }
            names.append(name)
        }
        return names
    }

    private static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    private static func loadConfiguration(_ text: String, into config: inout OpaquePointer?) -> Int32 {
        var rc = snd_config_top(&config)
        guard rc >= 0 else { return rc }
        var input: OpaquePointer?
        rc = text.withCString { snd_input_buffer_open(&input, $0, strlen($0)) }
        guard rc >= 0 else {
            snd_config_delete(config)
            config = nil
            return rc
        }
        rc = snd_config_load(config, input)
        snd_input_close(input)
        if rc < 0 {
            snd_config_delete(config)
            config = nil
        }
        return rc
    }
}
