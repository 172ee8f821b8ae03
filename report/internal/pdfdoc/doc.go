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
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
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
