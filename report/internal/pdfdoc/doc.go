// Package pdfdoc writes the PDF documents of package report: A4 pages of
// text, lines and rectangles in embedded TrueType fonts, laid out the way
// fpdf lays them out (cells, wrapped multi-line cells, automatic page
// breaks with a header and a footer on every page).
//
// It exists because fpdf parses and hashes a TrueType font anew for every
// document and writes into the font bytes it is given, which made each
// document cost ten times a core-font one and made concurrent renders race.
// Here a Font is parsed once and is immutable; a document records which
// glyphs it uses and embeds a subset of the font in which every other
// glyph is empty (glyph numbers unchanged, /CIDToGIDMap /Identity). A Doc
// is not safe for concurrent use; different Docs are independent.
package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf16"
)

// k is the number of points in a millimetre, the unit of every length a
// Doc takes.
const k = 72 / 25.4

// Doc is one document being drawn, in millimetres from the top-left corner
// of the page.
type Doc struct {
	w, h                       float64
	lMargin, tMargin, rMargin  float64
	cMargin                    float64
	breakMargin, breakTrigger  float64
	autoBreak                  bool
	fonts                      map[string]*fontUse
	fontOrder                  []*fontUse
	cur                        *fontUse
	size                       float64 // points
	pages                      []*bytes.Buffer
	page                       int // 1-based; 0 before the first page
	x, y, lasth                float64
	lineWidth                  float64
	draw, fill                 string
	header, footer             func()
	inHeader, inFooter, closed bool
	info                       [][2]string
	lang                       string
	created, modified          time.Time
	err                        error
	num                        []byte
}

// fontUse is a Font as one document uses it.
type fontUse struct {
	font *Font
	id   string          // resource name, F1, F2…
	used map[uint16]rune // glyphs drawn, and the character each stands for
}

// New starts a portrait document whose pages are w × h millimetres, with
// the default margins of 10 mm, a cell margin of 1 mm, a line width of
// 0.2 mm, black lines and fill, and automatic page breaks 20 mm from the
// bottom.
func New(w, h float64) *Doc {
	d := &Doc{w: w, h: h, fonts: map[string]*fontUse{}, lineWidth: 0.567 / k, draw: "0.000 G", fill: black}
	margin := 28.35 / k
	d.SetMargins(margin, margin, margin)
	d.cMargin = margin / 10
	d.SetAutoPageBreak(true, 2*margin)
	return d
}

// AddFont registers f under a family and style ("" or "B") for SetFont.
func (d *Doc) AddFont(family, style string, f *Font) {
	if f == nil {
		d.setErr(fmt.Errorf("pdfdoc: font %s %s is nil", family, style))
		return
	}
	u := &fontUse{font: f, id: "F" + strconv.Itoa(len(d.fontOrder)+1), used: map[uint16]rune{}}
	d.fonts[family+"/"+style] = u
	d.fontOrder = append(d.fontOrder, u)
}

// SetFont selects a registered font and its size in points.
func (d *Doc) SetFont(family, style string, size float64) {
	u, ok := d.fonts[family+"/"+style]
	if !ok {
		d.setErr(fmt.Errorf("pdfdoc: font %q style %q is not registered", family, style))
		return
	}
	d.cur, d.size = u, size
}

// Error returns the first error met while drawing, if any.
func (d *Doc) Error() error { return d.err }

func (d *Doc) setErr(err error) {
	if d.err == nil {
		d.err = err
	}
}

// SetMargins sets the left, top and right page margins.
func (d *Doc) SetMargins(left, top, right float64) {
	d.lMargin, d.tMargin, d.rMargin = left, top, right
}

// SetAutoPageBreak turns automatic page breaks on or off, margin
// millimetres above the bottom edge.
func (d *Doc) SetAutoPageBreak(auto bool, margin float64) {
	d.autoBreak, d.breakMargin, d.breakTrigger = auto, margin, d.h-margin
}

// SetHeaderFunc sets what is drawn at the top of every page, when the
// page is added.
func (d *Doc) SetHeaderFunc(f func()) { d.header = f }

// SetFooterFunc sets what is drawn at the bottom of every page. Footers
// are drawn when the document is written, once the number of pages is
// known (PageCount), with PageNo set to the page being finished.
func (d *Doc) SetFooterFunc(f func()) { d.footer = f }

// SetInfo sets a document information entry: Title, Subject, Author,
// Keywords, Creator or Producer.
func (d *Doc) SetInfo(key, value string) {
	d.info = append(d.info, [2]string{key, value})
}

// SetLang sets the document's natural language, as "es-BO".
func (d *Doc) SetLang(lang string) { d.lang = lang }

// SetDates sets the creation and modification dates written in the
// document's information (the zero time leaves them out).
func (d *Doc) SetDates(created, modified time.Time) {
	d.created, d.modified = created, modified
}

// GetPageSize returns the page's width and height.
func (d *Doc) GetPageSize() (float64, float64) { return d.w, d.h }

// PageNo returns the number of the current page, from 1.
func (d *Doc) PageNo() int { return d.page }

