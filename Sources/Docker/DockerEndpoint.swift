import Foundation

/// TLS material for a tcp:// engine endpoint (paths of the PEM files that exist).
public struct TLSFiles: Sendable, Equatable {
    /// CA certificate bundle (`ca.pem`), nil to use the system trust roots.
    public var caPath: String?
    /// Client certificate (`cert.pem`).
    public var certPath: String?
    /// Client key (`key.pem`).
    public var keyPath: String?
    /// Whether the server certificate is verified.
    public var verify: Bool

    /// Creates TLS settings.
    public init(caPath: String?, certPath: String?, keyPath: String?, verify: Bool) {
        self.caPath = caPath
        self.certPath = certPath
        self.keyPath = keyPath
        self.verify = verify
    }
}

/// A Docker Engine endpoint resolved from flags, environment and docker CLI configuration, like the docker CLI does.
public struct DockerEndpoint: Sendable, Equatable {
    /// How to reach the engine.
    public enum Transport: Sendable, Equatable {
        /// A unix socket at this path.
        case unix(path: String)
        /// A TCP host (no brackets for IPv6) and port.
        case tcp(host: String, port: Int)
        /// An `ssh://[user@]host[:port]` URL, unchanged.
        case ssh(String)
    }

    /// How to reach the engine.
    public var transport: Transport
    /// TLS settings; nil for plain HTTP and for unix/ssh transports.
    public var tls: TLSFiles?
    /// The docker context the endpoint comes from ("default" for -H, DOCKER_HOST and no context).
    public var contextName: String
    /// The host string the endpoint was made from (as the docker CLI normalizes it for the default context).
    public var host: String

    /// Creates an endpoint.
    public init(transport: Transport, tls: TLSFiles?, contextName: String, host: String) {
        self.transport = transport
        self.tls = tls
        self.contextName = contextName
        self.host = host
    }

    static let defaultContextName = "default"
    static let defaultUnixSocket = "/var/run/docker.sock"
    static let defaultHost = "unix:///var/run/docker.sock"
    static let defaultTCPHost = "tcp://localhost:2375"
    static let defaultTLSHost = "tcp://localhost:2376"

    /// Resolves the endpoint from `-H`/`--host`, `--context`, the environment and `$DOCKER_CONFIG` like the docker CLI.
    public static func resolve(
        hostFlag: String?, contextFlag: String?, environment: [String: String], homeDirectory: String
    ) throws(EndpointError) -> DockerEndpoint {
        let contextOption = contextFlag ?? ""
        if !contextOption.isEmpty && hostFlag != nil {
            throw EndpointError(description: "conflicting options: cannot specify both --host and --context")
        }
        let configDirectory = configDirectory(environment: environment, homeDirectory: homeDirectory)
        let name = contextName(
            contextFlag: contextOption, hostFlag: hostFlag, environment: environment, configDirectory: configDirectory)
        if name == defaultContextName {
            return try resolveDefault(hostFlag: hostFlag, environment: environment, configDirectory: configDirectory)
        }
        return try resolveNamed(name, configDirectory: configDirectory)
    }

    // MARK: - Context choice (docker/cli resolveContextName)

    static func configDirectory(environment: [String: String], homeDirectory: String) -> String {
        if let directory = environment["DOCKER_CONFIG"], !directory.isEmpty { return directory }
        return (homeDirectory as NSString).appendingPathComponent(".docker")
    }

    static func contextName(
        contextFlag: String, hostFlag: String?, environment: [String: String], configDirectory: String
    ) -> String {
        if !contextFlag.isEmpty { return contextFlag }
        if hostFlag != nil { return defaultContextName }
        if let host = environment["DOCKER_HOST"], !host.isEmpty { return defaultContextName }
        if let name = environment["DOCKER_CONTEXT"], !name.isEmpty { return name }
        if let name = currentContextFromConfig(configDirectory), !name.isEmpty { return name }
        return defaultContextName
    }

