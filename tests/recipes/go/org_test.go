// A test org for `go test`: TestMain starts one ephemeral Latchkey for the package's tests,
// each test resets it first. Standard library only.
package latchkeytest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

type org struct {
	URL    string `json:"orgUrl"`
	Token  string `json:"token"`
	CA     string `json:"caCertificate"`
	client *http.Client
}

var testOrg org

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "go-org-")
	if err != nil {
		panic(err)
	}
	ready := filepath.Join(dir, "org.json")
	bin := os.Getenv("LATCHKEY_BIN")
	if bin == "" {
		bin = "latchkey"
	}
	server := exec.Command(bin, "serve", "--ephemeral", "--listen", "127.0.0.1:0",
		"--seed", filepath.Join("..", "..", "test-org", "org.yaml"),
		"--admin-token", "go-recipe-token-0123456789", "--ready-file", ready)
	logFile, _ := os.Create(filepath.Join(dir, "server.log"))
	server.Stdout, server.Stderr = logFile, logFile
	if err := server.Start(); err != nil {
		panic(err)
	}
	code := 1
	defer func() {
		_ = server.Process.Signal(os.Interrupt)
		_ = server.Wait()
		os.RemoveAll(dir)
		os.Exit(code)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(ready); err == nil && json.Unmarshal(data, &testOrg) == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			fmt.Fprintf(os.Stderr, "latchkey did not start:\n%s\n", log)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	pem, err := os.ReadFile(testOrg.CA)
	if err != nil {
		panic(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	testOrg.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	code = m.Run()
}

// call sends a JSON request (with the admin token unless anonymous) and decodes the answer.
func call(t *testing.T, method, path string, body any, anonymous bool) (int, any) {
	t.Helper()
	var payload bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&payload).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, testOrg.URL+path, &payload)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if !anonymous {
		req.Header.Set("Authorization", "SSWS "+testOrg.Token)
	}
	resp, err := testOrg.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// resetOrg puts the org back as its file declares it.
func resetOrg(t *testing.T) {
	t.Helper()
	if status, body := call(t, "POST", "/_latchkey/reset", nil, false); status != 200 {
		t.Fatalf("reset: %d %v", status, body)
	}
}

func field(v any, key string) any {
	if m, ok := v.(map[string]any); ok {
		return m[key]
	}
	return nil
}

func TestSeededUsers(t *testing.T) {
	resetOrg(t)
	status, user := call(t, "GET", "/api/v1/users/alice@example.com", nil, false)
	if status != 200 || field(user, "status") != "ACTIVE" {
		t.Fatalf("alice: %d %v", status, user)
	}
}

func TestResetForgetsChanges(t *testing.T) {
	resetOrg(t)
	profile := map[string]any{"profile": map[string]string{
		"login": "temp@example.com", "email": "temp@example.com", "firstName": "Temp", "lastName": "User"}}
	if status, body := call(t, "POST", "/api/v1/users?activate=false", profile, false); status != 200 {
		t.Fatalf("create: %d %v", status, body)
	}
	resetOrg(t)
	if status, _ := call(t, "GET", "/api/v1/users/temp@example.com", nil, false); status != 404 {
		t.Fatalf("after reset the user answers %d, want 404", status)
	}
}

func TestPasswordsExpireWithTheClock(t *testing.T) {
	resetOrg(t)
	signIn := map[string]string{"username": "bob@example.com", "password": "CanWeFixIt-2026!"}
	if _, body := call(t, "POST", "/api/v1/authn", signIn, true); field(body, "status") != "SUCCESS" {
		t.Fatalf("sign-in: %v", body)
	}
	call(t, "POST", "/_latchkey/clock", map[string]string{"advance": "31d"}, false)
	if _, body := call(t, "POST", "/api/v1/authn", signIn, true); field(body, "status") != "PASSWORD_EXPIRED" {
		t.Fatalf("31 days on: %v", body)
	}
}

func TestSmsCodesInTheOutbox(t *testing.T) {
	resetOrg(t)
	_, start := call(t, "POST", "/api/v1/authn/recovery/password",
		map[string]string{"username": "bob@example.com", "factorType": "SMS"}, true)
	_, sent := call(t, "GET", "/_latchkey/outbox?to=%2B15555550123", nil, false)
	messages, _ := sent.([]any)
	if len(messages) == 0 {
		t.Fatalf("no message for bob: %v", sent)
	}
	_, verified := call(t, "POST", "/api/v1/authn/recovery/factors/sms/verify", map[string]any{
		"stateToken": field(start, "stateToken"), "passCode": field(messages[0], "code")}, true)
	if field(verified, "status") != "RECOVERY" {
		t.Fatalf("verify: %v", verified)
	}
}
