package notify

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type testRecord struct {
	id  string
	raw []byte
}

func testRecords() []testRecord {
	return []testRecord{
		{"PR01-2026-0001/1/email/aviso", []byte("Subject: uno\r\n\r\nprimer mensaje\r\n")},
		{"PR01-2026-0001/5/email/observaciones", bytes.Repeat([]byte("observaciones "), 40)},
		{"PR01-2026-0002/9/email/nota-interna", []byte{}},
		{"PR01-2026-0003/1/email/aviso", []byte("último")},
	}
}

func encode(recs []testRecord) ([]byte, []int) {
	var data []byte
	var starts []int
	for _, r := range recs {
		starts = append(starts, len(data))
		data = appendRecord(data, r.id, r.raw)
	}
	return data, starts
}

// check fails unless every record read is one of recs, whole, and
// returns the IDs read.
func check(t *testing.T, data []byte, got []record, recs []testRecord) []string {
	t.Helper()
	var ids []string
	for _, g := range got {
		i := slices.IndexFunc(recs, func(r testRecord) bool { return r.id == g.id })
		if i < 0 {
			t.Fatalf("read a record for %q, which was never written", g.id)
		}
		if msg := data[g.off : g.off+int64(g.size)]; !bytes.Equal(msg, recs[i].raw) {
			t.Fatalf("record %q: message %q, want %q", g.id, msg, recs[i].raw)
		}
		ids = append(ids, g.id)
	}
	return ids
}

func idsOf(recs []testRecord) []string {
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.id)
	}
	return ids
}

func TestJournalRecordsRoundTrip(t *testing.T) {
	recs := testRecords()
	data, _ := encode(recs)
	got, end, bad := parseRecords(data, 0)
	if ids := check(t, data, got, recs); !slices.Equal(ids, idsOf(recs)) || end != int64(len(data)) || bad != 0 {
		t.Fatalf("read %v, end %d of %d, %d bad bytes", ids, end, len(data), bad)
	}
}

// TestJournalTornTail: a journal cut anywhere (a crash in the middle of a
// write) gives back every record written whole before the cut, and no
// other.
func TestJournalTornTail(t *testing.T) {
	recs := testRecords()
	data, starts := encode(recs)
	for cut := 0; cut <= len(data); cut++ {
		whole, wantEnd := 0, 0
		for i := range recs {
			end := len(data)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			if end <= cut {
				whole, wantEnd = i+1, end
			}
		}
		got, end, bad := parseRecords(data[:cut], 0)
		if ids := check(t, data, got, recs); !slices.Equal(ids, idsOf(recs[:whole])) {
			t.Fatalf("cut at %d: read %v, want %v", cut, ids, idsOf(recs[:whole]))
		}
		if end != int64(wantEnd) || bad != cut-wantEnd {
			t.Fatalf("cut at %d: end %d, %d bad bytes; want %d and %d", cut, end, bad, wantEnd, cut-wantEnd)
		}
	}
}

// TestJournalDamage: a byte changed anywhere costs the record it falls in
// and only that one: the reader finds the records after it.
func TestJournalDamage(t *testing.T) {
	recs := testRecords()
	data, starts := encode(recs)
	for pos := range data {
		hit := 0
		for i, s := range starts {
			if s <= pos {
				hit = i
			}
		}
		damaged := bytes.Clone(data)
		damaged[pos] ^= 0x55
		got, _, bad := parseRecords(damaged, 0)
		ids := check(t, data, got, recs)
		if want := idsOf(slices.Delete(slices.Clone(recs), hit, hit+1)); !slices.Equal(ids, want) || bad == 0 {
			t.Fatalf("byte %d changed (record %d): read %v with %d bad bytes, want %v", pos, hit, ids, bad, want)
		}
	}
	// Garbage before, between and after the records is skipped.
	noisy := append([]byte("basura TRJ"), data[:starts[2]]...)
	noisy = append(noisy, "TRJ1\x00\x05xx"...)
	noisy = append(noisy, data[starts[2]:]...)
	noisy = append(noisy, "TRJ1"...)
	got, _, bad := parseRecords(noisy, 0)
	if ids := check(t, noisy, got, recs); !slices.Equal(ids, idsOf(recs)) || bad != len(noisy)-len(data) {
		t.Fatalf("read %v with %d bad bytes, want all and %d", ids, bad, len(noisy)-len(data))
	}
}

func FuzzJournalParse(f *testing.F) {
	data, _ := encode(testRecords())
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("TRJ1\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, end, bad := parseRecords(data, 7)
		if end < 7 || end > 7+int64(len(data)) || bad < 0 || bad > len(data) {
			t.Fatalf("end %d, bad %d of %d bytes", end, bad, len(data))
		}
		for _, r := range got {
			if r.off < 7 || r.off+int64(r.size) > end {
				t.Fatalf("record %q at %d+%d outside the data", r.id, r.off, r.size)
			}
		}
	})
}

