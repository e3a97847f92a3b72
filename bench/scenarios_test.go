package bench

import (
	"strings"
	"testing"
	"time"
)

func TestScenarioTablesValid(t *testing.T) {
	full, quick := FullScenarios(), QuickScenarios()
	if err := Validate(full); err != nil {
		t.Fatal(err)
	}
	if err := Validate(quick); err != nil {
		t.Fatal(err)
	}
	if len(quick) == 0 || len(quick) >= len(full) {
		t.Fatalf("quick %d of full %d", len(quick), len(full))
	}
	protos := map[Protocol]bool{}
	for _, s := range full {
		protos[s.Protocol] = true
	}
	for _, p := range []Protocol{ProtoRESP, ProtoHTTP, ProtoWS, ProtoEmbedded, ProtoMemory} {
		if !protos[p] {
			t.Errorf("no %s scenario", p)
		}
	}
	var total time.Duration
	for _, s := range quick {
		total += s.Duration
	}
	if total > 30*time.Second {
		t.Errorf("quick scenarios run %v per round", total)
	}
}

func TestValidateRejects(t *testing.T) {
	good := Scenario{Name: "x", Protocol: ProtoRESP, Command: "GET", Clients: 1, Pipeline: 1, ValueSize: 1, KeySpace: 1, Ops: 1}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*Scenario){
		"empty name":       func(s *Scenario) { s.Name = "" },
		"unknown protocol": func(s *Scenario) { s.Protocol = "smtp" },
		"unknown command":  func(s *Scenario) { s.Command = "DEL" },
		"must be positive": func(s *Scenario) { s.Clients = 0 },
		"duration":         func(s *Scenario) { s.Ops = 0 },
		"load with SET":    func(s *Scenario) { s.Protocol = ProtoMemory },
	}
	for want, mod := range bad {
		s := good
		mod(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
	if err := Validate([]Scenario{good, good}); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestFilter(t *testing.T) {
	full := FullScenarios()
	all, err := Filter(full, "")
	if err != nil || len(all) != len(full) {
		t.Fatalf("empty filter: %d, %v", len(all), err)
	}
	got, err := Filter(full, `^resp GET c50 p16`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("want the 1M and 1K key GET c50 p16 scenarios, got %d", len(got))
	}
	for _, s := range got {
		if !strings.HasPrefix(s.Name, "resp GET c50 p16") {
			t.Errorf("matched %q", s.Name)
		}
	}
	if _, err := Filter(full, "("); err == nil {
		t.Error("bad regexp accepted")
	}
	if _, err := Filter(full, "nothing-matches-this"); err == nil {
		t.Error("a filter that matches nothing is an error")
	}
}
