//go:build windows

package screen

import "testing"

// Windows answers with the work area of the monitor at a point.
func TestWorkAreaOnWindows(t *testing.T) {
	area, err := WorkAreaAt(10, 10)
	if err != nil || area.Empty() {
		t.Fatalf("WorkAreaAt(10, 10) = %v, %v; want the primary monitor's work area", area, err)
	}
	if far, err := WorkAreaAt(-100000, -100000); err != nil || far != area {
		t.Errorf("a point on no monitor gave %v, %v; want the nearest monitor's, %v", far, err, area)
	}
}
