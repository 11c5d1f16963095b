//go:build windows

package glcheck

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// canProbe: WGL answers the question before the toolkit asks.
const canProbe = true

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	gdi32    = windows.NewLazySystemDLL("gdi32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")
	// Not from System32 on purpose: the program imports opengl32.dll when
	// it loads, and this must be that same module — Mesa's, when the
	// software copy runs beside it — never a second one.
	opengl32 = windows.NewLazyDLL("opengl32.dll")

	registerClassExW   = user32.NewProc("RegisterClassExW")
	unregisterClassW   = user32.NewProc("UnregisterClassW")
	createWindowExW    = user32.NewProc("CreateWindowExW")
	destroyWindow      = user32.NewProc("DestroyWindow")
	defWindowProcW     = user32.NewProc("DefWindowProcW")
	getDC              = user32.NewProc("GetDC")
	releaseDC          = user32.NewProc("ReleaseDC")
	choosePixelFormat  = gdi32.NewProc("ChoosePixelFormat")
	setPixelFormat     = gdi32.NewProc("SetPixelFormat")
	getModuleHandleW   = kernel32.NewProc("GetModuleHandleW")
	wglCreateContext   = opengl32.NewProc("wglCreateContext")
	wglMakeCurrent     = opengl32.NewProc("wglMakeCurrent")
	wglDeleteContext   = opengl32.NewProc("wglDeleteContext")
	glGetString        = opengl32.NewProc("glGetString")
	getModuleFileNameW = kernel32.NewProc("GetModuleFileNameW")
)

type wndClassEx struct {
	size       uint32
	style      uint32
	wndProc    uintptr
	clsExtra   int32
	wndExtra   int32
	instance   windows.Handle
	icon       windows.Handle
	cursor     windows.Handle
	background windows.Handle
	menuName   *uint16
	className  *uint16
	iconSm     windows.Handle
}

type pixelFormatDescriptor struct {
	size, version                                                  uint16
	flags                                                          uint32
	pixelType, colorBits, redBits, redShift, greenBits, greenShift uint8
	blueBits, blueShift, alphaBits, alphaShift, accumBits          uint8
	accumRedBits, accumGreenBits, accumBlueBits, accumAlphaBits    uint8
	depthBits, stencilBits, auxBuffers, layerType, reserved        uint8
	layerMask, visibleMask, damageMask                             uint32
}

const (
	csOwnDC          = 0x20
	wsOverlapped     = 0
	pfdDrawToWindow  = 0x4
	pfdSupportOpenGL = 0x20
	pfdDoubleBuffer  = 0x1
	glVersion        = 0x1F02
	glRenderer       = 0x1F01
)

// probe makes an OpenGL context on a hidden window the way GLFW does
// (ChoosePixelFormat, SetPixelFormat, wglCreateContext), makes it current
// and reads GL_VERSION and GL_RENDERER.
func probe() (Info, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	info := Info{Bundled: bundledOpenGL()}
	if err := opengl32.Load(); err != nil {
		return info, &Error{Kind: NoOpenGL, Detail: "opengl32.dll: " + err.Error()}
	}
	instance, _, _ := getModuleHandleW.Call(0)
	class, _ := windows.UTF16PtrFromString("KantataConnectOpenGLProbe")
	wc := wndClassEx{style: csOwnDC, wndProc: defWindowProcW.Addr(), instance: windows.Handle(instance), className: class}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, e := registerClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		return info, &Error{Kind: NoOpenGL, Detail: "RegisterClassExW: " + e.Error()}
	}
	defer unregisterClassW.Call(uintptr(unsafe.Pointer(class)), instance)
	hwnd, _, e := createWindowExW.Call(0, uintptr(unsafe.Pointer(class)), uintptr(unsafe.Pointer(class)),
		wsOverlapped, 0, 0, 16, 16, 0, 0, instance, 0)
	if hwnd == 0 {
		return info, &Error{Kind: NoOpenGL, Detail: "CreateWindowExW: " + e.Error()}
	}
	defer destroyWindow.Call(hwnd)
	dc, _, _ := getDC.Call(hwnd)
	if dc == 0 {
		return info, &Error{Kind: NoOpenGL, Detail: "GetDC failed"}
	}
	defer releaseDC.Call(hwnd, dc)
	pfd := pixelFormatDescriptor{version: 1, flags: pfdDrawToWindow | pfdSupportOpenGL | pfdDoubleBuffer,
		colorBits: 24, alphaBits: 8, depthBits: 24, stencilBits: 8}
	pfd.size = uint16(unsafe.Sizeof(pfd))
	format, _, _ := choosePixelFormat.Call(dc, uintptr(unsafe.Pointer(&pfd)))
	if format == 0 {
		return info, &Error{Kind: NoOpenGL, Detail: "ChoosePixelFormat found no OpenGL pixel format"}
	}
	if r, _, e := setPixelFormat.Call(dc, format, uintptr(unsafe.Pointer(&pfd))); r == 0 {
		return info, &Error{Kind: NoOpenGL, Detail: "SetPixelFormat: " + e.Error()}
	}
	ctx, _, e := wglCreateContext.Call(dc)
	if ctx == 0 {
		return info, &Error{Kind: NoContext, Detail: "wglCreateContext: " + e.Error()}
	}
	defer wglDeleteContext.Call(ctx)
	if r, _, e := wglMakeCurrent.Call(dc, ctx); r == 0 {
		return info, &Error{Kind: NoContext, Detail: "wglMakeCurrent: " + e.Error()}
	}
	defer wglMakeCurrent.Call(0, 0)
	info.Version = glString(glVersion)
	info.Renderer = glString(glRenderer)
	return info, nil
}

func glString(name uintptr) string {
	p, _, _ := glGetString.Call(name)
	if p == 0 {
		return ""
	}
	// A pointer the driver owns, read at once; vet-clean conversion.
	return windows.BytePtrToString((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&p))))
}

// bundledOpenGL reports whether the opengl32.dll in this process is the one
// beside the program (the bundled software OpenGL), not the system's.
func bundledOpenGL() bool {
	name, _ := windows.UTF16PtrFromString("opengl32.dll")
	h, _, _ := getModuleHandleW.Call(uintptr(unsafe.Pointer(name)))
	if h == 0 {
		return false
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, _, _ := getModuleFileNameW.Call(h, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if n == 0 {
		return false
	}
	loaded := windows.UTF16ToString(buf[:n])
	self, err := os.Executable()
	if err != nil {
		return false
	}
	return strings.EqualFold(filepath.Dir(loaded), filepath.Dir(self))
}
