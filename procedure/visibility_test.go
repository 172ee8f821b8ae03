package procedure_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestReadsForAnActor: every read answers for an actor. A requester sees
// the cases of their own unit and nothing of another's, which is "not
// found" in the words a number never issued gets; the UIT's roles and the
// administrator see every case; the outbox is the Jefe's and the
// administrator's.
func TestReadsForAnActor(t *testing.T) {
	e, s := newEngine(t)
	own, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request("Propio", "clave")})
	if err != nil {
		t.Fatal(err)
	}
	in := proceduretest.PR02Request("Ajeno")
	in["unit"] = proceduretest.UnitGobierno
	other, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante2, Inputs: in})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDocument(ctx, procedure.Document{CaseID: other.ID, Topic: manual.TopicNotaRemision, Content: []byte("%PDF")}); err != nil {
		t.Fatal(err)
	}
	nobody := procedure.Actor{ID: "zoe", Name: "Zoe", Unit: proceduretest.UnitDesarrollo}
	tests := []struct {
		actor           procedure.Actor
		sees            []string // of own (Unidad de Desarrollo) and other (Unidad de Gobierno)
		outbox          bool
		listed, counted int
	}{
		{proceduretest.Solicitante, []string{own.ID}, false, 1, 1},
		{proceduretest.Solicitante2, []string{other.ID}, false, 1, 1},
		{proceduretest.Jefe, []string{own.ID, other.ID}, true, 2, 2},
		{proceduretest.JefeAI, []string{own.ID, other.ID}, true, 2, 2},
		{proceduretest.Responsable, []string{own.ID, other.ID}, false, 2, 2},
		{proceduretest.Profesional, []string{own.ID, other.ID}, false, 2, 2},
		{proceduretest.Admin, []string{own.ID, other.ID}, true, 2, 2},
		{nobody, nil, false, 0, 0},
	}
	missing := func(id string) string {
		_, err := e.Case(ctx, proceduretest.Jefe, "PR01-2026-9999")
		return strings.ReplaceAll(procedure.ErrorMessage(err), "PR01-2026-9999", id)
	}
	for _, tt := range tests {
		t.Run(tt.actor.ID, func(t *testing.T) {
			for _, id := range []string{own.ID, other.ID} {
				visible := slices.Contains(tt.sees, id)
				reads := map[string]error{}
				_, reads["case"] = e.Case(ctx, tt.actor, id)
				_, reads["history"] = e.History(ctx, tt.actor, id)
				_, reads["documents"] = e.Documents(ctx, tt.actor, id)
				_, reads["emails"] = e.Emails(ctx, tt.actor, id)
				_, reads["available"] = e.Available(ctx, tt.actor, id)
				reads["verify"] = e.Verify(ctx, tt.actor, id)
				for what, err := range reads {
					switch {
					case visible && err != nil:
						t.Errorf("%s of %s: %v", what, id, err)
					case !visible && procedure.ErrorCode(err) != procedure.ENOTFOUND:
						t.Errorf("%s of %s, which %s may not see: %v, want not found", what, id, tt.actor.ID, err)
					case !visible && procedure.ErrorMessage(err) != missing(id):
						t.Errorf("%s of %s says %q, a missing case %q: the two can be told apart", what, id, procedure.ErrorMessage(err), missing(id))
					}
				}
			}
			cs, err := e.Cases(ctx, tt.actor, procedure.CaseQuery{})
			if err != nil || len(cs) != tt.listed {
				t.Errorf("Cases: %d cases, %v; want %d", len(cs), err, tt.listed)
			}
			for _, c := range cs {
				if !slices.Contains(tt.sees, c.ID) {
					t.Errorf("Cases lists %s", c.ID)
				}
			}
			n, err := e.CountCases(ctx, tt.actor, procedure.CaseQuery{})
			if err != nil || n != tt.counted {
				t.Errorf("CountCases: %d, %v; want %d", n, err, tt.counted)
			}
			// Asking for another unit's cases does not widen a requester's view.
			cs, _ = e.Cases(ctx, tt.actor, procedure.CaseQuery{Unit: proceduretest.UnitGobierno})
			for _, c := range cs {
				if !slices.Contains(tt.sees, c.ID) {
					t.Errorf("Cases of the Unidad de Gobierno lists %s", c.ID)
				}
			}
			items, err := e.Outbox(ctx, tt.actor, procedure.OutboxQuery{})
			if tt.outbox != (err == nil) || tt.outbox && len(items) == 0 {
				t.Errorf("Outbox: %d items, %v; may see it: %v", len(items), err, tt.outbox)
			}
			if !tt.outbox && procedure.ErrorCode(err) != procedure.EFORBIDDEN {
				t.Errorf("Outbox refused with %v, want forbidden", err)
			}
			if _, err := e.CountOutbox(ctx, tt.actor, procedure.OutboxQuery{}); tt.outbox != (err == nil) {
				t.Errorf("CountOutbox: %v", err)
			}
			if e.CanSeeOutbox(tt.actor) != tt.outbox {
				t.Errorf("CanSeeOutbox = %v", !tt.outbox)
			}
		})
	}
}

