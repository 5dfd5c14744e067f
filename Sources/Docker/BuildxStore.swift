import BuildEvents
import BuildModel
import Foundation
import LocalFiles

/// buildx's on-disk builder store (PROTOCOL.md §4.2): `instances/<name>` (NodeGroup JSON),
/// `current`, `defaults/<hash>`, `activity/<name>`, all changed under an flock on `.lock` with
/// atomic writes, so that `docker buildx` and buildtop can share it.
public struct BuildxStore: Sendable {
    /// The store folder.
    public let directory: String

    /// Creates a store over a folder.
    public init(directory: String) {
        self.directory = directory
    }

    /// `$BUILDX_CONFIG`, else `buildx` beside the docker CLI's `config.json` (`$DOCKER_CONFIG` or `~/.docker`).
    public static func directory(environment: [String: String], homeDirectory: String) -> String {
        if let dir = environment["BUILDX_CONFIG"], !dir.isEmpty { return dir }
        let config = DockerEndpoint.configDirectory(environment: environment, homeDirectory: homeDirectory)
        return (config as NSString).appendingPathComponent("buildx")
    }

    /// An instance as stored (`store.NodeGroup`).
    public struct Instance: Sendable, Equatable {
        /// One node (`store.Node`).
        public struct Node: Sendable, Equatable {
            public var name: String
            public var endpoint: String
            /// Platforms as `os/arch[/variant]`.
            public var platforms: [String]
            public var driverOptions: [Builder.KeyValue]
            public var flags: [String]
        }

        public var name: String
        public var driver: String
        public var nodes: [Node]
        public var dynamic: Bool
    }

    /// The `current` file: `{"Key":…,"Name":…,"Global":…}`.
    public struct Current: Sendable, Equatable {
        public var key: String
        public var name: String
        public var global: Bool

        /// Creates a value.
        public init(key: String, name: String, global: Bool) {
            self.key = key
            self.name = name
            self.global = global
        }

        /// The bytes buildx writes (Go `json.Marshal`: compact, no newline).
        public var encoded: [UInt8] {
            Array("{\"Key\":\(GoJSON.quoted(key)),\"Name\":\(GoJSON.quoted(name)),\"Global\":\(global)}".utf8)
        }
    }

    /// Why a store operation failed, in one line.
    public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String

