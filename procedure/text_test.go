package procedure_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestStartWithoutUnit: a case started without the requesting unit, or
// with one that is blank or malformed, is told which input is missing or
// wrong (invalid_input), not that the requester's guard forbids it; someone
// without the role is still forbidden.
func TestStartWithoutUnit(t *testing.T) {
	ctx := context.Background()
	e := proceduretest.NewEngine(t, procedure.NewMemoryStore())
	for _, unit := range []string{"", "   ", "con\x00nulo", strings.Repeat("u", 201)} {
		in := proceduretest.PR02Request("Portal")
		in["unit"] = unit
		_, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: in})
		if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(strings.ToLower(procedure.ErrorMessage(err)), "unidad/área solicitante") {
			t.Fatalf("unit %.20q: %v, want invalid_input naming the unit", unit, err)
		}
	}
	in := proceduretest.PR02Request("Portal")
	delete(in, "unit")
	if _, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Jefe, Inputs: in}); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("the jefe starting a case: %v, want forbidden", err)
	}
	in["unit"] = proceduretest.UnitGobierno // another unit than the requester's
	if _, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: in}); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("starting for another unit: %v, want forbidden", err)
	}
}

// TestRefusalsStayShort: a refusal quotes what it refuses cut short, and
// counts unknown inputs beyond the first few rather than listing them, so
// a hostile request cannot make a long error.
func TestRefusalsStayShort(t *testing.T) {
	ctx := context.Background()
	e := proceduretest.NewEngine(t, procedure.NewMemoryStore())
	huge := strings.Repeat("ñ", 1<<20)
	in := proceduretest.PR02Request("Portal")
	for i := range 1000 {
		in["extra"+strconv.Itoa(i)] = "x"
	}
	in[huge] = "x"
	checks := []struct {
		name string
		err  func() error
		code procedure.Code
	}{
		{"unknown inputs", func() error {
			_, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: in})
			return err
		}, procedure.EINVALID},
		{"unknown procedure", func() error {
			_, err := e.Start(ctx, procedure.StartRequest{Procedure: huge, Actor: proceduretest.Solicitante})
			return err
		}, procedure.ENOTFOUND},
		{"unknown case", func() error { _, err := e.Case(ctx, proceduretest.Jefe, huge); return err }, procedure.ENOTFOUND},
		{"unknown item", func() error { _, err := e.RetryOutbox(ctx, proceduretest.Jefe, huge); return err }, procedure.ENOTFOUND},
		{"overlong name", func() error {
			a := proceduretest.Solicitante
			a.Name = huge
			_, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: a, Inputs: proceduretest.PR02Request("Portal")})
			return err
		}, procedure.EINVALID},
	}
	for _, c := range checks {
		err := c.err()
		if procedure.ErrorCode(err) != c.code || len(err.Error()) > 2000 {
			t.Errorf("%s: %.300v (%d bytes), want %s in under 2,000 bytes", c.name, err, len(err.Error()), c.code)
		}
	}
}

// TestMultilineKept: in a field of several lines, Windows line ends are
// kept as plain newlines, tabs are kept, and the case verifies.
func TestMultilineKept(t *testing.T) {
	ctx := context.Background()
	e := proceduretest.NewEngine(t, procedure.NewMemoryStore())
	in := proceduretest.PR02Request("Portal")
	in["description"] = "Actualizar:\r\n\t- la base\r\n\t- el proxy"
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: in,
		Comment: "primera línea\r\nsegunda línea"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Description != "Actualizar:\n\t- la base\n\t- el proxy" {
		t.Fatalf("description kept as %q", c.Description)
	}
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil || h[0].Comment != "primera línea\nsegunda línea" {
		t.Fatalf("comment kept as %q (%v)", h[0].Comment, err)
	}
	if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
}
