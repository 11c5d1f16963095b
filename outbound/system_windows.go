package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// WinHTTP, called directly: it is what reads the user's Internet Options and
// runs PAC scripts on Windows (with Windows' own JavaScript engine and its
// cache of scripts), the way browsers and .NET do.
var (
	winhttp              = windows.NewLazySystemDLL("winhttp.dll")
	procGetIEProxyConfig = winhttp.NewProc("WinHttpGetIEProxyConfigForCurrentUser")
	procOpen             = winhttp.NewProc("WinHttpOpen")
	procSetTimeouts      = winhttp.NewProc("WinHttpSetTimeouts")
	procGetProxyForURL   = winhttp.NewProc("WinHttpGetProxyForUrl")
	procCloseHandle      = winhttp.NewProc("WinHttpCloseHandle")
	procGlobalFree       = windows.NewLazySystemDLL("kernel32.dll").NewProc("GlobalFree")

	errNoPACScriptFound = errors.New("automatic detection (WPAD) found no PAC script")
)

const (
	internetSettingsKey  = `Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	pacFlagAutoDetect    = 0x1       // WINHTTP_AUTOPROXY_AUTO_DETECT
	pacFlagConfigURL     = 0x2       // WINHTTP_AUTOPROXY_CONFIG_URL
	pacDetectDHCPAndDNS  = 0x1 | 0x2 // WINHTTP_AUTO_DETECT_TYPE_DHCP | _DNS_A
	accessTypeNoProxy    = 1         // WINHTTP_ACCESS_TYPE_NO_PROXY
	accessTypeNamedProxy = 3         // WINHTTP_ACCESS_TYPE_NAMED_PROXY
	// winhttpTimeoutMillis bounds each step of a script's download.
	winhttpTimeoutMillis = 5000
	// ERROR_WINHTTP_AUTODETECTION_FAILED: WPAD found no script.
	errAutodetectionFailed = windows.Errno(12180)
)

// WINHTTP_CURRENT_USER_IE_PROXY_CONFIG
type winIEConfig struct {
	autoDetect    int32
	autoConfigURL *uint16
	proxy         *uint16
	proxyBypass   *uint16
}

// WINHTTP_AUTOPROXY_OPTIONS
type winAutoProxyOptions struct {
	flags                 uint32
	autoDetectFlags       uint32
	autoConfigURL         *uint16
	reserved              uintptr
	reserved2             uint32
	autoLogonIfChallenged int32
}

// WINHTTP_PROXY_INFO
type winProxyInfo struct {
	accessType  uint32
	proxy       *uint16
	proxyBypass *uint16
}

// takeString copies a string WinHTTP allocated, then frees it.
func takeString(p *uint16) string {
	if p == nil {
		return ""
	}
	s := windows.UTF16PtrToString(p)
	procGlobalFree.Call(uintptr(unsafe.Pointer(p)))
	return s
}

// systemSettings reads the user's Internet Options: through WinHTTP, and
// from the registry's named values where WinHTTP reports none (see
// windowsSettings).
func systemSettings(context.Context) Settings {
	var api ieConfig
	var c winIEConfig
	if err := procGetIEProxyConfig.Find(); err == nil {
		if r, _, _ := procGetIEProxyConfig.Call(uintptr(unsafe.Pointer(&c))); r != 0 {
			api = ieConfig{AutoDetect: c.autoDetect != 0, AutoConfigURL: takeString(c.autoConfigURL),
				Proxy: takeString(c.proxy), Bypass: takeString(c.proxyBypass)}
		}
	}
	var reg ieRegistry
	if k, err := registry.OpenKey(registry.CURRENT_USER, internetSettingsKey, registry.QUERY_VALUE); err == nil {
		reg.ProxyEnable, _, _ = k.GetIntegerValue("ProxyEnable")
		reg.ProxyServer, _, _ = k.GetStringValue("ProxyServer")
		reg.ProxyOverride, _, _ = k.GetStringValue("ProxyOverride")
		reg.AutoConfigURL, _, _ = k.GetStringValue("AutoConfigURL")
		k.Close()
	}
	return windowsSettings(api, reg)
}

// runPAC asks WinHTTP which proxy the PAC script at pacURL (or, with
// autoDetect, the one WPAD finds) names for target: "host:port" lists or
// "DIRECT". WinHTTP's own timeouts bound the script's download; ctx bounds
// the wait, and a call that outlives it finishes on its own.
func runPAC(ctx context.Context, pacURL string, autoDetect bool, target *url.URL) (string, error) {
	type answer struct {
		list string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		list, err := winHTTPProxyForURL(pacURL, autoDetect, target.String())
		done <- answer{list, err}
	}()
	select {
	case a := <-done:
		return a.list, a.err
	case <-ctx.Done():
		return "", fmt.Errorf("no answer in time: %w", ctx.Err())
	}
}

func winHTTPProxyForURL(pacURL string, autoDetect bool, target string) (string, error) {
	agent, _ := windows.UTF16PtrFromString("kantata-connect")
	session, _, err := procOpen.Call(uintptr(unsafe.Pointer(agent)), accessTypeNoProxy, 0, 0, 0)
	if session == 0 {
		return "", fmt.Errorf("WinHttpOpen: %w", err)
	}
	defer procCloseHandle.Call(session)
	procSetTimeouts.Call(session, winhttpTimeoutMillis, winhttpTimeoutMillis, winhttpTimeoutMillis, winhttpTimeoutMillis)

	opts := winAutoProxyOptions{autoLogonIfChallenged: 1}
	if autoDetect {
		opts.flags, opts.autoDetectFlags = pacFlagAutoDetect, pacDetectDHCPAndDNS
	} else {
		p, err := windows.UTF16PtrFromString(pacURL)
		if err != nil {
			return "", err
		}
		opts.flags, opts.autoConfigURL = pacFlagConfigURL, p
	}
	u, err := windows.UTF16PtrFromString(target)
	if err != nil {
		return "", err
	}
	var info winProxyInfo
	r, _, err := procGetProxyForURL.Call(session, uintptr(unsafe.Pointer(u)), uintptr(unsafe.Pointer(&opts)),
		uintptr(unsafe.Pointer(&info)))
	proxy, _ := takeString(info.proxy), takeString(info.proxyBypass)
	if r == 0 {
		if errors.Is(err, errAutodetectionFailed) {
			return "", errNoPACScriptFound
		}
		return "", pacError(err)
	}
	if info.accessType == accessTypeNamedProxy && proxy != "" {
		return proxy, nil
	}
	return "DIRECT", nil
}

// pacError words WinHTTP's PAC failures.
func pacError(err error) error {
	var errno windows.Errno
	if errors.As(err, &errno) {
		switch errno {
		case 12167: // ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT
			return errors.New("the script could not be downloaded")
		case 12166: // ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT
			return errors.New("the script has an error")
		case 12178: // ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR
			return errors.New("Windows' proxy detection service failed")
		}
		return fmt.Errorf("WinHTTP error %d", uint32(errno))
	}
	return err
}