        /// Creates an error.
        public init(_ description: String) {
            self.description = description
        }
    }

    // MARK: - Names and hashes

    /// buildx `ValidateName` (`^[a-zA-Z][a-zA-Z0-9\.\-_]*$`): a letter, then letters, digits and
    /// `.-_`; stored lower-cased.
    public static func validateName(_ name: String) throws(StoreError) -> String {
        let bytes = Array(name.utf8)
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        func allowed(_ b: UInt8) -> Bool { isLetter(b) || (b >= 48 && b <= 57) || b == 46 || b == 45 || b == 95 }
        guard let first = bytes.first, isLetter(first), bytes.allSatisfy(allowed) else {
            throw StoreError("invalid name \(name), name needs to start with a letter and may not contain symbols, except ._-")
        }
        return name.lowercased()
    }

    /// `toHash`: the first 20 hex digits of the key's SHA-256.
    public static func hash(_ key: String) -> String {
        String(EndpointSHA256.hexDigest(Array(key.utf8)).prefix(20))
    }

    func path(_ parts: String...) -> String {
        parts.reduce(directory) { ($0 as NSString).appendingPathComponent($1) }
    }

    // MARK: - Reading

    /// Instances sorted by name; unreadable ones are reported in `problems`.
    public func instances(problems: inout [String]) -> [Instance] {
        let dir = path("instances")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var out: [Instance] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            do {
                if let i = try instance(named: name) { out.append(i) }
            } catch {
                problems.append(error.description)
            }
        }
        return out.sorted { $0.name < $1.name }
    }

    /// The instance with a name, nil when there is none.
    public func instance(named name: String) throws(StoreError) -> Instance? {
        let stored = try Self.validateName(name)
        let file = path("instances", stored)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return try Self.decodeInstance(data, file: file)
    }

    static func decodeInstance(_ data: Data, file: String) throws(StoreError) -> Instance {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let group = object as? [String: Any] else {
            throw StoreError("cannot read builder \(file): invalid JSON")
        }
        let field = DockerEndpoint.jsonField
        var nodes: [Instance.Node] = []
        for case let node as [String: Any] in field(group, "Nodes") as? [Any] ?? [] {
            nodes.append(Instance.Node(
                name: field(node, "Name") as? String ?? "",
                endpoint: field(node, "Endpoint") as? String ?? "",
                platforms: (field(node, "Platforms") as? [Any] ?? []).compactMap(platformString),
                driverOptions: driverOptions(node),
                flags: field(node, "Flags") as? [String] ?? []))
        }
        return Instance(
            name: field(group, "Name") as? String ?? "", driver: field(group, "Driver") as? String ?? "",
            nodes: nodes, dynamic: field(group, "Dynamic") as? Bool ?? false)
    }

    /// A node's `DriverOpts` map as pairs sorted by key (Go writes map keys sorted).
    static func driverOptions(_ node: [String: Any]) -> [Builder.KeyValue] {
        guard let map = DockerEndpoint.jsonField(node, "DriverOpts") as? [String: Any] else { return [] }
        return map.keys.sorted().map { Builder.KeyValue($0, "\(map[$0] ?? "")") }
    }

    /// An OCI platform object (`{"architecture","os","variant"}`) as `os/arch[/variant]`.
    static func platformString(_ value: Any) -> String? {
        if let s = value as? String { return s }
        guard let p = value as? [String: Any] else { return nil }
        let os = DockerEndpoint.jsonField(p, "os") as? String ?? ""
        let arch = DockerEndpoint.jsonField(p, "architecture") as? String ?? ""
        guard !os.isEmpty || !arch.isEmpty else { return nil }
        var s = "\(os)/\(arch)"
        if let v = DockerEndpoint.jsonField(p, "variant") as? String, !v.isEmpty { s += "/\(v)" }
        return s
    }

    /// `activity/<name>` (RFC 3339), nil when never used.
    public func lastActivity(_ name: String) -> Timestamp? {
        guard let data = FileManager.default.contents(atPath: path("activity", name)) else { return nil }
        return RFC3339.parse(Array(data))
    }

    /// The `current` file, nil when missing or not valid JSON.
    public func currentFile() -> Current? {
        guard let data = FileManager.default.contents(atPath: path("current")),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let map = object as? [String: Any] else { return nil }
        let field = DockerEndpoint.jsonField
        return Current(
            key: field(map, "Key") as? String ?? "", name: field(map, "Name") as? String ?? "",
            global: field(map, "Global") as? Bool ?? false)
    }

    /// A `current` file that exists but is not the JSON buildx writes (buildx refuses to run then).
    public func currentFileProblem() -> String? {
        let file = path("current")
        guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else { return nil }
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            return "\(file) is not valid JSON; buildx will refuse to run until it is fixed or removed"
        }
        return nil
    }

    /// The builder name stored as the default for an endpoint key (`defaults/<hash>`).
    public func defaultName(forKey key: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path("defaults", Self.hash(key))) else { return nil }
        let name = String(decoding: data, as: UTF8.self)
        return name.isEmpty ? nil : name
    }

    /// buildx `txn.Current(key)` without its rewrites of `current`: the instance name chosen for
    /// this endpoint key, nil for "the context's own builder". A name whose instance is missing
    /// counts as nil, as in buildx.
    public func currentInstanceName(forKey key: String) -> String? {
        if let c = currentFile(), !c.name.isEmpty {
            if c.global, (try? instance(named: c.name)) != nil { return c.name.lowercased() }
            if c.key == key {
                return (try? instance(named: c.name)) != nil ? c.name.lowercased() : nil
            }
        }
        guard let name = defaultName(forKey: key), (try? instance(named: name)) != nil else { return nil }
        return name.lowercased()
    }

    // MARK: - Writing

    /// buildx `txn.SetCurrent`: rewrites `current`; with `makeDefault` writes `defaults/<hash>`,
    /// otherwise removes it. Runs under the store's lock.
    public func setCurrent(key: String, name: String, global: Bool, makeDefault: Bool) throws(StoreError) {
        try transaction { () throws(StoreError) in
            try atomicWrite(Current(key: key, name: name, global: global).encoded, to: path("current"))
            let defaults = path("defaults", Self.hash(key))
            if makeDefault {
                try atomicWrite(Array(name.utf8), to: defaults)
            } else {
                unlink(defaults)
            }
        }
    }

    /// Runs `body` holding an exclusive flock on `.lock` (creating the store folders as buildx does).
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        for sub in ["instances", "defaults", "activity"] {
            do {
                try FileManager.default.createDirectory(
                    atPath: path(sub), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError("cannot create \(path(sub)): \(error.localizedDescription)")
            }
        }
        return try FileLock.exclusive(path(".lock"), failure: StoreError.init, body)
    }

    /// buildx `AtomicWriteFile`: a `.tmp-<name>…` file in the same folder, mode 0600, fsync, rename.
    func atomicWrite(_ bytes: [UInt8], to file: String) throws(StoreError) {
        do {
            try AtomicFile.write(bytes, to: file, mode: 0o600)
        } catch {
            throw StoreError(error.description)
        }
    }
}
