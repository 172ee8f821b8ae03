package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tramite/tramite/procedure"
)

// Channel is the NOTIFY channel on which every change of a case is
// announced, with the case ID as payload. A trigger on the cases table
// sends it, so changes made by any client are heard.
const Channel = "tramite_cases"

// Watch implements procedure.ChangeFeed: the returned channel receives the
// ID of every case that changes after the call, in this process or on any
// other machine using the database, until ctx ends or the store is
// closed; then it is closed. IDs a reader has not taken yet are merged, so
// a slow reader sees an ID once for several changes but never misses one.
//
// The store holds one extra connection, LISTENing on Channel, while any
// watch is open. If that connection drops it is reopened; changes made
// while it was down are not reported.
func (s *Store) Watch(ctx context.Context) (<-chan string, error) {
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	if s.closed {
		return nil, procedure.Errorf(procedure.EINVALID, "el almacenamiento PostgreSQL ya está cerrado")
	}
	if s.feed == nil {
		l, err := s.listen(ctx)
		if err != nil {
			return nil, err
		}
		s.feed = l
	}
	w := &watcher{wake: make(chan struct{}, 1), seen: map[string]bool{}}
	out := make(chan string)
	l := s.feed
	l.mu.Lock()
	l.subs[w] = struct{}{}
	l.mu.Unlock()
	go func() {
		defer close(out)
		defer func() {
			l.mu.Lock()
			delete(l.subs, w)
			l.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.done:
				return
			case <-w.wake:
			}
			for _, id := range w.take() {
				select {
				case out <- id:
				case <-ctx.Done():
					return
				case <-l.done:
					return
				}
			}
		}
	}()
	return out, nil
}

// listener owns the LISTEN connection and fans notifications out.
type listener struct {
	cfg    *pgx.ConnConfig
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	subs   map[*watcher]struct{}
}

// watcher is one Watch call: the IDs not yet delivered, without repeats.
type watcher struct {
	mu      sync.Mutex
	pending []string
	seen    map[string]bool
	wake    chan struct{}
}

func (w *watcher) push(id string) {
	w.mu.Lock()
	if !w.seen[id] {
		w.seen[id] = true
		w.pending = append(w.pending, id)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watcher) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pending
	w.pending = nil
	clear(w.seen)
	return p
}

// listen opens the LISTEN connection; it returns once the server listens,
// so that no change after Watch returns can be missed.
func (s *Store) listen(ctx context.Context) (*listener, error) {
	l := &listener{cfg: s.cfg.ConnConfig.Copy(), done: make(chan struct{}), subs: map[*watcher]struct{}{}}
	conn, err := l.connect(ctx)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(lctx, conn)
	return l, nil
}

func (l *listener) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, mapErr("watch: connect", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, mapErr("watch: listen", err)
	}
	return conn, nil
}

func (l *listener) run(ctx context.Context, conn *pgx.Conn) {
	defer close(l.done)
	backoff := 100 * time.Millisecond
	for {
		n, err := conn.WaitForNotification(ctx)
		if err == nil {
			backoff = 100 * time.Millisecond
			l.mu.Lock()
			for w := range l.subs {
				w.push(n.Payload)
			}
			l.mu.Unlock()
			continue
		}
		conn.Close(context.Background())
		// The connection dropped (or we are stopping): reopen it.
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if backoff < 10*time.Second {
				backoff *= 2
			}
			if conn, err = l.connect(ctx); err == nil {
				break
			}
		}
	}
}

func (l *listener) stop() {
	l.cancel()
	<-l.done
}
