import Foundation

/// Realistic docker/buildx configuration folders and the `docker` contract double, for builder tests.
public enum BuildxFixtures {
    /// `Tests/Doubles` (holds the `docker` double).
    public static var doublesDirectory: URL {
        Fixtures.repositoryRoot.appendingPathComponent("Tests/Doubles")
    }

    /// SHA-256 hex digests of the names the fixtures use (context folder names, endpoint keys),
    /// computed with python3's hashlib so the tests do not rely on buildtop's own implementation.
    /// (No child process here: Foundation.Process spins in `waitUntilExit` on Linux.)
    public static let sha256: [String: String] = [
        "remote1": "e0de706a7deed95a1dbbd5165af012b68bed0d6d5b342ecee8522eaed74a2352",
        "ssh1": "7f1a9ea7f2878068e404c37ec39590e9558746c4faaa6120aed9464fe7c36649",
        "unix:///var/run/docker.sock": "13c4025c96f36e94b3481db3214765a35981f4e484bc53b1524d51c1ecaad5c6",
    ]

    /// A docker config folder like a busy workstation's:
    /// - contexts `remote1` (tcp with TLS files) and `ssh1`;
    /// - buildx instances `builder1` (docker-container, two platforms, driver options, flags),
    ///   `oldone` (the ≤ v0.6 format with `ConfigFile`), `ssh1` (an instance named like a context:
    ///   it hides the context builder);
    /// - `activity/builder1`.
    /// `current` and `defaults/` are written by the caller.
    public static func makeConfig(_ label: String = "cfg") throws -> URL {
        let root = try TestEngine.tempDir(label)
        let fm = FileManager.default
        func write(_ path: String, _ text: String) throws {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let remote = sha256["remote1", default: ""]
        try write("contexts/meta/\(remote)/meta.json", #"{"Name":"remote1","Metadata":{"Description":"CI box"},"Endpoints":{"docker":{"Host":"tcp://127.0.0.1:1","SkipTLSVerify":false}}}"#)
        for f in ["ca.pem", "cert.pem", "key.pem"] { try write("contexts/tls/\(remote)/docker/\(f)", "-----BEGIN-----\n") }
        let ssh = sha256["ssh1", default: ""]
        try write("contexts/meta/\(ssh)/meta.json", #"{"Name":"ssh1","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://me@127.0.0.1","SkipTLSVerify":false}}}"#)
        try write(
            "buildx/instances/builder1",
            #"{"Name":"builder1","Driver":"docker-container","Nodes":[{"Name":"builder10","Endpoint":"remote1","Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm64","os":"linux","variant":"v8"}],"DriverOpts":{"network":"host","image":"moby/buildkit:v0.20.0"},"Flags":["--debug"],"Files":null}],"Dynamic":false}"#)
        try write(
            "buildx/instances/oldone",
            #"{"Name":"oldone","Driver":"docker-container","Nodes":[{"Name":"oldone0","Endpoint":"unix:///var/run/docker.sock","Platforms":null,"ConfigFile":"/etc/buildkitd.toml"}],"Dynamic":false}"#)
        try write(
            "buildx/instances/ssh1",
            #"{"Name":"ssh1","Driver":"remote","Nodes":[{"Name":"ssh10","Endpoint":"tcp://127.0.0.1:1234","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}"#)
        try write("buildx/activity/builder1", "2026-11-20T10:11:12Z")
        return root
    }

    /// A `docker` that has no buildx (like Debian's docker.io CLI without the plugin), in its own folder.
    public static func dockerWithoutBuildx() throws -> URL {
        let dir = try TestEngine.tempDir("nobx")
        let file = dir.appendingPathComponent("docker")
        try Data("#!/bin/sh\necho \"docker: 'buildx' is not a docker command.\" >&2\nexit 1\n".utf8).write(to: file)
        chmod(file.path, 0o755)
        return dir
    }

    /// The environment of a test process: a private HOME and docker config, no inherited builder
    /// or context choice, and `docker` from `dockerDirectory` first on PATH.
    public static func environment(config: URL, dockerDirectory: URL, extra: [String: String] = [:]) -> [String: String] {
        var env: [String: String] = [
            "HOME": config.path, "DOCKER_CONFIG": config.path, "BUILDX_CONFIG": "", "BUILDX_BUILDER": "",
            "DOCKER_CONTEXT": "", "DOCKER_HOST": "", "BUILDTOP_DOCKER": "",
            "PATH": dockerDirectory.path + ":/usr/bin:/bin",
        ]
        for (k, v) in extra { env[k] = v }
        return env
    }
}
