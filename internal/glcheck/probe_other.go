//go:build !windows && !(linux && cgo)

package glcheck

// Nothing to ask where the window's OpenGL is always there (macOS) or the
// window is not built in (no cgo): the toolkit's own start decides.
const canProbe = false

func probe() (Info, error) { return Info{}, nil }
