package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Watch implements procedure.ChangeFeed. It polls PRAGMA data_version on a
// connection of its own, which changes whenever another connection — of
// this process or of another one on the same file — commits, and then
// reads the cases whose change_seq passed the last one seen. The channel is
// closed when ctx ends or the store is closed.
func (s *Store) Watch(ctx context.Context) (<-chan string, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, procedure.Errorf(procedure.EINVALID, "la base de datos está cerrada")
	}
	s.watches.Add(1)
	s.mu.Unlock()
	w, err := s.newWatch(ctx)
	if err != nil {
		s.watches.Done()
		return nil, err
	}
	ch := make(chan string, 64)
	go func() {
		defer s.watches.Done()
		defer close(ch)
		defer w.db.Close()
		w.run(ctx, s.stopped, s.cfg.poll, ch)
	}()
	return ch, nil
}

type watch struct {
	db      *sql.DB
	version int64 // PRAGMA data_version when last polled
	last    int64 // the highest change_seq reported
}

func (s *Store) newWatch(ctx context.Context) (*watch, error) {
	db, err := sql.Open("sqlite", s.dsn(true))
	if err != nil {
		return nil, dbErr("watch", err)
	}
	db.SetMaxOpenConns(1) // data_version is a property of one connection
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	w := &watch{db: db}
	// data_version first: a commit between the two reads is then counted
	// in last, never missed.
	if err := db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&w.version); err != nil {
		db.Close()
		return nil, dbErr("watch", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT coalesce(max(change_seq), 0) FROM cases").Scan(&w.last); err != nil {
		db.Close()
		return nil, dbErr("watch", err)
	}
	return w, nil
}

func (w *watch) run(ctx, stopped context.Context, every time.Duration, ch chan<- string) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stopped.Done():
			return
		case <-t.C:
		}
		ids, err := w.poll(ctx)
		if err != nil {
			continue // busy or interrupted: the next tick tries again
		}
		for _, id := range ids {
			select {
			case ch <- id:
			case <-ctx.Done():
				return
			case <-stopped.Done():
				return
			}
		}
	}
}

// poll returns the IDs of the cases changed since the last poll, each once.
func (w *watch) poll(ctx context.Context) ([]string, error) {
	var v int64
	if err := w.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return nil, err
	}
	if v == w.version {
		return nil, nil
	}
	rows, err := w.db.QueryContext(ctx, "SELECT id, change_seq FROM cases WHERE change_seq > ? ORDER BY change_seq", w.last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	last := w.last
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &last); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	w.version, w.last = v, last
	return ids, nil
}
