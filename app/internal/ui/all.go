package ui

import (
	"context"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// AllCases lists every case, filtered by state, procedure, unit and text.
type AllCases struct {
	State     *widget.Select
	Procedure *widget.Select
	Unit      *widget.Select
	Text      *widget.Entry
	Cases     *CaseTable
	Summary   *widget.Label
	Content   fyne.CanvasObject

	u      *UI
	states map[string]procedure.State
	search *entry
	// typed counts the changes of the search text; a search waits for a
	// pause in the typing and runs only if no change came after it.
	typed atomic.Int64
}

// SearchDelay is the pause in typing after which the Trámites screen
// searches what was typed.
var SearchDelay = 300 * time.Millisecond

// searchPause waits SearchDelay, or until ctx ends.
var searchPause = func(ctx context.Context) error {
	t := time.NewTimer(SearchDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func newAllCases(u *UI) *AllCases {
	ac := &AllCases{u: u, Cases: newCaseTable(u), Summary: widget.NewLabel(""), states: map[string]procedure.State{}}
	any := lang.L("(todos)")
	stateOpts := []string{any}
	seen := map[procedure.State]bool{}
	procOpts := []string{any}
	for _, d := range u.s.Definitions() {
		procOpts = append(procOpts, d.Code)
		for _, s := range d.States() {
			if !seen[s] {
				seen[s] = true
				stateOpts = append(stateOpts, d.StateLabel(s))
				ac.states[d.StateLabel(s)] = s
			}
		}
	}
	unitOpts := []string{any}
	if units, err := u.s.Units(u.ctx); err == nil {
		unitOpts = append(unitOpts, units...)
	}
	apply := func(string) { ac.apply() }
	ac.State = widget.NewSelect(stateOpts, nil)
	ac.Procedure = widget.NewSelect(procOpts, nil)
	ac.Unit = widget.NewSelect(unitOpts, nil)
	ac.search = u.newEntry()
	ac.Text = &ac.search.Entry
	ac.Text.SetPlaceHolder(lang.L("Buscar: número, cite, solicitante, unidad o sistema"))
	ac.State.SetSelectedIndex(0)
	ac.Procedure.SetSelectedIndex(0)
	ac.Unit.SetSelectedIndex(0)
	// Filters apply once set up: the listing is counted once, below.
	ac.State.OnChanged, ac.Procedure.OnChanged, ac.Unit.OnChanged = apply, apply, apply
	ac.Text.OnChanged = func(string) { ac.typing() }
	ac.Text.OnSubmitted = func(string) { ac.typed.Add(1); ac.apply() }
	filters := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), nil, ac.search),
		container.NewGridWithColumns(3,
			container.NewBorder(nil, nil, widget.NewLabel(lang.L("Estado")), nil, ac.State),
			container.NewBorder(nil, nil, widget.NewLabel(lang.L("Procedimiento")), nil, ac.Procedure),
			container.NewBorder(nil, nil, widget.NewLabel(lang.L("Unidad")), nil, ac.Unit)))
	ac.Content = container.NewBorder(container.NewVBox(filters, ac.Summary), nil, nil, nil, ac.Cases.view)
	ac.apply()
	return ac
}

// Query returns the query the filters give.
func (ac *AllCases) Query() procedure.CaseQuery {
	q := procedure.CaseQuery{Text: ac.Text.Text, State: ac.states[ac.State.Selected]}
	if ac.Procedure.SelectedIndex() > 0 {
		q.Procedure = ac.Procedure.Selected
	}
	if ac.Unit.SelectedIndex() > 0 {
		q.Unit = ac.Unit.Selected
	}
	return q
}

func (ac *AllCases) apply() {
	ac.typed.Add(1) // a search pending from the typing is stale now
	if err := ac.Cases.Query(ac.Query()); err != nil {
		ac.u.ShowError(err)
	}
	ac.summarize()
}

// typing searches the text typed once the typing pauses for SearchDelay:
// the count is read off the UI goroutine, the rows then page by page as
// they are shown.
func (ac *AllCases) typing() {
	n, q, u := ac.typed.Add(1), ac.Query(), ac.u
	background(u, func(ctx context.Context) (*pager[procedure.Case], error) {
		if err := searchPause(ctx); err != nil {
			return nil, err
		}
		if n != ac.typed.Load() {
			return nil, nil // more was typed: that search runs instead
		}
		p := casePager(u, q)
		return p, p.reload(ctx)
	}, func(p *pager[procedure.Case], err error) {
		if p == nil || n != ac.typed.Load() {
			return
		}
		if err != nil {
			u.ShowError(err)
			return
		}
		ac.Cases.show(p)
		ac.summarize()
	})
}

func (ac *AllCases) summarize() {
	ac.Summary.SetText(lang.L("{{.N}} trámites", map[string]any{"N": ac.Cases.Count}))
}

func (ac *AllCases) reload() {
	if err := ac.Cases.Reload(); err != nil {
		ac.u.ShowError(err)
	}
	ac.summarize()
}
