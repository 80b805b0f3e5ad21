package keycrm

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := Secret(testKey)
	opt := Options{BaseURL: "http://x/v1", APIKey: s}
	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%s", "%q", "%+v", "%#v", "%x", "%X", "%d", "%10s", "%-8v", "%T"} {
		outputs[verb] = fmt.Sprintf(verb, s)
		outputs[verb+" in a struct"] = fmt.Sprintf(verb, opt)
		outputs[verb+" via pointer"] = fmt.Sprintf(verb, &opt)
	}
	outputs["String"] = s.String()
	outputs["GoString"] = s.GoString()
	outputs["Sprint"] = fmt.Sprint(s, opt)
	outputs["Sprintln"] = fmt.Sprintln(s)
	for name, v := range map[string]any{"json": s, "json struct": struct{ Key Secret }{s}, "json map": map[string]Secret{"k": s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs[name] = string(b)
	}
	text, _ := s.MarshalText()
	outputs["text"] = string(text)
	for name, out := range outputs {
		if strings.Contains(out, testKey) || strings.Contains(out, fmt.Sprintf("%x", testKey)) {
			t.Errorf("%s leaks the key: %s", name, out)
		}
	}
	for _, name := range []string{"%v", "%s", "%+v", "%#v", "String", "GoString", "text"} {
		if outputs[name] != Mask {
			t.Errorf("%s = %q, want %q", name, outputs[name], Mask)
		}
	}
	if outputs["%q"] != `"****"` || outputs["json"] != `"****"` {
		t.Errorf("%%q = %s, json = %s", outputs["%q"], outputs["json"])
	}
	if s.Reveal() != testKey {
		t.Error("Reveal does not return the key")
	}
}
