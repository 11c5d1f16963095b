// Command gen draws the Kantata Connect icon: two white chain links on a
// rounded blue-to-teal square. It is drawn with signed distance functions and
// 4×4 supersampling so the edges are smooth at every size, and the output is
// byte-for-byte reproducible (a test checks the committed icon against it).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const size = 1024

func main() {
	out := flag.String("o", "icon.png", "output PNG file")
	flag.Parse()
	data, err := Encode()
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// Encode renders the icon and returns it as PNG bytes.
func Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, Draw()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Draw renders the icon at 1024×1024.
func Draw() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // samples per axis
	top := [3]float64{0x1d, 0x4e, 0xd8}
	bottom := [3]float64{0x0e, 0xa5, 0xa4}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var bgCover, linkCover float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := float64(x) + (float64(sx)+0.5)/ss
					py := float64(y) + (float64(sy)+0.5)/ss
					if roundedSquare(px, py) <= 0 {
						bgCover++
						if links(px, py) <= 0 {
							linkCover++
						}
					}
				}
			}
			if bgCover == 0 {
				continue
			}
			t := (float64(x) + float64(y)) / (2 * size) // diagonal gradient
			var c [3]float64
			for i := range c {
				bg := top[i] + (bottom[i]-top[i])*t
				// Links are white; mix by the share of covered samples.
				c[i] = (bg*(bgCover-linkCover) + 255*linkCover) / bgCover
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(math.Round(c[0])), G: uint8(math.Round(c[1])), B: uint8(math.Round(c[2])),
				A: uint8(math.Round(255 * bgCover / (ss * ss))),
			})
		}
	}
	return img
}

// roundedSquare is the signed distance to the icon's background.
func roundedSquare(x, y float64) float64 {
	const half, radius = size/2 - 56, 208
	dx := math.Abs(x-size/2) - (half - radius)
	dy := math.Abs(y-size/2) - (half - radius)
	outside := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
	return outside + math.Min(math.Max(dx, dy), 0) - radius
}

// links is the signed distance to two chain links, each the outline of a
// capsule, laid along the rising diagonal.
func links(x, y float64) float64 {
	const radius, stroke = 118, 30
	a := math.Abs(capsule(x, y, 318, 706, 462, 562)-radius) - stroke
	b := math.Abs(capsule(x, y, 562, 462, 706, 318)-radius) - stroke
	return math.Min(a, b)
}

// capsule is the distance from (x, y) to the segment (ax, ay)–(bx, by).
func capsule(x, y, ax, ay, bx, by float64) float64 {
	px, py := x-ax, y-ay
	vx, vy := bx-ax, by-ay
	h := math.Max(0, math.Min(1, (px*vx+py*vy)/(vx*vx+vy*vy)))
	return math.Hypot(px-vx*h, py-vy*h)
}
