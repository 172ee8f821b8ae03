package report

import (
	_ "embed"
	"encoding/binary"
	"sync"
)

// The embedded fonts: subsets of DejaVu Sans (see fonts/README.md and
// fonts/LICENSE).
var (
	//go:embed fonts/DejaVuSans-subset.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold-subset.ttf
	fontBold []byte
)

// fontFamily is the family name the documents register the fonts under.
const fontFamily = "DejaVuSans"

// replacement is drawn in place of a character the fonts lack.
const replacement = '\uFFFD'

var coverage = sync.OnceValue(func() map[rune]bool {
	reg, bold := cmapRunes(fontRegular), cmapRunes(fontBold)
	both := make(map[rune]bool, len(reg))
	for r := range reg {
		if bold[r] {
			both[r] = true
		}
	}
	return both
})

// cmapRunes returns the characters mapped by the format 4 (BMP) subtable of
// a TrueType font's cmap. It returns an empty map for a font it cannot read.
func cmapRunes(ttf []byte) map[rune]bool {
	out := map[rune]bool{}
	u16 := func(p int) int {
		if p < 0 || p+2 > len(ttf) {
			return -1
		}
		return int(binary.BigEndian.Uint16(ttf[p:]))
	}
	u32 := func(p int) int {
		if p < 0 || p+4 > len(ttf) {
			return -1
		}
		return int(binary.BigEndian.Uint32(ttf[p:]))
	}
	cmap := -1
	for i, n := 0, u16(4); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return out
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return out
	}
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		platform, encoding, off := u16(rec), u16(rec+2), u32(rec+4)
		if !(platform == 3 && encoding == 1 || platform == 0) {
			continue
		}
		sub := cmap + off
		if u16(sub) != 4 {
			continue
		}
		segX2 := u16(sub + 6)
		if segX2 < 0 {
			return out
		}
		ends, starts := sub+14, sub+16+segX2
		deltas, ranges := starts+segX2, starts+2*segX2
		for s := 0; s < segX2/2; s++ {
			end, start := u16(ends+2*s), u16(starts+2*s)
			delta, ro := u16(deltas+2*s), u16(ranges+2*s)
			if end < 0 || start < 0 || delta < 0 || ro < 0 {
				return out
			}
			for c := start; c <= end && c != 0xFFFF; c++ {
				gid := 0
				if ro == 0 {
					gid = (c + delta) & 0xFFFF
				} else {
					g := u16(ranges + 2*s + ro + 2*(c-start))
					if g > 0 {
						gid = (g + delta) & 0xFFFF
					}
				}
				if gid != 0 {
					out[rune(c)] = true
				}
			}
		}
		return out
	}
	return out
}
