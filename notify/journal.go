package notify

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
)

// The batch journal is the Dispatcher's durable record of the messages
// the server accepted and the store does not know of yet. A Drain sends
// its items in batches; a batch that gets a 250 writes one file,
// <MailDir>/.journal/batch-*.journal (0600, in a 0700 folder), to which
// every accepted message is appended as one record right after its 250,
// before the next message is sent. When the batch's last message is sent
// the file and its folder are synced, once; then the store learns the
// batch's outcomes, and the file, once its last batch is recorded, is
// moved into the archive (archive.go).
// A pending item with a record in any journal was accepted: it is marked
// sent without being sent again.
//
// A record is
//
//	"TRJ1" | len(id) uint16 | len(message) uint32 | crc uint32 | id | message
//
// (big-endian; the CRC-32C covers the two lengths, the id and the
// message). A record cut short by a crash, or damaged, fails its checksum
// and is skipped: the reader looks for the next "TRJ1" whose record checks
// out, so a bad record costs only its own item, which may then be sent
// again as the exactly-once window allows.

const (
	journalDirName = ".journal"
	journalPrefix  = "batch-"
	journalSuffix  = ".journal"
	recordHeader   = 14
)

var (
	recordMagic = []byte("TRJ1")
	castagnoli  = crc32.MakeTable(crc32.Castagnoli)
)

// appendRecord appends the record of the message raw of item id to buf.
func appendRecord(buf []byte, id string, raw []byte) []byte {
	start := len(buf)
	buf = append(buf, recordMagic...)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(id)))
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(raw)))
	buf = append(buf, 0, 0, 0, 0)
	buf = append(buf, id...)
	buf = append(buf, raw...)
	crc := crc32.Update(crc32.Checksum(buf[start+4:start+10], castagnoli), castagnoli, buf[start+recordHeader:])
	binary.BigEndian.PutUint32(buf[start+10:], crc)
	return buf
}

// record is where a journal file keeps the message of one item.
type record struct {
	id string
	// off and size locate the message in the file.
	off  int64
	size int
}

// parseRecords reads the records of data, the bytes of a journal file from
// offset base on. It returns the records whose checksum holds, the offset
// just past the last of them, and how many bytes it could not read as a
// record (a tail cut short, or damage).
func parseRecords(data []byte, base int64) (recs []record, end int64, bad int) {
	end = base
	for i := 0; i < len(data); {
		if n, ok := recordAt(data[i:]); ok {
			idLen := int(binary.BigEndian.Uint16(data[i+4:]))
			recs = append(recs, record{id: string(data[i+recordHeader : i+recordHeader+idLen]),
				off: base + int64(i+recordHeader+idLen), size: n - recordHeader - idLen})
			i += n
			end = base + int64(i)
			continue
		}
		// Not a whole record here: skip to the next magic that may start one.
		next := bytes.Index(data[i+1:], recordMagic)
		if next < 0 {
			bad += len(data) - i
			break
		}
		bad += next + 1
		i += next + 1
	}
	return recs, end, bad
}

// recordAt reports whether data starts with a whole record whose checksum
// holds, and its length.
func recordAt(data []byte) (int, bool) {
	if len(data) < recordHeader || !bytes.Equal(data[:4], recordMagic) {
		return 0, false
	}
	idLen := int(binary.BigEndian.Uint16(data[4:]))
	rawLen := int64(binary.BigEndian.Uint32(data[6:]))
	n := int64(recordHeader+idLen) + rawLen
	if idLen == 0 || n > int64(len(data)) {
		return 0, false
	}
	crc := crc32.Update(crc32.Checksum(data[4:10], castagnoli), castagnoli, data[recordHeader:n])
	if crc != binary.BigEndian.Uint32(data[10:]) {
		return 0, false
	}
	return int(n), true
}

// journal is the Dispatcher's view of Config.MailDir: the batch journals
// and the archive. With no MailDir it keeps nothing.
type journal struct {
	mail string // Config.MailDir
	dir  string // its .journal folder

	mu      sync.Mutex
	dirMade bool
	active  map[string]bool         // journals of this Dispatcher's batches in flight
	files   map[string]*journalFile // the other journals, as last read
	index   map[string]recordRef    // item ID → its record in those
}

