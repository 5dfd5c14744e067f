import Docker
import Foundation
import NIOCore
import NIOPosix
import Subprocess
import SwiftProtobuf
import SystemPackage

// MARK: - Secrets

/// `--secret id=ID[,src=PATH|,env=VAR]`: read when the daemon asks, never kept, logged or sent
/// anywhere else (BUILDKIT-NATIVE.md §5.2).
struct SecretStore: Sendable {
    /// Where a secret comes from.
    enum Source: Sendable, Equatable {
        case file(String)
        case env(String)
    }

    /// BuildKit's own client refuses file secrets above 500 KiB (`MaxSecretSize`).
    static let maxSize = 500 * 1024

    let sources: [String: Source]
    let environment: [String: String]

    /// Parses the flags; a bad flag or a missing file is one line.
    init(_ specs: [String], environment: [String: String]) throws(BuildKitError) {
        var map: [String: Source] = [:]
        for spec in specs {
            var id: String?, src: String?, env: String?, type: String?
            for field in spec.split(separator: ",") {
                let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw BuildKitError("invalid --secret \(spec): \(field) is not key=value") }
                switch kv[0].lowercased() {
                case "id": id = kv[1]
                case "src", "source": src = kv[1]
                case "env": env = kv[1]
                case "type": type = kv[1]
                default: throw BuildKitError("invalid --secret \(spec): unknown key \(kv[0])")
                }
            }
            guard let id, !id.isEmpty else { throw BuildKitError("invalid --secret \(spec): id= is missing") }
            let source: Source
            if type == "env" || (src == nil && env != nil) {
                source = .env(env ?? src ?? id)
            } else if let src {
                source = .file(src)
            } else {
                source = environment[id] != nil ? .env(id) : .file(id)
            }
            if case .file(let path) = source {
                var st = stat()
                guard stat(path, &st) == 0 else {
                    throw BuildKitError("secret \(id): cannot read \(path): \(String(cString: strerror(errno)))")
                }
                if Int(st.st_size) > Self.maxSize {
                    throw BuildKitError("secret \(id): \(path) is \(st.st_size) bytes; secrets are limited to 500 KiB")
                }
            }
            map[id] = source
        }
        sources = map
        self.environment = environment
    }

    func serve(_ call: IncomingCall) async -> GRPCStatus {
        do {
            var request: Moby_Buildkit_Secrets_V1_GetSecretRequest?
            for try await m in call.requests where request == nil { request = try .init(serializedBytes: m) }
            guard let id = request?.id, let source = sources[id] else {
                return GRPCStatus(code: 5, message: "secret \(request?.id ?? "") not found")
            }
            var data: [UInt8]
            switch source {
            case .file(let path):
                guard let bytes = SmallRead.read(path, limit: Self.maxSize) else {
                    return GRPCStatus(code: 2, message: "secret \(id): cannot read \(path), or it is larger than 500 KiB")
                }
                data = bytes
            case .env(let name):
                guard let v = environment[name] else { return GRPCStatus(code: 5, message: "secret \(id) not found: $\(name) is not set") }
                data = Array(v.utf8)
            }
            var response = Moby_Buildkit_Secrets_V1_GetSecretResponse()
            response.data = Data(data)
            _ = data.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
            try await call.send(try response.serializedBytes())
            return .ok
        } catch {
            return GRPCStatus(code: 2, message: "secret: \(error)")
        }
    }
}

/// Small files read whole (secrets), refusing anything above `limit`.
enum SmallRead {
    static func read(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out += buf[0..<n]
            if out.count > limit { return nil }
        }
    }
}

// MARK: - SSH

/// `--ssh default|ID[=SOCKET]`: forwards the build's agent connections to a local ssh-agent,
/// read-only as BuildKit's own provider (adding, removing, locking keys and extensions refused).
struct SSHForwarding: Sendable {
    /// Agent socket per id.
    let sockets: [String: String]

