package keycrmmock

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Faults are the probabilities, each in [0, 1] and summing to at most 1, that a
// /v1 request meets one of the injected failures of the contract.
type Faults struct {
	Status500 float64 // an HTTP 500 with a JSON message
	Status429 float64 // a spurious 429 with Retry-After: 1
	Timeout   float64 // no answer until the client gives up; nothing applied
	Reset     float64 // the connection is dropped before anything is applied
	AckLost   float64 // a PUT/POST is applied, then the connection is dropped
	// Echo is a misconfigured gateway: a 502 whose message reflects the
	// request's headers, Authorization included, to test that clients never
	// print or keep a key a server sends back.
	Echo float64
	// Loop is a stuck paginator: a list read is answered with page 1 and a
	// next_page_url, whatever page was asked for, so a client that follows
	// next_page_url alone never stops.
	Loop float64
}

type fault int

const (
	faultNone fault = iota
	fault500
	fault429
	faultTimeout
	faultReset
	faultAckLost
	faultEcho
	faultLoop
)

// faultKinds names the kinds in the order their probability bands are laid out
// on [0, 1), which keeps a seed's sequence stable.
var faultKinds = []struct {
	name  string
	kind  fault
	field func(*Faults) *float64
}{
	{"500", fault500, func(f *Faults) *float64 { return &f.Status500 }},
	{"429", fault429, func(f *Faults) *float64 { return &f.Status429 }},
	{"timeout", faultTimeout, func(f *Faults) *float64 { return &f.Timeout }},
	{"reset", faultReset, func(f *Faults) *float64 { return &f.Reset }},
	{"ack-lost", faultAckLost, func(f *Faults) *float64 { return &f.AckLost }},
	// New kinds go last, so existing seeds replay the same sequence.
	{"echo", faultEcho, func(f *Faults) *float64 { return &f.Echo }},
	{"loop", faultLoop, func(f *Faults) *float64 { return &f.Loop }},
}

func (k fault) String() string {
	for _, fk := range faultKinds {
		if fk.kind == k {
			return fk.name
		}
	}
	return "none"
}

// ParseFaults reads a spec such as "500=0.05,429=0.05,timeout=0.01,reset=0.01,ack-lost=0.01".
// Kinds may appear in any order, at most once; an empty spec means no faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	seen := map[string]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return Faults{}, fmt.Errorf("fault %q: want KIND=PROBABILITY", item)
		}
		var field *float64
		for _, fk := range faultKinds {
			if fk.name == name {
				field = fk.field(&f)
			}
		}
		if field == nil {
			return Faults{}, fmt.Errorf("fault %q: unknown kind %q (known: 500, 429, timeout, reset, ack-lost, echo, loop)", item, name)
		}
		if seen[name] {
			return Faults{}, fmt.Errorf("fault %q: kind %q given twice", item, name)
		}
		seen[name] = true
		p, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return Faults{}, fmt.Errorf("fault %q: probability %q is not a number from 0 to 1", item, value)
		}
		*field = p
	}
	if total := f.total(); total > 1 {
		return Faults{}, fmt.Errorf("fault probabilities add up to %g, more than 1", total)
	}
	return f, nil
}

// String gives the spec ParseFaults reads back, listing only kinds that can happen.
func (f Faults) String() string {
	var parts []string
	for _, fk := range faultKinds {
		if p := *fk.field(&f); p > 0 {
			parts = append(parts, fk.name+"="+strconv.FormatFloat(p, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

func (f Faults) total() float64 {
	var sum float64
	for _, fk := range faultKinds {
		sum += *fk.field(&f)
	}
	return sum
}

// pick maps a uniform draw u in [0, 1) to a fault.
func (f Faults) pick(u float64) fault {
	for _, fk := range faultKinds {
		p := *fk.field(&f)
		if u < p {
			return fk.kind
		}
		u -= p
	}
	return faultNone
}
