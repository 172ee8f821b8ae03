package export

import (
	"github.com/tramite/tramite/procedure"
)

// figureTables returns the tables of a dashboard; the last, the steps with
// a deadline, is empty while no procedure has deadlines.
func figureTables(d procedure.Dashboard) []sheet {
	q := d.Query
	summary := [][]any{
		{"Calculado", d.At},
		{"Procedimiento", orAll(q.Procedure)},
		{"Unidad", orAll(q.Unit)},
		{"Iniciados desde", q.From},
		{"Iniciados antes de", q.To},
		{"Trámites", d.Cases},
		{"Abiertos", d.Open},
		{"Rondas de observación", d.Observations.Rounds},
		{"Rondas respondidas", d.Observations.Answered},
		{"Respuesta media a una observación (horas)", hours(d.Observations.MeanTurnaround())},
	}
	ages := []string{"Procedimiento", "Estado"}
	for _, b := range procedure.AgeBuckets {
		ages = append(ages, b.Label+" días hábiles")
	}
	ages = append(ages, "Total")
	return []sheet{
		{title: "Resumen", header: []string{"Dato", "Valor"}, widths: []float64{44, 20},
			rows: func(emit func(...any) error) error {
				for _, r := range summary {
					if err := emit(r...); err != nil {
						return err
					}
				}
				return nil
			}},
		{title: "Abiertos por estado", header: ages, widths: []float64{16, 32},
			rows: func(emit func(...any) error) error {
				for _, s := range d.States {
					r := []any{s.Procedure, s.Label}
					for _, n := range s.Ages {
						r = append(r, n)
					}
					if err := emit(append(r, s.Total)...); err != nil {
						return err
					}
				}
				return nil
			}},
		{title: "Tiempo por paso", header: []string{"Procedimiento", "Paso", "Actividad", "Trámites", "Trabajo (horas)",
			"Espera del solicitante (horas)", "Trabajo medio (horas)", "Espera media (horas)"}, widths: []float64{16, 6, 60, 10, 16, 28, 20, 20},
			rows: func(emit func(...any) error) error {
				for _, s := range d.Steps {
					n := max(s.Cases, 1)
					if err := emit(s.Procedure, s.Step, s.Activity, s.Cases, hours(s.Working), hours(s.Waiting),
						hours(s.Working/timeDiv(n)), hours(s.Waiting/timeDiv(n))); err != nil {
						return err
					}
				}
				return nil
			}},
		{title: "Rondas de observación", header: []string{"Rondas por trámite", "Trámites"}, widths: []float64{20, 10},
			rows: func(emit func(...any) error) error {
				for _, r := range d.Rounds {
					if err := emit(r.Rounds, r.Cases); err != nil {
						return err
					}
				}
				return nil
			}},
		{title: "Carga por profesional", header: []string{"Profesional", "Usuario", "Trámites abiertos"}, widths: []float64{30, 14, 18},
			rows: func(emit func(...any) error) error {
				for _, l := range d.Load {
					if err := emit(l.Name, l.ActorID, l.Open); err != nil {
						return err
					}
				}
				return nil
			}},
		{title: "Plazos", header: []string{"Procedimiento", "Paso", "Actividad", "Plazo (extensión de la agencia)",
			"Abiertos con plazo", "Vencidos"}, widths: []float64{16, 6, 60, 28, 18, 10},
			rows: func(emit func(...any) error) error {
				for _, p := range d.Deadlines {
					if err := emit(p.Procedure, p.Step, p.Activity, p.Deadline, p.Open, p.Overdue); err != nil {
						return err
					}
				}
				return nil
			}},
	}
}

func orAll(s string) string {
	if s == "" {
		return "todos"
	}
	return s
}
