package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

var now = time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)

// seeded opens a SQLite store with n generated cases and an engine on it.
func seeded(tb testing.TB, n int) (*sqlite.Store, *procedure.Engine) {
	tb.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "tramite.db"), sqlite.WithSynchronous("NORMAL"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := proceduretest.Generate(ctx, s, n, 7, now); err != nil {
		tb.Fatal(err)
	}
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...),
		procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(procedure.ClockFunc(func() time.Time { return now })))
	if err != nil {
		tb.Fatal(err)
	}
	return s, e
}

// histories returns the number of history entries of every case, by ID.
func histories(t *testing.T, s procedure.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := s.Scan(context.Background(), procedure.ScanQuery{History: true}, func(c procedure.Case, h []procedure.Entry) error {
		out[c.ID] = len(h)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, e *procedure.Engine, a procedure.Actor, q procedure.DashboardQuery, kind export.Kind, f export.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := export.Write(context.Background(), &buf, e, a, q, kind, f); err != nil {
		t.Fatalf("%s %s: %v", kind, f, err)
	}
	return buf.Bytes()
}

func TestCasesXLSX(t *testing.T) {
	s, e := seeded(t, 400)
	want := histories(t, s)
	data := write(t, e, proceduretest.Jefe, procedure.DashboardQuery{}, export.Cases, export.XLSX)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize cannot open the export: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Trámites")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want)+1 || rows[0][0] != "Trámite" || rows[0][5] != "Estado" {
		t.Fatalf("%d rows (want %d and the header), header %v", len(rows), len(want)+1, rows[0])
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		entries, err := strconv.Atoi(r[14])
		if err != nil || entries != want[r[0]] || seen[r[0]] {
			t.Fatalf("row %v: %d entries in the history, %v", r, want[r[0]], err)
		}
		seen[r[0]] = true
		c, err := s.Case(context.Background(), r[0])
		if err != nil {
			t.Fatal(err)
		}
		d, _ := e.DefinitionOf(c)
		if r[1] != c.Procedure || r[2] != c.System || r[3] != c.Unit || r[5] != d.StateLabel(c.State) {
			t.Fatalf("row %v for case %+v", r, c)
		}
	}
	// The start is a date cell, in La Paz.
	first, _ := s.Case(context.Background(), rows[1][0])
	v, err := f.GetCellValue("Trámites", "I2", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("the start is not a date cell: %q", v)
	}
	got := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(serial * float64(24*time.Hour)))
	l := first.CreatedAt.In(procedure.LaPaz)
	if d := got.Sub(time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)); d < -time.Second || d > time.Second {
		t.Fatalf("start %v, case started %v in La Paz", got, l)
	}
}

