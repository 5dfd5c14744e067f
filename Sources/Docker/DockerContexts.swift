import Foundation

/// The docker CLI's contexts (PROTOCOL.md §4.4): the virtual `default` plus the ones under
/// `$DOCKER_CONFIG/contexts/meta`, and the endpoint key buildx files its choices under.
public struct DockerContexts: Sendable {
    /// One context.
    public struct Context: Sendable, Equatable {
        /// Name.
        public var name: String
        /// The docker endpoint's host (`unix://…`, `tcp://…`, `ssh://…`).
        public var host: String
        /// Description from the metadata.
        public var description: String
    }

    /// The docker config folder.
    public let configDirectory: String
    /// The current context's name.
    public let currentName: String
    /// The `default` context's host (`-H`, `DOCKER_HOST`, else the default socket).
    public let defaultHost: String
    /// Every context, sorted by name, `default` included.
    public let all: [Context]

    /// Reads the contexts like the docker CLI (`--context`, `-H`, `DOCKER_HOST`, `DOCKER_CONTEXT`,
    /// `currentContext`).
    public init(hostFlag: String?, contextFlag: String?, environment: [String: String], homeDirectory: String) {
        let config = DockerEndpoint.configDirectory(environment: environment, homeDirectory: homeDirectory)
        configDirectory = config
        currentName = DockerEndpoint.contextName(
            contextFlag: contextFlag ?? "", hostFlag: hostFlag, environment: environment, configDirectory: config)
        let defaultEndpoint = try? DockerEndpoint.resolveDefault(hostFlag: hostFlag, environment: environment, configDirectory: config)
        defaultHost = defaultEndpoint?.host ?? (hostFlag ?? environment["DOCKER_HOST"] ?? DockerEndpoint.defaultHost)
        var contexts = [Context(name: "default", host: defaultHost, description: "Current DOCKER_HOST based configuration")]
        let meta = ((config as NSString).appendingPathComponent("contexts") as NSString).appendingPathComponent("meta")
        for dir in (try? FileManager.default.contentsOfDirectory(atPath: meta)) ?? [] {
            let file = ((meta as NSString).appendingPathComponent(dir) as NSString).appendingPathComponent("meta.json")
            guard let data = FileManager.default.contents(atPath: file),
                  let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
                  let map = object as? [String: Any],
                  let name = DockerEndpoint.jsonField(map, "Name") as? String, !name.isEmpty, name != "default" else { continue }
            let endpoints = DockerEndpoint.jsonField(map, "Endpoints") as? [String: Any]
            let docker = endpoints?["docker"] as? [String: Any]
            let metadata = DockerEndpoint.jsonField(map, "Metadata") as? [String: Any]
            contexts.append(Context(
                name: name, host: docker.flatMap { DockerEndpoint.jsonField($0, "Host") as? String } ?? "",
                description: metadata.flatMap { DockerEndpoint.jsonField($0, "Description") as? String } ?? ""))
        }
        all = contexts.sorted { $0.name < $1.name }
    }

    /// buildx `GetCurrentEndpoint`: the current context's name, or the default context's host.
    public var endpointKey: String {
        currentName == "default" ? defaultHost : currentName
    }

    /// The context with a name.
    public func context(named name: String) -> Context? {
        all.first { $0.name == name }
    }
}
