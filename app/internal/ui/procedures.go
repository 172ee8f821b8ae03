package ui

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Procedures shows, for each procedure, the manual's table and its state
// diagram drawn on a canvas.
type Procedures struct {
	Tabs     *container.AppTabs
	Diagrams map[string]*Diagram
	Content  fyne.CanvasObject
}

func newProcedures(u *UI) *Procedures {
	p := &Procedures{Tabs: container.NewAppTabs(), Diagrams: map[string]*Diagram{}}
	for _, d := range u.s.Definitions() {
		head := container.NewVBox(
			bold(d.Code+" — "+d.Name),
			wrapLabel(lang.L("Aprobado por {{.R}} del {{.D}}. Versión {{.V}}.", map[string]any{"R": d.Resolution, "D": d.Approved, "V": d.Version})),
			wrapLabel(lang.L("Objetivo")+": "+d.Objective))
		table := container.NewVBox(stepRow(bold(lang.L("N°")), bold(lang.L("ACTIVIDAD")), bold(lang.L("RESPONSABLE")), bold(lang.L("SALIDA"))))
		for _, s := range d.Steps {
			table.Add(widget.NewSeparator())
			table.Add(stepRow(widget.NewLabel(fmt.Sprint(s.Number)), wrapLabel(s.Activity), wrapLabel(d.RoleLabel(s.Responsible)), wrapLabel(s.Output)))
		}
		dg := NewDiagram(d, "")
		p.Diagrams[d.Code] = dg
		inner := container.NewAppTabs(
			container.NewTabItem(lang.L("Tabla del manual"), container.NewVScroll(container.NewVBox(head, widget.NewSeparator(), table))),
			container.NewTabItem(lang.L("Diagrama de estados"), container.NewScroll(dg)),
		)
		p.Tabs.Append(container.NewTabItem(d.Code, inner))
	}
	p.Content = p.Tabs
	return p
}

// stepRow lays out one row of the manual's table in fixed columns.
func stepRow(n, act, resp, out fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&columns{widths: []float32{40, 0, 180, 180}}, n, act, resp, out)
}

// columns lays out objects side by side: fixed widths, and the zero-width
// column takes what is left. The height is the tallest object.
type columns struct{ widths []float32 }

func (c *columns) flex(total float32) float32 {
	rest := total
	for _, w := range c.widths {
		rest -= w
	}
	return max(rest, 240)
}

