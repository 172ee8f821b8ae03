package notify_test

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

const benchBatch = 1000

// benchSetup returns a fixture with one case at step 8 and its memo PDF
// (about the size of a rendered Nota Interna), and a function that
// queues benchBatch copies of its Nota Interna email.
func benchSetup(b *testing.B) (*fixture, func(round int)) {
	b.Helper()
	f := newFixture(b)
	c := proceduretest.RunPR01(b, f.eng, "Sistema de Gestión Documental", canary, 0)
	ctx := context.Background()
	f.render(b, c.ID, pdf(2500))
	items, err := f.store.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectEmail})
	if err != nil {
		b.Fatal(err)
	}
	var memo procedure.OutboxItem
	for _, it := range items {
		if it.Topic == manual.TopicNotaInterna {
			memo = it
		}
	}
	// Only the copies below are due: the case's own emails are marked done.
	for _, it := range items {
		it.Status = procedure.OutboxSkipped
		if err := f.store.UpdateOutbox(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
	// Each copy goes to a case of its own (a copy of c with its history
	// and documents), as a real outbox's emails mostly do: the dispatcher
	// reads every case once.
	cs, err := f.store.Case(ctx, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	hist, err := f.store.History(ctx, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	docs, err := f.store.Documents(ctx, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	queue := func(round int) {
		batch := make([]procedure.OutboxItem, benchBatch)
		err := f.store.Update(ctx, func(tx procedure.Tx) error {
			for i := range batch {
				cc := cs.Clone()
				cc.ID, cc.Version = c.ID+"-B"+strconv.Itoa(round)+"-"+strconv.Itoa(i), 1
				if err := tx.CreateCase(cc); err != nil {
					return err
				}
				for _, e := range hist {
					e.CaseID = cc.ID
					if err := tx.AppendEntry(e); err != nil {
						return err
					}
				}
				it := memo
				it.ID, it.CaseID = cc.ID+"/"+memo.Topic, cc.ID
				batch[i] = it
			}
			return tx.Enqueue(batch...)
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range batch {
			for _, d := range docs {
				d.CaseID = it.CaseID
				if _, err := f.store.PutDocument(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return f, queue
}

func discard(s *smtp.Server, ts *server) { ts.discard = true }

// BenchmarkOutboxDrain dispatches 1,000 queued Nota Interna emails (with
// their PDF) per iteration: claim, compose, journal, one STARTTLS
// connection (MAIL, RCPT and DATA pipelined), mark sent, archive.
func BenchmarkOutboxDrain(b *testing.B) {
	srv := startServer(b, "", discard)
	f, queue := benchSetup(b)
	cfg := config(b, srv)
	cfg.CommandTimeout = 30 * time.Second // a loaded 2-core machine must not turn into retries
	if os.Getenv("NOJOURNAL") != "" {
		cfg.MailDir = ""
	}
	d := f.dispatcher(b, cfg, notify.WithBatchSize(100))
	ctx := context.Background()
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		queue(i)
		b.StartTimer()
		start, c0 := time.Now(), cpuTime(b)
		st, err := d.Drain(ctx)
		elapsed += time.Since(start)
		cpu += cpuTime(b) - c0
		if err != nil || st.Sent != benchBatch {
			b.Fatalf("%v, %v", st, err)
		}
	}
	b.StopTimer()
	bytes = srv.bytes()
	b.SetBytes(bytes / int64(b.N))
	b.ReportMetric(float64(benchBatch*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(benchBatch*b.N), "cpu-µs/msg")
}

// BenchmarkRawSMTP sends the same 1,000 messages over one reused go-smtp
// connection (STARTTLS, AUTH), with no outbox, no composing and no journal:
// the ceiling BenchmarkOutboxDrain is measured against.
func BenchmarkRawSMTP(b *testing.B) {
	capture := startServer(b, "")
	f, queue := benchSetup(b)
	queue(0)
	cfg := config(b, capture)
	cfg.CommandTimeout = 30 * time.Second
	if st, err := f.dispatcher(b, cfg).Drain(context.Background()); err != nil || st.Sent != benchBatch {
		b.Fatalf("%v, %v", st, err)
	}
	msgs := capture.messages()
	srv := startServer(b, "", discard)
	host, port := srv.addr()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		start, c0 := time.Now(), cpuTime(b)
		c, err := smtp.DialStartTLS(addr, &tls.Config{RootCAs: srv.pool, ServerName: "localhost"})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Auth(sasl.NewPlainClient("", testUser, testPass)); err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			if err := c.SendMail(m.from, m.rcpts, bytesReader(m.raw)); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Quit(); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu += cpuTime(b) - c0
	}
	b.StopTimer()
	b.SetBytes(srv.bytes() / int64(b.N))
	b.ReportMetric(float64(len(msgs)*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(msgs)*b.N), "cpu-µs/msg")
}

// cpuTime is the CPU time (user and system) the test process has used:
// the in-process SMTP server's included, the same in both benchmarks. On a
// machine shared with other work, msgs/s says as much of the neighbours as
// of the code; CPU per message does not.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
