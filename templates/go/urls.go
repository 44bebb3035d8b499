package rcsdk

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// origin is where a request may go: the platform's own origin only, and input that cannot
// change that.
//
// The server is an http(s) URL without credentials, query or fragment; plain http is refused
// for a host other than loopback unless the caller opts in (WithAllowInsecureHTTP). A path
// starts with / (never //), or is an absolute URL on the server's own origin (scheme, host,
// port); backslashes and control characters are refused, and so are control characters in
// header and form values. Every refusal is an ErrUsage error naming the argument.
type origin struct {
	scheme string
	host   string
	port   int
	netloc string
	base   string
}

var defaultPorts = map[string]int{"http": 80, "https": 443}

func parseOrigin(server string, allowInsecureHTTP bool) (*origin, error) {
	if control(server) != "" || strings.ContainsAny(server, "\\ ") {
		return nil, usageError("server contains a control character, space or backslash: %s", shown(server))
	}
	scheme, rest, _ := strings.Cut(server, "://")
	scheme = strings.ToLower(scheme)
	authority, _, _ := strings.Cut(rest, "/")
	if strings.Contains(authority, "@") {
		return nil, usageError("server must not carry credentials (user:password@): rcsdk authenticates itself")
	}
	parsed, err := url.Parse(server)
	if _, known := defaultPorts[scheme]; err != nil || !known || parsed.Hostname() == "" {
		return nil, usageError("server must be an http(s) URL with a host, not %s", shown(server))
	}
	if strings.Contains(server, "?") {
		return nil, usageError("server must not have a query (?...): %s", shown(server))
	}
	if strings.Contains(server, "#") {
		return nil, usageError("server must not have a fragment (#...): %s", shown(server))
	}
	host := strings.ToLower(parsed.Hostname())
	port := defaultPorts[scheme]
	if text := parsed.Port(); text != "" {
		port, err = strconv.Atoi(text)
		if err != nil || port < 1 || port > 65535 {
			return nil, usageError("server has an invalid port: %s", shown(server))
		}
	}
	bracketed := host
	if strings.Contains(host, ":") {
		bracketed = "[" + host + "]"
	}
	netloc := bracketed
	if port != defaultPorts[scheme] {
		netloc = bracketed + ":" + strconv.Itoa(port)
	}
	if scheme == "http" && !isLoopback(host) && !allowInsecureHTTP {
		return nil, usageError(
			"server %s://%s uses plain HTTP: the app secret, passwords and tokens would cross the network "+
				"unencrypted. Use https://, or pass rcsdk.WithAllowInsecureHTTP(true) if this network is trusted.",
			scheme, netloc)
	}
	path := strings.TrimRight(parsed.EscapedPath(), "/")
	return &origin{scheme, host, port, netloc, scheme + "://" + netloc + path}, nil
}

func isLoopback(host string) bool {
	host = strings.TrimRight(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "::1" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() != nil && strings.HasPrefix(host, "127.")
}

// url is the URL for target: a path on this server, or an absolute URL on its origin.
func (o *origin) url(target, argument string) (string, error) {
	if target == "" {
		return "", usageError("%s is empty: pass an API path such as '/restapi/v1.0/...'", argument)
	}
	if c := control(target); c != "" {
		return "", usageError("%s contains a control character (%s): %s", argument, c, shown(target))
	}
	if strings.Contains(target, "\\") {
		return "", usageError("%s contains a backslash: %s", argument, shown(target))
	}
	if strings.HasPrefix(target, "//") {
		return "", usageError("%s starts with '//' (a URL to another host): %s; an API path starts with a single '/'", argument, shown(target))
	}
	if strings.HasPrefix(target, "/") {
		// The authority ends at the base's first '/': a path cannot change the host.
		return o.base + target, nil
	}
	lower := strings.ToLower(target)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return "", usageError("%s must start with '/' (or be a URL on %s://%s), not %s", argument, o.scheme, o.netloc, shown(target))
	}
	return target, o.sameOrigin(target, argument)
}

func (o *origin) sameOrigin(target, argument string) error {
	_, rest, _ := strings.Cut(target, "://")
	authority, _, _ := strings.Cut(rest, "/")
	authority, _, _ = strings.Cut(authority, "#")
	authority, _, _ = strings.Cut(authority, "?")
	if strings.Contains(authority, "@") {
		return usageError("%s must not carry credentials (user@): %s", argument, shown(target))
	}
	parsed, err := url.Parse(target)
	if err != nil {
		return usageError("%s is not a valid URL: %s", argument, shown(target))
	}
	scheme := strings.ToLower(parsed.Scheme)
	port := defaultPorts[scheme]
	if text := parsed.Port(); text != "" {
		port, _ = strconv.Atoi(text)
	}
	if scheme != o.scheme || strings.ToLower(parsed.Hostname()) != o.host || port != o.port {
		return usageError("%s points to %s://%s, not to the platform (%s://%s): rcsdk sends its tokens only to the platform",
			argument, scheme, authority, o.scheme, o.netloc)
	}
	return nil
}

// checkField refuses a credential or form value with a line break or other control character.
func checkField(name, value string) error {
	if c := control(value); c != "" {
		return usageError("%s contains a control character (%s)", name, c)
	}
	return nil
}

var headerName = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")

func checkHeaders(headers map[string]string) error {
	for key, value := range headers {
		if !headerName.MatchString(key) {
			return usageError("header name %s is not a valid HTTP header name", shown(key))
		}
		if c := control(strings.ReplaceAll(value, "\t", " ")); c != "" {
			return usageError("header %s contains a control character (%s)", key, c)
		}
	}
	return nil
}

// control names the first control character of value ("" when there is none).
func control(value string) string {
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c < 0x20 || c == 0x7f {
			switch c {
			case '\r':
				return `\r`
			case '\n':
				return `\n`
			case '\t':
				return `\t`
			}
			return fmt.Sprintf(`\x%02x`, c)
		}
	}
	return ""
}

var userinfo = regexp.MustCompile(`(//)[^/?#@]*@`)

// shown is a value for a message: credentials (user:pw@) and secret-named parameters blanked,
// control characters escaped, long values cut.
func shown(value string) string {
	value = userinfo.ReplaceAllString(redactNamed(value), "${1}"+Redacted+"@")
	text := strconv.Quote(value)
	text = "'" + strings.ReplaceAll(text[1:len(text)-1], `\"`, `"`) + "'"
	if len(text) <= 60 {
		return text
	}
	return text[:56] + "...'"
}
