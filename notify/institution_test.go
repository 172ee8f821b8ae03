package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
)

// An email's templates read the institution of the configuration, so a
// procedure of one's own signs its mail with its own institution and
// reference instead of the manual's.
func TestInstitutionInEmails(t *testing.T) {
	d := &procedure.Definition{Code: "TI/VPN-01", Name: "Solicitud de acceso VPN", Resolution: "R.A. 12/2026",
		Roles:  []procedure.Role{{ID: "empleado", Label: "Empleado"}},
		Events: []procedure.EventDef{{Name: "request", Label: "Solicitar", Step: 1, To: "requested", Role: "empleado"}},
		Emails: []procedure.EmailDef{{Topic: "aviso", Label: "Aviso", Subject: "{{.Procedure.Code}} {{.Case.ID}}",
			Text: "Mensaje de {{.Institution.Unit}} ({{.Institution.Name}}), según {{.Procedure.Code}} ({{.Procedure.Resolution}})."}}}
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	c := procedure.Case{ID: "VPN-2026-0001", Procedure: d.Code}
	content := notify.Content{Definition: d, Case: c,
		Item:  procedure.OutboxItem{ID: c.ID + "/1/email/aviso", CaseID: c.ID, Seq: 1, Kind: procedure.EffectEmail, Topic: "aviso", To: []procedure.Address{{Email: "eva@example.gob.bo"}}},
		Entry: procedure.Entry{CaseID: c.ID, Seq: 1, Event: "request", ActorID: "eva", ActorName: "Eva", Role: "empleado", At: at}}
	for _, tc := range []struct {
		name string
		inst notify.Institution
		want string
	}{
		{"with institution", notify.Institution{Name: "Ministerio de Ejemplo", Unit: "Dirección de Tecnologías"},
			"Mensaje de Dirección de Tecnologías (Ministerio de Ejemplo), según TI/VPN-01 (R.A. 12/2026)."},
		{"without", notify.Institution{}, "Mensaje de  (), según TI/VPN-01 (R.A. 12/2026)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := notify.Build(notify.Config{From: procedure.Address{Email: "tramites@example.gob.bo"}, Institution: tc.inst}, content)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(m.Text) != tc.want {
				t.Errorf("text %q, want %q", m.Text, tc.want)
			}
			if strings.Contains(m.Text, "UIT/ASS-M01") {
				t.Errorf("a procedure of one's own cites the manual: %q", m.Text)
			}
		})
	}
}
