package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// sent counts the emails in dir/mail by topic, from their X-Tramite-Item
// header ("<case>/<seq>/email/<topic>"), keyed "<case> <topic>".
func sent(t *testing.T, dir string) map[string]int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "X-Tramite-Item: "); ok {
				parts := strings.Split(v, "/")
				out[parts[0]+" "+parts[len(parts)-1]]++
			}
		}
	}
	return out
}

// message returns the raw email of a topic in dir/mail, soft line breaks
// of quoted-printable undone.
func message(t *testing.T, dir, topic string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("/email/"+topic+"\r\n")) || bytes.Contains(b, []byte("/email/"+topic+"\n")) {
			s := strings.ReplaceAll(string(b), "=\r\n", "")
			return strings.ReplaceAll(s, "=\n", "")
		}
	}
	t.Fatalf("no %s email in %s", topic, dir)
	return ""
}

func TestDeadlinesDemo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(ctx, dir, manual.ExampleDeadlines(), "La Paz", &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		"versión 1+plazos-1: plazos (extensión de la agencia, no del manual) en días hábiles de Bolivia, departamento La Paz",
		"lun 30/11/2026 09:00   Solicitar la puesta en producción                     2     lun 30/11/2026 13:00   corre (4 horas hábiles)",
		"lun 30/11/2026 15:00   Instruir al Profesional de Servidores y Servicios     4     lun 14/12/2026 16:30   corre (10 días hábiles)",
		"jue 03/12/2026 11:00   Observar: solicitar completar la información          5     lun 14/12/2026 16:30   en pausa: espera al solicitante",
		// paused 5.5 + 8 + 8 + 1.5 working hours: the due date moves from
		// the 14th to the 17th.
		"mar 08/12/2026 10:00   Completar la información requerida                    4     jue 17/12/2026 16:30   corre (10 días hábiles)",
		"jue 17/12/2026 16:31   Barrido de plazos                                     4     jue 17/12/2026 16:30   vencido",
		"Control de plazos — Venció el plazo del paso 4 (10 días hábiles, extensión de la agencia, no del manual), que vencía el 17/12/2026 16:30. Recordatorio y aviso a Fabio Choque, Carla Rojas y Diego Flores.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	mail := sent(t, dir)
	if mail["PR01-2026-0001 recordatorio-plazo"] != 1 || mail["PR01-2026-0001 aviso-plazo"] != 1 {
		t.Fatalf("emails sent %v, want one reminder and one notice", mail)
	}
	// Who got what, and what it says.
	for topic, want := range map[string][]string{
		"recordatorio-plazo": {`To: "Fabio Choque" <fabio@agetic.gob.bo>`, "Subject: [PR01-2026-0001] Plazo vencido del paso 4:",
			"espera de usted y su plazo venci=C3=B3", "extensi=C3=B3n de la agencia", "Paso pendiente: 4 (Profesional de Servidores y Servicios)"},
		"aviso-plazo": {`To: "Carla Rojas" <carla@agetic.gob.bo>, "Diego Flores"`, "Subject: =?utf-8?q?[PR01-2026-0001]_Aviso:_venci=C3=B3_el_plazo_del_paso_4",
			"Recordatorio y aviso a Fabio Choque, Carla Rojas y Diego Flores"},
	} {
		msg := message(t, dir, topic)
		for _, w := range want {
			if !strings.Contains(strings.ReplaceAll(msg, "=\r\n", ""), w) {
				t.Errorf("the %s email lacks %q:\n%s", topic, w, msg)
			}
		}
	}
	// The process starts again on the same database, later: nothing is
	// escalated or sent twice.
	clk := &clock{t: at("2026-12-18 10:00")}
	d, err := open(ctx, dir, manual.ExampleDeadlines(), "La Paz", clk)
	if err != nil {
		t.Fatal(err)
	}
	n, st, err := d.sweep(ctx, clk)
	d.close()
	if err != nil || n != 0 || st.Total() != 0 {
		t.Errorf("the sweep after a restart escalated %d and sent %s (%v); want nothing", n, st, err)
	}
	if again := sent(t, dir); len(again) != len(mail) || again["PR01-2026-0001 recordatorio-plazo"] != 1 {
		t.Errorf("emails after the restart %v, want %v", again, mail)
	}
}

// TestKilledBeforeSending: a process escalates a late step and dies before
// sending; the next process sends the reminder and the notice once and
// escalates nothing again.
func TestKilledBeforeSending(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, clk, c := startForwarded(t, dir)
	// Step 3 has one working day: 24 December, since 25 is Navidad; it is
	// still running on the evening of the 24th.
	clk.set(at("2026-12-24 16:30"))
	if n, err := d.engine.Escalate(ctx); err != nil || n != 0 {
		t.Fatalf("Escalate on the 24th at 16:30 = %d, %v; want 0", n, err)
	}
	clk.set(at("2026-12-28 08:30"))
	if n, err := d.engine.Escalate(ctx); err != nil || n != 1 {
		t.Fatalf("Escalate on the 28th = %d, %v; want 1", n, err)
	}
	d.close() // killed before the dispatcher ran
	if got := sent(t, dir); len(got) != 0 {
		t.Fatalf("emails sent before any dispatcher ran: %v", got)
	}
	for i := range 2 {
		d, err := open(ctx, dir, manual.ExampleDeadlines(), "La Paz", clk)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := d.sweep(ctx, clk)
		d.close()
		if err != nil || n != 0 {
			t.Fatalf("restart %d: escalated %d (%v), want 0", i+1, n, err)
		}
		got := sent(t, dir)
		if got[c.ID+" recordatorio-plazo"] != 1 || got[c.ID+" aviso-plazo"] != 1 {
			t.Errorf("restart %d: emails %v, want one reminder and one notice", i+1, got)
		}
	}
}

// startForwarded opens a desk in dir on the example deadlines, on a clock
// at Wednesday 23 December 2026 (the day before the 24th, Navidad the
// 25th), with the demo people, and a PR02 request the Jefe forwards at
// 09:30.
func startForwarded(t *testing.T, dir string) (*desk, *clock, procedure.Case) {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: at("2026-12-23 09:00")}
	d, err := open(ctx, dir, manual.ExampleDeadlines(), "La Paz", clk)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range manual.DemoPeople() {
		if err := d.store.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	c, err := d.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: people["ana"], Inputs: procedure.Inputs{
		"system": "Portal de Trámites", "description": "Actualización a la versión 2.1.", "unit": manual.UnitDesarrollo}})
	if err != nil {
		t.Fatal(err)
	}
	clk.set(at("2026-12-23 09:30"))
	if _, err := d.engine.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: people["carla"]}); err != nil {
		t.Fatal(err)
	}
	return d, clk, c
}
