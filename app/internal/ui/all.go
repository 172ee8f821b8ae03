package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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
	ac.Text = widget.NewEntry()
	ac.Text.SetPlaceHolder(lang.L("Buscar por sistema…"))
	ac.State.SetSelectedIndex(0)
	ac.Procedure.SetSelectedIndex(0)
	ac.Unit.SetSelectedIndex(0)
	// Filters apply once set up: the listing is counted once, below.
	ac.State.OnChanged, ac.Procedure.OnChanged, ac.Unit.OnChanged, ac.Text.OnChanged = apply, apply, apply, apply
	filters := container.NewGridWithColumns(4,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Estado")), nil, ac.State),
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Procedimiento")), nil, ac.Procedure),
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Unidad")), nil, ac.Unit),
		ac.Text)
	ac.Content = container.NewBorder(container.NewVBox(filters, ac.Summary), nil, nil, nil, ac.Cases.Table)
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
	if err := ac.Cases.Query(ac.Query()); err != nil {
		ac.u.ShowError(err)
	}
	ac.summarize()
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
