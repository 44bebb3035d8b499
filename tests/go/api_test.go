// The public API of the Go module, pinned: every exported name of generated/go (types,
// functions, constants, variables, and methods as Type.Method). Go-only because it is Go's own
// export rule; Python pins __all__ (tests/test_errors.py) and JavaScript its exports likewise.
// A name added or removed on purpose is added or removed here.
package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

var publicAPI = []string{
	"AccountRef", "AuthDataVersion", "AuthorizationRequest", "AuthorizationRequest.GoString",
	"AuthorizationRequest.String", "AuthorizeOptions", "AuthorizeURLOptions", "Call", "Contact",
	"DefaultLockTimeout", "DefaultMaxResponseBytes", "DefaultMaxRetries", "DefaultMaxRetryWait", "DefaultRefreshMargin",
	"DefaultTimeout", "Environment", "ErrAPIConnection", "ErrAPIStatus", "ErrAPITimeout",
	"ErrAuthData", "ErrAuthentication", "ErrBadRequest", "ErrInternalServer", "ErrInvalidClient",
	"ErrInvalidGrant", "ErrLoginRequired", "ErrNotFound", "ErrPermissionDenied", "ErrRCSDK",
	"ErrRateLimit", "ErrRedirect", "ErrResponseFormat", "ErrResponseTooLarge", "ErrSessionOrigin", "ErrToken", "ErrTokenStore", "ErrUsage",
	"Error", "Error.Error", "Error.ErrorCode", "Error.GoString", "Error.Is", "Error.Unwrap",
	"ErrorBody", "ErrorItem", "Event", "EventAccessViolation", "EventLoginError",
	"EventLoginSuccess", "EventLogoutError", "EventLogoutSuccess", "EventRateLimitWait", "EventRefreshError",
	"EventRefreshSuccess", "EventStoreError", "Events", "ExtensionInfo", "FileTokenStore",
	"FileTokenStore.Load", "FileTokenStore.Lock", "FileTokenStore.Save", "FileTokenStore.String",
	"FromEnv", "Kind", "Kind.Base", "Kind.Error", "Kinds", "Listener", "LocalServer",
	"LoginAuthCodeOptions", "LoginJWTOptions", "MaxStoreBytes", "MemoryTokenStore",
	"MemoryTokenStore.Load", "MemoryTokenStore.Lock", "MemoryTokenStore.Save", "New",
	"NewFileTokenStore", "NewMemoryTokenStore", "Option", "ParseEvent", "Platform",
	"Platform.AppKey", "Platform.Authorize", "Platform.AuthorizeURL", "Platform.Delete",
	"Platform.Get", "Platform.GetAuthData", "Platform.GoString", "Platform.HTTPClient", "Platform.IsAuthorized",
	"Platform.LoginAuthCode", "Platform.LoginJWT", "Platform.Logout", "Platform.On",
	"Platform.Patch", "Platform.Post", "Platform.Put", "Platform.ReadExtension",
	"Platform.Redactor", "Platform.Refresh", "Platform.Request", "Platform.Server",
	"Platform.SetAuthData", "Platform.Store", "Platform.String", "ProductionServer", "ReadExtensionOptions",
	"Redacted", "Redactor", "Redactor.Add", "Redactor.AddTokens", "Redactor.Secrets",
	"Redactor.Text", "Redactor.Value", "Response", "Response.Decode", "Response.JSON", "SDK",
	"SDK.Platform", "SDK.String", "SandboxServer", "Settings", "Settings.GoString", "Settings.MarshalJSON",
	"Settings.String", "SettingsFromEnv", "TokenInfo", "TokenInfo.GoString", "TokenInfo.MarshalJSON", "TokenInfo.String",
	"TokenStore", "Version", "WithAllowInsecureHTTP", "WithAutoRefresh", "WithClock",
	"WithLogger", "WithMaxResponseBytes", "WithMaxRetries", "WithMaxRetryWait", "WithRefreshMargin", "WithRoundTripper",
	"WithProxy", "WithSleep", "WithStore", "WithTimeout", "WithUserAgent",
}

func exportedNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "generated", "go", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	names := []string{}
	fileSet := token.NewFileSet()
	for _, path := range files {
		file, err := parser.ParseFile(fileSet, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names = append(names, d.Name.Name)
					continue
				}
				receiver := d.Recv.List[0].Type
				if star, ok := receiver.(*ast.StarExpr); ok {
					receiver = star.X
				}
				if ident, ok := receiver.(*ast.Ident); ok && ident.IsExported() {
					names = append(names, ident.Name+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, name := range s.Names {
							if name.IsExported() {
								names = append(names, name.Name)
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

func TestThePublicAPIIsPinned(t *testing.T) {
	if names := exportedNames(t); !reflect.DeepEqual(names, publicAPI) {
		t.Errorf("the exported names changed:\n%#v", names)
	}
}
