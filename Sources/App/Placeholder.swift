// Filled by the UI work.
import Views
