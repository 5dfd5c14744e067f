import AppModel
import BuildModel
import TerminalKit

/// Small text formatters shared by the views.
public enum Format {
    /// `0.3s`, `12.3s`, `2m05s`, `1h02m`.
    public static func duration(_ s: Double) -> String { DurationText.format(s) }

    static func fixed1(_ v: Double) -> String { ByteUnits.fixed(v, 1) }

    /// Decimal byte sizes like BuildKit: `123B`, `1.2kB`, `12.3MB`.
    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(n)
        var u = 0
        while v >= 1000, u < units.count - 1 {
            v /= 1000
            u += 1
        }
        return u == 0 ? "\(n)B" : fixed1(v) + units[u]
    }

    /// A percentage without decimals.
    public static func percent(_ r: Double) -> String { "\(Int((r * 100).rounded()))%" }

    /// A build's state word.
    public static func phase(_ p: BuildPhase) -> String { BuildSummary.word(p) }

    /// Sanitized single-line text from untrusted bytes.
    public static func clean(_ s: String) -> String { Sanitizer.sanitize(s) }
}

/// Icons and roles for step states.
enum StepLook {
    static let spinner: [String] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    static func icon(_ s: StepState, frame: Int) -> String {
        switch s {
        case .pending: "·"
        case .running: spinner[abs(frame) % spinner.count]
        case .done: "✔"
        case .cached: "✔"
        case .skipped: "↷"
        case .error: "✖"
        case .canceled: "⊘"
        }
    }

    static func role(_ s: StepState) -> ThemeRole {
        switch s {
        case .pending: .pending
        case .running: .running
        case .done: .done
        case .cached: .cached
        case .skipped: .pending
        case .error: .error
        case .canceled: .canceled
        }
    }

    /// The right-hand tag of a step row: its state word, or its time while running or done.
    static func tag(_ step: Step, now: Timestamp) -> String {
        switch step.state {
        case .cached: "CACHED"
        case .skipped: "SKIPPED"
        case .error: "ERROR"
        case .canceled: "CANCELED"
        case .running, .done: Format.duration(step.duration(now: now))
        case .pending: ""
        }
    }

    static func phaseRole(_ p: BuildPhase) -> ThemeRole {
        switch p {
        case .queued: .pending
        case .running: .running
        case .succeeded: .done
        case .failed: .error
        case .canceled: .canceled
        }
    }
}
