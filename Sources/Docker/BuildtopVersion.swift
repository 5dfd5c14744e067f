/// The version of buildtop.
public enum BuildtopVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
