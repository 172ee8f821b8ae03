// Package procedure is the domain of tramite: definitions of procedures as
// data (steps, roles, events, inputs, and the documents and emails each
// event produces), the cases that run through them, the actors and roles
// that move them, the tamper-evident history of every step, and the Engine
// that fires events through a finite state machine. The procedures of
// manual UIT/ASS-M01 (UIT/ASS-PR01, putting a new system into production,
// and UIT/ASS-PR02, updating one) are defined in procedure/manual; others
// load from JSON (LoadDefinition).
//
// The package depends only on the standard library and github.com/looplab/fsm.
// Persistence, documents and email live at the edges (storage/sqlite, report,
// notify) behind the small interfaces this package defines: Store, Tx,
// Directory, Sealer, Clock and Calendar.
//
// A transition is one call to Engine.Fire: the engine checks that the actor
// holds the role the step requires (and, where the definition says so, that
// it is the assigned person, the requester or a member of the requesting
// unit, and passes the guard functions the program registered with
// WithGuard), validates the inputs, moves the case's state machine (to the
// target a Route chooses by an input, if any), appends a hash-chained
// history Entry and queues the documents and emails the step owes as
// OutboxItems, all in one store transaction. Nothing is sent or written from
// inside a transition; after it commits, the hooks given with
// WithAfterCommit receive it. Every role, guard, recipient and permission
// comes from the case's definition: the engine knows no procedure by name.
//
// Deadlines on the steps are an extension an agency adds (Deadlines,
// ApplyDeadlines; the manual sets none): each step's clock (StepClock)
// counts working time on a Calendar and stands still while the case waits
// on the requester, and Engine.Escalate records a late step in the history
// and queues a reminder and a notice, once.
package procedure
