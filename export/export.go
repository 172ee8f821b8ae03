// Package export writes the tablero's figures and the cases behind them as
// files staff open elsewhere: CSV, XLSX (excelize's StreamWriter) and XES
// event logs (IEEE 1849) for process-mining tools, one trace per case and
// one event per history entry. Everything is read as the engine streams it
// for an actor (procedure.Engine.Dashboard and ScanCases): one case in
// memory at a time, whatever the number of cases.
package export

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Kind is what an export holds.
type Kind string

// Kinds of export.
const (
	// Figures are the tablero's tables (procedure.Dashboard).
	Figures Kind = "tablero"
	// Cases is one row per case with its figures.
	Cases Kind = "tramites"
	// Events is the event log: one row (CSV, XLSX) or event (XES) per
	// history entry, grouped by case.
	Events Kind = "eventos"
)

// Format is the file format of an export.
type Format string

// Formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	XES  Format = "xes"
)

// formats lists the formats of each kind.
var formats = map[Kind][]Format{
	Figures: {CSV, XLSX},
	Cases:   {CSV, XLSX},
	Events:  {CSV, XLSX, XES},
}

// Check returns an EINVALID *procedure.Error unless kind is a known kind
// and f one of its formats.
func Check(kind Kind, f Format) error {
	fs, ok := formats[kind]
	if !ok {
		return procedure.Errorf(procedure.EINVALID, "no se conoce la exportación %q: puede ser tablero, tramites o eventos", string(kind))
	}
	if !slices.Contains(fs, f) {
		return procedure.Errorf(procedure.EINVALID, "la exportación %s no se escribe en formato %q", kind, string(f))
	}
	return nil
}

// ContentType returns the media type of a format.
func ContentType(f Format) string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return "application/xml"
	}
}

// FileName returns a name for the file of an export made at t, e.g.
// "tramite-tablero-20261126-1430.xlsx".
func FileName(kind Kind, f Format, t time.Time) string {
	return fmt.Sprintf("tramite-%s-%s.%s", kind, t.In(procedure.LaPaz).Format("20060102-1504"), f)
}

// Write writes to w the export of kind in format f of the cases q selects,
// as actor a may see them on e. Errors: EINVALID as Check, and those of
// Engine.Dashboard and Engine.ScanCases, returned before anything is
// written.
func Write(ctx context.Context, w io.Writer, e *procedure.Engine, a procedure.Actor, q procedure.DashboardQuery, kind Kind, f Format) error {
	if err := Check(kind, f); err != nil {
		return err
	}
	if kind == Figures {
		d, err := e.Dashboard(ctx, a, q)
		if err != nil {
			return err
		}
		return WriteFigures(w, d, f)
	}
	scan := func(fn func(procedure.CaseFigures, []procedure.Entry) error) error {
		return e.ScanCases(ctx, a, q, fn)
	}
	switch {
	case kind == Events && f == XES:
		return writeXES(w, scan)
	case kind == Events:
		return writeTable(w, f, eventTable(scan))
	default:
		return writeTable(w, f, caseTable(scan))
	}
}

// WriteFigures writes the tables of a dashboard in format f (CSV or
// XLSX): a summary, the open cases by state and age, the time per step,
// the observation rounds, the load per profesional and the steps with a
// deadline. In CSV the tables
// follow one another, each under its title and separated by an empty line;
// in XLSX each is a sheet.
func WriteFigures(w io.Writer, d procedure.Dashboard, f Format) error {
	if err := Check(Figures, f); err != nil {
		return err
	}
	return writeTable(w, f, figureTables(d))
}

// hours returns d in hours, to the hundredth.
func hours(d time.Duration) float64 {
	return float64(d.Round(36*time.Second)/(36*time.Second)) / 100
}

// local returns t's wall clock in La Paz as a UTC time: spreadsheets have
// no time zones, and show what staff read on the clock.
func local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	l := t.In(procedure.LaPaz)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// ParseDay reads a day as staff write it, DD/MM/AAAA, or as AAAA-MM-DD,
// and returns its first instant in La Paz. A range of days "from" to
// "to", both included, is the DashboardQuery{From: ParseDay(from), To:
// ParseDay(to) plus one day}.
func ParseDay(s string) (time.Time, error) {
	for _, layout := range []string{"02/01/2006", "2/1/2006", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, procedure.LaPaz); err == nil {
			return t, nil
		}
	}
	return time.Time{}, procedure.Errorf(procedure.EINVALID, "la fecha %q no es válida: escríbala como DD/MM/AAAA", s)
}

// Days returns the query of the cases started from the day from to the
// day to, both included (ParseDay); an empty text leaves that end open.
func Days(q procedure.DashboardQuery, from, to string) (procedure.DashboardQuery, error) {
	var err error
	q.From, q.To = time.Time{}, time.Time{}
	if from != "" {
		if q.From, err = ParseDay(from); err != nil {
			return q, err
		}
	}
	if to != "" {
		if q.To, err = ParseDay(to); err != nil {
			return q, err
		}
		q.To = q.To.AddDate(0, 0, 1)
	}
	return q, nil
}