    init(_ specs: [String], environment: [String: String]) throws(BuildKitError) {
        var map: [String: String] = [:]
        for spec in specs {
            let kv = spec.split(separator: "=", maxSplits: 1).map(String.init)
            let id = kv[0]
            guard !id.isEmpty else { throw BuildKitError("invalid --ssh \(spec)") }
            var paths = kv.count == 2 ? kv[1].split(separator: ",").map(String.init) : []
            if paths.isEmpty {
                guard let sock = environment["SSH_AUTH_SOCK"], !sock.isEmpty else {
                    throw BuildKitError("--ssh \(spec): SSH_AUTH_SOCK is not set (start ssh-agent, or give --ssh \(id)=/path/to/agent.sock)")
                }
                paths = [sock]
            }
            guard paths.count == 1 else { throw BuildKitError("--ssh \(spec): give one agent socket (key files are not supported)") }
            var st = stat()
            guard stat(paths[0], &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else {
                throw BuildKitError("--ssh \(spec): \(paths[0]) is not an ssh-agent socket (key files are not supported; load them into ssh-agent)")
            }
            map[id] = paths[0]
        }
        sockets = map
    }

    func check(_ call: IncomingCall) async -> GRPCStatus {
        var id = ""
        do {
            for try await m in call.requests { id = try Moby_Sshforward_V1_CheckAgentRequest(serializedBytes: m).id }
        } catch {}
        if id.isEmpty { id = "default" }
        guard sockets[id] != nil else { return GRPCStatus(code: 2, message: "unset ssh forward key \(id)") }
        do { try await call.send(try Moby_Sshforward_V1_CheckAgentResponse().serializedBytes()) } catch {}
        return .ok
    }

    /// ssh-agent requests BuildKit's read-only provider refuses.
    static let refused: Set<UInt8> = [17, 18, 19, 20, 21, 22, 23, 25, 26, 27]

    func forward(_ call: IncomingCall) async -> GRPCStatus {
        var id = call.values("buildkit.ssh.id").first ?? "default"
        if id.isEmpty { id = "default" }
        guard let path = sockets[id] else { return GRPCStatus(code: 2, message: "unset ssh forward key \(id)") }
        do {
            let agent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            try await agent.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Agent → build.
                    group.addTask {
                        for try await buf in inbound {
                            var m = Moby_Sshforward_V1_BytesMessage()
                            m.data = Data(buf.readableBytesView)
                            try await call.send(try m.serializedBytes())
                        }
                    }
                    // Build → agent, one agent message at a time (refused ones answered here).
                    var pending: [UInt8] = []
                    for try await message in call.requests {
                        pending += try Moby_Sshforward_V1_BytesMessage(serializedBytes: message).data
                        while pending.count >= 5 {
                            let length = Int(pending[0]) << 24 | Int(pending[1]) << 16 | Int(pending[2]) << 8 | Int(pending[3])
                            guard pending.count >= 4 + length else { break }
                            let frame = Array(pending[0..<(4 + length)])
                            pending.removeFirst(4 + length)
                            if length > 0, Self.refused.contains(frame[4]) {
                                var m = Moby_Sshforward_V1_BytesMessage()
                                m.data = Data([0, 0, 0, 1, 5])  // SSH_AGENT_FAILURE
                                try await call.send(try m.serializedBytes())
                                continue
                            }
                            try await outbound.write(ByteBuffer(bytes: frame))
                        }
                    }
                    outbound.finish()
                    group.cancelAll()
                }
            }
            return .ok
        } catch is CancellationError {
            return .ok
        } catch {
            return GRPCStatus(code: 2, message: "ssh forwarding to \(path): \(error)")
        }
    }
}

// MARK: - Registry credentials

/// Registry credentials as the docker CLI reads them: `credHelpers`, `credsStore`, then `auths`
/// of `$DOCKER_CONFIG/config.json` (BUILDKIT-NATIVE.md §5.4). Never printed.
struct RegistryAuth: Sendable {
    let configDirectory: String
    let environment: [String: String]

    /// The config key of a host: Docker Hub's is `https://index.docker.io/v1/`.
    static func serverKey(_ host: String) -> String {
        host == "registry-1.docker.io" || host == "docker.io" || host == "index.docker.io" ? "https://index.docker.io/v1/" : host
    }

    func serve(_ call: IncomingCall) async -> GRPCStatus {
        do {
            var host = ""
            for try await m in call.requests { host = try Moby_Filesync_V1_CredentialsRequest(serializedBytes: m).host }
            let (user, secret) = await credentials(for: host)
            var r = Moby_Filesync_V1_CredentialsResponse()
            r.username = user
            r.secret = secret
            try await call.send(try r.serializedBytes())
            return .ok
        } catch {
            return GRPCStatus(code: 2, message: "registry credentials: \(error)")
        }
    }

