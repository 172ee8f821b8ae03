package server

import (
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
)

// dashboardParams are the filters of the tablero and its exports.
var dashboardParams = []param{{"procedure", "string", "código del procedimiento"}, {"unit", "string", "unidad solicitante"},
	{"from", "string", "solo los trámites iniciados en este instante o después (RFC 3339)"},
	{"to", "string", "solo los trámites iniciados antes de este instante (RFC 3339)"}}

// dashboardQuery reads the filters of the tablero.
func dashboardQuery(v url.Values) (procedure.DashboardQuery, error) {
	q := procedure.DashboardQuery{Procedure: v.Get("procedure"), Unit: v.Get("unit")}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return q, badRequest("el parámetro %s debe ser un instante RFC 3339, como 2026-11-26T00:00:00-04:00", p.name)
		}
		*p.dst = t
	}
	return q, nil
}

func dashboard(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := dashboardQuery(r.URL.Query())
	if err != nil {
		return err
	}
	d, err := s.engine.Dashboard(r.Context(), c.actor, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// exportFile streams an export. Its status and headers wait for its first
// byte, so that an error found before (a forbidden actor, a bad filter)
// is answered as any other; one found after aborts the answer, which the
// client then sees cut short rather than complete.
func exportFile(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	kind, f := export.Kind(r.PathValue("kind")), export.Format(r.PathValue("format"))
	if err := export.Check(kind, f); err != nil {
		return err
	}
	q, err := dashboardQuery(r.URL.Query())
	if err != nil {
		return err
	}
	lw := &lazyWriter{w: w, start: func() {
		h := w.Header()
		h.Set("Content-Type", export.ContentType(f))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": export.FileName(kind, f, time.Now())}))
		w.WriteHeader(http.StatusOK)
	}}
	if err := export.Write(r.Context(), lw, s.engine, c.actor, q, kind, f); err != nil {
		if lw.started {
			s.fail(w, r, err) // logs it
			panic(http.ErrAbortHandler)
		}
		return err
	}
	if !lw.started {
		lw.start()
	}
	return nil
}

// lazyWriter calls start before the first Write.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}
