package procedure

import (
	"fmt"
	"io"
	"strings"
)

// DiagramOptions adjust a state diagram.
type DiagramOptions struct {
	// Current, when set, is highlighted (a case's current state).
	Current State
	// HideExtensions leaves out the events the manual does not name.
	HideExtensions bool
}

// WriteMermaid writes the definition as a Mermaid stateDiagram-v2. Edges are
// labelled "N. event"; extensions are marked "(ext.)".
func (d *Definition) WriteMermaid(w io.Writer, opt DiagramOptions) error {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	for _, s := range d.States() {
		fmt.Fprintf(&b, "    %s : %s\n", s, d.StateLabel(s))
	}
	for _, ev := range d.Events {
		if ev.Extension && opt.HideExtensions {
			continue
		}
		label := fmt.Sprintf("%d. %s", ev.Step, ev.Name)
		if ev.Extension {
			label += " (ext.)"
		}
		for i, to := range ev.Targets() {
			l := label
			if i > 0 {
				l += routeLabel(ev, to)
			}
			if len(ev.From) == 0 {
				fmt.Fprintf(&b, "    [*] --> %s : %s\n", to, l)
			}
			for _, f := range ev.From {
				fmt.Fprintf(&b, "    %s --> %s : %s\n", f, to, l)
			}
		}
	}
	for _, s := range d.Final {
		fmt.Fprintf(&b, "    %s --> [*]\n", s)
	}
	if opt.Current != "" {
		b.WriteString("    classDef current fill:#f9d71c,stroke:#333,stroke-width:3px\n")
		fmt.Fprintf(&b, "    class %s current\n", opt.Current)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDOT writes the definition as a Graphviz digraph.
func (d *Definition) WriteDOT(w io.Writer, opt DiagramOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n    start [shape=point];\n", d.Code)
	for _, s := range d.States() {
		attrs := fmt.Sprintf("label=%q", d.StateLabel(s))
		if d.IsFinal(s) {
			attrs += ", peripheries=2"
		}
		if s == opt.Current {
			attrs += ", style=\"rounded,filled\", fillcolor=\"#f9d71c\", penwidth=3"
		}
		fmt.Fprintf(&b, "    %q [%s];\n", s, attrs)
	}
	for _, ev := range d.Events {
		if ev.Extension && opt.HideExtensions {
			continue
		}
		label := fmt.Sprintf("%d. %s", ev.Step, ev.Name)
		style := ""
		if ev.Extension {
			label += " (ext.)"
			style = ", style=dashed"
		}
		for i, to := range ev.Targets() {
			l := label
			if i > 0 {
				l += routeLabel(ev, to)
			}
			if len(ev.From) == 0 {
				fmt.Fprintf(&b, "    start -> %q [label=%q%s];\n", to, l, style)
			}
			for _, f := range ev.From {
				fmt.Fprintf(&b, "    %q -> %q [label=%q%s];\n", f, to, l, style)
			}
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTable writes the manual's table of the procedure as Markdown:
// | N° | ACTIVIDAD | RESPONSABLE | SALIDA |, one row per step.
func (d *Definition) WriteTable(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| N° | ACTIVIDAD | RESPONSABLE | SALIDA |\n|---|---|---|---|\n")
	for _, s := range d.Steps {
		fmt.Fprintf(&b, "| %d | %s | %s | %s |\n", s.Number, mdCell(s.Activity), mdCell(d.RoleLabel(s.Responsible)), mdCell(s.Output))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ")
}

// routeLabel returns " [value]", the condition of the first route of ev
// that leads to to.
func routeLabel(ev EventDef, to State) string {
	for _, r := range ev.Routes {
		if r.To == to && len(r.When) == 2 {
			return " [" + r.When[1] + "]"
		}
	}
	return ""
}
