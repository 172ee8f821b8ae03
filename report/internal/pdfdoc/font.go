package pdfdoc

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"math"
	"sort"
)

// Font is a TrueType font parsed once. It is never modified after
// ParseFont returns, so any number of documents, in any number of
// goroutines, may share one Font: each document keeps its own record of
// the glyphs it uses and builds its own subset from the Font's bytes.
type Font struct {
	name       string
	unitsPerEm int
	numGlyphs  int
	gids       map[rune]uint16
	widths     []int // advance of each glyph, in thousandths of an em
	tables     []table
	glyf       []byte
	loca       []uint32 // numGlyphs+1 offsets into glyf

	// The tables every subset embeds unchanged (all but head, loca, glyf
	// and the dropped ones), laid out once, with their deflated form.
	fixed        []table
	fixedData    []byte // fixed tables, each padded to four bytes
	fixedOffsets []int  // offset of each fixed table in fixedData
	fixedDeflate []byte // raw deflate of fixedData, ended by a sync flush

	ascent, descent, capHeight int
	bbox                       [4]int
	italicAngle                int
	stemV                      int
	missingWidth               int
}

type table struct {
	tag  string
	data []byte
}

// ParseFont reads a TrueType (glyf-outline) font. name becomes the
// font's PostScript name in documents; it must be letters and digits.
// The bytes are copied: the caller may reuse data.
func ParseFont(name string, data []byte) (*Font, error) {
	for _, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return nil, fmt.Errorf("pdfdoc: font name %q: use letters, digits and '-' only", name)
		}
	}
	data = append([]byte(nil), data...)
	f := &Font{name: name}
	if err := f.parse(data); err != nil {
		return nil, fmt.Errorf("pdfdoc: font %s: %w", name, err)
	}
	return f, nil
}

var errShort = errors.New("truncated or corrupt TrueType data")

func (f *Font) parse(data []byte) error {
	if len(data) < 12 {
		return errShort
	}
	if v := binary.BigEndian.Uint32(data); v != 0x00010000 && v != 0x74727565 {
		return fmt.Errorf("not a TrueType font (version %#x)", v)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return errShort
	}
	byTag := map[string][]byte{}
	for i := range n {
		rec := data[12+16*i:]
		tag := string(rec[:4])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return fmt.Errorf("table %q: %w", tag, errShort)
		}
		t := data[off : off+length]
		byTag[tag] = t
		f.tables = append(f.tables, table{tag, t})
	}
	sort.Slice(f.tables, func(i, j int) bool { return f.tables[i].tag < f.tables[j].tag })
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if byTag[tag] == nil {
			return fmt.Errorf("no %q table (only TrueType outlines are supported)", tag)
		}
	}
	head, hhea, maxp := byTag["head"], byTag["hhea"], byTag["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return errShort
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	if f.unitsPerEm == 0 {
		return errors.New("unitsPerEm is zero")
	}
	scale := func(v int16) int { return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm))) }
	i16 := func(b []byte, off int) int16 { return int16(binary.BigEndian.Uint16(b[off:])) }
	f.bbox = [4]int{scale(i16(head, 36)), scale(i16(head, 38)), scale(i16(head, 40)), scale(i16(head, 42))}
	longLoca := i16(head, 50) == 1
	f.ascent, f.descent = scale(i16(hhea, 4)), scale(i16(hhea, 6))
	f.capHeight = f.ascent
	f.stemV = 70
	if os2 := byTag["OS/2"]; len(os2) >= 6 {
		weight := float64(binary.BigEndian.Uint16(os2[4:]))
		f.stemV = 50 + int(math.Pow(weight/65, 2))
		if binary.BigEndian.Uint16(os2) >= 2 && len(os2) >= 90 {
			f.capHeight = scale(i16(os2, 88))
		}
	}
	if post := byTag["post"]; len(post) >= 8 {
		f.italicAngle = int(i16(post, 4))
	}
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	nh := int(binary.BigEndian.Uint16(hhea[34:]))
	hmtx := byTag["hmtx"]
	if nh == 0 || nh > f.numGlyphs || len(hmtx) < 4*nh {
		return errShort
	}
	f.widths = make([]int, f.numGlyphs)
	for g := range f.numGlyphs {
		adv := binary.BigEndian.Uint16(hmtx[4*min(g, nh-1):])
		f.widths[g] = int(math.Round(float64(adv) * 1000 / float64(f.unitsPerEm)))
	}
	f.missingWidth = f.widths[0]
	loca := byTag["loca"]
	f.glyf = byTag["glyf"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for g := range f.loca {
		var off uint32
		switch {
		case longLoca && len(loca) >= 4*(g+1):
			off = binary.BigEndian.Uint32(loca[4*g:])
		case !longLoca && len(loca) >= 2*(g+1):
			off = 2 * uint32(binary.BigEndian.Uint16(loca[2*g:]))
		default:
			return fmt.Errorf("loca: %w", errShort)
		}
		if off > uint32(len(f.glyf)) || g > 0 && off < f.loca[g-1] {
			return fmt.Errorf("loca: glyph %d: %w", g, errShort)
		}
		f.loca[g] = off
	}
	gids, err := cmapFormat4(byTag["cmap"])
	if err != nil {
		return err
	}
	for r, g := range gids {
		if int(g) >= f.numGlyphs {
			delete(gids, r)
		}
	}
	f.gids = gids
	return f.layoutFixed()
}

