package bench

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Protocol is how a scenario reaches the server.
type Protocol string

// The protocols a scenario may use.
const (
	ProtoRESP     Protocol = "resp"     // raw RESP over TCP, pipelined
	ProtoHTTP     Protocol = "http"     // POST / (or /pipeline) with a JSON body; Webdis GET /CMD/args
	ProtoWS       Protocol = "ws"       // JSON messages on /v1/ws, pipelined
	ProtoEmbedded Protocol = "embedded" // memshard.Open in this process, db.Pipeline()
	ProtoMemory   Protocol = "memory"   // load KeySpace keys, report memory per key
)

// MSETKeys is how many key/value pairs one MSET command carries.
const MSETKeys = 10

// Scenario is one row of the benchmark matrix. Scenarios are data: adding
// one is adding a literal to FullScenarios.
type Scenario struct {
	Name      string        `json:"name"`
	Protocol  Protocol      `json:"protocol"`
	Command   string        `json:"command"` // GET, SET, INCR or MSET
	Clients   int           `json:"clients"`
	Pipeline  int           `json:"pipeline"` // commands in flight per client
	ValueSize int           `json:"value_size"`
	KeySpace  int           `json:"key_space"` // keys drawn from; GET keys are loaded first
	Duration  time.Duration `json:"duration"`  // how long each round runs, unless Ops is set
	Ops       int           `json:"ops,omitempty"`
	Quick     bool          `json:"-"` // part of the --quick run
}

// PerRound reports whether the scenario is a timed load, run once per round
// on every system (memory scenarios run once).
func (s Scenario) PerRound() bool { return s.Protocol != ProtoMemory }

// Preloaded reports whether the scenario's key space must hold values
// before it runs.
func (s Scenario) Preloaded() bool { return s.Command == "GET" || s.Protocol == ProtoMemory }

const (
	kilo = 1000
	mega = 1000 * 1000
)

// respScenario builds a RESP scenario named after its parameters.
func respScenario(cmd string, clients, pipe, value, keys int, quick bool) Scenario {
	name := fmt.Sprintf("resp %s c%d p%d", cmd, clients, pipe)
	if value != 16 {
		name += " v" + sizeName(value)
	}
	if keys != mega && cmd != "INCR" {
		name += " k" + countName(keys)
	}
	return Scenario{Name: name, Protocol: ProtoRESP, Command: cmd, Clients: clients, Pipeline: pipe,
		ValueSize: value, KeySpace: keys, Duration: 4 * time.Second, Quick: quick}
}

// FullScenarios is the default matrix. Every RESP command runs with 1 and
// 50 clients at pipeline depth 1 and 16; value sizes and key spaces vary
// only on 50 clients at depth 16.
func FullScenarios() []Scenario {
	var out []Scenario
	for _, cmd := range []string{"GET", "SET", "INCR", "MSET"} {
		keys := mega
		if cmd == "INCR" {
			keys = kilo
		}
		for _, c := range []int{1, 50} {
			for _, p := range []int{1, 16} {
				quick := (cmd == "GET" && c == 50 && p == 16) || (cmd == "SET" && c == 50 && p == 1)
				out = append(out, respScenario(cmd, c, p, 16, keys, quick))
			}
		}
	}
	out = append(out,
		respScenario("GET", 50, 16, 16, kilo, false),
		respScenario("SET", 50, 16, 1024, 100*kilo, false),
		respScenario("SET", 50, 16, 64*1024, kilo, false),
	)
	d := 4 * time.Second
	out = append(out,
		Scenario{Name: "http GET c50", Protocol: ProtoHTTP, Command: "GET", Clients: 50, Pipeline: 1, ValueSize: 16, KeySpace: mega, Duration: d, Quick: true},
		Scenario{Name: "http SET c50", Protocol: ProtoHTTP, Command: "SET", Clients: 50, Pipeline: 1, ValueSize: 16, KeySpace: mega, Duration: d},
		Scenario{Name: "http pipeline GET c50 p16", Protocol: ProtoHTTP, Command: "GET", Clients: 50, Pipeline: 16, ValueSize: 16, KeySpace: mega, Duration: d},
		Scenario{Name: "ws GET c50 p16", Protocol: ProtoWS, Command: "GET", Clients: 50, Pipeline: 16, ValueSize: 16, KeySpace: mega, Duration: d, Quick: true},
		Scenario{Name: "ws SET c50 p16", Protocol: ProtoWS, Command: "SET", Clients: 50, Pipeline: 16, ValueSize: 16, KeySpace: mega, Duration: d},
		Scenario{Name: "embedded GET c4 p16", Protocol: ProtoEmbedded, Command: "GET", Clients: 4, Pipeline: 16, ValueSize: 16, KeySpace: mega, Duration: d, Quick: true},
		Scenario{Name: "embedded SET c4 p16", Protocol: ProtoEmbedded, Command: "SET", Clients: 4, Pipeline: 16, ValueSize: 16, KeySpace: mega, Duration: d},
		Scenario{Name: "memory 1M keys", Protocol: ProtoMemory, Command: "SET", Clients: 4, Pipeline: 256, ValueSize: 32, KeySpace: mega, Quick: true},
		Scenario{Name: "tail GET c50 p1 1M keys", Protocol: ProtoRESP, Command: "GET", Clients: 50, Pipeline: 1, ValueSize: 32, KeySpace: mega, Duration: 2 * d},
		Scenario{Name: "memory 10M keys", Protocol: ProtoMemory, Command: "SET", Clients: 4, Pipeline: 256, ValueSize: 32, KeySpace: 10 * mega},
		Scenario{Name: "tail GET c50 p1 10M keys", Protocol: ProtoRESP, Command: "GET", Clients: 50, Pipeline: 1, ValueSize: 32, KeySpace: 10 * mega, Duration: 2 * d},
	)
	return out
}

