package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// PageSize is how many rows (cases, outbox items) a list fetches at once.
const PageSize = 50

// pager reads a listing page by page, on demand, and keeps the pages it
// read until reload. count counts the listing's rows; page reads limit rows
// from offset, in the listing's order.
type pager[T any] struct {
	count func(ctx context.Context) (int, error)
	page  func(ctx context.Context, limit, offset int) ([]T, error)
	n     int
	pages map[int][]T
	err   error
}

// reload counts the rows again and drops the pages read.
func (p *pager[T]) reload(ctx context.Context) error {
	p.pages, p.err = map[int][]T{}, nil
	p.n, p.err = p.count(ctx)
	return p.err
}

// at returns the i-th row, fetching its page when needed.
func (p *pager[T]) at(ctx context.Context, i int) (T, bool) {
	var zero T
	if i < 0 || p.pages == nil {
		return zero, false
	}
	n := i / PageSize
	page, ok := p.pages[n]
	if !ok {
		var err error
		if page, err = p.page(ctx, PageSize, n*PageSize); err != nil {
			p.err = err
			return zero, false
		}
		p.pages[n] = page
	}
	i -= n * PageSize
	if i >= len(page) {
		return zero, false
	}
	return page[i], true
}

// casePager pages the cases matching q that the signed-in person may see.
func casePager(u *UI, q procedure.CaseQuery) *pager[procedure.Case] {
	q.Summary = true // the tables show neither a case's data nor its secrets
	s := u.s
	return &pager[procedure.Case]{
		count: func(ctx context.Context) (int, error) { return s.CountCases(ctx, q) },
		page: func(ctx context.Context, limit, offset int) ([]procedure.Case, error) {
			q := q
			q.Limit, q.Offset = limit, offset
			return s.Cases(ctx, q)
		},
	}
}

// shownRows is the row count a virtualised table t of n rows, whose header
// row is header high, reports to fyne: n once t is laid out taller than its
// header, 0 before. Fyne's Table takes every row for visible while its
// cells have no height (built or refreshed before it is first laid out, as
// a screen built when its tab is chosen is) and makes a row divider, a
// Separator widget with its renderer, for each, which it keeps for the
// table's life: 1.5 KB per row on a table of every case or outbox item.
func shownRows(t *widget.Table, header float32, n int) int {
	if t == nil || t.Size().Height <= header {
		return 0
	}
	return n
}

// CaseTable is a virtualised table of cases: it counts the matching cases
// and fetches only the pages of the rows on screen.
type CaseTable struct {
	Table *widget.Table
	// Count is the number of matching cases.
	Count int
	u     *UI
	p     *pager[procedure.Case]
	view  *caseTable
	// highlight, when set, tells the cases shown in bold.
	highlight func(c procedure.Case) bool
}

// caseTable is the table widget: Enter opens the focused row (as Space
// does), and the client's keys go to the client.
type caseTable struct {
	widget.Table
	u *UI
}

// TypedKey implements fyne.Focusable.
func (t *caseTable) TypedKey(ev *fyne.KeyEvent) {
	if t.u.key(ev) {
		return
	}
	if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
		ev = &fyne.KeyEvent{Name: fyne.KeySpace}
	}
	t.Table.TypedKey(ev)
}

// Resize implements fyne.CanvasObject: the columns of short values (case
// number, procedure, step, time waited) take the width of their longest
// value; the others (system, state, sender) share the rest in the
// proportions of caseWidths, cut with an ellipsis and a tooltip when they
// do not fit.
func (t *caseTable) Resize(size fyne.Size) {
	t.Table.Resize(size)
	pad := 2*theme.InnerPadding() + theme.Padding()
	fixed := map[int]float32{}
	for col, samples := range t.samples() {
		for _, sample := range samples {
			fixed[col] = max(fixed[col], fyne.MeasureText(sample, theme.TextSize(), fyne.TextStyle{Bold: true}).Width+pad) // bold: unopened rows
		}
	}
	avail := size.Width - theme.ScrollBarSize() - float32(len(caseWidths))*theme.Padding()
	var flex float32
	for i, w := range caseWidths {
		if f, ok := fixed[i]; ok {
			avail -= f
		} else {
			flex += w
		}
	}
	scale := max(avail/flex, 0.4) // narrower than that, the table scrolls
	for i, w := range caseWidths {
		if f, ok := fixed[i]; ok {
			w = f
		} else {
			w *= scale
		}
		t.SetColumnWidth(i, w) // refreshes the cells at the new size
	}
}

// samples are the longest values of the columns whose width is their
// value's, by column: case numbers and codes of the procedures the client
// runs, steps, times waited.
func (t *caseTable) samples() map[int][]string {
	out := map[int][]string{6: {lang.L("menos de 1 min"), lang.L("{{.H}} h {{.M}} min", map[string]any{"H": 47, "M": 59}), lang.L("{{.N}} días", map[string]any{"N": 999})}}
	if s := t.u.s; s != nil {
		for _, d := range s.Definitions() {
			out[0] = append(out[0], d.Prefix+"-0000-0000")
			out[1] = append(out[1], d.Code)
			out[3] = append(out[3], lang.L("Paso {{.N}} de {{.M}}", map[string]any{"N": len(d.Steps), "M": len(d.Steps)}))
		}
	}
	return out
}

// caseColumns are the headers of a case table.
func caseColumns() []string {
	return []string{lang.L("Trámite"), lang.L("Procedimiento"), lang.L("Sistema"), lang.L("Paso"),
		lang.L("Estado"), lang.L("Enviado por"), lang.L("Esperando"), lang.L("Plazo (ext.)")}
}

