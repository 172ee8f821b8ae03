package notify

import (
	"context"

	"github.com/tramite/tramite/procedure"
)

// Gather reads what the email of an outbox item is made from, as the
// Dispatcher does: the case, its history, its definition, the documents the
// item names (those rendered so far) and the files given with the event
// that queued it. Callers check first that the reader may see the item's
// case (procedure.Engine.Emails).
func Gather(ctx context.Context, store procedure.Store, defs Definitions, it procedure.OutboxItem) (Content, error) {
	d := &Dispatcher{store: store, defs: defs}
	c, _, err := d.content(ctx, &pass{cases: map[string]*caseData{}}, it)
	return c, err
}

// Preview composes the email of an outbox item as the Dispatcher sends
// (or sent) it, for someone reading the case: Gather, then Build with cfg,
// which gives the sender and may be the zero Config.
func Preview(ctx context.Context, store procedure.Store, defs Definitions, cfg Config, it procedure.OutboxItem) (Email, error) {
	c, err := Gather(ctx, store, defs, it)
	if err != nil {
		return Email{}, err
	}
	return Build(cfg, c)
}
