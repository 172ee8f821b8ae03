package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/template"

	qr "github.com/piglig/go-qr"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report/internal/pdfdoc"
)

// Page geometry, in millimetres.
const (
	marginLeft   = 25.0
	marginRight  = 20.0
	marginTop    = 12.0
	contentTop   = 40.0
	footerHeight = 22.0
	lineH        = 5.0
	cellLineH    = 4.2
)

// Render writes the document in.Topic of a case to w as a PDF, drawn from
// its declaration in in.Definition (procedure.DocumentDef). Its output
// depends only on in and opt: rendering the same input twice gives the
// same bytes. It returns EINVALID for a topic the definition does not
// declare, a missing definition, an empty history or a template that
// fails; nothing is written then.
func Render(w io.Writer, in Input, opt Options) error {
	if w == nil {
		return procedure.Errorf(procedure.EINVALID, "report: falta el destino donde escribir el documento")
	}
	if in.Definition == nil {
		return procedure.Errorf(procedure.EINVALID, "report: falta la definición del procedimiento %q del trámite %s", in.Case.Procedure, in.Case.ID)
	}
	def, ok := in.Definition.Document(in.Topic)
	if !ok {
		return procedure.Errorf(procedure.EINVALID, "report: el procedimiento %s no declara el documento %q", in.Definition.Code, in.Topic)
	}
	sum, err := Fingerprint(in)
	if err != nil {
		return err
	}
	d, err := newDoc(in, def, opt.withDefaults(), sum)
	if err != nil {
		return err
	}
	if err := d.body(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return fmt.Errorf("report: generar el PDF de %s del trámite %s: %w", in.Topic, in.Case.ID, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// doc is one document being drawn.
type doc struct {
	pdf   *pdfdoc.Doc
	in    Input
	def   *procedure.DocumentDef
	opt   Options
	facts *procedure.Facts
	data  docData
	last  procedure.Entry
	sum   string
	code  string
	qr    [][]bool
	tmpl  *template.Template
}

func newDoc(in Input, def *procedure.DocumentDef, opt Options, sum string) (*doc, error) {
	facts := procedure.NewFacts(in.Definition, in.Case, in.History, in.Seq,
		procedure.FactsOptions{Location: opt.Location, Holders: in.Names, Actors: in.Actors, Calendar: in.Calendar})
	if in.Number != "" {
		facts = facts.WithNumber(in.Topic, in.Number)
	}
	h := facts.History()
	d := &doc{in: in, def: def, opt: opt, facts: facts, sum: sum, code: VerifyCode(sum), last: h[len(h)-1],
		data: docData{Facts: facts, Number: in.Number, Institution: opt.Institution}}
	fs, err := fonts()
	if err != nil {
		return nil, fmt.Errorf("report: leer las fuentes incluidas: %w", err)
	}
	p := pdfdoc.New(210, 297) // A4
	d.pdf = p
	p.AddFont(fontFamily, "", fs.regular)
	p.AddFont(fontFamily, "B", fs.bold)
	p.SetMargins(marginLeft, contentTop, marginRight)
	p.SetAutoPageBreak(true, footerHeight)
	created := opt.CreationDate
	if created.IsZero() {
		created = d.last.At
	}
	p.SetDates(created, created)
	p.SetInfo("Producer", "tramite")
	p.SetInfo("Creator", "tramite")
	p.SetInfo("Author", Sanitize(d.issuer()))
	p.SetLang("es-BO")
	p.SetInfo("Keywords", "tramite-fingerprint:"+sum)
	p.SetInfo("Title", Sanitize(strings.TrimSpace(def.Label+" "+in.Number)))
	p.SetInfo("Subject", Sanitize(in.Definition.Code+" "+in.Case.ID))
	code, err := qr.EncodeText(d.qrText(), qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("report: generar el código QR: %w", err)
	}
	d.qr = make([][]bool, code.Size())
	for y := range d.qr {
		d.qr[y] = make([]bool, code.Size())
		for x := range d.qr[y] {
			d.qr[y][x] = code.Module(x, y)
		}
	}
	p.SetHeaderFunc(d.header)
	p.SetFooterFunc(d.footer)
	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("report: preparar el documento: %w", err)
	}
	p.AddPage()
	return d, nil
}

// issuer is the unit that issues the document: the requesting unit for a
// document the requester issues, the institution's unit otherwise.
func (d *doc) issuer() string {
	if d.def.Issuer == procedure.IssuerRequester && d.in.Case.Unit != "" {
		return d.in.Case.Unit
	}
	return d.opt.Institution.Unit
}

// qrText is what the QR code carries: the verification address when one
// is set (Options.VerifyURL), else the case, the verification code and the
// fingerprint, in capitals so that the code stays small (QR alphanumeric
// mode).
func (d *doc) qrText() string {
	if d.opt.VerifyURL != "" {
		return VerifyURL(d.opt.VerifyURL, d.sum)
	}
	return strings.ToUpper(d.in.Case.ID + " " + d.code + " SHA-256:" + d.sum)
}

func (d *doc) font(style string, size float64) { d.pdf.SetFont(fontFamily, style, size) }

func (d *doc) header() {
	p := d.pdf
	pw, _ := p.GetPageSize()
	d.drawQR(pw-marginRight-20, marginTop, 20)
	p.SetXY(marginLeft, marginTop)
	d.font("B", 10)
	p.MultiCell(pw-marginLeft-marginRight-24, 4.5, Sanitize(d.opt.Institution.Name), "L")
	d.font("", 9)
	p.SetX(marginLeft)
	p.MultiCell(pw-marginLeft-marginRight-24, 4.5, Sanitize(d.issuer()), "L")
	p.SetX(marginLeft)
	d.font("", 8)
	p.Cell(pw-marginLeft-marginRight-24, 4, Sanitize(d.in.Definition.Code+" · "+d.in.Case.ID), 1, "L")
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.4)
	p.Line(marginLeft, contentTop-5, pw-marginRight, contentTop-5)
	p.SetLineWidth(0.2)
	p.SetXY(marginLeft, contentTop)
	d.font("", 10)
}

// drawQR draws the verification QR code as vector squares, size mm wide,
// merging the dark modules of each row into runs.
func (d *doc) drawQR(x, y, size float64) {
	n := len(d.qr)
	if n == 0 {
		return
	}
	m := size / float64(n)
	d.pdf.SetFillColor(0, 0, 0)
	for r, row := range d.qr {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			d.pdf.Rect(x+float64(start)*m, y+float64(r)*m, float64(c-start)*m, m, "F")
		}
	}
}