// dropped reports whether subsets leave a table out: a signature over the
// original no longer holds, and layout tables go unused, since a PDF
// positions every glyph itself.
func dropped(tag string) bool {
	switch tag {
	case "DSIG", "GDEF", "GPOS", "GSUB", "MATH":
		return true
	}
	return false
}

// layoutFixed lays out and deflates, once, the tables every subset embeds
// as they are.
func (f *Font) layoutFixed() error {
	for _, t := range f.tables {
		switch {
		case t.tag == "head" || t.tag == "loca" || t.tag == "glyf" || dropped(t.tag):
			continue
		}
		f.fixed = append(f.fixed, t)
		f.fixedOffsets = append(f.fixedOffsets, len(f.fixedData))
		f.fixedData = append(f.fixedData, t.data...)
		for len(f.fixedData)%4 != 0 {
			f.fixedData = append(f.fixedData, 0)
		}
	}
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return err
	}
	zw.Write(f.fixedData) // writes to a bytes.Buffer cannot fail
	if err := zw.Flush(); err != nil {
		return err
	}
	f.fixedDeflate = buf.Bytes()
	return nil
}

// cmapFormat4 returns the character to glyph mapping of the first
// Unicode BMP (format 4) subtable of a cmap table.
func cmapFormat4(cmap []byte) (map[rune]uint16, error) {
	u16 := func(p int) (int, error) {
		if p < 0 || p+2 > len(cmap) {
			return 0, fmt.Errorf("cmap: %w", errShort)
		}
		return int(binary.BigEndian.Uint16(cmap[p:])), nil
	}
	n, err := u16(2)
	if err != nil {
		return nil, err
	}
	for i := range n {
		rec := 4 + 8*i
		platform, _ := u16(rec)
		encoding, _ := u16(rec + 2)
		if rec+8 > len(cmap) {
			return nil, fmt.Errorf("cmap: %w", errShort)
		}
		if !(platform == 3 && encoding == 1 || platform == 0) {
			continue
		}
		sub := int(binary.BigEndian.Uint32(cmap[rec+4:]))
		if format, err := u16(sub); err != nil || format != 4 {
			continue
		}
		return cmapSubtable4(cmap, sub, u16)
	}
	return nil, errors.New("cmap: no Unicode BMP (format 4) subtable")
}

func cmapSubtable4(cmap []byte, sub int, u16 func(int) (int, error)) (map[rune]uint16, error) {
	segX2, err := u16(sub + 6)
	if err != nil {
		return nil, err
	}
	out := map[rune]uint16{}
	ends, starts := sub+14, sub+16+segX2
	deltas, ranges := starts+segX2, starts+2*segX2
	if ranges+segX2 > len(cmap) {
		return nil, fmt.Errorf("cmap: %w", errShort)
	}
	for s := 0; s < segX2/2; s++ {
		end, _ := u16(ends + 2*s)
		start, _ := u16(starts + 2*s)
		delta, _ := u16(deltas + 2*s)
		ro, _ := u16(ranges + 2*s)
		for c := start; c <= end && c != 0xFFFF; c++ {
			gid := 0
			if ro == 0 {
				gid = (c + delta) & 0xFFFF
			} else {
				g, err := u16(ranges + 2*s + ro + 2*(c-start))
				if err != nil {
					return nil, err
				}
				if g > 0 {
					gid = (g + delta) & 0xFFFF
				}
			}
			if gid != 0 {
				out[rune(c)] = uint16(gid)
			}
		}
	}
	return out, nil
}

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool {
	_, ok := f.gids[r]
	return ok
}

// glyph returns the glyph of r (0, the .notdef glyph, when the font lacks
// it) and its advance in thousandths of an em.
func (f *Font) glyph(r rune) (uint16, int) {
	g := f.gids[r]
	return g, f.widths[g]
}

// subsetStream returns, as a zlib stream, a copy of the font in which
// every glyph not in used (nor a component of one in used, nor .notdef)
// has no outline, and the copy's length uncompressed. Glyph numbers do
// not change, so text encoded with them needs no remapping.
//
// Only the table directory and the glyph tables change from one subset to
// another: the stream stores those as they are and splices in the other
// tables, deflated once when the font was parsed, so a document pays no
// compression for its fonts.
func (f *Font) subsetStream(used map[uint16]rune) ([]byte, int) {
	dir, vary := f.subsetParts(used)
	n := len(dir) + len(f.fixedData) + len(vary)
	out := make([]byte, 0, 2+len(dir)+len(f.fixedDeflate)+len(vary)+5*(2+len(vary)/65535)+4)
	out = append(out, 0x78, 0x01) // zlib: deflate, 32 KiB window, no dictionary
	out = storedBlocks(out, dir, false)
	out = append(out, f.fixedDeflate...)
	out = storedBlocks(out, vary, true)
	sum := adler32.New()
	sum.Write(dir)
	sum.Write(f.fixedData)
	sum.Write(vary)
	return sum.Sum(out), n
}

