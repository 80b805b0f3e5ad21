package redact

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// key holds the characters that escape differently in JSON, URLs and HTML.
const key = "SeCrEtKeY/Ab+Cd=Ef&Gh<Ij"

func TestSecretMasksEveryForm(t *testing.T) {
	js, err := json.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	jsonText := strings.Trim(string(js), `"`)
	var uEsc strings.Builder
	for _, r := range key {
		uEsc.WriteString(`\u00` + strings.ToLower(string("0123456789ABCDEF"[r>>4])+string("0123456789ABCDEF"[r&15])))
	}
	forms := map[string]string{
		"raw":                       key,
		"JSON":                      jsonText,
		"PHP JSON":                  strings.ReplaceAll(jsonText, "/", `\/`),
		"JSON unicode escapes":      uEsc.String(),
		"query escape":              url.QueryEscape(key),
		"path escape":               url.PathEscape(key),
		"HTML":                      html.EscapeString(key),
		"HTML numeric":              "SeCrEtKeY&#47;Ab&#x2B;Cd&#61;Ef&amp;Gh&lt;Ij",
		"JSON inside JSON":          strings.ReplaceAll(strings.ReplaceAll(jsonText, `\`, `\\`), "/", `\\\/`),
		"URL inside JSON":           strings.ReplaceAll(url.QueryEscape(key), "%", `\u0025`),
		"cut after 14":              key[:14] + "…",
		"cut to the first 8":        key[:8],
		"escaped and cut":           strings.ReplaceAll(key[:12], "/", `\/`),
		"last 8 characters":         key[len(key)-8:],
		"middle, percent-encoded":   url.QueryEscape(key[6:16]),
		"lower-case escape letters": regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(key), strings.ToLower),
	}
	s := NewSecret(key)
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			text := `{"message":"proxy saw Authorisation ` + form + ` and gave up"}`
			got := s.Mask(text)
			if !strings.HasPrefix(got, `{"message":"proxy saw Authorisation `) || !strings.HasSuffix(got, ` and gave up"}`) {
				t.Errorf("the text around the key changed: %s", got)
			}
			if strings.Contains(got, form) || !strings.Contains(got, Mask) {
				t.Errorf("%s form %q not masked: %s", name, form, got)
			}
		})
	}
}

func TestSecretLeavesOtherTextAlone(t *testing.T) {
	s := NewSecret(key)
	for _, text := range []string{
		"",
		"SeCrEtK",                          // 7 characters of the key: too short to tell
		"The given data was invalid. 100%", // a stray escape character
		`a \u00zz &#xZZ; &unknown; %G1 \`,  // broken escapes are text
		"Ab+Cd=E &amp; SeCr",               // fragments shorter than 8
	} {
		if got := s.Mask(text); got != text {
			t.Errorf("Mask(%q) = %q, want it unchanged", text, got)
		}
	}
}

func TestShortSecrets(t *testing.T) {
	if NewSecret("abc") != nil {
		t.Error("a 3-byte secret should not be masked at all")
	}
	var none *Secret
	if got := none.Mask("abc"); got != "abc" {
		t.Errorf("nil Secret changed the text: %q", got)
	}
	// A secret shorter than FragmentLen is masked whole only.
	s := NewSecret("k3y5")
	if got := s.Mask("k3y5 and k3y"); got != Mask+" and k3y" {
		t.Errorf("got %q", got)
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Authorization: Bearer anything-at-all\nHost: x", "Authorization: " + Mask + "\nHost: x"},
		{`{"headers":{"authorization":["Bearer abc\/def"],"host":["x"]}}`, `{"headers":{"authorization":["` + Mask + `"],"host":["x"]}}`},
		{`{\"Authorization\":\"Basic dXNlcjpwYXNz\"}`, `{\"Authorization\":\"` + Mask + `\"}`},
		{"bad header bearer SeCrEtKeY/Ab+C…", "bad header bearer " + Mask},
		{"GET /x?access=Bearer%20tok123&y=1", "GET /x?access=Bearer%20" + Mask},
		{`<td>Authorization</td><td>Bearer t0k3n</td>`, `<td>Authorization</td><td>Bearer ` + Mask + `</td>`},
		{"The given data was invalid.", "The given data was invalid."},
	}
	for _, tt := range tests {
		if got := Credentials(tt.in); got != tt.want {
			t.Errorf("Credentials(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSecretMask(f *testing.F) {
	f.Add(`{"message":"Bearer SeCrEtKeY\/Ab+Cd=Ef"}`)
	f.Add("%53%65%43%72%45%74%4B%65%59")
	f.Add("&#83;&#x65;&sol;\\u0053\\")
	s := NewSecret(key)
	f.Fuzz(func(t *testing.T, text string) {
		got := s.Mask(text)
		for i := 0; i+FragmentLen <= len(key); i++ {
			if strings.Contains(got, key[i:i+FragmentLen]) {
				t.Errorf("Mask(%q) = %q still holds %q", text, got, key[i:i+FragmentLen])
			}
		}
		_ = Credentials(text)
	})
}
