package desk

import (
	"context"
	"io"
	"time"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// Session is everything a signed-in person does from the desktop client,
// whether the engine runs on this desk (Service.SignIn) or on a tramite
// server (package remote). Every answer is for that person: what they may
// see, what they may do. The client's screens use nothing else.
type Session interface {
	// Actor is the person signed in.
	Actor() procedure.Actor
	// Definitions are the procedures the engine runs.
	Definitions() []*procedure.Definition
	// Definition returns a procedure by code; ENOTFOUND when unknown.
	Definition(code string) (*procedure.Definition, error)
	// CanStart reports whether the person may start a case of a procedure.
	CanStart(code string) bool
	// CanSeeOutbox reports whether the person manages the outbox.
	CanSeeOutbox() bool
	// Now is the engine's time.
	Now() time.Time
	// Live reports whether Watch tells about other people's changes.
	Live() bool
	// Watch returns the IDs of the cases the person may see that change,
	// until ctx ends; a nil channel when the session is not Live.
	Watch(ctx context.Context) (<-chan string, error)
	// Units returns the requesting units, sorted.
	Units(ctx context.Context) ([]string, error)
	// Holders returns the people holding a role (in a unit, when given).
	Holders(ctx context.Context, role procedure.RoleID, unit string) ([]procedure.Actor, error)
	// Person returns someone by ID; ENOTFOUND when unknown.
	Person(ctx context.Context, id string) (procedure.Actor, error)
	// Cases lists the cases matching q the person may see (q.Inbox set:
	// the cases waiting for them).
	Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error)
	// CountCases counts them.
	CountCases(ctx context.Context, q procedure.CaseQuery) (int, error)
	// DueCases lists the open cases matching q the person may see whose
	// step has a deadline (the agency's extension), each with its Clock,
	// the earliest due first; Clock.Overdue marks the overdue steps.
	DueCases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error)
	// Clocks returns the clock of every stay of a case in a step, oldest
	// first: working time worked and waited on the requester, deadline
	// and due date; ENOTFOUND as Open.
	Clocks(ctx context.Context, id string) ([]procedure.StepClock, error)
	// Open reads a case with what its view shows; ENOTFOUND when there is
	// no such case or the person may not see it.
	Open(ctx context.Context, id string) (CaseFile, error)
	// DocumentContent returns the PDF of a document version listed by Open.
	DocumentContent(ctx context.Context, doc procedure.Document) ([]byte, error)
	// AttachmentContent returns the content of a file listed by Open.
	AttachmentContent(ctx context.Context, a procedure.Attachment) ([]byte, error)
	// Message reads an email listed by Open as its recipients read it.
	Message(ctx context.Context, item procedure.OutboxItem) (Message, error)
	// Start opens a case of a procedure; files are those of the starting
	// event's inputs of kind file, by input name.
	Start(ctx context.Context, code string, in procedure.Inputs, files map[string]procedure.File, comment string) (procedure.Case, error)
	// Fire takes an action on a case, with the files of the event's inputs
	// of kind file; version, when not zero, is the case version the person
	// saw (ECONFLICT if it changed since).
	Fire(ctx context.Context, id string, ev procedure.EventName, in procedure.Inputs, files map[string]procedure.File, comment string, version int64) (procedure.Case, error)
	// RevealSecrets shows the step 1 secrets to the assigned profesional;
	// the reveal is recorded in the history.
	RevealSecrets(ctx context.Context, id string) (map[string]string, error)
	// Outbox lists the outbox (EFORBIDDEN unless CanSeeOutbox).
	Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error)
	// CountOutbox counts it.
	CountOutbox(ctx context.Context, q procedure.OutboxQuery) (int, error)
	// RetryOutbox puts a failed or skipped item back in the queue.
	RetryOutbox(ctx context.Context, itemID string) error
	// ToSign lists the documents the person must sign now, the
	// «documentos por firmar», in the cases that changed last or, with
	// caseID, in that case; empty where documents are signed
	// automatically (a single desk, or a server that signs them itself).
	ToSign(ctx context.Context, caseID string) ([]report.SignRequest, error)
	// SignDocument signs, at this desk and with the person's own
	// identity, the version req names, and hands it in; the engine or the
	// server accepts it only after verifying it.
	SignDocument(ctx context.Context, req report.SignRequest, id report.Identity) (procedure.Document, error)
	// CanSeeDashboard reports whether the person may see the tablero.
	CanSeeDashboard() bool
	// Dashboard computes the tablero of the cases q selects (EFORBIDDEN
	// unless CanSeeDashboard).
	Dashboard(ctx context.Context, q procedure.DashboardQuery) (procedure.Dashboard, error)
	// Export writes to w an export of the tablero (export.Figures), of its
	// cases (export.Cases) or of their event log (export.Events), in
	// format f.
	Export(ctx context.Context, w io.Writer, kind export.Kind, f export.Format, q procedure.DashboardQuery) error
	// SignOut ends the session.
	SignOut(ctx context.Context) error
}

