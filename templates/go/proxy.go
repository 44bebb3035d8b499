package rcsdk

import (
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Which proxy a client sends through, decided once when it is made (the same rule in every
// language: docs/SECURITY.md, "Proxies and response size"):
//
//   - WithProxy("http://host:port") sends every request through that proxy; WithProxy("")
//     sends none through a proxy, whatever the environment says;
//   - otherwise an https:// server is reached through https_proxy (or HTTPS_PROXY) unless
//     no_proxy (or NO_PROXY) names its host;
//   - a plain http:// server (loopback, or opted in) is never reached through a proxy from the
//     environment: http_proxy, HTTP_PROXY and ALL_PROXY are not read, so Basic credentials and
//     tokens sent in the clear never go to a host the environment names.
//
// The environment is read by New, never per request (net/http's ProxyFromEnvironment is not
// used: it reads HTTP_PROXY and never proxies a loopback host).

// proxy is an http:// proxy: its URL (credentials included), its host:port (for messages) and
// its password (redacted).
type proxy struct {
	url     *url.URL
	netloc  string
	secrets []string
}

var proxyForbidden = regexp.MustCompile(`[\x00-\x20\x7f\\]`)

// parseProxy is value as a proxy (http:// assumed when no scheme is given), or an ErrUsage
// error naming source (never the value: it may hold a password).
func parseProxy(value, source string) (*proxy, error) {
	usage := source + " must be http://[user:password@]host[:port]"
	if proxyForbidden.MatchString(value) {
		return nil, usageError("%s, without spaces, backslashes or control characters", usage)
	}
	if !strings.Contains(value, "://") {
		value = "http://" + value
	}
	parts, err := url.Parse(value)
	if err != nil || !strings.EqualFold(parts.Scheme, "http") || parts.Hostname() == "" ||
		(parts.Path != "" && parts.Path != "/") || parts.RawQuery != "" || parts.Fragment != "" || parts.Opaque != "" {
		return nil, usageError("%s", usage)
	}
	port := 80
	if parts.Port() != "" {
		port, err = strconv.Atoi(parts.Port())
		if err != nil || port < 0 || port > 65535 {
			return nil, usageError("%s", usage)
		}
	}
	shown := net.JoinHostPort(parts.Hostname(), strconv.Itoa(port))
	chosen := &proxy{url: &url.URL{Scheme: "http", User: parts.User, Host: shown}, netloc: shown}
	if password, ok := parts.User.Password(); ok && password != "" {
		chosen.secrets = append(chosen.secrets, password, url.QueryEscape(password), url.PathEscape(password))
	}
	return chosen, nil
}

// bypassed says whether noProxy (comma-separated names, .suffix entries or *) names host.
func bypassed(host, noProxy string) bool {
	host = strings.Trim(strings.ToLower(host), "[]")
	for _, entry := range strings.Split(noProxy, ",") {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "*" {
			return true
		}
		if strings.Count(entry, ":") == 1 { // name:port; the port does not matter
			entry, _, _ = strings.Cut(entry, ":")
		}
		entry = strings.TrimLeft(strings.Trim(entry, "[]"), ".")
		if entry != "" && (host == entry || strings.HasSuffix(host, "."+entry)) {
			return true
		}
	}
	return false
}

// chooseProxy is the proxy for a server (scheme, host), by the WithProxy option (nil: not
// given) and the environment; nil: connect directly.
func chooseProxy(scheme, host string, option *string) (*proxy, error) {
	if option != nil {
		if *option == "" {
			return nil, nil
		}
		return parseProxy(*option, "proxy")
	}
	if scheme != "https" {
		return nil, nil
	}
	name, value := "", ""
	for _, name = range []string{"https_proxy", "HTTPS_PROXY"} {
		if value = os.Getenv(name); value != "" {
			break
		}
	}
	if value == "" {
		return nil, nil
	}
	noProxy := os.Getenv("no_proxy")
	if noProxy == "" {
		noProxy = os.Getenv("NO_PROXY")
	}
	if bypassed(host, noProxy) {
		return nil, nil
	}
	return parseProxy(value, name)
}
