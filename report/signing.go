package report

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
)

// SigningConfig configures a Signing.
type SigningConfig struct {
	// Verify says which certification authorities and time-stamping
	// authorities are trusted and whether a timestamp and revocation data
	// are required. Verify.At is ignored: signatures are judged when they
	// arrive, by Clock.
	Verify VerifyOptions
	// Options give the city written as the signatures' location.
	Options Options
	// TSA is the time-stamping authority the desks are told to use
	// (SignRequest.Meta.TSA); empty for none.
	TSA string
	// Clock tells the time (default procedure.SystemClock).
	Clock procedure.Clock
	// Scan is how many of the cases a person can see, the most recently
	// updated first, ToSign looks through (default 200); ToSignIn looks at
	// one case whatever its age.
	Scan int
}

// Signing collects the signatures of the documents the Processor renders,
// each made by the person who must sign, at their own desk, with their
// own certificate: the desk asks what the person must sign (ToSign),
// signs that version with Sign and hands the result back (Accept). Signing
// accepts it only after checking that it is that version plus exactly one
// signature, that the signature is valid and covers the whole version,
// that its certificate is bound to the person (procedure.Certificates),
// and that it is that person's turn: the sign-offs of a version are
// signed in order, once each. Nobody can sign for anybody else, and no
// desk holds anybody else's key.
//
// A version of a document needs the signatures of the sign-offs it shows
// (for the conclusion report: elaborado, revisado, aprobado, as given so
// far), or, without sign-offs, of whoever fired the event that queued it.
// Each accepted signature is stored as a new version of the document.
type Signing struct {
	engine *procedure.Engine
	store  procedure.Store
	certs  procedure.Certificates
	cfg    SigningConfig
	mu     sync.Mutex // one Accept at a time in this process; the store's Follows across processes

	signersMu sync.Mutex
	signers   map[string][]string // by a version's SHA-256: who signed it, in order
}

// maxSignersCache bounds the cache of who signed each version; it starts
// over when full.
const maxSignersCache = 20000

// signedBy returns the common names of the certificates that signed a
// stored version, in order. Versions never change, so the answer is kept
// by their SHA-256.
func (s *Signing) signedBy(d procedure.Document) ([]string, error) {
	s.signersMu.Lock()
	names, ok := s.signers[d.SHA256]
	s.signersMu.Unlock()
	if ok && d.SHA256 != "" {
		return names, nil
	}
	sigs, err := readSignatures(d.Content)
	if err != nil {
		return nil, err
	}
	names = make([]string, len(sigs))
	for i := range sigs {
		// Stored versions were verified when accepted: only who signed is
		// read here, not checked again.
		names[i] = sigs[i].signerName()
		if strings.HasSuffix(sigs[i].Reason, DevelopmentMark) {
			names[i] += DevelopmentMark
		}
	}
	s.signersMu.Lock()
	if s.signers == nil || len(s.signers) >= maxSignersCache {
		s.signers = map[string][]string{}
	}
	s.signers[d.SHA256] = names
	s.signersMu.Unlock()
	return names, nil
}

// NewSigning returns a Signing on the engine and its store; certs says
// which certificate belongs to whom. It returns EINVALID when one is
// missing.
func NewSigning(e *procedure.Engine, store procedure.Store, certs procedure.Certificates, cfg SigningConfig) (*Signing, error) {
	if e == nil || store == nil || certs == nil {
		return nil, procedure.Errorf(procedure.EINVALID, "report: la recepción de firmas necesita el motor, el almacenamiento y el registro de certificados")
	}
	if cfg.Clock == nil {
		cfg.Clock = procedure.SystemClock
	}
	if cfg.Scan <= 0 {
		cfg.Scan = 200
	}
	return &Signing{engine: e, store: store, certs: certs, cfg: cfg}, nil
}