    /// `currentContext` of `config.json`; like the CLI, an unreadable or invalid file counts as empty.
    static func currentContextFromConfig(_ configDirectory: String) -> String? {
        let path = (configDirectory as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let dictionary = object as? [String: Any] else {
            return nil
        }
        return jsonField(dictionary, "currentContext") as? String
    }

    /// Go's encoding/json field lookup: exact key first, then a case-insensitive match.
    static func jsonField(_ dictionary: [String: Any], _ name: String) -> Any? {
        if let value = dictionary[name] { return value }
        let lowered = name.lowercased()
        return dictionary.first(where: { $0.key.lowercased() == lowered })?.value
    }

    // MARK: - The default context (docker/cli resolveDefaultDockerEndpoint)

    static func resolveDefault(
        hostFlag: String?, environment: [String: String], configDirectory: String
    ) throws(EndpointError) -> DockerEndpoint {
        let verify = !(environment["DOCKER_TLS_VERIFY"] ?? "").isEmpty
        let tlsOn = verify || !(environment["DOCKER_TLS"] ?? "").isEmpty
        let given = hostFlag ?? environment["DOCKER_HOST"] ?? ""
        let host = try parseHost(defaultToTLS: tlsOn, given)
        let transport = try transport(forNormalizedHost: host, defaultPort: tlsOn ? 2376 : 2375)
        var tls: TLSFiles?
        if tlsOn, case .tcp = transport {
            var certDirectory = environment["DOCKER_CERT_PATH"] ?? ""
            if certDirectory.isEmpty { certDirectory = configDirectory }
            tls = TLSFiles(
                caPath: existingFile(certDirectory, "ca.pem"),
                certPath: existingFile(certDirectory, "cert.pem"),
                keyPath: existingFile(certDirectory, "key.pem"),
                verify: verify
            )
        }
        return DockerEndpoint(transport: transport, tls: tls, contextName: defaultContextName, host: host)
    }

    private static func existingFile(_ directory: String, _ name: String) -> String? {
        let path = (directory as NSString).appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        return path
    }

    // MARK: - Named contexts (docker/cli context store)

    static func resolveNamed(_ name: String, configDirectory: String) throws(EndpointError) -> DockerEndpoint {
        let digest = EndpointSHA256.hexDigest(Array(name.utf8))
        let contexts = (configDirectory as NSString).appendingPathComponent("contexts")
        let metaPath = ((contexts as NSString).appendingPathComponent("meta") as NSString)
            .appendingPathComponent(digest + "/meta.json")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: metaPath, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw EndpointError(
                description: "context \"\(name)\": context not found: open \(metaPath): no such file or directory")
        }
        guard let data = FileManager.default.contents(atPath: metaPath) else {
            throw EndpointError(description: "context \"\(name)\": cannot read \(metaPath)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw EndpointError(description: "context \"\(name)\": parsing \(metaPath): invalid JSON")
        }
        guard let meta = object as? [String: Any] else {
            throw EndpointError(description: "context \"\(name)\": parsing \(metaPath): not a JSON object")
        }
        guard let endpoints = jsonField(meta, "Endpoints") as? [String: Any],
              let docker = endpoints["docker"] as? [String: Any] else {
            throw EndpointError(description: "context \"\(name)\": cannot find docker endpoint in context")
        }
        let skipVerify = jsonField(docker, "SkipTLSVerify") as? Bool ?? false
        var host = jsonField(docker, "Host") as? String ?? ""
        if host.isEmpty { host = defaultHost }

        // TLS data exists when contexts/tls/<digest>/docker is a folder (docker/cli LoadTLSData).
        let tlsDirectory = ((contexts as NSString).appendingPathComponent("tls") as NSString)
            .appendingPathComponent(digest + "/docker")
        let hasTLSData = FileManager.default.fileExists(atPath: tlsDirectory, isDirectory: &isDirectory)
            && isDirectory.boolValue
        let tlsOn = hasTLSData || skipVerify
        let transport = try transport(forContextHost: host, defaultPort: tlsOn ? 2376 : 2375)
        var tls: TLSFiles?
        if tlsOn, case .tcp = transport {
            tls = TLSFiles(
                caPath: hasTLSData ? existingFile(tlsDirectory, "ca.pem") : nil,
                certPath: hasTLSData ? existingFile(tlsDirectory, "cert.pem") : nil,
                keyPath: hasTLSData ? existingFile(tlsDirectory, "key.pem") : nil,
                verify: !skipVerify
            )
        }
        return DockerEndpoint(transport: transport, tls: tls, contextName: name, host: host)
    }

    // MARK: - Host parsing (docker/cli opts.ParseHost)

    /// docker/cli `opts.ParseHost`: the normalized host string.
    static func parseHost(defaultToTLS: Bool, _ value: String) throws(EndpointError) -> String {
        let host = IgnoreText.trimSpace(value)
        if host.isEmpty {
            return defaultToTLS ? defaultTLSHost : defaultHost
        }
        return try parseDaemonHost(host)
    }

    /// docker/cli `parseDockerDaemonHost`.
    static func parseDaemonHost(_ address: String) throws(EndpointError) -> String {
        var proto: String
        var rest: String
        if let range = address.range(of: "://") {
            proto = String(address[..<range.lowerBound])
            rest = String(address[range.upperBound...])
        } else {
            rest = address
            proto = address.hasPrefix("/") || address.hasPrefix("./") ? "unix" : "tcp"
        }
        switch proto {
        case "tcp":
            return try parseTCPAddress(rest, defaultAddress: defaultTCPHost)
        case "unix":
            return try parseSimpleProtoAddress("unix", rest, defaultAddress: defaultUnixSocket)
        case "ssh":
            return address
        case "npipe", "fd":
            throw EndpointError(description: "\(proto):// engine hosts are not supported: \(address)")
        default:
            throw EndpointError(description: "invalid bind address format: \(address)")
        }
    }