func TestRetryOutbox(t *testing.T) {
	e, s := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventForward)
	items, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID})
	it := items[0]
	_, err := e.RetryOutbox(ctx, proceduretest.Jefe, it.ID)
	wantCode(t, err, procedure.EINVALIDTRANSITION) // pending: nothing to retry
	it.Status, it.Attempts, it.LastError = procedure.OutboxFailed, 3, "550 buzón inexistente"
	if err := s.UpdateOutbox(ctx, it); err != nil {
		t.Fatal(err)
	}
	_, err = e.RetryOutbox(ctx, proceduretest.Solicitante, it.ID)
	wantCode(t, err, procedure.EFORBIDDEN)
	_, err = e.RetryOutbox(ctx, proceduretest.Admin, "no-such-item")
	wantCode(t, err, procedure.ENOTFOUND)
	got, err := e.RetryOutbox(ctx, proceduretest.Admin, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Outbox(ctx, procedure.OutboxQuery{ID: it.ID})
	if len(again) != 1 || again[0].Status != procedure.OutboxPending || got.Status != procedure.OutboxPending || again[0].ClaimedBy != "" ||
		again[0].Attempts != 0 || !strings.Contains(again[0].LastError, "550 buzón inexistente") {
		t.Fatalf("after a retry: %+v (want pending, its attempts counted again from zero, the last error kept)", again)
	}
}

// TestCasesAcrossProceduresSeenDifferently: one actor who sees every case
// of one procedure and only their unit's of another gets one listing,
// merged in the stores' order and paged as one.
func TestCasesAcrossProceduresSeenDifferently(t *testing.T) {
	custom := manual.PR02()
	custom.Code, custom.Prefix, custom.Name = "X/CUSTOM", "CU", "Procedimiento propio"
	custom.Visibility = procedure.Visibility{All: []procedure.RoleID{manual.RoleSolicitante, manual.RoleJefeUIT}}
	s := procedure.NewMemoryStore()
	clock := proceduretest.NewClock()
	sealer, _ := procedure.NewAESSealer(proceduretest.Key)
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.PR01(), custom), procedure.WithClock(clock),
		procedure.WithDirectory(proceduretest.Directory()), procedure.WithSealer(sealer))
	if err != nil {
		t.Fatal(err)
	}
	var want []string // what Ana sees, newest first
	for i := range 6 {
		for _, a := range []procedure.Actor{proceduretest.Solicitante, proceduretest.Solicitante2} {
			code, in := manual.CodePR01, proceduretest.PR01Request(fmt.Sprint("S", i), "clave")
			if i%2 == 1 {
				code, in = custom.Code, proceduretest.PR02Request(fmt.Sprint("S", i))
			}
			in["unit"] = a.Unit
			c, err := e.Start(ctx, procedure.StartRequest{Procedure: code, Actor: a, Inputs: in})
			if err != nil {
				t.Fatal(err)
			}
			if a.ID == proceduretest.Solicitante.ID || code == custom.Code {
				want = append([]string{c.ID}, want...)
			}
		}
	}
	var got []string
	for off := 0; ; off += 4 {
		cs, err := e.Cases(ctx, proceduretest.Solicitante, procedure.CaseQuery{Limit: 4, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			got = append(got, c.ID)
		}
		if len(cs) < 4 {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Ana's pages:\n got %v\nwant %v", got, want)
	}
	if n, _ := e.CountCases(ctx, proceduretest.Solicitante, procedure.CaseQuery{}); n != len(want) {
		t.Fatalf("CountCases = %d, want %d", n, len(want))
	}
}

func TestVisibilityIsData(t *testing.T) {
	d := manual.PR01()
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"visibility":{"all":["jefe_uit","responsable_ss","profesional_ss","administrador"],"unit":["solicitante"],"outbox":["jefe_uit","administrador"],"dashboard":["jefe_uit","responsable_ss"]}`) {
		t.Fatalf("PR01's visibility is not in its JSON: %s", raw)
	}
	d.Visibility.Outbox = append(d.Visibility.Outbox, "portero")
	err = d.Validate()
	wantCode(t, err, procedure.EINVALID)
	var perr *procedure.Error
	if !errors.As(err, &perr) || !strings.Contains(strings.Join(perr.Problems, "\n"), `"portero"`) {
		t.Fatalf("the unknown role is not named: %v", err)
	}
	// A definition without visibility: the starting role sees its unit,
	// every other role every case.
	d.Visibility = procedure.Visibility{}
	v := d.Visible()
	if !slices.Equal(v.Unit, []procedure.RoleID{manual.RoleSolicitante}) || len(v.All) != 4 || len(v.Outbox) != 0 || len(v.Dashboard) != 0 {
		t.Fatalf("default visibility %+v", v)
	}
}