    /// (username, secret); empty for anonymous access.
    func credentials(for host: String) async -> (String, String) {
        let key = Self.serverKey(host)
        guard let data = FileManager.default.contents(atPath: configDirectory + "/config.json"),
            let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return ("", "") }
        let helpers = config["credHelpers"] as? [String: String] ?? [:]
        if let helper = helpers[key] ?? helpers[host], let found = await helperGet(helper, server: key) { return found }
        if let store = config["credsStore"] as? String, !store.isEmpty, let found = await helperGet(store, server: key) { return found }
        let auths = config["auths"] as? [String: Any] ?? [:]
        for candidate in [key, host, "https://" + host, "http://" + host] {
            guard let entry = auths[candidate] as? [String: Any] else { continue }
            if let token = entry["identitytoken"] as? String, !token.isEmpty { return ("", token) }
            if let auth = entry["auth"] as? String, let decoded = Data(base64Encoded: auth),
                let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
            {
                return (String(text[..<colon]), String(text[text.index(after: colon)...]))
            }
            if let u = entry["username"] as? String, let p = entry["password"] as? String { return (u, p) }
        }
        return ("", "")
    }

    /// `docker-credential-<helper> get` with the server on stdin.
    func helperGet(_ helper: String, server: String) async -> (String, String)? {
        guard helper.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else { return nil }
        do {
            let result = try await Subprocess.run(
                .name("docker-credential-\(helper)"), arguments: ["get"],
                environment: .custom(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
                input: .string(server), output: .bytes(limit: 64 * 1024), error: .discarded)
            guard result.terminationStatus.isSuccess,
                let obj = try? JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [String: Any]
            else { return nil }
            let user = obj["Username"] as? String ?? ""
            let secret = obj["Secret"] as? String ?? ""
            return user == "<token>" ? ("", secret) : (user, secret)
        } catch {
            return nil
        }
    }
}

// MARK: - Outputs

/// `-o type=local,dest=DIR` and `-o type=tar,dest=FILE|-`: what the daemon's local and tar
/// exporters send back (BUILDKIT-NATIVE.md §5.5).
struct OutputTarget: Sendable {
    enum Kind: Sendable, Equatable {
        case local(String)
        case tar(String)
    }

    let kind: Kind

    /// The exporter name for `SolveRequest.Exporter`.
    var exporter: String {
        switch kind {
        case .local: "local"
        case .tar: "tar"
        }
    }

    /// Parses one `-o` value (`type=…,dest=…`, or a bare path: a local folder, `-`: tar on stdout).
    static func parse(_ spec: String) throws(BuildKitError) -> OutputTarget? {
        if !spec.contains("=") { return OutputTarget(kind: spec == "-" ? .tar("-") : .local(spec)) }
        var fields: [String: String] = [:]
        for f in spec.split(separator: ",") {
            let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw BuildKitError("invalid --output \(spec)") }
            fields[kv[0]] = kv[1]
        }
        switch fields["type"] ?? "local" {
        case "local":
            guard let d = fields["dest"] else { throw BuildKitError("--output type=local needs dest=DIR") }
            return OutputTarget(kind: .local(d))
        case "tar":
            return OutputTarget(kind: .tar(fields["dest"] ?? "-"))
        case "docker", "image", "moby":
            return nil  // the image store: the default moby exporter
        case let other:
            throw BuildKitError("--output type=\(other) is not supported by the engine's BuildKit (local, tar and the image store are)")
        }
    }

    func receive(_ call: IncomingCall) async -> GRPCStatus {
        switch kind {
        case .tar(let dest): return await receiveTar(call, dest: dest)
        case .local(let dir): return await LocalReceiver(root: dir).receive(call)
        }
    }

    func receiveTar(_ call: IncomingCall, dest: String) async -> GRPCStatus {
        let fd: Int32
        // A regular file is written whole or not at all (a temporary file, then renamed); a
        // device or a pipe (/dev/null, a FIFO) is written as it is: renaming over it would
        // replace it.
        var st = stat()
        let special = dest != "-" && stat(dest, &st) == 0 && st.st_mode & S_IFMT != S_IFREG
        if special {
            let out = open(dest, O_WRONLY | O_CLOEXEC)
            guard out >= 0 else { return GRPCStatus(code: 2, message: "cannot write \(dest): \(String(cString: strerror(errno)))") }
            defer { close(out) }
            do {
                for try await m in call.requests { try writeAll(out, [UInt8](try Moby_Filesync_V1_BytesMessage(serializedBytes: m).data)) }
                return .ok
            } catch {
                return GRPCStatus(code: 2, message: "tar output: \(error)")
            }
        }
        let temp = dest == "-" ? nil : dest + ".buildtop-\(getpid())"
        if let temp {
            fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return GRPCStatus(code: 2, message: "cannot write \(dest): \(String(cString: strerror(errno)))") }
        } else {
            fd = 1
        }
        defer { if temp != nil { close(fd) } }
        do {
            for try await m in call.requests {
                let data = try Moby_Filesync_V1_BytesMessage(serializedBytes: m).data
                try writeAll(fd, [UInt8](data))
            }
            if let temp {
                guard fsync(fd) == 0, rename(temp, dest) == 0 else {
                    return GRPCStatus(code: 2, message: "cannot write \(dest): \(String(cString: strerror(errno)))")
                }
            }
            return .ok
        } catch {
            if let temp { unlink(temp) }
            return GRPCStatus(code: 2, message: "tar output: \(error)")
        }
    }
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
        if n < 0 {
            if errno == EINTR { continue }
            throw BuildKitError("write failed: \(String(cString: strerror(errno)))")
        }
        off += n
    }
}

