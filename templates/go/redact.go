package rcsdk

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redacted stands where a secret was.
const Redacted = "[REDACTED]"

// Secrets shorter than this are blanked only where they stand alone.
const shortSecret = 6

// Redactor keeps secrets out of every message, log line and error rcsdk makes.
//
// By name: form fields, query parameters and JSON keys that hold secrets (password,
// access_token, client_secret, jwt, ...) and the credentials of Authorization headers are
// blanked wherever they appear. By value: a Redactor remembers the secrets one platform has
// seen and blanks them, and the forms a server may echo them in (URL-, form- and
// JSON-encoded). Credentials (Add) are kept for the Redactor's life; tokens (AddTokens) only
// for the last rotations. Safe for concurrent use.
type Redactor struct {
	mu          sync.Mutex
	credentials []string
	generations [][]string
	forms       []string // every encoded form of every secret, longest first
	dirty       bool
}

// Add remembers credentials: the app secret, passwords, JWTs, codes.
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, value := range values {
		if value != "" && !slices.Contains(r.credentials, value) {
			r.credentials = append(r.credentials, value)
			r.dirty = true
		}
	}
}

// AddTokens remembers tokens issued together (one rotation); the last few rotations are kept.
func (r *Redactor) AddTokens(values ...string) {
	generation := []string{}
	for _, value := range values {
		if value != "" {
			generation = append(generation, value)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(generation) == 0 || slices.ContainsFunc(r.generations, func(g []string) bool { return slices.Equal(g, generation) }) {
		return
	}
	r.generations = append(r.generations, generation)
	if len(r.generations) > tokenGenerations+1 {
		r.generations = r.generations[1:]
	}
	r.dirty = true
}

// Text is text with every known secret (and every named secret value) blanked.
func (r *Redactor) Text(text string) string {
	text = redactNamed(text)
	r.mu.Lock()
	if r.dirty {
		r.forms = r.compile()
		r.dirty = false
	}
	forms := r.forms
	r.mu.Unlock()
	if len(forms) == 0 {
		return text
	}
	var out strings.Builder
	for i := 0; i < len(text); {
		matched := ""
		for _, form := range forms {
			if strings.HasPrefix(text[i:], form) && (len(form) >= shortSecret || standsAlone(text, i, len(form))) {
				matched = form
				break
			}
		}
		if matched != "" {
			out.WriteString(Redacted)
			i += len(matched)
			continue
		}
		out.WriteByte(text[i])
		i++
	}
	return out.String()
}

// standsAlone: no word character, % or backslash just before, no word character just after.
func standsAlone(text string, at, size int) bool {
	if at > 0 {
		before := text[at-1]
		if isWordByte(before) || before == '%' || before == '\\' {
			return false
		}
	}
	return at+size >= len(text) || !isWordByte(text[at+size])
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// Value is a decoded JSON value with secret keys and every known secret blanked, at any depth.
func (r *Redactor) Value(value any) any {
	return r.value(value, 0)
}

func (r *Redactor) value(value any, depth int) any {
	if depth > 64 {
		return Redacted
	}
	switch v := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			if isSecretName(key) && item != nil {
				out[key] = Redacted
			} else {
				out[key] = r.value(item, depth+1)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = r.value(item, depth+1)
		}
		return out
	case string:
		return r.Text(v)
	}
	return value
}

// Secrets lists every value this Redactor blanks (without the encoded forms).
func (r *Redactor) Secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.secrets()
}

func (r *Redactor) secrets() []string {
	all := slices.Clone(r.credentials)
	for _, generation := range r.generations {
		for _, value := range generation {
			if !slices.Contains(all, value) {
				all = append(all, value)
			}
		}
	}
	return all
}

func (r *Redactor) compile() []string {
	seen := map[string]bool{}
	forms := []string{}
	for _, secret := range r.secrets() {
		for _, form := range encodings(secret) {
			if form != "" && !seen[form] {
				seen[form] = true
				forms = append(forms, form)
			}
		}
	}
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	return forms
}

// encodings are the ways a server may echo a secret back.
func encodings(secret string) []string {
	forms := []string{secret}
	for _, quoted := range []string{percent(secret, false, true), percent(secret, true, true), percent(secret, true, false)} {
		forms = append(forms, quoted, lowerHex(quoted))
	}
	var buffer strings.Builder
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if encoder.Encode(secret) == nil {
		utf := strings.TrimSuffix(buffer.String(), "\n")
		ascii := asciiJSON(utf)
		for _, form := range []string{utf, ascii, strings.ReplaceAll(ascii, "/", `\/`)} {
			if len(form) > 2 {
				forms = append(forms, form[1:len(form)-1])
			}
		}
	}
	return forms
}

// percent is URL encoding (RFC 3986 unreserved characters kept); plus writes spaces as +;
// tilde keeps ~ (rawurlencode) or encodes it (PHP's urlencode).
func percent(text string, plus, tilde bool) string {
	var out strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case isWordByte(c) || c == '-' || c == '.' || c == '~' && tilde:
			out.WriteByte(c)
		case c == ' ' && plus:
			out.WriteByte('+')
		default:
			fmt.Fprintf(&out, "%%%02X", c)
		}
	}
	return out.String()
}

var upperHex = regexp.MustCompile(`%[0-9A-F]{2}`)

func lowerHex(text string) string {
	return upperHex.ReplaceAllStringFunc(text, strings.ToLower)
}

// asciiJSON escapes the non-ASCII characters of a JSON string as \uXXXX (as Python does).
func asciiJSON(text string) string {
	var out strings.Builder
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.String()
}

func isSecretName(name string) bool {
	return secretNames[strings.ToLower(name)]
}

var (
	credentialPattern = regexp.MustCompile(`(?i)\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)`)
	credentialShape   = regexp.MustCompile(`[0-9._~+/=-]|[a-z][A-Z]|^[A-Z]{2,}$`)
	namedPattern      = compileNamed()
)

func compileNamed() *regexp.Regexp {
	names := make([]string, 0, len(secretNames))
	for name := range secretNames {
		names = append(names, regexp.QuoteMeta(name))
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	alternatives := strings.Join(names, "|")
	return regexp.MustCompile(`(?i)(\b(?:` + alternatives + `)=)[^&\s#"']*|("(?:` + alternatives + `)"\s*:\s*")(?:[^"\\]|\\.)*(")`)
}

// redactNamed blanks the values of secret-named parameters and Authorization credentials.
func redactNamed(text string) string {
	text = replaceMatches(credentialPattern, text, func(text string, m []int) string {
		if credentialShape.MatchString(text[m[6]:m[7]]) {
			return text[m[2]:m[3]] + text[m[4]:m[5]] + Redacted
		}
		return text[m[0]:m[1]]
	})
	return replaceMatches(namedPattern, text, func(text string, m []int) string {
		if m[2] >= 0 {
			return text[m[2]:m[3]] + Redacted
		}
		return text[m[4]:m[5]] + Redacted + text[m[6]:m[7]]
	})
}

func replaceMatches(pattern *regexp.Regexp, text string, replace func(string, []int) string) string {
	matches := pattern.FindAllStringSubmatchIndex(text, -1)
	if matches == nil {
		return text
	}
	var out strings.Builder
	last := 0
	for _, m := range matches {
		out.WriteString(text[last:m[0]])
		out.WriteString(replace(text, m))
		last = m[1]
	}
	out.WriteString(text[last:])
	return out.String()
}
