// Copied verbatim from templates/go/sdk.go by rcsdk's generator.
// Do not edit: change templates/go/sdk.go and run `make generate`.

package rcsdk

// SDK is the entry point: one app on one server, and its platform.
type SDK struct {
	// Settings are the RC_* variables FromEnv read (empty for New).
	Settings Settings
	platform *Platform
}

// New makes the SDK of an app (appSecret "" for a public, PKCE app) on a server, such as
// ProductionServer. A server that is not a usable https URL (or http on loopback) is an
// ErrUsage error.
func New(appKey, appSecret, server string, options ...Option) (*SDK, error) {
	s := defaults()
	for _, option := range options {
		option(s)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if appKey == "" {
		return nil, usageError("appKey is required")
	}
	if err := checkField("appKey", appKey); err != nil {
		return nil, err
	}
	if err := checkField("appSecret", appSecret); err != nil {
		return nil, err
	}
	o, err := parseOrigin(server, s.allowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	if s.allowInsecureHTTP && o.scheme == "http" && !isLoopback(o.host) {
		s.warn("rcsdk: plain HTTP to %s (WithAllowInsecureHTTP): credentials cross the network unencrypted", o.netloc)
	}
	// The proxy is chosen here, once: the environment is not read again.
	chosen, err := chooseProxy(o.scheme, o.host, s.proxy)
	if err != nil {
		return nil, err
	}
	redactor := &Redactor{}
	if chosen != nil {
		redactor.Add(chosen.secrets...)
	}
	p := &Platform{
		appKey:        appKey,
		server:        o.base,
		store:         s.store,
		origin:        o,
		redactor:      redactor,
		transport:     newTransport(appKey, appSecret, o, redactor, s, chosen),
		now:           s.now,
		refreshMargin: s.refreshMargin.Seconds(),
		autoRefresh:   s.autoRefresh,
		log:           s.report,
	}
	p.events.log = s.report
	p.transport.onLongWait = func(failure *Error) { p.events.emit(EventRateLimitWait, failure) }
	return &SDK{platform: p}, nil
}

// FromEnv makes the SDK from RC_SERVER (production when unset, with a warning line saying so),
// RC_APP_KEY and RC_APP_SECRET; sdk.Settings keeps every RC_* variable (RC_JWT, RC_USERNAME,
// ...) for the login of your choice.
func FromEnv(options ...Option) (*SDK, error) {
	settings := SettingsFromEnv()
	if settings.AppKey == "" {
		return nil, usageError("RC_APP_KEY is not set")
	}
	server := settings.Server
	if server == "" {
		server = ProductionServer
	}
	sdk, err := New(settings.AppKey, settings.AppSecret, server, options...)
	if err != nil {
		return nil, err
	}
	if settings.Server == "" {
		// Credentials of a sandbox or local app fail in production without saying why: this
		// line, the same in every language, is the clue.
		sdk.platform.log("warning", "rcsdk: no server given (RC_SERVER is not set): using production, "+ProductionServer)
	}
	sdk.Settings = settings
	return sdk, nil
}

// Platform is the platform: logins, tokens and authenticated calls.
func (s *SDK) Platform() *Platform { return s.platform }

// String names the app and the server.
func (s *SDK) String() string {
	return "rcsdk.SDK(appKey=" + s.platform.appKey + ", server=" + s.platform.server + ")"
}
