// The public API of the Go module, pinned: every exported name of generated/go (types,
// functions, constants, variables, and methods as Type.Method). Go-only because it is Go's own
// export rule; Python pins __all__ (tests/test_errors.py) and JavaScript its exports
// (tests/js/exports.test.mjs) likewise. The runtime's own names (templates/go/) are the literal
// list below: adding or removing one is a decision, made here and there together. The names the
// spec gives (records, exceptions, servers, events from generated/scenarios.json; operations
// from generated/parity.json, with the options struct each one's signature takes) are derived,
// so an operation or a schema added to the spec needs no edit here.
package tests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var runtimeAPI = []string{
	"AnyGeneration", "AuthDataVersion", "AuthorizationRequest", "AuthorizationRequest.GoString",
	"AuthorizationRequest.String", "Call", "DefaultLockTimeout", "DefaultMaxResponseBytes",
	"DefaultMaxRetries", "DefaultMaxRetryWait", "DefaultRefreshMargin", "DefaultStoreKeyTTL", "DefaultStoreLease", "DefaultTimeout",
	"Environment",
	"Error", "Error.Error", "Error.ErrorCode", "Error.GoString", "Error.Is", "Error.Unwrap",
	"Event", "Events", "FencedTokenStore", "FileTokenStore", "FileTokenStore.Load", "FileTokenStore.Lock",
	"FileTokenStore.Save", "FileTokenStore.String", "FromEnv", "Kind", "Kind.Base", "Kind.Error",
	"Kinds", "Listener", "MaxStoreBytes", "MemoryTokenStore", "MemoryTokenStore.Load",
	"MemoryTokenStore.Lock", "MemoryTokenStore.Save", "New", "NewFileTokenStore",
	"NewMemoryTokenStore", "Option", "ParseEvent", "Platform", "Platform.AppKey",
	"Platform.Delete", "Platform.Get", "Platform.GetAuthData", "Platform.GoString",
	"Platform.HTTPClient", "Platform.IsAuthorized", "Platform.On", "Platform.Patch",
	"Platform.Post", "Platform.Put", "Platform.Redactor", "Platform.Request", "Platform.Server",
	"Platform.SetAuthData", "Platform.Store", "Platform.String", "Redacted", "Redactor",
	"Redactor.Add", "Redactor.AddTokens", "Redactor.Secrets", "Redactor.Text", "Redactor.Value",
	"Response", "Response.Decode", "Response.JSON", "SDK", "SDK.Platform", "SDK.String",
	"Settings", "Settings.GoString", "Settings.MarshalJSON", "Settings.String", "SettingsFromEnv",
	"TokenStore", "Version", "WithAllowInsecureHTTP", "WithAutoRefresh", "WithClock",
	"WithLogger", "WithMaxResponseBytes", "WithMaxRetries", "WithMaxRetryWait", "WithRefreshMargin", "WithRoundTripper",
	"WithProxy", "WithSleep", "WithStore", "WithTimeout", "WithUserAgent",
}

// specNames is what the spec exports in Go, from the generated name lists and the signatures of
// the operations' methods in generated/go/platform.go.
func specNames(t *testing.T) []string {
	t.Helper()
	var scenarios struct {
		Records       []string `json:"records"`
		SecretRecords []string `json:"secret_records"`
		Go            struct {
			Exceptions []string `json:"exceptions"`
			Servers    []string `json:"servers"`
			Events     []string `json:"events"`
		} `json:"go"`
	}
	readJSON(t, "generated/scenarios.json", &scenarios)
	var parity struct {
		Operations []struct {
			Go string `json:"go"`
		} `json:"operations"`
	}
	readJSON(t, "generated/parity.json", &parity)
	if len(scenarios.Records) == 0 || len(scenarios.Go.Exceptions) == 0 || len(parity.Operations) == 0 {
		t.Fatal("no names from the spec")
	}
	names := append([]string{}, scenarios.Records...)
	// A record holding a secret keeps it out of %v, %#v and JSON (templates/go/models.go.j2).
	for _, record := range scenarios.SecretRecords {
		names = append(names, record+".GoString", record+".MarshalJSON", record+".String")
	}
	names = append(names, scenarios.Go.Exceptions...)
	names = append(names, scenarios.Go.Servers...)
	names = append(names, scenarios.Go.Events...)
	signatures := methodSignatures(t)
	for _, op := range parity.Operations {
		names = append(names, op.Go)
		signature, ok := signatures[op.Go]
		if !ok {
			t.Fatalf("%s is in generated/parity.json, not in generated/go", op.Go)
		}
		// Optional arguments come in an options struct, the method's variadic parameter.
		if params := signature.Params.List; len(params) > 0 {
			if variadic, ok := params[len(params)-1].Type.(*ast.Ellipsis); ok {
				names = append(names, variadic.Elt.(*ast.Ident).Name)
			}
		}
	}
	return names
}

// methodSignatures are the Platform methods of generated/go/platform.go, by Platform.Name.
func methodSignatures(t *testing.T) map[string]*ast.FuncType {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "generated", "go", "platform.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ast.FuncType{}
	for _, decl := range file.Decls {
		if d, ok := decl.(*ast.FuncDecl); ok && d.Recv != nil && d.Name.IsExported() {
			out["Platform."+d.Name.Name] = d.Type
		}
	}
	return out
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
	public := append(append([]string{}, runtimeAPI...), specNames(t)...)
	sort.Strings(public)
	if names := exportedNames(t); !reflect.DeepEqual(names, public) {
		t.Errorf("the exported names are not the runtime's and the spec's:\n%s", difference(names, public))
	}
}

// difference names what is exported but not expected (+) and expected but not exported (-).
func difference(exported, expected []string) string {
	counts := map[string]int{}
	for _, name := range exported {
		counts[name]++
	}
	for _, name := range expected {
		counts[name]--
	}
	lines := []string{}
	for name, count := range counts {
		if count > 0 {
			lines = append(lines, "+ "+name)
		} else if count < 0 {
			lines = append(lines, "- "+name)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