// caseWidths are the columns' widths at 1,120 points: the flexible ones
// (system, state, sender, deadline) share the table's width in these
// proportions.
var caseWidths = []float32{145, 115, 190, 100, 150, 140, 130, 150}

func newCaseTable(u *UI) *CaseTable {
	ct := &CaseTable{u: u, p: casePager(u, procedure.CaseQuery{})}
	cols := caseColumns()
	ct.view = &caseTable{u: u}
	t := &ct.view.Table
	header := bold("").MinSize().Height // the header row: see CreateHeader
	t.Length = func() (int, int) { return shownRows(t, header, ct.Count), len(cols) }
	t.CreateCell = func() fyne.CanvasObject { return newCell(u) }
	t.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) {
		c, ok := ct.p.at(u.ctx, id.Row)
		l := o.(*cell)
		if !ok {
			l.set("…", false)
			return
		}
		l.set(caseCell(u, c, id.Col), ct.highlight != nil && ct.highlight(c))
	}
	ct.view.ExtendBaseWidget(ct.view)
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject {
		l := bold("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(cols[id.Col])
		}
	}
	for i, w := range caseWidths {
		t.SetColumnWidth(i, w)
	}
	t.OnSelected = func(id widget.TableCellID) {
		t.UnselectAll()
		if c, ok := ct.p.at(u.ctx, id.Row); ok {
			u.OpenCase(c.ID)
		}
	}
	ct.Table = t
	return ct
}

func caseCell(u *UI, c procedure.Case, col int) string {
	d, err := u.s.Definition(c.Procedure)
	if err != nil { // a procedure this client does not run: raw names
		d = &procedure.Definition{}
	}
	switch col {
	case 0:
		return c.ID
	case 1:
		return c.Procedure
	case 2:
		return c.System
	case 3:
		return stepText(d, c)
	case 4:
		return d.StateLabel(c.State)
	case 5:
		return c.LastActor
	case 6:
		return waited(u.s.Now(), c.UpdatedAt)
	default:
		return deadlineText(u.zone, c.Clock)
	}
}

// deadlineText says in a table cell when the step a case waits for falls
// due, that it is overdue, or that its clock stands still while the case
// waits on the requester; "" when the step has no deadline (the manual
// sets none: deadlines are the agency's).
func deadlineText(zone *time.Location, k *procedure.StepClock) string {
	if k == nil {
		return ""
	}
	due := k.Due.In(zone).Format("02/01 15:04")
	switch {
	case k.Overdue:
		return lang.L("Vencido {{.T}}", map[string]any{"T": due})
	case k.Paused:
		return lang.L("En pausa")
	}
	return lang.L("Vence {{.T}}", map[string]any{"T": due})
}

// Query sets the query and shows its first rows.
func (ct *CaseTable) Query(q procedure.CaseQuery) error {
	ct.p = casePager(ct.u, q)
	err := ct.p.reload(ct.u.ctx)
	ct.Count = ct.p.n
	ct.Table.Refresh()
	ct.Table.ScrollToTop()
	return err
}

// show shows the rows of a pager that was counted.
func (ct *CaseTable) show(p *pager[procedure.Case]) {
	ct.p, ct.Count = p, p.n
	ct.Table.Refresh()
	ct.Table.ScrollToTop()
}

// Reload reads the query again, keeping the scroll position.
func (ct *CaseTable) Reload() error {
	err := ct.p.reload(ct.u.ctx)
	ct.Count = ct.p.n
	ct.Table.Refresh()
	return err
}

// Widget returns the table as it is laid out and focused.
func (ct *CaseTable) Widget() fyne.Focusable { return ct.view }

// Case returns the case shown in row i.
func (ct *CaseTable) Case(i int) (procedure.Case, bool) { return ct.p.at(ct.u.ctx, i) }

// cell is a table cell: one line, cut with an ellipsis when it does not
// fit, its full text then shown in a tooltip while the pointer is on it.
type cell struct {
	widget.Label
	u *UI
}

func newCell(u *UI) *cell {
	c := &cell{u: u}
	c.Truncation = fyne.TextTruncateEllipsis
	c.ExtendBaseWidget(c)
	return c
}

// set shows text, in bold when strong, unless the cell shows it already:
// fyne refreshes every cell on screen whenever the table or the screens
// around it refresh, and a label cut with an ellipsis shapes its text anew
// on each SetText, even the same text.
func (c *cell) set(text string, strong bool) {
	imp := widget.MediumImportance
	if strong {
		imp = widget.HighImportance
	}
	if c.Text == text && c.TextStyle.Bold == strong && c.Importance == imp {
		return
	}
	c.TextStyle.Bold, c.Importance = strong, imp
	c.Text = text
	c.Refresh()
}

// Truncated reports whether the cell's text does not fit in it.
func (c *cell) Truncated() bool {
	w := fyne.MeasureText(c.Text, theme.TextSize(), c.TextStyle).Width + 2*theme.InnerPadding()
	return w > c.Size().Width
}

// MouseIn implements desktop.Hoverable.
func (c *cell) MouseIn(*desktop.MouseEvent) {
	if c.Truncated() {
		c.u.showTip(c, c.Text)
	}
}

// MouseMoved implements desktop.Hoverable.
func (c *cell) MouseMoved(*desktop.MouseEvent) {}

// MouseOut implements desktop.Hoverable.
func (c *cell) MouseOut() { c.u.hideTip(c) }
