// Package notify delivers the institutional email a procedure's definition
// declares (procedure.EmailDef): for the manual UIT/ASS-M01, the
// observations of step 4, the answer of step 5, the Nota Interna of step 8
// with its PDFs attached, and a short notice to whoever a case waits for
// after each step. It knows no procedure by name.
//
// Composition uses github.com/emersion/go-message: every message is
// multipart/alternative plain text and HTML written from the definition's
// templates,
// carries a stable Message-ID derived from its outbox item, and points with
// In-Reply-To and References to one root per case, so all mail of a case
// is one thread in the recipient's client. Sending uses
// github.com/emersion/go-smtp with STARTTLS required by default, implicit
// TLS as an option, AUTH PLAIN or LOGIN, and timeouts on the dial and on
// every command.
//
// A Dispatcher sends what committed transitions left in the store's
// outbox: it never runs inside a transaction, retries temporary failures
// with exponential backoff and jitter, marks permanent ones failed with the
// server's reply (procedure.Engine.RetryOutbox puts them back by hand), and
// keeps every message it sent, byte for byte, in the archive of
// Config.MailDir (see Archives, ReadArchive and WriteMbox). MAIL, RCPT and
// DATA are pipelined (RFC 2920) when the server offers it.
//
// # Exactly once
//
// An item is marked sent only after the server answered 250 to its DATA,
// and a message is never sent again once its item is marked sent. The
// window in which a message can be delivered twice lies between that 250
// and the record of it. With Config.MailDir the record is the batch
// journal, <MailDir>/.journal: a Drain claims and sends items in batches,
// and right after each 250, before the next message goes out, the whole
// message is appended, with its item and a checksum, to the journal of
// the Drain. Durability is paid once per batch, not once per message:
// when the batch's last message is sent the journal file (and, for a new
// file, its folder) is synced; only then does the store learn the batch's
// outcomes and, once everything it holds is in the store, the journal file
// is moved into the archive, <MailDir>/enviados/<YYYY-MM>/: the archive
// costs one rename per journal, not a file per message. An item found
// pending whose record is in a journal was accepted already: it is marked
// sent without being sent again, and its journal is archived once none of
// its items is pending. So a store that fails, or a process that
// dies, after the record is written causes no resend. If the journal
// cannot be written the Drain says so, and each outcome goes to the store
// right after its 250. What remains:
//
//   - a process that dies in the moment between a 250 and the write of its
//     record: that one message;
//   - a power cut (or a crash of the operating system) after a 250 and
//     before the batch's sync: the messages of that batch whose records
//     had not reached the disk;
//   - a record cut short or damaged (its checksum fails): it is skipped,
//     costing only its own item;
//   - a connection lost after the server queued a message but before its
//     250 reached us, which SMTP itself cannot tell from a failure (RFC
//     1047).
//
// Then, once the item's lease ends, the message is sent again byte for
// byte with the same Message-ID, which receiving servers and mail clients
// use to recognise the copy. Outcomes wait for the end of their batch, so
// a batch must end within its lease: items whose lease is about to end
// are put back rather than sent. Several dispatchers, in one process or on
// several machines, never send one item at once thanks to the store's
// leases; they share the journal only if they share MailDir (a journal
// left by a dispatcher that died is removed by the next pass that finds
// it untouched for two leases and none of its items pending). Without
// MailDir each outcome goes to the store right after its 250, and only the
// Message-ID remains.
//
// # Demo server
//
// CaptureServer is a small SMTP server on 127.0.0.1 (STARTTLS with a
// self-signed certificate, AUTH PLAIN and LOGIN) that writes every message
// it receives as NNN.eml. The quick start and the desktop client's demo
// mode use it so that tramite can be tried without a mail server.
package notify
