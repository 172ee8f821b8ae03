package desk

import (
	"context"
	"fmt"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// DemoPassword is the password of a demo person: "demo-" and the username.
func DemoPassword(id string) string { return "demo-" + id }

// SeedPeople stores the demo people with their demo passwords when the
// directory is empty, and reports whether it did.
func (s *Service) SeedPeople(ctx context.Context) (bool, error) {
	as, err := s.cfg.People.Actors(ctx)
	if err != nil || len(as) > 0 {
		return false, err
	}
	for _, a := range manual.DemoPeople() { // their IDs are their usernames
		if err := s.cfg.People.SaveActor(ctx, a); err != nil {
			return false, fmt.Errorf("seed %s: %w", a.ID, err)
		}
		if err := s.SetPassword(ctx, a.ID, DemoPassword(a.ID)); err != nil {
			return false, fmt.Errorf("seed %s: %w", a.ID, err)
		}
	}
	return true, nil
}

// SeedCases starts a few demo cases in different steps when the store has
// no case at all, and reports whether it did. The engine's directory must
// know the demo people.
func (s *Service) SeedCases(ctx context.Context) (bool, error) {
	n, err := s.cfg.Store.CountCases(ctx, procedure.CaseQuery{})
	if err != nil || n > 0 {
		return false, err
	}
	if err := manual.SeedDemo(ctx, s.cfg.Engine); err != nil {
		return false, err
	}
	return true, nil
}