func TestFiguresXLSXAndCSV(t *testing.T) {
	_, e := seeded(t, 300)
	q := procedure.DashboardQuery{Procedure: manual.CodePR01}
	d, err := e.Dashboard(context.Background(), proceduretest.Responsable, q)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(write(t, e, proceduretest.Responsable, q, export.Figures, export.XLSX)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Resumen", "Abiertos por estado", "Tiempo por paso", "Rondas de observación", "Carga por profesional", "Plazos"}) {
		t.Fatalf("sheets %v", got)
	}
	for _, tc := range []struct {
		sheet string
		rows  int
	}{
		{"Resumen", 10}, {"Abiertos por estado", len(d.States)}, {"Tiempo por paso", len(d.Steps)},
		{"Rondas de observación", len(d.Rounds)}, {"Carga por profesional", len(d.Load)}, {"Plazos", 0},
	} {
		rows, err := f.GetRows(tc.sheet)
		if err != nil || len(rows) != tc.rows+1 {
			t.Fatalf("%s: %d rows, want %d and the header (%v)", tc.sheet, len(rows), tc.rows, err)
		}
	}
	open := 0
	rows, _ := f.GetRows("Abiertos por estado")
	for _, r := range rows[1:] {
		n, _ := strconv.Atoi(r[len(r)-1])
		open += n
	}
	if open != d.Open || d.Open == 0 {
		t.Fatalf("the open cases by state add up to %d, the dashboard has %d", open, d.Open)
	}
	// CSV: the same tables one after another, each under its title after
	// an empty line.
	raw := string(write(t, e, proceduretest.Responsable, q, export.Figures, export.CSV))
	for i, name := range f.GetSheetList() {
		if i == 0 && !strings.HasPrefix(raw, name+"\n") || i > 0 && !strings.Contains(raw, "\n\n"+name+"\n") {
			t.Fatalf("CSV has no section %q:\n%s", name, raw)
		}
	}
	if recs := readCSV(t, []byte(raw)); len(recs) != 6+10+len(d.States)+len(d.Steps)+len(d.Rounds)+len(d.Load)+6 {
		t.Fatalf("CSV has %d records", len(recs))
	}
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// xesLog is what the test reads of an XES log.
type xesLog struct {
	XMLName xml.Name `xml:"http://www.xes-standard.org/ log"`
	Version string   `xml:"xes.version,attr"`
	Traces  []struct {
		Strings []xesAttr `xml:"string"`
		Events  []struct {
			Strings []xesAttr `xml:"string"`
			Dates   []xesAttr `xml:"date"`
			Ints    []xesAttr `xml:"int"`
		} `xml:"event"`
	} `xml:"trace"`
}

type xesAttr struct {
	Key   string `xml:"key,attr"`
	Value string `xml:"value,attr"`
}

func value(attrs []xesAttr, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

func TestXES(t *testing.T) {
	s, e := seeded(t, 500)
	want := histories(t, s)
	var log xesLog
	if err := xml.Unmarshal(write(t, e, proceduretest.Jefe, procedure.DashboardQuery{}, export.Events, export.XES), &log); err != nil {
		t.Fatalf("the XES does not parse: %v", err)
	}
	if log.Version != "1849-2016" || len(log.Traces) != len(want) {
		t.Fatalf("version %q, %d traces, want %d", log.Version, len(log.Traces), len(want))
	}
	for _, tr := range log.Traces {
		id := value(tr.Strings, "concept:name")
		if n, ok := want[id]; !ok || len(tr.Events) != n {
			t.Fatalf("trace %q has %d events, its history %d entries", id, len(tr.Events), n)
		}
		delete(want, id)
		var last time.Time
		for i, ev := range tr.Events {
			at, err := time.Parse("2006-01-02T15:04:05.000-07:00", value(ev.Dates, "time:timestamp"))
			if err != nil || at.Before(last) || value(ev.Ints, "nro") != strconv.Itoa(i+1) ||
				value(ev.Strings, "concept:name") == "" || value(ev.Strings, "org:resource") == "" {
				t.Fatalf("trace %s event %d: %+v (%v)", id, i+1, ev, err)
			}
			last = at
		}
	}
	if len(want) != 0 {
		t.Fatalf("%d cases have no trace", len(want))
	}
}

func TestEventsCSVAndHostileText(t *testing.T) {
	s, e := seeded(t, 50)
	ctx := context.Background()
	// A system named like a formula, and one with a quote, a comma and a
	// line break.
	for i, system := range []string{"=HYPERLINK(\"http://x\")", "Uno, \"dos\"\ntres"} {
		c := procedure.Case{ID: "PR02-X-" + strconv.Itoa(i), Procedure: manual.CodePR02, State: manual.StateRequested, Version: 1,
			System: system, Unit: manual.UnitDesarrollo, Step: 2, WaitingRole: manual.RoleJefeUIT, CreatedAt: now, UpdatedAt: now}
		en := procedure.Entry{CaseID: c.ID, Seq: 1, Step: 1, Event: manual.EventRequest, To: manual.StateRequested,
			ActorID: "ana", ActorName: "Ana <Quispe> & \"Cía\"", Role: manual.RoleSolicitante, At: now}
		en.Hash = en.ComputeHash()
		if err := s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			return tx.AppendEntry(en)
		}); err != nil {
			t.Fatal(err)
		}
	}
	want := histories(t, s)
	total := 0
	for _, n := range want {
		total += n
	}
	recs := readCSV(t, write(t, e, proceduretest.Jefe, procedure.DashboardQuery{}, export.Events, export.CSV))
	if len(recs) != total+1 || recs[0][0] != "Trámite" {
		t.Fatalf("%d rows, want %d and the header", len(recs), total+1)
	}
	cases := readCSV(t, write(t, e, proceduretest.Jefe, procedure.DashboardQuery{}, export.Cases, export.CSV))
	systems := map[string]string{}
	for _, r := range cases[1:] {
		systems[r[0]] = r[2]
	}
	if systems["PR02-X-0"] != "'=HYPERLINK(\"http://x\")" || systems["PR02-X-1"] != "Uno, \"dos\"\ntres" {
		t.Fatalf("systems read back %q and %q", systems["PR02-X-0"], systems["PR02-X-1"])
	}
	var log xesLog
	if err := xml.Unmarshal(write(t, e, proceduretest.Jefe, procedure.DashboardQuery{}, export.Events, export.XES), &log); err != nil {
		t.Fatalf("hostile text breaks the XES: %v", err)
	}
	found := false
	for _, tr := range log.Traces {
		if value(tr.Strings, "concept:name") == "PR02-X-1" {
			found = value(tr.Strings, "sistema") == "Uno, \"dos\"\ntres" && value(tr.Events[0].Strings, "org:resource") == "Ana <Quispe> & \"Cía\""
		}
	}
	if !found {
		t.Fatal("the hostile texts do not read back from the XES")
	}
}

