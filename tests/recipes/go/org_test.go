// A test org for `go test`: TestMain starts one ephemeral Latchkey for the package's tests,
// and each test resets it first. Standard library only. The users, passwords and factors are
// the ones tests/test-org/org.yaml declares.
package latchkeytest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const (
	orgFile = "../../test-org/org.yaml"
	// A fixed token, so a failing test can be replayed by hand with curl.
	adminToken   = "go-recipe-token-0123456789"
	startTimeout = 30 * time.Second
)

// The running org, as its ready file describes it, and a client that trusts its CA.
var org struct {
	URL    string `json:"orgUrl"`
	Token  string `json:"token"`
	CA     string `json:"caCertificate"`
	client *http.Client
}

func TestMain(m *testing.M) { os.Exit(runWithOrg(m)) }

func runWithOrg(m *testing.M) int {
	dir, err := os.MkdirTemp("", "latchkey-go-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	readyFile, logFile := filepath.Join(dir, "org.json"), filepath.Join(dir, "server.log")

	bin := os.Getenv("LATCHKEY_BIN")
	if bin == "" {
		bin = "latchkey"
	}
	server := exec.Command(bin, "serve", "--ephemeral", "--listen", "127.0.0.1:0",
		"--seed", orgFile, "--admin-token", adminToken, "--ready-file", readyFile)
	log, err := os.Create(logFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	server.Stdout, server.Stderr = log, log
	if err := server.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot start latchkey:", err)
		return 1
	}
	exited := make(chan struct{})
	go func() { _ = server.Wait(); log.Close(); close(exited) }()
	defer func() {
		_ = server.Process.Signal(os.Interrupt) // the server deletes its data and the ready file
		<-exited
	}()

	if err := waitUntilReady(readyFile, exited); err != nil {
		output, _ := os.ReadFile(logFile)
		fmt.Fprintf(os.Stderr, "latchkey did not become ready (%v):\n%s\n", err, output)
		return 1
	}
	pem, err := os.ReadFile(org.CA)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fmt.Fprintln(os.Stderr, "no certificate in", org.CA)
		return 1
	}
	org.client = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
	}
	return m.Run()
}

// waitUntilReady reads the ready file into org once the server has written it (in one
// piece, once the seed is applied).
func waitUntilReady(readyFile string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if data, err := os.ReadFile(readyFile); err == nil {
			return json.Unmarshal(data, &org)
		}
		select {
		case <-exited:
			return errors.New("the server exited")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no ready file after %v", startTimeout)
		}
	}
}

// send makes one JSON request, with the admin token when admin is set (the Authn API is
// public), decodes the answer into out (unless nil) and returns the HTTP status.
func send(t *testing.T, admin bool, method, path string, body, out any) int {
	t.Helper()
	var payload bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&payload).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, org.URL+path, &payload)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if admin {
		req.Header.Set("Authorization", "SSWS "+org.Token)
	}
	resp, err := org.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// mustSend is send for calls that must succeed.
func mustSend(t *testing.T, admin bool, method, path string, body, out any) {
	t.Helper()
	if status := send(t, admin, method, path, body, out); status != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d", method, path, status)
	}
}

// resetOrg puts the org back as its file declares it, whatever an earlier test changed.
func resetOrg(t *testing.T) {
	t.Helper()
	var answer struct{ Reset bool }
	mustSend(t, true, "POST", "/_latchkey/reset", nil, &answer)
	if !answer.Reset {
		t.Fatal("the reset did not answer reset: true")
	}
}

type authnAnswer struct {
	Status     string `json:"status"`
	StateToken string `json:"stateToken"`
}

func TestTheSeededUsersAreThere(t *testing.T) {
	resetOrg(t)
	var users []struct {
		Status  string
		Profile struct{ Login string }
	}
	mustSend(t, true, "GET", "/api/v1/users", nil, &users)
	for _, user := range users {
		if user.Profile.Login == "alice@example.com" {
			if user.Status != "ACTIVE" {
				t.Fatalf("alice is %s, want ACTIVE", user.Status)
			}
			return
		}
	}
	t.Fatalf("alice@example.com is not among the %d users", len(users))
}

func TestPasswordsExpireWhenTheClockMoves(t *testing.T) {
	resetOrg(t)
	signIn := map[string]string{"username": "bob@example.com", "password": "CanWeFixIt-2026!"}
	var before, after authnAnswer
	mustSend(t, false, "POST", "/api/v1/authn", signIn, &before)
	if before.Status != "SUCCESS" {
		t.Fatalf("sign-in today: %s, want SUCCESS", before.Status)
	}
	// The Support password policy: maxAgeDays 30.
	mustSend(t, true, "POST", "/_latchkey/clock", map[string]string{"advance": "31d"}, nil)
	mustSend(t, false, "POST", "/api/v1/authn", signIn, &after)
	if after.Status != "PASSWORD_EXPIRED" {
		t.Fatalf("sign-in 31 days on: %s, want PASSWORD_EXPIRED", after.Status)
	}
}

func TestSmsCodesAreReadFromTheOutbox(t *testing.T) {
	resetOrg(t)
	var started, verified authnAnswer
	mustSend(t, false, "POST", "/api/v1/authn/recovery/password",
		map[string]string{"username": "bob@example.com", "factorType": "SMS"}, &started)
	var sms []struct{ Code string }
	mustSend(t, true, "GET", "/_latchkey/outbox?to="+url.QueryEscape("+15555550123"), nil, &sms)
	if len(sms) != 1 || sms[0].Code == "" {
		t.Fatalf("want one SMS with a code for bob, got %+v", sms)
	}
	mustSend(t, false, "POST", "/api/v1/authn/recovery/factors/sms/verify",
		map[string]string{"stateToken": started.StateToken, "passCode": sms[0].Code}, &verified)
	if verified.Status != "RECOVERY" {
		t.Fatalf("after the code: %s, want RECOVERY", verified.Status)
	}
}
