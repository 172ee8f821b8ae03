package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tramite/tramite/procedure"
)

// Backup copies the database, as one consistent snapshot taken while it
// stays in use, to a new file dest (permissions 0600) with VACUUM INTO, and
// syncs it to disk. dest must not exist: EINVALID if it does.
func (s *Store) Backup(ctx context.Context, dest string) error {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return dbErr("backup", err)
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return procedure.Errorf(procedure.EINVALID, "el archivo de respaldo %s ya existe", dest)
	}
	if err != nil {
		return dbErr("backup", err)
	}
	f.Close()
	if err := s.vacuumInto(ctx, dest); err != nil {
		os.Remove(dest)
		return err
	}
	return dbErr("backup", syncFile(dest))
}

func (s *Store) vacuumInto(ctx context.Context, dest string) error {
	// A connection of its own, so that the copy blocks neither the
	// writer nor the read pool.
	db, err := sql.Open("sqlite", s.dsn(false))
	if err != nil {
		return dbErr("backup", err)
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", dest)
	return dbErr("backup", err)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CheckReport is what Check found.
type CheckReport struct {
	// Integrity lists what PRAGMA integrity_check and foreign_key_check
	// found; empty when the file is sound.
	Integrity []string
	// Cases and Entries count what was verified.
	Cases, Entries int
	// Problems lists the cases whose history chain does not verify or
	// whose state differs from the state their last entry reached.
	Problems []CaseProblem
}

// CaseProblem is a problem with one case.
type CaseProblem struct {
	CaseID  string
	Problem string
}

// OK reports whether Check found nothing wrong.
func (r CheckReport) OK() bool { return len(r.Integrity) == 0 && len(r.Problems) == 0 }

// Check runs PRAGMA integrity_check and foreign_key_check and verifies
// every case's history chain (procedure.VerifyChain) and that each case is
// in the state its last entry reached, all on one snapshot of the
// database. The error is for a check that could not run; what the check
// found is in the report.
func (s *Store) Check(ctx context.Context) (CheckReport, error) {
	var r CheckReport
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return r, dbErr("check", err)
	}
	defer tx.Rollback()
	if r.Integrity, err = integrity(ctx, tx); err != nil {
		return r, dbErr("check", err)
	}
	cases, err := tx.QueryContext(ctx, "SELECT id, state FROM cases ORDER BY id")
	if err != nil {
		return r, dbErr("check", err)
	}
	defer cases.Close()
	hist, err := tx.QueryContext(ctx, "SELECT "+entryCols+" FROM history ORDER BY case_id, seq")
	if err != nil {
		return r, dbErr("check", err)
	}
	defer hist.Close()
	// A merge of the two ordered streams: memory stays at one case's history.
	var next *procedure.Entry
	readEntry := func() error {
		next = nil
		if !hist.Next() {
			return hist.Err()
		}
		e, err := scanEntry(hist)
		if err != nil {
			return err
		}
		next = &e
		return nil
	}
	if err := readEntry(); err != nil {
		return r, dbErr("check", err)
	}
	for cases.Next() {
		var id string
		var state procedure.State
		if err := cases.Scan(&id, &state); err != nil {
			return r, dbErr("check", err)
		}
		r.Cases++
		for next != nil && next.CaseID < id { // no such case: foreign_key_check reports it
			if err := readEntry(); err != nil {
				return r, dbErr("check", err)
			}
		}
		var entries []procedure.Entry
		for next != nil && next.CaseID == id {
			entries = append(entries, *next)
			if err := readEntry(); err != nil {
				return r, dbErr("check", err)
			}
		}
		r.Entries += len(entries)
		if err := procedure.VerifyChain(entries); err != nil {
			r.Problems = append(r.Problems, CaseProblem{CaseID: id, Problem: procedure.ErrorMessage(err)})
		} else if n := len(entries); n > 0 && entries[n-1].To != state {
			r.Problems = append(r.Problems, CaseProblem{CaseID: id, Problem: fmt.Sprintf(
				"el trámite está en el estado %q pero su última entrada (%d) lo dejó en %q", state, entries[n-1].Seq, entries[n-1].To)})
		}
	}
	return r, dbErr("check", cases.Err())
}

func integrity(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var out []string
	rows, err := tx.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, err
		}
		if line != "ok" {
			out = append(out, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s: una fila (rowid %d) se refiere a un registro inexistente de %s", table, rowid.Int64, parent))
	}
	return out, rows.Err()
}