// SignatureStatus is one signature a document version needs.
type SignatureStatus struct {
	// Caption says what the signature is for ("Elaborado por").
	Caption   string `json:"caption"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	// Signed tells whether the version carries it; Signer is then the
	// common name of the certificate that made it, and Development tells
	// that it was made with a development identity, not legally valid.
	Signed      bool   `json:"signed"`
	Signer      string `json:"signer,omitempty"`
	Development bool   `json:"development,omitempty"`
}

// DocumentSignatures is the signing status of the latest version of a
// document of a case.
type DocumentSignatures struct {
	CaseID  string `json:"case_id"`
	Topic   string `json:"topic"`
	Label   string `json:"label"`
	Number  string `json:"number,omitempty"`
	Version int    `json:"version"`
	// Signatures are the signatures the version needs, in the order they
	// are made.
	Signatures []SignatureStatus `json:"signatures"`
}

// Complete tells whether every signature the version needs is on it.
func (d DocumentSignatures) Complete() bool {
	for _, s := range d.Signatures {
		if !s.Signed {
			return false
		}
	}
	return true
}

// Next returns the signature to be made next; ok is false when complete.
func (d DocumentSignatures) Next() (s SignatureStatus, ok bool) {
	for _, s := range d.Signatures {
		if !s.Signed {
			return s, true
		}
	}
	return SignatureStatus{}, false
}

// SignRequest is a document version an actor must sign now: sign the
// version's content with Meta and hand it to Accept with CaseID, Topic
// and Version.
type SignRequest struct {
	CaseID  string `json:"case_id"`
	System  string `json:"system,omitempty"`
	Topic   string `json:"topic"`
	Label   string `json:"label"`
	Number  string `json:"number,omitempty"`
	Version int    `json:"version"`
	// SHA256 is the digest of the version to sign.
	SHA256 string `json:"sha256"`
	// Caption says what the signature is for ("Revisado por").
	Caption string `json:"caption"`
	// Meta is what the signature must say.
	Meta SignMeta `json:"meta"`
}

// Status returns the signing status of the latest version of every
// document of a case the actor can see, by topic. Documents that need no
// signature are left out.
func (s *Signing) Status(ctx context.Context, a procedure.Actor, caseID string) ([]DocumentSignatures, error) {
	c, err := s.engine.Case(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	docs, err := s.latestDocuments(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	h, err := s.store.History(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	def, err := s.engine.DefinitionOf(c)
	if err != nil {
		return nil, err
	}
	out := []DocumentSignatures{}
	for _, d := range docs {
		st, _, err := s.status(c, def, h, d)
		if err != nil {
			return nil, err
		}
		if len(st.Signatures) > 0 {
			out = append(out, st)
		}
	}
	return out, nil
}

// latestDocuments reads the latest version of each document of a case,
// without the others' bytes when the store can (procedure.LatestDocuments).
func (s *Signing) latestDocuments(ctx context.Context, caseID string) ([]procedure.Document, error) {
	if ld, ok := s.store.(procedure.LatestDocuments); ok {
		return ld.LatestDocuments(ctx, caseID)
	}
	docs, err := s.store.Documents(ctx, caseID)
	return latest(docs), err
}

// latest returns the latest version of each topic, in topic order
// (Documents lists them by topic, then version).
func latest(docs []procedure.Document) []procedure.Document {
	var out []procedure.Document
	for i, d := range docs {
		if i+1 == len(docs) || docs[i+1].Topic != d.Topic {
			out = append(out, d)
		}
	}
	return out
}

// status computes the signing status of a stored version and the
// signatures it needs.
func (s *Signing) status(c procedure.Case, def *procedure.Definition, h []procedure.Entry, d procedure.Document) (DocumentSignatures, []dueSigner, error) {
	st := DocumentSignatures{CaseID: c.ID, Topic: d.Topic, Label: def.TopicLabel(procedure.EffectDocument, d.Topic), Number: d.Number, Version: d.Version,
		Signatures: []SignatureStatus{}}
	if d.Seq == 0 {
		return st, nil, nil // rendered before versions recorded their entry
	}
	in := Input{Topic: d.Topic, Number: d.Number, Case: c, Definition: def, History: h, Seq: d.Seq}
	due := dueSigners(in)
	if len(due) == 0 {
		return st, nil, nil
	}
	names, err := s.signedBy(d)
	if err != nil {
		return st, nil, err
	}
	for i, w := range due {
		ss := SignatureStatus{Caption: w.caption, ActorID: w.entry.ActorID, ActorName: w.entry.ActorName}
		if i < len(names) {
			ss.Signed = true
			ss.Signer, ss.Development = strings.CutSuffix(names[i], DevelopmentMark)
		}
		st.Signatures = append(st.Signatures, ss)
	}
	return st, due, nil
}

// ToSign returns the document versions the actor must sign now, across
// the SigningConfig.Scan cases the actor can see that changed last,
// oldest case first. It reads each of those cases and its documents:
// its cost grows with Scan, not with the whole store.
func (s *Signing) ToSign(ctx context.Context, a procedure.Actor) ([]SignRequest, error) {
	cases, err := s.engine.Cases(ctx, a, procedure.CaseQuery{Summary: true, Limit: s.cfg.Scan})
	if err != nil {
		return nil, err
	}
	out := []SignRequest{}
	for i := len(cases) - 1; i >= 0; i-- {
		rs, err := s.toSign(ctx, a, cases[i].ID)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// ToSignIn returns the document versions of one case the actor must sign
// now; ENOTFOUND when the actor cannot see the case.
func (s *Signing) ToSignIn(ctx context.Context, a procedure.Actor, caseID string) ([]SignRequest, error) {
	rs, err := s.toSign(ctx, a, caseID)
	if rs == nil && err == nil {
		rs = []SignRequest{}
	}
	return rs, err
}

func (s *Signing) toSign(ctx context.Context, a procedure.Actor, caseID string) ([]SignRequest, error) {
	st, err := s.Status(ctx, a, caseID)
	if err != nil || len(st) == 0 {
		return nil, err
	}
	var out []SignRequest
	for _, d := range st {
		next, ok := d.Next()
		if !ok || next.ActorID != a.ID {
			continue
		}
		r, _, err := s.request(ctx, a, d.CaseID, d.Topic)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// request returns what the actor must sign next of a document, with the
// latest version; EINVALID when it is not the actor's turn.
func (s *Signing) request(ctx context.Context, a procedure.Actor, caseID, topic string) (SignRequest, procedure.Document, error) {
	c, err := s.engine.Case(ctx, a, caseID)
	if err != nil {
		return SignRequest{}, procedure.Document{}, err
	}
	def, err := s.engine.DefinitionOf(c)
	if err != nil {
		return SignRequest{}, procedure.Document{}, err
	}
	docs, err := s.latestDocuments(ctx, c.ID)
	if err != nil {
		return SignRequest{}, procedure.Document{}, err
	}
	var doc procedure.Document
	for _, d := range docs {
		if d.Topic == topic {
			doc = d
		}
	}
	label := def.TopicLabel(procedure.EffectDocument, topic)
	if doc.Version == 0 {
		return SignRequest{}, procedure.Document{}, procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene el documento «%s»", c.ID, label)
	}
	h, err := s.store.History(ctx, c.ID)
	if err != nil {
		return SignRequest{}, procedure.Document{}, err
	}
	st, due, err := s.status(c, def, h, doc)
	if err != nil {
		return SignRequest{}, procedure.Document{}, err
	}
	next, ok := st.Next()
	if !ok {
		return SignRequest{}, doc, procedure.Errorf(procedure.EINVALID, "la versión %d de «%s» del trámite %s ya tiene todas sus firmas: no se puede firmar otra vez", doc.Version, label, c.ID)
	}
	if next.ActorID != a.ID {
		for _, done := range st.Signatures {
			if done.Signed && done.ActorID == a.ID {
				return SignRequest{}, doc, procedure.Errorf(procedure.EINVALID, "%s ya firmó la versión %d de «%s» (%s): no se firma dos veces; ahora le toca a %s (%s)",
					a.Name, doc.Version, label, done.Caption, next.ActorName, next.Caption)
			}
		}
		return SignRequest{}, doc, procedure.Errorf(procedure.EFORBIDDEN, "no le corresponde a %s firmar «%s» del trámite %s: la firma que falta es la de %s (%s)",
			a.Name, label, c.ID, next.ActorName, next.Caption)
	}
	k := 0
	for k < len(st.Signatures) && st.Signatures[k].Signed {
		k++
	}
	in := Input{Topic: topic, Number: doc.Number, Case: c, Definition: def, History: h, Seq: doc.Seq}
	meta := signMeta(in, due[k], s.cfg.Options.withDefaults().Institution.City)
	meta.TSA = s.cfg.TSA
	meta.Revocation = s.cfg.Verify.RequireRevocation
	meta.Date = time.Time{} // the moment the person signs, not the sign-off's
	return SignRequest{CaseID: c.ID, System: c.System, Topic: topic, Label: label, Number: doc.Number, Version: doc.Version, SHA256: doc.SHA256,
		Caption: next.Caption, Meta: meta}, doc, nil
}

// Version returns the content of a document version the actor can see,
// as the desk needs it to sign.
func (s *Signing) Version(ctx context.Context, a procedure.Actor, caseID, topic string, version int) (procedure.Document, error) {
	docs, err := s.engine.Documents(ctx, a, caseID)
	if err != nil {
		return procedure.Document{}, err
	}
	for _, d := range docs {
		if d.Topic == topic && d.Version == version {
			return d, nil
		}
	}
	return procedure.Document{}, procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene la versión %d del documento %s", caseID, version, topic)
}

// Accept takes from the actor the version of a document signed at their
// desk: version is the one they signed, signed the result. It stores it
// as a new version and returns it, or says why not: ECONFLICT when a
// newer version exists (sign that one), EFORBIDDEN when it is not the
// actor's turn or the certificate is not theirs, EINVALID when the
// signature is not one valid signature over the whole version or the
// version has been signed by them already. Nothing is stored then.
func (s *Signing) Accept(ctx context.Context, a procedure.Actor, caseID, topic string, version int, signed []byte) (procedure.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, prev, err := s.request(ctx, a, caseID, topic)
	if err != nil {
		return procedure.Document{}, err
	}
	if prev.Version != version {
		return procedure.Document{}, stale(prev, version)
	}
	if len(signed) <= len(prev.Content) || !bytes.Equal(signed[:len(prev.Content)], prev.Content) {
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID,
			"el documento firmado no es la versión %d de «%s» con una firma agregada: fírmela sin modificarla", version, req.Label)
	}
	opts := s.cfg.Verify
	opts.At = s.cfg.Clock.Now()
	sigs, err := VerifySignatures(signed, opts)
	if err != nil {
		return procedure.Document{}, err
	}
	before, err := readSignatures(prev.Content)
	if err != nil {
		return procedure.Document{}, err
	}
	switch n := len(sigs) - len(before); {
	case n < 1:
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID,
			"el documento firmado no trae ninguna firma nueva legible sobre la versión %d de «%s»", version, req.Label)
	case n > 1:
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID,
			"el documento firmado debe traer exactamente una firma nueva sobre la versión %d de «%s»; trae %d", version, req.Label, n)
	}
	sig := sigs[len(sigs)-1]
	if sig.holeStart < int64(len(prev.Content)) || sig.RevisionEnd != int64(len(signed)) {
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID, "la firma nueva no cubre toda la versión %d de «%s»", version, req.Label)
	}
	if !sig.Valid {
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID, "la firma de %s sobre «%s» no es válida: %s", a.Name, req.Label, strings.Join(sig.Problems, "; "))
	}
	if same, err := sameContent(prev.Content, signed); err != nil || !same {
		return procedure.Document{}, procedure.Errorf(procedure.EINVALID,
			"el documento firmado cambia el contenido de la versión %d de «%s», además de agregarle una firma: fírmela sin modificarla", version, req.Label)
	}
	owner, err := s.certs.CertificateOwner(ctx, sig.Issuer, sig.Serial)
	switch {
	case procedure.ErrorCode(err) == procedure.ENOTFOUND:
		return procedure.Document{}, procedure.Errorf(procedure.EFORBIDDEN,
			"el certificado «%s» (serie %s) no está registrado a nombre de %s: pida al administrador que lo registre antes de firmar", sig.Subject, sig.Serial, a.Name)
	case err != nil:
		return procedure.Document{}, err
	case owner.ActorID != a.ID:
		return procedure.Document{}, procedure.Errorf(procedure.EFORBIDDEN,
			"el certificado «%s» pertenece a otra persona, no a %s: nadie puede firmar por otro", sig.Subject, a.Name)
	}
	// Follows: of two acceptances over the same version (two replicas,
	// or the same person twice at once), only one is stored.
	return s.store.PutDocument(ctx, procedure.Document{CaseID: prev.CaseID, Topic: prev.Topic, Number: prev.Number, Seq: prev.Seq,
		Content: signed, CreatedAt: s.cfg.Clock.Now(), Follows: prev.Version})
}

func stale(prev procedure.Document, version int) error {
	return procedure.Errorf(procedure.ECONFLICT, "la versión %d del documento ya no es la última (ahora es la %d): descargue la última y fírmela", version, prev.Version)
}

// SignWith signs, with the actor's own identity, the version req names,
// and hands it to Accept: what a desk does when the person signs.
func (s *Signing) SignWith(ctx context.Context, a procedure.Actor, id Identity, req SignRequest) (procedure.Document, error) {
	doc, err := s.Version(ctx, a, req.CaseID, req.Topic, req.Version)
	if err != nil {
		return procedure.Document{}, err
	}
	var out bytes.Buffer
	meta := req.Meta
	if meta.Date.IsZero() {
		meta.Date = s.cfg.Clock.Now()
	}
	if err := Sign(&out, doc.Content, id, meta); err != nil {
		return procedure.Document{}, fmt.Errorf("report: firmar «%s»: %w", req.Label, err)
	}
	return s.Accept(ctx, a, req.CaseID, req.Topic, req.Version, out.Bytes())
}
