//go:build windows

package handover

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// The named pipe, under Wine in make test (internal/winetest). Listen and
// Send over it are tested with the common code, in handover_test.go.

func TestPipe(t *testing.T) {
	t.Run("a line goes from dial to listen", func(t *testing.T) {
		dir := t.TempDir()
		ln, err := listen(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		got := make(chan string, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				got <- "accept: " + err.Error()
				return
			}
			defer c.Close()
			line, _ := bufio.NewReader(c).ReadString('\n')
			fmt.Fprintln(c, "ok")
			got <- line
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := dial(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		const address = "com.kantataconnect.desktop:/callback?code=c&state=s"
		fmt.Fprintln(c, address)
		reply, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || reply != "ok\n" {
			t.Errorf("reply %q, %v; want ok", reply, err)
		}
		if line := <-got; line != address+"\n" {
			t.Errorf("the listener read %q, want %q", line, address)
		}
	})

	t.Run("a second listen on the folder is in use", func(t *testing.T) {
		dir := t.TempDir()
		first, err := listen(dir)
		if err != nil {
			t.Fatal(err)
		}
		if second, err := listen(dir); !errors.Is(err, ErrInUse) {
			if second != nil {
				second.Close()
			}
			t.Errorf("second listen: %v, want ErrInUse", err)
		}
		if _, err := Listen(dir, func(string) error { return nil }); !errors.Is(err, ErrInUse) {
			t.Errorf("Listen beside a listening one: %v, want ErrInUse", err)
		}
		// Once the first is closed, the name is free again.
		first.Close()
		again, err := listen(dir)
		if err != nil {
			t.Fatalf("listen after the first closed: %v", err)
		}
		again.Close()
	})

	t.Run("nobody listening is ErrNobodyWaiting at once", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		if c, err := dial(ctx, dir); !errors.Is(err, ErrNobodyWaiting) {
			if c != nil {
				c.Close()
			}
			t.Errorf("dial with nobody listening: %v, want ErrNobodyWaiting", err)
		}
		if err := Send(ctx, dir, "com.kantataconnect.desktop:/callback?code=c&state=s"); !errors.Is(err, ErrNobodyWaiting) {
			t.Errorf("Send with nobody listening: %v, want ErrNobodyWaiting", err)
		}
		// Not a wait for the context's minute: at once.
		if ctx.Err() != nil {
			t.Errorf("dial waited for its context (%s) instead of answering at once", time.Since(start))
		}
	})

	t.Run("folders have their own pipes", func(t *testing.T) {
		a, b := t.TempDir(), t.TempDir()
		la, err := listen(a)
		if err != nil {
			t.Fatal(err)
		}
		defer la.Close()
		lb, err := listen(b)
		if err != nil {
			t.Fatalf("listen on a second folder beside the first: %v", err)
		}
		lb.Close()
		// The same folder written another way is the same pipe.
		na, _ := pipeName(a)
		nu, _ := pipeName(strings.ToUpper(a) + `\.`)
		if na != nu {
			t.Errorf("pipe of %q is %s, of the same folder in capitals %s", a, na, nu)
		}
	})

	t.Run("only the current user may open the pipe", func(t *testing.T) {
		dir := t.TempDir()
		ln, err := listen(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Close()
			}
		}()
		c, err := dial(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		h := windows.Handle(c.(interface{ Fd() uintptr }).Fd())
		sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT,
			windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatalf("read the pipe's security descriptor: %v", err)
		}
		me, err := userSID()
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("O:%sD:P(A;;FA;;;%s)", me, me)
		if got := sd.String(); got != want && got != fmt.Sprintf("O:%sD:P(A;;GA;;;%s)", me, me) {
			t.Errorf("the pipe's security descriptor is %s, want %s: this user alone", got, want)
		}
	})
}
