package server_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver, to edit the file behind the store's back

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestWalkPR01 takes a PR01 case through its nine steps over HTTP, as the
// requester, the Jefe, the Responsable and the assigned profesional would
// from their desks, with the documents rendered by a report.Processor and
// fetched as PDFs, and the emails listed.
func TestWalkPR01(t *testing.T) {
	e := newEnv(t)
	ana := e.signIn(proceduretest.Solicitante)
	jefe := e.signIn(proceduretest.Jefe)
	elena := e.signIn(proceduretest.Responsable)
	fabio := e.signIn(proceduretest.Profesional)
	const secret = "clave-root-Zx81!"
	var cs procedure.Case

	// fire takes a step over HTTP with the version last seen, and checks
	// the step was available to c before.
	fire := func(c *client, ev procedure.EventName, in procedure.Inputs, want procedure.State) {
		t.Helper()
		var v caseView
		c.json("GET", "/cases/"+cs.ID, nil, 200, &v)
		if !slices.ContainsFunc(v.Available, func(d procedure.EventDef) bool { return d.Name == ev }) {
			t.Fatalf("%s may not %s in %s", c.actor.ID, ev, v.Case.State)
		}
		c.json("POST", "/cases/"+cs.ID+"/events/"+string(ev), map[string]any{"inputs": in, "comment": "paso " + string(ev),
			"version": v.Case.Version}, 200, &cs)
		if cs.State != want {
			t.Fatalf("after %s: %s, want %s", ev, cs.State, want)
		}
		e.render()
	}
	inbox := func(c *client) caseList {
		t.Helper()
		var l caseList
		c.json("GET", "/inbox", nil, 200, &l)
		return l
	}

	// Step 1: the requester starts the case.
	var units []string
	ana.json("GET", "/units", nil, 200, &units)
	if !slices.Equal(units, []string{proceduretest.UnitDesarrollo, proceduretest.UnitGobierno}) {
		t.Errorf("units: %v", units)
	}
	var defs []procedure.Definition
	ana.json("GET", "/procedures", nil, 200, &defs)
	if len(defs) != 2 || defs[0].Code != manual.CodePR01 {
		t.Fatalf("procedures: %d", len(defs))
	}
	ans := ana.call("POST", "/cases", map[string]any{"procedure": manual.CodePR01,
		"inputs": proceduretest.PR01Request("Sistema de Correspondencia", secret), "comment": "Solicitud"})
	if ans.status != http.StatusCreated || ans.header.Get("Location") != "/api/v1/cases/PR01-2026-0001" {
		t.Fatalf("start: %d %v %s", ans.status, ans.header.Get("Location"), ans.body)
	}
	if err := json.Unmarshal(ans.body, &cs); err != nil || cs.State != manual.StateRequested || cs.Version != 1 {
		t.Fatalf("start answered %s (%v)", ans.body, err)
	}
	e.render()
	if l := inbox(jefe); l.Total != 1 || l.Cases[0].ID != cs.ID || l.Cases[0].Data != nil {
		t.Fatalf("the Jefe's inbox: %+v", l)
	}
	if l := inbox(ana); l.Total != 0 {
		t.Errorf("the requester's inbox holds %d", l.Total)
	}

	// Steps 2 to 4, with the profesional picked from GET /people.
	fire(jefe, manual.EventForward, nil, manual.StateForwarded)
	var profs []procedure.Actor
	elena.json("GET", "/people?role=profesional_ss", nil, 200, &profs)
	if len(profs) != 2 {
		t.Fatalf("profesionales: %+v", profs)
	}
	fire(elena, manual.EventInstruct, procedure.Inputs{"profesional": profs[0].ID}, manual.StateInstructed)
	if cs.Assignee != proceduretest.Profesional.ID {
		t.Fatalf("assigned %q", cs.Assignee)
	}
	fire(fabio, manual.EventStart, nil, manual.StateInProgress)

	// The assigned profesional reveals the credentials; the reveal is
	// recorded; nobody else reads them anywhere.
	var view caseView
	fabio.json("GET", "/cases/"+cs.ID, nil, 200, &view)
	if !view.HasSecrets {
		t.Fatal("the case says it has no secrets")
	}
	var revealed struct {
		Secrets map[string]string `json:"secrets"`
	}
	fabio.json("POST", "/cases/"+cs.ID+"/secrets", nil, 200, &revealed)
	if revealed.Secrets["credentials"] != secret {
		t.Errorf("revealed %v", revealed.Secrets)
	}

	// Steps 4 and 5: an observation and its answer.
	fire(fabio, manual.EventObserve, procedure.Inputs{"observations": "Falta la URL del repositorio."}, manual.StateObserved)
	if l := inbox(ana); l.Total != 1 {
		t.Errorf("the observed case is not in the requester's inbox: %+v", l)
	}
	fire(ana, manual.EventComplete, procedure.Inputs{"answer": "gitlab.agetic.gob.bo/sis/correspondencia"}, manual.StateInProgress)

	// Steps 6 to 9.
	fire(fabio, manual.EventConclude, proceduretest.Checklist(""), manual.StateReportSubmitted)
	fire(elena, manual.EventApproveReport, nil, manual.StateReportApproved)
	fire(jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la puesta en producción."}, manual.StateMemoIssued)
	fire(ana, manual.EventAcknowledge, nil, manual.StateClosed)

	// The history: nine steps, the observation round, the reveal; intact.
	var h []procedure.Entry
	ana.json("GET", "/cases/"+cs.ID+"/history", nil, 200, &h)
	if len(h) != 11 || h[len(h)-1].Event != manual.EventAcknowledge {
		t.Errorf("%d history entries", len(h))
	}
	if !slices.ContainsFunc(h, func(x procedure.Entry) bool { return x.Event == procedure.ActionRevealSecrets && x.ActorID == "fabio" }) {
		t.Errorf("the reveal is not in the history")
	}
	var ok struct {
		OK bool `json:"ok"`
	}
	ana.json("GET", "/cases/"+cs.ID+"/verify", nil, 200, &ok)
	if !ok.OK {
		t.Error("verify did not say ok")
	}

	// The documents, each fetched as a PDF, every version.
	var docs []procedure.Document
	ana.json("GET", "/cases/"+cs.ID+"/documents", nil, 200, &docs)
	versions := map[string]int{}
	for _, d := range docs {
		versions[d.Topic] = max(versions[d.Topic], d.Version)
		ans := ana.call("GET", fmt.Sprintf("/cases/%s/documents/%s?version=%d", cs.ID, url.PathEscape(d.Topic), d.Version), nil)
		if ans.status != 200 || ans.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(ans.body), "%PDF-") ||
			ans.header.Get("ETag") != `"`+d.SHA256+`"` || !strings.Contains(ans.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s v%d: %d %v", d.Topic, d.Version, ans.status, ans.header)
		}
		if strings.Contains(string(ans.body), secret) {
			t.Errorf("%s v%d holds the secret", d.Topic, d.Version)
		}
	}
	want := map[string]int{manual.TopicNotaRemision: 1, manual.TopicInformeConclusion: 3, manual.TopicNotaInterna: 1, manual.TopicHojaDeRuta: 1}
	for topic, n := range want {
		if versions[topic] != n {
			t.Errorf("%s: %d versions, want %d (%v)", topic, versions[topic], n, versions)
		}
	}
	latest := ana.call("GET", "/cases/"+cs.ID+"/documents/"+manual.TopicInformeConclusion, nil)
	v3 := ana.call("GET", "/cases/"+cs.ID+"/documents/"+manual.TopicInformeConclusion+"?version=3", nil)
	if latest.status != 200 || string(latest.body) != string(v3.body) {
		t.Errorf("the latest version is not version 3")
	}
	if ans := ana.call("GET", "/cases/"+cs.ID+"/documents/"+manual.TopicInformeConclusion+"?version=4", nil); ans.status != 404 {
		t.Errorf("version 4: %d", ans.status)
	}

	// The emails: the observation to the requester, the answer to the
	// profesional, the memo with its PDF, and the notices.
	var mails []procedure.OutboxItem
	ana.json("GET", "/cases/"+cs.ID+"/emails", nil, 200, &mails)
	topics := map[string]bool{}
	for _, m := range mails {
		topics[m.Topic] = true
		if m.Kind != procedure.EffectEmail {
			t.Errorf("an email listing holds a %s", m.Kind)
		}
	}
	for _, topic := range []string{manual.TopicObservaciones, manual.TopicRespuesta, manual.TopicNotaInterna, manual.TopicAviso} {
		if !topics[topic] {
			t.Errorf("no %s email among %v", topic, topics)
		}
	}
	var out outboxList
	jefe.json("GET", "/outbox?kind=email&newest=true&limit=2", nil, 200, &out)
	if len(out.Items) != 2 || out.Total != len(mails) || out.Items[0].CreatedAt.Before(out.Items[1].CreatedAt) {
		t.Errorf("the Jefe's outbox: %d items of %d, want 2 of %d", len(out.Items), out.Total, len(mails))
	}

	// No answer to anyone held the secret; the Jefe purges it at the end.
	for _, c := range []*client{ana, jefe, elena, fabio} {
		for _, p := range []string{"", "/history", "/emails", "/documents"} {
			if ans := c.call("GET", "/cases/"+cs.ID+p, nil); strings.Contains(string(ans.body), secret) {
				t.Errorf("GET %s as %s holds the secret", p, c.actor.ID)
			}
		}
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Error("the log holds the secret")
	}
	jefe.json("DELETE", "/cases/"+cs.ID+"/secrets", nil, 204, nil)
	fabio.json("GET", "/cases/"+cs.ID, nil, 200, &view)
	if view.HasSecrets || view.Case.State != manual.StateClosed || len(view.Available) != 0 {
		t.Errorf("after the purge: %+v", view)
	}
	if ans := fabio.call("POST", "/cases/"+cs.ID+"/secrets", nil); ans.status != 404 {
		t.Errorf("reveal after the purge: %d", ans.status)
	}
}

// TestVerifyTampered: a history edited behind the store's back answers
// 500 with the chain's own message, which names the broken entry.
func TestVerifyTampered(t *testing.T) {
	e := newEnv(t)
	cs := e.inProgress(proceduretest.UnitDesarrollo, "Portal")
	ana := e.signIn(proceduretest.Solicitante)
	ana.json("GET", "/cases/"+cs.ID+"/verify", nil, 200, nil)
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TRIGGER history_no_update",
		"UPDATE history SET comment = 'derivado sin revisión' WHERE case_id = '" + cs.ID + "' AND seq = 2"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	ans := ana.call("GET", "/cases/"+cs.ID+"/verify", nil)
	if ans.status != 500 || ans.err(t).Error.Code != "internal" || !strings.Contains(ans.err(t).Error.Message, "entrada 2") {
		t.Errorf("verify of a tampered history: %d %s", ans.status, ans.body)
	}
	bruno := e.signIn(proceduretest.Solicitante2)
	if ans := bruno.call("GET", "/cases/"+cs.ID+"/verify", nil); ans.status != 404 {
		t.Errorf("verify of another unit's case: %d", ans.status)
	}
}
