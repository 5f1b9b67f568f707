// CascadiaIO: see docs/architecture.md.
@_exported import CascadiaCore
