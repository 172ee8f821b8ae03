// Package remote is the desktop client's way to a tramite server: it signs
// a person in over the server's HTTP API (/api/v1) and gives the screens a
// desk.Session whose every answer comes from the server. In this mode the
// desk holds no database, sealing key, signing key or SMTP password: only
// the server's address and, while signed in, a session token in memory.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// Client signs people in to one tramite server and keeps this desk's
// settings. It implements the client's ui.Service.
type Client struct {
	*desk.Preferences
	base *url.URL
	http *http.Client
}

// New returns a client of the server at base ("https://tramite.agetic.gob.bo").
// Plain http is accepted only for a loopback host. httpClient may be nil
// (a client with a 30 s timeout; event streams use their own).
func New(base string, httpClient *http.Client, prefs *desk.Preferences) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, procedure.Errorf(procedure.EINVALID, "la dirección del servidor %q no es una URL https://…", base)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, procedure.Errorf(procedure.EINVALID, "el servidor %s se usa sin cifrado; use https:// (http solo se admite en esta misma máquina)", u.Host)
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	if prefs == nil {
		prefs = desk.NewPreferences(nil, nil)
	}
	return &Client{Preferences: prefs, base: u, http: httpClient}, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasPrefix(host, "127.")
}

// TestSMTP explains that mail is the server's: there is no SMTP on a desk
// signed in to a server.
func (c *Client) TestSMTP(context.Context, desk.Settings) error {
	return procedure.Errorf(procedure.EINVALID, "con un servidor de trámites el correo lo envía el servidor; su administrador configura el SMTP allí")
}

// Remote reports that the desk works on a server.
func (c *Client) Remote() bool { return true }

// signInBody is what POST /session answers.
type signInBody struct {
	Token        string          `json:"token"`
	ExpiresAt    time.Time       `json:"expires_at"`
	Actor        procedure.Actor `json:"actor"`
	CanStart     []string        `json:"can_start"`
	CanSeeOutbox bool            `json:"can_see_outbox"`
	// CanSeeDashboard is false from a server that predates the tablero.
	CanSeeDashboard bool `json:"can_see_dashboard"`
}

// SignIn signs a person in to the server and reads the procedures.
func (c *Client) SignIn(ctx context.Context, username, password string) (desk.Session, error) {
	s := &Session{c: c}
	var body signInBody
	if err := s.do(ctx, http.MethodPost, "/session", map[string]string{"username": username, "password": password}, &body); err != nil {
		return nil, err
	}
	s.token, s.actor, s.canOutbox, s.canDashboard = body.Token, body.Actor, body.CanSeeOutbox, body.CanSeeDashboard
	s.canStart = map[string]bool{}
	for _, code := range body.CanStart {
		s.canStart[code] = true
	}
	if err := s.do(ctx, http.MethodGet, "/procedures", nil, &s.defs); err != nil {
		return nil, err
	}
	return s, nil
}

// Session is a person signed in to the server.
type Session struct {
	c         *Client
	token     string
	actor     procedure.Actor
	canStart  map[string]bool
	canOutbox bool
	// canDashboard: the person may see the tablero.
	canDashboard bool
	defs         []*procedure.Definition

	mu   sync.Mutex
	skew time.Duration // server time minus local time, from the Date header
}

var _ desk.Session = (*Session)(nil)

// Actor is the person signed in.
func (s *Session) Actor() procedure.Actor { return s.actor }

// Definitions are the server's procedures.
func (s *Session) Definitions() []*procedure.Definition { return s.defs }

// Definition returns one of the server's procedures.
func (s *Session) Definition(code string) (*procedure.Definition, error) {
	for _, d := range s.defs {
		if d.Code == code {
			return d, nil
		}
	}
	return nil, procedure.Errorf(procedure.ENOTFOUND, "no existe el procedimiento %q", code)
}

// CanStart reports whether the person may start a case of a procedure.
func (s *Session) CanStart(code string) bool { return s.canStart[code] }

// CanSeeOutbox reports whether the person manages the outbox.
func (s *Session) CanSeeOutbox() bool { return s.canOutbox }

