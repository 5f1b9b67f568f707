import Synchronization

/// How to open an ALSA capture device. Everything is set explicitly; nothing is left to the
/// device's defaults.
public struct ALSACaptureOptions: Sendable, Equatable {
    public var modality: Modality = .acoustic
    /// Exact rate; a `hw:` device that cannot do it is an error (`plughw:`/`default` resample).
    public var sampleRateHz: Int = 8000
    public var channelCount: Int = 1
    /// `.s16` captures S16_LE; `.s24`/`.s32` capture S32_LE.
    public var sampleFormat: SampleFormat = .s16
    /// Frames per read; default 50 ms (rate / 20). The device may round it.
    public var periodFrames: Int?
    /// Device buffer; default 4 periods. The device may round it.
    public var bufferFrames: Int?
    /// ALSA configuration text used instead of the system configuration (snd_pcm_open_lconf),
    /// for private PCM definitions; nil uses the system's (/usr/share/alsa/alsa.conf, ~/.asoundrc).
    public var configuration: String?
    /// Ring capacity (rounded up to a power of two); default 8 s.
    public var ringCapacityFrames: Int?

    public init() {}

    var effectivePeriodFrames: Int { periodFrames ?? max(sampleRateHz / 20, 16) }
    var effectiveBufferFrames: Int { bufferFrames ?? effectivePeriodFrames * 4 }
}

/// Captures from an ALSA PCM by name (`default`, `plughw:CARD=…`, `hw:CARD=…,DEV=…`) on a dedicated
/// thread into its stream's ring buffer.
///
/// Xruns (-EPIPE overrun, -ESTRPIPE suspend) are recovered with snd_pcm_recover, counted
/// (`counters.xruns`) and marked as a gap whose length is estimated from CLOCK_MONOTONIC: the frames
/// the clock says should exist minus those delivered (see docs/io.md). Frames read across an xrun are
/// never passed on as data. Any other read error ends the stream: the ring finishes and `failure`
/// names the error; the process does not exit.
public final class ALSACaptureSource: Source, @unchecked Sendable {
    public let name: String
    /// The ALSA PCM name (after `alsa:`).
    public let deviceName: String
    public let options: ALSACaptureOptions
    public let stream: SampleStream
    /// Period and buffer in force after `open()`.
    public private(set) var hardwareParameters: ALSAHardwareParametersSnapshot?

    private let stopRequested = Atomic<Bool>(false)
    private let failureState = Mutex<DeviceError?>(nil)
    private var device: (any PCMCaptureDevice)?
    private var periodFrames = 0
    private var thread: ReaderThread?

    /// - Throws: `IOError.config` for impossible options (rate, channels, period ≤ 0).
    public init(deviceName: String, options: ALSACaptureOptions = ALSACaptureOptions()) throws {
        guard options.sampleRateHz > 0, options.channelCount > 0, options.effectivePeriodFrames > 0 else {
            throw IOError.config("alsa:\(deviceName)", "rate, channels and period must be positive")
        }
        guard options.sampleRateHz <= 768_000, options.channelCount <= 64,
            options.effectivePeriodFrames <= options.sampleRateHz, (options.ringCapacityFrames ?? 0) <= 1 << 26
        else {
            throw IOError.config(
                "alsa:\(deviceName)", "rate ≤ 768000 Hz, channels ≤ 64, period ≤ 1 s and ring ≤ 2^26 frames")
        }
        guard (options.ringCapacityFrames ?? Int.max) >= options.effectivePeriodFrames * 2 else {
            throw IOError.config("alsa:\(deviceName)", "ring capacity must hold at least two periods")
        }
        self.deviceName = deviceName
        self.options = options
        name = "alsa:\(deviceName)"
        stream = SampleStream(
            description: StreamDescription(
                name: name, modality: options.modality, sampleRateHz: Double(options.sampleRateHz),
                channelCount: options.channelCount, sampleFormat: options.sampleFormat),
            minimumCapacityFrames: options.ringCapacityFrames)
    }

    /// Uses an already open device (tests inject a fake PCM here).
    convenience init(deviceName: String, options: ALSACaptureOptions, device: any PCMCaptureDevice) throws {
        try self.init(deviceName: deviceName, options: options)
        self.device = device
        periodFrames = options.effectivePeriodFrames
    }

    /// The error that ended capture early, if any.
    public var failure: DeviceError? { failureState.withLock { $0 } }

    public func open() throws {
        guard device == nil else { return }
        let (pcm, parameters) = try ALSAPCM.open(
            name: deviceName, displayName: name, configuration: options.configuration,
            format: options.sampleFormat, sampleRateHz: options.sampleRateHz,
            channelCount: options.channelCount, periodFrames: options.effectivePeriodFrames,
            bufferFrames: options.effectiveBufferFrames)
        guard parameters.periodFrames * 2 <= stream.ring.capacityFrames else {
            pcm.close()
            throw IOError.config(
                name,
                "device period of \(parameters.periodFrames) frames exceeds half the ring (\(stream.ring.capacityFrames) frames)"
            )
        }
        device = pcm
        periodFrames = parameters.periodFrames
        hardwareParameters = ALSAHardwareParametersSnapshot(
            periodFrames: parameters.periodFrames, bufferFrames: parameters.bufferFrames)
    }

