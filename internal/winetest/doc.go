// Package winetest proves the Windows build on Linux, under Wine (make test):
// the Windows test binaries of the non-GUI packages, an end-to-end run of the
// Windows command line against the stand-in Kantata with a real browser, the
// window under Wine and Xvfb, and the installer. Its tests are Linux-only and
// need Wine (wine64), mingw-w64 and NSIS; they never skip under make test.
//
// Three gaps in Wine 8.0 are bridged for the tests only, never in what users
// get. Go programs need ProcessPrng from bcryptprimitives.dll, which Wine 8.0
// lacks: a one-function DLL built with mingw from shim/ goes into the test
// prefix's system32. Go's os.RemoveAll asks for a file deletion mode
// (FileDispositionInformationEx) that Wine 8.0 does not implement, so the test
// binaries are built with Go's own fallback for older Windows switched on.
// And Windows' shell finds a link scheme the installer registered for the
// user (HKCU\Software\Classes) through HKEY_CLASSES_ROOT, which Wine 8.0 does
// not merge with the user's classes, so the app's own link test copies the
// installer's key to the machine's classes.
package winetest
