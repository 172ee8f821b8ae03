package postgres

import (
	"crypto/sha256"
	"encoding/hex"

	"context"

	"github.com/tramite/tramite/procedure"
)

// AddAttachment implements procedure.Tx.
func (t *pgTx) AddAttachment(a procedure.Attachment) error {
	sum := sha256.Sum256(a.Content)
	a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(a.Content))
	content := a.Content
	if content == nil {
		content = []byte{}
	}
	tag, err := t.tx.Exec(t.ctx, `INSERT INTO attachments (case_id, seq, input, name, media_type, size, sha256, content, created_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM cases WHERE id = $1)
		ON CONFLICT (case_id, seq, input) DO NOTHING`,
		a.CaseID, a.Seq, a.Input, a.Name, a.MediaType, a.Size, a.SHA256, content, a.CreatedAt.UTC())
	if err != nil {
		return mapErr("add attachment", err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := t.Case(a.CaseID); err != nil {
			return err
		}
		return procedure.Errorf(procedure.ECONFLICT, "la entrada %d del trámite %s ya tiene un archivo en %q", a.Seq, a.CaseID, a.Input)
	}
	return nil
}

// Attachments implements procedure.Store.
func (s *Store) Attachments(ctx context.Context, caseID string) ([]procedure.Attachment, error) {
	rows, err := s.pool.Query(ctx, `SELECT case_id, seq, input, name, media_type, size, sha256, content, created_at
		FROM attachments WHERE case_id = $1 ORDER BY seq, input`, caseID)
	if err != nil {
		return nil, mapErr("attachments", err)
	}
	defer rows.Close()
	out := []procedure.Attachment{}
	for rows.Next() {
		var a procedure.Attachment
		if err := rows.Scan(&a.CaseID, &a.Seq, &a.Input, &a.Name, &a.MediaType, &a.Size, &a.SHA256, &a.Content, &a.CreatedAt); err != nil {
			return nil, mapErr("attachments", err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, mapErr("attachments", rows.Err())
}