// storedBlocks appends data as deflate stored blocks (at most 65,535 bytes
// each), the last one final when final is set. The stream must be at a
// byte boundary, as it is after a sync flush or another stored block.
func storedBlocks(out, data []byte, final bool) []byte {
	for {
		k := min(len(data), 65535)
		last := k == len(data)
		hdr := byte(0)
		if last && final {
			hdr = 1
		}
		out = append(out, hdr, byte(k), byte(k>>8), ^byte(k), ^byte(k>>8))
		out = append(out, data[:k]...)
		data = data[k:]
		if last {
			return out
		}
	}
}

// subsetParts returns the table directory of a subset and its variable
// tables (head, loca and glyf, in that order, each padded to four bytes),
// which follow the fixed tables in the file.
func (f *Font) subsetParts(used map[uint16]rune) (dir, vary []byte) {
	keep := make([]bool, f.numGlyphs)
	stack := []uint16{0}
	for g := range used {
		stack = append(stack, g)
	}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if int(g) >= f.numGlyphs || keep[g] {
			continue
		}
		keep[g] = true
		stack = append(stack, f.components(g)...)
	}
	size := 0
	for g, k := range keep {
		if k {
			size += (int(f.loca[g+1]-f.loca[g]) + 3) &^ 3
		}
	}
	// Glyphs are padded to four bytes; offsets fit the short loca format
	// (offset/2 in 16 bits) unless the kept outlines pass 128 KiB.
	short := size < 1<<17
	glyf := make([]byte, 0, size)
	locaSize := 4
	if short {
		locaSize = 2
	}
	loca := make([]byte, locaSize*(f.numGlyphs+1))
	putLoca := func(g int) {
		if short {
			binary.BigEndian.PutUint16(loca[2*g:], uint16(len(glyf)/2))
		} else {
			binary.BigEndian.PutUint32(loca[4*g:], uint32(len(glyf)))
		}
	}
	for g, k := range keep {
		putLoca(g)
		if k {
			glyf = append(glyf, f.glyf[f.loca[g]:f.loca[g+1]]...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	putLoca(f.numGlyphs)
	var head []byte
	for _, t := range f.tables {
		if t.tag == "head" {
			head = append([]byte(nil), t.data...)
		}
	}
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment
	format := uint16(1)
	if short {
		format = 0
	}
	binary.BigEndian.PutUint16(head[50:], format)

	// The directory lists every table by tag; the data lies in the order
	// directory, fixed tables, head, loca, glyf.
	type entry struct {
		tag         string
		data        []byte
		offset, sum int
	}
	var entries []entry
	dirLen := 12 + 16*(len(f.fixed)+3)
	for i, t := range f.fixed {
		entries = append(entries, entry{t.tag, t.data, dirLen + f.fixedOffsets[i], 0})
	}
	at := dirLen + len(f.fixedData)
	for _, t := range []table{{"head", head}, {"loca", loca}, {"glyf", glyf}} {
		entries = append(entries, entry{t.tag, t.data, at, 0})
		vary = append(vary, t.data...)
		for len(vary)%4 != 0 {
			vary = append(vary, 0)
		}
		at = dirLen + len(f.fixedData) + len(vary)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })
	n := len(entries)
	dir = make([]byte, dirLen)
	binary.BigEndian.PutUint32(dir, 0x00010000)
	binary.BigEndian.PutUint16(dir[4:], uint16(n))
	sel := 0
	for 1<<(sel+1) <= n {
		sel++
	}
	binary.BigEndian.PutUint16(dir[6:], uint16(16<<sel))
	binary.BigEndian.PutUint16(dir[8:], uint16(sel))
	binary.BigEndian.PutUint16(dir[10:], uint16(16*n-16<<sel))
	for i, e := range entries {
		rec := dir[12+16*i:]
		copy(rec, e.tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(e.data))
		binary.BigEndian.PutUint32(rec[8:], uint32(e.offset))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(e.data)))
	}
	return dir, vary
}

// components returns the glyphs a composite glyph is built from.
func (f *Font) components(g uint16) []uint16 {
	data := f.glyf[f.loca[g]:f.loca[g+1]]
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	const (
		argsAreWords   = 0x0001
		haveScale      = 0x0008
		moreComponents = 0x0020
		haveXYScale    = 0x0040
		have2x2        = 0x0080
	)
	var out []uint16
	for p := 10; p+4 <= len(data); {
		flags := binary.BigEndian.Uint16(data[p:])
		out = append(out, binary.BigEndian.Uint16(data[p+2:]))
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&have2x2 != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			break
		}
	}
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