/// The receiving side of fsutil's diffcopy for the local exporter: creates what the STAT
/// packets list under `root`, asks for every regular file, and refuses any path that would land
/// outside `root` (`..`, absolute, through a symbolic link).
struct LocalReceiver: Sendable {
    let root: String

    /// Why `path` may not be written (nil: fine).
    static func refusal(_ path: String, root: String) -> String? {
        if path.hasPrefix("/") { return "absolute path \(path)" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") || parts.contains("") || parts.contains(".") { return "unclean path \(path)" }
        // No parent may be a symbolic link (written earlier in this stream, or already there).
        var current = root
        for part in parts.dropLast() {
            current += "/" + part
            var st = stat()
            if lstat(current, &st) == 0, st.st_mode & S_IFMT == S_IFLNK { return "path \(path) goes through the symbolic link \(current)" }
        }
        return nil
    }

    func receive(_ call: IncomingCall) async -> GRPCStatus {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            return GRPCStatus(code: 2, message: "cannot create \(root): \(error)")
        }
        var entries: [UInt32: (path: String, mode: UInt32, mtime: Int64)] = [:]
        var nextID: UInt32 = 0
        var listing = true
        var waiting = Set<UInt32>()
        var open: [UInt32: Int32] = [:]
        do {
            for try await message in call.requests {
                let p = try Fsutil_Types_Packet(serializedBytes: message)
                switch p.type {
                case .packetStat:
                    guard p.hasStat else {
                        // End of the listing: ask for every regular file.
                        listing = false
                        for id in entries.keys.sorted() where entries[id].map({ $0.mode & (1 << 31 | 1 << 27 | 1 << 25 | 1 << 26) == 0 }) ?? false {
                            var req = Fsutil_Types_Packet()
                            req.type = .packetReq
                            req.id = id
                            waiting.insert(id)
                            try await call.send(try req.serializedBytes())
                        }
                        if waiting.isEmpty { try await finish(call) }
                        continue
                    }
                    let id = nextID
                    nextID += 1
                    let s = p.stat
                    if let why = Self.refusal(s.path, root: root) { return GRPCStatus(code: 2, message: "refused output entry: \(why)") }
                    let full = root + "/" + s.path
                    let mode = s.mode
                    if mode & (1 << 31) != 0 {
                        mkdir(full, mode_t(mode & 0o777))
                    } else if mode & (1 << 27) != 0 {
                        unlink(full)
                        symlink(s.linkname, full)
                    } else if !s.linkname.isEmpty {
                        if let why = Self.refusal(s.linkname, root: root) { return GRPCStatus(code: 2, message: "refused hard link: \(why)") }
                        unlink(full)
                        link(root + "/" + s.linkname, full)
                        continue
                    }
                    entries[id] = (s.path, mode, s.modTime)
                case .packetData:
                    guard let e = entries[p.id], waiting.contains(p.id) else { continue }
                    let full = root + "/" + e.path
                    var fd = open[p.id] ?? -1
                    if fd < 0 {
                        fd = Glibc.open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode_t(e.mode & 0o777))
                        guard fd >= 0 else { return GRPCStatus(code: 2, message: "cannot write \(full): \(String(cString: strerror(errno)))") }
                        open[p.id] = fd
                    }
                    if p.data.isEmpty {
                        close(fd)
                        open[p.id] = nil
                        waiting.remove(p.id)
                        if waiting.isEmpty, !listing { try await finish(call) }
                    } else {
                        try writeAll(fd, [UInt8](p.data))
                    }
                case .packetFin:
                    return .ok
                case .packetErr:
                    return GRPCStatus(code: 2, message: "the daemon failed the export: \(String(decoding: p.data, as: UTF8.self))")
                default: break
                }
            }
        } catch {
            for (_, fd) in open { close(fd) }
            return GRPCStatus(code: 2, message: "local output: \(error)")
        }
        return .ok
    }

    private func finish(_ call: IncomingCall) async throws {
        var fin = Fsutil_Types_Packet()
        fin.type = .packetFin
        try await call.send(try fin.serializedBytes())
    }
}
