package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// writer lays the objects of a document out with their cross-reference
// table.
type writer struct {
	buf     bytes.Buffer
	offsets []int
}

func (b *writer) obj(n int) {
	for len(b.offsets) <= n {
		b.offsets = append(b.offsets, 0)
	}
	b.offsets[n] = b.buf.Len()
	fmt.Fprintf(&b.buf, "%d 0 obj\n", n)
}

func (b *writer) stream(dict string, data []byte, compress bool) {
	if compress {
		data = deflate(data)
		dict += " /Filter /FlateDecode"
	}
	fmt.Fprintf(&b.buf, "<<%s /Length %d>>\nstream\n", dict, len(data))
	b.buf.Write(data)
	b.buf.WriteString("\nendstream\nendobj\n")
}

func (b *writer) write(d *Doc) {
	// Objects: 1 pages, 2 resources, then two per page (page, content),
	// five per font used, the information dictionary and the catalog.
	var fonts []*fontUse
	for _, u := range d.fontOrder {
		if len(u.used) > 0 {
			fonts = append(fonts, u)
		}
	}
	pageObj := func(i int) int { return 3 + 2*i }
	fontObj := 3 + 2*len(d.pages)
	infoObj := fontObj + 5*len(fonts)
	catalogObj := infoObj + 1

	b.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	b.obj(1)
	fmt.Fprintf(&b.buf, "<</Type /Pages /Kids [")
	for i := range d.pages {
		if i > 0 {
			b.buf.WriteByte(' ')
		}
		fmt.Fprintf(&b.buf, "%d 0 R", pageObj(i))
	}
	fmt.Fprintf(&b.buf, "] /Count %d /MediaBox [0 0 %s %s]>>\nendobj\n", len(d.pages), fnum(d.w*k), fnum(d.h*k))
	b.obj(2)
	b.buf.WriteString("<</ProcSet [/PDF /Text] /Font <<")
	for i, u := range fonts {
		fmt.Fprintf(&b.buf, " /%s %d 0 R", u.id, fontObj+5*i)
	}
	b.buf.WriteString(">>>>\nendobj\n")
	for i, p := range d.pages {
		b.obj(pageObj(i))
		fmt.Fprintf(&b.buf, "<</Type /Page /Parent 1 0 R /Resources 2 0 R /Contents %d 0 R>>\nendobj\n", pageObj(i)+1)
		b.obj(pageObj(i) + 1)
		b.stream("", p.Bytes(), true)
	}
	for i, u := range fonts {
		b.font(u, fontObj+5*i)
	}
	b.obj(infoObj)
	b.buf.WriteString("<<")
	for _, kv := range d.info {
		fmt.Fprintf(&b.buf, "/%s %s ", kv[0], textString(kv[1]))
	}
	for _, t := range []struct {
		key string
		at  time.Time
	}{{"CreationDate", d.created}, {"ModDate", d.modified}} {
		if !t.at.IsZero() {
			fmt.Fprintf(&b.buf, "/%s (D:%s) ", t.key, t.at.UTC().Format("20060102150405Z"))
		}
	}
	b.buf.WriteString(">>\nendobj\n")
	b.obj(catalogObj)
	b.buf.WriteString("<</Type /Catalog /Pages 1 0 R")
	if d.lang != "" {
		fmt.Fprintf(&b.buf, " /Lang %s", textString(d.lang))
	}
	b.buf.WriteString(">>\nendobj\n")
	id := sha256.Sum256(b.buf.Bytes())
	xref := b.buf.Len()
	fmt.Fprintf(&b.buf, "xref\n0 %d\n0000000000 65535 f \n", catalogObj+1)
	for _, off := range b.offsets[1:] {
		fmt.Fprintf(&b.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b.buf, "trailer\n<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%x> <%x>]>>\nstartxref\n%d\n%%%%EOF\n",
		catalogObj+1, catalogObj, infoObj, id[:16], id[:16], xref)
}

// font writes the five objects of one embedded font from object n on:
// the Type0 font, its CIDFont, descriptor, font file and ToUnicode map.
func (b *writer) font(u *fontUse, n int) {
	f := u.font
	gids := make([]uint16, 0, len(u.used))
	for g := range u.used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	// The subset's tag is six letters derived from the glyphs it holds.
	h := sha256.New()
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := string(tag) + "+" + f.name

	b.obj(n)
	fmt.Fprintf(&b.buf, "<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R>>\nendobj\n", name, n+1, n+4)
	b.obj(n + 1)
	fmt.Fprintf(&b.buf, "<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor %d 0 R /DW %d /CIDToGIDMap /Identity /W [",
		name, n+2, f.missingWidth)
	for i := 0; i < len(gids); {
		j := i + 1
		for j < len(gids) && gids[j] == gids[j-1]+1 {
			j++
		}
		fmt.Fprintf(&b.buf, "%d [", gids[i])
		for x, g := range gids[i:j] {
			if x > 0 {
				b.buf.WriteByte(' ')
			}
			b.buf.WriteString(strconv.Itoa(f.widths[g]))
		}
		b.buf.WriteString("] ")
		i = j
	}
	b.buf.WriteString("]>>\nendobj\n")
	b.obj(n + 2)
	flags := 4 // symbolic: the glyphs are addressed by number, not by name
	if f.italicAngle != 0 {
		flags |= 64
	}
	fmt.Fprintf(&b.buf, "<</Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV %d /MissingWidth %d /FontFile2 %d 0 R>>\nendobj\n",
		name, flags, f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3], f.italicAngle, f.ascent, f.descent, f.capHeight, f.stemV, f.missingWidth, n+3)
	sub, length1 := f.subsetStream(u.used)
	b.obj(n + 3)
	b.stream(" /Length1 "+strconv.Itoa(length1)+" /Filter /FlateDecode", sub, false)
	b.obj(n + 4)
	b.stream("", toUnicode(gids, u.used), true)
}

// toUnicode is the CMap that maps each glyph used back to its character,
// for copying and searching text.
func toUnicode(gids []uint16, used map[uint16]rune) []byte {
	var c bytes.Buffer
	c.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&c, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&c, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{used[g]}) {
				fmt.Fprintf(&c, "%04X", u)
			}
			c.WriteString(">\n")
		}
		c.WriteString("endbfchar\n")
	}
	c.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return c.Bytes()
}

// textString writes s as a PDF text string: literal when it is printable
// ASCII, UTF-16BE with a byte-order mark otherwise.
func textString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '(' || c == ')' || c == '\\' {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + s + ")"
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return "<" + strings.ToUpper(hex.EncodeToString(b)) + ">"
}

// appendNum appends v with two decimals, as content streams carry
// coordinates.
func appendNum(b []byte, v float64) []byte {
	if v > -0.005 && v < 0.005 {
		v = 0 // no "-0.00"
	}
	return strconv.AppendFloat(b, v, 'f', 2, 64)
}

func fnum(v float64) string { return string(appendNum(nil, v)) }

// zlibWriters reuses compressors: a new one allocates about a megabyte.
var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

func deflate(data []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(data)/2 + 64)
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(&out)
	zw.Write(data) // writes to a bytes.Buffer cannot fail
	zw.Close()
	zlibWriters.Put(zw)
	return out.Bytes()
}