// Now is the server's time, as its last answer gave it.
func (s *Session) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.skew)
}

// Live is true: the server streams changes.
func (s *Session) Live() bool { return true }

// Units returns the requesting units.
func (s *Session) Units(ctx context.Context) ([]string, error) {
	var out []string
	err := s.do(ctx, http.MethodGet, "/units", nil, &out)
	return out, err
}

// Holders returns the people holding a role.
func (s *Session) Holders(ctx context.Context, role procedure.RoleID, unit string) ([]procedure.Actor, error) {
	q := url.Values{"role": {string(role)}}
	if unit != "" {
		q.Set("unit", unit)
	}
	var out []procedure.Actor
	err := s.do(ctx, http.MethodGet, "/people?"+q.Encode(), nil, &out)
	return out, err
}

// Person returns someone by ID, among the holders of any role.
func (s *Session) Person(ctx context.Context, id string) (procedure.Actor, error) {
	var out procedure.Actor
	err := s.do(ctx, http.MethodGet, "/people/"+url.PathEscape(id), nil, &out)
	return out, err
}

type casePage struct {
	Cases []procedure.Case `json:"cases"`
	Total int              `json:"total"`
}

func caseParams(q procedure.CaseQuery) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("procedure", q.Procedure)
	set("state", string(q.State))
	set("unit", q.Unit)
	set("text", q.Text)
	if q.Open {
		v.Set("open", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v
}

func (s *Session) cases(ctx context.Context, q procedure.CaseQuery) (casePage, error) {
	path := "/cases?"
	if q.Inbox != nil {
		path = "/inbox?" // the server's inbox is always the signed-in person's
	}
	var p casePage
	err := s.do(ctx, http.MethodGet, path+caseParams(q).Encode(), nil, &p)
	return p, err
}

// Cases lists the cases the person may see (q.Inbox set: their inbox).
func (s *Session) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	p, err := s.cases(ctx, q)
	return p.Cases, err
}

// CountCases counts them.
func (s *Session) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	q.Limit, q.Offset = 1, 0
	p, err := s.cases(ctx, q)
	return p.Total, err
}

// DueCases lists the open cases the person may see whose step has a
// deadline, each with its clock, the earliest due first (GET /due).
func (s *Session) DueCases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	var cs []procedure.Case
	err := s.do(ctx, http.MethodGet, "/due?"+caseParams(q).Encode(), nil, &cs)
	return cs, err
}

// Clocks returns the clock of every stay of a case in a step (GET
// /cases/{id}/clocks).
func (s *Session) Clocks(ctx context.Context, id string) ([]procedure.StepClock, error) {
	var k []procedure.StepClock
	err := s.do(ctx, http.MethodGet, "/cases/"+url.PathEscape(id)+"/clocks", nil, &k)
	return k, err
}

// Open reads a case with its actions, history, documents and emails.
func (s *Session) Open(ctx context.Context, id string) (desk.CaseFile, error) {
	var f desk.CaseFile
	var head struct {
		Case       procedure.Case       `json:"case"`
		Available  []procedure.EventDef `json:"available"`
		HasSecrets bool                 `json:"has_secrets"`
	}
	p := "/cases/" + url.PathEscape(id)
	if err := s.do(ctx, http.MethodGet, p, nil, &head); err != nil {
		return f, err
	}
	f.Case, f.Available, f.HasSecrets = head.Case, head.Available, head.HasSecrets
	if err := s.do(ctx, http.MethodGet, p+"/history", nil, &f.History); err != nil {
		return f, err
	}
	if err := s.do(ctx, http.MethodGet, p+"/documents", nil, &f.Documents); err != nil {
		return f, err
	}
	if err := s.do(ctx, http.MethodGet, p+"/signatures", nil, &f.Signatures); err != nil && !notSigning(err) {
		return f, err
	}
	if err := s.do(ctx, http.MethodGet, p+"/emails", nil, &f.Emails); err != nil {
		return f, err
	}
	err := s.do(ctx, http.MethodGet, p+"/attachments", nil, &f.Attachments)
	return f, err
}

