package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// longCase runs a PR01 case to its close with every free text k/16 of the
// longest the engine accepts (the system's name, the description, the
// observations and answers, the report, the conclusions, the memo and the
// comments), four rounds of observations, in words of one to fourteen
// characters or, when word is false, in one unbroken word. It returns the
// inputs of the conclusion report and of the route sheet, and how many
// characters of text they carry.
func longCase(b *testing.B, k int, word bool) (report.Input, report.Input, int) {
	b.Helper()
	ctx := context.Background()
	chars := 0
	text := func(max int) string {
		n := max * k / 16
		chars += n
		if !word {
			return strings.Repeat("ñ", n)
		}
		s := strings.Repeat("Configuración del proxy inverso y réplica ", n/40+1)
		return strings.TrimSpace(string([]rune(s)[:n]))
	}
	e := proceduretest.NewEngine(b, procedure.NewMemoryStore())
	in := proceduretest.PR01Request(text(200), "s3cr3t")
	in["description"] = text(10000)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante, Inputs: in, Comment: text(procedure.MaxCommentLen)})
	if err != nil {
		b.Fatal(err)
	}
	fire := func(a procedure.Actor, ev procedure.EventName, in procedure.Inputs) {
		b.Helper()
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in, Comment: text(procedure.MaxCommentLen)}); err != nil {
			b.Fatalf("%s: %v", ev, err)
		}
	}
	fire(proceduretest.Jefe, manual.EventForward, nil)
	fire(proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID})
	fire(proceduretest.Profesional, manual.EventStart, nil)
	for range 4 {
		fire(proceduretest.Profesional, manual.EventObserve, procedure.Inputs{"observations": text(10000)})
		fire(proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": text(10000)})
	}
	check := proceduretest.Checklist("")
	check["report"], check["conclusions"], check["backup_ref"] = text(10000), text(10000), text(1000)
	fire(proceduretest.Profesional, manual.EventConclude, check)
	fire(proceduretest.Responsable, manual.EventApproveReport, nil)
	fire(proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": text(10000)})
	fire(proceduretest.Solicitante, manual.EventAcknowledge, nil)
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	def, err := e.Definition(c.Procedure)
	if err != nil {
		b.Fatal(err)
	}
	conclusion := report.Input{Topic: manual.TopicInformeConclusion, Case: c, Definition: def, History: h}
	route := report.Input{Topic: manual.TopicHojaDeRuta, Case: c, Definition: def, History: h}
	return conclusion, route, chars
}

// BenchmarkRenderLong renders the conclusion report and the route sheet
// of a case whose texts are 1/16, 1/4 and all of the longest the engine
// accepts, in words and in one unbroken word: the time per character must
// stay flat, rendering is linear in the size of what was accepted.
func BenchmarkRenderLong(b *testing.B) {
	for _, word := range []bool{true, false} {
		for _, k := range []int{1, 4, 16} {
			conclusion, route, chars := longCase(b, k, word)
			for _, in := range []report.Input{conclusion, route} {
				name := fmt.Sprintf("%s/words=%t/x%d", in.Topic, word, k)
				b.Run(name, func(b *testing.B) {
					var buf bytes.Buffer
					b.ReportAllocs()
					for b.Loop() {
						buf.Reset()
						if err := report.Render(&buf, in, report.Options{}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(chars), "ns/char")
				})
			}
		}
	}
}
