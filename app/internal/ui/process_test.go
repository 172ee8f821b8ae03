package ui_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tramite/tramite/app/internal/remote"
)

var (
	serverOnce sync.Once
	serverBin  string
	serverErr  error
)

// serverBinary builds cmd/tramite-server once per test run (without the
// race detector: it is the client under test here, not the server).
func serverBinary(t *testing.T) string {
	t.Helper()
	serverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tramite-ui-server-")
		if err != nil {
			serverErr = err
			return
		}
		serverBin = filepath.Join(dir, "tramite-server")
		out, err := exec.Command("go", "build", "-o", serverBin, "github.com/tramite/tramite/cmd/tramite-server").CombinedOutput()
		if err != nil {
			serverErr = fmt.Errorf("go build ./cmd/tramite-server: %v\n%s", err, out)
		}
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverBin
}

// process starts the real tramite-server command on the SQLite file db
// (the env's own store opens the same file, so the test can check what the
// server stored) and returns a client of it. The test's end stops it.
func (e *env) process(t *testing.T, db string) *remote.Client {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(serverBinary(t))
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRAMITE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TRAMITE_DATABASE_URL="+db, "TRAMITE_LISTEN=127.0.0.1:0", "TRAMITE_LOG_FORMAT=json",
		"TRAMITE_SEALING_KEY_FILE="+filepath.Join(dir, "server.key"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	addr := make(chan string, 1)
	var logged strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logged.WriteString(sc.Text() + "\n")
			mu.Unlock()
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		_, port, err := net.SplitHostPort(a)
		if err != nil {
			t.Fatal(err)
		}
		c, err := remote.New("http://127.0.0.1:"+port, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	case <-time.After(2 * time.Minute):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("tramite-server did not listen within two minutes:\n%s", logged.String())
		return nil
	}
}