func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objs {
		w := c.widths[i]
		if w == 0 {
			w = c.flex(size.Width)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h, w := float32(0), float32(0)
	for i, o := range objs {
		cw := c.widths[i]
		if cw == 0 {
			cw = 240
		}
		w += cw
		o.Resize(fyne.NewSize(cw, o.MinSize().Height))
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(w, h)
}

// Diagram draws a procedure's state machine: states as boxes ranked by
// their distance from the start, the manual's events as solid arrows and
// the extensions as grey ones, each labelled "N. event".
type Diagram struct {
	widget.BaseWidget
	Def *procedure.Definition
	// Current, when set, is highlighted.
	Current procedure.State
	// Nodes are the boxes by state, for tests.
	Nodes map[procedure.State]fyne.Position
}

// NewDiagram returns the diagram of d with current highlighted.
func NewDiagram(d *procedure.Definition, current procedure.State) *Diagram {
	dg := &Diagram{Def: d, Current: current}
	dg.ExtendBaseWidget(dg)
	return dg
}

const (
	nodeW, nodeH = 200, 40
	colGap       = 110
	rowGap       = 46
	margin       = 150
)

// CreateRenderer implements fyne.Widget.
func (dg *Diagram) CreateRenderer() fyne.WidgetRenderer {
	objs, size := dg.draw()
	c := container.New(&fixed{size: size}, objs...)
	return widget.NewSimpleRenderer(c)
}

type fixed struct{ size fyne.Size }

func (f *fixed) Layout([]fyne.CanvasObject, fyne.Size) {}
func (f *fixed) MinSize([]fyne.CanvasObject) fyne.Size { return f.size }

func (dg *Diagram) draw() ([]fyne.CanvasObject, fyne.Size) {
	d := dg.Def
	start := d.StartEvent()
	rank := map[procedure.State]int{start.To: 1}
	queue := []procedure.State{start.To}
	for _, ext := range []bool{false, true} { // the manual's path first, then the extensions
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for _, ev := range routed(d.Events) {
				if ev.Extension != ext || !slices.Contains(ev.From, s) {
					continue
				}
				if _, ok := rank[ev.To]; !ok {
					rank[ev.To] = rank[s] + 1
					queue = append(queue, ev.To)
				}
			}
		}
		for s := range rank {
			queue = append(queue, s)
		}
		slices.Sort(queue)
	}
	rows := map[int][]procedure.State{}
	maxRank := 0
	for _, s := range d.States() {
		r := rank[s]
		rows[r] = append(rows[r], s)
		maxRank = max(maxRank, r)
	}
	dg.Nodes = map[procedure.State]fyne.Position{}
	maxCols := 0
	for r := 0; r <= maxRank; r++ {
		for i, s := range rows[r] {
			dg.Nodes[s] = fyne.NewPos(margin+float32(i)*(nodeW+colGap), 20+float32(r)*(nodeH+rowGap))
		}
		maxCols = max(maxCols, len(rows[r]))
	}
	fg := theme.Color(theme.ColorNameForeground)
	grey := theme.Color(theme.ColorNameDisabled)
	var lines, boxes []fyne.CanvasObject
	// start marker
	sp := dg.Nodes[start.To]
	dot := canvas.NewCircle(fg)
	dot.Move(fyne.NewPos(sp.X+nodeW/2-7, 0))
	dot.Resize(fyne.NewSize(14, 14))
	boxes = append(boxes, dot)
	lines = append(lines, arrow(fyne.NewPos(sp.X+nodeW/2, 14), fyne.NewPos(sp.X+nodeW/2, sp.Y), fg, fmt.Sprintf("%d. %s", start.Step, start.Label))...)
	lane := float32(margin - 16)
	for _, ev := range routed(d.Events) {
		for _, f := range ev.From {
			a, b := dg.Nodes[f], dg.Nodes[ev.To]
			col := fg
			if ev.Extension {
				col = grey
			}
			label := fmt.Sprintf("%d. %s", ev.Step, ev.Label)
			switch {
			case b.Y > a.Y: // forward: bottom to top
				from := fyne.NewPos(a.X+nodeW/2, a.Y+nodeH)
				to := fyne.NewPos(b.X+nodeW/2, b.Y)
				if b.Y-a.Y > nodeH+rowGap { // skips rows: go round on the right
					x := float32(margin+maxCols*(nodeW+colGap)) - colGap/2 + float32(len(lines)%5)*6
					lines = append(lines, seg(fyne.NewPos(a.X+nodeW, a.Y+nodeH/2), fyne.NewPos(x, a.Y+nodeH/2), col),
						seg(fyne.NewPos(x, a.Y+nodeH/2), fyne.NewPos(x, b.Y+nodeH/2), col))
					lines = append(lines, arrow(fyne.NewPos(x, b.Y+nodeH/2), fyne.NewPos(b.X+nodeW, b.Y+nodeH/2), col, label)...)
					continue
				}
				lines = append(lines, arrow(from, to, col, label)...)
			case b.Y == a.Y: // same rank: side to side, above and below for the two directions
				if a.X < b.X {
					lines = append(lines, arrow(fyne.NewPos(a.X+nodeW, a.Y+nodeH/3), fyne.NewPos(b.X, b.Y+nodeH/3), col, label)...)
				} else {
					lines = append(lines, arrow(fyne.NewPos(a.X, a.Y+2*nodeH/3), fyne.NewPos(b.X+nodeW, b.Y+2*nodeH/3), col, label)...)
				}
			default: // back: round on the left
				lane -= 10
				lines = append(lines, seg(fyne.NewPos(a.X, a.Y+nodeH/2), fyne.NewPos(lane, a.Y+nodeH/2), col),
					seg(fyne.NewPos(lane, a.Y+nodeH/2), fyne.NewPos(lane, b.Y+nodeH/2), col))
				lines = append(lines, arrow(fyne.NewPos(lane, b.Y+nodeH/2), fyne.NewPos(b.X, b.Y+nodeH/2), col, "")...)
				t := canvas.NewText(label, col)
				t.TextSize = theme.CaptionTextSize()
				t.Alignment = fyne.TextAlignTrailing
				t.Move(fyne.NewPos(lane-4-t.MinSize().Width, (a.Y+b.Y)/2+nodeH/2))
				t.Resize(t.MinSize())
				lines = append(lines, t)
			}
		}
	}
	for _, s := range d.States() {
		p := dg.Nodes[s]
		fill := theme.Color(theme.ColorNameInputBackground)
		txt := fg
		if s == dg.Current {
			fill, txt = theme.Color(theme.ColorNamePrimary), color.White
		}
		r := canvas.NewRectangle(fill)
		r.StrokeColor = fg
		r.StrokeWidth = 1
		if d.IsFinal(s) {
			r.StrokeWidth = 3
		}
		r.CornerRadius = 10
		r.Move(p)
		r.Resize(fyne.NewSize(nodeW, nodeH))
		t := canvas.NewText(d.StateLabel(s), txt)
		t.Alignment = fyne.TextAlignCenter
		t.Move(p)
		t.Resize(fyne.NewSize(nodeW, nodeH))
		boxes = append(boxes, r, t)
	}
	w := float32(margin+maxCols*(nodeW+colGap)) + 40
	h := 20 + float32(maxRank+1)*(nodeH+rowGap)
	return append(lines, boxes...), fyne.NewSize(w, h)
}

func seg(a, b fyne.Position, c color.Color) fyne.CanvasObject {
	l := canvas.NewLine(c)
	l.StrokeWidth = 1.5
	l.Position1, l.Position2 = a, b
	return l
}

// arrow draws a line from a to b with a head at b and a label beside its middle.
func arrow(a, b fyne.Position, c color.Color, label string) []fyne.CanvasObject {
	out := []fyne.CanvasObject{seg(a, b, c)}
	ang := math.Atan2(float64(b.Y-a.Y), float64(b.X-a.X))
	for _, da := range []float64{math.Pi * 5 / 6, -math.Pi * 5 / 6} {
		p := fyne.NewPos(b.X+float32(8*math.Cos(ang+da)), b.Y+float32(8*math.Sin(ang+da)))
		out = append(out, seg(b, p, c))
	}
	if label != "" {
		t := canvas.NewText(label, c)
		t.TextSize = theme.CaptionTextSize()
		t.Move(fyne.NewPos((a.X+b.X)/2+6, (a.Y+b.Y)/2-t.MinSize().Height/2))
		t.Resize(t.MinSize())
		out = append(out, t)
	}
	return out
}

// routed returns the events with one copy of an event per state it may
// lead to (its conditional routes as well as its To), each copy's To set
// to that state.
func routed(evs []procedure.EventDef) []procedure.EventDef {
	out := make([]procedure.EventDef, 0, len(evs))
	for _, ev := range evs {
		for _, to := range ev.Targets() {
			c := ev
			c.To = to
			out = append(out, c)
		}
	}
	return out
}