// CaseFile is a case with everything its view shows.
type CaseFile struct {
	Case procedure.Case
	// Definition is the version of its procedure the case runs under; nil
	// when the session cannot tell (the view then takes the current one).
	Definition *procedure.Definition
	// Available are the actions the person may take now.
	Available []procedure.EventDef
	History   []procedure.Entry
	// Documents lists every version; read one with DocumentContent.
	Documents []procedure.Document
	Emails    []procedure.OutboxItem
	// Attachments are the files given with the case's steps, in order;
	// read one with AttachmentContent.
	Attachments []procedure.Attachment
	// HasSecrets tells whether step 1 secrets are still kept.
	HasSecrets bool
	// Signatures say, for each document that needs signatures, who has
	// signed its latest version and who still must; nil when the session
	// cannot tell.
	Signatures []report.DocumentSignatures
}

// Message is an email of a case as its recipients read it.
type Message struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// Documents are the document versions attached; read one with
	// Session.DocumentContent.
	Documents []procedure.Document `json:"documents"`
	// Files are the files attached, given with the step that sent the
	// email; read one with Session.AttachmentContent.
	Files []procedure.Attachment `json:"files"`
}

// local is a Session on the engine embedded in this desk.
type local struct {
	s *Service
	a procedure.Actor
}

var _ Session = (*local)(nil)

func (l *local) Actor() procedure.Actor                      { return l.a }
func (l *local) Definitions() []*procedure.Definition        { return l.s.cfg.Engine.Definitions() }
func (l *local) CanStart(code string) bool                   { return l.s.cfg.Engine.CanStart(l.a, code) }
func (l *local) CanSeeOutbox() bool                          { return l.s.cfg.Engine.CanSeeOutbox(l.a) }
func (l *local) CanSeeDashboard() bool                       { return l.s.cfg.Engine.CanSeeDashboard(l.a) }
func (l *local) Now() time.Time                              { return l.s.cfg.Clock.Now() }
func (l *local) Live() bool                                  { return l.s.cfg.Feed != nil }
func (l *local) Units(ctx context.Context) ([]string, error) { return l.s.cfg.Engine.Units(ctx) }
func (l *local) SignOut(context.Context) error               { return nil }

func (l *local) Definition(code string) (*procedure.Definition, error) {
	return l.s.cfg.Engine.Definition(code)
}

// Watch reports the changed cases the person may see.
func (l *local) Watch(ctx context.Context) (<-chan string, error) {
	if l.s.cfg.Feed == nil {
		return nil, nil
	}
	in, err := l.s.cfg.Feed.Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan string)
	go func() {
		defer close(out)
		for id := range in {
			if _, err := l.s.cfg.Engine.Case(ctx, l.a, id); err != nil {
				continue // gone, or not the person's to see
			}
			select {
			case out <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (l *local) Holders(ctx context.Context, role procedure.RoleID, unit string) ([]procedure.Actor, error) {
	return l.s.cfg.People.Holders(ctx, role, unit)
}

func (l *local) Person(ctx context.Context, id string) (procedure.Actor, error) {
	return l.s.cfg.People.Actor(ctx, id)
}

func (l *local) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	return l.s.cfg.Engine.Cases(ctx, l.a, q)
}

func (l *local) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	return l.s.cfg.Engine.CountCases(ctx, l.a, q)
}

func (l *local) DueCases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	return l.s.cfg.Engine.DueCases(ctx, l.a, q)
}

func (l *local) Clocks(ctx context.Context, id string) ([]procedure.StepClock, error) {
	return l.s.cfg.Engine.Clocks(ctx, l.a, id)
}

