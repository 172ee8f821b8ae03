package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// A bar chart drawn with Fyne's canvas: one row per item, its label on the
// left, its values as stacked bars in proportion to the largest row, its
// total on the right.

// series are the colours of the stacked values, in order: calm to alarming
// for ages, work then waiting for times.
var series = []color.Color{
	color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}, // green
	color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}, // blue
	color.NRGBA{R: 0xf9, G: 0xa8, B: 0x25, A: 0xff}, // amber
	color.NRGBA{R: 0xef, G: 0x6c, B: 0x00, A: 0xff}, // orange
	color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}, // red
}

// barRow is one row of a chart.
type barRow struct {
	label  string
	values []float64
	total  string
}

// barChart draws rows as stacked horizontal bars, with a legend naming
// each series when legend is not empty. colors picks the series' colours.
func barChart(rows []barRow, legend []string, colors []color.Color, empty string) *fyne.Container {
	out := container.NewVBox()
	if len(legend) > 0 {
		items := container.NewHBox()
		for i, name := range legend {
			sw := canvas.NewRectangle(colors[i%len(colors)])
			sw.SetMinSize(fyne.NewSize(12, 12))
			items.Add(container.NewCenter(sw))
			items.Add(canvas.NewText(name, theme.Color(theme.ColorNameForeground)))
		}
		out.Add(items)
	}
	if len(rows) == 0 {
		out.Add(widget.NewLabel(empty))
		return out
	}
	maxSum := 0.0
	for _, r := range rows {
		sum := 0.0
		for _, v := range r.values {
			sum += v
		}
		maxSum = max(maxSum, sum)
	}
	for _, r := range rows {
		bars := &stackLayout{values: r.values, max: maxSum}
		objs := make([]fyne.CanvasObject, len(r.values))
		for i := range r.values {
			objs[i] = canvas.NewRectangle(colors[i%len(colors)])
		}
		label := canvas.NewText(r.label, theme.Color(theme.ColorNameForeground))
		label.TextSize = theme.TextSize() * 0.9
		total := canvas.NewText(r.total, theme.Color(theme.ColorNameForeground))
		total.TextSize = label.TextSize
		total.Alignment = fyne.TextAlignTrailing
		out.Add(container.NewBorder(nil, nil,
			container.New(&fixedWidth{w: 172}, label),
			container.New(&fixedWidth{w: 72}, total),
			container.New(bars, objs...)))
	}
	return out
}

// stackLayout lays its rectangles side by side, each as wide as its value
// is of max, all across the available width.
type stackLayout struct {
	values []float64
	max    float64
}

func (l *stackLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	h := size.Height * 0.7
	for i, o := range objs {
		w := float32(0)
		if l.max > 0 {
			w = size.Width * float32(l.values[i]/l.max)
		}
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
		o.Resize(fyne.NewSize(w, h))
		x += w
	}
}

func (l *stackLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(60, theme.TextSize()*1.5)
}

// fixedWidth gives its one object a fixed width and clips nothing: a label
// column of a chart.
type fixedWidth struct{ w float32 }

func (l *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		m := o.MinSize()
		o.Move(fyne.NewPos(0, (size.Height-m.Height)/2))
		o.Resize(fyne.NewSize(size.Width, m.Height))
	}
}

func (l *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.w, h)
}