// TestJournalRefresh: refresh reads what other dispatchers append as they
// append it (a record half written once it is whole) and forgets removed
// journals; the journal of its own Drain in flight it leaves alone until
// the Drain is over.
func TestJournalRefresh(t *testing.T) {
	mail := t.TempDir()
	j := newJournal(mail)
	if err := j.refresh(); err != nil {
		t.Fatalf("no journal folder yet: %v", err)
	}
	other := newJournal(mail).writer()
	ob := other.begin()
	recs := testRecords()
	if err := ob.append(recs[0].id, recs[0].raw); err != nil {
		t.Fatal(err)
	}
	mine := j.writer()
	mb := mine.begin()
	if err := mb.append(recs[3].id, recs[3].raw); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(j.dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v; want a 0700 folder", j.dir, err)
	}
	for _, p := range []string{ob.jw.path, mb.jw.path} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v; want 0600", p, err)
		}
	}
	has := func(want ...string) {
		t.Helper()
		if err := j.refresh(); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range recs {
			if _, ok := j.recorded(r.id); ok {
				got = append(got, r.id)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("recorded %v, want %v", got, want)
		}
	}
	has(recs[0].id)
	whole := appendRecord(nil, recs[1].id, recs[1].raw)
	if _, err := ob.jw.f.Write(whole[:20]); err != nil {
		t.Fatal(err)
	}
	has(recs[0].id)
	if _, err := ob.jw.f.Write(whole[20:]); err != nil {
		t.Fatal(err)
	}
	has(recs[0].id, recs[1].id)
	ref, _ := j.recorded(recs[1].id)
	if raw, err := ref.message(); err != nil || !bytes.Equal(raw, recs[1].raw) {
		t.Fatalf("message of %s: %q, %v", recs[1].id, raw, err)
	}
	// The next batch of a Drain appends to the same file.
	path := ob.jw.path
	ob.finish(true)
	ob2 := other.begin()
	if err := ob2.append(recs[2].id, recs[2].raw); err != nil || ob2.jw.path != path {
		t.Fatalf("next batch writes to %s (%v), want %s", ob2.jw.path, err, path)
	}
	has(recs[0].id, recs[1].id, recs[2].id)
	ob2.finish(true)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("journal removed before its Drain ended: %v", err)
	}
	other.close()
	has()
	// A journal whose outcomes are not all recorded stays, and is read
	// once its Drain is over.
	left := mb.jw.path
	mb.finish(false)
	mine.close()
	has(recs[3].id)
	if names, _ := filepath.Glob(filepath.Join(j.dir, "*")); len(names) != 1 || names[0] != left {
		t.Fatalf("journal folder holds %v, want only %s", names, left)
	}
}

// TestJournalRotate: a Drain starts a new file once its file is big
// enough; each goes when its last batch is recorded.
func TestJournalRotate(t *testing.T) {
	j := newJournal(t.TempDir())
	w := j.writer()
	w.rotate = 100
	recs := testRecords()
	b1 := w.begin()
	b1.append(recs[1].id, recs[1].raw) // 600 bytes
	b2 := w.begin()
	b2.append(recs[0].id, recs[0].raw)
	if b1.jw == b2.jw {
		t.Fatal("the second batch did not start a new file")
	}
	first := b1.jw.path
	b1.finish(true)
	if _, err := os.Stat(first); err == nil {
		t.Fatal("the full file stayed after its last batch was recorded")
	}
	b2.finish(true)
	w.close()
	if names, _ := filepath.Glob(filepath.Join(j.dir, "*")); len(names) != 0 {
		t.Fatalf("journal folder holds %v", names)
	}
}

func TestJournalAppendRefusesBadID(t *testing.T) {
	b := newJournal(t.TempDir()).writer().begin()
	if err := b.append(strings.Repeat("x", 1<<16), nil); err == nil {
		t.Fatal("an identifier longer than 65535 bytes was accepted")
	}
	if err := b.append("", nil); err == nil {
		t.Fatal("an empty identifier was accepted")
	}
	if b.jw != nil {
		t.Fatal("a journal file was created for nothing")
	}
}

// TestJournalFolderRemoved: a journal folder removed while the program runs
// is made again.
func TestJournalFolderRemoved(t *testing.T) {
	j := newJournal(t.TempDir())
	recs := testRecords()
	w := j.writer()
	b := w.begin()
	if err := b.append(recs[0].id, recs[0].raw); err != nil {
		t.Fatal(err)
	}
	b.finish(true)
	w.close()
	if err := os.RemoveAll(j.dir); err != nil {
		t.Fatal(err)
	}
	w = j.writer()
	b = w.begin()
	if err := b.append(recs[1].id, recs[1].raw); err != nil {
		t.Fatalf("after the folder was removed: %v", err)
	}
	if err := b.sync(); err != nil {
		t.Fatal(err)
	}
	b.finish(true)
	w.close()
	// So is the archive's: a finished journal is archived all the same.
	if err := os.RemoveAll(filepath.Join(j.mail, archiveDirName)); err != nil {
		t.Fatal(err)
	}
	w = j.writer()
	b = w.begin()
	if err := b.append(recs[2].id, recs[2].raw); err != nil {
		t.Fatal(err)
	}
	b.finish(true)
	w.close()
	paths, err := Archives(j.mail)
	if err != nil || len(paths) != 1 {
		t.Fatalf("archives %v, %v: want the last journal", paths, err)
	}
	if msgs, bad, err := ReadArchive(paths[0]); err != nil || bad != 0 || len(msgs) != 1 || msgs[0].Item != recs[2].id {
		t.Fatalf("archive: %v, %d, %v", msgs, bad, err)
	}
}
