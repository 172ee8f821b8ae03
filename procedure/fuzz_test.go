package procedure_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// FuzzFire starts a PR01 case with fuzzed inputs, a fuzzed requesting unit
// (the requester's own) and a fuzzed comment, and when it is accepted takes
// it to the event that route picks and fires it with value in every input
// and comment as its comment. The engine must answer every request with
// invalid_input or forbidden, or accept it; what it accepts reaches the
// store as valid text of one line (or of several, where the field allows)
// and the case's history verifies. The seed corpus is in
// testdata/fuzz/FuzzFire; `make test` runs the fuzzer for a few seconds.
func FuzzFire(f *testing.F) {
	f.Add("Portal de Trámites", "Actualización a la versión 2.1", proceduretest.UnitDesarrollo, "s3cr3t", "", byte(2), "Falta DB_HOST.", "")
	f.Add("Sistema\x00", "desc", "Unidad", "k", "c", byte(0), "v", "c")
	f.Add("Sistema", "línea\r\notra", "Unidad\u202e", "clave\r\n", "caf\xe9", byte(3), "443, 5432/tcp", "a\rb")
	f.Add("Sistema", "d", "Unidad", "k", "", byte(4), "fabio", strings.Repeat("ñ", 2001))
	// One engine for every input: building one validates the definitions,
	// which costs more than a run. Each input works on cases of its own.
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(f, store)
	f.Fuzz(func(t *testing.T, system, description, unit, secret, comment string, route byte, value, fireComment string) {
		ctx := context.Background()
		requester := proceduretest.Solicitante
		requester.Unit = unit
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: requester, Comment: comment,
			Inputs: procedure.Inputs{"system": system, "description": description, "unit": unit, "credentials": secret}})
		if !answered(t, "start", err, procedure.EINVALID, procedure.EFORBIDDEN) {
			return
		}
		checkStored(t, e, store, c.ID)
		if got, want := c.Unit, strings.TrimSpace(unit); got != want || c.System != strings.TrimSpace(system) {
			t.Fatalf("case unit %q system %q, from %q %q", got, c.System, unit, system)
		}
		fire := func(a procedure.Actor, ev procedure.EventName, in procedure.Inputs, comment string) error {
			t.Helper()
			next, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in, Comment: comment})
			if err == nil {
				c = next
			}
			return err
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("a valid step failed: %v", err)
			}
		}
		var last error
		switch route % 6 {
		case 0:
			last = fire(proceduretest.Jefe, manual.EventReject, procedure.Inputs{"reasons": value}, fireComment)
		case 1:
			last = fire(requester, manual.EventWithdraw, procedure.Inputs{"reasons": value}, fireComment)
		case 2, 3, 5:
			must(fire(proceduretest.Jefe, manual.EventForward, nil, ""))
			must(fire(proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID}, ""))
			revealed, err := e.RevealSecrets(ctx, proceduretest.Profesional, c.ID)
			if err != nil || revealed["credentials"] != strings.ReplaceAll(secret, "\r\n", "\n") {
				t.Fatalf("revealed %q (%v), given %q", revealed["credentials"], err, secret)
			}
			must(fire(proceduretest.Profesional, manual.EventStart, nil, ""))
			switch route % 6 {
			case 2:
				if last = fire(proceduretest.Profesional, manual.EventObserve, procedure.Inputs{"observations": value}, fireComment); last == nil {
					last = fire(requester, manual.EventComplete, procedure.Inputs{"answer": value}, fireComment)
				}
			case 3:
				in := proceduretest.Checklist("")
				for _, k := range []string{"backup_ref", "monitored_ports", "report", "conclusions"} {
					in[k] = value
				}
				last = fire(proceduretest.Profesional, manual.EventConclude, in, fireComment)
			case 5:
				must(fire(proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist(""), ""))
				must(fire(proceduretest.Responsable, manual.EventApproveReport, nil, ""))
				if last = fire(proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": value}, fireComment); last == nil {
					last = fire(requester, manual.EventAcknowledge, nil, fireComment)
				}
			}
		case 4:
			must(fire(proceduretest.Jefe, manual.EventForward, nil, ""))
			last = fire(proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": value}, fireComment)
		}
		answered(t, "fire", last, procedure.EINVALID)
		checkStored(t, e, store, c.ID)
	})
}

// answered reports whether err is nil, and fails the test unless it is an
// *Error with one of codes and a message of reasonable length.
func answered(t *testing.T, op string, err error, codes ...procedure.Code) bool {
	t.Helper()
	if err == nil {
		return true
	}
	code := procedure.ErrorCode(err)
	ok := false
	for _, c := range codes {
		ok = ok || code == c
	}
	if !ok || len(procedure.ErrorMessage(err)) > 4000 {
		t.Fatalf("%s: %.500v (code %s, %d bytes)", op, err, code, len(procedure.ErrorMessage(err)))
	}
	return false
}

// checkStored checks what the store holds of the case: text that is valid
// UTF-8 without control characters (but newlines and tabs in the fields
// of several lines), and a history that verifies.
func checkStored(t *testing.T, e *procedure.Engine, store procedure.Store, id string) {
	t.Helper()
	ctx := context.Background()
	c, err := store.Case(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Definition(c.Procedure)
	if err != nil {
		t.Fatal(err)
	}
	multiline := map[string]bool{}
	for _, ev := range d.Events {
		for _, in := range ev.Inputs {
			multiline[in.Name] = in.Kind == procedure.InputLongText
		}
	}
	for _, s := range []string{c.System, c.Unit, c.LastActor} {
		cleanText(t, s, false)
	}
	for k, v := range c.Data {
		cleanText(t, v, multiline[k])
	}
	h, err := store.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range h {
		cleanText(t, en.Comment, true)
		cleanText(t, en.ActorName, false)
		for k, v := range en.Data {
			cleanText(t, v, multiline[k])
		}
	}
	if err := e.Verify(ctx, proceduretest.Jefe, id); err != nil {
		t.Fatalf("an accepted case fails verification: %v", err)
	}
}

func cleanText(t *testing.T, s string, multiline bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("stored text is not UTF-8: %q", s)
	}
	for _, r := range s {
		if (r < 0x20 || r >= 0x7f && r < 0xa0) && !(multiline && (r == '\n' || r == '\t')) {
			t.Fatalf("stored text holds U+%04X: %q", r, s)
		}
	}
}