// QuickScenarios is the --quick subset with short rounds: about a minute.
func QuickScenarios() []Scenario {
	var out []Scenario
	for _, s := range FullScenarios() {
		if s.Quick {
			s.Duration = 2 * time.Second
			out = append(out, s)
		}
	}
	return out
}

// Filter keeps the scenarios whose name matches the regular expression
// only; an empty expression keeps all of them.
func Filter(scs []Scenario, only string) ([]Scenario, error) {
	if only == "" {
		return scs, nil
	}
	re, err := regexp.Compile(only)
	if err != nil {
		return nil, fmt.Errorf("--only: %w", err)
	}
	var out []Scenario
	for _, s := range scs {
		if re.MatchString(s.Name) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--only %q matches no scenario", only)
	}
	return out, nil
}

// Validate reports the first scenario that is malformed or shares its name.
func Validate(scs []Scenario) error {
	seen := map[string]bool{}
	for _, s := range scs {
		if err := s.Validate(); err != nil {
			return err
		}
		if seen[s.Name] {
			return fmt.Errorf("scenario %q: duplicate name", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// Validate reports what is wrong with one scenario.
func (s Scenario) Validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("empty name"))
	}
	switch s.Protocol {
	case ProtoRESP, ProtoHTTP, ProtoWS, ProtoEmbedded, ProtoMemory:
	default:
		errs = append(errs, fmt.Errorf("unknown protocol %q", s.Protocol))
	}
	switch s.Command {
	case "GET", "SET", "INCR", "MSET":
	default:
		errs = append(errs, fmt.Errorf("unknown command %q", s.Command))
	}
	if s.Protocol == ProtoMemory && s.Command != "SET" {
		errs = append(errs, errors.New("memory scenarios load with SET"))
	}
	if s.Clients < 1 || s.Pipeline < 1 || s.KeySpace < 1 || s.ValueSize < 1 {
		errs = append(errs, errors.New("clients, pipeline, key space and value size must be positive"))
	}
	if s.PerRound() && s.Duration <= 0 && s.Ops <= 0 {
		errs = append(errs, errors.New("needs a duration or an op count"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scenario %q: %w", s.Name, err)
	}
	return nil
}

func sizeName(n int) string {
	switch {
	case n >= 1024 && n%1024 == 0:
		return fmt.Sprintf("%dk", n/1024)
	default:
		return fmt.Sprintf("%d", n)
	}
}

func countName(n int) string {
	switch {
	case n >= mega && n%mega == 0:
		return fmt.Sprintf("%dM", n/mega)
	case n >= kilo && n%kilo == 0:
		return fmt.Sprintf("%dK", n/kilo)
	default:
		return fmt.Sprintf("%d", n)
	}
}
