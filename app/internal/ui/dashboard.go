package ui

import (
	"context"
	"image/color"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
)

// Tablero is the dashboard of the Jefe de la UIT and the Responsable: the
// figures the engine computes (desk.Session.Dashboard) drawn as bar
// charts, filtered by procedure, unit and the days cases started, and
// exported as CSV, XLSX or XES.
type Tablero struct {
	Procedure *widget.Select
	Unit      *widget.Select
	From, To  *widget.Entry
	Update    *widget.Button
	// What chooses what CSV and XLSX export: the tablero, the cases or
	// their events. XES always exports the events.
	What                *widget.Select
	CSV, XLSX, XES      *widget.Button
	Summary             *widget.Label
	States, Steps, Load *fyne.Container
	Rounds, Deadlines   *fyne.Container
	Content             fyne.CanvasObject
	// Figures are the figures shown; Query the filters they were computed
	// with.
	Figures procedure.Dashboard
	Query   procedure.DashboardQuery

	u       *UI
	kinds   map[string]export.Kind
	started bool
}

func newTablero(u *UI) *Tablero {
	t := &Tablero{u: u, Summary: widget.NewLabel(""), kinds: map[string]export.Kind{},
		States: container.NewVBox(), Steps: container.NewVBox(), Rounds: container.NewVBox(), Load: container.NewVBox(),
		Deadlines: container.NewVBox()}
	all := lang.L("(todos)")
	procs := []string{all}
	for _, d := range u.s.Definitions() {
		procs = append(procs, d.Code)
	}
	units := []string{all}
	if us, err := u.s.Units(u.ctx); err == nil {
		units = append(units, us...)
	}
	t.Procedure = widget.NewSelect(procs, nil)
	t.Unit = widget.NewSelect(units, nil)
	t.Procedure.SetSelectedIndex(0)
	t.Unit.SetSelectedIndex(0)
	t.From, t.To = widget.NewEntry(), widget.NewEntry()
	t.From.SetPlaceHolder(lang.L("dd/mm/aaaa"))
	t.To.SetPlaceHolder(lang.L("dd/mm/aaaa"))
	t.Update = widget.NewButtonWithIcon(lang.L("Actualizar"), theme.ViewRefreshIcon(), t.reload)
	whats := []string{lang.L("Tablero"), lang.L("Trámites"), lang.L("Eventos")}
	t.kinds[whats[0]], t.kinds[whats[1]], t.kinds[whats[2]] = export.Figures, export.Cases, export.Events
	t.What = widget.NewSelect(whats, nil)
	t.What.SetSelectedIndex(0)
	t.CSV = widget.NewButtonWithIcon("CSV", theme.DocumentSaveIcon(), func() { t.save(t.kinds[t.What.Selected], export.CSV) })
	t.XLSX = widget.NewButtonWithIcon("XLSX", theme.DocumentSaveIcon(), func() { t.save(t.kinds[t.What.Selected], export.XLSX) })
	t.XES = widget.NewButtonWithIcon("XES", theme.DocumentSaveIcon(), func() { t.save(export.Events, export.XES) })
	// Four short rows, so that the screen fits a window of 1024×700 with
	// the longest unit names.
	filters := container.NewGridWithColumns(2,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Procedimiento")), nil, t.Procedure),
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Unidad")), nil, t.Unit))
	days := container.NewHBox(widget.NewLabel(lang.L("Desde")), sized(t.From, 100),
		widget.NewLabel(lang.L("Hasta")), sized(t.To, 100), t.Update)
	exports := container.NewHBox(widget.NewLabel(lang.L("Exportar")), t.What, t.CSV, t.XLSX, t.XES)
	card := func(title string, body fyne.CanvasObject) fyne.CanvasObject {
		return widget.NewCard("", title, body)
	}
	charts := container.NewGridWithColumns(2,
		card(lang.L("Abiertos por estado y antigüedad (días hábiles)"), t.States),
		card(lang.L("Tiempo medio por paso: trabajo y espera"), t.Steps),
		card(lang.L("Rondas de observación por trámite"), t.Rounds),
		card(lang.L("Carga por profesional (trámites abiertos)"), t.Load),
		card(lang.L("Plazos por paso (extensión de la agencia)"), t.Deadlines))
	top := container.NewVBox(filters, days, exports, t.Summary)
	t.Content = container.NewBorder(top, nil, nil, nil, container.NewVScroll(charts))
	return t
}

// start computes the first figures, once the screen is laid out (Main
// calls it when the tab is first shown): drawing them must not race its
// layout. Later changes wait for Actualizar: the figures cost a pass over
// every case.
func (t *Tablero) start() {
	if !t.started {
		t.started = true
		t.reload()
	}
}

// sized gives an entry a fixed width in a row.
func sized(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.New(&fixedWidth{w: w}, o)
}

// query reads the filters; a day that is not one is an error in Spanish.
func (t *Tablero) query() (procedure.DashboardQuery, error) {
	var q procedure.DashboardQuery
	if t.Procedure.SelectedIndex() > 0 {
		q.Procedure = t.Procedure.Selected
	}
	if t.Unit.SelectedIndex() > 0 {
		q.Unit = t.Unit.Selected
	}
	return export.Days(q, strings.TrimSpace(t.From.Text), strings.TrimSpace(t.To.Text))
}

// reload computes the figures of the filters off the UI goroutine and
// draws them.
func (t *Tablero) reload() {
	q, err := t.query()
	if err != nil {
		t.u.ShowError(err)
		return
	}
	t.Update.Disable()
	s := t.u.s
	background(t.u, func(ctx context.Context) (procedure.Dashboard, error) {
		return s.Dashboard(ctx, q)
	}, func(d procedure.Dashboard, err error) {
		t.Update.Enable()
		if err != nil {
			t.u.ShowError(err)
			return
		}
		t.Figures, t.Query = d, q
		t.draw()
	})
}

// draw shows t.Figures.
func (t *Tablero) draw() {
	d := t.Figures
	t.Summary.SetText(lang.L("{{.N}} trámites, {{.O}} abiertos; al {{.At}}", map[string]any{
		"N": d.Cases, "O": d.Open, "At": d.At.In(procedure.LaPaz).Format("02/01/2006 15:04")}))
	several := len(t.u.s.Definitions()) > 1 && t.Query.Procedure == ""

	var legend []string
	for _, b := range procedure.AgeBuckets {
		legend = append(legend, b.Label)
	}
	var rows []barRow
	for _, s := range d.States {
		r := barRow{label: clip(t.prefixed(several, s.Procedure, s.Label), 22), total: strconv.Itoa(s.Total)}
		for _, n := range s.Ages {
			r.values = append(r.values, float64(n))
		}
		rows = append(rows, r)
	}
	t.States.Objects = []fyne.CanvasObject{barChart(rows, legend, series, lang.L("No hay trámites abiertos."))}

	rows = nil
	for _, s := range d.Steps {
		n := time.Duration(max(s.Cases, 1))
		work, wait := s.Working/n, s.Waiting/n
		rows = append(rows, barRow{label: clip(t.prefixed(several, s.Procedure, lang.L("Paso {{.N}}", map[string]any{"N": s.Step})), 22),
			values: []float64{work.Hours(), wait.Hours()}, total: durationText(work + wait)})
	}
	t.Steps.Objects = []fyne.CanvasObject{barChart(rows, []string{lang.L("trabajo"), lang.L("espera del solicitante")},
		[]color.Color{series[1], series[3]}, lang.L("Aún no hay pasos concluidos."))}

	rows = nil
	for _, r := range d.Rounds {
		label := lang.L("{{.N}} rondas", map[string]any{"N": r.Rounds})
		if r.Rounds == 1 {
			label = lang.L("1 ronda")
		}
		rows = append(rows, barRow{label: label, values: []float64{float64(r.Cases)}, total: strconv.Itoa(r.Cases)})
	}
	o := d.Observations
	mean := "—"
	if o.Answered > 0 {
		mean = durationText(o.MeanTurnaround())
	}
	turnaround := widget.NewLabel(lang.L("{{.A}} de {{.R}} observaciones respondidas; respuesta media: {{.T}}", map[string]any{
		"A": o.Answered, "R": o.Rounds, "T": mean}))
	t.Rounds.Objects = []fyne.CanvasObject{barChart(rows, nil, series[1:], lang.L("No hay trámites.")), turnaround}

	rows = nil
	for _, l := range d.Load {
		rows = append(rows, barRow{label: clip(l.Name, 24), values: []float64{float64(l.Open)}, total: strconv.Itoa(l.Open)})
	}
	t.Load.Objects = []fyne.CanvasObject{barChart(rows, nil, series[1:], lang.L("Ningún profesional tiene trámites abiertos."))}
	rows = nil
	for _, p := range d.Deadlines {
		rows = append(rows, barRow{label: clip(t.prefixed(several, p.Procedure, lang.L("Paso {{.N}}", map[string]any{"N": p.Step})), 22),
			values: []float64{float64(p.Open - p.Overdue), float64(p.Overdue)}, total: strconv.Itoa(p.Overdue)})
	}
	t.Deadlines.Objects = []fyne.CanvasObject{barChart(rows, []string{lang.L("a tiempo"), lang.L("vencidos")},
		[]color.Color{series[0], series[4]}, lang.L("Ningún procedimiento tiene plazos."))}
	for _, c := range []*fyne.Container{t.States, t.Steps, t.Rounds, t.Load, t.Deadlines} {
		c.Refresh()
	}
}

// prefixed names a row by its procedure too when several are shown: by
// the prefix of its cases' numbers, shorter than its code.
func (t *Tablero) prefixed(several bool, code, label string) string {
	if !several {
		return label
	}
	if d, err := t.u.s.Definition(code); err == nil && d.Prefix != "" {
		code = d.Prefix
	}
	return code + " · " + label
}

// clip cuts s to n characters, with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// durationText writes a duration for staff: minutes under an hour, hours
// under two days, days beyond, with a decimal comma.
func durationText(d time.Duration) string {
	one := func(v float64) string { return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1) }
	switch {
	case d <= 0:
		return "0"
	case d < time.Minute:
		return lang.L("< 1 min")
	case d < time.Hour:
		return lang.L("{{.N}} min", map[string]any{"N": int(d.Round(time.Minute).Minutes())})
	case d < 48*time.Hour:
		return lang.L("{{.N}} h", map[string]any{"N": one(d.Hours())})
	}
	return lang.L("{{.N}} d", map[string]any{"N": one(d.Hours() / 24)})
}

// save asks where to save an export and writes it there.
func (t *Tablero) save(kind export.Kind, f export.Format) {
	q, err := t.query()
	if err != nil {
		t.u.ShowError(err)
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			t.u.ShowError(err)
			return
		}
		if w != nil {
			t.ExportTo(w, kind, f, q)
		}
	}, t.u.Win)
	d.SetFileName(export.FileName(kind, f, t.u.s.Now()))
	d.Show()
}

// ExportTo writes an export of the cases q selects to w off the UI
// goroutine, closes w, and says how it went.
func (t *Tablero) ExportTo(w io.WriteCloser, kind export.Kind, f export.Format, q procedure.DashboardQuery) {
	s := t.u.s
	background(t.u, func(ctx context.Context) (struct{}, error) {
		err := s.Export(ctx, w, kind, f, q)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return struct{}{}, err
	}, func(_ struct{}, err error) {
		if err != nil {
			t.u.ShowError(err)
			return
		}
		dialog.NewInformation(lang.L("Exportación lista"), lang.L("Se guardó la exportación ({{.F}}).", map[string]any{"F": strings.ToUpper(string(f))}), t.u.Win).Show()
	})
}
