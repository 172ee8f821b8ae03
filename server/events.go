package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
)

// hub fans one ChangeFeed watch out to every event stream of a Server.
// The watch starts with the first stream and runs until the Server is
// closed or the feed ends; each changed case is read from the store once
// and offered to every stream whose actor may see it.
type hub struct {
	s    *Server
	feed procedure.ChangeFeed

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	starting sync.Mutex // held while a watch starts
	mu       sync.Mutex
	streams  map[*stream]struct{}
	watching bool
	closed   bool
}

// stream is one open GET /events.
type stream struct {
	tokenHash string

	mu      sync.Mutex
	actor   procedure.Actor
	pending []string        // case IDs not yet written, in order
	queued  map[string]bool // the IDs in pending
	wake    chan struct{}   // cap 1: pending has IDs
	done    chan struct{}   // closed when the hub ends the stream
	ended   bool
}

func newHub(s *Server, feed procedure.ChangeFeed) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &hub{s: s, feed: feed, ctx: ctx, cancel: cancel, streams: map[*stream]struct{}{}}
}

// subscribe registers a stream, starting the watch if none runs. The
// watch starts outside h.mu (a first LISTEN may take a while to connect)
// but under starting, so that only one starts.
func (h *hub) subscribe(st *stream) error {
	if h.feed == nil {
		return unavailable("este servidor no ofrece eventos en vivo", nil)
	}
	h.starting.Lock()
	defer h.starting.Unlock()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return stopping()
	}
	if h.watching {
		h.streams[st] = struct{}{}
		h.mu.Unlock()
		return nil
	}
	h.mu.Unlock()
	ch, err := h.feed.Watch(h.ctx)
	if err != nil {
		return unavailable("los eventos en vivo no están disponibles; intente en unos momentos", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed { // closed meanwhile: h.ctx has ended, ch closes soon
		go func() {
			for range ch {
			}
		}()
		return stopping()
	}
	h.watching = true
	h.wg.Add(1)
	go h.run(ch)
	h.streams[st] = struct{}{}
	return nil
}

func stopping() error {
	return unavailable("el servidor se está deteniendo; intente en unos momentos", nil)
}

func (h *hub) unsubscribe(st *stream) {
	h.mu.Lock()
	delete(h.streams, st)
	h.mu.Unlock()
}

// run reads the feed until it closes, then ends every stream so that
// clients reconnect (and a new watch starts, unless the hub is closed).
func (h *hub) run(ch <-chan string) {
	defer h.wg.Done()
	for id := range ch {
		c, err := h.s.store.Case(h.ctx, id)
		if err != nil {
			if procedure.ErrorCode(err) != procedure.ENOTFOUND && h.ctx.Err() == nil {
				h.s.log.Error("event stream: reading a changed case", slog.String("case", id), slog.String("error", err.Error()))
			}
			continue
		}
		h.mu.Lock()
		for st := range h.streams {
			st.offer(h.s.engine, c)
		}
		h.mu.Unlock()
	}
	h.mu.Lock()
	h.watching = false
	for st := range h.streams {
		st.end()
		delete(h.streams, st)
	}
	h.mu.Unlock()
}

// endSession ends the streams of a session that signed out.
func (h *hub) endSession(tokenHash string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.streams {
		if st.tokenHash == tokenHash {
			st.end()
			delete(h.streams, st)
		}
	}
}

// close stops the watch and ends every stream.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	h.cancel()
	for st := range h.streams {
		st.end()
		delete(h.streams, st)
	}
	h.mu.Unlock()
	h.wg.Wait()
}

func newStream(tokenHash string, a procedure.Actor) *stream {
	return &stream{tokenHash: tokenHash, actor: a, queued: map[string]bool{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// offer queues c's ID if the stream's actor may see c. It never blocks: an
// ID already queued is not queued twice.
func (st *stream) offer(e *procedure.Engine, c procedure.Case) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended || st.queued[c.ID] || !e.CanSee(st.actor, c) {
		return
	}
	st.queued[c.ID] = true
	st.pending = append(st.pending, c.ID)
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// take returns the queued IDs and empties the queue.
func (st *stream) take() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	ids := st.pending
	st.pending = nil
	clear(st.queued)
	return ids
}

func (st *stream) setActor(a procedure.Actor) {
	st.mu.Lock()
	st.actor = a
	st.mu.Unlock()
}

func (st *stream) end() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.ended {
		st.ended = true
		close(st.done)
	}
}

// caseEvent is the data of an event stream's "case" event.
type caseEvent struct {
	ID string `json:"id"`
}

// events serves GET /events: "retry: 2000" first, then an event per case
// the actor may see that changes, and a keepalive comment every
// s.keepalive, when the session is also checked again (ended or expired:
// the stream ends; the actor's roles are read again). A sign-out on this
// server ends the session's streams at once. The stream does not keep its
// session from idling out: a desk left alone is signed out.
func events(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	st := newStream(c.tokenHash, c.actor)
	if err := s.hub.subscribe(st); err != nil {
		return err
	}
	defer s.hub.unsubscribe(st)
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(s string) bool {
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write("retry: 2000\n\n") {
		return nil
	}
	tick := time.NewTicker(s.keepalive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-st.done:
			return nil
		case <-st.wake:
			var msg []byte
			for _, id := range st.take() {
				data, _ := json.Marshal(caseEvent{ID: id})
				msg = append(msg, "event: case\ndata: "...)
				msg = append(msg, data...)
				msg = append(msg, "\n\n"...)
			}
			if !write(string(msg)) {
				return nil
			}
		case <-tick.C:
			again, err := s.session(r.Context(), c.tokenHash, false)
			if err != nil {
				var ended *httpError
				if !errors.As(err, &ended) && r.Context().Err() == nil {
					s.log.Error("event stream: checking the session", slog.String("error", err.Error()))
				}
				return nil // the client reconnects, or is told the session ended
			}
			st.setActor(again.actor)
			if !write(": keepalive\n\n") {
				return nil
			}
		}
	}
}
