import Foundation
import Testing
@testable import CascadiaRuntime

/// Renders the SVGs with rsvg-convert (Debian librsvg2-bin) when it is installed.
enum SVGRenderer {
    static let path = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Renders `svg` to PNG; returns the PNG bytes, or nil if rsvg-convert failed.
    static func png(_ svg: String) throws -> Data? {
        let dir = NSTemporaryDirectory() + "cascadia-svg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try svg.write(toFile: dir + "/in.svg", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = ["-o", dir + "/out.png", dir + "/in.svg"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return FileManager.default.contents(atPath: dir + "/out.png")
    }

    /// Width and height from a PNG's IHDR chunk.
    static func size(_ png: Data) -> (Int, Int)? {
        let b = [UInt8](png)
        guard b.count > 24, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            b[12..<16] == [0x49, 0x48, 0x44, 0x52]
        else {
            return nil
        }
        func be(_ i: Int) -> Int { b[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}

@Suite struct ProfilerPlotTests {
    static let cdf = ProfilerPlot.latencyCDF(
        experts: [("A", "deepsense_both"), ("G", "cnn_seismic <x&y>")],
        samplesMs: [[18.1, 18.4, 19.0, 25.1, 18.2], [0.2, 0.21, 0.25, 0.2]], title: "CDF")
    static let pareto = ProfilerPlot.paretoFront(
        budgetsMs: [33.734, 47.975, 54.274, 66.529], fp: [0.0542, 0.0458, 0.0308, 0.0275],
        labels: ["CD", "ACE", "ABE", "ABC"], title: "Pareto front")

    @Test func ticksByHand() {
        #expect(SVGChart.ticks(0, 1, count: 5) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(SVGChart.ticks(33, 70, count: 6) == [40, 50, 60, 70])
        #expect(SVGChart.logTicks(0.01, 100) == [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100])
    }

    @Test func documentsCarryAxesLegendAndEscapedText() {
        #expect(Self.cdf.hasPrefix("<?xml") && Self.cdf.hasSuffix("</svg>\n"))
        #expect(Self.cdf.contains(">execution time (ms, log scale)</text>") && Self.cdf.contains(">P(time ≤ t)</text>"))
        #expect(Self.cdf.contains(">A deepsense_both</text>") && Self.cdf.contains("cnn_seismic &lt;x&amp;y&gt;"))
        #expect(Self.cdf.components(separatedBy: "<polyline").count == 3)
        #expect(
            Self.pareto.contains(">latency budget L (ms)</text>") && Self.pareto.contains(">false-positive rate</text>")
        )
        for label in ["CD", "ACE", "ABE", "ABC"] { #expect(Self.pareto.contains(">\(label)</text>")) }
    }

    @Test(
        .enabled(
            if: SVGRenderer.path != nil, "rsvg-convert not installed (Debian librsvg2-bin); SVG rendering not checked"))
    func svgsRenderToNonTrivialPNGs() throws {
        var pngs: [Data] = []
        for svg in [Self.cdf, Self.pareto] {
            let png = try #require(try SVGRenderer.png(svg), "rsvg-convert rejected the SVG")
            #expect(SVGRenderer.size(png).map { $0 == (760, 480) } == true)
            #expect(png.count > 8000, "a plot with axes, text and lines is not a blank image")
            pngs.append(png)
        }
        #expect(pngs[0] != pngs[1])
        // A broken document is refused, so the check above can fail.
        #expect(try SVGRenderer.png("<svg xmlns=\"http://www.w3.org/2000/svg\"><polyline points=") == nil)
    }
}