    static func parseSimpleProtoAddress(_ proto: String, _ addressIn: String, defaultAddress: String) throws(EndpointError) -> String {
        var address = addressIn
        if address.hasPrefix(proto + "://") { address.removeFirst(proto.count + 3) }
        if address.contains("://") {
            throw EndpointError(description: "invalid proto, expected \(proto): \(address)")
        }
        if address.isEmpty { address = defaultAddress }
        return "\(proto)://\(address)"
    }

    /// docker/cli `ParseTCPAddr`.
    static func parseTCPAddress(_ tryAddress: String, defaultAddress: String) throws(EndpointError) -> String {
        if tryAddress.isEmpty || tryAddress == "tcp://" { return defaultAddress }
        var address = tryAddress.hasPrefix("tcp://") ? String(tryAddress.dropFirst(6)) : tryAddress
        if address.contains("://") || address.isEmpty {
            throw EndpointError(description: "invalid proto, expected tcp: \(tryAddress)")
        }
        let defaultHostPort = String(defaultAddress.dropFirst("tcp://".count))
        guard case .success(let (defaultHost, defaultPort)) = splitHostPort(defaultHostPort) else {
            throw EndpointError(description: "invalid default address \(defaultAddress)")
        }
        if address.hasSuffix("]:") { address += defaultPort }
        let (authority, path) = try urlHostAndPath("tcp://" + address)
        var host: String
        var port: String
        switch splitHostPort(authority) {
        case .success(let parts):
            (host, port) = parts
        case .failure:
            switch splitHostPort(joinHostPort(authority, defaultPort)) {
            case .success(let parts):
                (host, port) = parts
            case .failure:
                throw EndpointError(description: "invalid bind address format: \(tryAddress)")
            }
        }
        if host.isEmpty { host = defaultHost }
        if port.isEmpty { port = defaultPort }
        if Int(port) == nil && !(port.allSatisfy(isDigit) && !port.isEmpty) {
            throw EndpointError(description: "invalid bind address format: \(tryAddress)")
        }
        return "tcp://\(joinHostPort(host, port))\(path)"
    }

    /// The host (authority without user info) and path of a URL, with Go's `url.Parse` port check.
    static func urlHostAndPath(_ url: String) throws(EndpointError) -> (String, String) {
        guard let schemeEnd = url.range(of: "://") else { return ("", "") }
        var rest = String(url[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = String(rest[..<hash]) }
        if let query = rest.firstIndex(of: "?") { rest = String(rest[..<query]) }
        var authority = rest
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = String(rest[..<slash])
            path = String(rest[slash...])
        }
        if let at = authority.lastIndex(of: "@") {
            authority = String(authority[authority.index(after: at)...])
        }
        // validOptionalPort on what follows the host.
        var portPart: Substring = ""
        if authority.hasPrefix("[") {
            guard let close = authority.lastIndex(of: "]") else {
                throw EndpointError(description: "parse \"\(url)\": missing ']' in host")
            }
            portPart = authority[authority.index(after: close)...]
        } else if let colon = authority.lastIndex(of: ":") {
            portPart = authority[colon...]
        }
        if !portPart.isEmpty {
            guard portPart.first == ":", portPart.dropFirst().allSatisfy(isDigit) else {
                throw EndpointError(description: "parse \"\(url)\": invalid port \"\(portPart)\" after host")
            }
        }
        return (authority, path)
    }

    struct AddressError: Error {}

    private static func isDigit(_ character: Character) -> Bool {
        character >= "0" && character <= "9"
    }