// journalFile is what was read of a journal written by another batch.
type journalFile struct {
	size    int64
	modTime time.Time
	end     int64 // offset after the last whole record read
	recs    []record
	skipped int // bytes before end that are not records
	// bad counts the bytes that could not be read as records: those
	// skipped, and any after the last record (a record cut short, or one
	// still being written, which the next read tries again).
	bad int
}

// recordRef locates an item's record.
type recordRef struct {
	path string
	rec  record
}

func newJournal(mailDir string) *journal {
	j := &journal{mail: mailDir, active: map[string]bool{}, files: map[string]*journalFile{}, index: map[string]recordRef{}}
	if mailDir != "" {
		j.dir = filepath.Join(mailDir, journalDirName)
	}
	return j
}

func (j *journal) enabled() bool { return j.mail != "" }

// makeDir creates the journal folder (0700) once, and syncs its parents
// so that the folder outlives a power cut.
func (j *journal) makeDir() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.dirMade {
		return nil
	}
	_, err := os.Stat(j.dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(j.dir, 0o700); err != nil {
			return fmt.Errorf("mail journal: %w", err)
		}
		if err := syncDir(j.mail); err != nil {
			return fmt.Errorf("mail journal: %w", err)
		}
		if err := syncDir(filepath.Dir(j.mail)); err != nil {
			return fmt.Errorf("mail journal: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("mail journal: %w", err)
	}
	j.dirMade = true
	return nil
}

// create creates a journal file, and the folder first if need be (again,
// if someone removed it).
func (j *journal) create() (*os.File, error) {
	for again := false; ; again = true {
		if err := j.makeDir(); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(j.dir, journalPrefix+time.Now().UTC().Format(journalStamp)+"-*"+journalSuffix)
		if errors.Is(err, fs.ErrNotExist) && !again {
			j.mu.Lock()
			j.dirMade = false
			j.mu.Unlock()
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mail journal: %w", err)
		}
		return f, nil
	}
}

// syncDir makes the entries of dir durable. Windows has no such call (and
// NTFS journals its directories): there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writer is the journal of one Drain: its batches append their records
// to one file, and a new file is started once a file passes rotateSize.
// A file is archived when the last of its batches is recorded, unless an
// outcome it holds is missing; then it stays for later passes.
// Appending never rewrites a byte, so other dispatchers can read a journal
// while it grows.
type writer struct {
	j      *journal
	rotate int64 // rotateSize, but for tests
	mu     sync.Mutex
	cur    *journalWriter
}

// journalWriter is one journal file being written.
type journalWriter struct {
	f    *os.File
	path string
	size int64
	// synced: its folder entry is durable.
	synced bool
	// batches counts those that wrote to it and are not recorded yet.
	batches int
	// keep: an outcome it holds is missing.
	keep bool
	// full: no new batch writes to it.
	full bool
}

// rotateSize is the size after which a Drain's next batch starts a new
// journal file.
const rotateSize = 64 << 20

// batch is the journal of one batch of a Drain. It gets its file at the
// first record.
type batch struct {
	w   *writer
	jw  *journalWriter
	buf []byte
	// err is the first failure to write: no record is appended after it.
	err error
}

// writer returns the journal of a Drain; nil when there is no MailDir.
func (j *journal) writer() *writer {
	if !j.enabled() {
		return nil
	}
	return &writer{j: j, rotate: rotateSize}
}

// begin starts the journal of a batch; nil when there is no MailDir.
func (w *writer) begin() *batch {
	if w == nil {
		return nil
	}
	return &batch{w: w}
}

// open gives the batch its file: the Drain's current one, or a new one.
func (b *batch) open() error {
	w := b.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur != nil && w.cur.size >= w.rotate {
		w.cur.full = true
		w.release(w.cur)
		w.cur = nil
	}
	if w.cur == nil {
		f, err := w.j.create()
		if err != nil {
			return err
		}
		w.cur = &journalWriter{f: f, path: f.Name()}
		w.j.mu.Lock()
		w.j.active[w.cur.path] = true
		w.j.mu.Unlock()
	}
	w.cur.batches++
	b.jw = w.cur
	return nil
}

// append writes the record of a message the server accepted. When it
// fails the item's outcome must reach the store at once.
func (b *batch) append(id string, raw []byte) error {
	if b.err != nil {
		return b.err
	}
	if len(id) == 0 || len(id) > 0xffff || int64(len(raw)) > 0xffffffff {
		return fmt.Errorf("mail journal: item %.40q cannot be recorded (identifier or message too long)", id)
	}
	if b.jw == nil {
		if b.err = b.open(); b.err != nil {
			return b.err
		}
	}
	b.buf = appendRecord(b.buf[:0], id, raw)
	n, err := b.jw.f.Write(b.buf)
	b.w.mu.Lock()
	b.jw.size += int64(n)
	b.w.mu.Unlock()
	if err != nil {
		b.err = fmt.Errorf("mail journal %s: %w", filepath.Base(b.jw.path), err)
		return b.err
	}
	return nil
}

// sync makes the batch's records durable: its file, and the file's folder
// entry the first time.
func (b *batch) sync() error {
	if b == nil || b.jw == nil {
		return nil
	}
	if err := b.jw.f.Sync(); err != nil {
		return fmt.Errorf("mail journal %s: %w", filepath.Base(b.jw.path), err)
	}
	b.w.mu.Lock()
	synced := b.jw.synced
	b.w.mu.Unlock()
	if !synced {
		if err := syncDir(b.w.j.dir); err != nil {
			return fmt.Errorf("mail journal: %w", err)
		}
		b.w.mu.Lock()
		b.jw.synced = true
		b.w.mu.Unlock()
	}
	return nil
}

// finish ends the batch; done says that the store and the archive have
// everything it recorded.
func (b *batch) finish(done bool) {
	if b == nil || b.jw == nil {
		return
	}
	w := b.w
	w.mu.Lock()
	defer w.mu.Unlock()
	b.jw.batches--
	if !done || b.err != nil {
		b.jw.keep = true
	}
	w.release(b.jw)
	b.jw = nil
}

// close ends the Drain's journal: its files are archived, or left for later
// passes, as their last batches are recorded.
func (w *writer) close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur != nil {
		w.cur.full = true
		w.release(w.cur)
		w.cur = nil
	}
}

