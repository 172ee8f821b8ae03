// Command manual prints the built-in procedures of manual UIT/ASS-M01: for
// each, a header with its code, version and approval, the manual's table as
// Markdown and its Mermaid state diagram. With -format json it prints the
// definitions in the format procedure.LoadDefinition accepts.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

func main() {
	format := flag.String("format", "markdown", "output format: markdown or json")
	flag.Parse()
	if err := run(os.Stdout, *format); err != nil {
		fmt.Fprintln(os.Stderr, "manual:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, format string) error {
	defs := manual.Definitions()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(defs)
	case "markdown", "md":
		for i, d := range defs {
			if i > 0 {
				fmt.Fprintln(w)
			}
			approved := d.Approved
			if t, err := time.Parse(time.DateOnly, d.Approved); err == nil {
				approved = t.Format("02/01/2006")
			}
			fmt.Fprintf(w, "## %s — %s (versión %s, aprobado con %s, de %s)\n\n", d.Code, d.Name, d.Version, d.Resolution, approved)
			fmt.Fprintf(w, "**Objetivo:** %s\n\n", d.Objective)
			if err := d.WriteTable(w); err != nil {
				return err
			}
			fmt.Fprint(w, "\n```mermaid\n")
			if err := d.WriteMermaid(w, procedure.DiagramOptions{}); err != nil {
				return err
			}
			fmt.Fprint(w, "```\n")
		}
		return nil
	default:
		return fmt.Errorf("unknown format %q: use markdown or json", format)
	}
}
