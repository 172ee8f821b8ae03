package ldapauth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// The throwaway directory the tests sign in against: a real OpenLDAP slapd
// (Debian packages slapd and ldap-utils, installed by .ci/install-deps).

const (
	slapdBin    = "/usr/sbin/slapd"
	slapaddBin  = "/usr/sbin/slapadd"
	schemaDir   = "/etc/ldap/schema"
	moduleDir   = "/usr/lib/ldap"
	suffix      = "dc=agencia,dc=gob,dc=bo"
	rootDN      = "cn=admin," + suffix
	rootPW      = "raiz-de-prueba"
	serviceDN   = "cn=tramite,ou=servicios," + suffix
	servicePW   = "Servicio-Tramite-2026"
	peopleDN    = "ou=personas," + suffix
	groupsDN    = "ou=grupos," + suffix
	unitDesarr  = "Unidad de Desarrollo de Software"
	unitInfra   = "Unidad de Infraestructura Tecnológica"
	lockedSince = "000001010000Z" // ppolicy: locked by an administrator, permanently
)

// testUser is one person of the fixture directory.
type testUser struct {
	uid, name, unit string
	under           string // RDN path below ou=personas, "" for none
	extra           []string
}

func (u testUser) dn() string {
	dn := "uid=" + u.uid + ","
	if u.under != "" {
		dn += u.under + ","
	}
	return dn + peopleDN
}

func (u testUser) email() string { return u.uid + "@agencia.gob.bo" }

func pw(uid string) string { return "Clave-" + uid + "-2026!" }

// The fixture's people. Group membership is in fixtureGroups.
var fixtureUsers = []testUser{
	{uid: "ana", name: "Ana Quispe", unit: unitDesarr},
	{uid: "carla", name: "Carla Rojas", unit: unitInfra},
	{uid: "diego", name: "Diego Flores", unit: unitInfra},
	{uid: "elena", name: "Elena Vargas", unit: unitInfra},
	{uid: "fabio", name: "Fabio Choque", unit: unitInfra},
	// gabriel is in a mapped group but his account is disabled: locked by
	// ppolicy (when the fixture loads it) and marked inactivo.
	{uid: "gabriel", name: "Gabriel Mamani", unit: unitDesarr, extra: []string{"employeeType: inactivo"}},
	// hugo is in a group no role is mapped to.
	{uid: "hugo", name: "Hugo Torrez", unit: "Biblioteca"},
	// julia's membership is only in her memberOf attribute, as Active
	// Directory or the memberof overlay keep it.
	{uid: "julia", name: "Julia Condori", unit: unitInfra, extra: []string{
		"objectClass: extensibleObject", "memberOf: cn=Profesionales-SS,OU=Grupos," + suffix}},
	// Two entries answer to uid=homonimo.
	{uid: "homonimo", name: "Homónimo Uno", unit: unitDesarr},
	{uid: "homonimo", name: "Homónimo Dos", unit: unitDesarr, under: "ou=contratistas"},
}

// fixtureGroups: group cn -> member uids. Mapped to roles by testGroups.
var fixtureGroups = []struct {
	cn      string
	members []string
}{
	{"solicitantes", []string{"ana", "gabriel", "homonimo"}},
	{"jefe-uit", []string{"carla"}},
	{"jefe-uit-ai", []string{"carla", "diego"}},
	{"responsables-ss", []string{"elena"}},
	{"profesionales-ss", []string{"fabio", "diego"}},
	{"biblioteca", []string{"hugo", "ana"}},
}

func fixtureLDIF(ppolicy bool) string {
	var b strings.Builder
	p := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
	}
	p("dn: "+suffix, "objectClass: dcObject", "objectClass: organization", "dc: agencia", "o: Agencia de Gobierno Electrónico")
	p("dn: ou=servicios,"+suffix, "objectClass: organizationalUnit", "ou: servicios")
	p("dn: "+serviceDN, "objectClass: applicationProcess", "objectClass: simpleSecurityObject", "cn: tramite", "userPassword: "+servicePW)
	p("dn: "+peopleDN, "objectClass: organizationalUnit", "ou: personas")
	p("dn: ou=contratistas,"+peopleDN, "objectClass: organizationalUnit", "ou: contratistas")
	p("dn: "+groupsDN, "objectClass: organizationalUnit", "ou: grupos")
	for _, u := range fixtureUsers {
		lines := []string{"dn: " + u.dn(), "objectClass: inetOrgPerson", "uid: " + u.uid, "cn: " + u.name,
			"sn: " + u.name[strings.LastIndexByte(u.name, ' ')+1:], "mail: " + u.email(), "ou: " + u.unit,
			"userPassword: " + pw(u.uid)}
		lines = append(lines, u.extra...)
		if ppolicy && u.uid == "gabriel" {
			lines = append(lines, "pwdAccountLockedTime: "+lockedSince)
		}
		p(lines...)
	}
	for _, g := range fixtureGroups {
		lines := []string{"dn: cn=" + g.cn + "," + groupsDN, "objectClass: groupOfNames", "cn: " + g.cn}
		for _, m := range g.members {
			for _, u := range fixtureUsers {
				if u.uid == m {
					lines = append(lines, "member: "+u.dn())
				}
			}
		}
		p(lines...)
	}
	return b.String()
}

// memberOfSchema defines memberOf as Active Directory does (stock slapd has
// it only with the memberof overlay), so julia's entry can carry it.
const memberOfSchema = `attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf'
	DESC 'test fixture: groups the entry belongs to'
	EQUALITY distinguishedNameMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
`