// AttachmentContent downloads a file attached to a case.
func (s *Session) AttachmentContent(ctx context.Context, a procedure.Attachment) ([]byte, error) {
	var b []byte
	path := fmt.Sprintf("/cases/%s/attachments/%d/%s", url.PathEscape(a.CaseID), a.Seq, url.PathEscape(a.Input))
	err := s.do(ctx, http.MethodGet, path, nil, &b)
	return b, err
}

// Message reads an email of a case as its recipients read it.
func (s *Session) Message(ctx context.Context, item procedure.OutboxItem) (desk.Message, error) {
	var m desk.Message
	path := fmt.Sprintf("/cases/%s/emails/%d/%s", url.PathEscape(item.CaseID), item.Seq, url.PathEscape(item.Topic))
	err := s.do(ctx, http.MethodGet, path, nil, &m)
	return m, err
}

// notSigning tells whether err says the server takes no personal
// signatures: it signs its documents itself (503), or it predates them
// (no such route, 404).
func notSigning(err error) bool {
	c := procedure.ErrorCode(err)
	return c == "unavailable" || c == procedure.ENOTFOUND
}

// ToSign lists the documents the person must sign now (in one case, with
// caseID); empty when the server signs its documents itself.
func (s *Session) ToSign(ctx context.Context, caseID string) ([]report.SignRequest, error) {
	out := []report.SignRequest{}
	path := "/signatures"
	if caseID != "" {
		path += "?case=" + url.QueryEscape(caseID)
	}
	if err := s.do(ctx, http.MethodGet, path, nil, &out); err != nil {
		if notSigning(err) {
			return []report.SignRequest{}, nil
		}
		return nil, err
	}
	return out, nil
}

// SignDocument downloads the version req names, signs it here with id
// (the key never leaves this desk, or the token), and hands it to the
// server, which verifies it before keeping it.
func (s *Session) SignDocument(ctx context.Context, req report.SignRequest, id report.Identity) (procedure.Document, error) {
	pdf, err := s.DocumentContent(ctx, procedure.Document{CaseID: req.CaseID, Topic: req.Topic, Version: req.Version})
	if err != nil {
		return procedure.Document{}, err
	}
	meta := req.Meta
	if meta.Date.IsZero() {
		meta.Date = s.Now()
	}
	var signed bytes.Buffer
	if err := report.Sign(&signed, pdf, id, meta); err != nil {
		return procedure.Document{}, err
	}
	var doc procedure.Document
	path := "/cases/" + url.PathEscape(req.CaseID) + "/documents/" + url.PathEscape(req.Topic) + "/signatures"
	err = s.do(ctx, http.MethodPost, path, map[string]any{"version": req.Version, "content": signed.Bytes()}, &doc)
	return doc, err
}

// DocumentContent downloads the PDF of a document version.
func (s *Session) DocumentContent(ctx context.Context, doc procedure.Document) ([]byte, error) {
	var pdf []byte
	path := fmt.Sprintf("/cases/%s/documents/%s?version=%d", url.PathEscape(doc.CaseID), url.PathEscape(doc.Topic), doc.Version)
	err := s.do(ctx, http.MethodGet, path, nil, &pdf)
	return pdf, err
}

// Start opens a case.
func (s *Session) Start(ctx context.Context, code string, in procedure.Inputs, files map[string]procedure.File, comment string) (procedure.Case, error) {
	var c procedure.Case
	body := map[string]any{"procedure": code, "inputs": in, "comment": comment}
	if len(files) > 0 {
		body["files"] = files
	}
	err := s.do(ctx, http.MethodPost, "/cases", body, &c)
	return c, err
}

// Fire takes an action on a case.
func (s *Session) Fire(ctx context.Context, id string, ev procedure.EventName, in procedure.Inputs, files map[string]procedure.File, comment string, version int64) (procedure.Case, error) {
	var c procedure.Case
	body := map[string]any{"inputs": in, "comment": comment, "version": version}
	if len(files) > 0 {
		body["files"] = files
	}
	err := s.do(ctx, http.MethodPost, "/cases/"+url.PathEscape(id)+"/events/"+url.PathEscape(string(ev)), body, &c)
	return c, err
}

