package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
)

// CanSeeDashboard reports whether the person may see the tablero.
func (s *Session) CanSeeDashboard() bool { return s.canDashboard }

// dashboardParams encodes the tablero's filters as GET /dashboard reads them.
func dashboardParams(q procedure.DashboardQuery) string {
	v := url.Values{}
	if q.Procedure != "" {
		v.Set("procedure", q.Procedure)
	}
	if q.Unit != "" {
		v.Set("unit", q.Unit)
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Dashboard asks the server for the tablero.
func (s *Session) Dashboard(ctx context.Context, q procedure.DashboardQuery) (procedure.Dashboard, error) {
	var d procedure.Dashboard
	err := s.do(ctx, http.MethodGet, "/dashboard"+dashboardParams(q), nil, &d)
	return d, err
}

// Export streams an export from the server into w, as it arrives. An
// answer the server cut short is an error, whatever w already holds.
func (s *Session) Export(ctx context.Context, w io.Writer, kind export.Kind, f export.Format, q procedure.DashboardQuery) error {
	if err := export.Check(kind, f); err != nil {
		return err
	}
	path := fmt.Sprintf("/export/%s/%s%s", url.PathEscape(string(kind)), url.PathEscape(string(f)), dashboardParams(q))
	err := s.do(ctx, http.MethodGet, path, nil, writerOut{w})
	if err != nil && !errors.As(err, new(*procedure.Error)) {
		return &procedure.Error{Code: procedure.EINTERNAL, Message: "la exportación llegó incompleta desde el servidor; intente nuevamente", Err: err}
	}
	return err
}

// writerOut asks do to copy the answer's body into w.
type writerOut struct{ w io.Writer }
