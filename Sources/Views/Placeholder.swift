// Filled by the UI work.
import TerminalKit
