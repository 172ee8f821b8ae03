package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// caseArgs returns the values of a case's columns in the order of
// sqlInsertCase (without version) and of sqlUpdateCase.
func caseArgs(c procedure.Case, withVersion bool) []any {
	data, _ := json.Marshal(inputs(c.Data))
	cites, _ := json.Marshal(inputs(c.Cites))
	var secrets any // NULL, never an empty blob
	if len(c.Secrets) > 0 {
		secrets = c.Secrets
	}
	args := make([]any, 0, 23)
	if !withVersion {
		args = append(args, c.ID)
	}
	args = append(args, c.Procedure, string(c.State))
	if withVersion {
		args = append(args, c.Version)
	}
	return append(args, c.System, strings.ToLower(c.System), c.Description, c.Unit, c.RequesterID, c.Assignee,
		c.Step, string(c.WaitingRole), c.WaitingActor, c.WaitingUnit, string(data), secrets,
		nanos(c.CreatedAt), nanos(c.UpdatedAt), c.LastActor, c.DefinitionHash, string(cites), c.RequesterName,
		procedure.SearchText(c))
}

func scanCase(sc scanner) (procedure.Case, error) {
	var c procedure.Case
	var dest [5]any
	err := sc.Scan(caseDest(dest[:0], &c, false)...)
	return c, err
}

// caseDest appends to dest where Scan stores the columns of caseCols, or of
// summaryCols when summary, in c: straight into its fields, through the
// column types below, so that a listing's rows are decoded without
// reflection or allocations of their own.
func caseDest(dest []any, c *procedure.Case, summary bool) []any {
	dest = append(dest, (*caseRowCol)(c))
	if !summary {
		dest = append(dest, (*inputsCol)(&c.Data), (*blobCol)(&c.Secrets), &c.DefinitionHash, (*citesCol)(&c.Cites))
	}
	return dest
}

// Column types that implement sql.Scanner, for values database/sql would
// otherwise convert by reflection.
type (
	caseRowCol procedure.Case    // TEXT of caseRow, see decodeCaseRow
	timeCol    time.Time         // INTEGER of nanos into a time
	inputsCol  procedure.Inputs  // TEXT of a JSON object, see decodeInputs
	blobCol    []byte            // BLOB or NULL, an empty blob as nil
	citesCol   map[string]string // TEXT of a JSON object, nil when empty
)

func (v *citesCol) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("want TEXT, have %T", src)
	}
	*v = nil
	if s == "{}" {
		return nil
	}
	m, err := decodeInputs(s)
	*v = citesCol(m)
	return err
}

func (v *caseRowCol) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("want TEXT, have %T", src)
	}
	return decodeCaseRow(s, (*procedure.Case)(v))
}

func (v *timeCol) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return fmt.Errorf("want INTEGER, have %T", src)
	}
	*v = timeCol(fromNanos(n))
	return nil
}

func (v *inputsCol) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("want TEXT, have %T", src)
	}
	m, err := decodeInputs(s)
	*v = inputsCol(m)
	return err
}

func (v *blobCol) Scan(src any) error {
	switch b := src.(type) {
	case nil:
		*v = nil
	case []byte:
		*v = nil
		if len(b) > 0 {
			*v = bytes.Clone(b) // the driver may reuse b
		}
	default:
		return fmt.Errorf("want BLOB, have %T", src)
	}
	return nil
}

// entryArgs returns the values of an entry's columns in the order of entryCols.
func entryArgs(e procedure.Entry) []any {
	outputs, _ := json.Marshal(strs(e.Outputs))
	data, _ := json.Marshal(inputs(e.Data))
	return []any{e.CaseID, e.Seq, e.Step, string(e.Event), string(e.From), string(e.To), e.ActorID, e.ActorName,
		string(e.Role), e.Interim, nanos(e.At), e.Comment, string(outputs), string(data), e.PrevHash, e.Hash}
}

