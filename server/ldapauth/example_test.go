package ldapauth_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/server/ldapauth"
)

// An agency's directory: ldaps with the agency's own CA, a read-only service
// account, people under ou=personas and one group per role under ou=grupos,
// and accounts disabled by the ppolicy overlay or by employeeType=inactivo.
func Example() {
	roots := x509.NewCertPool()
	if pem, err := os.ReadFile("/etc/tramite/ca-agencia.pem"); err == nil {
		roots.AppendCertsFromPEM(pem)
	}
	auth, err := ldapauth.New(ldapauth.Config{
		URL:           "ldaps://ldap.agencia.gob.bo",
		TLSConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		BindDN:        "cn=tramite,ou=servicios,dc=agencia,dc=gob,dc=bo",
		BindPassword:  os.Getenv("TRAMITE_LDAP_PASSWORD"),
		BaseDN:        "ou=personas,dc=agencia,dc=gob,dc=bo",
		UserFilter:    "(&(objectClass=inetOrgPerson)(uid=%s))",
		UnitAttribute: "ou", // "Unidad de Desarrollo de Software", as the requesting unit
		GroupBaseDN:   "ou=grupos,dc=agencia,dc=gob,dc=bo",
		Groups: []ldapauth.GroupRole{
			{GroupDN: "cn=solicitantes,ou=grupos,dc=agencia,dc=gob,dc=bo", Role: manual.RoleSolicitante},
			{GroupDN: "cn=jefe-uit,ou=grupos,dc=agencia,dc=gob,dc=bo", Role: manual.RoleJefeUIT},
			{GroupDN: "cn=jefe-uit-ai,ou=grupos,dc=agencia,dc=gob,dc=bo", Role: manual.RoleJefeUIT, Interim: true},
			{GroupDN: "cn=responsables-ss,ou=grupos,dc=agencia,dc=gob,dc=bo", Role: manual.RoleResponsableSS},
			{GroupDN: "cn=profesionales-ss,ou=grupos,dc=agencia,dc=gob,dc=bo", Role: manual.RoleProfesionalSS},
		},
		DisabledFilter: "(|(pwdAccountLockedTime=*)(employeeType=inactivo))",
		Timeout:        5 * time.Second,
	})
	if err != nil {
		log.Fatal(procedure.ErrorMessage(err))
	}

	actor, err := auth.Authenticate(context.Background(), "ana", "la contraseña que escribió")
	var refusal *ldapauth.Refusal
	switch {
	case errors.As(err, &refusal):
		// Show the person procedure.ErrorMessage(err), always "usuario o
		// contraseña incorrectos"; keep the reason for the audit log only.
		log.Printf("ingreso rechazado: ana (%s)", refusal.Reason())
	case err != nil:
		log.Printf("directorio no disponible: %v", err)
	default:
		fmt.Println(actor.Name, actor.Unit, actor.Grants)
	}
}