// PageCount returns the number of pages added so far; in a footer, the
// number of pages of the document.
func (d *Doc) PageCount() int { return len(d.pages) }

// GetY returns the current vertical position.
func (d *Doc) GetY() float64 { return d.y }

// SetX sets the current horizontal position.
func (d *Doc) SetX(x float64) { d.x = x }

// SetY sets the current vertical position and moves to the left margin.
func (d *Doc) SetY(y float64) { d.x, d.y = d.lMargin, y }

// SetXY sets the current position.
func (d *Doc) SetXY(x, y float64) { d.x, d.y = x, y }

// Ln moves to the left margin, h millimetres down.
func (d *Doc) Ln(h float64) { d.x, d.y = d.lMargin, d.y+h }

// AddPage starts a new page at the top margin and draws its header. The
// font, line width and colours in effect carry over.
func (d *Doc) AddPage() {
	if d.err != nil || d.closed {
		return
	}
	cur, size, lw, draw, fill := d.cur, d.size, d.lineWidth, d.draw, d.fill
	d.pages = append(d.pages, new(bytes.Buffer))
	d.page = len(d.pages)
	d.x, d.y = d.lMargin, d.tMargin
	d.startPage()
	if d.header != nil {
		d.inHeader = true
		d.header()
		d.inHeader = false
	}
	d.cur, d.size = cur, size
	if d.lineWidth != lw {
		d.SetLineWidth(lw)
	}
	if d.draw != draw {
		d.draw = draw
		d.out(draw)
	}
	if d.fill != fill {
		d.fill = fill
		d.out(fill)
	}
}

// startPage writes the graphics state a page starts with.
func (d *Doc) startPage() {
	d.out("2 J")
	d.num = appendNum(d.num[:0], d.lineWidth*k)
	d.out(string(d.num) + " w")
	d.out(d.draw)
	d.out(d.fill)
}

// out writes one line to the current page's content.
func (d *Doc) out(s string) {
	if d.page == 0 {
		return
	}
	b := d.pages[d.page-1]
	b.WriteString(s)
	b.WriteByte('\n')
}

// SetLineWidth sets the width of lines and rectangle borders.
func (d *Doc) SetLineWidth(w float64) {
	d.lineWidth = w
	d.num = appendNum(d.num[:0], w*k)
	d.out(string(d.num) + " w")
}

// SetDrawColor sets the colour of lines and borders, 0-255 per component.
func (d *Doc) SetDrawColor(r, g, b int) {
	d.draw = color(r, g, b, "G", "RG")
	d.out(d.draw)
}

// SetFillColor sets the colour of filled rectangles, 0-255 per component.
func (d *Doc) SetFillColor(r, g, b int) {
	d.fill = color(r, g, b, "g", "rg")
	d.out(d.fill)
}

func color(r, g, b int, gray, rgb string) string {
	c := func(v int) string {
		return strconv.FormatFloat(float64(max(0, min(255, v)))/255, 'f', 3, 64)
	}
	if r == g && g == b {
		return c(r) + " " + gray
	}
	return c(r) + " " + c(g) + " " + c(b) + " " + rgb
}

// Line draws a line between two points.
func (d *Doc) Line(x1, y1, x2, y2 float64) {
	n := d.num[:0]
	n = appendNum(n, x1*k)
	n = append(n, ' ')
	n = appendNum(n, (d.h-y1)*k)
	n = append(n, " m "...)
	n = appendNum(n, x2*k)
	n = append(n, ' ')
	n = appendNum(n, (d.h-y2)*k)
	n = append(n, " l S"...)
	d.num = n
	d.out(string(n))
}

// Rect draws a rectangle: style "D" outlines it, "F" fills it, "FD" does
// both.
func (d *Doc) Rect(x, y, w, h float64, style string) {
	op := "S"
	switch style {
	case "F":
		op = "f"
	case "FD", "DF":
		op = "B"
	}
	n := d.num[:0]
	for i, v := range []float64{x * k, (d.h - y) * k, w * k, -h * k} {
		if i > 0 {
			n = append(n, ' ')
		}
		n = appendNum(n, v)
	}
	n = append(n, " re "...)
	n = append(n, op...)
	d.num = n
	d.out(string(n))
}

// StringWidth returns the width of s in the current font.
func (d *Doc) StringWidth(s string) float64 {
	if d.cur == nil {
		return 0
	}
	w := 0
	for _, r := range s {
		_, adv := d.cur.font.glyph(r)
		w += adv
	}
	return float64(w) * d.size / 1000 / k
}

