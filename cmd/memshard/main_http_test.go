package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/memshard/memshard"
)

// TestStartHTTPAppliesLimits: the HTTP limit flags reach the listener.
func TestStartHTTPAppliesLimits(t *testing.T) {
	cfg := mustLoad(t, []string{"--http-addr", "127.0.0.1:0", "--http-max-body", "16", "--http-read-timeout", "5s"}, nil)
	db, err := memshard.Open(memshard.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, err := startHTTP(cfg, db, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := hc.Post("http://"+srv.Addr().String()+"/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := post(`["SET","k","v"]`); st != 200 || body != `{"result":"OK"}` {
		t.Fatalf("small body: %d %s", st, body)
	}
	if st, body := post(`["SET","k","a longer value"]`); st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "ERR request body too large") {
		t.Fatalf("body over --http-max-body: %d %s", st, body)
	}
}
