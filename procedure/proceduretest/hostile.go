package proceduretest

import (
	"context"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// hostileText is a string a hostile or careless user might type, with
// whether a field of one line and a field of several lines accept it, and
// what a field of several lines keeps of it.
type hostileText struct {
	name      string
	v         string
	line      bool // a field of one line accepts it
	multiline bool // a field of several lines accepts it
	kept      string
}

// hostileTexts are the strings every store is sent through the engine and
// the People. Every store must give each the same answer: the engine
// decides, before any store sees the text.
var hostileTexts = []hostileText{
	{name: "plain", v: "Sistema de Trámites Ñandú", line: true, multiline: true},
	{name: "emoji and quotes", v: "Portal 🦙 «comillas» ‘tipográficas’", line: true, multiline: true},
	{name: "combining tilde", v: "Pen\u0303a", line: true, multiline: true},
	{name: "byte order mark", v: "\ufeffPortal", line: true, multiline: true},
	{name: "SQL", v: "'; DROP TABLE cases; --", line: true, multiline: true},
	{name: "escaped NUL as text", v: `{"a":"\u0000"}`, line: true, multiline: true},
	{name: "format verbs", v: "%s %d %!x %%", line: true, multiline: true},
	{name: "NUL", v: "con\x00nulo"},
	{name: "not UTF-8", v: "caf\xe9"},
	{name: "UTF-8 of a surrogate", v: "x\xed\xa0\x80"},
	{name: "escape sequence", v: "a\x1b[31mrojo"},
	{name: "C1 next line", v: "a\u0085b"},
	{name: "DEL", v: "a\x7fb"},
	{name: "lone CR", v: "a\rb"},
	{name: "newline", v: "línea\nsegunda", multiline: true},
	{name: "CRLF", v: "línea\r\nsegunda", multiline: true, kept: "línea\nsegunda"},
	{name: "header injection", v: "x\r\nBcc: y@example.com", multiline: true, kept: "x\nBcc: y@example.com"},
	{name: "tab", v: "a\tb", multiline: true},
	{name: "right-to-left override", v: "abc\u202edcba", multiline: true},
	{name: "line separator", v: "a\u2028b", multiline: true},
}

// hostileField is a field of the engine: how to send a value, its label in
// refusals, and its limit.
type hostileField struct {
	name      string
	label     string // part of the refusal's message, lower case
	max       int    // characters
	multiline bool
}

var hostileFields = []hostileField{
	{"system", "sistema", 200, false},
	{"description", "descripción del requerimiento", 10000, true},
	{"unit", "unidad", 200, false},
	{"credentials", "credenciales", 10000, true},
	{"start comment", "el comentario", procedure.MaxCommentLen, true},
	{"actor name", "el nombre de la persona", procedure.MaxNameLen, false},
	{"observations", "observaciones", 10000, true},
	{"observe comment", "el comentario", procedure.MaxCommentLen, true},
}

// testHostile sends every hostile text, and texts at and over each field's
// limit, through the engine into the store: each is accepted or refused as
// the table says, a refusal is invalid_input naming the field, and every
// case accepted reads back as it was given and passes Verify.
func testHostile(t *testing.T, store procedure.Store) {
	ctx := context.Background()
	e := NewEngine(t, store)
	progress := InProgress(t, e, manual.CodePR02, "Sistema en curso")
	for _, f := range hostileFields {
		texts := append(hostileTexts[:len(hostileTexts):len(hostileTexts)],
			hostileText{name: "at the limit", v: strings.Repeat("ñ", f.max), line: true, multiline: true},
			hostileText{name: "over the limit", v: strings.Repeat("ñ", f.max+1)})
		for _, h := range texts {
			want := h.line
			if f.multiline {
				want = h.multiline
			}
			kept := h.v
			if h.kept != "" {
				kept = h.kept
			}
			c, err := sendHostile(ctx, e, f, progress.ID, h.v)
			switch {
			case want && err != nil:
				t.Fatalf("%s, %s: refused: %v", f.name, h.name, err)
			case !want && procedure.ErrorCode(err) != procedure.EINVALID:
				t.Fatalf("%s, %s: error %v, want invalid_input", f.name, h.name, err)
			case !want && !strings.Contains(strings.ToLower(procedure.ErrorMessage(err)), f.label):
				t.Fatalf("%s, %s: %q does not name the field (%q)", f.name, h.name, procedure.ErrorMessage(err), f.label)
			case !want:
				continue
			}
			checkKept(t, ctx, e, store, f, h.name, c, kept)
		}
	}
	// Whatever the store, an ID no case could have is not found, and a
	// filter no case could match is refused.
	for _, h := range append(hostileTexts, hostileText{name: "10 MB", v: strings.Repeat("x", 10<<20)}) {
		if _, err := e.Case(ctx, Jefe, h.v); procedure.ErrorCode(err) != procedure.ENOTFOUND {
			t.Fatalf("case %s: %v, want not_found", h.name, err)
		}
		_, err := e.Cases(ctx, Jefe, procedure.CaseQuery{Text: h.v})
		if h.line && err != nil || !h.line && procedure.ErrorCode(err) != procedure.EINVALID {
			t.Fatalf("cases with text %s: %v", h.name, err)
		}
	}
	// Someone who may see no procedure's cases gets an empty list.
	if cs, err := e.Cases(ctx, procedure.Actor{ID: "nadie"}, procedure.CaseQuery{}); err != nil || len(cs) != 0 {
		t.Fatalf("cases for someone who sees none: %v, %v", cs, err)
	}
}

// sendHostile sends v in field f: a new case for the fields of the start,
// an observation on the case in progress for the others (and then the
// answer that brings it back in progress).
func sendHostile(ctx context.Context, e *procedure.Engine, f hostileField, progress, v string) (procedure.Case, error) {
	code, in, actor, comment := manual.CodePR01, PR01Request("Sistema", "s3cr3t"), Solicitante, ""
	switch f.name {
	case "system", "description", "credentials":
		in[f.name] = v
	case "unit":
		in["unit"], actor.Unit = v, v
	case "start comment":
		comment = v
	case "actor name":
		actor.Name = v
	default:
		obs := procedure.Inputs{"observations": "Falta la variable DB_HOST."}
		if f.name == "observations" {
			obs["observations"] = v
		} else {
			comment = v
		}
		c, err := e.Fire(ctx, procedure.FireRequest{CaseID: progress, Event: manual.EventObserve, Actor: Profesional, Inputs: obs, Comment: comment})
		if err != nil {
			return c, err
		}
		_, err = e.Fire(ctx, procedure.FireRequest{CaseID: progress, Event: manual.EventComplete, Actor: Solicitante,
			Inputs: procedure.Inputs{"answer": "DB_HOST=10.0.0.5"}})
		return c, err
	}
	return e.Start(ctx, procedure.StartRequest{Procedure: code, Actor: actor, Inputs: in, Comment: comment})
}

// checkKept reads the case back from the store and checks that field f
// holds kept, and that the case's history verifies.
func checkKept(t *testing.T, ctx context.Context, e *procedure.Engine, store procedure.Store, f hostileField, name string, c procedure.Case, kept string) {
	t.Helper()
	stored, err := store.Case(ctx, c.ID)
	if err != nil {
		t.Fatalf("%s, %s: read back: %v", f.name, name, err)
	}
	h, err := store.History(ctx, c.ID)
	if err != nil || len(h) == 0 {
		t.Fatalf("%s, %s: history: %v", f.name, name, err)
	}
	last := h[len(h)-1]
	if f.name == "observations" || f.name == "observe comment" {
		for _, en := range h {
			if en.Event == manual.EventObserve {
				last = en
			}
		}
	}
	trimmed := strings.TrimSpace(kept)
	var got, want string
	switch f.name {
	case "system":
		got, want = stored.System, trimmed
	case "description":
		got, want = stored.Description, kept
	case "unit":
		got, want = stored.Unit, trimmed
	case "start comment", "observe comment":
		got, want = last.Comment, trimmed
	case "actor name":
		got, want = last.ActorName, kept
	case "observations":
		got, want = last.Data["observations"], kept
	case "credentials":
		got, want = "", "" // sealed: never in the store's text; Reveal is tested elsewhere
		if _, ok := stored.Data["credentials"]; ok || len(stored.Secrets) == 0 {
			t.Fatalf("%s, %s: credentials in the data or not sealed", f.name, name)
		}
	}
	if got != want {
		t.Fatalf("%s, %s: read back %.80q, want %.80q", f.name, name, got, want)
	}
	if err := e.Verify(ctx, Jefe, c.ID); err != nil {
		t.Fatalf("%s, %s: an honest case fails verification: %v", f.name, name, err)
	}
}

// hostilePeople: every People refuses the same people, naming the field,
// and keeps those it accepts as they were given.
func testHostilePeople(t *testing.T, p procedure.People) {
	ctx := context.Background()
	fields := []struct {
		name, label string
		max         int
		set         func(a *procedure.Actor, v string)
	}{
		{"name", "el nombre de la persona", procedure.MaxNameLen, func(a *procedure.Actor, v string) { a.Name = v }},
		{"unit", "la unidad de la persona", procedure.MaxNameLen, func(a *procedure.Actor, v string) { a.Unit = v }},
	}
	for i, f := range fields {
		texts := append(hostileTexts[:len(hostileTexts):len(hostileTexts)],
			hostileText{name: "at the limit", v: strings.Repeat("ñ", f.max), line: true},
			hostileText{name: "over the limit", v: strings.Repeat("ñ", f.max+1)},
			hostileText{name: "10 MB", v: strings.Repeat("ñ", 5<<20)})
		for j, h := range texts {
			a := Solicitante
			a.ID = "hostil-" + string(rune('a'+i)) + "-" + string(rune('a'+j))
			f.set(&a, h.v)
			err := p.SaveActor(ctx, a)
			switch {
			case h.line && err != nil:
				t.Fatalf("%s, %s: refused: %v", f.name, h.name, err)
			case !h.line && (procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), f.label)):
				t.Fatalf("%s, %s: %v, want invalid_input naming %q", f.name, h.name, err, f.label)
			case !h.line:
				if _, err := p.Actor(ctx, a.ID); procedure.ErrorCode(err) != procedure.ENOTFOUND {
					t.Fatalf("%s, %s: refused, yet stored (%v)", f.name, h.name, err)
				}
				continue
			}
			got, err := p.Actor(ctx, a.ID)
			if err != nil || got.Name != a.Name || got.Unit != a.Unit {
				t.Fatalf("%s, %s: read back %+v, %v", f.name, h.name, got, err)
			}
		}
	}
	for _, tt := range []struct {
		name  string
		a     procedure.Actor
		label string
	}{
		{"no ID", procedure.Actor{Name: "Sin Identificador"}, "identificador"},
		{"ID with a space", procedure.Actor{ID: "ana quispe"}, "el identificador de la persona"},
		{"ID with NUL", procedure.Actor{ID: "ana\x00"}, "el identificador de la persona"},
		{"long ID", procedure.Actor{ID: strings.Repeat("a", procedure.MaxIDLen+1)}, "el identificador de la persona"},
		{"email with a name", procedure.Actor{ID: "x1", Email: "Ana <ana@agetic.gob.bo>"}, "el correo de la persona"},
		{"email with CRLF", procedure.Actor{ID: "x2", Email: "ana@agetic.gob.bo\r\nBcc: y@example.com"}, "el correo de la persona"},
		{"email without domain", procedure.Actor{ID: "x3", Email: "ana"}, "el correo de la persona"},
		{"long email", procedure.Actor{ID: "x4", Email: strings.Repeat("a", 250) + "@b.bo"}, "el correo de la persona"},
		{"role with NUL", procedure.Actor{ID: "x5", Grants: []procedure.Grant{{Role: "jefe\x00"}}}, "un rol de la persona"},
	} {
		if err := p.SaveActor(ctx, tt.a); procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), tt.label) {
			t.Fatalf("%s: %v, want invalid_input naming %q", tt.name, err, tt.label)
		}
	}
}
