// swift-tools-version:6.0
// Cascadia: a real-time cascade-of-experts runtime for acoustic + seismic hazard detection.
import PackageDescription

let package = Package(
    name: "Cascadia",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cascadia", targets: ["cascadia"]),
        .library(name: "CascadiaCore", targets: ["CascadiaCore"]),
    ],
    targets: [
        // MARK: C libraries from Debian (SPEC §7), wrapped as system libraries.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CMseed", pkgConfig: "mseed", providers: [.apt(["libmseed-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // Linux spidev/i2c-dev ioctl helpers (kernel UAPI headers from linux-libc-dev; nothing to link).
        .systemLibrary(name: "CLinuxDev"),

        // MARK: C inner loop: fixed-point kernels and the DSP front end.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-strict-aliasing"])],
            linkerSettings: [.linkedLibrary("m")]
        ),

        // MARK: Swift modules. Dependencies point one way:
        // cascadia → Runtime → {Core, Models → CKernels, IO → C shims}.
        .target(name: "CascadiaCore"),
        .target(name: "CascadiaModels", dependencies: ["CascadiaCore", "CKernels"]),
        .target(
            name: "CascadiaIO",
            dependencies: ["CascadiaCore", "CALSA", "CGPIOD", "CSndfile", "CMseed", "CLinuxDev"]
        ),
        .target(
            name: "CascadiaRuntime",
            dependencies: ["CascadiaCore", "CascadiaModels", "CascadiaIO", "CSystemd"]
        ),
        .executableTarget(
            name: "cascadia",
            dependencies: ["CascadiaCore", "CascadiaModels", "CascadiaIO", "CascadiaRuntime"]
        ),
        .executableTarget(
            name: "cascadia-bench",
            dependencies: ["CascadiaCore", "CascadiaModels", "CascadiaIO", "CascadiaRuntime"]
        ),

        // MARK: Tests (one file per type under test).
        .testTarget(name: "CascadiaCoreTests", dependencies: ["CascadiaCore"]),
        .systemLibrary(name: "CMallocInfo", path: "Tests/CMallocInfo"),
        .testTarget(
            name: "CascadiaModelsTests", dependencies: ["CascadiaModels", "CKernels", "CMallocInfo"], exclude: ["Golden"]),
        .testTarget(name: "CascadiaIOTests", dependencies: ["CascadiaIO"]),
        .testTarget(name: "CascadiaRuntimeTests", dependencies: ["CascadiaRuntime"]),
        .testTarget(name: "CLITests", dependencies: ["CascadiaCore", "CascadiaRuntime"]),
    ]
)