func slapdConf(dir string, ppolicy, tls bool) string {
	var b strings.Builder
	for _, s := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s/%s.schema\n", schemaDir, s)
	}
	fmt.Fprintf(&b, "include %s/memberof.schema\n", dir)
	fmt.Fprintf(&b, "pidfile %s/slapd.pid\nargsfile %s/slapd.args\n", dir, dir)
	if tls {
		fmt.Fprintf(&b, "TLSCACertificateFile %s/ca.pem\nTLSCertificateFile %s/server.pem\nTLSCertificateKeyFile %s/server.key\n", dir, dir, dir)
	}
	// Accept unauthenticated binds (a DN with an empty password), as many
	// servers do: the tests show the authenticator never sends one.
	b.WriteString("allow bind_anon_dn\n")
	fmt.Fprintf(&b, "modulepath %s\nmoduleload back_mdb\n", moduleDir)
	if ppolicy {
		b.WriteString("moduleload ppolicy\n")
	}
	fmt.Fprintf(&b, "database mdb\nmaxsize 16777216\nsuffix %q\nrootdn %q\nrootpw %s\ndirectory %s/db\n", suffix, rootDN, rootPW, dir)
	if ppolicy {
		b.WriteString("overlay ppolicy\n")
	}
	// Like an agency's directory: passwords are only for binding, and only
	// bound users (the service account) may read.
	b.WriteString("access to attrs=userPassword\n  by anonymous auth\n  by self write\n  by * none\n")
	b.WriteString("access to *\n  by users read\n  by * none\n")
	return b.String()
}

// slapd is a running throwaway directory.
type slapd struct {
	URL      string         // ldap://127.0.0.1:port
	LDAPSURL string         // ldaps://127.0.0.1:port, with slapdOptions.tls
	CA       *x509.CertPool // the CA of the server certificate, with slapdOptions.tls

	cmd  *exec.Cmd
	done chan struct{}
	log  *syncBuffer

	stopOnce sync.Once
}

// stop kills slapd and waits for it; safe to call more than once.
func (s *slapd) stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
}

type slapdOptions struct {
	// ppolicy loads the ppolicy overlay, as agencies that lock accounts do.
	ppolicy bool
	// tls gives slapd a certificate for 127.0.0.1 from a throwaway CA, for
	// StartTLS, and listens on ldaps:// too.
	tls bool
}

// startSlapd starts a throwaway slapd on a free 127.0.0.1 port, loaded with
// the fixture's people and groups, waits until it answers and kills it when
// the test ends. It skips the test only when slapd is not installed.
func startSlapd(t testing.TB, opts slapdOptions) *slapd {
	t.Helper()
	if _, err := os.Stat(slapdBin); err != nil {
		t.Skipf("OpenLDAP's slapd is not installed (%s missing): apt-get install slapd ldap-utils, as .ci/install-deps does", slapdBin)
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(dir, "db"), 0o700))
	must(os.WriteFile(filepath.Join(dir, "memberof.schema"), []byte(memberOfSchema), 0o600))
	var ca *x509.CertPool
	if opts.tls {
		ca = writeCertificates(t, dir)
	}
	conf := filepath.Join(dir, "slapd.conf")
	must(os.WriteFile(conf, []byte(slapdConf(dir, opts.ppolicy, opts.tls)), 0o600))
	ldif := filepath.Join(dir, "fixture.ldif")
	must(os.WriteFile(ldif, []byte(fixtureLDIF(opts.ppolicy)), 0o600))
	if out, err := exec.Command(slapaddBin, "-f", conf, "-l", ldif).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}

	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		s := &slapd{URL: fmt.Sprintf("ldap://127.0.0.1:%d", freePort(t)), CA: ca}
		if opts.tls {
			s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d", freePort(t))
		}
		if lastErr = s.launch(conf); lastErr != nil {
			continue // most likely a port was taken meanwhile
		}
		t.Cleanup(s.stop)
		return s
	}
	t.Fatalf("slapd did not start: %v", lastErr)
	return nil
}

func (s *slapd) launch(conf string) error {
	urls := s.URL + "/"
	if s.LDAPSURL != "" {
		urls += " " + s.LDAPSURL + "/"
	}
	// -d 0 keeps slapd in the foreground, a child of the test; running as
	// root it needs no -u/-g (it then keeps running as root).
	s.cmd = exec.Command(slapdBin, "-h", urls, "-f", conf, "-d", "0")
	s.log = &syncBuffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("slapd exited: %s", s.log.String())
		default:
		}
		err := ping(s.URL)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("slapd does not answer on %s: %v\n%s", s.URL, err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeCertificates writes a throwaway CA (ca.pem) and a certificate for
// 127.0.0.1 signed by it (server.pem, server.key) into dir.
func writeCertificates(t testing.TB, dir string) *x509.CertPool {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA de prueba de la agencia"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{
		"ca.pem":     {Type: "CERTIFICATE", Bytes: caDER},
		"server.pem": {Type: "CERTIFICATE", Bytes: der},
		"server.key": {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool
}

// ping binds as the root DN.
func ping(url string) error {
	c, err := ldap.DialURL(url, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetTimeout(time.Second)
	return c.Bind(rootDN, rootPW)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// blackHole accepts connections and never answers, like a directory behind a
// firewall that drops replies or a hung slapd. It returns its ldap:// URL.
func blackHole(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "ldap://" + l.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for slapd's output and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
