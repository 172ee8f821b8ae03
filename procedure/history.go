package procedure

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strconv"
	"time"
)

// Entry is one record of a case's history: a fired event, or an action that
// leaves the state as it is (a reveal or purge of secrets). Entries are
// append-only and hash-chained: Hash is the SHA-256 of the entry's content
// and of PrevHash, the Hash of the entry before it.
type Entry struct {
	CaseID string    `json:"case_id"`
	Seq    int       `json:"seq"`
	Step   int       `json:"step"`
	Event  EventName `json:"event"`
	From   State     `json:"from"`
	To     State     `json:"to"`
	// ActorID and ActorName say who acted, Role in which role, and Interim
	// whether the role was held ad interim (a.i.).
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Role      RoleID    `json:"role"`
	Interim   bool      `json:"interim,omitempty"`
	At        time.Time `json:"at"`
	Comment   string    `json:"comment,omitempty"`
	// Outputs are the outputs the step owes: the manual's name of the
	// output and each document with its cite number.
	Outputs []string `json:"outputs,omitempty"`
	// Data holds the non-secret inputs given with the event.
	Data     Inputs `json:"data,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Extension reports whether the entry's event is not one of the manual's steps.
func (e Entry) Extension(d *Definition) bool {
	if ev, ok := d.Event(e.Event); ok {
		return ev.Extension
	}
	return true
}

// Action names of history entries that do not fire a definition's event.
const (
	ActionRevealSecrets EventName = "reveal_secrets"
	ActionPurgeSecrets  EventName = "purge_secrets"
)

// ComputeHash returns the hex SHA-256 of the entry's content and PrevHash,
// ignoring its Hash field. Every field is written with its length first, so
// no two different entries encode alike.
func (e Entry) ComputeHash() string {
	buf := make([]byte, 0, 512)
	w := func(s string) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	wi := func(n int) {
		var tmp [20]byte
		w(string(strconv.AppendInt(tmp[:0], int64(n), 10)))
	}
	w("tramite-entry-v1")
	w(e.CaseID)
	wi(e.Seq)
	wi(e.Step)
	w(string(e.Event))
	w(string(e.From))
	w(string(e.To))
	w(e.ActorID)
	w(e.ActorName)
	w(string(e.Role))
	w(strconv.FormatBool(e.Interim))
	var ts [40]byte
	w(string(e.At.UTC().AppendFormat(ts[:0], time.RFC3339Nano)))
	w(e.Comment)
	wi(len(e.Outputs))
	for _, o := range e.Outputs {
		w(o)
	}
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wi(len(keys))
	for _, k := range keys {
		w(k)
		w(e.Data[k])
	}
	w(e.PrevHash)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// VerifyChain checks a case's entries in order: consecutive sequence numbers
// from 1, each PrevHash equal to the previous Hash, each Hash matching its
// content. It returns an *Error (EINTERNAL) naming the first broken entry.
func VerifyChain(entries []Entry) error {
	prev := ""
	for i, e := range entries {
		switch {
		case e.Seq != i+1:
			return Errorf(EINTERNAL, "historial alterado: se esperaba la entrada %d y se encontró la %d", i+1, e.Seq)
		case e.PrevHash != prev:
			return Errorf(EINTERNAL, "historial alterado: la entrada %d no enlaza con la anterior", e.Seq)
		case e.ComputeHash() != e.Hash:
			return Errorf(EINTERNAL, "historial alterado: el contenido de la entrada %d no coincide con su huella", e.Seq)
		}
		prev = e.Hash
	}
	return nil
}
