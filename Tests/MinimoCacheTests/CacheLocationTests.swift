import Foundation
import Testing

@testable import MinimoCache

@Suite struct CacheLocationTests {
    @Test func followsXDGThenHomeAndHonoursOverrides() {
        #expect(CacheLocation.resolve(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/h"]).directory.path == "/x/cache/minimo")
        #expect(CacheLocation.resolve(environment: ["HOME": "/h"]).directory.path == "/h/.cache/minimo")
        #expect(CacheLocation.resolve(environment: ["MINIMO_CACHE_DIR": "/m", "HOME": "/h"]).directory.path == "/m")
        #expect(CacheLocation.resolve(override: "/o", environment: ["MINIMO_CACHE_DIR": "/m"]).directory.path == "/o")
    }

    @Test func profileNamesCannotEscapeTheDirectory() {
        let location = CacheLocation(directory: URL(fileURLWithPath: "/c"))
        #expect(location.databaseURL(profile: "acme").lastPathComponent == "acme.sqlite")
        #expect(location.databaseURL(profile: "../../etc/passwd").path == "/c/______etc_passwd.sqlite")
    }

    @Test func directoryIsCreatedPrivate() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-cache-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("minimo"), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let location = CacheLocation(directory: root.appendingPathComponent("minimo"))
        try location.prepare()
        let mode = try FileManager.default.attributesOfItem(atPath: location.directory.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }
}
