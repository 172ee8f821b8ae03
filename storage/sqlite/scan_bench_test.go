package sqlite_test

import (
	"context"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

// BenchmarkScan streams 10,000 generated cases with their histories (about
// 49,000 entries), as the tablero and its exports read them.
//
//	go test -run '^$' -bench Scan -benchmem ./storage/sqlite
func BenchmarkScan(b *testing.B) {
	ctx := context.Background()
	s, _ := mustOpen(b, sqlite.WithSynchronous("NORMAL"))
	if err := proceduretest.Generate(ctx, s, 10000, 15, dashboardNow); err != nil {
		b.Fatal(err)
	}
	for _, history := range []bool{false, true} {
		name := "cases"
		if history {
			name = "with history"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := s.Scan(ctx, procedure.ScanQuery{History: history}, func(c procedure.Case, h []procedure.Entry) error {
					n++
					return nil
				})
				if err != nil || n != 10000 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
