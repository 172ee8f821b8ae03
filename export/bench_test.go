package export_test

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// BenchmarkCasesXLSX exports 10,000 generated cases to XLSX (read from
// SQLite with their histories, their figures computed, written with
// excelize's StreamWriter) and, in the same run, has the StreamWriter alone
// write the same rows, already in memory, with the same styles. Compare
// their cases/s: the export should keep at least half the rate. "both"
// runs the two in turn in each iteration and reports the ratio of the
// rates, which the load of a shared machine disturbs least, and the ratio
// of the CPU time each took (cpu-ratio), which that load does not change.
//
//	go test -run '^$' -bench CasesXLSX -benchmem ./export
func BenchmarkCasesXLSX(b *testing.B) {
	const n = 10000
	_, e := seeded(b, n)
	ctx := context.Background()
	q := procedure.DashboardQuery{}
	b.Run("export", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := export.Write(ctx, io.Discard, e, proceduretest.Jefe, q, export.Cases, export.XLSX); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
	})
	var rows [][]any
	err := e.ScanCases(ctx, proceduretest.Jefe, q, func(f procedure.CaseFigures, h []procedure.Entry) error {
		rows = append(rows, export.CaseRow(f, h))
		return nil
	})
	if err != nil || len(rows) != n {
		b.Fatalf("%d rows, %v", len(rows), err)
	}
	b.Run("streamwriter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := streamRows(io.Discard, rows); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
	})
	// Both in turn in every iteration, so that both meet the same load of
	// the machine: the rate of each, and the export's rate over the
	// StreamWriter's.
	b.Run("both", func(b *testing.B) {
		var tExport, tBare, cExport, cBare time.Duration
		for b.Loop() {
			t0, c0 := time.Now(), cpuTime(b)
			if err := export.Write(ctx, io.Discard, e, proceduretest.Jefe, q, export.Cases, export.XLSX); err != nil {
				b.Fatal(err)
			}
			t1, c1 := time.Now(), cpuTime(b)
			if err := streamRows(io.Discard, rows); err != nil {
				b.Fatal(err)
			}
			tExport, tBare = tExport+t1.Sub(t0), tBare+time.Since(t1)
			cExport, cBare = cExport+c1-c0, cBare+cpuTime(b)-c1
		}
		b.ReportMetric(float64(n*b.N)/tExport.Seconds(), "export-cases/s")
		b.ReportMetric(float64(n*b.N)/tBare.Seconds(), "streamwriter-cases/s")
		b.ReportMetric(tBare.Seconds()/tExport.Seconds(), "ratio")
		b.ReportMetric(cBare.Seconds()/cExport.Seconds(), "cpu-ratio")
	})
}

// cpuTime returns the CPU time the process has used (user and system),
// which other programs on a busy machine do not inflate as they do
// elapsed time.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// streamRows writes the header and rows as the export does, with nothing
// else: one sheet, a bold header, dates in La Paz.
func streamRows(w io.Writer, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	head := make([]any, len(export.CaseHeader))
	for i, h := range export.CaseHeader {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	cells := make([]any, 0, len(export.CaseHeader))
	for i, r := range rows {
		cells = cells[:0]
		for _, v := range r {
			if t, ok := v.(time.Time); ok {
				v = excelize.Cell{StyleID: date, Value: export.Local(t)}
			}
			cells = append(cells, v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
