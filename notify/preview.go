package notify

import (
	"context"

	"github.com/tramite/tramite/procedure"
)

// Preview composes the email of an outbox item as the Dispatcher sends
// (or sent) it, for someone reading the case: subject, text, HTML and
// attachments, the documents the item names (those rendered so far) and
// the files given with the event that queued it. cfg gives the sender; it
// may be the zero Config. Callers check first that the reader may see the
// item's case (procedure.Engine.Emails).
func Preview(ctx context.Context, store procedure.Store, defs Definitions, cfg Config, it procedure.OutboxItem) (Email, error) {
	d := &Dispatcher{store: store, defs: defs, cfg: cfg}
	c, _, err := d.content(ctx, &pass{cases: map[string]*caseData{}}, it)
	if err != nil {
		return Email{}, err
	}
	return Build(cfg, c)
}
