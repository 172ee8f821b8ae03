// Package notify delivers the institutional email of manual UIT/ASS-M01:
// the observations of step 4, the answer of step 5, the Nota Interna of
// step 8 (with its PDF attached) and a short notice to whoever a case waits
// for after each step.
//
// Composition uses github.com/emersion/go-message: every message is
// multipart/alternative plain text and HTML written from Spanish templates,
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
// server's reply (Retry puts them back by hand), and keeps every message it
// sent as a raw RFC 5322 .eml file in the case's folder of Config.MailDir.
//
// # Exactly once
//
// An item is marked sent only after the server answered 250 to its DATA,
// and a message is never sent again once its item is marked sent. The
// window in which a message can be delivered twice lies between that 250
// and the record of it. The Dispatcher narrows it with Config.MailDir: as
// soon as the 250 arrives the message is kept as the item's .eml (written
// whole, then renamed), and only then is the store updated. An item found
// pending whose .eml exists was accepted already: it is marked sent without
// being sent again. So a store that fails, or a process that dies, after
// the .eml is written causes no resend. What remains is a crash in the
// milliseconds between the 250 and the .eml (or a connection lost after
// the server queued the message but before its 250 reached us, which SMTP
// itself cannot tell from a failure, RFC 1047): then, once the item's lease
// ends, the message is sent again byte for byte with the same Message-ID,
// which receiving servers and mail clients use to recognise the copy.
// Several dispatchers, in one process or on several machines, never send
// one item at once thanks to the store's leases; they share the .eml record
// only if they share MailDir. Without MailDir only the Message-ID remains.
//
// # Demo server
//
// CaptureServer is a small SMTP server on 127.0.0.1 (STARTTLS with a
// self-signed certificate, AUTH PLAIN and LOGIN) that writes every message
// it receives as NNN.eml. The quick start and the desktop client's demo
// mode use it so that tramite can be tried without a mail server.
package notify