// release closes jw once no batch may write to it and none is waiting to
// be recorded; it archives it unless it must stay. w.mu is held.
func (w *writer) release(jw *journalWriter) {
	if !jw.full || jw.batches > 0 || jw.f == nil {
		return
	}
	if err := jw.f.Close(); err != nil {
		jw.keep = true
	}
	jw.f = nil
	if !jw.keep {
		// Done with: it joins the archive. Should that fail, it stays,
		// and tidy moves it later.
		w.j.archive(jw.path)
	}
	w.j.mu.Lock()
	delete(w.j.active, jw.path)
	w.j.mu.Unlock()
}

// refresh reads the journals that are not this Dispatcher's batches in
// flight: what is new in them since the last call. A folder that does not
// exist yet holds no journal.
func (j *journal) refresh() error {
	if !j.enabled() {
		return nil
	}
	entries, err := os.ReadDir(j.dir)
	if errors.Is(err, fs.ErrNotExist) {
		entries, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("mail journal: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	seen := map[string]bool{}
	var errs []error
	changed := false
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, journalPrefix) || !strings.HasSuffix(name, journalSuffix) {
			continue
		}
		path := filepath.Join(j.dir, name)
		if j.active[path] {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen[path] = true
		jf := j.files[path]
		if jf == nil {
			jf = &journalFile{}
			j.files[path] = jf
		}
		if jf.size == info.Size() && jf.modTime.Equal(info.ModTime()) {
			continue
		}
		if info.Size() < jf.size {
			*jf = journalFile{} // not the file read before: read it all
		}
		if err := jf.readFrom(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				delete(seen, path)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		jf.size, jf.modTime = info.Size(), info.ModTime()
		changed = true
	}
	for path := range j.files {
		if !seen[path] {
			delete(j.files, path)
			changed = true
		}
	}
	if changed {
		j.index = map[string]recordRef{}
		for path, jf := range j.files {
			for _, r := range jf.recs {
				j.index[r.id] = recordRef{path: path, rec: r}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("mail journal: %w", errors.Join(errs...))
	}
	return nil
}

// readFrom reads the records added to the file since the last read.
func (jf *journalFile) readFrom(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(jf.end, io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	recs, end, bad := parseRecords(data, jf.end)
	tail := int(jf.end + int64(len(data)) - end)
	jf.recs = append(jf.recs, recs...)
	jf.end = end
	jf.skipped += bad - tail
	jf.bad = jf.skipped + tail
	return nil
}

// recorded returns the record of an item in the journals last read.
func (j *journal) recorded(id string) (recordRef, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.index[id]
	return r, ok
}

// sent reports whether the server accepted the item in an earlier pass
// whose outcome did not reach the store: its record is in a journal.
func (j *journal) sent(item procedure.OutboxItem) (recordRef, bool) {
	if !j.enabled() {
		return recordRef{}, false
	}
	return j.recorded(item.ID)
}

// message reads the message of a record.
func (r recordRef) message() ([]byte, error) {
	f, err := os.Open(r.path)
	if err != nil {
		return nil, fmt.Errorf("mail journal: %w", err)
	}
	defer f.Close()
	raw := make([]byte, r.rec.size)
	if _, err := f.ReadAt(raw, r.rec.off); err != nil {
		return nil, fmt.Errorf("mail journal %s: %w", filepath.Base(r.path), err)
	}
	return raw, nil
}

// stale returns the journals read by refresh that nobody has written to
// for longer than age: their batches are over, finished or dead.
func (j *journal) stale(age time.Duration) map[string]journalFile {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string]journalFile{}
	for path, jf := range j.files {
		if time.Since(jf.modTime) > age {
			out[path] = *jf
		}
	}
	return out
}

// forget drops a removed journal from the index.
func (j *journal) forget(path string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jf := j.files[path]
	if jf == nil {
		return
	}
	for _, r := range jf.recs {
		if ref, ok := j.index[r.id]; ok && ref.path == path {
			delete(j.index, r.id)
		}
	}
	delete(j.files, path)
}

// tidy archives the journals of batches that ended long ago (nobody has
// written to them for longer than age) once the store says none of their
// items is pending, moving them into the archive. A journal
// with an item still pending stays: the pass that claims the item marks
// it sent from its record. Journals are read by refresh, which must come
// first.
func (j *journal) tidy(ctx context.Context, store procedure.Store, age time.Duration) error {
	var errs []error
	for path, jf := range j.stale(age) {
		if err := j.retire(ctx, store, path, jf); err != nil {
			errs = append(errs, fmt.Errorf("mail journal %s: %w", filepath.Base(path), err))
		}
	}
	return errors.Join(errs...)
}

// retire moves one stale journal into the archive if none of its items is
// pending.
func (j *journal) retire(ctx context.Context, store procedure.Store, path string, jf journalFile) error {
	if len(jf.recs) == 0 && jf.bad > 0 {
		return fmt.Errorf("no readable record in %d bytes; left in place", jf.bad)
	}
	items := map[string]procedure.OutboxItem{}
	read := map[string]bool{}
	for _, r := range jf.recs {
		caseID, _, _ := strings.Cut(r.id, "/")
		if read[caseID] {
			continue
		}
		read[caseID] = true
		list, err := store.Outbox(ctx, procedure.OutboxQuery{CaseID: caseID, Kind: procedure.EffectEmail})
		if err != nil {
			return err
		}
		for _, it := range list {
			items[it.ID] = it
		}
	}
	for _, r := range jf.recs {
		if it, ok := items[r.id]; ok && it.Status == procedure.OutboxPending {
			return nil // a later pass recovers it from this journal
		}
	}
	if err := j.archive(path); err != nil {
		return err
	}
	j.forget(path)
	if jf.bad > 0 {
		return fmt.Errorf("archived; %d bytes of it could not be read as records and were skipped (a record cut short by a crash, or damage)", jf.bad)
	}
	return nil
}
