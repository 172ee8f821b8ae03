package proceduretest

import (
	"context"
	"reflect"
	"testing"

	"github.com/tramite/tramite/procedure"
)

// TestCertificates runs the conformance suite of procedure.Certificates on
// stores that also implement procedure.People (the actors the
// certificates belong to), each made empty by newStore.
func TestCertificates(t *testing.T, newStore func(t *testing.T) interface {
	procedure.People
	procedure.Certificates
}) {
	ctx := context.Background()
	open := func(t *testing.T) interface {
		procedure.People
		procedure.Certificates
	} {
		t.Helper()
		s := newStore(t)
		for _, a := range Actors() {
			must(t, s.SaveActor(ctx, a))
		}
		return s
	}
	const ca = "CN=Entidad Certificadora de prueba,O=ADSIB,C=BO"
	cert := func(actor, serial string) procedure.Certificate {
		return procedure.Certificate{ActorID: actor, Issuer: ca, Serial: serial, Subject: "CN=" + actor + ",C=BO"}
	}

	t.Run("PutOwnerList", func(t *testing.T) {
		s := open(t)
		a, b := cert(Jefe.ID, "1f"), cert(Jefe.ID, "0a")
		must(t, s.PutCertificate(ctx, a))
		must(t, s.PutCertificate(ctx, b))
		must(t, s.PutCertificate(ctx, cert(Profesional.ID, "2b")))
		got, err := s.CertificateOwner(ctx, ca, "1f")
		must(t, err)
		if got != a {
			t.Fatalf("owner = %+v, want %+v", got, a)
		}
		list, err := s.ActorCertificates(ctx, Jefe.ID)
		must(t, err)
		if want := []procedure.Certificate{b, a}; !reflect.DeepEqual(list, want) {
			t.Fatalf("certificates of %s = %+v, want %+v", Jefe.ID, list, want)
		}
		none, err := s.ActorCertificates(ctx, Solicitante.ID)
		must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("certificates of someone without any = %#v, want an empty slice", none)
		}
	})
	t.Run("SameActorAgainUpdates", func(t *testing.T) {
		s := open(t)
		c := cert(Jefe.ID, "1f")
		must(t, s.PutCertificate(ctx, c))
		c.Subject = "CN=Jefe renovado,C=BO"
		must(t, s.PutCertificate(ctx, c))
		got, err := s.CertificateOwner(ctx, ca, "1f")
		must(t, err)
		if got != c {
			t.Fatalf("owner = %+v, want %+v", got, c)
		}
		list, _ := s.ActorCertificates(ctx, Jefe.ID)
		if len(list) != 1 {
			t.Fatalf("%d certificates after binding one twice, want 1", len(list))
		}
	})
	t.Run("AnotherActorRefused", func(t *testing.T) {
		s := open(t)
		must(t, s.PutCertificate(ctx, cert(Jefe.ID, "1f")))
		wantCode(t, s.PutCertificate(ctx, cert(Profesional.ID, "1f")), procedure.ECONFLICT)
		got, err := s.CertificateOwner(ctx, ca, "1f")
		must(t, err)
		if got.ActorID != Jefe.ID {
			t.Fatalf("certificate moved to %s", got.ActorID)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		for _, c := range []procedure.Certificate{
			{Issuer: ca, Serial: "1"}, {ActorID: Jefe.ID, Serial: "1"}, {ActorID: Jefe.ID, Issuer: ca},
		} {
			wantCode(t, s.PutCertificate(ctx, c), procedure.EINVALID)
		}
		wantCode(t, s.PutCertificate(ctx, cert("nadie", "1")), procedure.ENOTFOUND)
	})
	t.Run("Remove", func(t *testing.T) {
		s := open(t)
		must(t, s.PutCertificate(ctx, cert(Jefe.ID, "1f")))
		must(t, s.RemoveCertificate(ctx, ca, "1f"))
		_, err := s.CertificateOwner(ctx, ca, "1f")
		wantCode(t, err, procedure.ENOTFOUND)
		wantCode(t, s.RemoveCertificate(ctx, ca, "1f"), procedure.ENOTFOUND)
		// Once removed it can be bound to somebody else.
		must(t, s.PutCertificate(ctx, cert(Profesional.ID, "1f")))
	})
	t.Run("HostileText", func(t *testing.T) {
		s := open(t)
		c := procedure.Certificate{ActorID: Jefe.ID, Issuer: "CN=x'); DROP TABLE actors; --", Serial: "00", Subject: "CN=Ñandú \"comillas\" %_\\"}
		must(t, s.PutCertificate(ctx, c))
		got, err := s.CertificateOwner(ctx, c.Issuer, c.Serial)
		must(t, err)
		if got != c {
			t.Fatalf("owner = %+v, want %+v", got, c)
		}
	})
}