func TestWriteErrors(t *testing.T) {
	_, e := seeded(t, 5)
	for _, tc := range []struct {
		name string
		a    procedure.Actor
		q    procedure.DashboardQuery
		kind export.Kind
		f    export.Format
		want procedure.Code
		text string
	}{
		{"unknown kind", proceduretest.Jefe, procedure.DashboardQuery{}, "todo", export.CSV, procedure.EINVALID, "no se conoce la exportación"},
		{"figures as XES", proceduretest.Jefe, procedure.DashboardQuery{}, export.Figures, export.XES, procedure.EINVALID, "formato"},
		{"cases as PDF", proceduretest.Jefe, procedure.DashboardQuery{}, export.Cases, "pdf", procedure.EINVALID, "formato"},
		{"profesional", proceduretest.Profesional, procedure.DashboardQuery{}, export.Cases, export.XLSX, procedure.EFORBIDDEN, "tablero"},
		{"solicitante", proceduretest.Solicitante, procedure.DashboardQuery{}, export.Events, export.XES, procedure.EFORBIDDEN, "tablero"},
		{"solicitante, figures", proceduretest.Solicitante, procedure.DashboardQuery{}, export.Figures, export.CSV, procedure.EFORBIDDEN, "tablero"},
		{"dates reversed", proceduretest.Jefe, procedure.DashboardQuery{From: now, To: now.Add(-time.Hour)}, export.Cases, export.CSV, procedure.EINVALID, "anterior"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := export.Write(context.Background(), &buf, e, tc.a, tc.q, tc.kind, tc.f)
			if procedure.ErrorCode(err) != tc.want || !strings.Contains(procedure.ErrorMessage(err), tc.text) {
				t.Fatalf("%v, want %s (%q)", err, tc.want, tc.text)
			}
			if buf.Len() != 0 {
				t.Fatalf("%d bytes written before the error", buf.Len())
			}
		})
	}
}

// failAfter is a writer that fails once n bytes were written.
type failAfter struct{ n int }

var errFull = errors.New("disco lleno")

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errFull
	}
	return len(p), nil
}

// TestWriteFails: a writer that fails stops the export, whose reading of
// the store stops with it, and its error comes back.
func TestWriteFails(t *testing.T) {
	_, e := seeded(t, 600)
	for _, tc := range []struct {
		kind export.Kind
		f    export.Format
	}{{export.Cases, export.CSV}, {export.Events, export.CSV}, {export.Events, export.XES}, {export.Cases, export.XLSX}, {export.Figures, export.CSV}} {
		limit := 8 << 10 // a few rows in
		if tc.kind == export.Figures {
			limit = 100 // the figures are a few hundred bytes
		}
		err := export.Write(context.Background(), &failAfter{n: limit}, e, proceduretest.Jefe, procedure.DashboardQuery{}, tc.kind, tc.f)
		if !errors.Is(err, errFull) {
			t.Errorf("%s %s: %v, want the writer's error", tc.kind, tc.f, err)
		}
	}
}

// TestFiguresDeadlines: the steps with a deadline fill the Plazos sheet.
func TestFiguresDeadlines(t *testing.T) {
	d := procedure.Dashboard{At: now, Deadlines: []procedure.StepDeadlines{
		{Procedure: manual.CodePR02, Step: 4, Activity: "Recepciona e inicia", Deadline: "10 días hábiles", Open: 7, Overdue: 2},
		{Procedure: manual.CodePR02, Step: 9, Activity: "Recepciona nota interna", Deadline: "3 días hábiles", Open: 1}}}
	var buf bytes.Buffer
	if err := export.WriteFigures(&buf, d, export.XLSX); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Plazos")
	if err != nil || len(rows) != 3 || rows[1][3] != "10 días hábiles" || rows[1][4] != "7" || rows[1][5] != "2" || rows[2][5] != "0" {
		t.Fatalf("Plazos %v, %v", rows, err)
	}
}