// RevealSecrets shows the step 1 secrets to the assigned profesional.
func (s *Session) RevealSecrets(ctx context.Context, id string) (map[string]string, error) {
	var out struct {
		Secrets map[string]string `json:"secrets"`
	}
	err := s.do(ctx, http.MethodPost, "/cases/"+url.PathEscape(id)+"/secrets", struct{}{}, &out)
	return out.Secrets, err
}

type outboxPage struct {
	Items []procedure.OutboxItem `json:"items"`
	Total int                    `json:"total"`
}

func (s *Session) outbox(ctx context.Context, q procedure.OutboxQuery) (outboxPage, error) {
	v := url.Values{}
	if q.Kind != "" {
		v.Set("kind", string(q.Kind))
	}
	if q.Status != "" {
		v.Set("status", string(q.Status))
	}
	if q.Newest {
		v.Set("newest", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	var p outboxPage
	err := s.do(ctx, http.MethodGet, "/outbox?"+v.Encode(), nil, &p)
	return p, err
}

// Outbox lists the outbox.
func (s *Session) Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error) {
	p, err := s.outbox(ctx, q)
	return p.Items, err
}

// CountOutbox counts it.
func (s *Session) CountOutbox(ctx context.Context, q procedure.OutboxQuery) (int, error) {
	q.Limit, q.Offset = 1, 0
	p, err := s.outbox(ctx, q)
	return p.Total, err
}

// RetryOutbox puts an item back in the queue.
func (s *Session) RetryOutbox(ctx context.Context, itemID string) error {
	return s.do(ctx, http.MethodPost, "/outbox/"+url.PathEscape(itemID)+"/retry", struct{}{}, nil)
}

// SignOut ends the session on the server.
func (s *Session) SignOut(ctx context.Context) error {
	return s.do(ctx, http.MethodDelete, "/session", nil, nil)
}

// do sends one API request and decodes a JSON answer into out (raw bytes
// when out is *[]byte, copied into a writer when it is writerOut). Errors come back as procedure errors with the
// server's Spanish message.
func (s *Session) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.c.base.String()+"/api/v1"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.c.http.Do(req)
	if err != nil {
		return unreachable(s.c.base, err)
	}
	defer resp.Body.Close()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		s.mu.Lock()
		s.skew = time.Until(d)
		s.mu.Unlock()
	}
	if resp.StatusCode >= 300 {
		return apiError(resp)
	}
	if out == nil {
		return nil
	}
	if wo, ok := out.(writerOut); ok {
		_, err := io.Copy(wo.w, resp.Body)
		return err
	}
	if raw, ok := out.(*[]byte); ok {
		*raw, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return procedure.Errorf(procedure.EINTERNAL, "el servidor respondió algo que este cliente no entiende (%s %s): %v", method, path, err)
	}
	return nil
}

func unreachable(base *url.URL, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &procedure.Error{Code: procedure.EINTERNAL, Op: "remote",
		Message: fmt.Sprintf("no se pudo conectar con el servidor de trámites %s; revise la red o la dirección en Ajustes", base.Host), Err: err}
}

// apiError turns an error answer into a procedure error with its code.
func apiError(resp *http.Response) error {
	var body struct {
		Error struct {
			Code     string   `json:"code"`
			Message  string   `json:"message"`
			Problems []string `json:"problems"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(raw, &body)
	msg := body.Error.Message
	if msg == "" {
		msg = fmt.Sprintf("el servidor respondió %s", resp.Status)
	}
	code := procedure.Code(body.Error.Code)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		code = procedure.EFORBIDDEN
		if body.Error.Message == "" {
			msg = "la sesión terminó; vuelva a ingresar"
		}
	case http.StatusTooManyRequests:
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || secs < 1 {
			secs = 1
		}
		return &desk.ThrottledError{RetryAfter: time.Duration(secs) * time.Second, Message: body.Error.Message}
	}
	if code == "" {
		code = procedure.EINTERNAL
	}
	return &procedure.Error{Code: code, Message: msg, Problems: body.Error.Problems}
}
