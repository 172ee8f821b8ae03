package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/tramite/tramite/procedure"
)

// AddAttachment implements procedure.Tx.
func (t *storeTx) AddAttachment(a procedure.Attachment) error {
	sum := sha256.Sum256(a.Content)
	a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(a.Content))
	var exists bool
	if err := t.tx.QueryRowContext(t.ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)", a.CaseID).Scan(&exists); err != nil {
		return dbErr("add attachment", err)
	}
	if !exists {
		return notFound(a.CaseID)
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO attachments (case_id, seq, input, name, media_type, size, sha256, content, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.CaseID, a.Seq, a.Input, a.Name, a.MediaType, a.Size, a.SHA256, a.Content, nanos(a.CreatedAt))
	if isDuplicate(err) {
		return procedure.Errorf(procedure.ECONFLICT, "la entrada %d del trámite %s ya tiene un archivo en %q", a.Seq, a.CaseID, a.Input)
	}
	return dbErr("add attachment", err)
}

// Attachments implements procedure.Store.
func (s *Store) Attachments(ctx context.Context, caseID string) ([]procedure.Attachment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT case_id, seq, input, name, media_type, size, sha256, content, created_at
		FROM attachments WHERE case_id = ? ORDER BY seq, input`, caseID)
	if err != nil {
		return nil, dbErr("attachments", err)
	}
	defer rows.Close()
	out := []procedure.Attachment{}
	for rows.Next() {
		var a procedure.Attachment
		var created int64
		if err := rows.Scan(&a.CaseID, &a.Seq, &a.Input, &a.Name, &a.MediaType, &a.Size, &a.SHA256, &a.Content, &created); err != nil {
			return nil, dbErr("attachments", err)
		}
		a.CreatedAt = fromNanos(created)
		out = append(out, a)
	}
	return out, dbErr("attachments", rows.Err())
}
