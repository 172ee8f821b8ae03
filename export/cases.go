package export

import (
	"time"

	"github.com/tramite/tramite/procedure"
)

// scanFunc streams the cases of an export with their figures and history.
type scanFunc func(fn func(procedure.CaseFigures, []procedure.Entry) error) error

// caseHeader is the header of the cases' table.
var caseHeader = []string{"Trámite", "Procedimiento", "Sistema", "Unidad", "Solicitante", "Estado", "Paso",
	"Profesional", "Iniciado", "Última actuación", "Días hábiles", "Rondas de observación", "Trabajo (horas)",
	"Espera del solicitante (horas)", "Entradas del historial"}

// caseTable is one row per case.
func caseTable(scan scanFunc) []sheet {
	return []sheet{{title: "Trámites", header: caseHeader,
		widths: []float64{18, 14, 30, 30, 20, 22, 6, 14, 18, 18, 12, 12, 14, 14, 12},
		rows: piped(func(emit func(...any) error) error {
			return scan(func(f procedure.CaseFigures, h []procedure.Entry) error {
				return emit(caseRow(f, h)...)
			})
		})}}
}

// caseRow returns the cells of a case's row.
func caseRow(f procedure.CaseFigures, h []procedure.Entry) []any {
	c := f.Case
	requester := c.RequesterID
	if len(h) > 0 {
		requester = h[0].ActorName
	}
	state := string(c.State)
	if f.Definition != nil {
		state = f.Definition.StateLabel(c.State)
	}
	return []any{c.ID, c.Procedure, c.System, c.Unit, requester, state, c.Step, c.Assignee, c.CreatedAt,
		c.UpdatedAt, f.Days, f.Rounds, hours(f.Working), hours(f.Waiting), len(h)}
}

// eventTable is one row per history entry, by case then order.
func eventTable(scan scanFunc) []sheet {
	return []sheet{{title: "Eventos", header: []string{"Trámite", "Procedimiento", "Nº", "Paso", "Evento", "Acción",
		"Estado anterior", "Estado", "Persona", "Usuario", "Rol", "Interino", "Fecha y hora"},
		widths: []float64{18, 14, 5, 6, 16, 44, 22, 22, 20, 12, 34, 8, 18},
		rows: piped(func(emit func(...any) error) error {
			return scan(func(f procedure.CaseFigures, h []procedure.Entry) error {
				for _, e := range h {
					ev := eventOf(f.Definition, e)
					if err := emit(e.CaseID, f.Case.Procedure, e.Seq, e.Step, string(e.Event), ev.action, ev.from, ev.to,
						e.ActorName, e.ActorID, ev.role, yesNo(e.Interim), e.At); err != nil {
						return err
					}
				}
				return nil
			})
		})}}
}

// event is how an entry reads in an export.
type event struct{ action, from, to, role string }

func eventOf(d *procedure.Definition, e procedure.Entry) event {
	if d == nil {
		return event{string(e.Event), string(e.From), string(e.To), string(e.Role)}
	}
	ev := event{action: d.ActionLabel(e.Event), to: d.StateLabel(e.To), role: d.RoleLabel(e.Role)}
	if e.From != "" {
		ev.from = d.StateLabel(e.From)
	}
	return ev
}

func yesNo(b bool) string {
	if b {
		return "sí"
	}
	return "no"
}

// timeDiv converts a count to a divisor of durations.
func timeDiv(n int) time.Duration { return time.Duration(n) }
