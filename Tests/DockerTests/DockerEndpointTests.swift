import Foundation
import Testing
@testable import Docker

/// A fake home folder with a docker config folder, removed when dropped.
final class FakeDockerHome {
    let home: String
    var config: String { home + "/.docker" }

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("buildtop-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.docker", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: home)
    }

    func writeConfig(_ json: String, in directory: String? = nil) throws {
        let folder = directory ?? config
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(json.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
    }

    func touch(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("pem".utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Creates a context like `docker context create` does.
    func addContext(
        _ name: String, host: String, skipTLSVerify: Bool = false, tlsFiles: [String] = [], in directory: String? = nil
    ) throws -> String {
        let folder = directory ?? config
        let digest = EndpointSHA256.hexDigest(Array(name.utf8))
        let meta = "\(folder)/contexts/meta/\(digest)"
        try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
        let json = """
            {"Name":"\(name)","Metadata":{"Description":"test"},"Endpoints":{"docker":{"Host":"\(host)","SkipTLSVerify":\(skipTLSVerify)}}}
            """
        try Data(json.utf8).write(to: URL(fileURLWithPath: meta + "/meta.json"))
        let tls = "\(folder)/contexts/tls/\(digest)/docker"
        if !tlsFiles.isEmpty {
            try FileManager.default.createDirectory(atPath: tls, withIntermediateDirectories: true)
            for file in tlsFiles { try touch(tls + "/" + file) }
        }
        return tls
    }

    func resolve(host: String? = nil, context: String? = nil, _ environment: [String: String] = [:]) throws(EndpointError)
        -> DockerEndpoint
    {
        try DockerEndpoint.resolve(hostFlag: host, contextFlag: context, environment: environment, homeDirectory: home)
    }
}

@Suite("DockerEndpoint")
struct DockerEndpointTests {
    // MARK: SHA-256

    @Test("SHA-256 known vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("The quick brown fox jumps over the lazy dog",
         "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
        ("default", "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"),
    ])
    func sha256(_ input: String, _ expected: String) {
        #expect(EndpointSHA256.hexDigest(Array(input.utf8)) == expected)
    }

    @Test func sha256OfAMillionAs() {
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(EndpointSHA256.hexDigest(input) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func sha256AroundBlockBoundaries() {
        // 55, 56 and 64 bytes exercise the padding edge cases; compare against precomputed digests.
        #expect(EndpointSHA256.hexDigest([UInt8](repeating: 0x61, count: 55))
                == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(EndpointSHA256.hexDigest([UInt8](repeating: 0x61, count: 56))
                == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(EndpointSHA256.hexDigest([UInt8](repeating: 0x61, count: 64))
                == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    // MARK: Context choice precedence

    @Test func nothingSetUsesTheDefaultSocket() throws {
        let home = try FakeDockerHome()
        let endpoint = try home.resolve()
        #expect(endpoint == DockerEndpoint(
            transport: .unix(path: "/var/run/docker.sock"), tls: nil, contextName: "default",
            host: "unix:///var/run/docker.sock"))
    }

    @Test func contextFlagWinsOverEverything() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("flag", host: "unix:///flag.sock")
        _ = try home.addContext("env", host: "unix:///env.sock")
        try home.writeConfig(#"{"currentContext":"env"}"#)
        let endpoint = try home.resolve(context: "flag", ["DOCKER_HOST": "tcp://ignored:1", "DOCKER_CONTEXT": "env"])
        #expect(endpoint.contextName == "flag")
        #expect(endpoint.transport == .unix(path: "/flag.sock"))
    }

    @Test func hostFlagUsesTheDefaultContext() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("env", host: "unix:///env.sock")
        try home.writeConfig(#"{"currentContext":"env"}"#)
        let endpoint = try home.resolve(host: "tcp://build.example:2375", ["DOCKER_CONTEXT": "env", "DOCKER_HOST": "unix:///x"])
        #expect(endpoint.contextName == "default")
        #expect(endpoint.transport == .tcp(host: "build.example", port: 2375))
        #expect(endpoint.host == "tcp://build.example:2375")
    }

    @Test func dockerHostBeatsDockerContextAndConfig() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("env", host: "unix:///env.sock")
        try home.writeConfig(#"{"currentContext":"env"}"#)
        let endpoint = try home.resolve(["DOCKER_HOST": "unix:///run/user/1000/docker.sock", "DOCKER_CONTEXT": "env"])
        #expect(endpoint.contextName == "default")
        #expect(endpoint.transport == .unix(path: "/run/user/1000/docker.sock"))
    }

    @Test func dockerContextBeatsConfig() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("env", host: "unix:///env.sock")
        _ = try home.addContext("config", host: "unix:///config.sock")
        try home.writeConfig(#"{"currentContext":"config"}"#)
        let endpoint = try home.resolve(["DOCKER_CONTEXT": "env"])
        #expect(endpoint.contextName == "env")
        #expect(endpoint.transport == .unix(path: "/env.sock"))
    }

    @Test func configCurrentContextIsUsed() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("desktop-linux", host: "unix:///home/u/.docker/desktop/docker.sock")
        try home.writeConfig(#"{"auths":{},"currentContext":"desktop-linux"}"#)
        let endpoint = try home.resolve()
        #expect(endpoint.contextName == "desktop-linux")
        #expect(endpoint.transport == .unix(path: "/home/u/.docker/desktop/docker.sock"))
        #expect(endpoint.host == "unix:///home/u/.docker/desktop/docker.sock")
    }

    @Test func dockerConfigVariableMovesTheConfigFolder() throws {
        let home = try FakeDockerHome()
        let other = home.home + "/elsewhere"
        _ = try home.addContext("moved", host: "tcp://10.0.0.5:2375", in: other)
        try home.writeConfig(#"{"currentContext":"moved"}"#, in: other)
        try home.writeConfig(#"{"currentContext":"not-this-one"}"#)
        let endpoint = try home.resolve(["DOCKER_CONFIG": other])
        #expect(endpoint.contextName == "moved")
        #expect(endpoint.transport == .tcp(host: "10.0.0.5", port: 2375))
        #expect(endpoint.tls == nil)
    }

    @Test func invalidConfigFileIsIgnored() throws {
        let home = try FakeDockerHome()
        try home.writeConfig("{not json")
        #expect(try home.resolve().contextName == "default")
    }

    @Test func defaultContextNameInConfigMeansTheDefaultEndpoint() throws {
        let home = try FakeDockerHome()
        try home.writeConfig(#"{"currentContext":"default"}"#)
        #expect(try home.resolve(["DOCKER_HOST": ""]).transport == .unix(path: "/var/run/docker.sock"))
    }

    @Test func contextAndHostTogetherFail() throws {
        let home = try FakeDockerHome()
        #expect(throws: EndpointError(description: "conflicting options: cannot specify both --host and --context")) {
            _ = try home.resolve(host: "tcp://a:1", context: "x")
        }
        // An empty --context is the same as no flag.
        #expect(try home.resolve(host: "tcp://a:1", context: "").contextName == "default")
    }

    @Test func unknownContextFails() throws {
        let home = try FakeDockerHome()
        do {
            _ = try home.resolve(context: "nope")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("context \"nope\": context not found"))
            #expect(!error.description.contains("\n"))
        }
    }

    // MARK: Host parsing (opts.ParseHost)

    @Test("default context hosts", arguments: [
        ("unix:///var/run/docker.sock", DockerEndpoint.Transport.unix(path: "/var/run/docker.sock"), "unix:///var/run/docker.sock"),
        ("unix://", .unix(path: "/var/run/docker.sock"), "unix:///var/run/docker.sock"),
        ("/tmp/d.sock", .unix(path: "/tmp/d.sock"), "unix:///tmp/d.sock"),
        ("./d.sock", .unix(path: "./d.sock"), "unix://./d.sock"),
        ("tcp://1.2.3.4:2376", .tcp(host: "1.2.3.4", port: 2376), "tcp://1.2.3.4:2376"),
        ("tcp://1.2.3.4", .tcp(host: "1.2.3.4", port: 2375), "tcp://1.2.3.4:2375"),
        ("tcp://", .tcp(host: "localhost", port: 2375), "tcp://localhost:2375"),
        ("tcp://:7777", .tcp(host: "localhost", port: 7777), "tcp://localhost:7777"),
        ("myhost:3000", .tcp(host: "myhost", port: 3000), "tcp://myhost:3000"),
        ("myhost", .tcp(host: "myhost", port: 2375), "tcp://myhost:2375"),
        ("tcp://[::1]:2376", .tcp(host: "::1", port: 2376), "tcp://[::1]:2376"),
        ("tcp://[::1]:", .tcp(host: "::1", port: 2375), "tcp://[::1]:2375"),
        ("tcp://::1", .tcp(host: "::1", port: 2375), "tcp://[::1]:2375"),
        ("tcp://user@h:5/p", .tcp(host: "h", port: 5), "tcp://h:5/p"),
        ("  tcp://spaced:1  ", .tcp(host: "spaced", port: 1), "tcp://spaced:1"),
        ("ssh://me@builder:2222", .ssh("ssh://me@builder:2222"), "ssh://me@builder:2222"),
    ])
    func defaultHosts(_ given: String, _ transport: DockerEndpoint.Transport, _ normalized: String) throws {
        let home = try FakeDockerHome()
        let endpoint = try home.resolve(["DOCKER_HOST": given])
        #expect(endpoint.transport == transport)
        #expect(endpoint.host == normalized)
        #expect(endpoint.tls == nil)
    }

    @Test("unsupported or malformed hosts", arguments: [
        "npipe:////./pipe/docker_engine", "fd://", "http://example", "tcp://host:abc", "tcp://a://b", "unix://a://b",
    ])
    func badHosts(_ given: String) throws {
        let home = try FakeDockerHome()
        #expect(throws: EndpointError.self) { _ = try home.resolve(host: given) }
    }

    // MARK: TLS

    @Test func tlsVerifyUsesTheConfigFolderCertificates() throws {
        let home = try FakeDockerHome()
        try home.touch(home.config + "/ca.pem")
        try home.touch(home.config + "/cert.pem")
        try home.touch(home.config + "/key.pem")
        let endpoint = try home.resolve(["DOCKER_HOST": "tcp://secure:2376", "DOCKER_TLS_VERIFY": "1"])
        #expect(endpoint.tls == TLSFiles(
            caPath: home.config + "/ca.pem", certPath: home.config + "/cert.pem", keyPath: home.config + "/key.pem",
            verify: true))
    }

    @Test func tlsWithoutHostDefaultsToLocalhost2376() throws {
        let home = try FakeDockerHome()
        let endpoint = try home.resolve(["DOCKER_TLS": "1"])
        #expect(endpoint.transport == .tcp(host: "localhost", port: 2376))
        #expect(endpoint.tls == TLSFiles(caPath: nil, certPath: nil, keyPath: nil, verify: false))
    }

    @Test func certPathVariableAndMissingFiles() throws {
        let home = try FakeDockerHome()
        let certs = home.home + "/certs"
        try home.touch(certs + "/ca.pem")
        let endpoint = try home.resolve(["DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs])
        #expect(endpoint.tls == TLSFiles(caPath: certs + "/ca.pem", certPath: nil, keyPath: nil, verify: true))
    }

    @Test func tlsIsNotUsedForUnixSockets() throws {
        let home = try FakeDockerHome()
        let endpoint = try home.resolve(["DOCKER_HOST": "unix:///x.sock", "DOCKER_TLS_VERIFY": "1"])
        #expect(endpoint.tls == nil)
    }

    @Test func noTLSWithoutTheVariables() throws {
        let home = try FakeDockerHome()
        try home.touch(home.config + "/ca.pem")
        #expect(try home.resolve(["DOCKER_HOST": "tcp://h:2376"]).tls == nil)
    }

    @Test func namedContextWithTLSFiles() throws {
        let home = try FakeDockerHome()
        let tls = try home.addContext("remote", host: "tcp://remote.example:2376", tlsFiles: ["ca.pem", "cert.pem", "key.pem"])
        let endpoint = try home.resolve(context: "remote")
        #expect(endpoint.transport == .tcp(host: "remote.example", port: 2376))
        #expect(endpoint.tls == TLSFiles(caPath: tls + "/ca.pem", certPath: tls + "/cert.pem", keyPath: tls + "/key.pem", verify: true))
        #expect(endpoint.host == "tcp://remote.example:2376")
    }

    @Test func namedContextWithOnlySomeFilesAndSkipVerify() throws {
        let home = try FakeDockerHome()
        let tls = try home.addContext("partial", host: "tcp://p:2376", skipTLSVerify: true, tlsFiles: ["ca.pem"])
        let endpoint = try home.resolve(context: "partial")
        #expect(endpoint.tls == TLSFiles(caPath: tls + "/ca.pem", certPath: nil, keyPath: nil, verify: false))
    }

    @Test func namedContextSkipVerifyWithoutFiles() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("insecure", host: "tcp://i:2376", skipTLSVerify: true)
        #expect(try home.resolve(context: "insecure").tls == TLSFiles(caPath: nil, certPath: nil, keyPath: nil, verify: false))
    }

    @Test func namedContextWithoutTLSIsPlain() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("plain", host: "tcp://plain:2375")
        #expect(try home.resolve(context: "plain").tls == nil)
    }

    @Test func namedContextSSHAndEmptyHost() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("remote-ssh", host: "ssh://user@box")
        _ = try home.addContext("empty", host: "")
        #expect(try home.resolve(context: "remote-ssh").transport == .ssh("ssh://user@box"))
        #expect(try home.resolve(context: "empty").transport == .unix(path: "/var/run/docker.sock"))
    }

    @Test func namedContextIgnoresTLSEnvironment() throws {
        let home = try FakeDockerHome()
        _ = try home.addContext("plain", host: "tcp://plain:2375")
        let endpoint = try home.resolve(context: "plain", ["DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/nowhere"])
        #expect(endpoint.tls == nil)
    }
}
