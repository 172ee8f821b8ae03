package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Watch follows the server's event stream: the IDs of the cases the person
// may see that change. It reconnects after a broken connection (the IDs
// missed meanwhile are not replayed: the screens reload when it returns)
// and ends when ctx ends or the session is no longer valid.
func (s *Session) Watch(ctx context.Context) (<-chan string, error) {
	out := make(chan string, 16)
	resp, err := s.stream(ctx)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(out)
		for {
			err := readEvents(ctx, resp.Body, out)
			resp.Body.Close()
			if ctx.Err() != nil || procedure.ErrorCode(err) == procedure.EFORBIDDEN {
				return
			}
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(2 * time.Second):
				}
				if resp, err = s.stream(ctx); err == nil {
					break
				}
				if code := procedure.ErrorCode(err); code == procedure.EFORBIDDEN || code == procedure.ENOTFOUND {
					return // signed out or expired: nothing more will come
				}
			}
			select {
			case out <- "": // reconnected: changes may have been missed
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (s *Session) stream(ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.c.base.String()+"/api/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "text/event-stream")
	// No client timeout: the stream stays open; the server's keepalives
	// and ctx end it.
	hc := *s.c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return nil, unreachable(s.c.base, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, apiError(resp)
	}
	return resp, nil
}

// readEvents copies the case IDs of an event stream to out.
func readEvents(ctx context.Context, body io.Reader, out chan<- string) error {
	sc := bufio.NewScanner(body)
	event, data := "", ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event == "case" && data != "" {
				var ev struct {
					ID string `json:"id"`
				}
				if json.Unmarshal([]byte(data), &ev) == nil && ev.ID != "" {
					select {
					case out <- ev.ID:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
			}
			event, data = "", ""
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
	return sc.Err()
}
