package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"

	"github.com/tramite/tramite/procedure"
)

// PutDocument implements procedure.Store.
func (s *Store) PutDocument(ctx context.Context, doc procedure.Document) (procedure.Document, error) {
	sum := sha256.Sum256(doc.Content)
	doc.SHA256 = hex.EncodeToString(sum[:])
	err := s.write(ctx, "put document", func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)", doc.CaseID).Scan(&exists); err != nil {
			return dbErr("put document", err)
		}
		if !exists {
			return notFound(doc.CaseID)
		}
		if doc.Follows != 0 {
			var latest int
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM documents WHERE case_id = ? AND topic = ?", doc.CaseID, doc.Topic).Scan(&latest); err != nil {
				return dbErr("put document", err)
			}
			if latest != doc.Follows {
				return procedure.StaleDocument(doc)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO documents (case_id, topic, version, number, sha256, content, created_at, seq)
			SELECT ?1, ?2, coalesce(max(version), 0) + 1, ?3, ?4, ?5, ?6, ?7 FROM documents WHERE case_id = ?1 AND topic = ?2
			RETURNING version`, doc.CaseID, doc.Topic, doc.Number, doc.SHA256, doc.Content, nanos(doc.CreatedAt), doc.Seq).Scan(&doc.Version)
		if err != nil {
			return dbErr("put document", err)
		}
		return touch(ctx, tx, doc.CaseID)
	})
	if err != nil {
		return procedure.Document{}, err
	}
	doc.Follows = 0
	return doc, nil
}

var _ procedure.LatestDocuments = (*Store)(nil)

// Documents implements procedure.Store.
func (s *Store) Documents(ctx context.Context, caseID string) ([]procedure.Document, error) {
	return s.documents(ctx, `SELECT case_id, topic, version, number, sha256, content, created_at, seq
		FROM documents WHERE case_id = ? ORDER BY topic, version`, caseID)
}

// LatestDocuments implements procedure.LatestDocuments: one indexed
// lookup per topic, the other versions' bytes left unread.
func (s *Store) LatestDocuments(ctx context.Context, caseID string) ([]procedure.Document, error) {
	return s.documents(ctx, `SELECT case_id, topic, version, number, sha256, content, created_at, seq
		FROM documents d WHERE case_id = ?1
		AND version = (SELECT max(version) FROM documents WHERE case_id = ?1 AND topic = d.topic) ORDER BY topic`, caseID)
}

func (s *Store) documents(ctx context.Context, query, caseID string) ([]procedure.Document, error) {
	rows, err := s.r.QueryContext(ctx, query, caseID)
	if err != nil {
		return nil, dbErr("documents", err)
	}
	defer rows.Close()
	out := []procedure.Document{}
	for rows.Next() {
		var d procedure.Document
		var created int64
		if err := rows.Scan(&d.CaseID, &d.Topic, &d.Version, &d.Number, &d.SHA256, &d.Content, &created, &d.Seq); err != nil {
			return nil, dbErr("documents", err)
		}
		d.CreatedAt = fromNanos(created)
		out = append(out, d)
	}
	return out, dbErr("documents", rows.Err())
}
