package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Outbox is the Salida de correo: the emails (and documents) the engine
// owes, pending, sent or failed, newest first, with a retry for the failed
// ones. Its table is virtualised: it counts the matching items and fetches
// only the pages of the rows on screen.
type Outbox struct {
	Status *widget.Select
	Kind   *widget.Select
	Table  *widget.Table
	Retry  *widget.Button
	// Count is the number of items the filters match; Selected is the
	// chosen row or -1.
	Count    int
	Selected int
	Content  fyne.CanvasObject

	u        *UI
	p        *pager[procedure.OutboxItem]
	statuses map[string]procedure.OutboxStatus
	kinds    map[string]procedure.EffectKind
}

func newOutbox(u *UI) *Outbox {
	o := &Outbox{u: u, Selected: -1, statuses: map[string]procedure.OutboxStatus{}, kinds: map[string]procedure.EffectKind{}}
	all := lang.L("(todos)")
	sopts := []string{all}
	for _, s := range []procedure.OutboxStatus{procedure.OutboxPending, procedure.OutboxSent, procedure.OutboxFailed, procedure.OutboxSkipped} {
		sopts = append(sopts, statusLabel(s))
		o.statuses[statusLabel(s)] = s
	}
	o.kinds[lang.L("Correos")] = procedure.EffectEmail
	o.kinds[lang.L("Documentos")] = procedure.EffectDocument
	o.Status = widget.NewSelect(sopts, nil)
	o.Kind = widget.NewSelect([]string{lang.L("Correos"), lang.L("Documentos"), all}, nil)
	cols := []string{lang.L("Trámite"), lang.L("Tipo"), lang.L("Documento o correo"), lang.L("Para"), lang.L("Estado"), lang.L("Intentos"), lang.L("Último error")}
	widths := []float32{150, 100, 150, 280, 100, 80, 300}
	header := bold("").MinSize().Height // the header row: see CreateHeader
	o.Table = widget.NewTable(func() (int, int) { return shownRows(o.Table, header, o.Count), len(cols) },
		func() fyne.CanvasObject { return newCell(u) }, // cut with a tooltip, as the case tables
		func(id widget.TableCellID, obj fyne.CanvasObject) {
			it, ok := o.Item(id.Row)
			l := obj.(*cell)
			if !ok {
				l.set("…", false)
				return
			}
			l.set(outboxCell(u.s.Definitions(), it, id.Col), false)
		})
	o.Table.ShowHeaderRow = true
	o.Table.CreateHeader = func() fyne.CanvasObject { return bold("") }
	o.Table.UpdateHeader = func(id widget.TableCellID, obj fyne.CanvasObject) {
		if id.Col >= 0 {
			obj.(*widget.Label).SetText(cols[id.Col])
		}
	}
	for i, w := range widths {
		o.Table.SetColumnWidth(i, w)
	}
	o.Table.OnSelected = func(id widget.TableCellID) { o.choose(id.Row) }
	o.Retry = widget.NewButtonWithIcon(lang.L("Reintentar"), theme.ViewRefreshIcon(), o.retry)
	o.Retry.Disable()
	o.Kind.SetSelectedIndex(0)
	o.Status.SetSelectedIndex(0)
	// Filters apply once set up: the outbox is counted once, below.
	o.Status.OnChanged = func(string) { o.reload() }
	o.Kind.OnChanged = func(string) { o.reload() }
	o.reload()
	bar := container.NewHBox(widget.NewLabel(lang.L("Tipo")), o.Kind, widget.NewLabel(lang.L("Estado")), o.Status, o.Retry)
	o.Content = container.NewBorder(bar, nil, nil, nil, o.Table)
	return o
}

// outboxCell is what column col of the outbox shows of an item; defs name
// its document or email.
func outboxCell(defs []*procedure.Definition, it procedure.OutboxItem, col int) string {
	switch col {
	case 0:
		return it.CaseID
	case 1:
		if it.Kind == procedure.EffectEmail {
			return lang.L("correo")
		}
		return lang.L("documento")
	case 2:
		label := it.Topic
		for _, d := range defs {
			if l := d.TopicLabel(it.Kind, it.Topic); l != it.Topic {
				label = l
				break
			}
		}
		if it.Number != "" {
			return label + " " + it.Number
		}
		return label
	case 3:
		var to []string
		for _, a := range it.To {
			to = append(to, a.Email)
		}
		return strings.Join(to, ", ")
	case 4:
		return statusLabel(it.Status)
	case 5:
		return fmt.Sprint(it.Attempts)
	default:
		return it.LastError
	}
}

// outboxPager is a pager of the outbox items matching q.
// outboxPager pages the outbox as the signed-in person may see it.
func outboxPager(u *UI, q procedure.OutboxQuery) *pager[procedure.OutboxItem] {
	s := u.s
	return &pager[procedure.OutboxItem]{
		count: func(ctx context.Context) (int, error) { return s.CountOutbox(ctx, q) },
		page: func(ctx context.Context, limit, offset int) ([]procedure.OutboxItem, error) {
			q := q
			q.Limit, q.Offset = limit, offset
			return s.Outbox(ctx, q)
		},
	}
}

// Item returns the item shown in row i.
func (o *Outbox) Item(i int) (procedure.OutboxItem, bool) { return o.p.at(o.u.ctx, i) }

func (o *Outbox) choose(row int) {
	o.Selected = row
	if it, ok := o.Item(row); ok && (it.Status == procedure.OutboxFailed || it.Status == procedure.OutboxSkipped) {
		o.Retry.Enable()
	} else {
		o.Retry.Disable()
	}
}

// Query returns the query the filters give: newest first.
func (o *Outbox) Query() procedure.OutboxQuery {
	return procedure.OutboxQuery{Kind: o.kinds[o.Kind.Selected], Status: o.statuses[o.Status.Selected], Newest: true}
}

// reload lists the items the filters select, from the newest.
func (o *Outbox) reload() {
	o.p = outboxPager(o.u, o.Query())
	o.refresh()
	o.Table.ScrollToTop()
}

// refresh counts and reads the items again, keeping the scroll position.
func (o *Outbox) refresh() {
	err := o.p.reload(o.u.ctx)
	o.Count = o.p.n
	o.Table.UnselectAll()
	o.choose(-1)
	o.Table.Refresh()
	if err != nil {
		o.u.ShowError(err)
	}
}

// retry puts the selected failed item back in the queue.
func (o *Outbox) retry() {
	it, ok := o.Item(o.Selected)
	if !ok {
		return
	}
	if err := o.u.s.RetryOutbox(o.u.ctx, it.ID); err != nil {
		o.u.ShowError(err)
		return
	}
	o.refresh()
}
