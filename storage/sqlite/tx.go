package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tramite/tramite/procedure"
)

// Update implements procedure.Store: fn runs in one write transaction begun
// with BEGIN IMMEDIATE, committed when fn returns nil. fn's error is
// returned as it is; a failure of the database is mapped to a code
// (ECONFLICT when another process held the database past the busy timeout).
func (s *Store) Update(ctx context.Context, fn func(procedure.Tx) error) error {
	return s.write(ctx, "update", func(tx *sql.Tx) error { return fn(&storeTx{ctx: ctx, tx: tx, st: &s.st}) })
}

// storeTx is the procedure.Tx of one Update.
type storeTx struct {
	ctx context.Context
	tx  *sql.Tx
	st  *stmts
}

func (t *storeTx) stmt(s *sql.Stmt) *sql.Stmt { return t.tx.StmtContext(t.ctx, s) }

func notFound(id string) error {
	return procedure.Errorf(procedure.ENOTFOUND, "no existe el trámite %s", id)
}

func (t *storeTx) Case(id string) (procedure.Case, error) {
	c, err := scanCase(t.stmt(t.st.caseByID).QueryRowContext(t.ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound(id)
	}
	return c, dbErr("case", err)
}

func (t *storeTx) LastEntry(caseID string) (procedure.Entry, bool, error) {
	e, err := scanEntry(t.stmt(t.st.lastEntry).QueryRowContext(t.ctx, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	return e, err == nil, dbErr("last entry", err)
}

func (t *storeTx) CreateCase(c procedure.Case) error {
	_, err := t.stmt(t.st.insertCase).ExecContext(t.ctx, caseArgs(c, false)...)
	if isDuplicate(err) {
		return procedure.Errorf(procedure.ECONFLICT, "ya existe el trámite %s", c.ID)
	}
	return dbErr("create case", err)
}

func (t *storeTx) UpdateCase(c procedure.Case) error {
	res, err := t.stmt(t.st.updateCase).ExecContext(t.ctx, append(caseArgs(c, true), c.ID, c.Version-1)...)
	if err != nil {
		return dbErr("update case", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return dbErr("update case", err)
	}
	if _, err := t.Case(c.ID); err != nil {
		return err
	}
	return conflict(c.ID)
}

func conflict(id string) error {
	return procedure.Errorf(procedure.ECONFLICT, "otra persona modificó el trámite %s al mismo tiempo; actualice y vuelva a intentar", id)
}

func (t *storeTx) AppendEntry(e procedure.Entry) error {
	res, err := t.stmt(t.st.appendEntry).ExecContext(t.ctx, append(entryArgs(e), e.Seq, e.CaseID)...)
	if err != nil {
		return dbErr("append entry", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return dbErr("append entry", err)
	}
	return conflict(e.CaseID)
}

func (t *storeTx) Enqueue(items ...procedure.OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	st := t.stmt(t.st.enqueue)
	for _, it := range items {
		if _, err := st.ExecContext(t.ctx, outboxArgs(it)...); err != nil {
			if isDuplicate(err) {
				return procedure.Errorf(procedure.ECONFLICT, "el elemento %s ya está en la bandeja de salida", it.ID)
			}
			return dbErr("enqueue", err)
		}
	}
	return nil
}

func (t *storeTx) NextNumber(series string, year int) (int, error) {
	var n int
	err := t.stmt(t.st.nextNumber).QueryRowContext(t.ctx, series, year).Scan(&n)
	return n, dbErr("next number", err)
}
