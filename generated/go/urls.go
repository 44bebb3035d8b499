// Copied verbatim from templates/go/urls.go by rcsdk's generator.
// Do not edit: change templates/go/urls.go and run `make generate`.

package rcsdk

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// paths are the URLs of API paths already checked (copied on write, at most knownPaths of
	// them): a path's URL depends on nothing else, and calls repeat their paths.
	paths   atomic.Pointer[map[string]string]
	pathsMu sync.Mutex
}

// knownPaths bounds origin.paths (paths with ids in them would grow it without end).
const knownPaths = 256

var defaultPorts = map[string]int{"http": 80, "https": 443}

func parseOrigin(server string, allowInsecureHTTP bool) (*origin, error) {
	if control(server) != "" || strings.ContainsAny(server, "\\ ") || !ascii(server) {
		return nil, usageError("server contains a control character, space, backslash or non-ASCII character: %s", shown(server))
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
	host, port, err := hostOf(server)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		port = defaultPorts[scheme]
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
	return &origin{scheme: scheme, host: host, port: port, netloc: netloc, base: scheme + "://" + netloc + path}, nil
}

// key is scheme://host:port, the port always written: what auth data records as its origin.
func (o *origin) key() string {
	host := o.host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return o.scheme + "://" + host + ":" + strconv.Itoa(o.port)
}

// isLoopback says whether host is this machine's loopback interface, known without a DNS
// lookup: a literal loopback address (127.0.0.0/8, ::1) or exactly localhost (not localhost.,
// x.localhost or 127.0.0.1.: names that DNS answers for).
func isLoopback(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" {
		return true
	}
	if ipv4.MatchString(host) {
		return strings.HasPrefix(host, "127.")
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.To4() == nil && ip.Equal(net.IPv6loopback)
}

// The one reading of a server's host that every rcsdk client shares: a name of dot-separated
// labels (letters, digits, '-', '_') whose last label is not a number, a dotted-quad IPv4
// address in plain decimal, or a bracketed IPv6 address. Anything else (a trailing dot, '%',
// non-ASCII, 127.1, 0x7f.0.0.1, a zone id) is refused: URL parsers read such hosts differently.
var (
	authorityOf = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)`)
	hostPort    = regexp.MustCompile(`^(\[[0-9A-Fa-f:]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?$`)
	hostLabel   = regexp.MustCompile(`^[a-z0-9_-]+$`)
	ipv4        = regexp.MustCompile(`^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$`)
)

// hostOf is the host (lower case; an IPv6 address compressed, without brackets) and port (0:
// none given) of server's authority, read by the shared rule above.
func hostOf(server string) (string, int, error) {
	authority := ""
	if match := authorityOf.FindStringSubmatch(server); match != nil {
		authority = match[1]
	}
	parts := hostPort.FindStringSubmatch(authority)
	port := 0
	if parts != nil && parts[2] != "" {
		port, _ = strconv.Atoi(parts[2])
	}
	if parts == nil || (parts[2] != "" && (port == 0 || port > 65535)) {
		return "", 0, usageError("server has no valid host and port: %s", shown(server))
	}
	host := strings.ToLower(parts[1])
	if strings.HasPrefix(host, "[") {
		ip := net.ParseIP(host[1 : len(host)-1])
		if ip == nil || ip.To4() != nil {
			return "", 0, usageError("server has an invalid IPv6 address: %s", shown(server))
		}
		return ip.String(), port, nil
	}
	labels := strings.Split(host, ".")
	last := labels[len(labels)-1]
	numeric := strings.HasPrefix(last, "0x") || (last != "" && strings.Trim(last, "0123456789") == "")
	valid := !numeric || ipv4.MatchString(host)
	for _, label := range labels {
		valid = valid && hostLabel.MatchString(label)
	}
	if !valid {
		return "", 0, usageError("server host %s is not a name (letters, digits, '-' and '_' between dots, no trailing dot), a dotted-quad IPv4 address or a bracketed IPv6 address", shown(host))
	}
	return host, port, nil
}

// url is the URL for target: a path on this server, or an absolute URL on its origin.
func (o *origin) url(target, argument string) (string, error) {
	if known := o.paths.Load(); known != nil {
		if full, ok := (*known)[target]; ok {
			return full, nil
		}
	}
	if target == "" {
		return "", usageError("%s is empty: pass an API path such as '/restapi/v1.0/...'", argument)
	}
	if c := control(target); c != "" {
		return "", usageError("%s contains a control character (%s): %s", argument, c, shown(target))
	}
	if strings.Contains(target, "\\") {
		return "", usageError("%s contains a backslash: %s", argument, shown(target))
	}
	if strings.Contains(target, " ") || !ascii(target) {
		return "", usageError("%s contains a space or a non-ASCII character (percent-encode it): %s", argument, shown(target))
	}
	if strings.HasPrefix(target, "//") {
		return "", usageError("%s starts with '//' (a URL to another host): %s; an API path starts with a single '/'", argument, shown(target))
	}
	if strings.HasPrefix(target, "/") {
		// The authority ends at the base's first '/': a path cannot change the host.
		full := o.base + target
		o.remember(target, full)
		return full, nil
	}
	lower := strings.ToLower(target)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return "", usageError("%s must start with '/' (or be a URL on %s://%s), not %s", argument, o.scheme, o.netloc, shown(target))
	}
	return target, o.sameOrigin(target, argument)
}

// remember adds a checked path and its URL to o.paths, while there is room.
func (o *origin) remember(path, full string) {
	if known := o.paths.Load(); known != nil && len(*known) >= knownPaths {
		return // full: no lock taken
	}
	o.pathsMu.Lock()
	defer o.pathsMu.Unlock()
	known := o.paths.Load()
	if known != nil && len(*known) >= knownPaths {
		return
	}
	paths := make(map[string]string, 1)
	if known != nil {
		paths = maps.Clone(*known)
	}
	paths[path] = full
	o.paths.Store(&paths)
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
		if !ascii(value) {
			// One rule in every language: HTTP libraries send other characters differently.
			return usageError("header %s contains a non-ASCII character", key)
		}
	}
	return nil
}

func ascii(value string) bool {
	for i := 0; i < len(value); i++ {
		if value[i] >= 0x80 {
			return false
		}
	}
	return true
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