// footer closes every page with how to verify the document: its short
// code, the history entry it reflects and its fingerprint (or the
// verification address, when one is set).
func (d *doc) footer() {
	p := d.pdf
	pw, ph := p.GetPageSize()
	y := ph - footerHeight + 4
	p.SetLineWidth(0.2)
	p.Line(marginLeft, y, pw-marginRight, y)
	d.font("", 7)
	w := pw - marginLeft - marginRight - 30
	p.SetXY(marginLeft, y+1)
	p.Cell(w, 3.3, Sanitize(fmt.Sprintf("Código de verificación: %s · refleja el trámite %s hasta la entrada %d de su historial",
		d.code, d.in.Case.ID, d.last.Seq)), 2, "L")
	d.font("", 6)
	if d.opt.VerifyURL != "" {
		p.Cell(w, 3, Sanitize("Verifique en "+VerifyURL(d.opt.VerifyURL, d.sum)), 2, "L")
	} else {
		p.Cell(w, 3, "Huella SHA-256: "+d.sum, 2, "L")
	}
	p.SetXY(pw-marginRight-30, y+1)
	d.font("", 8)
	p.Cell(30, 3.5, fmt.Sprintf("Página %d de %d", p.PageNo(), p.PageCount()), 0, "R")
}

// width is the usable width of a page.
func (d *doc) width() float64 {
	pw, _ := d.pdf.GetPageSize()
	return pw - marginLeft - marginRight
}

// bottom is the lowest y the content may reach.
func (d *doc) bottom() float64 {
	_, ph := d.pdf.GetPageSize()
	return ph - footerHeight
}

// ensure starts a new page unless h millimetres fit on this one.
func (d *doc) ensure(h float64) {
	if d.pdf.GetY()+h > d.bottom() {
		d.pdf.AddPage()
	}
}

func (d *doc) titleBlock() {
	p := d.pdf
	d.font("B", 14)
	p.Cell(0, 7, Sanitize(d.def.Title), 1, "C")
	if n := d.in.Number; n != "" {
		d.font("B", 10)
		p.Cell(0, 5, Sanitize(n), 1, "C")
	}
	p.Ln(3)
	d.font("", 10)
}

// place writes "La Paz, 26 de noviembre de 2026", the date of the entry
// the document reflects.
func (d *doc) place() {
	d.font("", 10)
	d.pdf.Cell(0, lineH, Sanitize(d.opt.Institution.City)+", "+d.facts.Date().Long(), 1, "R")
	d.pdf.Ln(2)
}

// heading writes a numbered section title.
func (d *doc) heading(s string) {
	d.ensure(3 * lineH)
	d.pdf.Ln(2)
	d.font("B", 10)
	d.pdf.MultiCell(0, lineH, Sanitize(s), "L")
	d.font("", 10)
	d.pdf.Ln(1)
}

// para writes wrapped free text.
func (d *doc) para(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "—"
	}
	d.font("", 10)
	d.pdf.MultiCell(0, lineH, Sanitize(s), "L")
	d.pdf.Ln(1)
}

// fields writes "LABEL: value" lines with the labels in bold, as in the
// A:/VÍA:/DE:/REF.:/FECHA: block of an informe.
func (d *doc) fields(rows [][2]string) {
	p := d.pdf
	lw := 22.0
	for _, r := range rows {
		d.ensure(lineH)
		d.font("B", 10)
		p.Cell(lw, lineH, Sanitize(r[0]), 0, "L")
		d.font("", 10)
		p.MultiCell(0, lineH, Sanitize(r[1]), "L")
	}
	d.font("", 10)
	y := p.GetY() + 1
	p.Line(marginLeft, y, marginLeft+d.width(), y)
	p.Ln(3)
}

