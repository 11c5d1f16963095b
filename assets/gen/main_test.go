package main

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"os"
	"testing"
)

// The committed icon must be what the generator draws today, so nobody edits
// the PNG by hand and lets it drift from its source.
func TestCommittedIconMatchesGenerator(t *testing.T) {
	data, err := os.ReadFile("../icon.png")
	if err != nil {
		t.Fatalf("read committed icon: %v", err)
	}
	decoded, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode committed icon: %v", err)
	}
	b := decoded.Bounds()
	if b.Dx() < 512 || b.Dy() < 512 || b.Dx() != b.Dy() {
		t.Fatalf("icon is %dx%d; want a square of at least 512x512", b.Dx(), b.Dy())
	}
	committed := image.NewNRGBA(b)
	draw.Draw(committed, b, decoded, b.Min, draw.Src)
	if !bytes.Equal(committed.Pix, Draw().Pix) {
		t.Fatal("assets/icon.png differs from what assets/gen draws; run: go generate ./assets")
	}
}

func TestIconHasTransparentCornersAndWhiteLinks(t *testing.T) {
	img := Draw()
	if a := img.NRGBAAt(0, 0).A; a != 0 {
		t.Errorf("corner alpha = %d; want 0 (rounded corners)", a)
	}
	if c := img.NRGBAAt(318-118, 706); c.R != 255 || c.G != 255 || c.B != 255 || c.A != 255 {
		t.Errorf("pixel on a link = %v; want opaque white", c)
	}
	if c := img.NRGBAAt(size/2, 900); c.A != 255 || c.B < 100 {
		t.Errorf("background pixel = %v; want opaque blue-teal", c)
	}
}
