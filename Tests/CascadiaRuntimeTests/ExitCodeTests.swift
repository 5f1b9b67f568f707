import Testing
@testable import CascadiaRuntime

@Test func exitCodesFollowSysexits() {
    #expect(ExitCode.usage.rawValue == 64)
    #expect(ExitCode.data.rawValue == 65)
    #expect(ExitCode.unavailable.rawValue == 69)
    #expect(ExitCode.config.rawValue == 78)
}