// column is one column of a table.
type column struct {
	title string
	width float64 // fraction of the usable width
}

// table draws a table whose rows may break across pages; the header row
// is repeated at the top of every page the table continues on.
func (d *doc) table(cols []column, rows [][]string) {
	p := d.pdf
	total := d.width()
	ws := make([]float64, len(cols))
	for i, c := range cols {
		ws[i] = c.width * total
	}
	head := func() {
		d.font("B", 8)
		p.SetFillColor(225, 225, 225)
		x := marginLeft
		y := p.GetY()
		hs := make([][]string, len(cols))
		n := 1
		for i, c := range cols {
			hs[i] = p.SplitText(Sanitize(c.title), ws[i])
			n = max(n, len(hs[i]))
		}
		h := float64(n)*cellLineH + 1
		for i := range cols {
			p.Rect(x, y, ws[i], h, "FD")
			for k, l := range hs[i] {
				p.SetXY(x, y+0.5+float64(k)*cellLineH)
				p.Cell(ws[i], cellLineH, l, 0, "L")
			}
			x += ws[i]
		}
		p.SetXY(marginLeft, y+h)
		d.font("", 8)
	}
	d.ensure(4 * cellLineH)
	head()
	d.font("", 8)
	for _, row := range rows {
		lines := make([][]string, len(cols))
		n := 1
		for i := range cols {
			v := ""
			if i < len(row) {
				v = Sanitize(row[i])
			}
			for _, para := range strings.Split(v, "\n") {
				if para == "" {
					lines[i] = append(lines[i], "")
					continue
				}
				lines[i] = append(lines[i], p.SplitText(para, ws[i])...)
			}
			n = max(n, len(lines[i]))
		}
		for start := 0; start < n; {
			room := int((d.bottom() - p.GetY() - 1) / cellLineH)
			if room < 1 || (start == 0 && room < min(n, 3)) {
				p.AddPage()
				head()
				continue
			}
			k := min(room, n-start)
			y := p.GetY()
			h := float64(k)*cellLineH + 1
			x := marginLeft
			for i := range cols {
				p.Rect(x, y, ws[i], h, "D")
				for j := start; j < start+k && j < len(lines[i]); j++ {
					p.SetXY(x, y+0.5+float64(j-start)*cellLineH)
					p.Cell(ws[i], cellLineH, lines[i][j], 0, "L")
				}
				x += ws[i]
			}
			p.SetXY(marginLeft, y+h)
			start += k
			if start < n {
				p.AddPage()
				head()
			}
		}
	}
	d.font("", 10)
	p.Ln(3)
}

// signOff is one sign-off block: who gave it, in which role, when, and the
// hash of the history entry that records it.
type signOff struct {
	caption string
	entry   *procedure.Entry
	role    procedure.RoleID
}

// signOffs draws the blocks side by side; a block not yet given shows
// "Pendiente".
func (d *doc) signOffs(blocks []signOff) {
	p := d.pdf
	const h = 38.0
	d.ensure(h + 6)
	p.Ln(4)
	y := p.GetY()
	w := d.width() / float64(len(blocks))
	for i, b := range blocks {
		x := marginLeft + float64(i)*w
		p.Rect(x, y, w, h, "D")
		p.SetXY(x, y+1)
		d.font("B", 8)
		p.Cell(w, 4, Sanitize(b.caption), 2, "C")
		if b.entry == nil {
			d.font("", 8)
			p.SetXY(x, y+16)
			p.Cell(w, 4, "Pendiente", 2, "C")
			p.SetXY(x, y+h-5)
			d.font("", 7)
			p.Cell(w, 4, Sanitize(d.in.Definition.RoleLabel(b.role)), 0, "C")
			continue
		}
		e := b.entry
		p.SetXY(x, y+11)
		d.font("B", 8)
		p.MultiCell(w, 3.8, Sanitize(e.ActorName), "C")
		d.font("", 7)
		p.SetX(x)
		p.MultiCell(w, 3.3, Sanitize(d.roleText(e.Role, e.Interim)), "C")
		p.SetX(x)
		p.Cell(w, 3.3, "Fecha: "+e.At.In(d.opt.Location).Format("02/01/2006 15:04"), 2, "C")
		d.font("", 5.5)
		p.SetX(x)
		p.Cell(w, 2.8, fmt.Sprintf("Huella de la entrada %d:", e.Seq), 2, "C")
		p.SetX(x)
		p.Cell(w, 2.8, half(e.Hash, 0), 2, "C")
		p.SetX(x)
		p.Cell(w, 2.8, half(e.Hash, 1), 2, "C")
	}
	p.SetXY(marginLeft, y+h+3)
	d.font("", 10)
}

func half(h string, i int) string {
	m := len(h) / 2
	if i == 0 {
		return h[:m]
	}
	return h[m:]
}

// roleText is a role's label with "a.i." when held ad interim.
func (d *doc) roleText(r procedure.RoleID, interim bool) string {
	s := d.in.Definition.RoleLabel(r)
	if interim {
		s += " a.i."
	}
	return s
}