func (l *local) Open(ctx context.Context, id string) (CaseFile, error) {
	e := l.s.cfg.Engine
	var f CaseFile
	var err error
	if f.Case, err = e.Case(ctx, l.a, id); err != nil {
		return f, err
	}
	if f.Definition, err = e.DefinitionOf(f.Case); err != nil {
		return f, err
	}
	if f.Available, err = e.Available(ctx, l.a, id); err != nil {
		return f, err
	}
	if f.History, err = e.History(ctx, l.a, id); err != nil {
		return f, err
	}
	if f.Documents, err = e.Documents(ctx, l.a, id); err != nil {
		return f, err
	}
	if f.Emails, err = e.Emails(ctx, l.a, id); err != nil {
		return f, err
	}
	if f.Attachments, err = e.Attachments(ctx, l.a, id); err != nil {
		return f, err
	}
	if sg := l.s.cfg.Signing; sg != nil {
		if f.Signatures, err = sg.Status(ctx, l.a, id); err != nil {
			return f, err
		}
	}
	f.HasSecrets = len(f.Case.Secrets) > 0
	f.Case.Secrets = nil // sealed bytes stay in the engine
	return f, nil
}

func (l *local) ToSign(ctx context.Context, caseID string) ([]report.SignRequest, error) {
	switch {
	case l.s.cfg.Signing == nil:
		return []report.SignRequest{}, nil
	case caseID != "":
		return l.s.cfg.Signing.ToSignIn(ctx, l.a, caseID)
	}
	return l.s.cfg.Signing.ToSign(ctx, l.a)
}

func (l *local) SignDocument(ctx context.Context, req report.SignRequest, id report.Identity) (procedure.Document, error) {
	if l.s.cfg.Signing == nil {
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID, "en este escritorio los documentos se firman automáticamente")
	}
	return l.s.cfg.Signing.SignWith(ctx, l.a, id, req)
}

func (l *local) DocumentContent(ctx context.Context, doc procedure.Document) ([]byte, error) {
	return doc.Content, nil
}

func (l *local) AttachmentContent(ctx context.Context, a procedure.Attachment) ([]byte, error) {
	return a.Content, nil
}

// Message composes an email of a case the person may see as notify's
// dispatcher sends it.
func (l *local) Message(ctx context.Context, item procedure.OutboxItem) (Message, error) {
	items, err := l.s.cfg.Engine.Emails(ctx, l.a, item.CaseID)
	if err != nil {
		return Message{}, err
	}
	for _, it := range items {
		if it.ID != item.ID {
			continue
		}
		c, err := notify.Gather(ctx, l.s.cfg.Store, l.s.cfg.Engine, it)
		if err != nil {
			return Message{}, err
		}
		e, err := notify.Build(notify.Config{}, c)
		if err != nil {
			return Message{}, err
		}
		return Message{Subject: e.Subject, Text: e.Text, Documents: c.Attachments, Files: c.Files}, nil
	}
	return Message{}, procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene el correo %s", item.CaseID, item.ID)
}

func (l *local) Start(ctx context.Context, code string, in procedure.Inputs, files map[string]procedure.File, comment string) (procedure.Case, error) {
	return l.s.cfg.Engine.Start(ctx, procedure.StartRequest{Procedure: code, Actor: l.a, Inputs: in, Files: files, Comment: comment})
}

func (l *local) Fire(ctx context.Context, id string, ev procedure.EventName, in procedure.Inputs, files map[string]procedure.File, comment string, version int64) (procedure.Case, error) {
	return l.s.cfg.Engine.Fire(ctx, procedure.FireRequest{CaseID: id, Event: ev, Actor: l.a, Inputs: in, Files: files, Comment: comment, Version: version})
}

func (l *local) RevealSecrets(ctx context.Context, id string) (map[string]string, error) {
	return l.s.cfg.Engine.RevealSecrets(ctx, l.a, id)
}

func (l *local) Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error) {
	return l.s.cfg.Engine.Outbox(ctx, l.a, q)
}

func (l *local) CountOutbox(ctx context.Context, q procedure.OutboxQuery) (int, error) {
	return l.s.cfg.Engine.CountOutbox(ctx, l.a, q)
}

func (l *local) RetryOutbox(ctx context.Context, itemID string) error {
	_, err := l.s.cfg.Engine.RetryOutbox(ctx, l.a, itemID)
	return err
}

func (l *local) Dashboard(ctx context.Context, q procedure.DashboardQuery) (procedure.Dashboard, error) {
	return l.s.cfg.Engine.Dashboard(ctx, l.a, q)
}

func (l *local) Export(ctx context.Context, w io.Writer, kind export.Kind, f export.Format, q procedure.DashboardQuery) error {
	return export.Write(ctx, w, l.s.cfg.Engine, l.a, q, kind, f)
}