// Cell draws txt in a cell w millimetres wide (0: to the right margin) and
// h high, aligned "L", "C" or "R". Afterwards the position moves right of
// the cell (ln 0), to the start of the next line (ln 1) or below the cell
// (ln 2). A cell that would cross the page-break line starts a new page.
func (d *Doc) Cell(w, h float64, txt string, ln int, align string) {
	if d.err != nil {
		return
	}
	if d.cur == nil {
		d.setErr(fmt.Errorf("pdfdoc: no font set before drawing text"))
		return
	}
	if d.autoBreak && d.y+h > d.breakTrigger && !d.inHeader && !d.inFooter {
		x := d.x
		d.AddPage()
		d.x = x
	}
	if w == 0 {
		w = d.w - d.rMargin - d.x
	}
	if txt != "" {
		var dx float64
		switch align {
		case "R":
			dx = w - d.cMargin - d.StringWidth(txt)
		case "C":
			dx = (w - d.StringWidth(txt)) / 2
		default:
			dx = d.cMargin
		}
		sizeMM := d.size / k
		n := d.num[:0]
		if d.fill != black {
			n = append(n, "q "+black+" "...) // text is black whatever the fill
		}
		n = append(n, "BT /"...)
		n = append(n, d.cur.id...)
		n = append(n, ' ')
		n = appendNum(n, d.size)
		n = append(n, " Tf "...)
		n = appendNum(n, (d.x+dx)*k)
		n = append(n, ' ')
		n = appendNum(n, (d.h-(d.y+.5*h+.3*sizeMM))*k)
		n = append(n, " Td <"...)
		for _, r := range txt {
			g, _ := d.cur.font.glyph(r)
			if _, ok := d.cur.used[g]; !ok {
				d.cur.used[g] = r
			}
			n = append(n, hexDigits[g>>12], hexDigits[g>>8&15], hexDigits[g>>4&15], hexDigits[g&15])
		}
		n = append(n, "> Tj ET"...)
		if d.fill != black {
			n = append(n, " Q"...)
		}
		d.num = n
		d.out(string(n))
	}
	d.lasth = h
	switch {
	case ln == 1:
		d.x, d.y = d.lMargin, d.y+h
	case ln > 1:
		d.y += h
	default:
		d.x += w
	}
}

const hexDigits = "0123456789ABCDEF"

// black is the fill colour operator text is drawn with.
const black = "0.000 g"

// MultiCell draws txt wrapped to lines w millimetres wide (0: to the right
// margin), h high each, aligned "L" or "C"; "\n" breaks a line. Lines
// that do not fit on the page continue on the next. Afterwards the
// position is at the left margin below the text.
func (d *Doc) MultiCell(w, h float64, txt, align string) {
	if d.err != nil {
		return
	}
	if w == 0 {
		w = d.w - d.rMargin - d.x
	}
	for _, line := range d.wrap(txt, w, false) {
		d.Cell(w, h, line, 2, align)
	}
	d.x = d.lMargin
}

// SplitText returns txt broken into the lines a cell w millimetres wide
// holds, in the current font.
func (d *Doc) SplitText(txt string, w float64) []string {
	return d.wrap(txt, w, true)
}

// wrap breaks text as fpdf does: at the last space before the line
// overflows, or inside a word longer than the line. With anySpace, any
// Unicode space (tabs too) may break a line, and a break at a space
// keeps the space out of both lines.
func (d *Doc) wrap(txt string, w float64, anySpace bool) []string {
	if d.cur == nil {
		d.setErr(fmt.Errorf("pdfdoc: no font set before drawing text"))
		return nil
	}
	s := []rune(strings.ReplaceAll(txt, "\r", ""))
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	wmax := int(math.Ceil((w - 2*d.cMargin) * 1000 / d.size * k))
	var lines []string
	sep, i, j, l := -1, 0, 0, 0
	for i < len(s) {
		c := s[i]
		if c == '\n' {
			lines = append(lines, string(s[j:i]))
			i++
			sep, j, l = -1, i, 0
			continue
		}
		if c == ' ' || anySpace && unicode.IsSpace(c) {
			sep = i
		}
		_, adv := d.cur.font.glyph(c)
		l += adv
		if l > wmax {
			if sep == -1 {
				if i == j {
					i++
				}
				lines = append(lines, string(s[j:i]))
			} else {
				lines = append(lines, string(s[j:sep]))
				i = sep + 1
			}
			sep, j, l = -1, i, 0
			continue
		}
		i++
	}
	if i != j || len(lines) == 0 {
		lines = append(lines, string(s[j:i]))
	}
	return lines
}

// Output finishes the document (drawing every page's footer) and writes
// it to w. Writing the same drawing twice gives the same bytes.
func (d *Doc) Output(w io.Writer) error {
	if d.err != nil {
		return d.err
	}
	if !d.closed {
		if len(d.pages) == 0 {
			d.AddPage()
		}
		if d.footer != nil {
			cur, size := d.cur, d.size
			d.inFooter = true
			for p := range d.pages {
				d.page = p + 1
				d.startPage() // the page's own state may have changed
				d.footer()
			}
			d.inFooter = false
			d.cur, d.size = cur, size
		}
		d.closed = true
	}
	if d.err != nil {
		return d.err
	}
	var b writer
	b.write(d)
	_, err := w.Write(b.buf.Bytes())
	return err
}

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
	sub := f.subset(u.used)
	b.obj(n + 3)
	b.stream(" /Length1 "+strconv.Itoa(len(sub)), sub, true)
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
