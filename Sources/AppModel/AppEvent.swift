import BuildModel
import HistoryModel
import TerminalKit

/// Everything that can change the app state.
public enum AppEvent: Sendable {
    /// A key press.
    case key(Key)
    /// A mouse action.
    case mouse(MouseEvent)
    /// The terminal was resized.
    case resize(Size)
    /// Time passed.
    case tick(Timestamp)
    /// A driver reported on build `id`.
    case driver(id: Int, DriverEvent)
    /// A theme was loaded (`:theme`).
    case themeLoaded(Theme)
    /// Something the runtime did failed or finished: show this message.
    case notice(String)
    /// The Dockerfile of the form's context was read.
    case dockerfileInfo(context: String, DockerfileInfo)
    /// The Dockerfile text of build `id` (read at launch, for the error box).
    case dockerfileText(id: Int, String)
    /// Completions for the form's context path.
    case completions(prefix: String, [String])
    /// The remembered request for a context folder (nil: none).
    case history(context: String, BuildRequest?)
    /// Open the form (entry point with no arguments).
    case openForm
    /// Launch a build now (entry point `buildtop build`, or `:build`).
    case launch(BuildRequest)
    /// SIGTERM/SIGHUP: leave now, cancelling running builds.
    case terminate
    /// Add a finished or replayed build with its events already known (replay --ui).
    case addBuild(id: Int, name: String, builder: String)
    /// The builders were found (by the discovery with this generation).
    case buildersLoaded(BuilderList, generation: Int)
    /// A builder command finished.
    case builderCommandFinished(BuilderCommand, CommandLogEntry)
    /// Open the builders menu.
    case openBuilders
    /// Open the history view.
    case openHistory
    /// The stored builds, newest first.
    case historyListed([HistoryRow])
    /// The history could not be read.
    case historyFailed(String)
    /// Text for the text view (a comparison).
    case textLoaded(title: String, lines: [String])
    /// The comparison for a build's timeline (nil: nothing to compare with), and why not.
    case timelineComparison(buildID: Int, BuildComparison?, note: String?)
}

/// I/O the reducer asks the runtime to do.
public enum Effect: Sendable, Equatable {
    /// Start a build (the runtime picks the driver).
    case startBuild(id: Int, request: BuildRequest)
    /// Cancel a build on the engine.
    case cancelBuild(id: Int)
    /// Append log chunks that left memory to the build's spill file.
    case spill(id: Int, stepID: String, batch: LogBatch)
    /// Load a theme by name or path.
    case loadTheme(String)
    /// Read the Dockerfile of a context (for targets and ARG rows).
    case inspectDockerfile(context: String, dockerfile: String)
    /// Read a build's Dockerfile (for pointing at the failing line).
    case readDockerfile(id: Int, path: String)
    /// List path completions for a prefix.
    case completePath(String)
    /// Remember the request for its context folder.
    case saveHistory(BuildRequest)
    /// Look up the remembered request for a context folder.
    case loadHistory(context: String)
    /// Save a step's full log (spill file + memory) to the file at `path`.
    case saveLog(id: Int, stepID: String, path: String)
    /// Leave the program (cancelling running builds first when asked).
    case quit(cancelRunning: Bool)
    /// Find the builders (files, buildx, engines); results carry the generation back.
    case discoverBuilders(generation: Int)
    /// Run a builder command (`docker buildx use/create/rm/…`, or buildtop's own `use`).
    case runBuilderCommand(BuilderCommand)
    /// List the stored builds.
    case listHistory
    /// Feed the stored build `ref` into build `id` (a panel like a live one).
    case openStored(id: Int, ref: String)
    /// Compare stored build `ref` with the build of its context before it.
    case compareStored(ref: String)
    /// Compare stored build `ref` for the timeline of build `id`.
    case compareForTimeline(id: Int, ref: String)
    /// Pin or unpin stored build `ref`, then list again.
    case pinStored(ref: String, pinned: Bool)
    /// Delete stored build `ref`, then list again.
    case removeStored(ref: String)
}