    public func start() throws {
        guard thread == nil else { return }
        precondition(device != nil, "ALSACaptureSource.start() before open()")
        thread = try ReaderThread(name: name) { [self] in
            captureLoop(device: device!, periodFrames: periodFrames)
        }
    }

    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        if let thread {
            thread.join()
            self.thread = nil
        } else if device != nil {
            // Never started: nothing reads; just release the device.
            device?.close()
            device = nil
            stream.ring.finish()
        }
    }

    /// The reading loop: one period per read, converted into the ring without allocation.
    private func captureLoop(device: any PCMCaptureDevice, periodFrames: Int) {
        let channels = options.channelCount
        let bytesPerSample = options.sampleFormat == .s16 ? 2 : 4
        let scratch = UnsafeMutableRawPointer.allocate(
            byteCount: periodFrames * channels * bytesPerSample, alignment: 8)
        var xrunMonotonic: Int64?
        var xrunsPending: UInt64 = 0
        defer {
            if let xrunTime = xrunMonotonic {  // xruns with no good read after them: count, mark
                stream.recordXrun(count: xrunsPending, lostFrames: 0, monotonicNanoseconds: xrunTime)
            }
            scratch.deallocate()
            device.close()
            stream.ring.finish()
        }
        let ring = stream.ring
        let rate = Double(options.sampleRateHz)
        var firstMonotonic: Int64 = 0
        var started = false
        while !stopRequested.load(ordering: .relaxed) {
            // Prepared (at open and after every recovery) is not running: start it.
            let startResult = device.startCapture()
            if startResult < 0 {
                fail(reason: "cannot start capture: \(ALSAPCM.errorText(startResult))")
                return
            }
            // Wait at most 100 ms for a period, so that stop() is honoured even if the device stalls.
            let ready = device.waitReady(timeoutMilliseconds: 100)
            if ready == 0 { continue }
            let result = ready < 0 ? Int(ready) : device.readInterleaved(scratch, frames: periodFrames)
            switch ALSAReadOutcome.classify(result) {
            case .retry, .frames(0):
                continue
            case .xrun(let code):
                if xrunMonotonic == nil { xrunMonotonic = SystemClock.monotonicNanoseconds() }
                xrunsPending += 1
                let rc = device.recover(code)
                if rc < 0 {
                    fail(reason: "cannot recover from xrun: \(ALSAPCM.errorText(rc))")
                    return
                }
            case .fatal(let code):
                fail(reason: "capture failed: \(ALSAPCM.errorText(-code))")
                return
            case .frames(let n):
                let now = SystemClock.monotonicNanoseconds()
                let waiting = device.availableFrames()
                if !started {
                    started = true
                    // The newest frame read was taken `waiting` frames ago; frame 0 n frames before it.
                    firstMonotonic = now - Int64(Double(n + waiting) * 1e9 / rate)
                    let anchor = SystemClock.anchor()
                    stream.publishTimebase(
                        StreamTimebase(
                            firstSampleMonotonicNanoseconds: firstMonotonic,
                            firstSampleRealtimeNanoseconds: anchor.realtimeNanoseconds
                                - (anchor.monotonicNanoseconds - firstMonotonic)))
                }
                if let xrunTime = xrunMonotonic {
                    // Frames the clock says exist up to the end of this read, minus those delivered.
                    let expectedEnd = Int64((Double(now - firstMonotonic) * rate / 1e9).rounded()) - Int64(waiting)
                    let lost = max(0, expectedEnd - Int64(ring.producerPosition) - Int64(n))
                    stream.recordXrun(count: xrunsPending, lostFrames: UInt64(lost), monotonicNanoseconds: xrunTime)
                    xrunMonotonic = nil
                    xrunsPending = 0
                }
                guard let region = ring.acquireWrite(frames: n) else {
                    ring.dropFrames(n, monotonicNanoseconds: now)
                    continue
                }
                if bytesPerSample == 2 {
                    let source = scratch.assumingMemoryBound(to: Int16.self)
                    for i in 0..<region.first.count { region.first[i] = Int32(source[i]) }
                    let offset = region.first.count
                    for i in 0..<region.second.count { region.second[i] = Int32(source[offset + i]) }
                } else {
                    let source = scratch.assumingMemoryBound(to: Int32.self)
                    region.first.baseAddress?.update(from: source, count: region.first.count)
                    region.second.baseAddress?.update(from: source + region.first.count, count: region.second.count)
                }
                ring.commitWrite(frames: region.frames)
            }
        }
    }

    private func fail(reason: String) {
        failureState.withLock { $0 = DeviceError(device: name, reason: reason) }
    }
}

/// Period and buffer sizes the device granted.
public struct ALSAHardwareParametersSnapshot: Sendable, Equatable {
    public var periodFrames: Int
    public var bufferFrames: Int
}

extension ALSACaptureSource {
    /// Names of the PCMs that can capture on this machine (snd_device_name_hint).
    public static func captureDeviceNames() -> [String] { ALSAPCM.captureDeviceNames() }
}