    /// Go's `net.SplitHostPort`.
    static func splitHostPort(_ hostPort: String) -> Result<(String, String), AddressError> {
        let bytes = Array(hostPort.utf8)
        guard let lastColon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return .failure(AddressError()) }
        var host: [UInt8]
        var searchOpen = 0
        var searchClose = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let end = bytes.firstIndex(of: UInt8(ascii: "]")) else { return .failure(AddressError()) }
            if end + 1 == bytes.count || end + 1 != lastColon { return .failure(AddressError()) }
            host = Array(bytes[1..<end])
            searchOpen = 1
            searchClose = end + 1
        } else {
            host = Array(bytes[0..<lastColon])
            if host.contains(UInt8(ascii: ":")) { return .failure(AddressError()) }
        }
        if bytes[searchOpen...].contains(UInt8(ascii: "[")) { return .failure(AddressError()) }
        if bytes[searchClose...].contains(UInt8(ascii: "]")) { return .failure(AddressError()) }
        let port = Array(bytes[(lastColon + 1)...])
        return .success((String(decoding: host, as: UTF8.self), String(decoding: port, as: UTF8.self)))
    }

    /// Go's `net.JoinHostPort`.
    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The transport of a host string normalized by `parseHost`.
    static func transport(forNormalizedHost host: String, defaultPort: Int) throws(EndpointError) -> Transport {
        try transport(forContextHost: host, defaultPort: defaultPort)
    }

    /// The transport of a `scheme://…` host string (the docker client's `ParseHostURL`).
    static func transport(forContextHost host: String, defaultPort: Int) throws(EndpointError) -> Transport {
        guard let range = host.range(of: "://") else {
            throw EndpointError(description: "unable to parse docker host `\(host)`")
        }
        let proto = String(host[..<range.lowerBound])
        let address = String(host[range.upperBound...])
        if address.isEmpty {
            throw EndpointError(description: "unable to parse docker host `\(host)`")
        }
        switch proto {
        case "unix":
            return .unix(path: address)
        case "ssh":
            return .ssh(host)
        case "tcp":
            let (authority, _) = try urlHostAndPath(host)
            var name: String
            var port: String
            switch splitHostPort(authority) {
            case .success(let parts):
                (name, port) = parts
            case .failure:
                name = authority.hasPrefix("[") && authority.hasSuffix("]") ? String(authority.dropFirst().dropLast()) : authority
                port = ""
            }
            if name.isEmpty { name = "localhost" }
            if port.isEmpty { port = String(defaultPort) }
            guard let number = Int(port), number > 0, number <= 65535 else {
                throw EndpointError(description: "invalid port in docker host `\(host)`")
            }
            return .tcp(host: name, port: number)
        case "npipe", "fd":
            throw EndpointError(description: "\(proto):// engine hosts are not supported: \(host)")
        default:
            throw EndpointError(description: "unsupported docker host `\(host)`: use unix://, tcp:// or ssh://")
        }
    }
}

/// Why the engine endpoint could not be resolved, in one line.
public struct EndpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One clear line.
    public let description: String

    /// Creates an error with its one-line description.
    public init(description: String) {
        self.description = description
    }
}

/// A small SHA-256 (FIPS 180-4), used for docker context store folder names.
package enum EndpointSHA256 {
    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        ]
        var data = message
        let bitLength = UInt64(message.count) &* 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        var words = [UInt32](repeating: 0, count: 64)
        for blockStart in stride(from: 0, to: data.count, by: 64) {
            for index in 0..<16 {
                let offset = blockStart + index * 4
                words[index] = UInt32(data[offset]) << 24 | UInt32(data[offset + 1]) << 16
                    | UInt32(data[offset + 2]) << 8 | UInt32(data[offset + 3])
            }
            for index in 16..<64 {
                let s0 = rotateRight(words[index - 15], 7) ^ rotateRight(words[index - 15], 18) ^ (words[index - 15] >> 3)
                let s1 = rotateRight(words[index - 2], 17) ^ rotateRight(words[index - 2], 19) ^ (words[index - 2] >> 10)
                words[index] = words[index - 16] &+ s0 &+ words[index - 7] &+ s1
            }
            var a = state[0], b = state[1], c = state[2], d = state[3]
            var e = state[4], f = state[5], g = state[6], h = state[7]
            for index in 0..<64 {
                let s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
                let choice = (e & f) ^ (~e & g)
                let temp1 = h &+ s1 &+ choice &+ roundConstants[index] &+ words[index]
                let s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let temp2 = s0 &+ majority
                h = g
                g = f
                f = e
                e = d &+ temp1
                d = c
                c = b
                b = a
                a = temp1 &+ temp2
            }
            state[0] = state[0] &+ a
            state[1] = state[1] &+ b
            state[2] = state[2] &+ c
            state[3] = state[3] &+ d
            state[4] = state[4] &+ e
            state[5] = state[5] &+ f
            state[6] = state[6] &+ g
            state[7] = state[7] &+ h
        }
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in state {
            result.append(UInt8(truncatingIfNeeded: word >> 24))
            result.append(UInt8(truncatingIfNeeded: word >> 16))
            result.append(UInt8(truncatingIfNeeded: word >> 8))
            result.append(UInt8(truncatingIfNeeded: word))
        }
        return result
    }

    package static func hexDigest(_ message: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest(message) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func rotateRight(_ value: UInt32, _ amount: UInt32) -> UInt32 {
        (value >> amount) | (value << (32 - amount))
    }
}
