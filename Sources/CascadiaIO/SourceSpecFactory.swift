/// A device source (ADC, Raspberry Shake) whose reading thread may end on a device error, e.g. an
/// SPI transfer failing when the board loses power; the ring is then finished.
public protocol DeviceSource: Source {
    /// The error that ended the reading thread; nil while running or after a clean stop.
    var runError: DeviceError? { get }
}

/// Builds a `Source` from a `SourceSpec`.
///
/// The seismic ADC and Raspberry Shake sources are built here. ALSA capture and file replay are
/// built by the closures the caller passes (`alsa`, `file`), so this file does not depend on how
/// those sources are constructed; the runtime wires them to the ALSA and replay sources.
public struct SourceFactory: Sendable {
    /// Builds an ALSA capture source for a PCM name (`plughw:CARD=Device,DEV=0`).
    public var alsa: @Sendable (_ device: String) throws -> any Source
    /// Builds a replay source for a recording path.
    public var file: @Sendable (_ path: String) throws -> any Source

    public init(
        alsa: @escaping @Sendable (_ device: String) throws -> any Source,
        file: @escaping @Sendable (_ path: String) throws -> any Source
    ) {
        self.alsa = alsa
        self.file = file
    }

    /// The source for `spec`; nothing is opened until the source's `open()`.
    public func makeSource(_ spec: SourceSpec) throws -> any Source {
        switch spec {
        case .alsa(let device): try alsa(device)
        case .file(let path): try file(path)
        case .ads1256(let s): Self.ads1256(s)
        case .ads1115(let s): Self.ads1115(s)
        case .shake(let s): ShakeSource(spec: s)
        }
    }

    /// An ADS1256 on spidev with DRDY through libgpiod; `open()` opens both (DeviceError, exit 69)
    /// and configures the chip.
    public static func ads1256(_ spec: ADS1256SourceSpec) -> any Source {
        let name = SourceSpec.ads1256(spec).description
        let configuration = spec.configuration
        return DataReadySource<ADS1256Device>(
            name: name, description: configuration.streamDescription(name: name),
            clock: { SystemClock.monotonicNanoseconds() }
        ) { () throws(DeviceError) in
            let spi = try SPIDevBus(path: spec.spiDevice)
            let line = try LibgpiodEdgeLine(chipName: spec.dataReady.chip, offset: spec.dataReady.offset)
            return (ADS1256Device(spi: spi, configuration: configuration), line)
        }
    }

    /// An ADS1115 on i2c-dev with ALERT/RDY through libgpiod; `open()` opens both (DeviceError,
    /// exit 69) and configures the chip.
    public static func ads1115(_ spec: ADS1115SourceSpec) -> any Source {
        let name = SourceSpec.ads1115(spec).description
        let configuration = spec.configuration
        return DataReadySource<ADS1115Device>(
            name: name, description: configuration.streamDescription(name: name),
            clock: { SystemClock.monotonicNanoseconds() }
        ) { () throws(DeviceError) in
            let i2c = try I2CDevBus(path: spec.i2cDevice)
            let line = try LibgpiodEdgeLine(chipName: spec.alert.chip, offset: spec.alert.offset)
            return (ADS1115Device(i2c: i2c, configuration: configuration), line)
        }
    }
}

extension SourceFactory {
    /// The factory for one stream: ALSA capture (`ALSACaptureSource`) and replay (`ReplaySource`)
    /// with the stream's rate, channel count and ALSA period/buffer; every other kind as above.
    /// `replaySpeed` 0 replays as fast as possible, otherwise paced at real time × speed. Replayed
    /// files must have exactly `sampleRateHz` and `channels` (else IOError, exit 65).
    public static func standard(
        modality: Modality, sampleRateHz: Double, channels: Int = 1, periodFrames: Int? = nil,
        bufferFrames: Int? = nil, replaySpeed: Double = 1, epoch: ReplayEpoch? = nil
    ) -> SourceFactory {
        SourceFactory(
            alsa: { device in
                var options = ALSACaptureOptions()
                options.modality = modality
                options.sampleRateHz = Int(sampleRateHz)
                options.channelCount = channels
                options.periodFrames = periodFrames
                options.bufferFrames = bufferFrames
                return try ALSACaptureSource(deviceName: device, options: options)
            },
            file: { path in
                var options = ReplayOptions()
                options.pacing = replaySpeed == 0 ? .asFastAsPossible : .realTime(speed: replaySpeed)
                options.expectedSampleRateHz = sampleRateHz
                options.expectedChannelCount = channels
                options.epoch = epoch
                return try ReplaySource(path: path, options: options)
            })
    }
}

extension BoardConfig {
    /// The board's sources (acoustic first), built but not opened. Pass one `epoch` when several
    /// `file:` sources must stay aligned to the recordings' common start time.
    public func makeSources(epoch: ReplayEpoch? = nil) throws -> [(modality: Modality, source: any Source)] {
        var sources: [(modality: Modality, source: any Source)] = []
        for (modality, stream) in [(Modality.acoustic, acoustic), (.seismic, seismic)] {
            guard let stream else { continue }
            let factory = SourceFactory.standard(
                modality: modality, sampleRateHz: stream.sampleRateHz, channels: stream.channels,
                periodFrames: stream.periodFrames, bufferFrames: stream.bufferFrames, replaySpeed: replaySpeed,
                epoch: epoch)
            sources.append((modality, try factory.makeSource(stream.source)))
        }
        return sources
    }
}