func scanEntry(sc scanner) (procedure.Entry, error) {
	var e procedure.Entry
	var at int64
	var outputs, data string
	err := sc.Scan(&e.CaseID, &e.Seq, &e.Step, &e.Event, &e.From, &e.To, &e.ActorID, &e.ActorName, &e.Role,
		&e.Interim, &at, &e.Comment, &outputs, &data, &e.PrevHash, &e.Hash)
	if err != nil {
		return e, err
	}
	e.At = fromNanos(at)
	if err := json.Unmarshal([]byte(outputs), &e.Outputs); err != nil {
		return e, err
	}
	if len(e.Outputs) == 0 {
		e.Outputs = nil
	}
	if e.Data, err = decodeInputs(data); err != nil {
		return e, err
	}
	if len(e.Data) == 0 {
		e.Data = nil
	}
	return e, nil
}

const outboxCols = `id, case_id, seq, kind, topic, number, to_addrs, cc_addrs, attach, status, attempts,
	next_attempt, last_error, claimed_by, claimed_until, created_at, updated_at`

func outboxArgs(it procedure.OutboxItem) []any {
	to, _ := json.Marshal(addrs(it.To))
	cc, _ := json.Marshal(addrs(it.Cc))
	attach, _ := json.Marshal(strs(it.Attach))
	return []any{it.ID, it.CaseID, it.Seq, string(it.Kind), it.Topic, it.Number, string(to), string(cc),
		string(attach), string(it.Status), it.Attempts, nanos(it.NextAttempt), it.LastError, it.ClaimedBy,
		nanos(it.ClaimedUntil), nanos(it.CreatedAt), nanos(it.UpdatedAt)}
}

func scanOutbox(sc scanner) (procedure.OutboxItem, error) {
	var it procedure.OutboxItem
	var to, cc, attach string
	var next, until, created, updated int64
	err := sc.Scan(&it.ID, &it.CaseID, &it.Seq, &it.Kind, &it.Topic, &it.Number, &to, &cc, &attach, &it.Status,
		&it.Attempts, &next, &it.LastError, &it.ClaimedBy, &until, &created, &updated)
	if err != nil {
		return it, err
	}
	for _, f := range []struct {
		s   string
		dst any
	}{{to, &it.To}, {cc, &it.Cc}, {attach, &it.Attach}} {
		if f.s != "[]" {
			if err := json.Unmarshal([]byte(f.s), f.dst); err != nil {
				return it, err
			}
		}
	}
	it.NextAttempt, it.ClaimedUntil, it.CreatedAt, it.UpdatedAt = fromNanos(next), fromNanos(until), fromNanos(created), fromNanos(updated)
	return it, nil
}

// decodeInputs decodes a JSON object of strings as json.Marshal wrote it.
// Listings decode one per row, so the common case — no escapes — is parsed
// by hand; anything else goes to encoding/json.
func decodeInputs(s string) (procedure.Inputs, error) {
	if m, ok := parseFlatObject(s); ok {
		return m, nil
	}
	var m procedure.Inputs
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// parseFlatObject parses {"k":"v",...} with no escapes and no spaces; ok
// is false for anything else.
func parseFlatObject(s string) (procedure.Inputs, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || strings.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	m := procedure.Inputs{}
	rest := s[1 : len(s)-1]
	str := func() (string, bool) {
		if len(rest) == 0 || rest[0] != '"' {
			return "", false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return "", false
		}
		v := rest[1 : end+1]
		rest = rest[end+2:]
		return v, true
	}
	for len(rest) > 0 {
		k, ok := str()
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return nil, false
		}
		rest = rest[1:]
		v, ok := str()
		if !ok {
			return nil, false
		}
		m[k] = v
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return nil, false
			}
			rest = rest[1:]
		}
	}
	return m, true
}

// inputs, strs and addrs encode nil as an empty JSON object or array.
func inputs(m procedure.Inputs) procedure.Inputs {
	if m == nil {
		return procedure.Inputs{}
	}
	return m
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func addrs(a []procedure.Address) []procedure.Address {
	if a == nil {
		return []procedure.Address{}
	}
	return a
}
