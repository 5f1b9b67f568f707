// CascadiaRuntime: executor, deadline monitor, Dynamic-k, metrics (docs/runtime.md).
@_exported import CascadiaCore
