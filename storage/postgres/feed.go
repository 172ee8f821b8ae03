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
// The store holds one extra connection, LISTENing on Channel, from the
// first Watch until Close. If that connection drops it is reopened, and
// the cases changed meanwhile (by the server's clock, cases.changed_at) are
// reported then.
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

// ListenerApplicationName is the application_name of the connection that
// listens for changes, as pg_stat_activity shows it.
const ListenerApplicationName = "tramite-listen"

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
	cfg := s.cfg.ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	l := &listener{cfg: cfg, done: make(chan struct{}), subs: map[*watcher]struct{}{}}
	conn, now, err := l.connect(ctx)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.run(lctx, conn, now)
	return l, nil
}

// connect opens a connection that listens on Channel and returns it with
// the server's time once it listens.
func (l *listener) connect(ctx context.Context) (*pgx.Conn, time.Time, error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, time.Time{}, mapErr("watch: connect", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, time.Time{}, mapErr("watch: listen", err)
	}
	now, err := serverNow(ctx, conn)
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, time.Time{}, mapErr("watch: listen", err)
	}
	return conn, now, nil
}

// heartbeat is how long the listener waits for a notification before it
// checks that its connection is alive and notes the server's time.
const heartbeat = 30 * time.Second

// catchUpMargin widens the catch-up query after a reconnection, for
// transactions that changed a case shortly before the last heartbeat and
// committed after it.
const catchUpMargin = time.Minute

func (l *listener) run(ctx context.Context, conn *pgx.Conn, alive time.Time) {
	defer close(l.done)
	backoff := 100 * time.Millisecond
	for {
		wctx, cancel := context.WithTimeout(ctx, heartbeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			backoff = 100 * time.Millisecond
			l.publish(n.Payload)
			continue
		}
		if ctx.Err() == nil && wctx.Err() != nil {
			// No notification for a while: check the connection.
			if t, err := serverNow(ctx, conn); err == nil {
				alive = t
				continue
			}
		}
		conn.Close(context.Background())
		// The connection dropped (or we are stopping): reopen it, then
		// report the cases changed while it was down.
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if backoff < 10*time.Second {
				backoff *= 2
			}
			var now time.Time
			if conn, now, err = l.connect(ctx); err != nil {
				continue
			}
			ids, err := changedSince(ctx, conn, alive.Add(-catchUpMargin))
			if err != nil {
				conn.Close(context.Background())
				continue
			}
			alive = now
			for _, id := range ids {
				l.publish(id)
			}
			break
		}
	}
}

func (l *listener) publish(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for w := range l.subs {
		w.push(id)
	}
}

func serverNow(ctx context.Context, conn *pgx.Conn) (time.Time, error) {
	var t time.Time
	err := conn.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&t)
	return t, err
}

func changedSince(ctx context.Context, conn *pgx.Conn, since time.Time) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT id FROM cases WHERE changed_at >= $1 ORDER BY changed_at", since)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (l *listener) stop() {
	l.cancel()
	<-l.done
}
